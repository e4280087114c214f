# shellcheck shell=bash disable=SC2034 # the variables set here are read by the scripts that include this file
# Redis: the options with their defaults, and the client. Shared by the prescript and the
# postscript. QuiesceScripts.redis() sets the options above these defaults at synth time; run
# from the source tree, the environment may set them.

: "${QUIESCE_REDIS_HOST:=127.0.0.1}"
: "${QUIESCE_REDIS_PORT:=6379}"
: "${QUIESCE_REDIS_SOCKET:=}"
: "${QUIESCE_REDIS_USER:=}"
: "${QUIESCE_REDIS_PASSWORD_FILE:=}"
: "${QUIESCE_REDIS_COMMAND_TIMEOUT_SECONDS:=5}"
: "${QUIESCE_REDIS_SAVE_TIMEOUT_SECONDS:=300}"
: "${QUIESCE_REDIS_HOLD_TIMEOUT_SECONDS:=60}"

# redis_setup: finds redis-cli and builds its arguments. The password is read from its file
# into REDISCLI_AUTH, never put on a command line.
redis_setup() {
  command -v redis-cli >/dev/null || fail CONFIG "no redis-cli found in PATH"
  require_int QUIESCE_REDIS_COMMAND_TIMEOUT_SECONDS 1 300
  require_private_file passwordFile "$QUIESCE_REDIS_PASSWORD_FILE"
  REDIS_ARGS=()
  if [ -n "$QUIESCE_REDIS_SOCKET" ]; then
    REDIS_ARGS+=(-s "$QUIESCE_REDIS_SOCKET")
  else
    REDIS_ARGS+=(-h "$QUIESCE_REDIS_HOST" -p "$QUIESCE_REDIS_PORT")
  fi
  if [ -n "$QUIESCE_REDIS_USER" ]; then REDIS_ARGS+=(--user "$QUIESCE_REDIS_USER"); fi
  if [ -n "$QUIESCE_REDIS_PASSWORD_FILE" ]; then
    IFS= read -r REDISCLI_AUTH <"$QUIESCE_REDIS_PASSWORD_FILE" || true
    export REDISCLI_AUTH
  fi
}

# rcmd COMMAND...: runs one command and prints its reply. Exits CONNECT when the server cannot
# be reached or refuses the credentials, QUIESCE_FAILED when it does not answer in time.
rcmd() {
  local reply rc=0
  reply=$(timeout -k 1 "$QUIESCE_REDIS_COMMAND_TIMEOUT_SECONDS" \
    redis-cli "${REDIS_ARGS[@]}" "$@" 2>&1) || rc=$?
  if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then
    fail QUIESCE_FAILED "Redis did not answer $1 within $QUIESCE_REDIS_COMMAND_TIMEOUT_SECONDS s (busy with a long-running command?)"
  fi
  case "$reply" in
    *NOAUTH* | *WRONGPASS* | *"Could not connect"* | *"Connection refused"* | *"No such file"*)
      fail CONNECT "cannot use the Redis server: $reply" ;;
  esac
  [ "$rc" = 0 ] || fail CONNECT "redis-cli failed ($rc): $reply"
  printf '%s\n' "$reply"
}

# info_field NAME SECTION: one field of an INFO section.
info_field() { rcmd INFO "$2" | tr -d '\r' | sed -n "s/^$1://p"; }

# redis_ask MS COMMAND_LINE...: sends commands through the held session, then a PING marker, and
# reads the replies up to the marker (in SESSION_LINES). Returns 1 when the client ended, 2 when
# MS milliseconds passed, 3 when Redis refused the PING because its last save failed (MISCONF,
# in SESSION_MARK: with stop-writes-on-bgsave-error it refuses PING as it refuses writes).
REDIS_ASKED=0
redis_ask() {
  local ms=$1
  shift
  REDIS_ASKED=$((REDIS_ASKED + 1))
  session_send "$@" "PING QUIESCE-$$-$REDIS_ASKED."
  session_read "QUIESCE-$$-$REDIS_ASKED." "$ms" MISCONF
}

# redis_field NAME: sets FIELD to the value of the INFO field NAME among SESSION_LINES; returns 1
# when there is none.
FIELD=""
redis_field() {
  local line
  FIELD=""
  for line in "${SESSION_LINES[@]}"; do
    if [[ $line == "$1:"* ]]; then
      FIELD=${line#*:}
      return 0
    fi
  done
  return 1
}
