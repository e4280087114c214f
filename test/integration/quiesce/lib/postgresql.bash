# shellcheck shell=bash
# PostgreSQL fixture for the quiesce tests and the benchmark: the server of one configuration of
# the matrix (the Debian package's "main" cluster, as its init script starts it, with the
# configuration's settings in conf.d), the pgbench load, and the check of a restored copy.
#
#   pg_config_start CONFIG   starts it; exports QTEST_PG_PORT and QTEST_PG_ARCHIVING (on, off)
#   pg_server_stop           stops it (the init script)
#   pcli [psql options...]   the postgres superuser's client (peer authentication)

PG_SCALE=3
PG_SOCKET_DIR=/var/run/postgresql
# WAL is archived outside the data directory's file system (not in the snapshot), as it must be.
PG_ARCHIVE=/var/lib/postgresql/wal-archive
PG_SNAPSHOT_PASSWORD=snapshot-password

pcli() { as_postgres psql -X -q -A -t -v ON_ERROR_STOP=1 -h "$PG_SOCKET_DIR" -p "$QTEST_PG_PORT" -U postgres -d postgres "$@"; }

pgbench_run() { as_postgres "$PG_BIN/pgbench" -h "$PG_SOCKET_DIR" -p "$QTEST_PG_PORT" -U postgres "$@" postgres; }

# pg_config_settings CONFIG: the settings the configuration adds to the package's.
pg_config_settings() {
  local archive=("archive_mode = on" "archive_command = 'test ! -f $PG_ARCHIVE/%f && cp %p $PG_ARCHIVE/%f'")
  case "$1" in
    stock) ;;
    archive) printf '%s\n' "${archive[@]}" ;;
    password-tcp) printf '%s\n' "${archive[@]}" ;;
    port) printf '%s\n' "${archive[@]}" "port = 5433" ;;
    timeouts) printf '%s\n' "${archive[@]}" "idle_session_timeout = 2s" "idle_in_transaction_session_timeout = 2s" ;;
    *) echo "postgresql: unknown configuration $1" >&2; return 1 ;;
  esac
}

pg_config_start() {
  local config=$1 settings
  settings=$(pg_config_settings "$config") || return 1
  export QTEST_PG_PORT=5432 QTEST_PG_ARCHIVING=off QTEST_CONFIG=$config
  case "$settings" in *archive_mode*) QTEST_PG_ARCHIVING=on ;; esac
  case "$settings" in *"port = 5433"*) QTEST_PG_PORT=5433 ;; esac
  pg_stock_init || return 1
  if [ -n "$settings" ]; then printf '%s\n' "$settings" >"/etc/postgresql/$PG_VERSION/main/conf.d/qtest.conf"; fi
  install -d -o postgres -g postgres -m 700 "$PG_ARCHIVE"
  pg_stock_start || return 1
  wait_until 30 pcli -c 'SELECT 1' || { qtest_fail "PostgreSQL does not answer: $(tail -n 20 "/var/log/postgresql/postgresql-$PG_VERSION-main.log")"; return 1; }
  pgbench_run -i -q -s "$PG_SCALE" >"$QTEST_RUN/pgbench-init.log" 2>&1 || { cat "$QTEST_RUN/pgbench-init.log" >&2; return 1; }
  # The user of the documentation, with only the privileges it lists.
  pcli -c "CREATE ROLE snapshot LOGIN PASSWORD '$PG_SNAPSHOT_PASSWORD';
    GRANT pg_checkpoint TO snapshot;
    GRANT EXECUTE ON FUNCTION pg_backup_start(text, boolean) TO snapshot;
    GRANT EXECUTE ON FUNCTION pg_backup_stop(boolean) TO snapshot;" >/dev/null || return 1
  install -m 600 /dev/null /root/.pgpass
  printf '127.0.0.1:%s:*:snapshot:%s\n' "$QTEST_PG_PORT" "$PG_SNAPSHOT_PASSWORD" >/root/.pgpass
}

pg_server_stop() { pg_stock_stop; }

pg_server_version() { pcli -c "SHOW server_version"; }

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

# pg_record_copy DEST: keeps what restoring the copy needs besides the disk (the backup label a
# strict postscript saved, and the archived WAL), as files in DEST; prints JSON fields.
pg_record_copy() {
  local label=""
  if [ -s "$QUIESCE_STATE_DIR/postgresql/backup_label" ]; then
    cp "$QUIESCE_STATE_DIR/postgresql/backup_label" "$1/backup_label"
    label=backup_label
  fi
  if [ "$QTEST_PG_ARCHIVING" = on ]; then cp -a "$PG_ARCHIVE" "$1/wal-archive"; fi
  printf '"dataDir":"pg","backupLabel":"%s","walArchive":"%s"' "$label" "$([ -d "$1/wal-archive" ] && echo wal-archive)"
}

pg_out_of_recovery() { [ "$(pg_cli "$1" -c 'SELECT pg_is_in_recovery()')" = f ]; }

# pg_verify_copy DEST: starts a second server on the copy DEST/disk.img (crash recovery; or, with
# a backup label in DEST, archive recovery from DEST/wal-archive to the end of that backup) and
# checks the pgbench invariants: accounts, branches, tellers and history all sum to the same
# total. Sets VERIFY_JSON; returns 0 when they hold.
pg_verify_copy() {
  local dest=$1 dir=$LOOPFS_COPY/pg sums consistent=false recovery=crash conf=/etc/postgresql/$PG_VERSION/main
  loopfs_mount_copy "$dest/disk.img" || return 1
  rm -f "$dir/postmaster.pid"
  local extra=("config_file=$conf/postgresql.conf" "data_directory=$dir" "hba_file=$conf/pg_hba.conf"
    "ident_file=$conf/pg_ident.conf" "external_pid_file=$QTEST_RUN/p2.external.pid" "cluster_name=copy" ssl=off archive_mode=off)
  if [ -s "$dest/backup_label" ]; then
    recovery=backup-label
    install -o postgres -g postgres -m 600 "$dest/backup_label" "$dir/backup_label"
    install -o postgres -g postgres -m 600 /dev/null "$dir/recovery.signal"
    extra+=("restore_command=cp $dest/wal-archive/%f %p" recovery_target=immediate recovery_target_action=promote)
  fi
  rm -f "$QTEST_RUN/p2.log"
  pg_start p2 "$dir" 5434 "${extra[@]}" || { loopfs_umount_copy; return 1; }
  wait_until 60 pg_out_of_recovery p2 || { server_stop p2; loopfs_umount_copy; return 1; }
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
  [ -n "$a" ] && [ "$a" = "$b" ] && [ "$b" = "$t" ] && [ "$t" = "$h" ] && [ "$backup_done" != false ] && consistent=true
  VERIFY_JSON=$(printf '{"consistent":%s,"recovery":"%s","walReplayedBytes":%s,"sums":"%s","backupRecoveryCompleted":%s}' \
    "$consistent" "$recovery" "$replayed" "$sums" "$backup_done")
  echo "copy: $VERIFY_JSON" >&2
  [ "$consistent" = true ]
}
