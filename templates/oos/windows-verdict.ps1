# Verdict wrapper (Windows): the same judgement as linux-verdict.sh, from the facts the OOS
# template read back after a successful snapshot run: the group (SNAPSHOT_GROUP_ID:STATUS:
# INSTANCE_ID), its members (SNAPSHOT_ID:DISK_ID), the snapshots (SNAPSHOT_ID:DISK_ID:STATUS:APP:FS,
# APP and FS being true or false for the tags APPConsistent:True and FsConsistent:True) and the
# instance's disks. The tags decide; what the plugin logged (AppConsistent, FsConsistent, or
# Unknown when its output named no verdict) is a hint that only adds a note, or marks tags that
# contradict an application-consistent log. Ends with one APP_SNAPSHOT_RESULT line
# (windows-result.ps1).

$instance = $AppSnapshotInstanceId
$group = $AppSnapshotGroupId.Trim()
if ($instance -cnotmatch '^i-[a-z0-9]{8,32}$') { Stop-Package 125 "instance id '$instance' is not of the form i-xxxxxxxx" }
if ($AppSnapshotRequireAppConsistent -cnotin @('true', 'false')) { Stop-Package 125 "requireAppConsistent must be true or false, got '$AppSnapshotRequireAppConsistent'" }
if ($group -cnotmatch '^ssg-[A-Za-z0-9]+$') { Stop-Package 125 "snapshot group id '$group' from the snapshot run is not of the form ssg-xxxxxxxx" }
$logVerdict = $AppSnapshotLogVerdict.Trim()
if ($logVerdict -cnotin @('AppConsistent', 'FsConsistent', 'Unknown')) { Stop-Package 125 "the snapshot run's logged verdict must be AppConsistent, FsConsistent or Unknown, got '$logVerdict'" }

function Read-Facts([string]$Text, [string]$Pattern) {
  $items = @(Split-Fact $Text)
  foreach ($item in $items) {
    if ($item -cnotmatch $Pattern) { Stop-Package 125 "'$item' read from the ECS API is not of the form the template writes" $group 'Unknown' }
  }
  return $items
}
$groups = @(Read-Facts $AppSnapshotGroup '^ssg-[A-Za-z0-9]+:[a-z_]+:(i-[a-z0-9]{8,32})?$')
$members = @(Read-Facts $AppSnapshotGroupMembers '^s-[a-z0-9]+:d-[a-z0-9]{8,32}$')
$snapshots = @(Read-Facts $AppSnapshotSnapshots '^s-[a-z0-9]+:d-[a-z0-9]{8,32}:[a-z_]+:(true|false):(true|false)$')
$disks = @(Read-Facts $AppSnapshotDisks '^d-[a-z0-9]{8,32}:[a-z0-9_]+:[A-Za-z]+:(i-[a-z0-9]{8,32})?$')

Write-Output "app-snapshot: verdict of snapshot group $group of instance $instance from its tags"
$problems = @()
$found = $false
foreach ($item in $groups) {
  $id, $status, $owner = $item.Split(':')
  if ($id -cne $group) { continue }
  $found = $true
  if ($owner -cne $instance) { $problems += "snapshot group $group belongs to instance $(if ($owner) { $owner } else { 'none' }), not $instance" }
  if ($status -cne 'accomplished') { $problems += "snapshot group $group of instance $instance is $status, not accomplished" }
}
if (-not $found) { $problems += "snapshot group $group of instance $instance was not found by DescribeSnapshotGroups" }
elseif ($members.Count -eq 0) { $problems += "snapshot group $group of instance $instance holds no snapshot" }

$memberDisks = @($members | ForEach-Object { $_.Split(':')[1] })
foreach ($item in $disks) {
  $disk = $item.Split(':')[0]
  if ($disk -ceq $AppSnapshotExcludeDiskId) { continue }
  if ($memberDisks -cnotcontains $disk) { $problems += "disk $disk of instance $instance has no snapshot in group $group" }
}

$app = 0
$fs = @()
foreach ($member in $members) {
  $snapshot, $disk = $member.Split(':')
  $where = "snapshot $snapshot of disk $disk (group $group, instance $instance)"
  $row = $snapshots | Where-Object { $_.Split(':')[0] -ceq $snapshot } | Select-Object -Last 1
  if (-not $row) { $problems += "$where was not returned by DescribeSnapshots"; continue }
  $null, $null, $status, $appTag, $fsTag = $row.Split(':')
  if ($status -cne 'accomplished') { $problems += "$where is $status, not accomplished" }
  switch ("${appTag}:${fsTag}") {
    'true:false' { $app++ }
    'false:true' { $fs += "$snapshot of disk $disk" }
    'true:true' { $problems += "$where carries both APPConsistent:True and FsConsistent:True" }
    default { $problems += "$where carries neither APPConsistent:True nor FsConsistent:True" }
  }
}

if ($problems.Count -gt 0) { Stop-Package 127 ($problems -join '; ') $group 'Unknown' }
if ($fs.Count -eq 0) {
  $note = $(switch ($logVerdict) {
      'FsConsistent' { '; the plugin had logged a file-system-consistent run, the tags say otherwise and are taken as the verdict' }
      'Unknown' { '; the plugin had logged no verdict, the tags decide' }
      default { '' }
    })
  Write-Result 0 'AppConsistent' $group "application-consistent: all $app snapshots of group $group (instance $instance) carry APPConsistent:True$note"
}
$reason = "snapshot $($fs -join ', ') of group $group (instance $instance) carries FsConsistent:True"
if ($AppSnapshotRequireAppConsistent -ceq 'false') {
  Write-Result 0 'FsConsistent' $group "file-system-consistent: ${reason}; application consistency was not required"
}
if ($logVerdict -ceq 'AppConsistent') { Stop-Package 127 "$reason, though the plugin logged an application-consistent run" $group 'FsConsistent' }
Stop-Package 120 $reason $group 'FsConsistent'
