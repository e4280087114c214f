#!/usr/bin/env bats
# The Redis restore-drill check (templates/checks/redis.sh) on real copies of a real Redis server
# under load, inside test/harness/sandbox.sh. Run by redis.test.ts through the quiesce harness
# (run-config.sh: the Debian package's server in the matrix configuration `aof`, the pairs
# rendered at /qtest/scripts/<variant>). The copies (setup_file, lib/copies.bash):
#   quiesced    the plugin's sequence with the configuration's pair under the write loop (AOF on)
#   cut         the quiesced copy with its append-only file cut in the middle of a command, as
#               a copy taken without quiescing can be
#   corruptrdb  an RDB-only copy (the append-only files left out) with bytes of dump.rdb overwritten

bats_require_minimum_version 1.5.0

setup_file() {
  . "$BATS_TEST_DIRNAME/lib/restore.bash"
  . "$QUIESCE_LIB/redis.bash"
  . "$BATS_TEST_DIRNAME/lib/copies.bash"
  make_redis_copies
}

teardown_file() {
  . "$BATS_TEST_DIRNAME/lib/restore.bash"
  detach_disks
}

setup() {
  . "$BATS_TEST_DIRNAME/lib/restore.bash"
}

teardown() {
  detach_disks
}

@test "the quiesced copy is restorable: the append-only file loads, the keys are there, the command answers" {
  drill_check redis quiesced DRILL_QUERY="GET pop:20000"
  assert_verdict restorable
  [ "$(detail_of appendonly)" = yes ]
  [ "$(detail_of keys)" -ge 20000 ]
  [ "$(detail_of query)" = passed ]
  assert_nothing_left
}

@test "an append-only file cut in the middle of a command is restorable after crash recovery" {
  drill_check redis cut
  assert_verdict 'restorable after crash recovery'
  assert_reason_has 'append-only file ended in the middle of a command'
  assert_nothing_left
}

@test "a corrupt RDB file: not restorable, naming dump.rdb" {
  drill_check redis corruptrdb
  assert_verdict 'not restorable'
  assert_reason_has 'dump.rdb is damaged: '
  assert_reason_has '(at byte '
  assert_nothing_left
}

@test "a command whose reply is nil: not restorable, saying so" {
  drill_check redis quiesced DRILL_QUERY="GET no-such-key"
  assert_verdict 'not restorable'
  assert_reason_has 'returned (nil)'
  assert_nothing_left
}
