# shellcheck shell=bash
# Verdict wrapper (Linux): after a successful snapshot run, the OOS template reads the snapshot
# group and its snapshots back from the ECS API and runs this on the instance, with what it read
# substituted into the command header, one line each:
#   group      SNAPSHOT_GROUP_ID:STATUS:INSTANCE_ID per group found (DescribeSnapshotGroups)
#   members    SNAPSHOT_ID:DISK_ID per snapshot of the group (DescribeSnapshotGroups)
#   snapshots  SNAPSHOT_ID:DISK_ID:STATUS:APP:FS per snapshot, APP and FS being true or false for
#              the tags APPConsistent:True and FsConsistent:True (DescribeSnapshots)
#   disks      the instance's disks as the preflight read them (DescribeDisks)
# The tags decide: application-consistent when every snapshot carries APPConsistent:True,
# file-system-consistent when every snapshot carries a consistency tag and one is FsConsistent.
# What the plugin logged (AppConsistent, FsConsistent, or Unknown when it logged neither) is a
# hint only: it is named where the tags contradict it.
# Anything that keeps the group from confirming the run ends with SNAPSHOTS_NOT_CONFIRMED, a
# required but missing application consistency with APP_CONSISTENCY_NOT_OBTAINED. Ends with one
# APP_SNAPSHOT_RESULT line (linux-result.sh), like the snapshot run.
set -uo pipefail

instance="$APP_SNAPSHOT_INSTANCE_ID"
group="$APP_SNAPSHOT_GROUP_ID"
[[ "$instance" =~ ^i-[a-z0-9]{8,32}$ ]] || fail_package 125 "instance id '$instance' is not of the form i-xxxxxxxx"
case "$APP_SNAPSHOT_REQUIRE_APP_CONSISTENT" in
  true|false) ;;
  *) fail_package 125 "requireAppConsistent must be true or false, got '$APP_SNAPSHOT_REQUIRE_APP_CONSISTENT'" ;;
esac
[[ "$group" =~ ^ssg-[A-Za-z0-9]+$ ]] || fail_package 125 "snapshot group id '$group' from the snapshot run is not of the form ssg-xxxxxxxx"
case "$APP_SNAPSHOT_LOG_VERDICT" in
  AppConsistent|FsConsistent|Unknown) ;;
  *) fail_package 125 "the snapshot run's logged verdict must be AppConsistent, FsConsistent or Unknown, got '$APP_SNAPSHOT_LOG_VERDICT'" ;;
esac
# check_facts PATTERN ITEM...: ends the run unless every item matches PATTERN.
check_facts() {
  local pattern="$1" item
  shift
  for item in "$@"; do
    [[ "$item" =~ $pattern ]] || fail_package 125 "'$item' read from the ECS API is not of the form the template writes" "$group" Unknown
  done
}
# ${a[@]+"${a[@]}"} expands an empty array to nothing under set -u, also in bash 4.2 (CentOS 7).
groups=() members=() snapshots=() disks=()
read -r -a groups <<<"$APP_SNAPSHOT_GROUP"
read -r -a members <<<"$APP_SNAPSHOT_GROUP_MEMBERS"
read -r -a snapshots <<<"$APP_SNAPSHOT_SNAPSHOTS"
read -r -a disks <<<"$APP_SNAPSHOT_DISKS"
check_facts '^ssg-[A-Za-z0-9]+:[a-z_]+:(i-[a-z0-9]{8,32})?$' ${groups[@]+"${groups[@]}"}
check_facts '^s-[a-z0-9]+:d-[a-z0-9]{8,32}$' ${members[@]+"${members[@]}"}
check_facts '^s-[a-z0-9]+:d-[a-z0-9]{8,32}:[a-z_]+:(true|false):(true|false)$' ${snapshots[@]+"${snapshots[@]}"}
check_facts '^d-[a-z0-9]{8,32}:[a-z0-9_]+:[A-Za-z]+:(i-[a-z0-9]{8,32})?$' ${disks[@]+"${disks[@]}"}

echo "app-snapshot: verdict of snapshot group $group of instance $instance from its tags"
problems=()
found=false
for item in ${groups[@]+"${groups[@]}"}; do
  IFS=: read -r id status owner <<<"$item"
  [ "$id" = "$group" ] || continue
  found=true
  [ "$owner" = "$instance" ] || problems+=("snapshot group $group belongs to instance ${owner:-none}, not $instance")
  [ "$status" = accomplished ] || problems+=("snapshot group $group of instance $instance is $status, not accomplished")
done
[ "$found" = true ] || problems+=("snapshot group $group of instance $instance was not found by DescribeSnapshotGroups")
[ "${#members[@]}" -gt 0 ] || [ "$found" = false ] || problems+=("snapshot group $group of instance $instance holds no snapshot")

# Every disk the group should hold (the instance's disks but the excluded one) has a snapshot in it.
member_list=" ${members[*]+${members[*]}} "
for item in ${disks[@]+"${disks[@]}"}; do
  disk=${item%%:*}
  [ "$disk" != "$APP_SNAPSHOT_EXCLUDE_DISK_ID" ] || continue
  [[ "$member_list" == *":$disk "* ]] || problems+=("disk $disk of instance $instance has no snapshot in group $group")
done

app=0
fs=()
for member in ${members[@]+"${members[@]}"}; do
  snapshot=${member%%:*}
  disk=${member#*:}
  where="snapshot $snapshot of disk $disk (group $group, instance $instance)"
  row=""
  for item in ${snapshots[@]+"${snapshots[@]}"}; do
    [ "${item%%:*}" = "$snapshot" ] && row=$item
  done
  if [ -z "$row" ]; then
    problems+=("$where was not returned by DescribeSnapshots")
    continue
  fi
  IFS=: read -r _ _ status app_tag fs_tag <<<"$row"
  [ "$status" = accomplished ] || problems+=("$where is $status, not accomplished")
  case "$app_tag:$fs_tag" in
    true:false) app=$((app + 1)) ;;
    false:true) fs+=("$snapshot of disk $disk") ;;
    true:true) problems+=("$where carries both APPConsistent:True and FsConsistent:True") ;;
    *) problems+=("$where carries neither APPConsistent:True nor FsConsistent:True") ;;
  esac
done

if [ "${#problems[@]}" -gt 0 ]; then
  fail_package 127 "$(joined '; ' "${problems[@]}")" "$group" Unknown
fi
if [ "${#fs[@]}" -eq 0 ]; then
  note=""
  case "$APP_SNAPSHOT_LOG_VERDICT" in
    FsConsistent) note="; the plugin had logged a file-system-consistent run, the tags say otherwise and are taken as the verdict" ;;
    Unknown) note="; the plugin had logged no verdict, the tags decide" ;;
  esac
  finish 0 AppConsistent "$group" "application-consistent: all $app snapshots of group $group (instance $instance) carry APPConsistent:True$note"
fi
reason="snapshot $(joined ', ' "${fs[@]}") of group $group (instance $instance) carries FsConsistent:True"
if [ "$APP_SNAPSHOT_REQUIRE_APP_CONSISTENT" = false ]; then
  finish 0 FsConsistent "$group" "file-system-consistent: $reason; application consistency was not required"
fi
if [ "$APP_SNAPSHOT_LOG_VERDICT" = AppConsistent ]; then
  fail_package 127 "$reason, though the plugin logged an application-consistent run" "$group" FsConsistent
fi
fail_package 120 "$reason" "$group" FsConsistent
