#!/bin/bash
# The quiesce benchmark for one engine, run inside test/harness/sandbox.sh by run.ts:
#   bench.sh ENGINE CONFIG WINDOWS APPROACH...      (ENGINE: mysql | postgresql | redis)
# Starts ENGINE's server in CONFIG (a configuration of the test matrix) on a loop-mounted XFS and
# its write load, then runs WINDOWS rounds; each round runs the plugin's sequence (prescript,
# freeze, block-level copy, thaw, postscript) once with every approach, in an order that turns
# with the round, 1 s apart, the load running throughout (restarted when it ends). Each window
# writes one JSON line to /qtest/results/ENGINE.jsonl; the load's latency logs go to
# /qtest/results/ENGINE-lat/. The copies of the last round are started and checked after the
# load: one JSON line each to /qtest/results/ENGINE-copies.jsonl.
#
# Approaches: ours-<variant> (the rendered pair at /qtest/scripts/ENGINE-<variant>/),
# freeze-only (no scripts), one-shot (the common one-line prescript, nothing after), floor (a
# hold taken and released by a connection the benchmark opened before: what no script can beat).
set -euo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
lib=$repo/test/integration/quiesce/lib
# shellcheck source=../../test/integration/quiesce/lib/servers.bash
. "$lib/servers.bash"
# shellcheck source=../../test/integration/quiesce/lib/loopfs.bash
. "$lib/loopfs.bash"
# shellcheck source=../../test/integration/quiesce/lib/cycle.bash
. "$lib/cycle.bash"
# shellcheck source=../../test/integration/quiesce/lib/copy.bash
. "$lib/copy.bash"
# The floor's session is the scripts' own session code.
# shellcheck source=../../templates/scripts/lib/common.sh
. "$repo/templates/scripts/lib/common.sh"
# shellcheck source=../../templates/scripts/lib/session.sh
. "$repo/templates/scripts/lib/session.sh"

engine=$1 config=$2 windows=$3
shift 3
out=/qtest/results
lat_dir=$QTEST_RUN/lat
LOAD_SECONDS=120

case "$engine" in
  mysql)
    # shellcheck source=../../test/integration/quiesce/lib/mysql.bash
    . "$lib/mysql.bash"
    fixture=mysql copy_server=m2 size=1024 ;;
  postgresql)
    # shellcheck source=../../test/integration/quiesce/lib/postgresql.bash
    . "$lib/postgresql.bash"
    fixture=pg copy_server=p2 size=2048 ;;
  redis)
    # shellcheck source=../../test/integration/quiesce/lib/redis.bash
    . "$lib/redis.bash"
    fixture=redis copy_server=r2 size=1024 ;;
  *) echo "bench: unknown engine $engine" >&2; exit 2 ;;
esac

cleanup() {
  loopfs_thaw
  session_end 2>/dev/null || true
  server_stop "$copy_server"
  "${fixture}_server_stop"
  stock_data_dir_release
  loopfs_destroy
}
trap cleanup EXIT

# The floor: one session of the benchmark's own, opened once.
floor_open() {
  QUIESCE_DIR=$QTEST_RUN/floor QUIESCE_ROLE=bench QUIESCE_ENGINE=$engine
  mkdir -p "$QUIESCE_DIR"
  case "$engine" in
    mysql) session_start 36000 mariadb --socket="$QTEST_MYSQL_SOCKET" --batch --skip-column-names --unbuffered ;;
    postgresql) session_start 36000 setpriv --reuid=postgres --regid=postgres --init-groups -- psql -X -q -A -t -h "$PG_SOCKET_DIR" -p "$QTEST_PG_PORT" -U postgres -d postgres ;;
    redis) session_start 36000 redis-cli -p "$QTEST_REDIS_PORT" ;;
  esac
}

# floor_hold / floor_release: the hold and its end through the floor's session, confirmed.
floor_hold() {
  case "$engine" in
    mysql) session_send "FLUSH TABLES WITH READ LOCK;" "SELECT 'FLOOR-HELD';" ;;
    postgresql) session_send "SELECT pg_backup_start('floor', true);" '\echo FLOOR-HELD' ;;
    redis) session_send "CLIENT PAUSE 60000 WRITE" "PING FLOOR-HELD" ;;
  esac
  session_read FLOOR-HELD 30000
}

floor_release() {
  case "$engine" in
    mysql) session_send "UNLOCK TABLES;" "SELECT 'FLOOR-RELEASED';" ;;
    postgresql) session_send "SELECT pg_backup_stop(false);" '\echo FLOOR-RELEASED' ;;
    redis) session_send "CLIENT UNPAUSE" "PING FLOOR-RELEASED" ;;
  esac
  session_read FLOOR-RELEASED 30000
}

# commands APPROACH: sets pre and post, the approach's commands.
commands() {
  case "$1" in
    ours-*) pre="/qtest/scripts/$engine-${1#ours-}/prescript.sh" post="/qtest/scripts/$engine-${1#ours-}/postscript.sh" ;;
    freeze-only) pre="" post="" ;;
    floor) pre=floor_hold post=floor_release ;;
    one-shot)
      post=""
      case "$engine" in
        mysql) pre="mariadb --socket=$QTEST_MYSQL_SOCKET -e 'FLUSH TABLES WITH READ LOCK'" ;;
        postgresql) pre="pcli -c \"SELECT pg_backup_start('one-shot', true)\" >/dev/null" ;;
        redis) pre="rcli BGSAVE >/dev/null" ;;
      esac
      ;;
    *) echo "bench: unknown approach $1" >&2; exit 2 ;;
  esac
}

run=0 load_end=0
start_load() {
  run=$((run + 1))
  load_end=$((SECONDS + LOAD_SECONDS))
  "${fixture}_load_start" "$LOAD_SECONDS" "$lat_dir/run$run"
  sleep 3
}

loopfs_create "$size"
"${fixture}_config_start" "$config"
mkdir -p "$lat_dir" "$out/$engine-lat" && chmod 1777 "$lat_dir"
floor_open
keep=$LOOPFS_OUTER/keep
declare -A redis_cycles=()
start_load
approaches=("$@")
for ((round = 1; round <= windows; round++)); do
  echo "bench: $engine round $round of $windows" >&2
  # Only the last round's strict backup needs archived WAL: keep the archive (in memory) small.
  if [ "$engine" = postgresql ] && [ "$round" -lt "$windows" ]; then rm -f "$PG_ARCHIVE"/*; fi
  for ((i = 0; i < ${#approaches[@]}; i++)); do
    approach=${approaches[$(((i + round) % ${#approaches[@]}))]}
    if [ $((load_end - SECONDS)) -lt 20 ]; then
      "${fixture}_load_wait"
      start_load
    fi
    commands "$approach"
    snapshot_cycle "$pre" "note_hold $engine" "$post"
    printf '{"engine":"%s","approach":"%s","round":%d,"latencyLog":"run%d",%s}\n' \
      "$engine" "$approach" "$round" "$run" "$(cycle_json)" >>"$out/$engine.jsonl"
    if [ "$round" = "$windows" ]; then
      dest=$keep/$approach
      rm -rf "$dest"
      loopfs_keep_copy "$dest"
      if [ -s "$QUIESCE_STATE_DIR/$engine/binlog-position" ] && [[ $approach == ours-* ]]; then cp "$QUIESCE_STATE_DIR/$engine/binlog-position" "$dest/"; fi
      if [ "$engine" = redis ]; then
        # The writer's log is complete only once the load ends: the record waits for it.
        redis_cycles[$approach]="$(declare -p CYCLE_START_US CYCLE_PRE_END_US CYCLE_FREEZE_US CYCLE_THAWED_US CYCLE_HOLD_STATUS) REDIS_LOAD_LOG=$REDIS_LOAD_LOG"
      else
        if [ "$approach" != ours-strict ]; then rm -f "$QUIESCE_STATE_DIR/postgresql/backup_label"; fi
        "${fixture}_record_copy" "$dest" >"$dest/fields"
      fi
      rm -f "$QUIESCE_STATE_DIR/$engine/binlog-position" "$QUIESCE_STATE_DIR/$engine/backup_label"
    fi
    sleep 1
  done
done
"${fixture}_load_wait"
mv "$lat_dir"/* "$out/$engine-lat/"

for approach in "${approaches[@]}"; do
  dest=$keep/$approach
  if [ "$engine" = redis ]; then
    eval "${redis_cycles[$approach]}"
    REDIS_LOAD_LOG=$out/$engine-lat/${REDIS_LOAD_LOG##*/}
    redis_record_copy "$dest" >"$dest/fields"
  fi
  printf '{%s}\n' "$(cat "$dest/fields")" >"$dest/copy.json"
  VERIFY_JSON='{"consistent":false,"error":"the copy could not be checked"}'
  "${fixture}_verify_copy" "$dest" || true
  printf '{"engine":"%s","approach":"%s","record":%s,"copy":%s}\n' "$engine" "$approach" "$(cat "$dest/copy.json")" "$VERIFY_JSON" >>"$out/$engine-copies.jsonl"
done
