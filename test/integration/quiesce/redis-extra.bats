#!/usr/bin/env bats
# More of the Redis pair, against the acl configuration (see redis.bats): the credentials cases,
# what runs while writers wait, and a running AOF rewrite. Variants:
#   base      the ACL user `snapshot` (+ping +info +bgsave +client|pause +client|unpause)
#   watchdog  base, hold timeout 3 s
#   badpass   a wrong password           unsafe     a password file others can read
#   nounpause a user that may pause but not end a pause

bats_require_minimum_version 1.5.0

setup_file() {
  . "$BATS_TEST_DIRNAME/lib/bats-helpers.bash"
  . "$BATS_TEST_DIRNAME/lib/redis.bash"
  rcli ACL SETUSER pauseonly on ">$REDIS_SNAPSHOT_PASSWORD" +ping +info +bgsave '+client|pause' >/dev/null
  write_secret "$QTEST_RUN/redis-bad-pass" 600 wrong-password
  write_secret "$QTEST_RUN/redis-unsafe-pass" 644 "$REDIS_SNAPSHOT_PASSWORD"
}

setup() {
  . "$BATS_TEST_DIRNAME/lib/bats-helpers.bash"
  . "$BATS_TEST_DIRNAME/lib/redis.bash"
}

teardown() {
  rcli CONFIG SET rdb-key-save-delay 0 >/dev/null 2>&1 || true
  post base >/dev/null 2>&1 || true
  rcli CLIENT UNPAUSE >/dev/null 2>&1 || true
  rm -rf "$QUIESCE_STATE/redis"
}

probe_write() { rcli SET probe "$(ms)"; }

@test "credentials: a wrong password exits 3; a file others can read exits 2; a user that could not end a pause is refused before anything is paused" {
  run pre badpass
  assert_status 3
  assert_output_has "WRONGPASS"
  run pre unsafe
  assert_status 2
  assert_output_has "readable by root only"
  run pre nounpause
  assert_status 2
  assert_output_has "may not run CLIENT UNPAUSE"
  assert_nothing_held redis
  assert_probe_write_ms 0 1500 "write after the refused prescripts took"
}

@test "pause: no process starts while writers wait: none after the prescript pauses, none in the postscript before its release is answered" {
  traced prescript base
  assert_no_process_under_hold prescript
  traced postscript base
  assert_no_process_under_hold postscript
}

@test "pause: the prescript waits for a running AOF rewrite before it pauses" {
  rcli CONFIG SET rdb-key-save-delay 100 >/dev/null
  rcli BGREWRITEAOF
  [ "$(rcli INFO persistence | tr -d '\r' | sed -n 's/^aof_rewrite_in_progress://p')" = 1 ]
  run pre base
  rcli CONFIG SET rdb-key-save-delay 0 >/dev/null
  assert_status 0
  [ "$(rcli INFO persistence | tr -d '\r' | sed -n 's/^aof_rewrites://p')" -ge 1 ]
  [ "$(rcli INFO persistence | tr -d '\r' | sed -n 's/^aof_rewrite_in_progress://p')" = 0 ]
  run post base
  assert_status 0
}

@test "pause: after an AOF rewrite that outlasts the hold timeout, the pause still lasts the whole hold timeout" {
  # Some 4 s of rewrite (a delay per key) beside a hold timeout of 3 s.
  rcli CONFIG SET rdb-key-save-delay 150 >/dev/null
  rcli BGREWRITEAOF
  local start
  start=$(ms)
  run pre watchdog
  rcli CONFIG SET rdb-key-save-delay 0 >/dev/null
  assert_status 0
  assert_between $(($(ms) - start)) 3000 60000 "prescript took (ms)"
  assert_output_has "writes paused"
  assert_probe_write_ms 1500 10000 "write blocked for"
  check_late_postscript watchdog base
}
