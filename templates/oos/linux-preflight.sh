# shellcheck shell=bash
# Preflight (Linux): before the plugin runs, the snapshot wrapper checks what the OOS template
# read about the instance from the ECS API and substituted into the command, one line each:
#   roles  the RAM role names attached to the instance, space-separated (DescribeInstanceRamRole)
#   disks  DISK_ID:CATEGORY:MULTI_ATTACH:OWNER_INSTANCE_ID for each disk, space-separated (DescribeDisks)
# Every unmet rule becomes one reason naming the instance, the disk and what is wrong; any
# reason ends the run with PREFLIGHT_FAILED before the plugin is called. Needs linux-result.sh.

# ${a[@]+"${a[@]}"} expands an empty array to nothing under set -u, also in bash 4.2 (CentOS 7).

# The ESSD family (DescribeDisks categories): ESSD, ESSD AutoPL and ESSD Entry.
PREFLIGHT_ESSD_CATEGORIES=(cloud_essd cloud_auto cloud_essd_entry)
# The most disks a snapshot group holds (CreateSnapshotGroup).
PREFLIGHT_MAX_GROUP_DISKS=16

# preflight_facts_problem ROLES DISKS: prints why the facts are malformed, nothing when they are not.
preflight_facts_problem() {
  local item roles=() disks=()
  read -r -a roles <<<"$1"
  read -r -a disks <<<"$2"
  for item in ${roles[@]+"${roles[@]}"}; do
    [[ "$item" =~ ^[A-Za-z0-9.-]{1,64}$ ]] || { echo "the attached role '$item' read from DescribeInstanceRamRole is not a RAM role name"; return; }
  done
  for item in ${disks[@]+"${disks[@]}"}; do
    [[ "$item" =~ ^d-[a-z0-9]{8,32}:[a-z0-9_]+:[A-Za-z]+:(i-[a-z0-9]{8,32})?$ ]] \
      || { echo "the disk '$item' read from DescribeDisks is not of the form DISK:CATEGORY:MULTI_ATTACH:INSTANCE"; return; }
  done
}

# preflight_problems INSTANCE ROLE EXCLUDED_DISK ROLES DISKS: prints one reason per unmet rule.
preflight_problems() {
  local instance="$1" role="$2" exclude="$3" attached=() disks=() item id category multi owner count=0
  read -r -a attached <<<"$4"
  read -r -a disks <<<"$5"
  if [ "${#attached[@]}" -eq 0 ]; then
    echo "instance $instance has no RAM role attached (the run names $role): attach $role to it"
  elif [ "${#attached[@]}" -gt 1 ] || [ "${attached[0]}" != "$role" ]; then
    echo "instance $instance holds RAM role ${attached[*]}, not $role that the run names (an instance holds one role): run with ramRoleName ${attached[0]} and give that role the snapshot policy, or attach $role instead"
  fi
  for item in ${disks[@]+"${disks[@]}"}; do
    IFS=: read -r id category multi owner <<<"$item"
    [ "$id" = "$exclude" ] && continue
    count=$((count + 1))
    [[ " ${PREFLIGHT_ESSD_CATEGORIES[*]} " == *" $category "* ]] \
      || echo "disk $id of instance $instance is $category, not of the ESSD family (${PREFLIGHT_ESSD_CATEGORIES[*]}): exclude it or change its category"
    [ "$multi" = Disabled ] \
      || echo "disk $id of instance $instance has multi-attach $multi: a snapshot group takes only disks with multi-attach off"
    [ "$owner" = "$instance" ] \
      || echo "disk $id is attached to ${owner:-no single instance}, not to instance $instance alone: all disks of a snapshot group belong to one instance"
  done
  local after="${exclude:+ once $exclude is excluded}"
  if [ "$count" -eq 0 ]; then
    echo "instance $instance has no disk to snapshot$after"
  elif [ "$count" -gt "$PREFLIGHT_MAX_GROUP_DISKS" ]; then
    echo "instance $instance has $count disks to snapshot$after, more than the $PREFLIGHT_MAX_GROUP_DISKS a snapshot group holds"
  fi
}

# preflight_check INSTANCE ROLE EXCLUDED_DISK ROLES DISKS: ends the run unless every rule is met.
preflight_check() {
  local problem problems
  problem=$(preflight_facts_problem "$4" "$5")
  [ -z "$problem" ] || fail_package 125 "$problem"
  problems=$(preflight_problems "$@")
  [ -z "$problems" ] || fail_package 126 "${problems//$'\n'/; }"
  echo "app-snapshot: preflight passed: RAM role $2 attached; disks $5${3:+ (excluding $3)}"
}
