# shellcheck shell=bash
# The copies the restore-check tests and the restore benchmark check, all made by the quiesce
# harness's consistent_copy (test/integration/quiesce/lib/copy.bash) from the server of one
# configuration of the quiesce matrix, which run-config.sh (or bench/restore/bench.sh) started on
# the loop file system: the plugin's sequence with the configuration's pair (quiesced, checked by
# check_copy as the quiesce tests check theirs), the sequence without a pair (unquiesced), and
# copies of those damaged (derive_copy). Each copy is a directory of $RESTORE_COPIES.
# shellcheck disable=SC2016 # derive_copy's commands expand in the mounted copy

# quiesced_copy ENGINE NAME PAIR [LOAD_SECONDS]: the plugin's sequence with the rendered pair
# PAIR (/qtest/scripts/PAIR), checked: the pair exited 0 twice and a server started on the copy
# finds it consistent. check_copy starts that server on the image it is given, which a clean
# shutdown then leaves as no snapshot is (no crash recovery to do): it checks a duplicate.
quiesced_copy() {
  local copy=$RESTORE_COPIES/$2 status=0
  consistent_copy "$1" "$copy" "pre $3" "post $3" "${4:-10}" || return 1
  cp -a --reflink=always "$copy" "$copy.checked" || return 1
  check_copy "$1" "$copy.checked" || status=$?
  rm -rf "$copy.checked"
  return "$status"
}

# unquiesced_copy ENGINE NAME [LOAD_SECONDS]: the same sequence without a pair: a freeze and a
# copy under the load, as a crash-consistent snapshot.
unquiesced_copy() { consistent_copy "$1" "$RESTORE_COPIES/$2" "" "" "${3:-10}"; }

# make_mysql_copies: see the header of mysql.bats for what each copy is (configuration binlog).
make_mysql_copies() {
  quiesced_copy mysql quiesced base
  quiesced_copy mysql clean clean
  # A transaction that has changed rows and not committed when the copy is taken (the copy comes
  # 3 s into the sequence's load).
  mcli -e "BEGIN; UPDATE sb.accounts SET balance = balance + 1 WHERE id <= 200; SELECT SLEEP(12); ROLLBACK" >/dev/null 2>&1 &
  local open=$!
  sleep 1
  unquiesced_copy mysql unquiesced
  wait "$open"
  derive_copy clean truncated 'truncate -s 64K "$DAMAGE/mysql/sb/accounts.ibd"'
}

# make_postgresql_copies: see the header of postgresql.bats for what each copy is (configuration stock).
make_postgresql_copies() {
  mkdir -p "$RESTORE_COPIES"
  pcli -c "CREATE TABLE drill_static AS SELECT g AS id, md5(g::text) AS v FROM generate_series(1, 20000) g;
    CREATE INDEX drill_static_v ON drill_static (v); CHECKPOINT;"
  pcli -c "SELECT pg_relation_filepath('drill_static_v')" >"$RESTORE_COPIES/static-index-path"
  quiesced_copy postgresql quiesced base 12
  unquiesced_copy postgresql unquiesced 12
  derive_copy quiesced zeroed 'dd if=/dev/zero of="$DAMAGE/pg/$(cat "$RESTORE_COPIES/static-index-path")" bs=8192 seek=1 count=1 conv=notrunc status=none'
  derive_copy quiesced missingwal 'rm "$DAMAGE/pg/pg_wal/$("$PG_BIN/pg_controldata" "$DAMAGE/pg" | sed -n "s/^Latest checkpoint.s REDO WAL file: *//p" | tee "$RESTORE_COPIES/missing-segment")"'
}

# make_redis_copies: see the header of redis.bats for what each copy is (configuration aof).
make_redis_copies() {
  # An RDB file beside the append-only files, for the RDB-only copy.
  rcli SAVE >/dev/null
  quiesced_copy redis quiesced base 8
  derive_copy quiesced cut 'f=$(ls "$DAMAGE"/redis/appendonlydir/*.incr.aof | tail -n 1); truncate -s -7 "$f"'
  derive_copy quiesced corruptrdb 'rm -rf "$DAMAGE/redis/appendonlydir"; printf "garbage!garbage!" | dd of="$DAMAGE/redis/dump.rdb" bs=1 seek=$(($(stat -c %s "$DAMAGE/redis/dump.rdb") / 2)) conv=notrunc status=none'
}
