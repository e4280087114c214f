#!/usr/bin/env bats
# The PostgreSQL script pair against a real PostgreSQL server (Debian's postgresql), inside
# test/harness/sandbox.sh. Run by postgresql.test.ts, which renders the variants:
#   default   CHECKPOINT + sync (socket, peer authentication as postgres)
#   strict    pg_backup_start held until the postscript    watchdog  strict, hold timeout 4 s
#   tcp       strict, TCP, user quiesce, root-only password file   tcpcheckpoint  the same, default mode
#   badpass   the same with a wrong password               unsafe    a password file others can read
#   down      a port nobody listens on                     hung      timeout 2 s
# PostgreSQL needs no write lock: neither mode blocks writes, and the tests check that they don't.

bats_require_minimum_version 1.5.0

setup_file() {
  . "$BATS_TEST_DIRNAME/lib/bats-helpers.bash"
  . "$BATS_TEST_DIRNAME/lib/postgresql.bash"
  loopfs_create 512
  pg_fixture_start
  write_secret "$QTEST_RUN/pgpass" 600 "127.0.0.1:$PG_PORT:*:quiesce:right-password"
  write_secret "$QTEST_RUN/bad-pgpass" 600 "127.0.0.1:$PG_PORT:*:quiesce:wrong-password"
  write_secret "$QTEST_RUN/unsafe-pgpass" 644 "127.0.0.1:$PG_PORT:*:quiesce:right-password"
}

teardown_file() {
  . "$BATS_TEST_DIRNAME/lib/bats-helpers.bash"
  qtest_teardown_file p2 p1
}

setup() {
  . "$BATS_TEST_DIRNAME/lib/bats-helpers.bash"
  . "$BATS_TEST_DIRNAME/lib/postgresql.bash"
}

teardown() {
  loopfs_thaw
  kill -CONT "$(cut -d' ' -f1 "$QTEST_RUN/p1.pid")" 2>/dev/null || true
  post strict >/dev/null 2>&1 || true
  rm -rf "$QUIESCE_STATE/postgresql" "$QTEST_RUN/labels"
}

probe_write() { pg_cli p1 -c "UPDATE pgbench_branches SET bbalance = bbalance WHERE bid = 1"; }
hold_sessions() { pg_cli p1 -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'app-consistent-snapshot-hold'"; }
no_hold_session() { [ "$(hold_sessions)" = 0 ]; }
checkpoints() { pg_cli p1 -c "SELECT checkpoints_req FROM pg_stat_bgwriter"; }

@test "default: the prescript runs a CHECKPOINT and holds nothing; writes go on; the postscript has nothing to undo" {
  local before
  before=$(checkpoints)
  run pre default
  assert_status 0
  assert_output_has "checkpoint done"
  [ "$(checkpoints)" -gt "$before" ]
  assert_probe_write_ms 0 2000 "write after the prescript took"
  [ "$(hold_sessions)" = 0 ]
  run post default
  assert_status 0
  assert_output_has "nothing to stop"
}

@test "strict: pg_backup_start is held by a background session until the postscript, which stops it there and saves the backup label" {
  run pre strict
  assert_status 0
  [ "$(hold_sessions)" = 1 ]
  probe_write
  run post strict
  assert_status 0
  assert_output_has "START WAL LOCATION"
  assert_output_has "LABEL: app-consistent-snapshot-"
  grep -q "^LABEL: app-consistent-snapshot-" "$QTEST_RUN"/labels/*.backup_label
  grep -q "^START WAL LOCATION" "$QUIESCE_STATE/postgresql/backup_label"
  [ "$(hold_sessions)" = 0 ]
  assert_nothing_held postgresql
}

@test "watchdog: without a postscript the backup session ends after the hold timeout; a late postscript exits 6" {
  run pre watchdog
  assert_status 0
  [ "$(hold_sessions)" = 1 ]
  wait_until 12 no_hold_session
  wait_until 5 grep -q "aborting backup due to backend exiting before pg_backup_stop was called" "$QTEST_RUN/p1.log"
  assert_nothing_held postgresql
  check_late_postscript watchdog strict
}

@test "server down: the prescript fails fast with exit 3 and leaves nothing behind" {
  check_prescript_fails down 3 "cannot connect" 0 10000
}

@test "credentials: a root-only password file over TCP works in both modes; a wrong password exits 3; a file others can read exits 2" {
  run pre tcpcheckpoint
  assert_status 0
  assert_output_has "checkpoint done"
  run pre tcp
  assert_status 0
  [ "$(hold_sessions)" = 1 ]
  run post tcp
  assert_status 0
  [ "$(hold_sessions)" = 0 ]
  run pre badpass
  assert_status 3
  assert_output_has "password authentication failed"
  run pre unsafe
  assert_status 2
  assert_output_has "readable by root only"
  [ "$(hold_sessions)" = 0 ]
  assert_nothing_held postgresql
}

@test "a long-running write does not stall the prescript; a hung server fails it within its bound, leaving nothing behind" {
  bg_run long pg_cli p1 -c "BEGIN; UPDATE pgbench_tellers SET tbalance = tbalance WHERE tid = 1; SELECT pg_sleep(6); COMMIT;"
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
  # A server that does not answer at all (stopped): the prescript gives up within its timeout.
  # (teardown resumes it should an assertion fail first)
  kill -STOP "$(cut -d' ' -f1 "$QTEST_RUN/p1.pid")"
  check_prescript_fails hung 3 "cannot connect" 1500 9000
  kill -CONT "$(cut -d' ' -f1 "$QTEST_RUN/p1.pid")"
  wait_until 10 probe_write
  [ "$(hold_sessions)" = 0 ]
}

one_hold_session() { [ "$(hold_sessions)" = 1 ]; }

@test "prescript twice exits 5 and keeps the backup; postscript twice, and without a prescript, exit 0" {
  check_repeats strict "nothing to stop" one_hold_session no_hold_session
}

@test "consistency under load (default): the copy recovers and the pgbench balances agree" {
  check_consistency pg default ""
}

@test "consistency under load (strict): the copy recovers from the backup label and the archive, and the balances agree" {
  check_consistency pg strict "" "$QUIESCE_STATE/postgresql/backup_label"
}
