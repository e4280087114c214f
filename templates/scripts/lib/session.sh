# shellcheck shell=bash
# A database session held open in the background, detached from the script (used where a lock
# or backup lives only as long as the session that took it: MySQL, PostgreSQL strict mode).
#
# The client reads its statements from a FIFO. A keeper process holds the FIFO's write end for
# the hold timeout; when the keeper ends (by itself or stopped by the postscript) the client
# reads end-of-file and quits, which ends the session and everything it holds. The keeper is
# therefore also the watchdog: no postscript, no lock after the hold timeout.
#
# The hold record keeps these variables (saved by session_hold_save).
started_ms=0 deadline_ms=0 keeper_pid="" keeper_start="" holder_pid="" holder_start=""

# session_start HOLD_SECONDS COMMAND...: starts COMMAND (the client) detached.
session_start() {
  local hold=$1
  shift
  rm -f "$QUIESCE_DIR/session.in" "$QUIESCE_DIR/session.out" "$QUIESCE_DIR/session.err"
  mkfifo "$QUIESCE_DIR/session.in"
  : >"$QUIESCE_DIR/session.out"
  # Read-write, so that opening it never blocks; the keeper and client below open it after.
  exec 3<>"$QUIESCE_DIR/session.in"
  started_ms=$(now_ms)
  deadline_ms=$((started_ms + hold * 1000))
  setsid sleep "$hold" >"$QUIESCE_DIR/session.in" </dev/null 2>/dev/null 3>&- 9>&- &
  keeper_pid=$!
  keeper_start=$(pid_start "$keeper_pid")
  setsid "$@" <"$QUIESCE_DIR/session.in" >"$QUIESCE_DIR/session.out" 2>"$QUIESCE_DIR/session.err" 3>&- 9>&- &
  holder_pid=$!
  holder_start=$(pid_start "$holder_pid")
}

# session_hold_save NAME=VALUE...: saves the hold record with the session's part added.
session_hold_save() {
  hold_save "$@" "started_ms=$started_ms" "deadline_ms=$deadline_ms" "keeper_pid=$keeper_pid" \
    "keeper_start=$keeper_start" "holder_pid=$holder_pid" "holder_start=$holder_start"
}

# session_refuse_if_held: in a prescript, exits BUSY while an earlier hold still runs; clears
# the record (and any remains) of one that has ended.
session_refuse_if_held() {
  hold_load || return 0
  if [ "${status:-}" = held ] && alive "$holder_pid" "$holder_start" && [ "$(now_ms)" -lt "$deadline_ms" ]; then
    fail BUSY "what an earlier prescript took is still held (session pid $holder_pid); run the postscript first or wait for the hold timeout"
  fi
  log "clearing the record of an earlier hold (${status:-})"
  session_end
  rm -f "$QUIESCE_DIR/hold"
}

# session_send LINE...: sends lines to the session's client.
session_send() { printf '%s\n' "$@" >&3; }

# session_expect MARKER SECONDS: waits for the client to print the line MARKER.
# Returns 1 when the client ended first, 2 when SECONDS passed.
session_expect() {
  local until=$(($(now_ms) + $2 * 1000))
  until grep -qxF "$1" "$QUIESCE_DIR/session.out"; do
    alive "$holder_pid" "$holder_start" || return 1
    [ "$(now_ms)" -lt "$until" ] || return 2
    sleep 0.02
  done
}

# The client's last error messages, on one line (without the client's separator lines).
session_error() { grep -v -e '^-*$' "$QUIESCE_DIR/session.err" 2>/dev/null | tail -n 2 | tr '\n' ' '; }

# session_end: ends the session (end-of-file to the client, then signals) and waits for it.
session_end() {
  local i
  exec 3>&-
  if alive "$keeper_pid" "$keeper_start"; then kill "$keeper_pid" 2>/dev/null || true; fi
  # The client quits on end-of-file at once; signals only if it does not within 2.5 s.
  for ((i = 1; i <= 250; i++)); do
    alive "$holder_pid" "$holder_start" || return 0
    if [ "$i" = 125 ]; then kill "$holder_pid" 2>/dev/null || true; fi
    sleep 0.02
  done
  kill -KILL "$holder_pid" 2>/dev/null || true
}

# session_check_held: in the postscript, whether the session still holds what the prescript
# took; records the hold as lost (and exits LOST) when it does not.
session_check_held() {
  local nonce
  if [ "$(now_ms)" -ge "$deadline_ms" ]; then
    session_end
    hold_lost "the hold timeout passed before the postscript ran, so the watchdog released the hold"
  fi
  if ! alive "$holder_pid" "$holder_start"; then
    session_end
    hold_lost "the session holding the lock ended before the postscript ran"
  fi
  exec 3<>"$QUIESCE_DIR/session.in"
  nonce=QUIESCE-ALIVE-$$-$(now_ms)
  session_send "SELECT '$nonce';"
  if ! session_expect "$nonce" 10; then
    session_end
    hold_lost "the session holding the lock did not answer: $(session_error)"
  fi
}
