# shellcheck shell=bash disable=SC2034 # the variables set here are read by the scripts that include this file
# A client session held open in the background, detached from the script: the database session
# that holds a lock or a backup (MySQL, PostgreSQL strict mode), or the connection through which
# Redis is paused and resumed. The prescript starts it before it takes anything, so that every
# statement under the hold, and the postscript's confirmation and release, go through a
# connection that is already open: no client process starts while writers wait.
#
# Each session has a directory of its own, $QUIESCE_DIR/session.<ms>, with two FIFOs: the client
# reads its statements from "in" and writes its answers to "out" (errors go to the file "err").
# A keeper process holds "in" open for writing (and "out" for reading) for the hold timeout; when
# the keeper ends (by itself or stopped by the postscript) and no script has "in" open, the
# client reads end-of-file and quits, which ends the session and everything it holds. The keeper
# is therefore also the watchdog: no postscript, no hold after the hold timeout.
#
# A script speaks to the session through fd 3 (writes to "in") and fd 5 (reads "out", and sees
# end-of-file when the client has ended); fd 6 is a FIFO nobody writes to, for builtin sleeps;
# fds 4, 7 and 8 are used while the session starts.
#
# The hold record keeps these variables (saved by session_hold_save).
started_ms=0 deadline_ms=0 keeper_pid="" keeper_start="" holder_pid="" holder_start="" session_dir=""
SESSION_LINES=() SESSION_MARK=""

# session_start HOLD_SECONDS COMMAND...: starts COMMAND (the client) detached.
session_start() {
  local hold=$1
  shift
  now_ms
  started_ms=$NOW_MS
  deadline_ms=$((started_ms + hold * 1000))
  session_dir=$QUIESCE_DIR/session.$started_ms.$$
  mkdir "$session_dir"
  mkfifo "$session_dir/in" "$session_dir/out" "$session_dir/tick"
  : >"$session_dir/err"
  # Read-write opens never block. Every end the keeper and the client get is opened here, before
  # they start, so that "out" never lacks a writer while this script reads it.
  exec 3<>"$session_dir/in" 4<>"$session_dir/out" 6<>"$session_dir/tick"
  exec 7>"$session_dir/in" 8<"$session_dir/out"
  setsid sleep "$hold" >&7 <&8 2>/dev/null 3>&- 4>&- 6>&- 7>&- 8>&- 9>&- &
  keeper_pid=$!
  exec 7<"$session_dir/in" 8>"$session_dir/out"
  setsid "$@" <&7 >&8 2>"$session_dir/err" 3>&- 4>&- 6>&- 7>&- 8>&- 9>&- &
  holder_pid=$!
  # Read "out" through a read-only end, so that the client's end shows as end-of-file.
  exec 5<"$session_dir/out" 4>&- 7<&- 8>&-
  pid_start "$keeper_pid"
  keeper_start=$PID_START
  pid_start "$holder_pid"
  holder_start=$PID_START
  # So that a later prescript can end this session should this script die before its record.
  printf 'keeper_pid=%s keeper_start=%s holder_pid=%s holder_start=%s\n' \
    "$keeper_pid" "$keeper_start" "$holder_pid" "$holder_start" >"$session_dir/pids"
}

# session_rearm HOLD_SECONDS: a new keeper, and the hold timeout counted from now (for a hold
# taken after a long wait through the session). The old keeper is stopped after the new one
# holds the FIFO.
session_rearm() {
  local old_pid=$keeper_pid old_start=$keeper_start
  now_ms
  deadline_ms=$((NOW_MS + $1 * 1000))
  exec 7>"$session_dir/in" 8<"$session_dir/out"
  setsid sleep "$1" >&7 <&8 2>/dev/null 3>&- 5<&- 6>&- 7>&- 8>&- 9>&- &
  keeper_pid=$!
  exec 7>&- 8<&-
  pid_start "$keeper_pid"
  keeper_start=$PID_START
  if alive "$old_pid" "$old_start"; then kill "$old_pid" 2>/dev/null || true; fi
}

# session_attach: in a postscript, opens the recorded session's FIFOs. Returns 1 when the
# session directory is gone.
session_attach() {
  [ -p "$session_dir/in" ] && [ -p "$session_dir/out" ] || return 1
  exec 3<>"$session_dir/in" 4<>"$session_dir/out" 6<>"$session_dir/tick"
  exec 5<"$session_dir/out" 4>&-
}

# session_hold_save NAME=VALUE...: saves the hold record with the session's part added.
session_hold_save() {
  hold_save "$@" "started_ms=$started_ms" "deadline_ms=$deadline_ms" "keeper_pid=$keeper_pid" \
    "keeper_start=$keeper_start" "holder_pid=$holder_pid" "holder_start=$holder_start" "session_dir=$session_dir"
}

# session_alive: the client of the recorded session still runs.
session_alive() { alive "$holder_pid" "$holder_start"; }

# session_send LINE...: sends lines to the session's client.
session_send() { printf '%s\n' "$@" >&3; }

# session_read MARKER MS [ERROR]: reads the client's answers until a line that starts with MARKER
# (kept in SESSION_MARK; the lines before it in SESSION_LINES, without carriage returns). Returns 1
# when the client ended first, 2 when MS milliseconds passed, 3 when a line starts with ERROR
# (then in SESSION_MARK).
session_read() {
  local line rc until
  SESSION_LINES=() SESSION_MARK=""
  now_ms
  until=$((NOW_MS + $2))
  while true; do
    now_ms
    ms_to_seconds $((until - NOW_MS))
    rc=0
    IFS= read -r -t "$SECONDS_TEXT" -u 5 line || rc=$?
    if [ "$rc" = 0 ]; then
      line=${line%$'\r'}
      if [[ $line == "$1"* ]]; then
        SESSION_MARK=$line
        return 0
      fi
      if [ -n "${3:-}" ] && [[ $line == "$3"* ]]; then
        SESSION_MARK=$line
        return 3
      fi
      SESSION_LINES+=("$line")
    elif [ "$rc" -gt 128 ]; then
      return 2
    else
      return 1
    fi
  done
}

# session_sleep MS: waits MS milliseconds without starting a process.
session_sleep() {
  ms_to_seconds "$1"
  read -r -t "$SECONDS_TEXT" -u 6 _ || true
}

# The client's last error messages, on one line (without the client's separator lines).
session_error() {
  local line text=""
  [ -f "$session_dir/err" ] || return 0
  while IFS= read -r line; do
    [[ $line =~ ^-*$ ]] && continue
    text+="$line "
  done <"$session_dir/err"
  printf '%s' "${text:0:600}"
}

# session_end: ends the session (end-of-file to the client, then signals), waits for it and
# removes its directory.
session_end() {
  local i
  exec 3>&- 5<&- 6>&-
  if alive "$keeper_pid" "$keeper_start"; then kill "$keeper_pid" 2>/dev/null || true; fi
  # The client quits on end-of-file at once; signals only if it does not within 2.5 s.
  for ((i = 1; i <= 250; i++)); do
    alive "$holder_pid" "$holder_start" || break
    if [ "$i" = 125 ]; then kill "$holder_pid" 2>/dev/null || true; fi
    sleep 0.01
  done
  if alive "$holder_pid" "$holder_start"; then kill -KILL "$holder_pid" 2>/dev/null || true; fi
  if [ -n "$session_dir" ]; then rm -rf "$session_dir"; fi
}

# session_refuse_if_held: in a prescript, exits BUSY while an earlier hold still runs; clears
# the record (and any remains) of one that has ended.
session_refuse_if_held() {
  hold_load || { session_end_strays; return 0; }
  now_ms
  if [ "${status:-}" = held ] && session_alive && [ "$NOW_MS" -lt "$deadline_ms" ]; then
    fail BUSY "what an earlier prescript took is still held (session pid $holder_pid); run the postscript first or wait for the hold timeout"
  fi
  log "clearing the record of an earlier hold (${status:-})"
  rm -f "$QUIESCE_DIR/hold"
  session_end
  status="" reason="" session_dir=""
  session_end_strays
}

# session_end_strays: ends the sessions no record names (a prescript that died before it wrote
# its record left them; their watchdog would end them too, later).
session_end_strays() {
  local dir
  for dir in "$QUIESCE_DIR"/session.*; do
    [ -d "$dir" ] || continue
    log "ending a session no record names ($dir)"
    (
      keeper_pid="" keeper_start="" holder_pid="" holder_start=""
      if [ -f "$dir/pids" ]; then read -r keeper_pid keeper_start holder_pid holder_start <"$dir/pids"; fi
      keeper_pid=${keeper_pid#*=} keeper_start=${keeper_start#*=} holder_pid=${holder_pid#*=} holder_start=${holder_start#*=}
      session_dir=$dir
      session_end
    ) || true
    rm -rf "$dir"
  done
}

# session_nonce: a marker no earlier answer can contain.
session_nonce() {
  now_ms
  SESSION_NONCE=$$-$NOW_MS-$RANDOM
}
