#!/usr/bin/env bats
# The Redis script pair against a real Redis server (Debian's redis-server), inside
# test/harness/sandbox.sh. Run by redis.test.ts, which renders the variants:
#   default   TCP 127.0.0.1:6390                 socket    the unix socket
#   watchdog  hold timeout 3 s                   fastfail  command timeout 2 s
#   acl       ACL user quiesce, root-only password file
#   badpass   a wrong password                   unsafe    a password file others can read
#   down      a port nobody listens on

bats_require_minimum_version 1.5.0

setup_file() {
  . "$BATS_TEST_DIRNAME/lib/bats-helpers.bash"
  . "$BATS_TEST_DIRNAME/lib/redis.bash"
  loopfs_create 512
  redis_fixture_start
  write_secret "$QTEST_RUN/redis-pass" 600 right-password
  write_secret "$QTEST_RUN/redis-bad-pass" 600 wrong-password
  write_secret "$QTEST_RUN/redis-unsafe-pass" 644 right-password
}

teardown_file() {
  . "$BATS_TEST_DIRNAME/lib/bats-helpers.bash"
  qtest_teardown_file r2 r1
}

setup() {
  . "$BATS_TEST_DIRNAME/lib/bats-helpers.bash"
  . "$BATS_TEST_DIRNAME/lib/redis.bash"
}

teardown() {
  loopfs_thaw
  chmod 755 "$LOOPFS_DATA/redis" 2>/dev/null || true
  post default >/dev/null 2>&1 || true
  redis_cli r1 CLIENT UNPAUSE >/dev/null 2>&1 || true
  rm -rf "$QUIESCE_STATE/redis"
}

probe_write() { redis_cli r1 SET probe "$(ms)"; }
saves() { redis_cli r1 INFO persistence | tr -d '\r' | sed -n 's/^rdb_saves://p'; }

@test "the prescript saves, then pauses writes; reads go on; a write waits until the postscript" {
  local before
  before=$(saves)
  run pre socket
  assert_status 0
  assert_output_has "writes paused"
  [ "$(saves)" -gt "$before" ]
  redis_cli r1 GET probe
  write_waits
  run post socket
  assert_status 0
  write_went_through
}

@test "the prescript waits for a running AOF rewrite before it saves and pauses" {
  redis_cli r1 CONFIG SET rdb-key-save-delay 100
  redis_cli r1 BGREWRITEAOF
  [ "$(redis_cli r1 INFO persistence | tr -d '\r' | sed -n 's/^aof_rewrite_in_progress://p')" = 1 ]
  run pre default
  redis_cli r1 CONFIG SET rdb-key-save-delay 0
  assert_status 0
  [ "$(redis_cli r1 INFO persistence | tr -d '\r' | sed -n 's/^aof_rewrites://p')" -ge 1 ]
  [ "$(redis_cli r1 INFO persistence | tr -d '\r' | sed -n 's/^aof_rewrite_in_progress://p')" = 0 ]
  run post default
  assert_status 0
}

@test "a failed BGSAVE fails the prescript (exit 4) and leaves writes running" {
  chmod 555 "$LOOPFS_DATA/redis"
  run pre default
  chmod 755 "$LOOPFS_DATA/redis"
  assert_status 4
  assert_output_has "BGSAVE failed"
  assert_probe_write_ms 0 1500 "write after the failed prescript took"
}

@test "watchdog: without a postscript Redis ends the pause after the hold timeout; a late postscript exits 6" {
  run pre watchdog
  assert_status 0
  assert_probe_write_ms 1500 10000 "write blocked for"
  check_late_postscript watchdog default
}

@test "server down: the prescript fails fast with exit 3" {
  check_prescript_fails down 3 "Connection refused" 0 5000
}

@test "credentials: an ACL user with a root-only password file works; a wrong password exits 3; a file others can read exits 2" {
  run pre acl
  assert_status 0
  run post acl
  assert_status 0
  run pre badpass
  assert_status 3
  assert_output_has "WRONGPASS"
  run pre unsafe
  assert_status 2
  assert_output_has "readable by root only"
  probe_write
}

@test "a long-running write: the prescript fails within its command timeout and no pause stays" {
  bg_run long redis_cli r1 EVAL "local e = tonumber(redis.call('TIME')[1]) + 5; while tonumber(redis.call('TIME')[1]) < e do redis.call('INCR', 'busy') end" 0
  sleep 1
  # A 2 s command timeout.
  check_prescript_fails fastfail 4 "did not answer" 1500 6000
  bg_wait long 15
  [ "$BG_STATUS" = 0 ]
  assert_probe_write_ms 0 1500 "write after the long one took"
}

@test "prescript twice exits 5 and keeps the pause; postscript twice, and without a prescript, exit 0" {
  check_repeats default "nothing to resume" write_waits write_went_through
}

@test "consistency under load (append-only file): the copy's data equals the data at the pause" {
  check_consistency redis default redis_record_digest
}

@test "consistency under load (RDB only): the copy's data equals the data at the pause" {
  redis_cli r1 CONFIG SET appendonly no
  check_consistency redis default redis_record_digest
  redis_cli r1 CONFIG SET appendonly yes
}
