# shellcheck shell=bash
# A loop-mounted XFS file system for a database's data, and a block-level copy of it taken while
# it is frozen, like a disk snapshot: the data image lives on an outer XFS (itself a loop file
# on the sandbox's tmpfs), so `cp --reflink=always` of the image is instantaneous.
#
#   loopfs_create SIZE_MIB     mounts the data file system at $LOOPFS_DATA
#   loopfs_freeze / loopfs_thaw   (a guard process, loopfs_guard, thaws by itself after 60 s); they set
#                              LOOPFS_FREEZE_US (freeze asked for) and LOOPFS_THAWED_US
#   loopfs_snapshot            copies the data image (call it while frozen)
#   loopfs_mount_copy [IMAGE]  mounts the copy (or IMAGE, a copy kept elsewhere) at $LOOPFS_COPY
#   loopfs_keep_copy DEST      keeps the copy as DEST/disk.img (a reflink on the outer file
#                              system, a sparse copy elsewhere)
#   loopfs_destroy             thaws, unmounts and detaches everything (safe to call twice)
#
# Only these file systems are ever frozen. In a trap or teardown: loopfs_thaw first, then stop
# the servers whose files are on them, then loopfs_destroy.

LOOPFS_ROOT=/mnt/qtest
LOOPFS_OUTER=$LOOPFS_ROOT/outer
LOOPFS_DATA=$LOOPFS_ROOT/data
LOOPFS_COPY=$LOOPFS_ROOT/copy
LOOPFS_GUARD=""


loopfs_create() {
  # mkfs.xfs wants at least 300 MiB.
  [ "$1" -ge 320 ] || { echo "loopfs: size must be at least 320 MiB" >&2; return 1; }
  mkdir -p "$LOOPFS_OUTER" "$LOOPFS_DATA" "$LOOPFS_COPY" &&
    truncate -s $(($1 * 3 + 64))M /tmp/qtest-outer.img &&
    mkfs.xfs -q /tmp/qtest-outer.img &&
    mount -o loop /tmp/qtest-outer.img "$LOOPFS_OUTER" &&
    truncate -s "$1"M "$LOOPFS_OUTER/data.img" &&
    mkfs.xfs -q "$LOOPFS_OUTER/data.img" &&
    mount -o loop "$LOOPFS_OUTER/data.img" "$LOOPFS_DATA" &&
    [ "$(stat -f -c %T "$LOOPFS_DATA")" = xfs ] || { echo "loopfs: could not create the loop file systems" >&2; return 1; }
}

# loopfs_guard: should the test die while frozen, thaw anyway (a frozen file system blocks its
# writers): a process that thaws after 60 s unless loopfs_thaw stops it first. loopfs_freeze
# starts one when none runs.
loopfs_guard() {
  if [ -z "$LOOPFS_GUARD" ]; then
    (sleep 60; fsfreeze -u "$LOOPFS_DATA" 2>/dev/null) </dev/null >/dev/null 2>&1 &
    LOOPFS_GUARD=$!
  fi
}

loopfs_freeze() {
  loopfs_guard
  LOOPFS_FREEZE_US=${EPOCHREALTIME/./}
  fsfreeze -f "$LOOPFS_DATA" || { loopfs_thaw; return 1; }
}

loopfs_thaw() {
  fsfreeze -u "$LOOPFS_DATA" 2>/dev/null || true
  LOOPFS_THAWED_US=${EPOCHREALTIME/./}
  if [ -n "$LOOPFS_GUARD" ]; then
    # (its sleep is left to end by itself: stopping it would start a process here)
    kill "$LOOPFS_GUARD" 2>/dev/null || true
    LOOPFS_GUARD=""
  fi
}

loopfs_snapshot() {
  rm -f "$LOOPFS_OUTER/copy.img"
  cp --reflink=always "$LOOPFS_OUTER/data.img" "$LOOPFS_OUTER/copy.img"
}

loopfs_mount_copy() {
  mount -o loop,nouuid "${1:-$LOOPFS_OUTER/copy.img}" "$LOOPFS_COPY"
}

loopfs_keep_copy() {
  mkdir -p "$1" && cp --reflink=auto --sparse=always "$LOOPFS_OUTER/copy.img" "$1/disk.img"
}

loopfs_umount_copy() {
  local i
  for i in 1 2 3 4 5 6 7 8 9 10; do
    mountpoint -q "$LOOPFS_COPY" || return 0
    umount "$LOOPFS_COPY" 2>/dev/null && return 0
    sleep 0.5
  done
  umount "$LOOPFS_COPY"
}

loopfs_destroy() {
  if mountpoint -q "$LOOPFS_DATA"; then loopfs_thaw; fi
  loopfs_umount_copy || true
  if mountpoint -q "$LOOPFS_DATA"; then umount "$LOOPFS_DATA" || umount -l "$LOOPFS_DATA"; fi
  if mountpoint -q "$LOOPFS_OUTER"; then umount "$LOOPFS_OUTER" || umount -l "$LOOPFS_OUTER"; fi
  rm -f /tmp/qtest-outer.img
}
