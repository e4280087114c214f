# shellcheck shell=bash
# The restore-drill check, shared by every engine's check (templates/checks/<engine>.sh). It runs
# as root on the drill's scratch instance once the restored disks are attached: it finds them by
# their ids, mounts their file systems under a private directory, checks them, hands over to the
# engine's check (drill_engine_check, defined by the engine's file), and always stops what it
# started and unmounts what it mounted. The last line of its output is one result line:
#
#   APP_SNAPSHOT_DRILL_RESULT {"verdict":"restorable","reason":"...","seconds":42,...}
#
# verdict: `restorable`, `restorable after crash recovery` or `not restorable` (with the reason).
# Exit status: 0 for either restorable verdict, 1 for not restorable. See docs/restore-drills.md.
#
# Input, as variables (the drill template writes them in the command's header):
#   DRILL_DISK_IDS          the restored disks, space-separated: ECS disk ids (d-...), each with
#                           `:SERIAL` when the drill read the disk's serial number from ECS
#   DRILL_DEADLINE_SECONDS  how long the check may take; at the deadline it stops the engine,
#                           unmounts and reports `not restorable` (default 1800)
#   DRILL_STARTED_AT        when the drill started (UTC, YYYY-MM-DDThh:mm:ssZ): `seconds` counts
#                           from it (default: from the check's own start)
#   DRILL_GROUP_ID, DRILL_SOURCE_INSTANCE_ID, DRILL_EXECUTION_ID   reported as they are
#   DRILL_DATA_DIR, DRILL_QUERY, DRILL_DATABASE, DRILL_EXPECT_BINLOG_POSITION   the engine's options
# The disks are looked up through sysfs (APP_SNAPSHOT_DRILL_SYSFS, default /sys): on ECS a disk's
# serial number is its id without `d-` (see the docs for how sure that is).

: "${DRILL_DISK_IDS:=}"
: "${DRILL_DEADLINE_SECONDS:=1800}"
: "${DRILL_STARTED_AT:=}"
: "${DRILL_GROUP_ID:=}"
: "${DRILL_SOURCE_INSTANCE_ID:=}"
: "${DRILL_EXECUTION_ID:=}"
: "${DRILL_DATA_DIR:=}"
: "${DRILL_QUERY:=}"
: "${DRILL_DATABASE:=}"
: "${DRILL_EXPECT_BINLOG_POSITION:=}"
: "${DRILL_USER_CHECK:=}"
DRILL_SYSFS=${APP_SNAPSHOT_DRILL_SYSFS:-/sys}
DRILL_STATE_ROOT=${APP_SNAPSHOT_DRILL_STATE_ROOT:-/run/app-snapshot-drill}
DRILL_DEVICE_WAIT_SECONDS=${APP_SNAPSHOT_DRILL_DEVICE_WAIT_SECONDS:-120}
# How long after the deadline the watchdog cleans up by itself, should this script be killed.
DRILL_WATCHDOG_GRACE_SECONDS=${APP_SNAPSHOT_DRILL_WATCHDOG_GRACE_SECONDS:-60}
DRILL_RESULT_PREFIX='APP_SNAPSHOT_DRILL_RESULT'

# say MESSAGE: one line of the check's own output.
say() { printf 'drill(%s): %s\n' "$DRILL_ENGINE" "$*"; }

# Seconds since the epoch, and the UTC time as ECS writes it.
epoch_s() { date -u +%s; }
utc_now() { date -u +%Y-%m-%dT%H:%M:%SZ; }

# json_str TEXT: TEXT as a JSON string (quotes, backslashes and control characters escaped).
json_str() {
  local s=$1 out='' c i code
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case "$c" in
      '"') out+='\"' ;;
      \\) out+="\\\\" ;;
      $'\n') out+='\n' ;;
      $'\t') out+='\t' ;;
      $'\r') out+='\r' ;;
      *)
        printf -v code '%d' "'$c"
        if [ "$code" -lt 32 ] 2>/dev/null; then printf -v c '\\u%04x' "$code"; fi
        out+=$c
        ;;
    esac
  done
  printf '"%s"' "$out"
}

# detail KEY VALUE / detail_raw KEY JSON: a fact for the result's `details` (the body runs in a
# subshell: facts go through a file).
detail() { printf '%s\t%s\n' "$1" "$(json_str "$2")" >>"$DRILL_WORK/details"; }
detail_raw() { printf '%s\t%s\n' "$1" "$2" >>"$DRILL_WORK/details"; }

# crash_recovery WHAT: the restore needed the engine's crash recovery (said why).
crash_recovery() {
  say "crash recovery: $*"
  printf '%s\n' "$*" >>"$DRILL_WORK/crash-recovery"
}

# not_restorable REASON: ends the check's body with that verdict.
not_restorable() {
  say "NOT RESTORABLE: $*"
  printf '%s\n' "$*" >"$DRILL_WORK/failure"
  exit 1
}

# track_pid PID: a process the check started (stopped at the end, whatever happens).
track_pid() { printf '%s\n' "$1" >>"$DRILL_WORK/pids"; }

# stop_pid PID SIGNAL SECONDS: signals a process, waits for it, then kills it.
stop_pid() {
  local pid=$1 until
  kill -s "$2" "$pid" 2>/dev/null || return 0
  until=$((SECONDS + $3))
  while kill -0 "$pid" 2>/dev/null && [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" != Z ]; do
    if [ "$SECONDS" -ge "$until" ]; then
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.2
      return 0
    fi
    sleep 0.2
  done
}

# disk_serial ENTRY: the serial number a disk shows on the instance: the one ECS reported
# (DISK_ID:SERIAL), else the id without `d-`.
disk_serial() {
  case "$1" in
    *:?*) printf '%s' "${1#*:}" ;;
    *) local id=${1%%:*}; printf '%s' "${id#d-}" ;;
  esac
}

# device_of_disk ENTRY: the block device whose serial is the disk's (virtio: block/X/serial;
# NVMe: block/X/device/serial), or nothing.
device_of_disk() {
  local want f serial name
  want=$(disk_serial "$1")
  for f in "$DRILL_SYSFS"/block/*/serial "$DRILL_SYSFS"/block/*/device/serial; do
    [ -r "$f" ] || continue
    serial=$(tr -d ' \n' <"$f")
    [ "$serial" = "$want" ] || continue
    name=${f#"$DRILL_SYSFS"/block/}
    name=${name%%/*}
    [ -b "/dev/$name" ] && printf '/dev/%s' "$name" && return 0
  done
  return 1
}

# fs_nodes DEVICE: the device and its partitions that hold a file system, as "NODE FSTYPE".
fs_nodes() {
  local node type
  while read -r node; do
    type=$(blkid -p -o value -s TYPE "$node" 2>/dev/null) || continue
    [ -n "$type" ] && printf '%s %s\n' "$node" "$type"
  done < <(lsblk -lnpo NAME "$1" 2>/dev/null)
}

# mount_fs NODE FSTYPE DIR: mounts read-write (XFS without its UUID check: a copy has the
# source's UUID); records the mount for the clean-up.
mount_fs() {
  local opts=()
  [ "$2" = xfs ] && opts=(-o nouuid)
  mkdir -p "$3"
  mount -t "$2" "${opts[@]}" "$1" "$3" 2>"$DRILL_WORK/mount.err" || return 1
  printf '%s\n' "$3" >>"$DRILL_WORK/mounts"
}

umount_fs() {
  umount "$1" 2>/dev/null || umount -l "$1" 2>/dev/null || return 1
  sed -i "\\|^$1\$|d" "$DRILL_WORK/mounts"
}

# check_fs DISK DEVICE NODE FSTYPE: mounts once (the journal or log is replayed, as at any restore of a
# snapshot of a mounted file system), unmounts, runs the file system's own read-only check,
# then mounts for the engine. Returns 2 for a file system it does not mount.
check_fs() {
  local disk=$1 node=$3 type=$4 dir=$DRILL_WORK/mnt/$1 out rc
  [ "$node" = "$2" ] || dir=$dir-${node##*/}
  case "$type" in
    xfs | ext2 | ext3 | ext4) ;;
    *) say "$disk: $node holds $type, which the check does not mount"; return 2 ;;
  esac
  mount_fs "$node" "$type" "$dir" || not_restorable "the $type file system on $disk ($node) does not mount: $(tail -n 2 "$DRILL_WORK/mount.err" | tr '\n' ' ')"
  umount_fs "$dir" || not_restorable "the $type file system on $disk ($node) does not unmount"
  rc=0
  case "$type" in
    xfs) out=$(xfs_repair -n "$node" 2>&1) || rc=$? ;;
    *) out=$(e2fsck -fn "$node" 2>&1) || rc=$? ;;
  esac
  if [ "$rc" != 0 ]; then
    not_restorable "the $type file system on $disk ($node) fails its check ($([ "$type" = xfs ] && echo 'xfs_repair -n' || echo 'e2fsck -fn') exit $rc): $(printf '%s\n' "$out" | grep -v -e '^Phase' -e '^ *- ' -e 'geometry' -e 'sector size' | head -n 3 | tr '\n' ' ')"
  fi
  mount_fs "$node" "$type" "$dir" || not_restorable "the $type file system on $disk ($node) does not mount after its check"
  say "$disk: $node ($type) checked and mounted at $dir"
}

# find_data_dir MARKER_TEST DEFAULT_PATH: the directory on the restored file systems that holds
# the data: DRILL_DATA_DIR (or DEFAULT_PATH) is the path on the source instance; a file system
# mounted there at any of its parents holds it under the rest of the path. MARKER_TEST DIR says
# whether DIR is a data directory. Exactly one must match.
find_data_dir() {
  local test=$1 path=${DRILL_DATA_DIR:-$2} mount tail rest found=()
  path=${path%/}
  while read -r mount; do
    rest=${path#/}
    while true; do
      tail=$mount${rest:+/$rest}
      if [ -d "$tail" ] && "$test" "$tail"; then found+=("$tail"); break; fi
      [ -n "$rest" ] || break
      case "$rest" in */*) rest=${rest#*/} ;; *) rest='' ;; esac
    done
  done <"$DRILL_WORK/mounts"
  case "${#found[@]}" in
    1) printf '%s\n' "${found[0]}" ;;
    0) not_restorable "no $DRILL_ENGINE data directory ($path, or the end of that path) on the restored file systems" ;;
    *) not_restorable "more than one $DRILL_ENGINE data directory matches $path on the restored file systems: ${found[*]}: set the check's dataDir" ;;
  esac
}

# run_as_owner DIR COMMAND...: runs COMMAND as the user owning DIR (the restored files keep the
# source's owner; an owner unknown here is replaced by FALLBACK_USER, the data given to it).
owner_of() {
  local dir=$1 fallback=$2 owner
  owner=$(stat -c %U "$dir")
  if [ "$owner" = UNKNOWN ] || ! id "$owner" >/dev/null 2>&1; then
    id "$fallback" >/dev/null 2>&1 || not_restorable "the restored data belongs to uid $(stat -c %u "$dir"), unknown here, and there is no $fallback user to give it to"
    say "the data's owner (uid $(stat -c %u "$dir")) is unknown here: giving it to $fallback"
    chown -R "$fallback:" "$dir"
    owner=$fallback
  fi
  printf '%s\n' "$owner"
}

# as_user USER COMMAND...: runs COMMAND as USER (setpriv execs it: started with `&`, `$!` is the
# command's own PID, which track_pid needs).
as_user() {
  local user=$1
  shift
  setpriv "--reuid=$user" "--regid=$(id -g "$user")" --init-groups -- "$@"
}

# run_as USER: sets RUN_AS to the command prefix that runs a program as USER, for a program
# started in the background (a function started with `&` would be a subshell of its own).
# shellcheck disable=SC2034 # read by the engine checks
run_as() { RUN_AS=(setpriv "--reuid=$1" "--regid=$(id -g "$1")" --init-groups --); }

# wait_for SECONDS PID COMMAND...: polls COMMAND until it succeeds; fails when PID has exited or
# SECONDS have passed.
wait_for() {
  local until=$((SECONDS + $1)) pid=$2
  shift 2
  until "$@" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || return 1
    [ "$SECONDS" -lt "$until" ] || return 2
    sleep 0.3
  done
}

# seconds_left: what remains of the deadline, at least 1.
seconds_left() {
  local left=$((DRILL_DEADLINE_AT - $(epoch_s)))
  [ "$left" -gt 0 ] && echo "$left" || echo 1
}

# The check proper: disks, file systems, then the engine. Runs as a job of its own (the
# deadline stops the whole job).
drill_body() {
  local entry disk device node type mounted=0 n
  [ -n "$DRILL_DISK_IDS" ] || not_restorable "no disk was given to check"
  for entry in $DRILL_DISK_IDS; do
    [[ $entry =~ ^d-[a-z0-9]{8,64}(:[A-Za-z0-9_-]{1,64})?$ ]] || not_restorable "'$entry' is not an ECS disk id (with its serial number)"
    disk=${entry%%:*}
    device=''
    for ((n = 0; n <= DRILL_DEVICE_WAIT_SECONDS * 2; n++)); do
      device=$(device_of_disk "$entry") && break
      sleep 0.5
    done
    [ -n "$device" ] || not_restorable "disk $disk is not attached here: no block device has the serial number $(disk_serial "$entry") after ${DRILL_DEVICE_WAIT_SECONDS} s"
    say "$disk is $device"
    while read -r node type; do
      [ -n "$node" ] || continue
      check_fs "$disk" "$device" "$node" "$type" && mounted=$((mounted + 1))
    done < <(fs_nodes "$device")
  done
  [ "$mounted" -gt 0 ] || not_restorable "no file system found on the restored disks ($DRILL_DISK_IDS)"
  detail fileSystems "$mounted"
  drill_engine_check
}

# Stops what the check started and unmounts what it mounted (also used by the watchdog's
# fallback, which repeats it from the state files).
drill_cleanup() {
  local pid dir
  if [ -f "$DRILL_WORK/pids" ]; then
    while read -r pid; do stop_pid "$pid" TERM 30; done < <(tac "$DRILL_WORK/pids")
  fi
  if [ -f "$DRILL_WORK/mounts" ]; then
    while read -r dir; do umount_fs "$dir" || say "could not unmount $dir"; done < <(tac "$DRILL_WORK/mounts")
  fi
}

# The watchdog: a process of its own session that, should this script die before its clean-up
# (Cloud Assistant kills only the command's own process at its timeout), stops and unmounts what
# the state files name after the deadline and the grace period.
start_watchdog() {
  # shellcheck disable=SC2016 # the script's own variables, expanded by the watchdog's shell
  setsid bash -c '
    w=$1; until=$((SECONDS + $2))
    while [ -d "$w" ] && [ "$SECONDS" -lt "$until" ]; do sleep 1; done
    [ -d "$w" ] || exit 0
    [ -f "$w/pids" ] && tac "$w/pids" | while read -r p; do kill -KILL "$p" 2>/dev/null; done
    [ -f "$w/body" ] && kill -KILL -- "-$(cat "$w/body")" 2>/dev/null
    sleep 1
    [ -f "$w/mounts" ] && tac "$w/mounts" | while read -r m; do umount "$m" 2>/dev/null || umount -l "$m"; done
    rm -rf "$w"
  ' drill-watchdog "$DRILL_WORK" "$((DRILL_DEADLINE_SECONDS + DRILL_WATCHDOG_GRACE_SECONDS))" </dev/null >/dev/null 2>&1 &
  DRILL_WATCHDOG=$!
}

# The result line (and the exit status) from what the body left in the state directory.
drill_result() {
  local verdict reason status=0 seconds started now key value details='' disks='' d
  now=$(epoch_s)
  started=$DRILL_CHECK_STARTED
  if [[ $DRILL_STARTED_AT =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$ ]]; then
    started=$(date -u -d "${DRILL_STARTED_AT%Z}" +%s 2>/dev/null || echo "$DRILL_CHECK_STARTED")
  fi
  seconds=$((now - started))
  if [ -s "$DRILL_WORK/failure" ]; then
    verdict='not restorable'
    reason=$(head -n 1 "$DRILL_WORK/failure")
    status=1
  elif [ ! -e "$DRILL_WORK/passed" ]; then
    verdict='not restorable'
    reason='the check ended without a verdict'
    status=1
  elif [ -s "$DRILL_WORK/crash-recovery" ]; then
    verdict='restorable after crash recovery'
    reason=$(paste -sd ';' "$DRILL_WORK/crash-recovery" | sed 's/;/; /g')
  else
    verdict='restorable'
    reason='the engine started on the restored data without crash recovery and every check passed'
  fi
  if [ -f "$DRILL_WORK/details" ]; then
    while IFS=$'\t' read -r key value; do details+="${details:+,}$(json_str "$key"):$value"; done <"$DRILL_WORK/details"
  fi
  for d in $DRILL_DISK_IDS; do disks+="${disks:+,}$(json_str "${d%%:*}")"; done
  printf '%s {"verdict":%s,"reason":%s,"engine":%s,"groupId":%s,"sourceInstanceId":%s,"disks":[%s],"seconds":%d,"checkSeconds":%d,"verifiedAt":%s,"details":{%s}}\n' \
    "$DRILL_RESULT_PREFIX" "$(json_str "$verdict")" "$(json_str "$reason")" "$(json_str "$DRILL_ENGINE")" \
    "$(json_str "$DRILL_GROUP_ID")" "$(json_str "$DRILL_SOURCE_INSTANCE_ID")" "$disks" "$seconds" \
    "$((now - DRILL_CHECK_STARTED))" "$(json_str "$(utc_now)")" "$details"
  return "$status"
}

# drill_main: the whole check, for the engine the file that sources this one defines.
drill_main() {
  local body status=0 id
  DRILL_CHECK_STARTED=$(epoch_s)
  umask 077
  if ! [[ $DRILL_DEADLINE_SECONDS =~ ^[0-9]+$ ]] || [ "$DRILL_DEADLINE_SECONDS" -lt 1 ]; then
    say "DRILL_DEADLINE_SECONDS must be a whole number of seconds, got '$DRILL_DEADLINE_SECONDS': using 1800"
    DRILL_DEADLINE_SECONDS=1800
  fi
  DRILL_DEADLINE_AT=$((DRILL_CHECK_STARTED + DRILL_DEADLINE_SECONDS))
  id=${DRILL_EXECUTION_ID//[^A-Za-z0-9_.-]/}
  # Root-owned and traversable only: the engines run as their own users need to reach the
  # mount points and their run directories beneath.
  mkdir -p "$DRILL_STATE_ROOT"
  chmod 711 "$DRILL_STATE_ROOT"
  DRILL_WORK=$(mktemp -d "$DRILL_STATE_ROOT/${id:-check}.XXXXXX")
  mkdir -m 711 "$DRILL_WORK/mnt"
  chmod 711 "$DRILL_WORK"
  export DRILL_WORK
  start_watchdog
  say "checking disks $DRILL_DISK_IDS (group ${DRILL_GROUP_ID:-?} of ${DRILL_SOURCE_INSTANCE_ID:-?}), deadline ${DRILL_DEADLINE_SECONDS} s"
  # The body as a job of its own process group, so that the deadline stops it and everything it
  # started in one signal.
  set -m
  (set +m; drill_body && touch "$DRILL_WORK/passed") &
  body=$!
  set +m
  echo "$body" >"$DRILL_WORK/body"
  while kill -0 "$body" 2>/dev/null; do
    if [ "$(epoch_s)" -ge "$DRILL_DEADLINE_AT" ]; then
      kill -TERM -- "-$body" 2>/dev/null
      sleep 2
      kill -KILL -- "-$body" 2>/dev/null
      rm -f "$DRILL_WORK/passed"
      printf '%s\n' "the check did not finish within its deadline of ${DRILL_DEADLINE_SECONDS} s (raise timeoutMinutes, or look for what hangs in the lines above)" >"$DRILL_WORK/failure"
      say "deadline of ${DRILL_DEADLINE_SECONDS} s reached: stopping the check"
      break
    fi
    sleep 0.2
  done
  wait "$body" 2>/dev/null || true
  drill_cleanup
  drill_result || status=$?
  rm -rf "$DRILL_WORK"
  kill -- "-$DRILL_WATCHDOG" 2>/dev/null || kill "$DRILL_WATCHDOG" 2>/dev/null || true
  return "$status"
}
