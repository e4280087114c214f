#!/usr/bin/env bats
# More of the MySQL / MariaDB pair, against the binlog configuration (see mysql.bats): the
# credentials cases, what runs while writers wait, and the copy in the other modes. Variants:
#   tcp          TCP + the root-only option file of the user `snapshot` (RELOAD, BINLOG MONITOR)
#   badpass      the same with a wrong password        unsafe   an option file others can read
#   noprivilege  a user with RELOAD only (no BINLOG MONITOR, which the binary log position needs)
#   base, backupstage, clean: the configuration's pair, in each lock mode

bats_require_minimum_version 1.5.0

setup_file() {
  . "$BATS_TEST_DIRNAME/lib/bats-helpers.bash"
  . "$BATS_TEST_DIRNAME/lib/mysql.bash"
  mcli -e "CREATE USER reloadonly@'127.0.0.1' IDENTIFIED BY 'reload-password'; GRANT RELOAD ON *.* TO reloadonly@'127.0.0.1';"
  write_secret "$QTEST_RUN/bad.cnf" 600 $'[client]\nuser=snapshot\npassword=wrong-password'
  write_secret "$QTEST_RUN/unsafe.cnf" 644 $'[client]\nuser=snapshot\npassword='"$MYSQL_SNAPSHOT_PASSWORD"
  write_secret "$QTEST_RUN/reload-only.cnf" 600 $'[client]\nuser=reloadonly\npassword=reload-password'
}

setup() {
  . "$BATS_TEST_DIRNAME/lib/bats-helpers.bash"
  . "$BATS_TEST_DIRNAME/lib/mysql.bash"
}

teardown() {
  loopfs_thaw
  post base >/dev/null 2>&1 || true
  rm -rf "$QUIESCE_STATE/mysql"
}

probe_write() { mcli -e "UPDATE sb.probe SET v = v + 1 WHERE id = 1"; }

@test "credentials: the documented user over TCP works; a wrong password exits 3; a file others can read exits 2; a user without BINLOG MONITOR is refused before anything is locked" {
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
  run pre noprivilege
  assert_status 2
  assert_output_has "BINLOG MONITOR"
  assert_nothing_held mysql
  assert_probe_write_ms 0 1500 "write after the refused prescript took"
}

@test "no process starts while writers wait: none after the prescript takes the lock, none in the postscript before its release is answered (FTWRL and BACKUP STAGE)" {
  local variant
  for variant in base backupstage; do
    traced prescript "$variant"
    assert_no_process_under_hold prescript
    traced postscript "$variant"
    assert_no_process_under_hold postscript
  done
}

@test "consistency under load (BACKUP STAGE): CHECK TABLE is clean, the invariant holds, the binary log ends at the recorded position (statements held at commit are rolled back)" {
  check_consistency mysql backupstage
}

@test "consistency under load (clean mode): no rolled-back transaction, and InnoDB starts the copy without redo recovery" {
  check_consistency mysql clean
  [ "$VERIFY_ROLLED" = 0 ]
  [ "$VERIFY_REDO" = 0 ]
}

@test "a prescript that died before writing its record: the next prescript ends the session it left, and its own pair works" {
  run pre base
  assert_status 0
  # As if the prescript had died between the lock and its record.
  rm -f "$QUIESCE_STATE/mysql/hold"
  write_waits
  run pre base
  assert_status 0
  assert_output_has "ending a session no record names"
  run post base
  assert_status 0
  write_went_through
  assert_nothing_held mysql
}
