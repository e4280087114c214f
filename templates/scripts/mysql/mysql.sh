# shellcheck shell=bash
# MySQL / MariaDB: the options with their defaults, and the client. Shared by the prescript and
# the postscript. QuiesceScripts.mysql() sets the options above these defaults at synth time;
# run from the source tree, the environment may set them.

: "${QUIESCE_MYSQL_LOCK_MODE:=ftwrl}"
: "${QUIESCE_MYSQL_LOCK_WAIT_SECONDS:=5}"
: "${QUIESCE_MYSQL_HOLD_TIMEOUT_SECONDS:=60}"
: "${QUIESCE_MYSQL_CLEAN:=false}"
: "${QUIESCE_MYSQL_CLEAN_TIMEOUT_SECONDS:=30}"
: "${QUIESCE_MYSQL_DEFAULTS_FILE:=}"
: "${QUIESCE_MYSQL_SOCKET:=}"
: "${QUIESCE_MYSQL_HOST:=}"
: "${QUIESCE_MYSQL_PORT:=}"

# mysql_setup: finds the client and builds its connection arguments.
mysql_setup() {
  MYSQL_BIN=$(command -v mariadb || command -v mysql) || fail CONFIG "no mariadb or mysql client found in PATH"
  require_private_file defaultsFile "$QUIESCE_MYSQL_DEFAULTS_FILE"
  require_int QUIESCE_MYSQL_LOCK_WAIT_SECONDS 1 600
  MYSQL_ARGS=()
  # The client wants --defaults-extra-file first.
  if [ -n "$QUIESCE_MYSQL_DEFAULTS_FILE" ]; then MYSQL_ARGS+=("--defaults-extra-file=$QUIESCE_MYSQL_DEFAULTS_FILE"); fi
  if [ -n "$QUIESCE_MYSQL_SOCKET" ]; then MYSQL_ARGS+=("--socket=$QUIESCE_MYSQL_SOCKET"); fi
  if [ -n "$QUIESCE_MYSQL_HOST" ]; then MYSQL_ARGS+=(--protocol=TCP "--host=$QUIESCE_MYSQL_HOST"); fi
  if [ -n "$QUIESCE_MYSQL_PORT" ]; then MYSQL_ARGS+=("--port=$QUIESCE_MYSQL_PORT"); fi
  MYSQL_ARGS+=(--batch --skip-column-names --skip-reconnect "--connect-timeout=$QUIESCE_MYSQL_LOCK_WAIT_SECONDS")
}

# mysql_query SQL: runs SQL on a short connection of its own (output on stdout). Used only where
# no hold is in place, or to clean up after a failure.
mysql_query() {
  timeout -k 2 $((QUIESCE_MYSQL_LOCK_WAIT_SECONDS + 10)) "$MYSQL_BIN" "${MYSQL_ARGS[@]}" -e "$1"
}

# mysql_kill_session: ends the holding connection from another one (a waiting FLUSH TABLES
# does not notice that its client went away). Quiet when it is already gone.
mysql_kill_session() {
  if [ -n "${conn_id:-}" ]; then mysql_query "KILL $conn_id" >/dev/null 2>&1 || true; fi
}

# mysql_dirty_pages SESSION_MS: sets DIRTY_PAGES to InnoDB's dirty pages, asked through the
# held session. Returns 1 when the session does not answer within SESSION_MS.
DIRTY_PAGES=0
mysql_dirty_pages() {
  local line
  session_send "SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_pages_dirty';" "SELECT 'QUIESCE-DIRTY';"
  session_read QUIESCE-DIRTY "$1" || return 1
  DIRTY_PAGES=0
  for line in "${SESSION_LINES[@]}"; do
    if [[ $line == Innodb_buffer_pool_pages_dirty$'\t'* ]]; then DIRTY_PAGES=${line#*$'\t'}; fi
  done
}

# mysql_wait_dirty MAX UNTIL_MS: waits (through the session) until InnoDB has at most MAX dirty
# pages; returns 1 at UNTIL_MS.
mysql_wait_dirty() {
  while true; do
    mysql_dirty_pages 10000 || return 1
    [ "$DIRTY_PAGES" -le "$1" ] && return 0
    now_ms
    [ "$NOW_MS" -lt "$2" ] || return 1
    session_sleep 100
  done
}
