#!/bin/bash
# Redis prescript for app-snapshot-plugin (ros-app-consistent-snapshot).
# Waits for a running AOF rewrite, runs BGSAVE and waits for it to succeed, then pauses every
# client's writes (CLIENT PAUSE WRITE) for at most the hold timeout: Redis itself ends the pause
# then, should the postscript never run. While paused, it waits until the append-only file holds
# every write; with the append-only file off, it saves once more instead, so that the RDB file
# holds exactly the state at the pause.
# Options, exit statuses and credentials: docs/quiesce-scripts.md.
set -euo pipefail

# quiesce:options

# shellcheck source=../lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
# shellcheck source=redis.sh
. "$(dirname "${BASH_SOURCE[0]}")/redis.sh"

quiesce_init prescript redis
redis_setup
require_int QUIESCE_REDIS_SAVE_TIMEOUT_SECONDS 1 86400
require_int QUIESCE_REDIS_HOLD_TIMEOUT_SECONDS 1 3600
hold_s=$QUIESCE_REDIS_HOLD_TIMEOUT_SECONDS
save_until=$(($(now_ms) + QUIESCE_REDIS_SAVE_TIMEOUT_SECONDS * 1000))
deadline_ms=0

if hold_load && [ "$status" = held ] && [ "$(now_ms)" -lt "$deadline_ms" ]; then
  fail BUSY "the pause taken by an earlier prescript still holds; run the postscript first or wait for the hold timeout"
fi
rm -f "$QUIESCE_DIR/hold"

rcmd PING >/dev/null

# wait_persistence FIELD: waits until INFO persistence shows FIELD:0.
wait_persistence() {
  local v
  while true; do
    v=$(info_field "$1" persistence)
    [ "$v" = 0 ] && return 0
    [ "$(now_ms)" -lt "$save_until" ] || fail QUIESCE_FAILED "$1 still set after $QUIESCE_REDIS_SAVE_TIMEOUT_SECONDS s"
    sleep 0.2
  done
}

# bgsave: runs BGSAVE (after any save already running) and waits for it to succeed.
bgsave() {
  local reply result
  while true; do
    wait_persistence rdb_bgsave_in_progress
    reply=$(rcmd BGSAVE)
    case "$reply" in
      "Background saving started") break ;;
      *"already in progress"*) sleep 0.2 ;;
      *) fail QUIESCE_FAILED "BGSAVE refused: $reply" ;;
    esac
  done
  wait_persistence rdb_bgsave_in_progress
  result=$(info_field rdb_last_bgsave_status persistence)
  [ "$result" = ok ] || fail QUIESCE_FAILED "BGSAVE failed (see the Redis log)"
}

wait_persistence aof_rewrite_in_progress
bgsave
run_id=$(info_field run_id server)
aof=$(info_field aof_enabled persistence)

# From here on, a failure must end the pause.
on_exit() {
  local rc=$?
  [ "$rc" = 0 ] && return 0
  if (rcmd CLIENT UNPAUSE >/dev/null); then
    log "the pause is ended"
  else
    log "could not end the pause: Redis ends it by itself within $hold_s s"
  fi
  rm -f "$QUIESCE_DIR/hold"
  exit "$rc"
}
trap on_exit EXIT

deadline_ms=$(($(now_ms) + hold_s * 1000))
reply=$(rcmd CLIENT PAUSE $((hold_s * 1000)) WRITE)
[ "$reply" = OK ] || fail QUIESCE_FAILED "CLIENT PAUSE refused: $reply"
if [ "$aof" = 1 ]; then
  # Writes answered before the pause may still be in Redis's AOF buffer (with appendfsync
  # everysec it delays its write() while an fsync runs): wait until they are in the file.
  while true; do
    info=$'\n'$(rcmd INFO persistence | tr -d '\r')$'\n'
    [[ $info == *$'\naof_last_write_status:ok\n'* ]] || fail QUIESCE_FAILED "the last write to the append-only file failed (see the Redis log)"
    [[ $info == *$'\naof_buffer_length:0\n'* ]] && break
    [ "$(now_ms)" -lt "$save_until" ] || fail QUIESCE_FAILED "the append-only file buffer was not written within $QUIESCE_REDIS_SAVE_TIMEOUT_SECONDS s"
    sleep 0.02
  done
else
  # No append-only file: save again, now that nothing changes, so the RDB file is current.
  bgsave
fi

hold_save status=held "deadline_ms=$deadline_ms" "run_id=$run_id"
trap - EXIT
log "writes paused; the postscript resumes them, Redis itself after $hold_s s"
