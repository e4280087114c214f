# shellcheck shell=bash
# Shared by the library's prescripts and postscripts. QuiesceScripts inlines this file (and the
# engine's own shared file) into each script at synth time, so every installed script is one
# self-contained file; run from the source tree, the scripts source it instead.
#
# Conventions: messages go to stderr prefixed "prescript(mysql): ..."; state lives under
# QUIESCE_STATE_DIR on tmpfs (never on a file system the plugin may freeze); a hold (lock,
# backup or pause) is described by the file "$QUIESCE_DIR/hold".

: "${QUIESCE_STATE_DIR:=/run/app-consistent-snapshot}"

# Exit statuses of every script of the library (documented in docs/quiesce-scripts.md).
quiesce_code() {
  case "$1" in
    CONFIG) echo 2 ;;         # an option, credentials file or the state directory is unusable
    CONNECT) echo 3 ;;        # the server is unreachable or refused the credentials
    QUIESCE_FAILED) echo 4 ;; # the lock, pause, checkpoint or save failed or missed its bound
    BUSY) echo 5 ;;           # a hold taken by an earlier prescript is still active
    LOST) echo 6 ;;           # the hold ended before the postscript: not application-consistent
    RELEASE_FAILED) echo 7 ;; # the postscript could not complete the release
    *) echo 1 ;;
  esac
}

log() { printf '%s(%s): %s\n' "$QUIESCE_ROLE" "$QUIESCE_ENGINE" "$*" >&2; }

# fail NAME MESSAGE: print the message and exit with the status named NAME.
fail() {
  local code
  code=$(quiesce_code "$1")
  shift
  log "FAILED: $*"
  exit "$code"
}

# quiesce_init ROLE ENGINE: checks the state directory and takes the per-engine lock (fd 9)
# so that a prescript and a postscript never run at the same time.
quiesce_init() {
  QUIESCE_ROLE=$1 QUIESCE_ENGINE=$2
  QUIESCE_DIR=$QUIESCE_STATE_DIR/$2
  set +m
  umask 077
  mkdir -p "$QUIESCE_DIR" || fail CONFIG "cannot create the state directory $QUIESCE_DIR"
  case "$(stat -f -c %T "$QUIESCE_DIR")" in
    tmpfs | ramfs) ;;
    *) fail CONFIG "the state directory $QUIESCE_DIR must be on tmpfs (it must never be frozen)" ;;
  esac
  exec 9>"$QUIESCE_DIR/.lock"
  flock -w 60 9 || fail BUSY "another quiesce script of this engine is still running"
}

# require_int NAME MIN MAX: the variable NAME holds an integer within [MIN, MAX].
require_int() {
  local v=${!1}
  if ! [[ $v =~ ^[0-9]+$ ]] || [ "$v" -lt "$2" ] || [ "$v" -gt "$3" ]; then
    fail CONFIG "$1 must be an integer from $2 to $3, got '$v'"
  fi
}

# require_private_file OPTION PATH: credentials must be in a regular file only root can read.
require_private_file() {
  [ -z "$2" ] && return 0
  if [ ! -f "$2" ] || [ -L "$2" ]; then fail CONFIG "$1: $2 is not a regular file"; fi
  local owner_mode
  owner_mode=$(stat -c '%u %a' "$2")
  [[ $owner_mode =~ ^0\ [0-7]?[0-7]00$ ]] ||
    fail CONFIG "$1: $2 must be owned by root and readable by root only (uid and mode: $owner_mode)"
}

# Milliseconds since boot: a clock that never jumps.
now_ms() {
  local up
  read -r up _ </proc/uptime
  echo $((${up/./} * 10))
}

# pid_start PID: the start time of a live (non-zombie) process, or nothing.
pid_start() {
  local stat fields
  { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 0
  read -ra fields <<<"${stat##*) }"
  [ "${fields[0]}" != Z ] && echo "${fields[19]}"
  return 0
}

# alive PID START: the process PID still runs and is the one that started at START.
alive() { [ -n "$1" ] && [ "$(pid_start "$1")" = "$2" ]; }

# The hold record: hold_save NAME=VALUE... writes shell assignments atomically; hold_load
# reads them back into these variables.
status="" reason=""
hold_save() {
  local pair
  for pair in "$@"; do printf '%s=%q\n' "${pair%%=*}" "${pair#*=}"; done >"$QUIESCE_DIR/hold.tmp"
  mv -f "$QUIESCE_DIR/hold.tmp" "$QUIESCE_DIR/hold"
}

hold_load() {
  [ -f "$QUIESCE_DIR/hold" ] || return 1
  # shellcheck disable=SC1091 # written by hold_save in a root-only directory
  . "$QUIESCE_DIR/hold"
}

# hold_require_held: in a postscript, exits LOST while the record says the last hold was lost.
hold_require_held() {
  [ "$status" = held ] || fail LOST "${reason:-the hold ended early}; the last snapshot is NOT application-consistent"
}

# hold_lost MESSAGE: keep a record that the hold ended early, so that every postscript until
# the next prescript reports it, then exit LOST.
hold_lost() {
  hold_save status=lost "reason=$1"
  fail LOST "$1; this snapshot is NOT application-consistent"
}
