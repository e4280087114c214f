#!/usr/bin/env bats
# The Redis pair against a server with the append-only file on (see redis.bats): the prescript
# pauses writes until the postscript. Variants: base, watchdog (base, hold timeout 3 s).

bats_require_minimum_version 1.5.0

setup() {
  . "$BATS_TEST_DIRNAME/lib/bats-helpers.bash"
  . "$BATS_TEST_DIRNAME/lib/redis.bash"
}

teardown() {
  loopfs_thaw
  post base >/dev/null 2>&1 || true
  rcli CLIENT UNPAUSE >/dev/null 2>&1 || true
  rm -rf "$QUIESCE_STATE/redis"
}

probe_write() { rcli SET probe "$(ms)"; }

@test "pause: the prescript pauses writes once the append-only file holds every answered write; reads go on; a write waits (longer than the server's idle timeout) until the postscript" {
  [ "$(rcli CONFIG GET appendonly | tail -n 1)" = yes ]
  run pre base
  assert_status 0
  assert_output_has "writes paused"
  # While held, the session is there (what assert_nothing_held looks for).
  run assert_nothing_held redis
  assert_status 1
  rcli GET probe
  write_waits
  sleep 3
  assert_running write
  run post base
  assert_status 0
  assert_output_has "writes resumed"
  write_went_through
  assert_nothing_held redis
}

@test "pause watchdog: without a postscript Redis ends the pause after the hold timeout; a late postscript exits 6" {
  run pre watchdog
  assert_status 0
  assert_probe_write_ms 1000 10000 "write blocked for"
  check_late_postscript watchdog base
}

@test "pause: prescript twice exits 5 and keeps the pause; postscript twice, and without a prescript, exit 0" {
  check_repeats base "nothing to resume" write_waits write_went_through
}

@test "consistency under load (append-only file): the copy's data is exactly the state at the pause" {
  check_consistency redis base
  [[ $VERIFY_JSON == *'"consistent":true'* ]]
  grep -q '"mode":"pause"' "$COPY_DIR/copy.json"
}
