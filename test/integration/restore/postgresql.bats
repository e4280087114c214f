#!/usr/bin/env bats
# The PostgreSQL restore-drill check (templates/checks/postgresql.sh) on real copies of a real
# PostgreSQL server under load, inside test/harness/sandbox.sh. Run by postgresql.test.ts through
# the quiesce harness (run-config.sh: the Debian package's cluster in the matrix configuration
# `stock`, the pairs rendered at /qtest/scripts/<variant>). The copies (setup_file, lib/copies.bash):
#   quiesced    the plugin's sequence with the configuration's pair (CHECKPOINT) under pgbench
#   unquiesced  a freeze and copy only, under the same load
#   zeroed      the quiesced copy with one page of an index (of a table the load does not touch,
#               so that no WAL record rewrites it at recovery) zeroed
#   missingwal  the quiesced copy without the WAL segment where recovery starts

bats_require_minimum_version 1.5.0

setup_file() {
  . "$BATS_TEST_DIRNAME/lib/restore.bash"
  . "$QUIESCE_LIB/postgresql.bash"
  . "$BATS_TEST_DIRNAME/lib/copies.bash"
  make_postgresql_copies
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

@test "the quiesced copy is restorable after crash recovery (a copy of a running PostgreSQL always is): recovery finishes, amcheck passes on every B-tree index, the query returns rows" {
  drill_check postgresql quiesced DRILL_QUERY="SELECT aid FROM pgbench_accounts LIMIT 2" DRILL_DATABASE=postgres
  assert_verdict 'restorable after crash recovery'
  assert_reason_has "cluster state 'in production'"
  [ "$(detail_of amcheck)" = checked ]
  [ "$(detail_of indexesChecked)" -ge 4 ]
  [ "$(detail_of walReplayedBytes)" -gt 0 ]
  [ "$(detail_of query)" = passed ]
  [ "$(detail_of version)" = 15 ]
  assert_nothing_left
}

@test "the copy taken without quiescing is restorable after crash recovery too" {
  drill_check postgresql unquiesced
  assert_verdict 'restorable after crash recovery'
  [ "$(detail_of walReplayedBytes)" -gt 0 ]
  assert_nothing_left
}

@test "a zeroed index page: not restorable, amcheck naming the index" {
  drill_check postgresql zeroed
  assert_verdict 'not restorable'
  assert_reason_has 'amcheck'
  assert_reason_has 'drill_static_v'
  assert_nothing_left
}

@test "a missing WAL segment: not restorable, naming the segment" {
  drill_check postgresql missingwal
  assert_verdict 'not restorable'
  assert_reason_has "WAL segment $(cat "$RESTORE_COPIES/missing-segment")"
  assert_reason_has 'missing from pg_wal'
  assert_nothing_left
}

@test "a query that fails: not restorable, with the server's message" {
  drill_check postgresql quiesced DRILL_QUERY="SELECT * FROM no_such_table"
  assert_verdict 'not restorable'
  assert_reason_has 'no_such_table'
  assert_nothing_left
}
