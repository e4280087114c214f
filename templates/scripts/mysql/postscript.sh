#!/bin/bash
# MySQL / MariaDB postscript for app-snapshot-plugin (ros-app-consistent-snapshot).
# Releases the lock the prescript took, through the session that holds it: one round trip
# confirms that the session still holds the lock and releases it. Exits 0 when the lock was held
# until now and is released, or when no lock was recorded (idempotent); exits 6 when the lock
# ended before this script ran (hold timeout or lost session), because the snapshot is then not
# application-consistent. Options and exit statuses: docs/quiesce-scripts.md.
set -euo pipefail

# quiesce:options

# shellcheck source=../lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
# shellcheck source=../lib/session.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/session.sh"
# shellcheck source=mysql.sh
. "$(dirname "${BASH_SOURCE[0]}")/mysql.sh"

quiesce_init postscript mysql
conn_id="" lock_mode=""

# Until the lock is released, only builtins: writers are waiting.
if ! hold_load || [ "$status" = released ]; then
  log "no lock recorded: nothing to release"
  exit 0
fi
hold_require_held
now_ms
if [ "$NOW_MS" -ge "$deadline_ms" ]; then
  session_end
  hold_lost "the hold timeout passed before the postscript ran, so the watchdog released the lock"
fi
if ! session_alive || ! session_attach; then
  session_end
  hold_lost "the session holding the lock ended before the postscript ran"
fi
release_sql="UNLOCK TABLES;"
if [ "$lock_mode" = backup-stage ]; then release_sql="BACKUP STAGE END;"; fi
session_nonce
session_send "SELECT 'QUIESCE-HELD-$SESSION_NONCE';" "$release_sql" "SELECT 'QUIESCE-RELEASED-$SESSION_NONCE';"
rc=0
session_read "QUIESCE-RELEASED-$SESSION_NONCE" 10000 || rc=$?
held=false
for line in "${SESSION_LINES[@]}"; do
  if [ "$line" = "QUIESCE-HELD-$SESSION_NONCE" ]; then held=true; fi
done

case "$rc:$held" in
  0:true) how="released" ;;
  1:true) how="released (the session ended after confirming the lock: $(session_error))" ;;
  2:true)
    # Held until now, but the release did not answer: end the connection from another one.
    session_end
    mysql_setup
    mysql_kill_session
    left=$(mysql_query "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = $conn_id" 2>&1) || left="?"
    [ "$left" = 0 ] || fail RELEASE_FAILED "the server did not answer the release within 10 s, and connection $conn_id could not be confirmed gone: $left"
    how="released by ending connection $conn_id (the release did not answer within 10 s)"
    ;;
  *)
    session_end
    if [ "$rc" = 2 ]; then
      mysql_setup
      mysql_kill_session
    fi
    hold_lost "the session holding the lock did not confirm it (it ended or did not answer within 10 s): $(session_error)"
    ;;
esac

# The record first, then the session: a prescript that starts now finds nothing held.
hold_save status=released "conn_id=$conn_id"
session_end
log "lock $how (connection $conn_id)"
