#!/bin/bash
# Restore-drill check for PostgreSQL (ros-app-consistent-snapshot). After the file system checks
# of lib/drill.sh: finds the data directory (PG_VERSION and global/pg_control) on the restored
# file systems, checks that the WAL the recovery starts from is there, starts the server of that
# major version on it with a throwaway configuration (no listening address, a private socket,
# trust on that socket only, no archiving, no preloaded libraries), waits until recovery has
# finished, runs amcheck on every B-tree index where the extension is available, runs the
# drill's query, and stops the server. Options: DRILL_DATA_DIR (default: wherever PG_VERSION is
# found), DRILL_QUERY (must return a row), DRILL_DATABASE (default postgres).
set -uo pipefail
DRILL_ENGINE=${DRILL_ENGINE:-postgresql}

# shellcheck source=lib/drill.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/drill.sh"

is_pg_data_dir() { [ -f "$1/PG_VERSION" ] && [ -f "$1/global/pg_control" ]; }

# The data directory: at DRILL_DATA_DIR when given, else the one data directory found within a
# few levels of each restored file system (Debian: /var/lib/postgresql/15/main).
pg_data_dir() {
  local found=() mount d
  if [ -n "$DRILL_DATA_DIR" ]; then find_data_dir is_pg_data_dir "$DRILL_DATA_DIR"; return; fi
  while read -r mount; do
    while read -r d; do
      d=${d%/PG_VERSION}
      is_pg_data_dir "$d" && found+=("$d")
    done < <(find "$mount" -maxdepth 6 -name PG_VERSION -type f 2>/dev/null)
  done <"$DRILL_WORK/mounts"
  case "${#found[@]}" in
    1) printf '%s\n' "${found[0]}" ;;
    0) not_restorable "no PostgreSQL data directory (PG_VERSION with global/pg_control) on the restored file systems" ;;
    *) not_restorable "more than one PostgreSQL data directory on the restored file systems (${found[*]}): set the check's dataDir" ;;
  esac
}

# pg_bin VERSION: the directory of that major version's server binaries.
pg_bin() {
  local d
  for d in "/usr/lib/postgresql/$1/bin" "/usr/pgsql-$1/bin" "/usr/local/pgsql/bin" "$(dirname "$(command -v postgres 2>/dev/null || echo /nonexistent/x)")"; do
    if [ -x "$d/postgres" ] && "$d/postgres" --version 2>/dev/null | grep -Eq "[^0-9]$1(\.|$)"; then printf '%s\n' "$d"; return 0; fi
  done
  return 1
}

psql_run() { as_user "$PG_OWNER" "$PG_BIN/psql" -X -q -A -t -v ON_ERROR_STOP=1 -h "$PG_RUN" -p 5432 -U "$PG_OWNER" "$@"; }

recovery_done() { [ "$(psql_run -d postgres -c 'SELECT pg_is_in_recovery()' 2>/dev/null)" = f ]; }

# wal_segment_present DIR SEGMENT: the segment is in pg_wal (or in the old pg_xlog).
wal_segment_present() { [ -f "$1/pg_wal/$2" ] || [ -f "$1/pg_xlog/$2" ]; }

drill_engine_check() {
  local dir version state redo_file log pid out from to replayed=0 databases db count=0 amcheck=unavailable query_out
  dir=$(pg_data_dir) || exit 1
  version=$(tr -d ' \n' <"$dir/PG_VERSION")
  say "data directory $dir (PostgreSQL $version)"
  detail dataDir "$dir"
  detail version "$version"
  PG_BIN=$(pg_bin "$version") || not_restorable "the scratch instance has no PostgreSQL $version server to start on the restored data (install that major version)"
  PG_OWNER=$(owner_of "$dir" postgres) || exit 1

  # The control file says where recovery starts: that WAL segment must be in the copy.
  out=$("$PG_BIN/pg_controldata" "$dir" 2>&1) || not_restorable "pg_controldata cannot read the restored control file: $(printf '%s' "$out" | tail -n 1)"
  state=$(printf '%s\n' "$out" | sed -n 's/^Database cluster state: *//p')
  redo_file=$(printf '%s\n' "$out" | sed -n "s/^Latest checkpoint's REDO WAL file: *//p")
  detail clusterState "$state"
  [ -n "$redo_file" ] || not_restorable "the restored control file names no checkpoint to recover from"
  wal_segment_present "$dir" "$redo_file" || not_restorable "WAL segment $redo_file, where recovery from the latest checkpoint starts, is missing from pg_wal"
  say "control file: cluster state '$state', recovery starts in WAL segment $redo_file (present)"
  case "$state" in
    'shut down' | 'shut down in recovery') ;;
    *) crash_recovery "the copy was taken from a running server (cluster state '$state'): PostgreSQL replays its WAL from the last checkpoint" ;;
  esac

  # A throwaway configuration: nothing of the source's postgresql.conf, pg_hba.conf or
  # auto.conf that matters here applies (the command line wins over postgresql.auto.conf).
  PG_RUN=$DRILL_WORK/postgresql
  mkdir -p "$PG_RUN"
  : >"$PG_RUN/postgresql.conf"
  printf 'local all all trust\n' >"$PG_RUN/pg_hba.conf"
  : >"$PG_RUN/pg_ident.conf"
  chown -R "$PG_OWNER:" "$PG_RUN"
  chmod 700 "$PG_RUN"
  rm -f "$dir/postmaster.pid" "$dir/postmaster.opts"
  for f in standby.signal recovery.signal; do
    if [ -e "$dir/$f" ]; then rm -f "${dir:?}/$f"; say "removed $f: the copy is started as a primary"; fi
  done
  log=$PG_RUN/server.log
  run_as "$PG_OWNER"
  "${RUN_AS[@]}" "$PG_BIN/postgres" -D "$dir" -c "config_file=$PG_RUN/postgresql.conf" -c "hba_file=$PG_RUN/pg_hba.conf" \
    -c "ident_file=$PG_RUN/pg_ident.conf" -c listen_addresses= -c "unix_socket_directories=$PG_RUN" -c port=5432 \
    -c archive_mode=off -c "shared_preload_libraries=" -c max_connections=20 -c shared_buffers=128MB -c logging_collector=off \
    -c hot_standby=off -c max_wal_senders=0 </dev/null >"$log" 2>&1 &
  pid=$!
  track_pid "$pid"
  say "starting PostgreSQL $version on the restored data"
  wait_for "$(seconds_left)" "$pid" recovery_done
  case $? in
    0) ;;
    1) not_restorable "PostgreSQL did not start on the restored data: $(grep -E '(FATAL|PANIC|ERROR):' "$log" | tail -n 2 | sed 's/^.*\(FATAL\|PANIC\|ERROR\): *//' | tr '\n' ' ')" ;;
    *) not_restorable "PostgreSQL did not finish recovery within the deadline" ;;
  esac
  from=$(sed -n 's/.*redo starts at \([0-9A-F]*\)\/\([0-9A-F]*\).*/\1 \2/p' "$log" | head -n 1)
  to=$(sed -n 's/.*redo done at \([0-9A-F]*\)\/\([0-9A-F]*\).*/\1 \2/p' "$log" | head -n 1)
  if [ -n "$from" ] && [ -n "$to" ]; then
    replayed=$(((16#${to% *} << 32) + 16#${to#* } - (16#${from% *} << 32) - 16#${from#* }))
  fi
  detail_raw walReplayedBytes "$replayed"
  say "recovery finished ($replayed bytes of WAL replayed)"

  # amcheck on every B-tree index of every database that accepts connections.
  databases=$(psql_run -d postgres -c 'SELECT datname FROM pg_database WHERE datallowconn ORDER BY 1') || not_restorable "listing the databases failed"
  if [ "$(psql_run -d postgres -c "SELECT count(*) FROM pg_available_extensions WHERE name = 'amcheck'")" = 1 ]; then
    amcheck=checked
    while read -r db; do
      [ -n "$db" ] || continue
      out=$(psql_run -d "$db" -c 'CREATE EXTENSION IF NOT EXISTS amcheck' \
        -c "SELECT count(bt_index_check(c.oid)) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
            WHERE a.amname = 'btree' AND i.indisvalid AND i.indisready AND c.relpersistence <> 't'" 2>&1) ||
        not_restorable "amcheck in database $db: $(printf '%s\n' "$out" | grep -E 'ERROR' | head -n 1 | sed 's/^.*ERROR: *//')"
      count=$((count + ${out:-0}))
    done <<<"$databases"
    say "amcheck: $count B-tree index(es) checked, no error"
    detail_raw indexesChecked "$count"
  else
    say "amcheck is not installed on the scratch instance: indexes not checked"
  fi
  detail amcheck "$amcheck"

  if [ -n "$DRILL_QUERY" ]; then
    query_out=$(psql_run -d "${DRILL_DATABASE:-postgres}" -c "$DRILL_QUERY" 2>&1) || not_restorable "the drill's query failed: $(printf '%s\n' "$query_out" | grep -m 1 -E 'ERROR|FATAL' | sed 's/^.*\(ERROR\|FATAL\): *//')"
    [ -n "$query_out" ] || not_restorable "the drill's query returned no row"
    say "the drill's query returned $(printf '%s\n' "$query_out" | wc -l) row(s)"
    detail query passed
  fi

  stop_pid "$pid" INT 60
  say "server stopped"
}

drill_main
