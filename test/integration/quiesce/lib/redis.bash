# shellcheck shell=bash
# Redis fixture for the quiesce tests and the benchmark: the server on the loop file system
# (append-only file on), the write loop, and the check of a restored copy.

REDIS_PORT=6390
REDIS_WRITER=$(dirname "${BASH_SOURCE[0]}")/../load/redis-writer.js

redis_fixture_start() {
  redis_start r1 "$LOOPFS_DATA/redis" "$REDIS_PORT" --appendonly yes \
    --unixsocket "$QTEST_RUN/r1.sock" --unixsocketperm 700 || return 1
  # Real writes (DEBUG POPULATE would not reach the append-only file).
  redis_cli r1 EVAL "for i = 1, 20000 do redis.call('SET', 'pop:' .. i, i) end" 0 >/dev/null &&
    redis_cli r1 ACL SETUSER quiesce on '>right-password' +ping +info +bgsave '+client|pause' '+client|unpause' >/dev/null
}

# redis_load_start SECONDS [LATENCY_LOG]: the write loop in the background (LOAD_PID).
redis_load_start() {
  node "$REDIS_WRITER" "$REDIS_PORT" "$1" "${2:-}" >"$QTEST_RUN/load.out" 2>&1 &
  LOAD_PID=$!
}

redis_load_wait() {
  wait "$LOAD_PID" || { echo "the write loop failed: $(tail -n 5 "$QTEST_RUN/load.out")" >&2; return 1; }
}

# Records the dataset digest at the pause (run while the prescript's pause holds).
redis_record_digest() { REDIS_DIGEST_AT_HOLD=$(redis_cli r1 DEBUG DIGEST); }

# redis_verify_copy: starts a second server on the snapshot copy, with the append-only file on
# or off as the first server had it, and compares its dataset digest with the one recorded at
# the pause. Sets VERIFY_JSON; returns 0 when they are equal.
redis_verify_copy() {
  local aof digest keys consistent=false
  aof=$(redis_cli r1 CONFIG GET appendonly | tail -n 1)
  loopfs_mount_copy || return 1
  redis_start r2 "$LOOPFS_COPY/redis" 6391 --appendonly "$aof" || return 1
  digest=$(redis_cli r2 DEBUG DIGEST)
  keys=$(redis_cli r2 DBSIZE)
  server_stop r2
  loopfs_umount_copy
  [ -n "$digest" ] && [ "$digest" = "${REDIS_DIGEST_AT_HOLD:-}" ] && consistent=true
  VERIFY_JSON=$(printf '{"consistent":%s,"appendonly":"%s","keys":%d,"digestAtPause":"%s","digestOfCopy":"%s"}' \
    "$consistent" "$aof" "$keys" "${REDIS_DIGEST_AT_HOLD:-}" "$digest")
  echo "copy: $VERIFY_JSON" >&2
  [ "$consistent" = true ]
}
