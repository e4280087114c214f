# shellcheck shell=bash
# The sequence app-snapshot-plugin runs, on the loop file system of loopfs.bash:
# prescript, freeze, snapshot (a block-level copy of the data image), thaw, postscript.
#
#   snapshot_cycle PRE_COMMAND AT_HOLD_COMMAND POST_COMMAND
#
# Each command is a string run by `eval` ("" for none). AT_HOLD runs after the prescript and
# before the freeze (to record the state at the pause, say). Sets CYCLE_PRE_STATUS,
# CYCLE_POST_STATUS and the wall-clock times in microseconds CYCLE_START_US (prescript starts),
# CYCLE_PRE_END_US, CYCLE_FREEZE_US (the freeze is asked for: writers block from here),
# CYCLE_THAWED_US, CYCLE_END_US (postscript done). The file system is always thawed, whatever fails.

snapshot_cycle() {
  CYCLE_PRE_STATUS=0
  CYCLE_POST_STATUS=0
  # Between the prescript and the postscript nothing but the freeze, the copy and the thaw starts
  # a process (the guard that thaws should the test die starts before), and the times are read
  # without one: what the benchmark measures there is the pair's.
  loopfs_guard
  CYCLE_START_US=${EPOCHREALTIME/./}
  if [ -n "$1" ]; then eval "$1" || CYCLE_PRE_STATUS=$?; fi
  CYCLE_PRE_END_US=${EPOCHREALTIME/./}
  if [ -n "$2" ]; then eval "$2" || { echo "cycle: at-hold command failed" >&2; loopfs_thaw; return 1; }; fi
  loopfs_freeze || return 1
  CYCLE_FREEZE_US=$LOOPFS_FREEZE_US
  local copy_status=0
  loopfs_snapshot || copy_status=$?
  loopfs_thaw
  CYCLE_THAWED_US=$LOOPFS_THAWED_US
  if [ -n "$3" ]; then eval "$3" || CYCLE_POST_STATUS=$?; fi
  CYCLE_END_US=${EPOCHREALTIME/./}
  [ "$copy_status" = 0 ] || { echo "cycle: the copy failed" >&2; return 1; }
}

# The cycle's times as JSON fields (milliseconds), for the benchmark.
cycle_json() {
  awk -v s="$CYCLE_START_US" -v p="$CYCLE_PRE_END_US" -v f="$CYCLE_FREEZE_US" -v t="$CYCLE_THAWED_US" \
    -v e="$CYCLE_END_US" -v ps="$CYCLE_PRE_STATUS" -v qs="$CYCLE_POST_STATUS" 'BEGIN {
    printf "\"preStatus\":%d,\"postStatus\":%d,\"startUs\":%.0f,\"endUs\":%.0f,\"preMs\":%.1f,\"frozenMs\":%.1f,\"postMs\":%.1f",
      ps, qs, s, e, (p - s) / 1000, (t - f) / 1000, (e - t) / 1000 }'
}
