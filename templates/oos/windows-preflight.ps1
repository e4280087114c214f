# Preflight (Windows): the same checks as linux-preflight.sh, on the facts the OOS template read
# from the ECS API: the attached RAM role names (DescribeInstanceRamRole) and the disks as
# DISK_ID:CATEGORY:MULTI_ATTACH:OWNER_INSTANCE_ID (DescribeDisks). Every unmet rule becomes one
# reason naming the instance, the disk and what is wrong; any reason ends the run with
# PREFLIGHT_FAILED before the plugin is called. Needs windows-result.ps1.

# The ESSD family (DescribeDisks categories): ESSD, ESSD AutoPL and ESSD Entry.
$PreflightEssdCategories = @('cloud_essd', 'cloud_auto', 'cloud_essd_entry')
# The most disks a snapshot group holds (CreateSnapshotGroup).
$PreflightMaxGroupDisks = 16

function Invoke-Preflight([string]$Instance, [string]$Role, [string]$Exclude, [string]$Roles, [string]$Disks) {
  $attached = @(Split-Fact $Roles)
  $diskItems = @(Split-Fact $Disks)
  foreach ($item in $attached) {
    if ($item -cnotmatch '^[A-Za-z0-9.-]{1,64}$') { Stop-Package 125 "the attached role '$item' read from DescribeInstanceRamRole is not a RAM role name" }
  }
  foreach ($item in $diskItems) {
    if ($item -cnotmatch '^d-[a-z0-9]{8,32}:[a-z0-9_]+:[A-Za-z]+:(i-[a-z0-9]{8,32})?$') {
      Stop-Package 125 "the disk '$item' read from DescribeDisks is not of the form DISK:CATEGORY:MULTI_ATTACH:INSTANCE"
    }
  }
  $problems = @()
  if ($attached.Count -eq 0) {
    $problems += "instance $Instance has no RAM role attached (the run names $Role): attach $Role to it"
  } elseif ($attached.Count -gt 1 -or $attached[0] -cne $Role) {
    $problems += "instance $Instance holds RAM role $($attached -join ' '), not $Role that the run names (an instance holds one role): run with ramRoleName $($attached[0]) and give that role the snapshot policy, or attach $Role instead"
  }
  $count = 0
  foreach ($item in $diskItems) {
    $id, $category, $multi, $owner = $item.Split(':')
    if ($id -ceq $Exclude) { continue }
    $count++
    if ($PreflightEssdCategories -cnotcontains $category) {
      $problems += "disk $id of instance $Instance is $category, not of the ESSD family ($($PreflightEssdCategories -join ' ')): exclude it or change its category"
    }
    if ($multi -cne 'Disabled') {
      $problems += "disk $id of instance $Instance has multi-attach ${multi}: a snapshot group takes only disks with multi-attach off"
    }
    if ($owner -cne $Instance) {
      $who = $(if ($owner) { $owner } else { 'no single instance' })
      $problems += "disk $id is attached to $who, not to instance $Instance alone: all disks of a snapshot group belong to one instance"
    }
  }
  $after = $(if ($Exclude) { " once $Exclude is excluded" } else { '' })
  if ($count -eq 0) {
    $problems += "instance $Instance has no disk to snapshot$after"
  } elseif ($count -gt $PreflightMaxGroupDisks) {
    $problems += "instance $Instance has $count disks to snapshot$after, more than the $PreflightMaxGroupDisks a snapshot group holds"
  }
  if ($problems.Count -gt 0) { Stop-Package 126 ($problems -join '; ') }
  Write-Output ("app-snapshot: preflight passed: RAM role $Role attached; disks $($Disks.Trim())" + $(if ($Exclude) { " (excluding $Exclude)" } else { '' }))
}
