#!/usr/bin/env bats
# The MySQL / MariaDB pair against a real MariaDB server in one configuration of the matrix (the
# Debian package's, started by its init script; see lib/mysql.bash), run by run-config.sh. The
# jest wrapper (mysql.test.ts) renders the configuration's pair as these variants:
#   base        the configuration's options          watchdog  base, lock wait 2 s, hold timeout 4 s
#   fastfail    base, lock wait 2 s                  backupstage  base, BACKUP STAGE mode
# The last test stops the server.

bats_require_minimum_version 1.5.0

setup() {
  . "$BATS_TEST_DIRNAME/lib/bats-helpers.bash"
  . "$BATS_TEST_DIRNAME/lib/mysql.bash"
}

teardown() {
  loopfs_thaw
  # Whatever a failed test left: release it, so that the next test starts clean.
  post base >/dev/null 2>&1 || true
  rm -rf "$QUIESCE_STATE/mysql"
}

probe_write() { mcli -e "UPDATE sb.probe SET v = v + 1 WHERE id = 1"; }

# The binary log position the prescript must report in this configuration.
expected_position() {
  case "$QTEST_MYSQL_BINLOG" in
    off) echo "binlog position: off" ;;
    on) echo "binlog position: mysql-bin.0" ;;
    gtid) echo "gtid 3-7-" ;;
  esac
}

@test "FTWRL: the prescript returns with the lock held and the binary log position; a write waits (longer than the server's session timeouts) until the postscript" {
  run pre base
  assert_status 0
  assert_output_has "$(expected_position)"
  assert_output_has "lock held (ftwrl"
  write_waits
  # While held, the session is there (what assert_nothing_held looks for).
  run assert_nothing_held mysql
  assert_status 1
  sleep 3
  assert_running write
  local state
  state=$(mcli -e "SELECT STATE FROM information_schema.PROCESSLIST WHERE INFO LIKE 'UPDATE sb.probe%'")
  [[ $state == *"Waiting for backup lock"* ]]
  run post base
  assert_status 0
  assert_output_has "lock released"
  write_went_through
  assert_nothing_held mysql
}

@test "BACKUP STAGE: the prescript returns with commits blocked; a write commits after the postscript" {
  run pre backupstage
  assert_status 0
  assert_output_has "lock held (backup-stage"
  assert_output_has "$(expected_position)"
  write_waits
  run post backupstage
  assert_status 0
  write_went_through
  assert_nothing_held mysql
}

@test "watchdog: without a postscript the lock ends after the hold timeout; a late postscript exits 6" {
  run pre watchdog
  assert_status 0
  # The hold timeout (4 s) counts from the prescript's start: the write waited most of it.
  assert_probe_write_ms 1500 10000 "write blocked for"
  assert_nothing_held mysql
  check_late_postscript watchdog base
}

@test "a long-running write: the prescript fails within its lock wait bound, saying why, and no lock or queue stays" {
  bg_run long mcli -e "UPDATE sb.probe SET v = v + SLEEP(30) WHERE id = 1"
  sleep 1
  check_prescript_fails fastfail 4 "Lock wait timeout exceeded" 1500 9000
  # No queue: a write to another table goes through at once.
  local start
  start=$(ms)
  mcli -e "INSERT INTO sb.accounts VALUES (0, 0); DELETE FROM sb.accounts WHERE id = 0"
  assert_between $(($(ms) - start)) 0 1500 "write after the failed prescript took (ms)"
  [ "$(mcli -e "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE 'FLUSH%'")" = 0 ]
  mcli -e "SELECT CONCAT('KILL ', ID, ';') FROM information_schema.PROCESSLIST WHERE INFO LIKE 'UPDATE sb.probe%SLEEP%'" | mcli
  bg_wait long 10
}

@test "prescript twice exits 5 and keeps the lock; postscript twice, and without a prescript, exit 0" {
  check_repeats base "nothing to release" write_waits write_went_through
}

@test "consistency under load (FTWRL): the copy has no rolled-back transaction, CHECK TABLE is clean, the invariant holds, the binary log ends at the recorded position with the recorded GTID" {
  check_consistency mysql base
  [ "$VERIFY_ROLLED" = 0 ]
  case "$QTEST_MYSQL_BINLOG" in
    off) [[ $VERIFY_JSON == *'"binlogEndsAtRecordedPosition":null'* ]] ;;
    on) [[ $VERIFY_JSON == *'"binlogEndsAtRecordedPosition":true'* ]] ;;
    gtid) [[ $VERIFY_JSON == *'"binlogEndsAtRecordedPosition":true'*'"gtidIsRecorded":true'* ]] ;;
  esac
}

@test "server down: the prescript fails fast with exit 3, saying why, and leaves nothing behind" {
  mysql_server_stop
  check_prescript_fails base 3 "cannot connect to the server: ERROR" 0 10000
}
