#!/bin/bash
# The quiesce benchmark for one engine, run inside test/harness/sandbox.sh by run.ts:
#   bench.sh ENGINE APPROACH...      (ENGINE: mysql | postgresql | redis)
# For each approach, the same write load runs on a loop-mounted XFS; after 5 s the plugin's
# sequence runs (prescript, freeze, block-level copy, thaw, postscript); then the copy is
# started and checked. Each approach writes one JSON line to /qtest/results/ENGINE.jsonl and
# its load's latency log(s) to /qtest/results/ENGINE-APPROACH.lat*.
#
# Approaches: ours-<variant> (the rendered pair at /qtest/scripts/ENGINE-<variant>/),
# freeze-only (no scripts), one-shot (the common one-line prescript, nothing after).
set -euo pipefail

lib=$(dirname "$0")/../../test/integration/quiesce/lib
# shellcheck source=../../test/integration/quiesce/lib/servers.bash
. "$lib/servers.bash"
# shellcheck source=../../test/integration/quiesce/lib/loopfs.bash
. "$lib/loopfs.bash"
# shellcheck source=../../test/integration/quiesce/lib/cycle.bash
. "$lib/cycle.bash"

engine=$1
shift
out=/qtest/results
STATE=/run/app-consistent-snapshot

case "$engine" in
  mysql)
    . "$lib/mysql.bash"
    servers=(m2 m1) load=mysql record=""
    one_shot="mariadb --socket=$QTEST_RUN/m1.sock -e 'FLUSH TABLES WITH READ LOCK'" ;;
  postgresql)
    . "$lib/postgresql.bash"
    servers=(p2 p1) load=pg record=""
    one_shot="pg_cli p1 -c \"SELECT pg_backup_start('one-shot', true)\"" ;;
  redis)
    . "$lib/redis.bash"
    servers=(r2 r1) load=redis record=redis_record_digest one_shot="redis_cli r1 BGSAVE" ;;
  *) echo "bench: unknown engine $engine" >&2; exit 2 ;;
esac

# verify_args APPROACH_KIND VARIANT: what the copy check is given (what our prescript recorded).
verify_args() {
  case "$engine:$1:$2" in
    mysql:ours:*) echo "$STATE/mysql/binlog-position" ;;
    postgresql:ours:strict) echo "$STATE/postgresql/backup_label" ;;
  esac
}

cleanup() {
  loopfs_thaw
  local s
  for s in "${servers[@]}"; do server_stop "$s"; done
  loopfs_destroy
}
trap cleanup EXIT

loopfs_create 512
"${load}_fixture_start"

for approach in "$@"; do
  variant=${approach#ours-}
  case "$approach" in
    ours-*) pre="/qtest/scripts/$engine-$variant/prescript.sh" post="/qtest/scripts/$engine-$variant/postscript.sh" kind=ours ;;
    freeze-only) pre="" post="" kind=freeze-only ;;
    one-shot) pre=$one_shot post="" kind=one-shot ;;
    *) echo "bench: unknown approach $approach" >&2; exit 2 ;;
  esac
  echo "bench: $engine $approach" >&2
  # The load may run as the database's own user: its logs go to the run directory first.
  mkdir -p "$QTEST_RUN/lat" && chmod 1777 "$QTEST_RUN/lat"
  lat=$QTEST_RUN/lat/$engine-$approach.lat
  "${load}_load_start" 14 "$lat"
  sleep 5
  snapshot_cycle "$pre" "$record" "$post"
  "${load}_load_wait"
  mv "$lat"* "$out/"
  verify=$(verify_args "$kind" "$variant")
  VERIFY_JSON='{"consistent":false,"error":"the copy could not be checked"}'
  "${load}_verify_copy" ${verify:+"$verify"} || true
  printf '{"engine":"%s","approach":"%s","latencyLog":"%s",%s,"copy":%s}\n' \
    "$engine" "$approach" "${lat##*/}" "$(cycle_json)" "$VERIFY_JSON" >>"$out/$engine.jsonl"
  # A one-shot backup start or a watchdog must not carry over into the next approach.
  sleep 1
done
