#!/usr/bin/env bats
# The generic restore-drill check (templates/checks/generic.sh: file systems, then a check script
# of the user's) on disks made here, inside test/harness/sandbox.sh. Run by generic.test.ts.
#   ext4        an ext4 file system holding a file, copied while it was being written
#   nosuper     the ext4 disk with its superblock zeroed

bats_require_minimum_version 1.5.0

setup_file() {
  . "$BATS_TEST_DIRNAME/lib/restore.bash"
  mkdir -p "$LOOPFS_OUTER" /mnt/qtest/src
  mount -t tmpfs -o size=1200m restore-copies "$LOOPFS_OUTER"
  mkdir -p "$RESTORE_COPIES/ext4" "$RESTORE_COPIES/nosuper"
  truncate -s 64M "$LOOPFS_OUTER/src.img"
  mkfs.ext4 -q "$LOOPFS_OUTER/src.img"
  mount -o loop "$LOOPFS_OUTER/src.img" /mnt/qtest/src
  echo "the data" >/mnt/qtest/src/data.txt
  sync
  (for i in $(seq 1 400); do echo "$i" >>/mnt/qtest/src/log.txt; done) &
  sleep 0.1
  cp "$LOOPFS_OUTER/src.img" "$(copy_image ext4)"
  wait
  umount /mnt/qtest/src
  cp "$(copy_image ext4)" "$(copy_image nosuper)"
  dd if=/dev/zero of="$(copy_image nosuper)" bs=1024 count=4 conv=notrunc status=none
}

teardown_file() {
  . "$BATS_TEST_DIRNAME/lib/restore.bash"
  detach_disks
  umount "$LOOPFS_OUTER" 2>/dev/null || true
}

setup() {
  . "$BATS_TEST_DIRNAME/lib/restore.bash"
}

teardown() {
  detach_disks
}

user_check() { base64 -w 0 <<<"$1"; }

@test "a file system copied while written is restorable; the user's script sees it mounted" {
  drill_check generic ext4 DRILL_USER_CHECK="$(user_check 'for m in $DRILL_MOUNTS; do grep -q "the data" "$m/data.txt" && echo "found the data in $m" && exit 0; done; echo "data.txt is missing"; exit 3')"
  assert_verdict restorable
  [ "$(detail_of userCheck)" = passed ]
  [[ $DRILL_OUTPUT == *"drill(check script): found the data in /run/app-snapshot-drill/"* ]]
  assert_nothing_left
}

@test "a zeroed superblock: not restorable, no file system found" {
  drill_check generic nosuper
  assert_verdict 'not restorable'
  assert_reason_has 'no file system found on the restored disks'
  assert_nothing_left
}

@test "the user's script failing: not restorable, with its last line" {
  drill_check generic ext4 DRILL_USER_CHECK="$(user_check 'echo "checking"; echo "orders table is empty"; exit 4')"
  assert_verdict 'not restorable'
  assert_reason_has 'your check script exited 4: orders table is empty'
  assert_nothing_left
}

@test "a check that hangs: not restorable at its deadline, the script's processes stopped and the disk unmounted" {
  drill_check generic ext4 DRILL_DEADLINE_SECONDS=4 DRILL_USER_CHECK="$(user_check 'cd "${DRILL_MOUNTS%% *}" && sleep 600')"
  assert_verdict 'not restorable'
  assert_reason_has 'did not finish within its deadline of 4 s'
  assert_nothing_left
  ! pgrep -f 'sleep 600'
}

@test "a disk that is not attached: not restorable, naming it" {
  mkdir -p /run/restore-test
  local status=0 out
  out=$(APP_SNAPSHOT_DRILL_DEVICE_WAIT_SECONDS=1 DRILL_DISK_IDS=d-notattached0000001 bash "$CHECKS_DIR/generic.sh" 2>&1) || status=$?
  [ "$status" = 1 ]
  [[ $(tail -n 1 <<<"$out") == *'"reason":"disk d-notattached0000001 is not attached here: no block device has the serial number notattached0000001'* ]]
  assert_nothing_left
}

@test "the serial number ECS reports, when given, is the one looked for" {
  attach_copy ext4 d-serialgiven0000001
  printf 'bp1otherserial01\n' >"$APP_SNAPSHOT_DRILL_SYSFS/block/${ATTACHED_DEVICE#/dev/}/serial"
  local status=0 out
  out=$(DRILL_DISK_IDS=d-serialgiven0000001:bp1otherserial01 bash "$CHECKS_DIR/generic.sh" 2>&1) || status=$?
  detach_disks
  [ "$status" = 0 ] || { echo "$out" >&2; return 1; }
  [[ $(tail -n 1 <<<"$out") == *'"verdict":"restorable"'* ]]
  [[ $(tail -n 1 <<<"$out") == *'"disks":["d-serialgiven0000001"]'* ]]
}

@test "killed in the middle: the watchdog stops the user's script and unmounts after the deadline" {
  attach_copy ext4 d-killedgeneric00001
  APP_SNAPSHOT_DRILL_WATCHDOG_GRACE_SECONDS=1 DRILL_DEADLINE_SECONDS=6 DRILL_DISK_IDS=d-killedgeneric00001 \
    DRILL_USER_CHECK="$(user_check 'cd "${DRILL_MOUNTS%% *}" && sleep 500')" bash "$CHECKS_DIR/generic.sh" >/run/restore-test/killed.out 2>&1 &
  local main=$!
  wait_until 30 pgrep -f 'sleep 500'
  kill -KILL "$main"
  grep -q " $DRILL_STATE/" /proc/mounts
  wait_until 20 assert_nothing_left
  ! pgrep -f 'sleep 500'
  detach_disks
}
