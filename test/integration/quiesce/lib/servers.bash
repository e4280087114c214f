# shellcheck shell=bash
# Starts and stops the database servers the quiesce tests and the benchmark run against, inside
# the throwaway root of test/harness/sandbox.sh (loopback and unix sockets only). Every server
# is started by hand as its own system user and stopped by the PID this file recorded.
#
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
