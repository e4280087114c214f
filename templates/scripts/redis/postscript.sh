#!/bin/bash
# Redis postscript for app-snapshot-plugin (ros-app-consistent-snapshot).
# Ends the pause the prescript took (CLIENT UNPAUSE), through the session the prescript opened.
# Exits 0 when the pause held until now and is ended, or when no pause was taken (the prescript
# only saved, or did not run: idempotent); exits 6 when the pause ended before this script ran
# (hold timeout or server restart), because the snapshot is then not application-consistent.
# Options and exit statuses: docs/quiesce-scripts.md.
set -euo pipefail

# quiesce:options

# shellcheck source=../lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
# shellcheck source=../lib/session.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/session.sh"
# shellcheck source=redis.sh
. "$(dirname "${BASH_SOURCE[0]}")/redis.sh"

quiesce_init postscript redis
run_id=""

# Until writes are resumed, only builtins: writers are waiting.
if ! hold_load || [ "$status" = released ]; then
  log "no pause recorded: nothing to resume"
  exit 0
fi
if [ "$status" = saved ]; then
  hold_save status=released "run_id=$run_id"
  log "nothing was paused (the prescript saved the RDB file): nothing to resume"
  exit 0
fi
hold_require_held
now_ms
if [ "$NOW_MS" -ge "$deadline_ms" ]; then
  session_end
  hold_lost "the hold timeout passed before the postscript ran, so Redis ended the pause by itself"
fi

current_run_id="" reply=""
if session_alive && session_attach; then
  # A server `timeout` may have closed the idle connection: redis-cli then loses the next
  # command (with an error) and reconnects for the one after, hence two PINGs first.
  session_nonce
  session_send "PING QUIESCE-A-$SESSION_NONCE" "PING QUIESCE-B-$SESSION_NONCE" "INFO server" "CLIENT UNPAUSE"
  if redis_ask $((QUIESCE_REDIS_COMMAND_TIMEOUT_SECONDS * 1000)); then
    if redis_field run_id; then current_run_id=$FIELD; fi
    reply=${SESSION_LINES[${#SESSION_LINES[@]} - 1]}
  fi
fi
if [ -z "$reply" ]; then
  # No answer through the session: a client of its own (the session is gone or stuck).
  log "the session did not answer ($(session_error)); resuming through a new connection"
  session_end
  redis_setup
  current_run_id=$(info_field run_id server)
  reply=$(rcmd CLIENT UNPAUSE)
fi
if [ "$current_run_id" != "$run_id" ]; then
  session_end
  hold_lost "Redis restarted while paused"
fi
[ "$reply" = OK ] || fail RELEASE_FAILED "CLIENT UNPAUSE refused: $reply"

hold_save status=released "run_id=$run_id"
session_end
log "writes resumed"
