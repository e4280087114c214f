#!/bin/bash
# Makes one consistent copy of a server under write load, as a snapshot would, for tests that
# need one (restore drills), inside test/harness/sandbox.sh:
#   make-copy.sh ENGINE CONFIG DEST
# Starts ENGINE's server in CONFIG (a configuration of the matrix, lib/ENGINE.bash) on a loop
# file system, runs its load and, after 3 s, the plugin's sequence with the pair rendered at
# $QTEST_DIR/scripts/base/, then checks the copy by starting a server on it. DEST receives what
# lib/copy.bash's consistent_copy describes (disk.img, copy.json, the engine's files) and
# check.json (the check's verdict, "consistent": true). Exits non-zero when the pair failed or the
# copy is not consistent.
set -euo pipefail

lib=$(cd "$(dirname "$0")/lib" && pwd)
# shellcheck source=lib/bats-helpers.bash
. "$lib/bats-helpers.bash"
engine=$1 config=$2 dest=$3
trap engine_server_stop EXIT
engine_server_start "$engine" "$config"
work=$LOOPFS_OUTER/copies/make-copy
consistent_copy "$engine" "$work" "pre base" "post base"
status=0
check_copy "$engine" "$work" || status=$?
printf '%s\n' "$VERIFY_JSON" >"$work/check.json"
mkdir -p "$dest"
cp -a --sparse=always "$work"/. "$dest"/
exit "$status"
