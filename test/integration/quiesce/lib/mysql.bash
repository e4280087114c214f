# shellcheck shell=bash
# MariaDB fixture for the quiesce tests and the benchmark: the server on the loop file system,
# the sysbench transfer load, and the check of a restored copy.

MYSQL_ACCOUNTS=20000
MYSQL_LOAD=$(dirname "${BASH_SOURCE[0]}")/../load/transfer.lua

mysql_fixture_start() {
  # No background statistics updates: an internal transaction in flight at the copy would be
  # rolled back at start, and the tests count rolled-back transactions.
  mariadb_start m1 "$LOOPFS_DATA/mysql" 3307 --log-bin=mysql-bin --server-id=1 --innodb-stats-auto-recalc=OFF || return 1
  mariadb_cli m1 -e "CREATE DATABASE sb;
    CREATE TABLE sb.probe (id INT PRIMARY KEY, v BIGINT NOT NULL) ENGINE=InnoDB;
    INSERT INTO sb.probe VALUES (1, 0);
    CREATE USER quiesce@'127.0.0.1' IDENTIFIED BY 'right-password';
    GRANT RELOAD, BINLOG MONITOR ON *.* TO quiesce@'127.0.0.1';" || return 1
  mysql_sysbench prepare >/dev/null
}

mysql_sysbench() {
  sysbench "$MYSQL_LOAD" --mysql-socket="$QTEST_RUN/m1.sock" --mysql-user=root --mysql-db=sb \
    --accounts="$MYSQL_ACCOUNTS" "$@"
}

# mysql_load_start SECONDS [LATENCY_LOG_PREFIX]: the transfer load in the background (LOAD_PID).
mysql_load_start() {
  mysql_sysbench --threads=2 --time="$1" ${2:+--latency_log="$2"} run >"$QTEST_RUN/load.out" 2>&1 &
  LOAD_PID=$!
}

mysql_load_wait() {
  wait "$LOAD_PID" || { echo "sysbench failed: $(tail -n 5 "$QTEST_RUN/load.out")" >&2; return 1; }
}

# mysql_verify_copy [BINLOG_POSITION_FILE]: starts a second server on the snapshot copy and
# checks it. Returns 0 when the copy is consistent: CHECK TABLE clean, the transfer invariant
# held and (given the recorded position) the binary log ends exactly there, so no commit
# happened after the prescript. Sets VERIFY_JSON, VERIFY_ROLLED (transactions the recovery had
# to roll back or resolve: statements in flight at the copy) and VERIFY_REDO (1 when InnoDB
# applied redo at start).
mysql_verify_copy() {
  local err=$QTEST_RUN/m2.err check count sum binlog_ok=null file pos size
  loopfs_mount_copy || return 1
  rm -f "$LOOPFS_COPY"/mysql/*.pid
  rm -f "$err"
  mariadb_start m2 "$LOOPFS_COPY/mysql" 3308 --log-bin=mysql-bin --server-id=1 || return 1
  check=$(mariadb_cli m2 -e "CHECK TABLE sb.accounts" | awk '{print $4}')
  read -r count sum < <(mariadb_cli m2 -e "SELECT COUNT(*), SUM(balance) FROM sb.accounts")
  # "InnoDB: N transaction(s) which must be rolled back or cleaned up" (prepared ones included)
  VERIFY_ROLLED=$(sed -n 's/.*InnoDB: \([0-9]*\) transaction(s) which must be rolled back.*/\1/p' "$err" | head -n 1)
  VERIFY_ROLLED=${VERIFY_ROLLED:-0}
  VERIFY_REDO=$(grep -c 'Starting crash recovery from checkpoint' "$err" || true)
  if [ -n "${1:-}" ] && [ -s "$1" ]; then
    read -r file pos _ <"$1"
    size=$(stat -c %s "$LOOPFS_COPY/mysql/$file")
    if [ "$size" = "$pos" ]; then binlog_ok=true; else binlog_ok=false; fi
  fi
  server_stop m2
  loopfs_umount_copy
  local invariant=false consistent=false
  [ "$count" = "$MYSQL_ACCOUNTS" ] && [ "$sum" = $((MYSQL_ACCOUNTS * 1000)) ] && invariant=true
  [ "$check" = OK ] && [ "$invariant" = true ] && [ "$binlog_ok" != false ] && consistent=true
  VERIFY_JSON=$(printf '{"consistent":%s,"checkTable":"%s","invariant":%s,"rolledBackTransactions":%d,"redoRecovery":%s,"binlogEndsAtRecordedPosition":%s}' \
    "$consistent" "$check" "$invariant" "$VERIFY_ROLLED" "$([ "$VERIFY_REDO" = 0 ] && echo false || echo true)" "$binlog_ok")
  echo "copy: $VERIFY_JSON" >&2
  [ "$consistent" = true ]
}
