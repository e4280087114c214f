# shellcheck shell=bash
# PostgreSQL fixture for the quiesce tests and the benchmark: the server on the loop file system
# (WAL archived to tmpfs, outside the snapshot), the pgbench load, and the check of a restored
# copy.

PG_PORT=5433
PG_ARCHIVE=$QTEST_RUN/archive
PG_SCALE=3

pgbench_run() { as_postgres "$PG_BIN/pgbench" -h "$QTEST_RUN" -p "$PG_PORT" -U postgres "$@" postgres; }

pg_fixture_start() {
  mkdir -p "$PG_ARCHIVE" && chown postgres:postgres "$PG_ARCHIVE" || return 1
  pg_start p1 "$LOOPFS_DATA/pg" "$PG_PORT" archive_mode=on "archive_command=cp %p $PG_ARCHIVE/%f" || return 1
  pgbench_run -i -q -s "$PG_SCALE" >"$QTEST_RUN/pgbench-init.log" 2>&1 || { cat "$QTEST_RUN/pgbench-init.log" >&2; return 1; }
  pg_cli p1 -c "CREATE ROLE quiesce LOGIN PASSWORD 'right-password';
    GRANT pg_checkpoint TO quiesce;
    GRANT EXECUTE ON FUNCTION pg_backup_start(text, boolean) TO quiesce;
    GRANT EXECUTE ON FUNCTION pg_backup_stop(boolean) TO quiesce;"
}

# pg_load_start SECONDS [LATENCY_LOG_PREFIX]: pgbench (TPC-B-like, no vacuum) in the background.
pg_load_start() {
  local log_args=()
  if [ -n "${2:-}" ]; then log_args=(-l "--log-prefix=$2"); fi
  pgbench_run -n -c 2 -T "$1" "${log_args[@]}" >"$QTEST_RUN/load.out" 2>&1 &
  LOAD_PID=$!
}

pg_load_wait() {
  wait "$LOAD_PID" || { echo "pgbench failed: $(tail -n 5 "$QTEST_RUN/load.out")" >&2; return 1; }
}

pg_out_of_recovery() { [ "$(pg_cli "$1" -c 'SELECT pg_is_in_recovery()')" = f ]; }

# pg_verify_copy [BACKUP_LABEL_FILE]: starts a second server on the snapshot copy (crash
# recovery; or, given a backup label, archive recovery to the end of that backup) and checks the
# pgbench invariants: accounts, branches, tellers and history all sum to the same total.
# Sets VERIFY_JSON; returns 0 when they hold.
pg_verify_copy() {
  local dir=$LOOPFS_COPY/pg sums consistent=false recovery=crash
  loopfs_mount_copy || return 1
  rm -f "$dir/postmaster.pid"
  local extra=(archive_mode=off)
  if [ -n "${1:-}" ]; then
    recovery=backup-label
    install -o postgres -g postgres -m 600 "$1" "$dir/backup_label"
    install -o postgres -g postgres -m 600 /dev/null "$dir/recovery.signal"
    extra+=("restore_command=cp $PG_ARCHIVE/%f %p" recovery_target=immediate recovery_target_action=promote)
  fi
  pg_start p2 "$dir" 5434 "${extra[@]}" || return 1
  wait_until 60 pg_out_of_recovery p2 || return 1
  sums=$(pg_cli p2 -c "SELECT (SELECT sum(abalance) FROM pgbench_accounts), (SELECT sum(bbalance) FROM pgbench_branches),
    (SELECT sum(tbalance) FROM pgbench_tellers), (SELECT coalesce(sum(delta), 0) FROM pgbench_history)")
  # WAL the start-up replayed: "redo starts at X/Y" ... "redo done at X/Y".
  local from to replayed=0
  from=$(sed -n 's/.*redo starts at \([0-9A-F]*\)\/\([0-9A-F]*\).*/\1 \2/p' "$QTEST_RUN/p2.log" | head -n 1)
  to=$(sed -n 's/.*redo done at \([0-9A-F]*\)\/\([0-9A-F]*\).*/\1 \2/p' "$QTEST_RUN/p2.log" | head -n 1)
  if [ -n "$from" ] && [ -n "$to" ]; then
    replayed=$(((16#${to% *} << 32) + 16#${to#* } - (16#${from% *} << 32) - 16#${from#* }))
  fi
  local backup_done=null
  if [ "$recovery" = backup-label ]; then
    if grep -q 'completed backup recovery' "$QTEST_RUN/p2.log"; then backup_done=true; else backup_done=false; fi
  fi
  server_stop p2
  loopfs_umount_copy
  IFS='|' read -r a b t h <<<"$sums"
  [ "$a" = "$b" ] && [ "$b" = "$t" ] && [ "$t" = "$h" ] && [ "$backup_done" != false ] && consistent=true
  VERIFY_JSON=$(printf '{"consistent":%s,"recovery":"%s","walReplayedBytes":%s,"sums":"%s","backupRecoveryCompleted":%s}' \
    "$consistent" "$recovery" "$replayed" "$sums" "$backup_done")
  echo "copy: $VERIFY_JSON" >&2
  [ "$consistent" = true ]
}
