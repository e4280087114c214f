# shellcheck shell=bash
# Redis fixture for the quiesce tests and the benchmark: the server of one configuration of the
# matrix (the Debian package's /etc/redis/redis.conf, as its init script starts it, with the
# configuration's lines added at its end), the write loop, and the check of a restored copy.
#
#   redis_config_start CONFIG   starts it; exports QTEST_REDIS_PORT or QTEST_REDIS_SOCKET (where
#                               the tests connect), QTEST_REDIS_AOF (yes, no) and
#                               QTEST_REDIS_ADMIN_PASSWORD (the default user's, or empty)
#   redis_server_stop           stops it (the init script)
#   rcli [redis-cli arguments]  the default user's client on the server under test

REDIS_WRITER=$(dirname "${BASH_SOURCE[0]}")/../load/redis-writer.js
REDIS_CHECK=$(dirname "${BASH_SOURCE[0]}")/../load/redis-check.js
REDIS_SNAPSHOT_PASSWORD=snapshot-password
REDIS_KEYS=1000

rcli() {
  local target=(-p "${QTEST_REDIS_PORT:-6379}")
  if [ -n "${QTEST_REDIS_SOCKET:-}" ]; then target=(-s "$QTEST_REDIS_SOCKET"); fi
  if [ -n "${QTEST_REDIS_ADMIN_PASSWORD:-}" ]; then
    REDISCLI_AUTH=$QTEST_REDIS_ADMIN_PASSWORD redis-cli "${target[@]}" "$@"
  else
    redis-cli "${target[@]}" "$@"
  fi
}

# redis_config_settings CONFIG: the lines the configuration adds to the package's redis.conf.
redis_config_settings() {
  case "$1" in
    stock) ;;
    aof) echo "appendonly yes" ;;
    nopersist) printf '%s\n' 'save ""' "appendonly no" ;;
    requirepass) printf '%s\n' "appendonly yes" "requirepass $REDIS_SNAPSHOT_PASSWORD" ;;
    acl) printf '%s\n' "appendonly yes" "requirepass admin-password" \
      "user snapshot on >$REDIS_SNAPSHOT_PASSWORD -@all +ping +info +bgsave +client|pause +client|unpause" ;;
    socket) printf '%s\n' "appendonly yes" "port 0" "unixsocket /run/redis/redis-server.sock" "unixsocketperm 770" ;;
    timeouts) printf '%s\n' "appendonly yes" "timeout 1" ;;
    *) echo "redis: unknown configuration $1" >&2; return 1 ;;
  esac
}

redis_config_start() {
  local config=$1 settings
  settings=$(redis_config_settings "$config") || return 1
  export QTEST_CONFIG=$config QTEST_REDIS_PORT=6379 QTEST_REDIS_SOCKET="" QTEST_REDIS_AOF=no QTEST_REDIS_ADMIN_PASSWORD=""
  case "$settings" in *"appendonly yes"*) QTEST_REDIS_AOF=yes ;; esac
  case "$settings" in *"port 0"*) QTEST_REDIS_PORT="" QTEST_REDIS_SOCKET=/run/redis/redis-server.sock ;; esac
  case "$config" in
    requirepass) QTEST_REDIS_ADMIN_PASSWORD=$REDIS_SNAPSHOT_PASSWORD ;;
    acl) QTEST_REDIS_ADMIN_PASSWORD=admin-password ;;
  esac
  if [ -n "$settings" ]; then printf '%s\n' "$settings" >>/etc/redis/redis.conf; fi
  stock_data_dir /var/lib/redis redis redis:redis 750 || return 1
  redis_stock_start || return 1
  wait_until 30 redis_ping_admin || { qtest_fail "Redis does not answer: $(tail -n 20 /var/log/redis/redis-server.log)"; return 1; }
  # Real writes (DEBUG POPULATE would not reach the append-only file).
  rcli EVAL "for i = 1, 20000 do redis.call('SET', 'pop:' .. i, i) end" 0 >/dev/null || return 1
  install -m 600 /dev/null /root/.redis-pass
  printf '%s\n' "$REDIS_SNAPSHOT_PASSWORD" >/root/.redis-pass
}

redis_ping_admin() { [ "$(rcli PING 2>/dev/null)" = PONG ]; }

redis_server_stop() { redis_stock_stop; }

redis_server_version() { rcli INFO server | tr -d '\r' | sed -n 's/^redis_version://p'; }

# redis_load_start SECONDS [LATENCY_LOG]: the write loop in the background (LOAD_PID). Its log
# ("start_us latency_us" per command) is what the check of a copy compares the copy with.
redis_load_start() {
  REDIS_LOAD_LOG=${2:-$QTEST_RUN/redis-writer.log}
  QTEST_REDIS_TARGET=${QTEST_REDIS_SOCKET:-$QTEST_REDIS_PORT} node "$REDIS_WRITER" "$1" "$REDIS_LOAD_LOG" "$REDIS_KEYS" \
    >"$QTEST_RUN/load.out" 2>&1 &
  LOAD_PID=$!
}

redis_load_wait() {
  wait "$LOAD_PID" || { echo "the write loop failed: $(tail -n 5 "$QTEST_RUN/load.out")" >&2; return 1; }
}

# redis_record_copy DEST: the writer's log and what the copy must hold, as JSON fields: with a
# pause (append-only file on) exactly the commands answered before the freeze; with a save,
# at least those answered before the prescript started and at most those answered before it
# returned.
redis_record_copy() {
  local dest=$1 mode=none min max
  cp "$REDIS_LOAD_LOG" "$dest/writer.log"
  case "${CYCLE_HOLD_STATUS:-none}" in
    held) mode=pause min=$(redis_acked_before "$CYCLE_FREEZE_US") max=$min ;;
    saved) mode=saved min=$(redis_acked_before "$CYCLE_START_US") max=$(($(redis_acked_before "$CYCLE_PRE_END_US") + 1)) ;;
    *) min=0 max=$(redis_acked_before "$CYCLE_THAWED_US") ;;
  esac
  printf '"dataDir":"redis","appendonly":"%s","mode":"%s","keys":%d,"minCommands":%d,"maxCommands":%d,"ackedBeforeFreeze":%d' \
    "$QTEST_REDIS_AOF" "$mode" "$REDIS_KEYS" "$min" "$max" "$(redis_acked_before "$CYCLE_FREEZE_US")"
}

# redis_acked_before US: how many of the writer's commands were answered before US.
redis_acked_before() { awk -v t="$1" '$1 + $2 <= t { n++ } END { print n + 0 }' "$REDIS_LOAD_LOG"; }

# redis_verify_copy DEST: starts a second server on the copy DEST/disk.img, with the append-only
# file on or off as the first server had it, and checks with load/redis-check.js that its data is
# the state after exactly some number of the writer's commands, within what DEST/copy.json says
# the copy must hold. Sets VERIFY_JSON; returns 0 when it is.
redis_verify_copy() {
  local dest=$1 min max rc=0
  min=$(sed -n 's/.*"minCommands":\([0-9]*\).*/\1/p' "$dest/copy.json")
  max=$(sed -n 's/.*"maxCommands":\([0-9]*\).*/\1/p' "$dest/copy.json")
  loopfs_mount_copy "$dest/disk.img" || return 1
  rm -f "$QTEST_RUN/r2.log"
  redis_start r2 "$LOOPFS_COPY/redis" 6391 --appendonly "$QTEST_REDIS_AOF" --dbfilename dump.rdb || { loopfs_umount_copy; return 1; }
  VERIFY_JSON=$(node "$REDIS_CHECK" 6391 "$REDIS_KEYS" "$min" "$max") || rc=$?
  server_stop r2
  loopfs_umount_copy
  echo "copy: $VERIFY_JSON" >&2
  [ "$rc" = 0 ] && [[ $VERIFY_JSON == *'"consistent":true'* ]]
}
