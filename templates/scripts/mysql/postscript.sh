#!/bin/bash
# MySQL / MariaDB postscript for app-snapshot-plugin (ros-app-consistent-snapshot).
# Releases the lock the prescript took by ending its database session. Exits 0 when the lock
# was held until now and is released, or when no lock was recorded (idempotent); exits 6 when
# the lock ended before this script ran (hold timeout or lost session), because the snapshot is
# then not application-consistent. Options and exit statuses: docs/quiesce-scripts.md.
set -euo pipefail

# quiesce:options

# shellcheck source=../lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
# shellcheck source=../lib/session.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/session.sh"
# shellcheck source=mysql.sh
. "$(dirname "${BASH_SOURCE[0]}")/mysql.sh"

quiesce_init postscript mysql
mysql_setup

if ! hold_load; then
  log "no lock recorded: nothing to release"
  exit 0
fi
hold_require_held
session_check_held

session_end
# The lock lives only with its connection: make sure the server has let it go.
for _ in 1 2 3 4 5 6 7 8 9 10; do
  left=$(mysql_query "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE ID = $conn_id" 2>/dev/null) || break
  [ "$left" = 0 ] && break
  sleep 0.5
done
[ "${left:-0}" = 0 ] || mysql_kill_session
rm -f "$QUIESCE_DIR/hold"
log "lock released (connection $conn_id ended)"
