# shellcheck shell=bash disable=SC2034 # the variables set here are read by the scripts that include this file
# Shared by the library's prescripts and postscripts. QuiesceScripts inlines this file (and the
# engine's own shared file) into each script at synth time, so every installed script is one
# self-contained file; run from the source tree, the scripts source it instead.
#
# Conventions: messages go to stderr prefixed "prescript(mysql): ..."; state lives under
# QUIESCE_STATE_DIR on tmpfs (never on a file system the plugin may freeze); a hold (lock,
# backup or pause) is described by the file "$QUIESCE_DIR/hold".
#
# What runs while writers wait (after a prescript took its hold, before a postscript released
# it) is bash builtins only: no process is started there, since starting one costs milliseconds
# on a loaded machine and every millisecond there is write stall.

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

# Any command that fails unexpectedly (set -e) names itself before the script exits, so that no
# failure is silent.
quiesce_on_error() {
  local rc=$?
  log "FAILED: unexpected error: \`$1\` exited $rc"
  exit "$rc"
}

# quiesce_init ROLE ENGINE: strict mode and the error report; sets QUIESCE_DIR.
quiesce_init() {
  QUIESCE_ROLE=$1 QUIESCE_ENGINE=$2
  QUIESCE_DIR=$QUIESCE_STATE_DIR/$2
  set -E
  shopt -s inherit_errexit
  trap 'quiesce_on_error "$BASH_COMMAND"' ERR
  set +m
  umask 077
  # Messages and comparisons the scripts rely on, whatever the caller's locale.
  export LC_ALL=C
}

# quiesce_prepare_state: in a prescript, checks the state directory and takes the per-engine
# lock (fd 9) so that two prescripts never run at the same time. (A postscript takes no lock:
# it reads the hold record the prescript writes last, and speaks only to the session that record
# names, which lives in a directory of its own.)
quiesce_prepare_state() {
  mkdir -p "$QUIESCE_DIR" || fail CONFIG "cannot create the state directory $QUIESCE_DIR"
  case "$(stat -f -c %T "$QUIESCE_DIR")" in
    tmpfs | ramfs) ;;
    *) fail CONFIG "the state directory $QUIESCE_DIR must be on tmpfs (it must never be frozen)" ;;
  esac
  exec 9>"$QUIESCE_DIR/.lock"
  flock -w 60 9 || fail BUSY "another prescript of this engine is still running"
}

# require_int NAME MIN MAX: the variable NAME holds an integer within [MIN, MAX].
require_int() {
  local v=${!1}
  if ! [[ $v =~ ^[0-9]+$ ]] || [ "$v" -lt "$2" ] || [ "$v" -gt "$3" ]; then
    fail CONFIG "$1 must be an integer from $2 to $3, got '$v'"
  fi
}

# require_bool NAME: the variable NAME holds true or false.
require_bool() {
  case "${!1}" in
    true | false) ;;
    *) fail CONFIG "$1 must be true or false, got '${!1}'" ;;
  esac
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

# now_ms: sets NOW_MS to the milliseconds since boot (a clock that never jumps; 10 ms steps).
NOW_MS=0
now_ms() {
  local up
  read -r up _ </proc/uptime
  NOW_MS=$((10#${up/./} * 10))
}

# ms_to_seconds MS: sets SECONDS_TEXT to MS as seconds with three decimals (for read -t).
ms_to_seconds() {
  local ms=$1
  [ "$ms" -gt 0 ] || ms=1
  printf -v SECONDS_TEXT '%d.%03d' $((ms / 1000)) $((ms % 1000))
}

# pid_start PID: sets PID_START to the start time of a live (non-zombie) process, or "".
PID_START=""
pid_start() {
  local stat fields
  PID_START=""
  { read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 0
  read -ra fields <<<"${stat##*) }"
  if [ "${fields[0]}" != Z ]; then PID_START=${fields[19]}; fi
  return 0
}

# alive PID START: the process PID still runs and is the one that started at START.
alive() {
  [ -n "$1" ] || return 1
  pid_start "$1"
  [ "$PID_START" = "$2" ]
}

# The hold record: hold_save NAME=VALUE... writes shell assignments (one write); hold_load reads
# them back into these variables.
status="" reason=""
hold_save() {
  local pair value text=""
  for pair in "$@"; do
    printf -v value '%q' "${pair#*=}"
    text+="${pair%%=*}=$value"$'\n'
  done
  printf '%s' "$text" >"$QUIESCE_DIR/hold"
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
