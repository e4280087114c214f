#!/bin/bash
# MySQL / MariaDB prescript for app-snapshot-plugin (ros-app-consistent-snapshot).
# Takes FLUSH TABLES WITH READ LOCK (or MariaDB's BACKUP STAGE up to BLOCK_COMMIT) in a
# database session that keeps running in the background after this script exits, flushes the
# engine logs, records the binary log position, and exits 0 only once the lock is held. The
# postscript releases it; without a postscript the lock ends after the hold timeout.
# Options, exit statuses and credentials: docs/quiesce-scripts.md.
set -euo pipefail

# quiesce:options

# shellcheck source=../lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
# shellcheck source=../lib/session.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/session.sh"
# shellcheck source=mysql.sh
. "$(dirname "${BASH_SOURCE[0]}")/mysql.sh"

quiesce_init prescript mysql
mysql_setup
require_int QUIESCE_MYSQL_HOLD_TIMEOUT_SECONDS 1 3600
require_int QUIESCE_MYSQL_CLEAN_TIMEOUT_SECONDS 1 3600
wait_s=$QUIESCE_MYSQL_LOCK_WAIT_SECONDS
hold_s=$QUIESCE_MYSQL_HOLD_TIMEOUT_SECONDS
clean_s=0
case "$QUIESCE_MYSQL_CLEAN" in
  true) clean_s=$QUIESCE_MYSQL_CLEAN_TIMEOUT_SECONDS ;;
  false) ;;
  *) fail CONFIG "QUIESCE_MYSQL_CLEAN must be true or false, got '$QUIESCE_MYSQL_CLEAN'" ;;
esac
case "$QUIESCE_MYSQL_LOCK_MODE" in
  ftwrl) lock_sql=("FLUSH TABLES WITH READ LOCK;") ;;
  backup-stage) lock_sql=("BACKUP STAGE START;" "BACKUP STAGE FLUSH;" "BACKUP STAGE BLOCK_DDL;" "BACKUP STAGE BLOCK_COMMIT;") ;;
  *) fail CONFIG "QUIESCE_MYSQL_LOCK_MODE must be ftwrl or backup-stage, got '$QUIESCE_MYSQL_LOCK_MODE'" ;;
esac
[ "$hold_s" -gt $((wait_s + clean_s)) ] ||
  fail CONFIG "the hold timeout ($hold_s s) must exceed the lock wait ($wait_s s) plus the clean timeout ($clean_s s)"

session_refuse_if_held

out=$(mysql_query "SELECT 1" 2>&1) || fail CONNECT "cannot connect to the server: $out"

saved_pct=""
conn_id=""
# On any failure: end the session, so that nothing stays locked, and undo the clean mode.
on_exit() {
  local rc=$?
  [ "$rc" = 0 ] && return 0
  mysql_kill_session
  session_end
  if [ -n "$saved_pct" ]; then mysql_query "SET GLOBAL innodb_max_dirty_pages_pct = $saved_pct" >/dev/null 2>&1 || true; fi
  rm -f "$QUIESCE_DIR/hold"
  log "nothing is left locked"
  exit "$rc"
}
trap on_exit EXIT

dirty_pages() { mysql_query "SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_pages_dirty'" | cut -f2; }

# wait_dirty MAX UNTIL_MS: waits until InnoDB has at most MAX dirty pages; fails at UNTIL_MS.
wait_dirty() {
  local n
  while true; do
    n=$(dirty_pages) || return 1
    [ "${n:-0}" -le "$1" ] && return 0
    [ "$(now_ms)" -lt "$2" ] || return 1
    sleep 0.2
  done
}

if [ "$clean_s" -gt 0 ]; then
  # Clean mode: flush dirty pages while writes still run, then the rest under the lock.
  clean_until=$(($(now_ms) + clean_s * 1000))
  saved_pct=$(mysql_query "SELECT @@GLOBAL.innodb_max_dirty_pages_pct")
  mysql_query "SET GLOBAL innodb_max_dirty_pages_pct = 0"
  wait_dirty 1000 $(($(now_ms) + clean_s * 500)) || true
fi

session_start "$hold_s" "$MYSQL_BIN" "${MYSQL_ARGS[@]}" --unbuffered
session_send "SELECT CONCAT('QUIESCE-CONNECTION ', CONNECTION_ID());" \
  "SET SESSION lock_wait_timeout = $wait_s;" "${lock_sql[@]}" \
  "FLUSH LOCAL ENGINE LOGS;" "SELECT 'QUIESCE-LOCKED';"
session_expect QUIESCE-LOCKED $((wait_s + 5)) || rc=$?
conn_id=$(sed -n 's/^QUIESCE-CONNECTION //p' "$QUIESCE_DIR/session.out")
case "${rc:-0}" in
  1) fail QUIESCE_FAILED "the lock was refused: $(session_error)" ;;
  2) fail QUIESCE_FAILED "the lock was not obtained within $((wait_s + 5)) s" ;;
esac

if [ "$clean_s" -gt 0 ]; then
  wait_dirty 0 "$clean_until" || fail QUIESCE_FAILED "clean mode: dirty pages remain after $clean_s s"
  mysql_query "SET GLOBAL innodb_max_dirty_pages_pct = $saved_pct"
  saved_pct=""
fi

# The binary log position of the snapshot (empty when the binary log is off).
# MariaDB first, then MySQL (8.4 renamed the statement); one connection each.
binlog=$(mysql_query "SELECT 'gtid', @@GLOBAL.gtid_binlog_pos; SHOW MASTER STATUS" 2>/dev/null ||
  mysql_query "SELECT 'gtid', @@GLOBAL.gtid_executed; SHOW BINARY LOG STATUS" 2>/dev/null ||
  mysql_query "SELECT 'gtid', @@GLOBAL.gtid_executed; SHOW MASTER STATUS" 2>/dev/null || true)
gtid=$(printf '%s\n' "$binlog" | sed -n 's/^gtid\t//p')
binlog_position=$(printf '%s\n' "$binlog" | grep -v '^gtid' | cut -f1,2 | tr '\t' ' ')
binlog_position="${binlog_position:-off}${gtid:+ gtid $gtid}"
printf '%s\n' "$binlog_position" >"$QUIESCE_DIR/binlog-position"
echo "binlog position: $binlog_position"

session_hold_save status=held "conn_id=$conn_id"
trap - EXIT
log "lock held ($QUIESCE_MYSQL_LOCK_MODE, connection $conn_id); the postscript releases it, the watchdog after $hold_s s"
