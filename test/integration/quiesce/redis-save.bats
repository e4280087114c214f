#!/usr/bin/env bats
# The Redis pair against a server with the append-only file off (RDB snapshots, or nothing
# persisted; see redis.bats): the prescript saves the RDB file while writes go on, and pauses
# nothing. Variants: base, watchdog (base, hold timeout 3 s).

bats_require_minimum_version 1.5.0

setup() {
  . "$BATS_TEST_DIRNAME/lib/bats-helpers.bash"
  . "$BATS_TEST_DIRNAME/lib/redis.bash"
}

teardown() {
  loopfs_thaw
  chmod 750 "$LOOPFS_DATA/redis"
  rcli CONFIG SET rdb-key-save-delay 0 >/dev/null 2>&1 || true
  post base >/dev/null 2>&1 || true
  rm -rf "$QUIESCE_STATE/redis"
  # After a failed save Redis refuses writes (stop-writes-on-bgsave-error) until one succeeds.
  if [ "$(last_save_status)" = err ]; then
    rcli BGSAVE >/dev/null
    wait_until 30 last_save_ok
  fi
}

probe_write() { rcli SET probe "$(ms)"; }
saves() { rcli INFO persistence | tr -d '\r' | sed -n 's/^rdb_saves://p'; }
last_save_status() { rcli INFO persistence | tr -d '\r' | sed -n 's/^rdb_last_bgsave_status://p'; }
last_save_ok() { [ "$(last_save_status)" = ok ] && [ "$(rcli INFO persistence | tr -d '\r' | sed -n 's/^rdb_bgsave_in_progress://p')" = 0 ]; }

@test "save: the prescript saves the RDB file while writes go on and pauses nothing; the postscript has nothing to resume" {
  [ "$(rcli CONFIG GET appendonly | tail -n 1)" = no ]
  local before
  before=$(saves)
  run pre base
  assert_status 0
  assert_output_has "saved: the RDB file holds the data as of the start of the save"
  [ "$(saves)" -gt "$before" ]
  assert_probe_write_ms 0 1500 "write after the prescript took"
  run post base
  assert_status 0
  assert_output_has "nothing was paused"
  assert_nothing_held redis
}

@test "consistency under load (RDB file): the copy's data is a state between the prescript's start and its end" {
  check_consistency redis base
  grep -q '"mode":"saved"' "$COPY_DIR/copy.json"
}

@test "a save that takes longer than the hold timeout: the prescript exits 0 only once it is complete, and the copy is consistent" {
  # Some 4 s or more for the 21000 keys (a delay per key), beside a hold timeout of 3 s.
  rcli CONFIG SET rdb-key-save-delay 150 >/dev/null
  COPY_DIR=$LOOPFS_OUTER/copies/slow-save
  consistent_copy redis "$COPY_DIR" "pre watchdog" "post watchdog" 14
  rcli CONFIG SET rdb-key-save-delay 0 >/dev/null
  local pre_ms
  pre_ms=$(sed -n 's/.*"preMs":\([0-9]*\).*/\1/p' "$COPY_DIR/copy.json")
  assert_between "$pre_ms" 3000 60000 "prescript took (ms)"
  check_copy redis "$COPY_DIR"
}

@test "a failed BGSAVE fails the prescript (exit 4), saying why, and leaves writes running" {
  chmod 555 "$LOOPFS_DATA/redis"
  run pre base
  chmod 750 "$LOOPFS_DATA/redis"
  assert_status 4
  assert_output_has "BGSAVE failed"
  assert_probe_write_ms 0 1500 "write after the failed prescript took"
  assert_nothing_held redis
}
