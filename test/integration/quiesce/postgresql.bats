#!/usr/bin/env bats
# The PostgreSQL pair (default mode) against a real PostgreSQL server in one configuration of the
# matrix (the Debian package's "main" cluster, started by its init script; see
# lib/postgresql.bash), run by run-config.sh. Variants rendered by postgresql.test.ts:
#   base   the configuration's options (CHECKPOINT)      hung   base, timeout 2 s
#   strict base in strict mode (teardown releases it, should a test fail)
# The default mode needs no write lock, and the tests check that it takes none. The last test
# stops the server.

bats_require_minimum_version 1.5.0

setup() {
  . "$BATS_TEST_DIRNAME/lib/bats-helpers.bash"
  . "$BATS_TEST_DIRNAME/lib/postgresql.bash"
}

teardown() {
  loopfs_thaw
  kill -CONT "$(pg_stock_pid)" 2>/dev/null || true
  post strict >/dev/null 2>&1 || true
  rm -rf "$QUIESCE_STATE/postgresql"
}

probe_write() { pcli -c "UPDATE pgbench_branches SET bbalance = bbalance WHERE bid = 1"; }
hold_sessions() { pcli -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'app-consistent-snapshot-hold'"; }
checkpoints() { pcli -c "SELECT checkpoints_req FROM pg_stat_bgwriter"; }

@test "default: the prescript runs a CHECKPOINT and holds nothing; writes go on; the postscript has nothing to undo" {
  local before
  before=$(checkpoints)
  run pre base
  assert_status 0
  assert_output_has "checkpoint done; nothing is held"
  [ "$(checkpoints)" -gt "$before" ]
  assert_probe_write_ms 0 2000 "write after the prescript took"
  [ "$(hold_sessions)" = 0 ]
  run post base
  assert_status 0
  assert_output_has "nothing to stop"
}

@test "default: a long-running write transaction does not stall the prescript" {
  bg_run long pcli -c "BEGIN; UPDATE pgbench_tellers SET tbalance = tbalance WHERE tid = 1; SELECT pg_sleep(6); COMMIT;"
  sleep 1
  local start
  start=$(ms)
  run pre base
  assert_status 0
  assert_between $(($(ms) - start)) 0 4000 "prescript beside a long write took (ms)"
  bg_wait long 15
  [ "$BG_STATUS" = 0 ]
}

@test "consistency under load (default): the copy recovers and the pgbench balances agree" {
  check_consistency postgresql base
  [[ $VERIFY_JSON == *'"recovery":"crash"'* ]]
}

@test "a hung server (stopped): the prescript fails within its timeout, saying why, and leaves nothing behind" {
  # (teardown resumes it should an assertion fail first)
  kill -STOP "$(pg_stock_pid)"
  check_prescript_fails hung 3 "cannot connect" 1500 9000
  kill -CONT "$(pg_stock_pid)"
  wait_until 10 probe_write
  [ "$(hold_sessions)" = 0 ]
}

@test "server down: the prescript fails fast with exit 3, saying why, and leaves nothing behind" {
  pg_server_stop
  check_prescript_fails base 3 "cannot connect to the server: psql: error:" 0 10000
}
