# shellcheck shell=bash
# Snapshot wrapper (Linux): the body of the command the OOS template runs on each instance
# through ACS::ECS::RunCommand. The generated command puts before it a header that sets the
# APP_SNAPSHOT_* values (OOS references, and the facts the template read from the ECS API, all
# substituted by OOS), the fixed script paths, the function exit_code_info (generated from the
# package's exit-code table), script-store.sh, linux-result.sh and linux-preflight.sh.
#
# It checks the preflight facts, verifies and repairs the quiesce scripts, runs
# app-snapshot-plugin through acs-plugin-manager within a deadline, reads the snapshot group id
# (and the consistency the plugin logged, a hint) from the plugin's output, and ends with exactly
# one APP_SNAPSHOT_RESULT line (see linux-result.sh).
# Exit status: the plugin's (or the plugin manager's) code when it fails, 0 when the plugin
# succeeded and named its snapshot group, and the package's own codes (119-127) otherwise; see
# the exit-code table in the README. The snapshots' tags, read back from ECS, decide the verdict:
# the verdict run (linux-verdict.sh) judges them after this run.
set -uo pipefail

# Plugin output goes to tmpfs: the plugin freezes the disk file systems, and a writer blocked
# on a frozen file system would block the plugin's own output pipe.
RUN_DIR=$(mktemp -d /run/app-snapshot-run.XXXXXX 2>/dev/null || mktemp -d)
trap 'rm -rf "$RUN_DIR"' EXIT

# --- inputs (substituted by OOS; checked again here, since a template can be run by hand) ---
[[ "$APP_SNAPSHOT_INSTANCE_ID" =~ ^i-[a-z0-9]{8,32}$ ]] \
  || fail_package 125 "instance id '$APP_SNAPSHOT_INSTANCE_ID' is not of the form i-xxxxxxxx"
case "$APP_SNAPSHOT_REQUIRE_APP_CONSISTENT" in
  true|false) ;;
  *) fail_package 125 "requireAppConsistent must be true or false, got '$APP_SNAPSHOT_REQUIRE_APP_CONSISTENT'" ;;
esac
[[ "$APP_SNAPSHOT_DEADLINE_SECONDS" =~ ^[1-9][0-9]*$ ]] \
  || fail_package 125 "the plugin deadline must be a positive integer, got '$APP_SNAPSHOT_DEADLINE_SECONDS'"

echo "app-snapshot: instance $APP_SNAPSHOT_INSTANCE_ID, plugin $APP_SNAPSHOT_PLUGIN, require application consistency: $APP_SNAPSHOT_REQUIRE_APP_CONSISTENT"

# --- preflight: what the template read from the ECS API about this instance ---
preflight_check "$APP_SNAPSHOT_INSTANCE_ID" "$APP_SNAPSHOT_RAM_ROLE_NAME" "$APP_SNAPSHOT_EXCLUDE_DISK_ID" \
  "$APP_SNAPSHOT_ATTACHED_ROLES" "$APP_SNAPSHOT_DISKS"

# --- the plugin manager ---
PLUGIN_MANAGER=$(command -v acs-plugin-manager 2>/dev/null || true)
if [ -z "$PLUGIN_MANAGER" ]; then
  for candidate in /usr/local/bin/acs-plugin-manager /usr/bin/acs-plugin-manager; do
    if [ -x "$candidate" ]; then PLUGIN_MANAGER="$candidate"; break; fi
  done
fi
[ -n "$PLUGIN_MANAGER" ] || fail_package 121 "acs-plugin-manager is not on PATH nor in /usr/local/bin or /usr/bin"

# --- the quiesce scripts: verify, repair from the persistent copy ---
scripts_note=""
for name in prescript postscript; do
  want_var="APP_SNAPSHOT_${name^^}_SHA256"
  if state=$(store_ensure "$name" "${!want_var}" 2>"$RUN_DIR/store.err"); then
    cat "$RUN_DIR/store.err" >&2
    [ "$state" = repaired ] && scripts_note="$scripts_note $name repaired;"
  else
    cat "$RUN_DIR/store.err" >&2
    reason=$(tail -n 1 "$RUN_DIR/store.err")
    if [ "$APP_SNAPSHOT_REQUIRE_APP_CONSISTENT" = true ]; then
      fail_package 123 "$reason"
    fi
    scripts_note="$scripts_note $name unusable, expect a file-system-consistent snapshot;"
    echo "app-snapshot: WARNING: $reason; continuing because application consistency is not required" >&2
  fi
done

# --- the plugin ---
# A parameter whose value is empty is left out of --params= (CreateSnapshotGroup takes a
# description of 2 to 256 characters: an empty one is not passed at all). Only optional ones can
# be empty (the templates' patterns), and values never hold `,`.
params=""
IFS=, read -r -a param_items <<<"$APP_SNAPSHOT_PLUGIN_PARAMS"
for item in ${param_items[@]+"${param_items[@]}"}; do
  [[ "$item" =~ ^-[A-Za-z]+=(\"\")?$ ]] || params="${params:+$params,}$item"
done

# alive PID: whether the process runs (a zombie does not).
alive() {
  local stat
  { IFS= read -r stat < "/proc/$1/stat"; } 2>/dev/null || return 1
  stat=${stat##*) }
  [ "${stat:0:1}" != Z ]
}

# The plugin manager runs the plugin in a process group of its own (Setpgid, in the agent's
# source) and, when its own timeout expires, kills the plugin process only: signalling the
# manager would not reach the plugin. So the manager runs in a session of its own, whose id is
# its pid and which every process it starts keeps (also once the manager has gone).
# session_pids SID: the pids of the processes of that session.
session_pids() {
  local file stat sid
  for file in /proc/[0-9]*/stat; do
    { IFS= read -r stat < "$file"; } 2>/dev/null || continue
    read -r _ _ _ sid _ <<<"${stat##*) }"
    [ "$sid" = "$1" ] && echo "${stat%% *}"
  done
}

# stop_session SID: TERM to every process of the session, KILL to those left after the grace period.
stop_session() {
  local pids waited=0
  pids=$(session_pids "$1")
  # shellcheck disable=SC2086 # one pid per word
  [ -z "$pids" ] || kill -TERM $pids 2>/dev/null
  while [ -n "$(session_pids "$1")" ] && [ "$waited" -lt $((APP_SNAPSHOT_STOP_GRACE_SECONDS * 10)) ]; do
    sleep 0.1
    waited=$((waited + 1))
  done
  pids=$(session_pids "$1")
  # shellcheck disable=SC2086
  [ -z "$pids" ] || kill -KILL $pids 2>/dev/null
}

# recover: after the plugin was stopped mid-run (by the wrapper, or by the plugin manager's own
# timeout), it may have left file systems frozen or the application paused. Thaw every disk file
# system (thawing one that is not frozen only fails) and run the postscript, which the script
# library makes idempotent; both bounded in time.
recover() {
  local until=$((SECONDS + APP_SNAPSHOT_RECOVERY_THAW_SECONDS)) mountpoint fstype
  while read -r _ mountpoint fstype _; do
    [ "$SECONDS" -lt "$until" ] || break
    case "$fstype" in ext2|ext3|ext4|xfs|btrfs) timeout 10 fsfreeze -u "$mountpoint" 2>/dev/null && echo "app-snapshot: thawed $mountpoint" >&2 ;; esac
  done < /proc/self/mounts
  if [ -x "$POSTSCRIPT_PATH" ]; then
    timeout --kill-after=5 "$APP_SNAPSHOT_RECOVERY_POSTSCRIPT_SECONDS" "$POSTSCRIPT_PATH" >&2 \
      || echo "app-snapshot: the postscript failed or ran out of time after the plugin was stopped" >&2
  fi
}

# manager_error_line CODE: the plugin manager's own error line for CODE in the output, if any:
# `<Func> <NAME>[.<errno>]: <tip>` (the agent's errcode.go and errorcode_unix.go), NAME as in the
# exit-code table. A plugin may exit with the same numbers: without that line the code is the
# plugin's own.
manager_error_line() {
  plugin_manager_exit_code "$1" || return 1
  grep -E "^[A-Za-z]+ $(describe "$1" | cut -d: -f1)(\.[A-Za-z]+)?: " "$RUN_DIR/plugin.out" | tail -n 1 | grep .
}

manager_timeout=$((APP_SNAPSHOT_DEADLINE_SECONDS + APP_SNAPSHOT_MANAGER_TIMEOUT_MARGIN_SECONDS))
echo "app-snapshot: running $PLUGIN_MANAGER --exec --plugin $APP_SNAPSHOT_PLUGIN --timeout=$manager_timeout --params=$params (deadline ${APP_SNAPSHOT_DEADLINE_SECONDS}s)"
deadline=$((SECONDS + APP_SNAPSHOT_DEADLINE_SECONDS))
setsid "$PLUGIN_MANAGER" --exec --plugin "$APP_SNAPSHOT_PLUGIN" --timeout="$manager_timeout" --params="$params" \
  > "$RUN_DIR/plugin.out" 2>&1 < /dev/null &
manager=$!
stopped=false
while alive "$manager"; do
  if [ "$SECONDS" -ge "$deadline" ]; then
    stop_session "$manager"
    stopped=true
    break
  fi
  sleep 0.5
done
wait "$manager"
code=$?
cat "$RUN_DIR/plugin.out"

if [ "$stopped" = true ]; then
  recover
  fail_package 124 "stopped after ${APP_SNAPSHOT_DEADLINE_SECONDS}s"
fi

ssg=$(grep -o 'SnapshotGroup=ssg-[A-Za-z0-9*]*' "$RUN_DIR/plugin.out" | tail -n 1 | cut -d= -f2 || true)
if grep -q 'Take AppConsistent snapshots successfully' "$RUN_DIR/plugin.out"; then
  verdict=AppConsistent
elif grep -q 'Take FsConsistent snapshots successfully' "$RUN_DIR/plugin.out"; then
  verdict=FsConsistent
else
  verdict=""
fi
note="${scripts_note:+ (scripts:$scripts_note)}"

if [ "$code" != 0 ]; then
  message=$(describe "$code")
  if line=$(manager_error_line "$code"); then
    # The plugin manager's own failure; 247: its timeout killed the plugin process (not its
    # children), which may have left the file systems frozen.
    [ "$code" != 247 ] || { stop_session "$manager"; recover; }
    message="$message (the plugin manager: $line)"
  elif plugin_manager_exit_code "$code"; then
    message="UNDOCUMENTED: the plugin exited with code $code; the plugin manager uses $code for ${message%%:*} but printed no error line, so the code is the plugin's own, which its documentation does not list"
  fi
  finish "$code" Failed "$ssg" "$message$note"
fi
# The plugin exited 0. Its snapshots' tags, read back from ECS by the group id, decide the
# verdict; what it logged is a hint. Without a group id nothing can be read back.
if [ -z "$ssg" ]; then
  finish 122 Unknown "" "$(describe 122) (the plugin exited 0 but named no snapshot group${verdict:+, though it logged a $verdict run}: the snapshots' tags cannot be read back)$note"
fi
finish 0 "${verdict:-Unknown}" "$ssg" "snapshot group $ssg created; the plugin logged ${verdict:+a $verdict run}${verdict:-no verdict}; the snapshots' tags decide the verdict$note"
