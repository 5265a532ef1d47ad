#!/usr/bin/env bash
# with-pg.sh - runs a test against a throwaway PostgreSQL cluster:
#
#   with-pg.sh COMMAND [ARG...]
#
# starts a cluster (pgtmp.sh), runs COMMAND with SYNAQ_TEST_DB_URL and
# SYNAQ_CENTRAL_DB (the URL of its database "synaq": every synaq-central
# the command runs stores there) and SYNAQ_TEST_PG (the harness's state
# folder, for `pgtmp.sh url "$SYNAQ_TEST_PG" NAME` and url_pw) set,
# stops the cluster whatever happens, and exits with COMMAND's status.
# 77 (skip) when the PostgreSQL server binaries are not installed.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
state=$(mktemp -d "${TMPDIR:-/tmp}/synaq-with-pg.XXXXXX")
cleanup() { "$here/pgtmp.sh" stop "$state/pg"; rm -rf "$state"; }
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
url=$("$here/pgtmp.sh" start "$state/pg")
rc=$?
[ $rc -eq 0 ] || exit $rc
SYNAQ_TEST_DB_URL=$url SYNAQ_CENTRAL_DB=$url SYNAQ_TEST_PG=$state/pg "$@"
