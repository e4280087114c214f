#!/usr/bin/env bats
# The PostgreSQL pair in strict mode against a server that does not archive WAL (the package's
# configuration): a backup label could not be restored, so the prescript must refuse.

bats_require_minimum_version 1.5.0

setup() {
  . "$BATS_TEST_DIRNAME/lib/bats-helpers.bash"
  . "$BATS_TEST_DIRNAME/lib/postgresql.bash"
}

teardown() {
  post strict >/dev/null 2>&1 || true
  rm -rf "$QUIESCE_STATE/postgresql"
}

hold_sessions() { pcli -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'app-consistent-snapshot-hold'"; }

@test "strict mode without WAL archiving: the prescript refuses with exit 2, saying why, and starts no backup" {
  [ "$(pcli -c 'SHOW archive_mode')" = off ]
  check_prescript_fails strict 2 "strict mode needs WAL archiving, but archive_mode is off" 0 10000
  [ "$(hold_sessions)" = 0 ]
  [ "$(pcli -c "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid() AND query ILIKE '%pg_backup_start%'")" = 0 ]
  run post strict
  assert_status 0
}
