# shellcheck shell=bash
# Helpers for the restore-drill check tests, which run inside test/harness/sandbox.sh (the engine
# tests through test/integration/quiesce/run-config.sh, against the server of one configuration
# of the quiesce matrix). The copies come from the quiesce harness's consistent_copy
# (test/integration/quiesce/lib/copy.bash: the server under its write load, the plugin's
# sequence, a block-level copy of the data image), some of them then damaged (derive_copy); here
# each copy is presented as an attached ECS disk: a loop device whose serial number, in a sysfs
# tree of the test's own (APP_SNAPSHOT_DRILL_SYSFS), is the disk id without `d-`, as on ECS.

RESTORE_LIB=$(dirname "${BASH_SOURCE[0]}")
QUIESCE_LIB=$RESTORE_LIB/../../quiesce/lib
CHECKS_DIR=$(cd "$RESTORE_LIB/../../../../templates/checks" && pwd)
# shellcheck source=../../quiesce/lib/bats-helpers.bash
. "$QUIESCE_LIB/bats-helpers.bash"

export APP_SNAPSHOT_DRILL_SYSFS=/run/restore-test/sys
# The copies, each a directory NAME with its disk.img (consistent_copy's layout), on the outer
# file system of loopfs.bash, where a reflink copies an image instantly.
RESTORE_COPIES=$LOOPFS_OUTER/copies
DRILL_STATE=/run/app-snapshot-drill

# copy_image NAME: the disk image of the copy NAME.
copy_image() { printf '%s\n' "$RESTORE_COPIES/$1/disk.img"; }

# derive_copy FROM NAME COMMAND: NAME is FROM with COMMAND run in its root (mounted at $DAMAGE).
derive_copy() {
  local from=$1 name=$2
  shift 2
  mkdir -p "$RESTORE_COPIES/$name"
  cp --reflink=always "$(copy_image "$from")" "$(copy_image "$name")"
  DAMAGE=/mnt/qtest/damage
  mkdir -p "$DAMAGE"
  mount -o loop,nouuid "$(copy_image "$name")" "$DAMAGE" || return 1
  local status=0
  eval "$*" || status=$?
  umount "$DAMAGE"
  return "$status"
}

# attach_copy COPY DISK_ID: a new disk made from the copy (a disk created from a snapshot is a
# new disk: the check's writes, recovery among them, never reach the copy), attached as the disk
# with that id; sets ATTACHED_DEVICE. detach_disks detaches and deletes it.
attach_copy() {
  local image=$RESTORE_COPIES/$2.img dev
  mkdir -p /run/restore-test
  cp --reflink=auto "$(copy_image "$1")" "$image" || return 1
  dev=$(losetup -f --show "$image") || return 1
  mkdir -p "$APP_SNAPSHOT_DRILL_SYSFS/block/${dev#/dev/}"
  printf '%s\n' "${2#d-}" >"$APP_SNAPSHOT_DRILL_SYSFS/block/${dev#/dev/}/serial"
  echo "$dev $image" >>/run/restore-test/attached
  ATTACHED_DEVICE=$dev
}

detach_disks() {
  local dev image
  [ -f /run/restore-test/attached ] || return 0
  while read -r dev image; do
    losetup -d "$dev" 2>/dev/null || true
    rm -rf "${APP_SNAPSHOT_DRILL_SYSFS:?}/block/${dev#/dev/}"
    rm -f "$image"
  done </run/restore-test/attached
  rm -f /run/restore-test/attached
}

# drill_check ENGINE COPY [VAR=VALUE...]: attaches the copy as disk d-<copy>restoretest, runs
# the engine's check on it with the variables given, detaches it. Sets DRILL_STATUS,
# DRILL_OUTPUT, DRILL_RESULT (the result line's JSON), VERDICT and REASON.
drill_check() {
  local engine=$1 copy=$2 disk
  shift 2
  disk=d-${copy//[^a-z0-9]/}restoretest
  attach_copy "$copy" "$disk" || return 1
  DRILL_STATUS=0
  DRILL_OUTPUT=$(env DRILL_DISK_IDS="$disk" DRILL_EXECUTION_ID=exec-restoretest "$@" bash "$CHECKS_DIR/$engine.sh" 2>&1) || DRILL_STATUS=$?
  detach_disks
  printf '%s\n' "$DRILL_OUTPUT" | sed 's/^/# /' >&3
  DRILL_RESULT=$(printf '%s\n' "$DRILL_OUTPUT" | tail -n 1 | sed -n 's/^APP_SNAPSHOT_DRILL_RESULT //p')
  [ -n "$DRILL_RESULT" ] || { echo "no result line last; output: $DRILL_OUTPUT" >&2; return 1; }
  VERDICT=$(jq -r .verdict <<<"$DRILL_RESULT")
  REASON=$(jq -r .reason <<<"$DRILL_RESULT")
}

assert_verdict() {
  [ "$VERDICT" = "$1" ] || { echo "expected verdict '$1', got '$VERDICT' ($REASON)" >&2; return 1; }
  local want=0
  [ "$1" = 'not restorable' ] && want=1
  [ "$DRILL_STATUS" = "$want" ] || { echo "expected exit status $want, got $DRILL_STATUS" >&2; return 1; }
}

assert_reason_has() {
  [[ $REASON == *"$1"* ]] || { echo "expected the reason to contain '$1', got '$REASON'" >&2; return 1; }
}

detail_of() { jq -r ".details.$1" <<<"$DRILL_RESULT"; }

# assert_nothing_left: no mount and no state of the check, and none of its processes, remain.
assert_nothing_left() {
  if grep -q " $DRILL_STATE/" /proc/mounts; then echo "left mounted: $(grep " $DRILL_STATE/" /proc/mounts)" >&2; return 1; fi
  if [ -n "$(ls -A "$DRILL_STATE" 2>/dev/null)" ]; then echo "state left: $(ls -A "$DRILL_STATE")" >&2; return 1; fi
  local p
  for p in /proc/[0-9]*; do
    if tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -q -e "$DRILL_STATE" -e drill-watchdog; then
      echo "left running: $(tr '\0' ' ' <"$p/cmdline")" >&2
      return 1
    fi
  done
}
