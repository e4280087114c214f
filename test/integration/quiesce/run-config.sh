#!/bin/bash
# Runs bats files against one configuration of the matrix, inside test/harness/sandbox.sh:
#   run-config.sh ENGINE CONFIG BATS_FILE...      (ENGINE: mysql | postgresql | redis)
# Creates the loop file system, starts ENGINE's server in CONFIG (lib/ENGINE.bash), runs the bats
# files in order against it (TAP on stdout), then stops everything, whatever happened. The bats
# files find the rendered pairs under $QTEST_DIR/scripts/<variant>/.
set -euo pipefail

lib=$(cd "$(dirname "$0")/lib" && pwd)
# shellcheck source=lib/bats-helpers.bash
. "$lib/bats-helpers.bash"
engine=$1 config=$2
shift 2
case "$engine" in
  mysql) fixture=mysql copy_server=m2 size=512 ;;
  postgresql) fixture=pg copy_server=p2 size=1024 ;;
  redis) fixture=redis copy_server=r2 size=512 ;;
  *) echo "run-config: unknown engine $engine" >&2; exit 2 ;;
esac
# shellcheck source=/dev/null
. "$lib/$engine.bash"

cleanup() {
  loopfs_thaw
  server_stop "$copy_server"
  "${fixture}_server_stop"
  stock_data_dir_release
  loopfs_destroy
}
trap cleanup EXIT

loopfs_create "$size"
if ! "${fixture}_config_start" "$config"; then
  echo "run-config: the $engine server ($config) did not start" >&2
  exit 3
fi
echo "# $engine $config: $("${fixture}_server_version")" >&2
bats --tap "$@"
