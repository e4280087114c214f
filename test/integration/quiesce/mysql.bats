#!/usr/bin/env bats
# The MySQL / MariaDB script pair against a real MariaDB server (Debian's mariadb-server),
# inside test/harness/sandbox.sh. Run by mysql.test.ts, which renders the variants:
#   default      socket                      watchdog   hold timeout 4 s
#   fastfail     lock wait 2 s               backupstage BACKUP STAGE mode
#   clean        clean mode                  tcp        TCP + root-only defaults file
#   badpass      TCP + a wrong password      unsafe     defaults file readable by others
#   down         a socket nobody listens on

bats_require_minimum_version 1.5.0

setup_file() {
  . "$BATS_TEST_DIRNAME/lib/bats-helpers.bash"
  . "$BATS_TEST_DIRNAME/lib/mysql.bash"
  loopfs_create 512
  mysql_fixture_start
  write_secret "$QTEST_RUN/client.cnf" 600 $'[client]\nuser=quiesce\npassword=right-password'
  write_secret "$QTEST_RUN/bad.cnf" 600 $'[client]\nuser=quiesce\npassword=wrong-password'
  write_secret "$QTEST_RUN/unsafe.cnf" 644 $'[client]\nuser=quiesce\npassword=right-password'
}

teardown_file() {
  . "$BATS_TEST_DIRNAME/lib/bats-helpers.bash"
  qtest_teardown_file m2 m1
}

setup() {
  . "$BATS_TEST_DIRNAME/lib/bats-helpers.bash"
  . "$BATS_TEST_DIRNAME/lib/mysql.bash"
}

teardown() {
  loopfs_thaw
  # Whatever a failed test left: release it, so that the next test starts clean.
  post default >/dev/null 2>&1 || true
  rm -rf "$QUIESCE_STATE/mysql"
}

probe_write() { mariadb_cli m1 -e "UPDATE sb.probe SET v = v + 1 WHERE id = 1"; }

@test "FTWRL: the prescript returns with the lock held; a write waits until the postscript" {
  run pre default
  assert_status 0
  assert_output_has "binlog position: mysql-bin.0"
  assert_output_has "lock held (ftwrl"
  write_waits
  local state
  state=$(mariadb_cli m1 -e "SELECT STATE FROM information_schema.PROCESSLIST WHERE INFO LIKE 'UPDATE sb.probe%'")
  [[ $state == *"Waiting for backup lock"* ]]
  run post default
  assert_status 0
  write_went_through
  assert_nothing_held mysql
}

@test "BACKUP STAGE: the prescript returns with commits blocked; a write commits after the postscript" {
  run pre backupstage
  assert_status 0
  assert_output_has "lock held (backup-stage"
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
  check_late_postscript watchdog default
}

@test "server down: the prescript fails fast with exit 3 and leaves nothing behind" {
  check_prescript_fails down 3 "cannot connect" 0 10000
  probe_write
}

@test "credentials: a root-only defaults file over TCP works; a wrong password exits 3; a file others can read exits 2" {
  run pre tcp
  assert_status 0
  assert_output_has "binlog position: mysql-bin.0"
  run post tcp
  assert_status 0
  run pre badpass
  assert_status 3
  assert_output_has "Access denied"
  assert_nothing_held mysql
  run pre unsafe
  assert_status 2
  assert_output_has "readable by root only"
  assert_nothing_held mysql
  probe_write
}

@test "a long-running write: the prescript fails within its lock wait bound and no lock or queue stays" {
  bg_run long mariadb_cli m1 -e "UPDATE sb.probe SET v = v + SLEEP(30) WHERE id = 1"
  sleep 1
  # A 2 s lock wait.
  check_prescript_fails fastfail 4 "Lock wait timeout exceeded" 1500 9000
  # No queue: a write to another table goes through at once.
  local start
  start=$(ms)
  mariadb_cli m1 -e "INSERT INTO sb.accounts VALUES (0, 0); DELETE FROM sb.accounts WHERE id = 0"
  assert_between $(($(ms) - start)) 0 1500 "write after the failed prescript took (ms)"
  [ "$(mariadb_cli m1 -e "SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE INFO LIKE 'FLUSH%'")" = 0 ]
  mariadb_cli m1 -e "SELECT CONCAT('KILL ', ID, ';') FROM information_schema.PROCESSLIST WHERE INFO LIKE 'UPDATE sb.probe%SLEEP%'" | mariadb_cli m1
  bg_wait long 10
}

@test "prescript twice exits 5 and keeps the lock; postscript twice, and without a prescript, exit 0" {
  check_repeats default "nothing to release" write_waits write_went_through
}

consistency_run() { check_consistency mysql "$1" "" "$QUIESCE_STATE/mysql/binlog-position"; }

@test "consistency under load (FTWRL): the copy has no rolled-back transaction, CHECK TABLE is clean, the invariant holds, the binlog ends at the recorded position" {
  consistency_run default
  [ "$VERIFY_ROLLED" = 0 ]
}

@test "consistency under load (clean mode): the same, and InnoDB starts the copy without redo recovery" {
  consistency_run clean
  [ "$VERIFY_ROLLED" = 0 ]
  [ "$VERIFY_REDO" = 0 ]
}

@test "consistency under load (BACKUP STAGE): CHECK TABLE is clean, the invariant holds, the binlog ends at the recorded position (statements held at commit are rolled back)" {
  consistency_run backupstage
}
