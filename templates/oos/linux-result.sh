# shellcheck shell=bash
# The result line of the wrappers run on Linux instances (the snapshot run and the verdict run).
# The generated command defines APP_SNAPSHOT_INSTANCE_ID, exit_code_info and reserved_exit_code
# (from the package's exit-code table) before this file. Every way out of a wrapper goes through
# finish, which prints
#   APP_SNAPSHOT_RESULT {"instanceId":...,"exitCode":...,"consistency":...,"snapshotGroupId":...,"message":...}
# as the last line of the output and exits with that code; never with a code after which Cloud
# Assistant would power off or reboot the instance (193, 194), whatever the plugin returned.

json_string() {
  local s="$1"
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\r'/\\r}
  s=${s//$'\t'/\\t}
  s=$(printf '%s' "$s" | tr -d '\000-\010\013\014\016-\037')
  printf '"%s"' "$s"
}

# finish CODE CONSISTENCY SNAPSHOT_GROUP_ID MESSAGE: prints the result line and exits. A reserved
# code becomes RESERVED_EXIT_CODE_REPLACED (119), and the message names the original one.
finish() {
  local code="$1" consistency="$2" ssg="$3" message="$4" ssg_json=null
  if reserved_exit_code "$code"; then
    message="$(describe 119) (the original exit code was $code, after which Cloud Assistant would power off or reboot the instance; $message)"
    code=119
  fi
  [ -n "$ssg" ] && ssg_json=$(json_string "$ssg")
  printf 'APP_SNAPSHOT_RESULT {"instanceId":%s,"exitCode":%d,"consistency":%s,"snapshotGroupId":%s,"message":%s}\n' \
    "$(json_string "$APP_SNAPSHOT_INSTANCE_ID")" "$code" "$(json_string "$consistency")" "$ssg_json" "$(json_string "$message")"
  exit "$code"
}

# describe CODE: "NAME: meaning" from the exit-code table.
describe() {
  local info
  if info=$(exit_code_info "$1"); then
    printf '%s: %s' "${info%%|*}" "${info#*|}"
  else
    printf 'UNDOCUMENTED: the plugin exited with code %s, which its documentation does not list' "$1"
  fi
}

# fail_package CODE DETAIL [SNAPSHOT_GROUP_ID [CONSISTENCY]]: ends with one of the package's codes.
fail_package() {
  local code="$1" detail="$2"
  finish "$code" "${4:-Failed}" "${3:-}" "$(describe "$code") ($detail)"
}

# joined SEPARATOR ITEM...: the items joined by the separator.
joined() {
  local separator="$1" out="" item
  shift
  for item in "$@"; do out="${out:+$out$separator}$item"; done
  printf '%s' "$out"
}
