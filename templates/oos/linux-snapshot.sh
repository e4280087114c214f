# shellcheck shell=bash
# Snapshot wrapper (Linux): the body of the command the OOS template runs on each instance
# through ACS::ECS::RunCommand. The generated command puts before it a header that sets the
# APP_SNAPSHOT_* values (OOS references, and the facts the template read from the ECS API, all
# substituted by OOS), the fixed script paths, the function exit_code_info (generated from the
# package's exit-code table), script-store.sh, linux-result.sh and linux-preflight.sh.
#
# It checks the preflight facts, verifies and repairs the quiesce scripts, runs
# app-snapshot-plugin, reads the snapshot group id and the consistency verdict from the plugin's
# output, and ends with exactly one APP_SNAPSHOT_RESULT line (see linux-result.sh).
# Exit status: the plugin's code when it fails, 0 only for a verified success, and the
# package's own codes (120-127) otherwise; see the exit-code table in the README. The tags of
# the snapshots are checked afterwards, by the verdict run (linux-verdict.sh).
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
echo "app-snapshot: running $PLUGIN_MANAGER --exec --plugin $APP_SNAPSHOT_PLUGIN --params=$APP_SNAPSHOT_PLUGIN_PARAMS"
timeout --signal=TERM --kill-after=15 "$APP_SNAPSHOT_DEADLINE_SECONDS" \
  "$PLUGIN_MANAGER" --exec --plugin "$APP_SNAPSHOT_PLUGIN" --params="$APP_SNAPSHOT_PLUGIN_PARAMS" \
  > "$RUN_DIR/plugin.out" 2>&1 < /dev/null
code=$?
cat "$RUN_DIR/plugin.out"

if [ "$code" = 124 ] || [ "$code" = 137 ]; then
  # The plugin was stopped mid-run: it may have left file systems frozen or the application
  # paused. Thaw every disk file system (thawing one that is not frozen only fails) and run
  # the postscript, which the script library makes idempotent.
  while read -r _ mountpoint fstype _; do
    case "$fstype" in ext2|ext3|ext4|xfs|btrfs) fsfreeze -u "$mountpoint" 2>/dev/null && echo "app-snapshot: thawed $mountpoint" >&2 ;; esac
  done < /proc/self/mounts
  if [ -x "$POSTSCRIPT_PATH" ]; then
    "$POSTSCRIPT_PATH" >&2 || echo "app-snapshot: the postscript failed after the plugin was stopped" >&2
  fi
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

if [ "$code" != 0 ]; then
  finish "$code" Failed "$ssg" "$(describe "$code")${scripts_note:+ (scripts:$scripts_note)}"
fi
# The verdict run reads the snapshots' tags back by the group id: a success must name one.
if [ -n "$verdict" ] && [ -z "$ssg" ]; then
  finish 122 Unknown "" "$(describe 122) (the plugin reported $verdict but named no snapshot group)"
fi
case "$verdict" in
  AppConsistent)
    finish 0 AppConsistent "$ssg" "application-consistent snapshot group created${scripts_note:+ (scripts:$scripts_note)}" ;;
  FsConsistent)
    if [ "$APP_SNAPSHOT_REQUIRE_APP_CONSISTENT" = true ]; then
      finish 120 FsConsistent "$ssg" "$(describe 120)${scripts_note:+ (scripts:$scripts_note)}"
    fi
    finish 0 FsConsistent "$ssg" "file-system-consistent snapshot group created; application consistency was not required${scripts_note:+ (scripts:$scripts_note)}" ;;
  *)
    finish 122 Unknown "$ssg" "$(describe 122)" ;;
esac
