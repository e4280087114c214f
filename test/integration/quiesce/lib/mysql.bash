# shellcheck shell=bash
# MariaDB fixture for the quiesce tests and the benchmark: the server of one configuration of the
# matrix (the Debian package's, as its init script starts it, with the configuration's settings),
# the sysbench transfer load, and the check of a restored copy.
#
#   mysql_config_start CONFIG   starts it; exports QTEST_MYSQL_SOCKET (where root connects by
#                               unix socket authentication) and QTEST_MYSQL_BINLOG (off, on, gtid)
#   mysql_server_stop           stops it (the init script)
#   mcli [mariadb options...]   root's client on the server under test

MYSQL_ACCOUNTS=20000
MYSQL_LOAD=$(dirname "${BASH_SOURCE[0]}")/../load/transfer.lua
MYSQL_CONF=/etc/mysql/mariadb.conf.d/60-qtest.cnf
# The least-privileged user of the documentation, and its root-only option file.
MYSQL_SNAPSHOT_PASSWORD=snapshot-password

mcli() { mariadb --socket="$QTEST_MYSQL_SOCKET" --batch --skip-column-names "$@"; }

# mysql_config_settings CONFIG: the [mysqld] settings the configuration adds to the package's.
mysql_config_settings() {
  case "$1" in
    stock) ;;
    binlog) printf '%s\n' "log_bin = mysql-bin" "server_id = 1" ;;
    gtid) printf '%s\n' "log_bin = mysql-bin" "server_id = 7" "gtid_domain_id = 3" "gtid_strict_mode = ON" ;;
    password-tcp) printf '%s\n' "log_bin = mysql-bin" "server_id = 1" ;;
    socket) printf '%s\n' "socket = /run/mysqld/db.sock" "port = 3307" ;;
    timeouts) printf '%s\n' "wait_timeout = 2" "interactive_timeout = 2" "idle_transaction_timeout = 2" ;;
    *) echo "mysql: unknown configuration $1" >&2; return 1 ;;
  esac
}

mysql_config_start() {
  local config=$1 settings
  settings=$(mysql_config_settings "$config") || return 1
  export QTEST_MYSQL_SOCKET=/run/mysqld/mysqld.sock QTEST_MYSQL_BINLOG=off QTEST_CONFIG=$config
  case "$settings" in *log_bin*) QTEST_MYSQL_BINLOG=on ;; esac
  case "$settings" in *gtid_domain_id*) QTEST_MYSQL_BINLOG=gtid ;; esac
  if [ -n "$settings" ]; then printf '[mysqld]\n%s\n' "$settings" >"$MYSQL_CONF"; fi
  if [ "$config" = socket ]; then
    # The init script checks the server through /etc/mysql/debian.cnf: it must know the socket.
    QTEST_MYSQL_SOCKET=/run/mysqld/db.sock
    sed -i "s|^\\[client\\]$|[client]\\nsocket   = $QTEST_MYSQL_SOCKET|" /etc/mysql/debian.cnf
  fi
  mariadb_stock_init && mariadb_stock_start || return 1
  # No background statistics updates: an internal transaction in flight at the copy would be
  # rolled back at start, and the tests count rolled-back transactions.
  mcli -e "SET GLOBAL innodb_stats_auto_recalc = OFF;
    CREATE DATABASE sb;
    CREATE TABLE sb.probe (id INT PRIMARY KEY, v BIGINT NOT NULL) ENGINE=InnoDB;
    INSERT INTO sb.probe VALUES (1, 0);
    CREATE USER snapshot@'127.0.0.1' IDENTIFIED BY '$MYSQL_SNAPSHOT_PASSWORD';
    GRANT RELOAD, BINLOG MONITOR ON *.* TO snapshot@'127.0.0.1';" || return 1
  install -m 600 /dev/null /root/.snapshot.cnf
  printf '[client]\nuser=snapshot\npassword=%s\n' "$MYSQL_SNAPSHOT_PASSWORD" >/root/.snapshot.cnf
  mysql_sysbench prepare >/dev/null
}

mysql_server_stop() { mariadb_stock_stop; }

# mysql_fixture_start: a server started by hand (m1, socket /run/qtest/m1.sock, binary log on)
# with the same tables, for tests that need a MariaDB and not a configuration of the matrix.
mysql_fixture_start() {
  export QTEST_MYSQL_SOCKET=$QTEST_RUN/m1.sock
  mariadb_start m1 "$LOOPFS_DATA/mysql" 3307 --log-bin=mysql-bin --server-id=1 --innodb-stats-auto-recalc=OFF || return 1
  mcli -e "CREATE DATABASE sb;
    CREATE TABLE sb.probe (id INT PRIMARY KEY, v BIGINT NOT NULL) ENGINE=InnoDB;
    INSERT INTO sb.probe VALUES (1, 0);" || return 1
  mysql_sysbench prepare >/dev/null
}

# The server's version, for the records of a copy.
mysql_server_version() { mcli -e "SELECT VERSION()"; }

mysql_sysbench() {
  sysbench "$MYSQL_LOAD" --mysql-socket="$QTEST_MYSQL_SOCKET" --mysql-user=root --mysql-db=sb \
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

# mysql_record_copy DEST: what a check of the copy needs from the moment of the snapshot (the
# binary log position the prescript recorded), as JSON fields.
mysql_record_copy() {
  local position=""
  if [ -s "$QUIESCE_STATE_DIR/mysql/binlog-position" ]; then position=$(cat "$QUIESCE_STATE_DIR/mysql/binlog-position"); fi
  printf '"dataDir":"mysql","accounts":%d,"balanceSum":%d,"binlogPosition":"%s"' \
    "$MYSQL_ACCOUNTS" $((MYSQL_ACCOUNTS * 1000)) "$position"
}

# mysql_verify_copy DEST: starts a second server (the package's configuration, its own data
# directory and socket) on the copy DEST/disk.img and checks it. Returns 0 when the copy is
# consistent: CHECK TABLE clean, the transfer invariant held and (with a recorded position) the
# binary log ends exactly there, so no commit happened after the prescript, and the GTID
# position is the recorded one. Sets VERIFY_JSON, VERIFY_ROLLED (transactions the recovery had
# to roll back or resolve: statements in flight at the copy) and VERIFY_REDO (1 when InnoDB
# applied redo at start).
mysql_verify_copy() {
  local dest=$1 err=$QTEST_RUN/m2.err check count sum binlog_ok=null gtid_ok=null file pos gtid recorded="" size copy_gtid
  if [ -s "$dest/binlog-position" ]; then recorded=$(cat "$dest/binlog-position"); fi
  loopfs_mount_copy "$dest/disk.img" || return 1
  rm -f "$LOOPFS_COPY"/mysql/*.pid "$err"
  mariadbd --defaults-file=/etc/mysql/my.cnf --user=mysql --datadir="$LOOPFS_COPY/mysql" \
    --socket="$QTEST_RUN/m2.sock" --port=3308 --log-error="$err" --pid-file="$QTEST_RUN/m2.mpid" \
    </dev/null >/dev/null 2>&1 &
  _record_pid m2 $!
  wait_until 60 mariadb_cli m2 -e 'SELECT 1' || { qtest_fail "no server on the copy: $(tail -n 20 "$err")"; server_stop m2; loopfs_umount_copy; return 1; }
  check=$(mariadb_cli m2 -e "CHECK TABLE sb.accounts" | awk '{print $4}')
  read -r count sum < <(mariadb_cli m2 -e "SELECT COUNT(*), SUM(balance) FROM sb.accounts")
  copy_gtid=$(mariadb_cli m2 -e "SELECT @@GLOBAL.gtid_binlog_pos")
  # "InnoDB: N transaction(s) which must be rolled back or cleaned up" (prepared ones included)
  VERIFY_ROLLED=$(sed -n 's/.*InnoDB: \([0-9]*\) transaction(s) which must be rolled back.*/\1/p' "$err" | head -n 1)
  VERIFY_ROLLED=${VERIFY_ROLLED:-0}
  VERIFY_REDO=$(grep -c 'Starting crash recovery from checkpoint' "$err" || true)
  if [ -n "$recorded" ] && [ "${recorded%% *}" != off ]; then
    read -r file pos _ gtid <<<"$recorded"
    size=$(stat -c %s "$LOOPFS_COPY/mysql/$file")
    if [ "$size" = "$pos" ]; then binlog_ok=true; else binlog_ok=false; fi
    if [ -n "${gtid:-}" ]; then
      if [ "$gtid" = "$copy_gtid" ]; then gtid_ok=true; else gtid_ok=false; fi
    fi
  fi
  server_stop m2
  loopfs_umount_copy
  local invariant=false consistent=false
  [ "$count" = "$MYSQL_ACCOUNTS" ] && [ "$sum" = $((MYSQL_ACCOUNTS * 1000)) ] && invariant=true
  [ "$check" = OK ] && [ "$invariant" = true ] && [ "$binlog_ok" != false ] && [ "$gtid_ok" != false ] && consistent=true
  VERIFY_JSON=$(printf '{"consistent":%s,"checkTable":"%s","invariant":%s,"rolledBackTransactions":%d,"redoRecovery":%s,"binlogEndsAtRecordedPosition":%s,"gtidIsRecorded":%s}' \
    "$consistent" "$check" "$invariant" "$VERIFY_ROLLED" "$([ "$VERIFY_REDO" = 0 ] && echo false || echo true)" "$binlog_ok" "$gtid_ok")
  echo "copy: $VERIFY_JSON (recorded: ${recorded:-nothing})" >&2
  [ "$consistent" = true ]
}
