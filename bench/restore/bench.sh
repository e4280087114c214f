#!/bin/bash
# The restore benchmark for one engine, run inside test/harness/sandbox.sh by run.ts:
#   bench.sh ENGINE CONFIG RUNS COPY...      (ENGINE: mysql | postgresql | redis)
# Starts ENGINE's server in CONFIG (a configuration of the quiesce matrix) and makes the engine's
# copies as the restore-check tests do (test/integration/restore/lib/copies.bash, with the
# quiesce harness's consistent_copy: the server under load, the plugin's sequence, block-level
# copies), then runs the engine's restore-drill check RUNS times on each COPY named, each time on
# a fresh disk made from the copy, and writes one JSON line per check to
# /qtest/results/restore.jsonl: the copy, the verdict, the milliseconds from the check's start to
# its verdict, and the check's own details.
set -euo pipefail

engine=$1 config=$2 runs=$3
shift 3
export QTEST_DIR=/qtest
lib=$(dirname "$0")/../../test/integration/restore/lib
# shellcheck source=../../test/integration/restore/lib/restore.bash
. "$lib/restore.bash"
# shellcheck source=../../test/integration/restore/lib/copies.bash
. "$lib/copies.bash"

cleanup() {
  detach_disks
  engine_server_stop
}
trap cleanup EXIT
# drill_check reports on the third descriptor, as bats would show it.
exec 3>/dev/null

echo "bench: starting $engine ($config) and making its copies" >&2
engine_server_start "$engine" "$config"
"make_${engine}_copies"
for copy in "$@"; do
  for ((i = 1; i <= runs; i++)); do
    start=$(ms)
    drill_check "$engine" "$copy" || true
    end=$(ms)
    printf '{"engine":"%s","copy":"%s","run":%d,"ms":%d,"verdict":"%s","result":%s}\n' \
      "$engine" "$copy" "$i" "$((end - start))" "$VERDICT" "${DRILL_RESULT:-null}" >>/qtest/results/restore.jsonl
    echo "bench: $engine $copy run $i: $VERDICT in $((end - start)) ms" >&2
  done
done
