#!/bin/bash
# Restore-drill check for Redis (ros-app-consistent-snapshot). After the file system checks of
# lib/drill.sh: finds the data directory (dump.rdb, or the append-only file) on the restored file
# systems, checks the RDB file with redis-check-rdb, starts a server on a copy of the directory's
# configuration-free state (no TCP port, a private socket, no saving), waits until the data is
# loaded, counts the keys, runs the drill's command, and stops the server without saving.
# Options: DRILL_DATA_DIR (default /var/lib/redis), DRILL_QUERY (a Redis command whose reply
# must be neither empty, nil nor 0).
set -uo pipefail
DRILL_ENGINE=${DRILL_ENGINE:-redis}

# shellcheck source=lib/drill.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/drill.sh"

is_redis_data_dir() { [ -f "$1/dump.rdb" ] || [ -d "$1/appendonlydir" ] || [ -f "$1/appendonly.aof" ]; }

redis_run() { "$REDIS_CLI" -s "$REDIS_RUN/redis.sock" "$@"; }

loaded() { [ "$(redis_run INFO persistence 2>/dev/null | tr -d '\r' | sed -n 's/^loading://p')" = 0 ]; }

drill_engine_check() {
  local dir server owner aof=no rdb out log pid keys reply
  dir=$(find_data_dir is_redis_data_dir /var/lib/redis) || exit 1
  say "data directory $dir"
  detail dataDir "$dir"
  server=$(command -v redis-server) || not_restorable "the scratch instance has no redis-server to load the restored data"
  REDIS_CLI=$(command -v redis-cli) || not_restorable "the scratch instance has no redis-cli"
  owner=$(owner_of "$dir" redis) || exit 1

  # What Redis loads: the append-only file when there is one (its base may be an RDB file),
  # else dump.rdb. An RDB file is checked first, for a reason that names what is wrong.
  if [ -d "$dir/appendonlydir" ] || [ -f "$dir/appendonly.aof" ]; then aof=yes; fi
  detail appendonly "$aof"
  if [ "$aof" = yes ]; then rdb=$(find "$dir/appendonlydir" -maxdepth 1 -name "*.base.rdb" 2>/dev/null | head -n 1); else rdb=$dir/dump.rdb; fi
  if [ -n "$rdb" ] && [ -f "$rdb" ]; then
    out=$(redis-check-rdb "$rdb" 2>&1) ||
      not_restorable "$(basename "$rdb") is damaged: $(printf '%s\n' "$out" | sed -n '/RDB ERROR DETECTED/{n;p;q}' | sed 's/^\[offset \([0-9]*\)\] \(.*\)/\2 (at byte \1)/')"
    say "$(basename "$rdb") passes redis-check-rdb"
  fi

  REDIS_RUN=$DRILL_WORK/redis
  mkdir -p "$REDIS_RUN"
  chown "$owner:" "$REDIS_RUN"
  log=$REDIS_RUN/server.log
  # A truncated append-only file is loaded up to its last whole command, and said so.
  run_as "$owner"
  "${RUN_AS[@]}" "$server" --port 0 --unixsocket "$REDIS_RUN/redis.sock" --unixsocketperm 700 --dir "$dir" \
    --dbfilename dump.rdb --appendonly "$aof" --aof-load-truncated yes --save '' --daemonize no \
    --logfile "$log" --protected-mode yes </dev/null >/dev/null 2>&1 &
  pid=$!
  track_pid "$pid"
  say "starting Redis on the restored data (append-only file: $aof)"
  wait_for "$(seconds_left)" "$pid" loaded
  case $? in
    0) ;;
    1) not_restorable "Redis did not load the restored data: $(grep -E '#|Bad|Wrong|Unrecoverable|corrupt|error' "$log" | tail -n 2 | sed 's/^[0-9]*:[A-Z] [^*#]*[*#] //' | tr '\n' ' ')" ;;
    *) not_restorable "Redis did not finish loading within the deadline" ;;
  esac
  if grep -q 'aof-load-truncated' "$log"; then
    crash_recovery "the append-only file ended in the middle of a command: Redis loaded it up to its last whole command"
  fi
  keys=$(redis_run DBSIZE | tr -d '\r')
  say "loaded: $keys key(s)"
  detail_raw keys "${keys:-0}"

  if [ -n "$DRILL_QUERY" ]; then
    local -a words
    read -r -a words <<<"$DRILL_QUERY"
    reply=$(redis_run --no-raw "${words[@]}" 2>&1) || not_restorable "the drill's command failed: $reply"
    case "$reply" in
      '' | '(nil)' | '(integer) 0' | '(empty array)' | '(empty list or set)') not_restorable "the drill's command ($DRILL_QUERY) returned $reply" ;;
      '(error)'*) not_restorable "the drill's command ($DRILL_QUERY) failed: $reply" ;;
    esac
    say "the drill's command returned: $(printf '%s' "$reply" | head -n 1)"
    detail query passed
  fi

  redis_run SHUTDOWN NOSAVE >/dev/null 2>&1 || true
  stop_pid "$pid" TERM 30
  say "server stopped"
}

drill_main
