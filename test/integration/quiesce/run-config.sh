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
trap engine_server_stop EXIT
status=0
engine_server_start "$engine" "$config" || status=$?
case "$status" in
  0) ;;
  2) exit 2 ;;
  *) echo "run-config: the $engine server ($config) did not start" >&2; exit 3 ;;
esac
echo "# $engine $config: $("${ENGINE_FIXTURE}_server_version")" >&2
bats --tap "$@"
