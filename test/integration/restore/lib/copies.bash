# shellcheck shell=bash
# The copies the restore-check tests and the restore benchmark check: each engine's real server
# (test/integration/quiesce/lib) under its write load, on a loop-mounted XFS, copied at the block
# level by the plugin's sequence with the rendered quiesce pair (/qtest/scripts/default, clean),
# without quiescing, and damaged. Each make_* function starts the server and leaves it running
# (the caller's teardown stops it); the copies are images under $RESTORE_IMAGES.
# shellcheck disable=SC2016 # derive_copy's commands expand in the mounted copy

# cycle_succeeded: the last snapshot cycle's prescript and postscript both exited 0.
cycle_succeeded() {
  if [ "$CYCLE_PRE_STATUS" != 0 ] || [ "$CYCLE_POST_STATUS" != 0 ]; then
    echo "the quiesce scripts failed: prescript $CYCLE_PRE_STATUS, postscript $CYCLE_POST_STATUS" >&2
    return 1
  fi
}

# make_mysql_copies: see the header of mysql.bats for what each copy is.
make_mysql_copies() {
  loopfs_create 512
  mysql_fixture_start
  mysql_load_start 10
  sleep 3
  snapshot_cycle "pre default" "" "post default"
  cycle_succeeded
  save_copy quiesced
  cp "$QUIESCE_STATE/mysql/binlog-position" /run/qtest/quiesced.binlog
  snapshot_cycle "pre clean" "" "post clean"
  cycle_succeeded
  save_copy clean
  # A transaction that has changed rows and not committed when the copy is taken.
  mariadb_cli m1 -e "BEGIN; UPDATE sb.accounts SET balance = balance + 1 WHERE id <= 200; SELECT SLEEP(12); ROLLBACK" >/dev/null 2>&1 &
  sleep 2
  snapshot_cycle "" "" ""
  save_copy unquiesced
  mysql_load_wait
  derive_copy clean truncated 'truncate -s 64K "$DAMAGE/mysql/sb/accounts.ibd"'
}

# make_postgresql_copies: see the header of postgresql.bats for what each copy is.
make_postgresql_copies() {
  loopfs_create 512
  pg_fixture_start
  pg_cli p1 -c "CREATE TABLE drill_static AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 20000) g;
    CREATE INDEX drill_static_v ON drill_static (v); CHECKPOINT;"
  pg_cli p1 -c "SELECT pg_relation_filepath('drill_static_v')" >/run/qtest/static-index-path
  pg_load_start 12
  sleep 3
  snapshot_cycle "pre default" "" "post default"
  cycle_succeeded
  save_copy quiesced
  sleep 3
  snapshot_cycle "" "" ""
  save_copy unquiesced
  pg_load_wait
  derive_copy quiesced zeroed 'dd if=/dev/zero of="$DAMAGE/pg/$(cat /run/qtest/static-index-path)" bs=8192 seek=1 count=1 conv=notrunc status=none'
  derive_copy quiesced missingwal 'rm "$DAMAGE/pg/pg_wal/$("$PG_BIN/pg_controldata" "$DAMAGE/pg" | sed -n "s/^Latest checkpoint.s REDO WAL file: *//p" | tee /run/qtest/missing-segment)"'
}

# make_redis_copies: see the header of redis.bats for what each copy is.
make_redis_copies() {
  loopfs_create 512
  redis_fixture_start
  redis_load_start 8
  sleep 3
  snapshot_cycle "pre default" "" "post default"
  cycle_succeeded
  save_copy quiesced
  redis_load_wait
  derive_copy quiesced cut 'f=$(ls "$DAMAGE"/redis/appendonlydir/*.incr.aof | tail -n 1); truncate -s -7 "$f"'
  derive_copy quiesced corruptrdb 'rm -rf "$DAMAGE/redis/appendonlydir"; printf "garbage!garbage!" | dd of="$DAMAGE/redis/dump.rdb" bs=1 seek=$(($(stat -c %s "$DAMAGE/redis/dump.rdb") / 2)) conv=notrunc status=none'
}
