# store.sh - sourced by the end-to-end scripts that read central's result
# store, so that each runs on either backend: under with-pg.sh
# (SYNAQ_CENTRAL_DB is a PostgreSQL URL, and every synaq-central of the
# script uses it) the query goes to PostgreSQL with psql, else to the
# SQLite file named.
#   store_sql FILE SQL      prints the rows, columns joined by '|'
#   store_write FILE SQL    runs SQL that writes (for tests that must see
#                           a write refused); its status is psql's or sqlite3's
#   store_digest FILE TABLE...  a digest of every row of the tables
# Under PostgreSQL the SQLite file must not exist: a command that wrote it
# would have missed SYNAQ_CENTRAL_DB, and the test would prove nothing.
store_sql() {
  if [ -n "${SYNAQ_CENTRAL_DB:-}" ]; then
    if [ -e "$1" ]; then
      echo "store_sql: $1 exists though the store is $SYNAQ_CENTRAL_DB" >&2
      return 1
    fi
    psql -X -At -v ON_ERROR_STOP=1 "$SYNAQ_CENTRAL_DB" -c "$2"
  else
    # A busy timeout: a daemon or receiver may hold the write lock (or a
    # killed one's WAL may need recovering) at the moment of reading.
    sqlite3 -readonly -cmd ".timeout 10000" "$1" "$2"
  fi
}

store_write() {
  if [ -n "${SYNAQ_CENTRAL_DB:-}" ]; then
    psql -X -q -At -v ON_ERROR_STOP=1 "$SYNAQ_CENTRAL_DB" -c "$2"
  else
    sqlite3 -cmd ".timeout 10000" "$1" "$2"
  fi
}

store_digest() {
  local f=$1 t
  shift
  for t in "$@"; do
    if [ -n "${SYNAQ_CENTRAL_DB:-}" ]; then
      psql -X -At -v ON_ERROR_STOP=1 "$SYNAQ_CENTRAL_DB" \
        -c "SELECT '$t', md5(coalesce(string_agg(x::text, '|' ORDER BY x::text), '')) FROM \"$t\" x"
    else
      sqlite3 -readonly -cmd ".timeout 10000" "$f" "SELECT * FROM \"$t\" ORDER BY 1, 2"
    fi
  done | sha256sum
}
