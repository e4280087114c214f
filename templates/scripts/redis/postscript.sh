#!/bin/bash
# Redis postscript for app-snapshot-plugin (ros-app-consistent-snapshot).
# Ends the pause the prescript took (CLIENT UNPAUSE). Exits 0 when the pause held until now and
# is ended, or when no pause was recorded (idempotent); exits 6 when the pause ended before
# this script ran (hold timeout or server restart), because the snapshot is then not
# application-consistent. Options and exit statuses: docs/quiesce-scripts.md.
set -euo pipefail

# quiesce:options

# shellcheck source=../lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
# shellcheck source=redis.sh
. "$(dirname "${BASH_SOURCE[0]}")/redis.sh"

quiesce_init postscript redis
redis_setup
deadline_ms=0 run_id=""

if ! hold_load; then
  log "no pause recorded: nothing to resume"
  exit 0
fi
hold_require_held
if [ "$(now_ms)" -ge "$deadline_ms" ]; then
  hold_lost "the hold timeout passed before the postscript ran, so Redis ended the pause by itself"
fi
current_run_id=$(info_field run_id server)
if [ "$current_run_id" != "$run_id" ]; then
  hold_lost "Redis restarted while paused"
fi
reply=$(rcmd CLIENT UNPAUSE)
[ "$reply" = OK ] || fail RELEASE_FAILED "CLIENT UNPAUSE refused: $reply"
rm -f "$QUIESCE_DIR/hold"
log "writes resumed"
