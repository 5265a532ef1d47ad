# store.sh - sourced by the end-to-end scripts that read central's result
# store, so that each runs on either backend: under with-pg.sh
# (SYNAQ_CENTRAL_DB is a PostgreSQL URL, and every synaq-central of the
# script uses it) the query goes to PostgreSQL with psql, else to the
# SQLite file named.
#   store_sql FILE SQL      prints the rows, columns joined by '|'
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
