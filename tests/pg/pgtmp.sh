#!/usr/bin/env bash
# pgtmp.sh - a throwaway PostgreSQL cluster for tests, never the system's.
#
#   pgtmp.sh start DIR     initdb into a fresh temp folder, start the server
#                          on a Unix socket only (listen_addresses=''), create
#                          database "synaq"; prints its URL. DIR (created if
#                          missing) keeps the state: DIR/cluster (the folder
#                          of the cluster), DIR/url, DIR/url_pw (the password
#                          user's URL, with its password).
#   pgtmp.sh url DIR NAME  creates database NAME if missing; prints its URL
#   pgtmp.sh down DIR      stops the server, keeping the cluster (a server lost)
#   pgtmp.sh up DIR        starts it again after down
#   pgtmp.sh stop DIR      stops the server and removes the cluster's folder
#
# Exit status 77 (CTest's skip) when the PostgreSQL server binaries are not
# installed (scripts/setup installs them); 1 on any other failure.
#
# The server refuses to run as root, and CI runs as root: then the cluster
# belongs to the system user synaq-pgtest (created here if missing, with
# useradd --system). The cluster lives in its own temp folder, not in DIR,
# because a test's DIR is usually mode 0700 and root's; its socket path must
# also stay under 107 bytes. Two roles: "synaq" (the superuser, trusted on
# the socket) and "synaq_pw" (scram-sha-256, password "right-password"), for
# tests of a wrong password. fsync stays on: the cluster is small and the
# tests check commits before acknowledgements.
set -euo pipefail

pg_user=synaq-pgtest
nss_wrapper=/usr/lib/x86_64-linux-gnu/libnss_wrapper.so
for f in /usr/lib/*/libnss_wrapper.so; do [ -e "$f" ] && nss_wrapper=$f; done

die() { echo "pgtmp: $*" >&2; exit 1; }

bindir() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ] && [ -x "$d/postgres" ] && { echo "$d"; return 0; }
  done
  return 1
}

# Runs a command as the cluster's owner. As root, under nss_wrapper with a
# passwd file of the cluster's own: initdb looks its user up by uid, and
# /etc/passwd may be readable by root alone (it is 0600 on this kind of
# machine, and must be left so).
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    local c; c=$(cat "$dir/cluster")
    runuser -u "$pg_user" -- env LD_PRELOAD="$nss_wrapper" NSS_WRAPPER_PASSWD="$c/passwd" \
      NSS_WRAPPER_GROUP="$c/group" "$@"
  else
    "$@"
  fi
}

url_of() { # DIR DB [USER]
  local c; c=$(cat "$1/cluster")
  echo "postgresql:///$2?host=$c/sock&port=$(cat "$c/port")&user=${3:-synaq}"
}

cmd=${1:-}; dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || die "usage: pgtmp.sh start|url|down|up|stop DIR [NAME]"

case $cmd in
start)
  bin=$(bindir) || { echo "pgtmp: PostgreSQL server binaries not installed (scripts/setup)" >&2; exit 77; }
  mkdir -p "$dir"
  [ -e "$dir/cluster" ] && die "$dir holds a cluster already (stop it first)"
  if [ "$(id -u)" -eq 0 ] && ! id "$pg_user" >/dev/null 2>&1; then
    useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
      "$pg_user" || id "$pg_user" >/dev/null 2>&1 || die "cannot create the user $pg_user"
  fi
  c=$(mktemp -d "${TMPDIR:-/tmp}/synaq-pg.XXXXXX")
  echo "$c" >"$dir/cluster"
  if [ "$(id -u)" -eq 0 ]; then
    [ -e "$nss_wrapper" ] || die "$nss_wrapper missing (libnss-wrapper; scripts/setup)"
    uid=$(id -u "$pg_user"); gid=$(id -g "$pg_user")
    echo "$pg_user:x:$uid:$gid:Synaq test clusters:/nonexistent:/usr/sbin/nologin" >"$c/passwd"
    echo "$pg_user:x:$gid:" >"$c/group"
    chmod 0644 "$c/passwd" "$c/group"
    chown "$pg_user" "$c"
  fi
  chmod 0755 "$c"
  as_owner mkdir -m 0700 "$c/data"
  as_owner mkdir -m 0755 "$c/sock"
  # A port only names the socket file in our own folder; any will do, but
  # differ per cluster so that messages tell clusters apart.
  port=$((20000 + RANDOM % 30000))
  echo "$port" >"$c/port"
  as_owner "$bin/initdb" -D "$c/data" -U synaq -A trust -E UTF8 --locale=C.UTF-8 \
    >"$c/initdb.log" 2>&1 || { cat "$c/initdb.log" >&2; die "initdb failed"; }
  cat >>"$c/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$c/sock'
port = $port
max_connections = 50
shared_buffers = 16MB
dynamic_shared_memory_type = mmap
password_encryption = scram-sha-256
logging_collector = off
CONF
  cat >"$c/data/pg_hba.conf" <<HBA
local all synaq_pw scram-sha-256
local all all      trust
HBA
  as_owner "$bin/pg_ctl" -D "$c/data" -l "$c/server.log" -w -t 30 start >/dev/null ||
    { cat "$c/server.log" >&2; die "the server did not start"; }
  psql=("$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$c/sock" -p "$port" -U synaq)
  "${psql[@]}" -d postgres -c "CREATE DATABASE synaq" \
    -c "CREATE ROLE synaq_pw LOGIN PASSWORD 'right-password'" \
    -c "GRANT ALL ON DATABASE synaq TO synaq_pw" >/dev/null
  "${psql[@]}" -d synaq -c "GRANT ALL ON SCHEMA public TO synaq_pw" >/dev/null
  url_of "$dir" synaq >"$dir/url"
  echo "$(url_of "$dir" synaq synaq_pw)&password=right-password" >"$dir/url_pw"
  cat "$dir/url"
  ;;
url)
  name=${3:-}
  [[ $name =~ ^[a-z_][a-z0-9_]*$ ]] || die "a database name is [a-z_][a-z0-9_]*"
  bin=$(bindir) || exit 77
  c=$(cat "$dir/cluster")
  if [ -z "$("$bin/psql" -X -At -h "$c/sock" -p "$(cat "$c/port")" -U synaq -d postgres \
        -c "SELECT 1 FROM pg_database WHERE datname = '$name'")" ]; then
    "$bin/psql" -X -q -v ON_ERROR_STOP=1 -h "$c/sock" -p "$(cat "$c/port")" -U synaq \
      -d postgres -c "CREATE DATABASE $name" >/dev/null
  fi
  url_of "$dir" "$name"
  ;;
down|up)
  bin=$(bindir) || exit 77
  c=$(cat "$dir/cluster")
  if [ "$cmd" = down ]; then
    as_owner "$bin/pg_ctl" -D "$c/data" -m fast -w -t 30 stop >/dev/null
  else
    as_owner "$bin/pg_ctl" -D "$c/data" -l "$c/server.log" -w -t 30 start >/dev/null
  fi
  ;;
stop)
  [ -e "$dir/cluster" ] || exit 0
  c=$(cat "$dir/cluster")
  case $c in "${TMPDIR:-/tmp}"/synaq-pg.*) ;; *) die "$dir/cluster names no cluster of ours: $c" ;; esac
  if bin=$(bindir) && [ -e "$c/data/postmaster.pid" ]; then
    as_owner "$bin/pg_ctl" -D "$c/data" -m fast -w -t 30 stop >/dev/null 2>&1 ||
      as_owner "$bin/pg_ctl" -D "$c/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$c"
  rm -f "$dir/cluster" "$dir/url" "$dir/url_pw"
  ;;
*)
  die "usage: pgtmp.sh start|url|down|up|stop DIR [NAME]"
  ;;
esac
