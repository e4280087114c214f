#!/bin/bash
# MySQL / MariaDB prescript for app-snapshot-plugin (ros-app-consistent-snapshot).
# Takes FLUSH TABLES WITH READ LOCK (or MariaDB's BACKUP STAGE up to BLOCK_COMMIT) in a
# database session that keeps running in the background after this script exits, flushes the
# engine logs, records the binary log position (when the binary log is on), and exits 0 only
# once the lock is held. The postscript releases it; without a postscript the lock ends after the
# hold timeout. Options, exit statuses and credentials: docs/quiesce-scripts.md.
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
require_bool QUIESCE_MYSQL_CLEAN
wait_s=$QUIESCE_MYSQL_LOCK_WAIT_SECONDS
hold_s=$QUIESCE_MYSQL_HOLD_TIMEOUT_SECONDS
clean_s=0
if [ "$QUIESCE_MYSQL_CLEAN" = true ]; then clean_s=$QUIESCE_MYSQL_CLEAN_TIMEOUT_SECONDS; fi
case "$QUIESCE_MYSQL_LOCK_MODE" in
  ftwrl) lock_sql=("FLUSH TABLES WITH READ LOCK;") ;;
  backup-stage) lock_sql=("BACKUP STAGE START;" "BACKUP STAGE FLUSH;" "BACKUP STAGE BLOCK_DDL;" "BACKUP STAGE BLOCK_COMMIT;") ;;
  *) fail CONFIG "QUIESCE_MYSQL_LOCK_MODE must be ftwrl or backup-stage, got '$QUIESCE_MYSQL_LOCK_MODE'" ;;
esac
[ "$hold_s" -gt $((wait_s + clean_s)) ] ||
  fail CONFIG "the hold timeout ($hold_s s) must exceed the lock wait ($wait_s s) plus the clean timeout ($clean_s s)"

quiesce_prepare_state
session_refuse_if_held

conn_id="" saved_pct=""
# On any failure: end the session, so that nothing stays locked, and undo the clean mode.
on_exit() {
  local rc=$?
  [ "$rc" = 0 ] && return 0
  # A statement waiting for the lock does not read its client's end-of-file: kill it.
  if session_alive; then mysql_kill_session; fi
  session_end
  if [ -n "$saved_pct" ]; then mysql_query "SET GLOBAL innodb_max_dirty_pages_pct = $saved_pct" >/dev/null 2>&1 || true; fi
  rm -f "$QUIESCE_DIR/hold"
  log "nothing is left locked"
  exit "$rc"
}
trap on_exit EXIT

# Everything that does not need the lock happens before it, through the session that will hold
# it: the connection itself, what the server is, the session's timeouts, the privileges.
session_start "$hold_s" "$MYSQL_BIN" "${MYSQL_ARGS[@]}" --unbuffered
session_send "SELECT CONCAT_WS(' ', 'QUIESCE-INFO', CONNECTION_ID(), @@GLOBAL.log_bin, VERSION());"
rc=0
session_read 'QUIESCE-INFO ' $((wait_s * 1000 + 5000)) || rc=$?
case "$rc" in
  1) fail CONNECT "cannot connect to the server: $(session_error)" ;;
  2) fail CONNECT "cannot connect to the server: no answer within $((wait_s + 5)) s" ;;
esac
read -r _ conn_id log_bin version <<<"$SESSION_MARK"

mariadb=false
if [[ $version == *MariaDB* ]]; then mariadb=true; fi
binlog=false
case "$log_bin" in 1 | ON) binlog=true ;; esac
if [ "$mariadb" = true ]; then
  status_sql="SHOW MASTER STATUS;"
  gtid_sql="SELECT CONCAT('QUIESCE-GTID ', @@GLOBAL.gtid_binlog_pos);"
else
  # MySQL 8.2 renamed the statement (and 8.4 removed the old name).
  status_sql="SHOW MASTER STATUS;"
  if [[ $version =~ ^([0-9]+)\.([0-9]+) ]] && { [ "${BASH_REMATCH[1]}" -gt 8 ] || { [ "${BASH_REMATCH[1]}" = 8 ] && [ "${BASH_REMATCH[2]}" -ge 2 ]; }; }; then
    status_sql="SHOW BINARY LOG STATUS;"
  fi
  gtid_sql="SELECT CONCAT('QUIESCE-GTID ', IF(@@GLOBAL.gtid_mode = 'ON', @@GLOBAL.gtid_executed, ''));"
  if [ "$QUIESCE_MYSQL_LOCK_MODE" = backup-stage ]; then
    fail CONFIG "lockMode backup-stage needs MariaDB 10.4 or later; this server is MySQL $version (use ftwrl)"
  fi
fi

# The held session idles while the snapshot is taken: no server timeout may end it before the
# watchdog does. The lock itself waits at most the lock wait.
prepare=("SET SESSION wait_timeout = $((hold_s + 60)), SESSION interactive_timeout = $((hold_s + 60)), SESSION lock_wait_timeout = $wait_s;")
if [ "$mariadb" = true ]; then
  prepare+=("SET SESSION max_statement_time = 0, SESSION idle_transaction_timeout = 0, SESSION idle_readonly_transaction_timeout = 0, SESSION idle_write_transaction_timeout = 0;")
fi
# Reading the binary log position needs a privilege: check it now, not under the lock.
if [ "$binlog" = true ]; then prepare+=("$status_sql"); fi
session_send "${prepare[@]}" "SELECT 'QUIESCE-READY';"
session_read QUIESCE-READY $((wait_s * 1000 + 5000)) ||
  fail CONFIG "the session could not be prepared (a missing privilege? the binary log position needs BINLOG MONITOR on MariaDB, REPLICATION CLIENT on MySQL): $(session_error)"

if [ "$clean_s" -gt 0 ]; then
  # Clean mode: flush dirty pages while writes still run, then the rest under the lock.
  now_ms
  clean_until=$((NOW_MS + clean_s * 1000))
  session_send "SELECT CONCAT('QUIESCE-PCT ', @@GLOBAL.innodb_max_dirty_pages_pct);" \
    "SET GLOBAL innodb_max_dirty_pages_pct = 0;" "SELECT 'QUIESCE-CLEANING';"
  session_read QUIESCE-CLEANING 10000 ||
    fail CONFIG "clean mode needs the right to set global variables (SUPER, or SYSTEM_VARIABLES_ADMIN on MySQL): $(session_error)"
  for line in "${SESSION_LINES[@]}"; do
    if [[ $line == "QUIESCE-PCT "* ]]; then saved_pct=${line#QUIESCE-PCT }; fi
  done
  mysql_wait_dirty 1000 $((NOW_MS + clean_s * 500)) || true
fi

# The lock, and under it only what cannot come before it, all in one round trip.
lock_batch=("${lock_sql[@]}" "FLUSH LOCAL ENGINE LOGS;" "SELECT 'QUIESCE-BINLOG';")
if [ "$binlog" = true ]; then lock_batch+=("$status_sql" "$gtid_sql"); fi
session_send "${lock_batch[@]}" "SELECT 'QUIESCE-LOCKED';"
rc=0
session_read QUIESCE-LOCKED $(((wait_s + 5) * 1000)) || rc=$?
case "$rc" in
  1) fail QUIESCE_FAILED "the lock was refused: $(session_error)" ;;
  2) fail QUIESCE_FAILED "the lock was not obtained within $((wait_s + 5)) s" ;;
esac
position="" gtid="" in_status=false
for line in "${SESSION_LINES[@]}"; do
  case "$line" in
    QUIESCE-BINLOG) in_status=true ;;
    "QUIESCE-GTID "*) gtid=${line#QUIESCE-GTID } in_status=false ;;
    *)
      if [ "$in_status" = true ] && [ -n "$line" ]; then
        rest=${line#*$'\t'}
        position="${line%%$'\t'*} ${rest%%$'\t'*}"
        in_status=false
      fi
      ;;
  esac
done

if [ "$clean_s" -gt 0 ]; then
  mysql_wait_dirty 0 "$clean_until" || fail QUIESCE_FAILED "clean mode: dirty pages remain after $clean_s s"
  session_send "SET GLOBAL innodb_max_dirty_pages_pct = $saved_pct;" "SELECT 'QUIESCE-RESTORED';"
  session_read QUIESCE-RESTORED 10000 || fail QUIESCE_FAILED "clean mode: could not restore innodb_max_dirty_pages_pct: $(session_error)"
  saved_pct=""
fi

if [ "$binlog" = true ] && [ -z "$position" ]; then
  fail QUIESCE_FAILED "the binary log is on, but $status_sql returned no position"
fi
binlog_position="${position:-off}${gtid:+ gtid $gtid}"
now_ms
[ "$NOW_MS" -lt "$deadline_ms" ] || fail QUIESCE_FAILED "the hold timeout ($hold_s s) passed while the lock was being taken"
printf '%s\n' "$binlog_position" >"$QUIESCE_DIR/binlog-position"
session_hold_save status=held "conn_id=$conn_id" "lock_mode=$QUIESCE_MYSQL_LOCK_MODE"
trap - EXIT
echo "binlog position: $binlog_position"
log "lock held ($QUIESCE_MYSQL_LOCK_MODE, connection $conn_id); the postscript releases it, the watchdog within $(((deadline_ms - NOW_MS) / 1000)) s"
