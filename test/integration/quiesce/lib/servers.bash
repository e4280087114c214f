# shellcheck shell=bash
# Starts and stops the database servers the quiesce tests and the benchmark run against, inside
# the throwaway root of test/harness/sandbox.sh (loopback and unix sockets only).
#
# The servers under test run as users run them: the Debian package's configuration in /etc,
# its data directory (bound to a directory of the loop file system), started and stopped by the
# package's own init script (there is no systemd here):
#   stock_data_dir DIR SUBDIR OWNER MODE   binds $LOOPFS_DATA/SUBDIR at DIR, empty
#   mariadb_stock_init / mariadb_stock_start / mariadb_stock_stop
#   pg_stock_init / pg_stock_start / pg_stock_stop
#   redis_stock_start / redis_stock_stop
# The servers that check a copy are started by hand on the copy, each as its own system user,
# and stopped by the PID this file recorded:
#   mariadb_start NAME DATADIR PORT [mariadbd options...]  socket /run/qtest/NAME.sock
#   pg_start NAME DATADIR PORT [postgres -c options...] socket directory /run/qtest
#   redis_start NAME DIR PORT [redis-server options...]
#   server_stop NAME                                    any of them, by recorded PID
#
# A server that does not answer in time is a failure: the caller's test fails, never skips.

QTEST_RUN=/run/qtest
PG_BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)

qtest_fail() { echo "qtest: $*" >&2; return 1; }

# wait_until SECONDS COMMAND...: polls COMMAND every 0.2 s.
wait_until() {
  local until=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$until" ] || return 1
    sleep 0.2
  done
}

# _record_pid NAME PID [SIGNAL]: how server_stop finds and stops the server.
# The run directory: sockets, logs and PID files of every server (each runs as its own user).
qtest_run_dir() { mkdir -p "$QTEST_RUN" && chmod 1777 "$QTEST_RUN"; }

_record_pid() { qtest_run_dir; echo "$2 ${3:-TERM}" >"$QTEST_RUN/$1.pid"; }

mariadb_cli() { local name=$1; shift; mariadb --socket="$QTEST_RUN/$name.sock" --batch --skip-column-names "$@"; }

mariadb_start() {
  local name=$1 datadir=$2 port=$3
  shift 3
  qtest_run_dir
  mkdir -p "$datadir"
  chown mysql:mysql "$datadir"
  if [ ! -d "$datadir/mysql" ]; then
    mariadb-install-db --user=mysql --datadir="$datadir" --auth-root-authentication-method=socket \
      --skip-test-db >"$QTEST_RUN/$name.install.log" 2>&1 || qtest_fail "mariadb-install-db failed: $(tail -n 5 "$QTEST_RUN/$name.install.log")" || return 1
  fi
  mariadbd --no-defaults --user=mysql --datadir="$datadir" --socket="$QTEST_RUN/$name.sock" \
    --port="$port" --bind-address=127.0.0.1 --log-error="$QTEST_RUN/$name.err" --pid-file="$QTEST_RUN/$name.mpid" \
    --innodb-buffer-pool-size=128M --innodb-log-file-size=64M "$@" </dev/null >/dev/null 2>&1 &
  _record_pid "$name" $!
  wait_until 60 mariadb_cli "$name" -e 'SELECT 1' ||
    qtest_fail "MariaDB $name did not start: $(tail -n 20 "$QTEST_RUN/$name.err")"
}

as_postgres() { setpriv --reuid=postgres --regid=postgres --init-groups -- "$@"; }

pg_cli() { local name=$1; shift; as_postgres psql -X -q -A -t -v ON_ERROR_STOP=1 -h "$QTEST_RUN" -p "$(cat "$QTEST_RUN/$name.port")" -U postgres -d postgres "$@"; }

pg_start() {
  local name=$1 datadir=$2 port=$3
  shift 3
  qtest_run_dir
  mkdir -p "$datadir"
  chown postgres:postgres "$datadir"
  chmod 700 "$datadir"
  if [ ! -f "$datadir/PG_VERSION" ]; then
    runuser -u postgres -- "$PG_BIN/initdb" -D "$datadir" -A peer --auth-host=scram-sha-256 \
      >"$QTEST_RUN/$name.initdb.log" 2>&1 || qtest_fail "initdb failed: $(tail -n 5 "$QTEST_RUN/$name.initdb.log")" || return 1
  fi
  echo "$port" >"$QTEST_RUN/$name.port"
  local opts=(-c "unix_socket_directories=$QTEST_RUN" -c listen_addresses=127.0.0.1 -c "port=$port" -c shared_buffers=64MB -c fsync=on)
  local o
  for o in "$@"; do opts+=(-c "$o"); done
  setpriv --reuid=postgres --regid=postgres --init-groups -- "$PG_BIN/postgres" -D "$datadir" "${opts[@]}" \
    </dev/null >"$QTEST_RUN/$name.log" 2>&1 &
  # INT: fast shutdown (TERM would wait for every client to leave).
  _record_pid "$name" $! INT
  wait_until 60 pg_cli "$name" -c 'SELECT 1' ||
    qtest_fail "PostgreSQL $name did not start: $(tail -n 20 "$QTEST_RUN/$name.log")"
}

redis_cli() { local name=$1; shift; redis-cli -p "$(cat "$QTEST_RUN/$name.port")" "$@"; }

redis_start() {
  local name=$1 dir=$2 port=$3
  shift 3
  qtest_run_dir
  mkdir -p "$dir"
  chown redis:redis "$dir"
  echo "$port" >"$QTEST_RUN/$name.port"
  setpriv --reuid=redis --regid=redis --init-groups -- redis-server --bind 127.0.0.1 --port "$port" \
    --dir "$dir" --daemonize no --save "" --enable-debug-command local "$@" </dev/null >"$QTEST_RUN/$name.log" 2>&1 &
  _record_pid "$name" $!
  wait_until 30 redis_ping "$name" || qtest_fail "Redis $name did not start: $(tail -n 20 "$QTEST_RUN/$name.log")"
}

redis_ping() { [ "$(redis_cli "$1" PING 2>/dev/null)" = PONG ]; }

# server_stop NAME: stops the server started as NAME (its signal, then KILL after 30 s).
server_stop() {
  local pidfile="$QTEST_RUN/$1.pid" pid sig
  [ -f "$pidfile" ] || return 0
  read -r pid sig <"$pidfile"
  if kill -s "$sig" "$pid" 2>/dev/null; then
    wait_until 30 _gone "$pid" || { kill -KILL "$pid" 2>/dev/null; wait_until 10 _gone "$pid"; }
  fi
  rm -f "$pidfile"
}

_gone() { ! kill -0 "$1" 2>/dev/null || [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" = Z ]; }

# stock_data_dir DIR SUBDIR OWNER MODE: the package's data directory DIR, empty, on the loop file
# system (so that freezing and copying the loop file system snapshots it).
stock_data_dir() {
  local dir=$1 sub=$LOOPFS_DATA/$2
  qtest_run_dir
  mkdir -p "$sub" "$dir" && chown "$3" "$sub" && chmod "$4" "$sub" && mount --bind "$sub" "$dir" ||
    qtest_fail "cannot bind $sub at $dir"
}

# mariadb_stock_init: an empty /var/lib/mysql set up as the package's postinst sets it up.
mariadb_stock_init() {
  stock_data_dir /var/lib/mysql mysql mysql:mysql 755 || return 1
  TMPDIR='' bash /usr/bin/mysql_install_db --rpm --cross-bootstrap --user=mysql --disable-log-bin \
    --skip-test-db >"$QTEST_RUN/mysql-install.log" 2>&1 || qtest_fail "mysql_install_db failed: $(tail -n 5 "$QTEST_RUN/mysql-install.log")" || return 1
  touch /var/lib/mysql/debian-10.11.flag
}

# mariadb_stock_start / mariadb_stock_stop: the package's init script. (It reports errors to
# syslog, which the sandbox does not have: its own output is kept in the run directory.)
mariadb_stock_start() {
  qtest_run_dir
  /etc/init.d/mariadb start >"$QTEST_RUN/mariadb-init.log" 2>&1 ||
    qtest_fail "/etc/init.d/mariadb start failed: $(tail -n 20 "$QTEST_RUN/mariadb-init.log")"
}

mariadb_stock_stop() {
  /etc/init.d/mariadb stop >>"$QTEST_RUN/mariadb-init.log" 2>&1 || true
  local pid
  pid=$(cat /run/mysqld/mysqld.pid 2>/dev/null) || return 0
  kill -0 "$pid" 2>/dev/null && { kill -KILL "$pid"; wait_until 10 _gone "$pid"; }
  return 0
}

PG_VERSION=${PG_BIN%/bin}
PG_VERSION=${PG_VERSION##*/}

# pg_stock_init: the "main" cluster created as the package's postinst creates it, its data
# directory on the loop file system.
pg_stock_init() {
  pg_dropcluster "$PG_VERSION" main >/dev/null 2>&1 || true
  stock_data_dir "/var/lib/postgresql/$PG_VERSION/main" pg postgres:postgres 700 || return 1
  pg_createcluster -u postgres --no-status "$PG_VERSION" main >"$QTEST_RUN/pg-createcluster.log" 2>&1 ||
    qtest_fail "pg_createcluster failed: $(tail -n 5 "$QTEST_RUN/pg-createcluster.log")"
}

pg_stock_start() {
  qtest_run_dir
  /etc/init.d/postgresql start >"$QTEST_RUN/pg-init.log" 2>&1 ||
    qtest_fail "/etc/init.d/postgresql start failed: $(cat "$QTEST_RUN/pg-init.log"; tail -n 20 /var/log/postgresql/postgresql-"$PG_VERSION"-main.log)"
}

pg_stock_stop() {
  /etc/init.d/postgresql stop >>"$QTEST_RUN/pg-init.log" 2>&1 || true
}

# The postmaster of the stock cluster.
pg_stock_pid() { head -n 1 "/var/lib/postgresql/$PG_VERSION/main/postmaster.pid"; }

redis_stock_start() {
  qtest_run_dir
  /etc/init.d/redis-server start >"$QTEST_RUN/redis-init.log" 2>&1 ||
    qtest_fail "/etc/init.d/redis-server start failed: $(cat "$QTEST_RUN/redis-init.log")"
}

redis_stock_stop() {
  /etc/init.d/redis-server stop >>"$QTEST_RUN/redis-init.log" 2>&1 || true
}

# stock_data_dir_release: unbinds every data directory stock_data_dir bound.
stock_data_dir_release() {
  local dir
  for dir in /var/lib/mysql "/var/lib/postgresql/$PG_VERSION/main" /var/lib/redis; do
    if mountpoint -q "$dir"; then umount "$dir" || umount -l "$dir"; fi
  done
}
