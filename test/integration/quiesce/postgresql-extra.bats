#!/usr/bin/env bats
# More of the PostgreSQL pair, against the password-tcp configuration (see postgresql.bats): the
# credentials cases, and WAL archiving that fails once a backup started. Variants:
#   badpass      the user `snapshot` with a wrong password   unsafe  a password file others can read
#   nocheckpoint a user without pg_checkpoint                 archivewait  strict, timeout 3 s

bats_require_minimum_version 1.5.0

setup_file() {
  . "$BATS_TEST_DIRNAME/lib/bats-helpers.bash"
  . "$BATS_TEST_DIRNAME/lib/postgresql.bash"
  pcli -c "CREATE ROLE plain LOGIN PASSWORD 'plain-password'" >/dev/null
  write_secret "$QTEST_RUN/bad-pgpass" 600 "127.0.0.1:$QTEST_PG_PORT:*:snapshot:wrong-password"
  write_secret "$QTEST_RUN/unsafe-pgpass" 644 "127.0.0.1:$QTEST_PG_PORT:*:snapshot:$PG_SNAPSHOT_PASSWORD"
  write_secret "$QTEST_RUN/plain-pgpass" 600 "127.0.0.1:$QTEST_PG_PORT:*:plain:plain-password"
}

setup() {
  . "$BATS_TEST_DIRNAME/lib/bats-helpers.bash"
  . "$BATS_TEST_DIRNAME/lib/postgresql.bash"
}

teardown() {
  pcli -c "ALTER SYSTEM RESET archive_command" -c "SELECT pg_reload_conf()" >/dev/null || true
  post archivewait >/dev/null 2>&1 || true
  rm -rf "$QUIESCE_STATE/postgresql" "$QTEST_RUN/labels"
}

hold_sessions() { pcli -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'app-consistent-snapshot-hold'"; }
archiving_works() { [ "$(pcli -c "SELECT coalesce(last_archived_time > coalesce(last_failed_time, '-infinity'), false) FROM pg_stat_archiver")" = t ]; }

@test "credentials: a wrong password exits 3; a file others can read exits 2; a user without pg_checkpoint exits 4 saying so" {
  run pre badpass
  assert_status 3
  assert_output_has "password authentication failed"
  run pre unsafe
  assert_status 2
  assert_output_has "readable by root only"
  run pre nocheckpoint
  assert_status 4
  assert_output_has "CHECKPOINT failed"
  assert_output_has "pg_checkpoint"
  [ "$(hold_sessions)" = 0 ]
  assert_nothing_held postgresql
}

@test "strict: WAL archiving that fails after the backup started makes the postscript exit 7 within its timeout (the label could not be restored), leaving no backup running" {
  run pre archivewait
  assert_status 0
  pcli -c "ALTER SYSTEM SET archive_command = 'false'" -c "SELECT pg_reload_conf()" >/dev/null
  sleep 1
  local start
  start=$(ms)
  run post archivewait
  assert_status 7
  assert_output_has "the backup label cannot be restored without it"
  assert_between $(($(ms) - start)) 2500 8000 "postscript took (ms)"
  [ "$(hold_sessions)" = 0 ]
  assert_nothing_held postgresql
  # A failing archiver: a new prescript refuses before starting a backup.
  run pre archivewait
  assert_status 4
  assert_output_has "WAL archiving is failing"
  pcli -c "ALTER SYSTEM RESET archive_command" -c "SELECT pg_reload_conf()" >/dev/null
  wait_until 60 archiving_works
}
