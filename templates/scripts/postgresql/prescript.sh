#!/bin/bash
# PostgreSQL prescript for app-snapshot-plugin (ros-app-consistent-snapshot).
# Default: CHECKPOINT. A snapshot of the data directory's volume(s) taken at one instant is
# crash-consistent; the checkpoint keeps the recovery at start-up short. Nothing is held, so the
# postscript has nothing to undo.
# Strict mode: pg_backup_start in a database session that keeps running in the background after
# this script exits; the postscript calls pg_backup_stop from that same session, waits until the
# WAL the backup needs is archived and saves the backup label. Strict mode refuses a server that
# does not archive WAL: its backup label could not be restored. Without a postscript the session
# (and the backup) ends after the hold timeout.
# Options, exit statuses and credentials: docs/quiesce-scripts.md.
set -euo pipefail

# quiesce:options

# shellcheck source=../lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
# shellcheck source=../lib/session.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/session.sh"
# shellcheck source=postgresql.sh
. "$(dirname "${BASH_SOURCE[0]}")/postgresql.sh"

quiesce_init prescript postgresql
pg_setup
require_bool QUIESCE_POSTGRESQL_STRICT
timeout_s=$QUIESCE_POSTGRESQL_TIMEOUT_SECONDS
quiesce_prepare_state

if [ "$QUIESCE_POSTGRESQL_STRICT" = false ]; then
  # One connection: its first statement tells a connection failure from a failed checkpoint.
  rc=0
  out=$(PGOPTIONS="-c statement_timeout=${timeout_s}s" timeout -k 2 $((timeout_s + 5)) \
    "${PSQL[@]}" -c "SELECT 'QUIESCE-CONNECTED'" -c "CHECKPOINT" 2>&1) || rc=$?
  [[ $out == *QUIESCE-CONNECTED* ]] || fail CONNECT "cannot connect to the server: $out"
  case "$rc" in
    0) ;;
    124 | 137) fail QUIESCE_FAILED "CHECKPOINT did not finish within $timeout_s s" ;;
    *) fail QUIESCE_FAILED "CHECKPOINT failed: ${out#*QUIESCE-CONNECTED}" ;;
  esac
  log "checkpoint done; nothing is held"
  exit 0
fi

require_int QUIESCE_POSTGRESQL_HOLD_TIMEOUT_SECONDS 1 3600
hold_s=$QUIESCE_POSTGRESQL_HOLD_TIMEOUT_SECONDS
[ "$hold_s" -gt "$timeout_s" ] || fail CONFIG "the hold timeout ($hold_s s) must exceed the timeout ($timeout_s s)"

session_refuse_if_held

# On any failure: end the session, which aborts the backup.
on_exit() {
  local rc=$?
  [ "$rc" = 0 ] && return 0
  session_end
  pg_end_hold_sessions
  rm -f "$QUIESCE_DIR/hold"
  log "no backup is left running"
  exit "$rc"
}
trap on_exit EXIT

label=app-consistent-snapshot-$(date -u +%Y%m%dT%H%M%SZ)
PGAPPNAME=$PG_HOLD_APP session_start "$hold_s" "${PSQL[@]}"
# The session idles while the snapshot is taken: no server timeout may end it before the
# watchdog does (set_config through pg_settings: the settings a version lacks are left out).
session_send "SELECT 'QUIESCE-CONNECTED';" \
  "SELECT set_config(name, '0', false) FROM pg_settings WHERE name IN ('idle_session_timeout', 'idle_in_transaction_session_timeout');" \
  "SET statement_timeout = '${timeout_s}s';" \
  "SELECT CONCAT_WS(' ', 'QUIESCE-INFO', current_setting('server_version_num'), current_setting('archive_mode'),
     current_setting('archive_command') <> '' OR coalesce(current_setting('archive_library', true), '') <> '',
     pg_is_in_recovery(), (SELECT coalesce(last_failed_time > coalesce(last_archived_time, '-infinity'), false) FROM pg_stat_archiver));"
rc=0
session_read QUIESCE-INFO $(((timeout_s + 5) * 1000)) || rc=$?
connected=false
for line in "${SESSION_LINES[@]}"; do
  if [ "$line" = QUIESCE-CONNECTED ]; then connected=true; fi
done
case "$rc:$connected" in
  0:*) ;;
  *:false) fail CONNECT "cannot connect to the server: $(session_error)" ;;
  *) fail QUIESCE_FAILED "the server's settings could not be read: $(session_error)" ;;
esac
read -r _ version_num archive_mode archive_set in_recovery archive_failing <<<"$SESSION_MARK"

# Without archived WAL a backup label cannot be restored: refuse rather than report a backup
# that is not one.
case "$archive_mode" in
  on | always) ;;
  *) fail CONFIG "strict mode needs WAL archiving, but archive_mode is $archive_mode: the backup label could not be restored without the archived WAL; turn archiving on (archive_mode, archive_command) or use the default mode" ;;
esac
[ "$archive_set" = t ] ||
  fail CONFIG "strict mode needs WAL archiving, but neither archive_command nor archive_library is set: WAL would never be archived"
[ "$in_recovery" = f ] || fail CONFIG "strict mode is not supported on a standby (the server is in recovery)"
[ "$archive_failing" = f ] ||
  fail QUIESCE_FAILED "WAL archiving is failing (pg_stat_archiver: the last failure is newer than the last success): the backup could not complete"

start_sql="SELECT CONCAT('QUIESCE-STARTED ', pg_backup_start('$label', true));"
if [ "$version_num" -lt 150000 ]; then start_sql="SELECT CONCAT('QUIESCE-STARTED ', pg_start_backup('$label', true, false));"; fi
session_send "$start_sql"
rc=0
session_read 'QUIESCE-STARTED ' $(((timeout_s + 5) * 1000)) || rc=$?
case "$rc" in
  1) fail QUIESCE_FAILED "pg_backup_start failed: $(session_error)" ;;
  2) fail QUIESCE_FAILED "pg_backup_start did not return within $((timeout_s + 5)) s" ;;
esac
now_ms
[ "$NOW_MS" -lt "$deadline_ms" ] || fail QUIESCE_FAILED "the hold timeout ($hold_s s) passed while the backup was being started"

session_hold_save status=held "label=$label" "version_num=$version_num"
trap - EXIT
log "backup $label started at ${SESSION_MARK#QUIESCE-STARTED }; the postscript stops it, the watchdog ends it within $(((deadline_ms - NOW_MS) / 1000)) s"
