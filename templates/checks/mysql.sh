#!/bin/bash
# Restore-drill check for MySQL / MariaDB (ros-app-consistent-snapshot). After the file system
# checks of lib/drill.sh: finds the data directory on the restored file systems, starts a server
# on it with a throwaway configuration (no option file, networking off, a private socket, grant
# tables skipped), lets InnoDB and the binary log recover, checks every InnoDB table, finds the
# binary log position InnoDB recorded in the binary log, runs the drill's query, and stops the
# server. Options: DRILL_DATA_DIR (default /var/lib/mysql), DRILL_QUERY (must return a row),
# DRILL_DATABASE, DRILL_EXPECT_BINLOG_POSITION ("FILE POSITION", as the prescript records it).
set -uo pipefail
DRILL_ENGINE=${DRILL_ENGINE:-mysql}

# shellcheck source=lib/drill.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/drill.sh"

is_mysql_data_dir() { [ -d "$1/mysql" ] && { [ -e "$1/ibdata1" ] || [ -e "$1/aria_log_control" ]; }; }

mysql_cli() { "$MYSQL_CLIENT" --no-defaults --socket="$DRILL_WORK/mysql/mysql.sock" --batch --skip-column-names "$@"; }

# The binary log basename, from the data directory's index file (relay logs aside), or nothing.
binlog_index() {
  local f
  for f in "$1"/*.index; do
    [ -f "$f" ] || continue
    case "$f" in *relay*) continue ;; esac
    printf '%s\n' "$f"
    return 0
  done
}

drill_engine_check() {
  local dir server owner index base listed file size args=() run pid err last_file last_pos tables bad query_out rc db=()
  dir=$(find_data_dir is_mysql_data_dir /var/lib/mysql) || exit 1
  say "data directory $dir"
  detail dataDir "$dir"
  server=$(command -v mariadbd || command -v mysqld || { [ -x /usr/sbin/mariadbd ] && echo /usr/sbin/mariadbd; } || { [ -x /usr/sbin/mysqld ] && echo /usr/sbin/mysqld; }) ||
    not_restorable "the scratch instance has no MySQL or MariaDB server (mariadbd or mysqld) to start on the restored data"
  MYSQL_CLIENT=$(command -v mariadb || command -v mysql) || not_restorable "the scratch instance has no mariadb or mysql client"
  owner=$(owner_of "$dir" mysql) || exit 1

  # The binary log: every file its index names must be there.
  index=$(binlog_index "$dir")
  if [ -n "$index" ]; then
    base=$(basename "$index" .index)
    while read -r listed; do
      [ -n "$listed" ] || continue
      file=$dir/${listed##*/}
      [ -f "$file" ] || not_restorable "binary log file ${listed##*/}, listed in $base.index, is missing from the restored data"
    done < <(cat "$index")
    args+=("--log-bin=$base" --server-id=1)
    detail binlog "$base"
  else
    say "no binary log index in the data directory (the binary log is off, or kept elsewhere)"
  fi

  # The server's own directory: its socket, log, PID file and temporary files.
  run=$DRILL_WORK/mysql
  mkdir -p "$run/tmp"
  chown -R "$owner:" "$run"
  rm -f "$dir"/*.pid
  err=$run/error.log
  "$server" --no-defaults --user="$owner" --datadir="$dir" --socket="$run/mysql.sock" --skip-networking \
    --skip-grant-tables --skip-slave-start --event-scheduler=DISABLED --log-error="$err" \
    --pid-file="$run/mysql.pid" --tmpdir="$run/tmp" --innodb-buffer-pool-size=128M \
    "${args[@]}" </dev/null >"$run/stdout" 2>&1 &
  pid=$!
  track_pid "$pid"
  say "starting $(basename "$server") on the restored data"
  wait_for "$(seconds_left)" "$pid" mysql_cli -e 'SELECT 1'
  case $? in
    0) ;;
    1) not_restorable "$(basename "$server") did not start on the restored data: $(grep -E '\[(ERROR|FATAL)\]' "$err" 2>/dev/null | tail -n 3 | sed 's/^[0-9-]* *[0-9:]* [0-9]* //' | tr '\n' ' ')" ;;
    *) not_restorable "$(basename "$server") did not answer within the deadline" ;;
  esac
  say "server up: $(mysql_cli -e 'SELECT VERSION()')"

  # What the recovery had to do.
  if grep -q 'Starting crash recovery from checkpoint' "$err"; then detail innodbRedoApplied true; else detail innodbRedoApplied false; fi
  rc=$(sed -n 's/.*InnoDB: \([0-9]*\) transaction(s) which must be rolled back or cleaned up.*/\1/p' "$err" | head -n 1)
  if [ -n "$rc" ] && [ "$rc" -gt 0 ]; then crash_recovery "InnoDB rolled back or cleaned up $rc transaction(s) in flight at the snapshot"; fi
  detail_raw rolledBackTransactions "${rc:-0}"
  rc=$(sed -n 's/.*Found \([0-9]*\) prepared transaction(s) in InnoDB.*/\1/p' "$err" | head -n 1)
  if [ -n "$rc" ] && [ "$rc" -gt 0 ]; then crash_recovery "$rc prepared transaction(s) resolved from the binary log"; fi

  # The binary log position InnoDB recorded with the last commit must be in the binary log.
  read -r last_file last_pos < <(sed -n "s/.*InnoDB: Last binlog file '\([^']*\)', position \([0-9]*\).*/\1 \2/p" "$err" | tail -n 1)
  if [ -n "${last_file:-}" ]; then
    file=$dir/${last_file##*/}
    [ -f "$file" ] || not_restorable "InnoDB recorded binary log position ${last_file##*/}:$last_pos, but that file is not in the restored data"
    size=$(stat -c %s "$file")
    [ "$size" -ge "$last_pos" ] || not_restorable "InnoDB recorded binary log position ${last_file##*/}:$last_pos, beyond the end of the restored file ($size bytes): committed transactions are missing from the binary log"
    say "binary log position recorded by InnoDB: ${last_file##*/} $last_pos (found in the restored binary log, which ends at $size)"
    detail binlogPosition "${last_file##*/} $last_pos"
  fi
  if [ -n "$DRILL_EXPECT_BINLOG_POSITION" ]; then
    read -r file size _ <<<"$DRILL_EXPECT_BINLOG_POSITION"
    if [ ! -f "$dir/$file" ] || [ "$(stat -c %s "$dir/$file")" -lt "$size" ]; then
      not_restorable "the binary log position recorded at the prescript ($file $size) is not in the restored binary log"
    fi
    detail binlogPositionAtPrescript "$file $size"
    if [ "${last_file##*/} ${last_pos:-}" = "$file $size" ]; then detail binlogMatchesPrescript true; else detail binlogMatchesPrescript false; fi
    say "binary log position recorded at the prescript ($file $size) found"
  fi

  # Every InnoDB table (and every table whose engine the server cannot tell: a missing or
  # damaged tablespace), checked.
  tables=$(mysql_cli -e "SELECT CONCAT('\`', REPLACE(TABLE_SCHEMA, '\`', '\`\`'), '\`.\`', REPLACE(TABLE_NAME, '\`', '\`\`'), '\`') FROM information_schema.TABLES
    WHERE TABLE_TYPE = 'BASE TABLE' AND (ENGINE = 'InnoDB' OR ENGINE IS NULL) AND TABLE_SCHEMA NOT IN ('information_schema', 'performance_schema')" 2>&1) ||
    not_restorable "listing the tables failed: $tables"
  local count=0 table out
  while read -r table; do
    [ -n "$table" ] || continue
    count=$((count + 1))
    out=$(mysql_cli -e "CHECK TABLE $table" 2>&1) || not_restorable "CHECK TABLE $table failed: $(printf '%s' "$out" | tail -n 1)"
    bad=$(printf '%s\n' "$out" | awk -F'\t' 'tolower($3) == "error" || (tolower($3) == "status" && $4 != "OK") { sub(/^[^\t]*\t[^\t]*\t[^\t]*\t/, ""); print; exit }')
    [ -z "$bad" ] || not_restorable "CHECK TABLE $table: $bad"
  done <<<"$tables"
  say "CHECK TABLE: $count table(s), all OK"
  detail_raw tablesChecked "$count"

  if [ -n "$DRILL_QUERY" ]; then
    [ -z "$DRILL_DATABASE" ] || db=(--database="$DRILL_DATABASE")
    query_out=$(mysql_cli "${db[@]}" -e "$DRILL_QUERY" 2>&1) || not_restorable "the drill's query failed: $(printf '%s' "$query_out" | tail -n 1)"
    [ -n "$query_out" ] || not_restorable "the drill's query returned no row"
    say "the drill's query returned $(printf '%s\n' "$query_out" | wc -l) row(s)"
    detail query passed
  fi

  mysql_cli -e 'SHUTDOWN' >/dev/null 2>&1 || true
  stop_pid "$pid" TERM 60
  say "server stopped"
}

drill_main
