#!/bin/bash
# Restore-drill check for any data (ros-app-consistent-snapshot): the file system checks of
# lib/drill.sh only, then, when the drill names one, the user's own check script, run with the
# restored file systems' mount points in DRILL_MOUNTS (space-separated) and the deadline's
# remaining seconds in DRILL_SECONDS_LEFT: it exits 0 when the data is good, and anything else
# (with a last line saying why) when it is not. See docs/restore-drills.md.
set -uo pipefail
DRILL_ENGINE=${DRILL_ENGINE:-generic}

# shellcheck source=lib/drill.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/drill.sh"

drill_engine_check() {
  local script out rc=0
  [ -n "$DRILL_USER_CHECK" ] || { say "file system checks only"; return 0; }
  script=$DRILL_WORK/user-check.sh
  printf '%s' "$DRILL_USER_CHECK" | base64 -d >"$script" 2>/dev/null || not_restorable "the check script given to the drill cannot be decoded"
  chmod 700 "$script"
  say "running your check script"
  out=$(DRILL_MOUNTS=$(paste -sd ' ' "$DRILL_WORK/mounts") DRILL_SECONDS_LEFT=$(seconds_left) bash "$script" 2>&1) || rc=$?
  printf '%s\n' "$out" | sed 's/^/drill(check script): /'
  [ "$rc" = 0 ] || not_restorable "your check script exited $rc: $(printf '%s\n' "$out" | tail -n 1)"
  detail userCheck passed
}

drill_main
