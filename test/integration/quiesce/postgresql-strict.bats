#!/usr/bin/env bats
# The PostgreSQL pair in strict mode against a server that archives WAL (the configurations of the
# matrix with archiving on; see postgresql.bats). Variants:
#   strict    the configuration's options, strict mode      watchdog  strict, hold timeout 4 s

bats_require_minimum_version 1.5.0

setup() {
  . "$BATS_TEST_DIRNAME/lib/bats-helpers.bash"
  . "$BATS_TEST_DIRNAME/lib/postgresql.bash"
}

teardown() {
  loopfs_thaw
  post strict >/dev/null 2>&1 || true
  rm -rf "$QUIESCE_STATE/postgresql" "$QTEST_RUN/labels"
}

probe_write() { pcli -c "UPDATE pgbench_branches SET bbalance = bbalance WHERE bid = 1"; }
hold_sessions() { pcli -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'app-consistent-snapshot-hold'"; }
no_hold_session() { [ "$(hold_sessions)" = 0 ]; }
one_hold_session() { [ "$(hold_sessions)" = 1 ]; }

@test "strict: pg_backup_start is held by a background session (longer than the server's session timeouts) until the postscript, which stops it there, waits for the archive and saves the backup label" {
  run pre strict
  assert_status 0
  assert_output_has "backup app-consistent-snapshot-"
  # While held, the session is there (what assert_nothing_held looks for).
  run assert_nothing_held postgresql
  assert_status 1
  one_hold_session
  probe_write
  sleep 3
  one_hold_session
  run post strict
  assert_status 0
  assert_output_has "START WAL LOCATION"
  assert_output_has "LABEL: app-consistent-snapshot-"
  assert_output_has "WAL archived up to"
  grep -q "^LABEL: app-consistent-snapshot-" "$QTEST_RUN"/labels/*.backup_label
  grep -q "^START WAL LOCATION" "$QUIESCE_STATE/postgresql/backup_label"
  no_hold_session
  assert_nothing_held postgresql
}

@test "strict watchdog: without a postscript the backup session ends after the hold timeout; a late postscript exits 6" {
  run pre watchdog
  assert_status 0
  one_hold_session
  wait_until 12 no_hold_session
  wait_until 5 grep -q "aborting backup due to backend exiting before pg_backup_stop was called" "/var/log/postgresql/postgresql-$PG_VERSION-main.log"
  assert_nothing_held postgresql
  check_late_postscript watchdog strict
}

@test "strict: prescript twice exits 5 and keeps the backup; postscript twice, and without a prescript, exit 0" {
  check_repeats strict "nothing to stop" one_hold_session no_hold_session
}

@test "strict: a long-running write transaction does not stall the prescript" {
  bg_run long pcli -c "BEGIN; UPDATE pgbench_tellers SET tbalance = tbalance WHERE tid = 1; SELECT pg_sleep(6); COMMIT;"
  sleep 1
  local start
  start=$(ms)
  run pre strict
  assert_status 0
  assert_between $(($(ms) - start)) 0 4000 "strict prescript beside a long write took (ms)"
  run post strict
  assert_status 0
  bg_wait long 15
  [ "$BG_STATUS" = 0 ]
}

@test "consistency under load (strict): the copy recovers from the backup label and the archive, and the balances agree" {
  check_consistency postgresql strict
  [[ $VERIFY_JSON == *'"recovery":"backup-label"'*'"backupRecoveryCompleted":true'* ]]
}
