#!/bin/bash
# Redis prescript for app-snapshot-plugin (ros-app-consistent-snapshot).
# With the append-only file on: waits for a running AOF rewrite (while writes still flow), then
# pauses every client's writes (CLIENT PAUSE WRITE) and waits until the append-only file holds
# every write answered before the pause. The pause lasts at most the hold timeout: Redis itself
# ends it then, should the postscript never run (the hold timeout counts from the pause).
# With the append-only file off (RDB snapshots, or no persistence at all): runs BGSAVE and waits
# for it to succeed while writes go on. The RDB file then holds the data as of the moment the
# save started, which is what a server started on the snapshot loads; nothing is paused.
# The pause and its end go through a redis-cli session opened before the pause.
# Options, exit statuses and credentials: docs/quiesce-scripts.md.
set -euo pipefail

# quiesce:options

# shellcheck source=../lib/common.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/common.sh"
# shellcheck source=../lib/session.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/session.sh"
# shellcheck source=redis.sh
. "$(dirname "${BASH_SOURCE[0]}")/redis.sh"

quiesce_init prescript redis
redis_setup
require_int QUIESCE_REDIS_SAVE_TIMEOUT_SECONDS 1 86400
require_int QUIESCE_REDIS_HOLD_TIMEOUT_SECONDS 1 3600
hold_s=$QUIESCE_REDIS_HOLD_TIMEOUT_SECONDS
cmd_ms=$((QUIESCE_REDIS_COMMAND_TIMEOUT_SECONDS * 1000))
quiesce_prepare_state

# The pause lives in Redis, not in the session: refuse while a recorded one has time left.
if hold_load; then
  now_ms
  if [ "$status" = held ] && [ "$NOW_MS" -lt "$deadline_ms" ]; then
    fail BUSY "the pause taken by an earlier prescript still holds; run the postscript first or wait for the hold timeout"
  fi
  rm -f "$QUIESCE_DIR/hold"
  session_end
  session_dir="" deadline_ms=0
fi
session_end_strays

# The connection and the credentials, on a client of its own, before anything else.
rcmd PING >/dev/null

paused=false
# On any failure: end the pause, if one was asked for, and the session.
on_exit() {
  local rc=$?
  [ "$rc" = 0 ] && return 0
  if [ "$paused" = true ]; then
    if (rcmd CLIENT UNPAUSE >/dev/null); then
      log "the pause is ended"
    else
      log "could not end the pause: Redis ends it by itself within $hold_s s"
    fi
  fi
  session_end
  rm -f "$QUIESCE_DIR/hold"
  exit "$rc"
}
trap on_exit EXIT

session_start "$hold_s" redis-cli "${REDIS_ARGS[@]}"
save_until=$((started_ms + QUIESCE_REDIS_SAVE_TIMEOUT_SECONDS * 1000))

# redis_info SECTION [COMMAND_LINE...]: INFO SECTION (and the commands) through the session.
redis_info() {
  local rc=0
  redis_ask "$cmd_ms" "INFO $1" "${@:2}" || rc=$?
  case "$rc" in
    0) ;;
    3) fail QUIESCE_FAILED "the last BGSAVE failed, and Redis refuses writes until one succeeds (see the Redis log): $SESSION_MARK" ;;
    *) fail QUIESCE_FAILED "Redis did not answer INFO within $QUIESCE_REDIS_COMMAND_TIMEOUT_SECONDS s (busy with a long-running command?) $(session_error)" ;;
  esac
}

# The server, the persistence in use, and the right to end a pause (checked by asking for the
# end of none: the postscript must be able to end the one this script takes).
redis_info "server" "INFO persistence" "CLIENT UNPAUSE"
redis_field run_id || fail CONFIG "INFO was refused (the user needs INFO): ${SESSION_LINES[*]:0:3}"
run_id=$FIELD
redis_field aof_enabled || fail CONFIG "INFO persistence was refused: ${SESSION_LINES[*]:0:3}"
aof=$FIELD
last=${SESSION_LINES[${#SESSION_LINES[@]} - 1]}
[ "$last" = OK ] || fail CONFIG "the user may not run CLIENT UNPAUSE, so a pause could not be ended: $last"

# wait_persistence FIELD: waits (through the session, writes flowing) until FIELD is 0.
wait_persistence() {
  while true; do
    redis_info persistence
    redis_field "$1" || fail QUIESCE_FAILED "INFO persistence shows no $1"
    [ "$FIELD" = 0 ] && return 0
    now_ms
    [ "$NOW_MS" -lt "$save_until" ] || fail QUIESCE_FAILED "$1 still set after $QUIESCE_REDIS_SAVE_TIMEOUT_SECONDS s"
    session_sleep 50
  done
}

if [ "$aof" != 1 ]; then
  # RDB only (or nothing persisted): a BGSAVE of our own, after any save already running.
  while true; do
    wait_persistence rdb_bgsave_in_progress
    redis_ask "$cmd_ms" BGSAVE || fail QUIESCE_FAILED "Redis did not answer BGSAVE within $QUIESCE_REDIS_COMMAND_TIMEOUT_SECONDS s"
    case "${SESSION_LINES[0]:-}" in
      "Background saving started") break ;;
      *"already in progress"*) ;;
      *) fail QUIESCE_FAILED "BGSAVE refused: ${SESSION_LINES[0]:-no reply}" ;;
    esac
  done
  wait_persistence rdb_bgsave_in_progress
  if ! redis_field rdb_last_bgsave_status || [ "$FIELD" != ok ]; then fail QUIESCE_FAILED "BGSAVE failed (see the Redis log)"; fi
  session_end
  hold_save status=saved "run_id=$run_id"
  trap - EXIT
  log "saved: the RDB file holds the data as of the start of the save; nothing is paused (the append-only file is off)"
  exit 0
fi

wait_persistence aof_rewrite_in_progress

# The hold timeout counts from the pause: the waits before it may have taken long.
session_rearm "$hold_s"
now_ms
paused=true
redis_ask "$cmd_ms" "CLIENT PAUSE $((deadline_ms - NOW_MS)) WRITE" "INFO persistence" ||
  fail QUIESCE_FAILED "Redis did not answer CLIENT PAUSE within $QUIESCE_REDIS_COMMAND_TIMEOUT_SECONDS s"
[ "${SESSION_LINES[0]:-}" = OK ] || fail QUIESCE_FAILED "CLIENT PAUSE refused: ${SESSION_LINES[0]:-no reply}"
# Writes answered before the pause may still be in Redis's AOF buffer (with appendfsync everysec
# it delays its write() while an fsync runs): wait until they are in the file.
while true; do
  if ! redis_field aof_last_write_status || [ "$FIELD" != ok ]; then
    fail QUIESCE_FAILED "the last write to the append-only file failed (see the Redis log)"
  fi
  redis_field aof_buffer_length && [ "$FIELD" = 0 ] && break
  now_ms
  if [ "$NOW_MS" -ge "$save_until" ] || [ "$NOW_MS" -ge "$deadline_ms" ]; then
    fail QUIESCE_FAILED "the append-only file buffer was not written within the save and hold timeouts"
  fi
  session_sleep 5
  redis_info persistence
done
now_ms
[ "$NOW_MS" -lt "$deadline_ms" ] || fail QUIESCE_FAILED "the hold timeout ($hold_s s) passed while writes were being paused"

session_hold_save status=held "run_id=$run_id"
trap - EXIT
log "writes paused; the postscript resumes them, Redis itself within $(((deadline_ms - NOW_MS) / 1000)) s"
