# shellcheck shell=bash
# PostgreSQL: the options with their defaults, and the client. Shared by the prescript and the
# postscript. QuiesceScripts.postgresql() sets the options above these defaults at synth time;
# run from the source tree, the environment may set them.

: "${QUIESCE_POSTGRESQL_STRICT:=false}"
: "${QUIESCE_POSTGRESQL_TIMEOUT_SECONDS:=60}"
: "${QUIESCE_POSTGRESQL_HOLD_TIMEOUT_SECONDS:=120}"
: "${QUIESCE_POSTGRESQL_HOST:=/var/run/postgresql}"
: "${QUIESCE_POSTGRESQL_PORT:=5432}"
: "${QUIESCE_POSTGRESQL_USER:=postgres}"
: "${QUIESCE_POSTGRESQL_DATABASE:=postgres}"
: "${QUIESCE_POSTGRESQL_OS_USER:=postgres}"
: "${QUIESCE_POSTGRESQL_PASSWORD_FILE:=}"
: "${QUIESCE_POSTGRESQL_BACKUP_LABEL_DIR:=/var/lib/app-consistent-snapshot/postgresql}"

# The application name of the session that holds a backup (strict mode).
PG_HOLD_APP=app-consistent-snapshot-hold

# pg_setup: finds psql and builds its command line. With a password file psql runs as root
# and reads it (PGPASSFILE); otherwise it runs as the OS user, for peer authentication.
pg_setup() {
  command -v psql >/dev/null || fail CONFIG "no psql client found in PATH"
  require_int QUIESCE_POSTGRESQL_TIMEOUT_SECONDS 1 3600
  require_private_file passwordFile "$QUIESCE_POSTGRESQL_PASSWORD_FILE"
  PSQL=(psql -X -q -A -t -v ON_ERROR_STOP=1 -h "$QUIESCE_POSTGRESQL_HOST" -p "$QUIESCE_POSTGRESQL_PORT"
    -U "$QUIESCE_POSTGRESQL_USER" -d "$QUIESCE_POSTGRESQL_DATABASE")
  if [ -n "$QUIESCE_POSTGRESQL_PASSWORD_FILE" ]; then
    export PGPASSFILE=$QUIESCE_POSTGRESQL_PASSWORD_FILE
  elif [ "$QUIESCE_POSTGRESQL_OS_USER" != root ]; then
    id "$QUIESCE_POSTGRESQL_OS_USER" >/dev/null 2>&1 || fail CONFIG "no OS user $QUIESCE_POSTGRESQL_OS_USER"
    PSQL=(setpriv "--reuid=$QUIESCE_POSTGRESQL_OS_USER" "--regid=$(id -g "$QUIESCE_POSTGRESQL_OS_USER")" --init-groups -- "${PSQL[@]}")
  fi
  export PGCONNECT_TIMEOUT=$QUIESCE_POSTGRESQL_TIMEOUT_SECONDS PGAPPNAME=app-consistent-snapshot
  # No password prompt can ever wait for a terminal.
  PSQL+=(-w)
}

# pg_query SQL: runs SQL on a short connection of its own, bounded by the timeout option.
pg_query() {
  PGOPTIONS="-c statement_timeout=${QUIESCE_POSTGRESQL_TIMEOUT_SECONDS}s" \
    timeout -k 2 $((QUIESCE_POSTGRESQL_TIMEOUT_SECONDS + 5)) "${PSQL[@]}" -c "$1"
}

# pg_end_hold_sessions: ends any session that still holds a backup (it aborts the backup). Used
# only to clean up after a failure.
pg_end_hold_sessions() {
  pg_query "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = '$PG_HOLD_APP'" >/dev/null 2>&1 || true
}
