#!/bin/bash
# The restore benchmark for one engine, run inside test/harness/sandbox.sh by run.ts:
#   bench.sh ENGINE RUNS COPY...      (ENGINE: mysql | postgresql | redis)
# Makes the engine's copies as the restore-check tests do (test/integration/restore/lib/copies.bash:
# a real server under load, the plugin's sequence, block-level copies), then runs the engine's
# restore-drill check RUNS times on each COPY named, each time on a fresh disk made from the
# copy, and writes one JSON line per check to /qtest/results/restore.jsonl: the copy, the
# verdict, the milliseconds from the check's start to its verdict, and the check's own details.
set -euo pipefail

engine=$1 runs=$2
shift 2
export QTEST_DIR=/qtest
lib=$(dirname "$0")/../../test/integration/restore/lib
# shellcheck source=../../test/integration/restore/lib/restore.bash
. "$lib/restore.bash"
# shellcheck source=../../test/integration/restore/lib/copies.bash
. "$lib/copies.bash"
case "$engine" in
  mysql) . "$QUIESCE_LIB/mysql.bash"; server=m1 ;;
  postgresql) . "$QUIESCE_LIB/postgresql.bash"; server=p1 ;;
  redis) . "$QUIESCE_LIB/redis.bash"; server=r1 ;;
  *) echo "bench: unknown engine $engine" >&2; exit 2 ;;
esac

cleanup() {
  detach_disks
  qtest_teardown_file "$server"
}
trap cleanup EXIT
# drill_check reports on the third descriptor, as bats would show it.
exec 3>/dev/null

echo "bench: making the $engine copies" >&2
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
