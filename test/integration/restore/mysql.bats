#!/usr/bin/env bats
# The MySQL / MariaDB restore-drill check (templates/checks/mysql.sh) on real copies of a real
# MariaDB server under load, inside test/harness/sandbox.sh. Run by mysql.test.ts through the
# quiesce harness (run-config.sh: the Debian package's server in the matrix configuration
# `binlog`, the pairs rendered at /qtest/scripts/<variant>). The copies (setup_file, lib/copies.bash):
#   quiesced    the plugin's sequence with the configuration's pair under the sysbench load
#   clean       the same in clean mode (every page flushed: the copy needs no redo)
#   unquiesced  a freeze and copy only, with a transaction in flight (uncommitted changes)
#   truncated   the clean copy with sb/accounts.ibd cut after its first four pages (from the
#               clean copy: from the others InnoDB would rebuild the file from its redo log)

bats_require_minimum_version 1.5.0

setup_file() {
  . "$BATS_TEST_DIRNAME/lib/restore.bash"
  . "$QUIESCE_LIB/mysql.bash"
  . "$BATS_TEST_DIRNAME/lib/copies.bash"
  make_mysql_copies
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

@test "the quiesced copy is restorable: every InnoDB table checked, the binlog position recorded at the prescript found, the query returns rows" {
  local recorded
  recorded=$(cat "$RESTORE_COPIES/quiesced/binlog-position")
  drill_check mysql quiesced DRILL_DATA_DIR="$LOOPFS_DATA/mysql" DRILL_EXPECT_BINLOG_POSITION="$recorded" \
    DRILL_QUERY="SELECT id FROM sb.accounts WHERE balance > 0 LIMIT 3" DRILL_STARTED_AT="$(date -u -d '-5 seconds' +%Y-%m-%dT%H:%M:%SZ)"
  assert_verdict restorable
  [ "$(detail_of tablesChecked)" -ge 3 ]
  [ "$(detail_of rolledBackTransactions)" = 0 ]
  [ "$(detail_of binlogPositionAtPrescript)" = "$(cut -d' ' -f1,2 <<<"$recorded")" ]
  [ "$(detail_of binlogMatchesPrescript)" = true ]
  [ "$(detail_of query)" = passed ]
  [ "$(jq -r .seconds <<<"$DRILL_RESULT")" -ge 5 ]
  [ "$(jq -r .engine <<<"$DRILL_RESULT")" = mysql ]
  assert_nothing_left
}

@test "the clean-mode copy is restorable without redo" {
  drill_check mysql clean
  assert_verdict restorable
  [ "$(detail_of innodbRedoApplied)" = false ]
  assert_nothing_left
}

@test "the copy taken without quiescing is restorable after crash recovery: the transaction in flight is rolled back" {
  drill_check mysql unquiesced DRILL_QUERY="SELECT COUNT(*) FROM sb.accounts"
  assert_verdict 'restorable after crash recovery'
  assert_reason_has 'InnoDB rolled back or cleaned up'
  [ "$(detail_of rolledBackTransactions)" -ge 1 ]
  assert_nothing_left
}

@test "a truncated data file: not restorable, naming the table" {
  drill_check mysql truncated
  assert_verdict 'not restorable'
  assert_reason_has 'sb'
  assert_reason_has 'accounts'
  assert_nothing_left
}

@test "a query that returns no row: not restorable, saying so" {
  drill_check mysql quiesced DRILL_QUERY="SELECT id FROM sb.accounts WHERE id < 0"
  assert_verdict 'not restorable'
  assert_reason_has "the drill's query returned no row"
  assert_nothing_left
}

@test "killed in the middle (as Cloud Assistant does at its timeout): the watchdog stops the server and unmounts" {
  attach_copy quiesced d-killedrestoretest
  APP_SNAPSHOT_DRILL_WATCHDOG_GRACE_SECONDS=1 DRILL_DEADLINE_SECONDS=15 DRILL_DISK_IDS=d-killedrestoretest \
    DRILL_QUERY="SELECT SLEEP(60)" bash "$CHECKS_DIR/mysql.sh" >/run/restore-test/killed.out 2>&1 &
  local main=$!
  wait_until 60 grep -q 'server up' /run/restore-test/killed.out
  kill -KILL "$main"
  # The server and the mount outlive the killed script until the watchdog acts (deadline + grace).
  grep -q " $DRILL_STATE/" /proc/mounts
  wait_until 40 assert_nothing_left
  assert_nothing_left
  detach_disks
}

@test "a check that does not finish within its deadline: not restorable, saying so, with the server stopped and the disk unmounted" {
  drill_check mysql quiesced DRILL_DEADLINE_SECONDS=8 DRILL_QUERY="SELECT SLEEP(60)"
  assert_verdict 'not restorable'
  assert_reason_has 'did not finish within its deadline of 8 s'
  assert_nothing_left
}
