#!/bin/bash
# PostgreSQL prescript for app-snapshot-plugin (ros-app-consistent-snapshot).
# Default: CHECKPOINT, then sync. A snapshot of the data directory's volume(s) taken at one
# instant is crash-consistent; the checkpoint keeps the recovery at start-up short. Nothing is
# held, so the postscript has nothing to undo.
# Strict mode: pg_backup_start in a database session that keeps running in the background after
# this script exits; the postscript calls pg_backup_stop from that same session and saves the
# backup label. Without a postscript the session (and the backup) ends after the hold timeout.
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
timeout_s=$QUIESCE_POSTGRESQL_TIMEOUT_SECONDS

out=$(pg_query "SELECT 1" 2>&1) || fail CONNECT "cannot connect to the server: $out"

case "$QUIESCE_POSTGRESQL_STRICT" in
  false)
    out=$(pg_query "CHECKPOINT" 2>&1) || fail QUIESCE_FAILED "CHECKPOINT failed or took over $timeout_s s: $out"
    sync
    log "checkpoint done and file systems synced; nothing is held"
    exit 0
    ;;
  true) ;;
  *) fail CONFIG "QUIESCE_POSTGRESQL_STRICT must be true or false, got '$QUIESCE_POSTGRESQL_STRICT'" ;;
esac

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
session_send "SET statement_timeout = '${timeout_s}s';" "SELECT pg_backup_start('$label', true);" \
  "SET statement_timeout = 0;" '\echo QUIESCE-STARTED'
session_expect QUIESCE-STARTED $((timeout_s + 5)) || rc=$?
case "${rc:-0}" in
  1) fail QUIESCE_FAILED "pg_backup_start failed: $(session_error)" ;;
  2) fail QUIESCE_FAILED "pg_backup_start did not return within $((timeout_s + 5)) s" ;;
esac
sync

session_hold_save status=held "label=$label"
trap - EXIT
log "backup $label started; the postscript stops it, the watchdog ends it after $hold_s s"
