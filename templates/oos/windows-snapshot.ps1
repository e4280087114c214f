# Snapshot wrapper (Windows): the body of the PowerShell command the OOS template runs on each
# instance through ACS::ECS::RunCommand. The generated command puts before it a header that
# sets $AppSnapshot* values (OOS references and the facts the template read from the ECS API,
# substituted by OOS), $ExitCodeTable (generated from the package's exit-code table),
# windows-result.ps1 and windows-preflight.ps1. It checks the preflight facts, runs
# app-snapshot-plugin-win (VSS; no scripts), reads the snapshot group id and the verdict from
# the plugin's output, and ends with exactly one line APP_SNAPSHOT_RESULT {json}, with the same
# exit statuses as the Linux wrapper. The tags are checked afterwards (windows-verdict.ps1).
$ErrorActionPreference = 'Stop'

if ($AppSnapshotInstanceId -notmatch '^i-[a-z0-9]{8,32}$') {
  Write-Result 125 'Failed' '' ((Get-CodeDescription 125) + " (instance id '$AppSnapshotInstanceId' is not of the form i-xxxxxxxx)")
}
if ($AppSnapshotRequireAppConsistent -notin @('true', 'false')) {
  Write-Result 125 'Failed' '' ((Get-CodeDescription 125) + " (requireAppConsistent must be true or false, got '$AppSnapshotRequireAppConsistent')")
}

Invoke-Preflight $AppSnapshotInstanceId $AppSnapshotRamRoleName $AppSnapshotExcludeDiskId $AppSnapshotAttachedRoles $AppSnapshotDisks

$pluginManager = Get-Command 'acs-plugin-manager' -ErrorAction SilentlyContinue
if (-not $pluginManager) {
  $candidate = Join-Path $env:ProgramFiles 'Aliyun Assist\acs-plugin-manager.exe'
  if (Test-Path $candidate) { $pluginManager = Get-Command $candidate }
}
if (-not $pluginManager) {
  Write-Result 121 'Failed' '' ((Get-CodeDescription 121) + ' (not on PATH nor in the Aliyun Assist folder)')
}

Write-Output "app-snapshot: running acs-plugin-manager --exec --plugin $AppSnapshotPlugin --params=$AppSnapshotPluginParams"
$job = Start-Job -ScriptBlock {
  param($manager, $plugin, $params)
  $out = & $manager --exec --plugin $plugin "--params=$params" 2>&1 | Out-String
  [pscustomobject]@{ Output = $out; Code = $LASTEXITCODE }
} -ArgumentList $pluginManager.Source, $AppSnapshotPlugin, $AppSnapshotPluginParams
if (-not (Wait-Job $job -Timeout ([int]$AppSnapshotDeadlineSeconds))) {
  Stop-Job $job
  Write-Result 124 'Failed' '' ((Get-CodeDescription 124) + " (stopped after $AppSnapshotDeadlineSeconds s)")
}
$run = Receive-Job $job
$output = [string]$run.Output
$code = [int]$run.Code
Write-Output $output

$ssg = ''
$found = [regex]::Matches($output, 'SnapshotGroup=(ssg-[A-Za-z0-9*]+)')
if ($found.Count -gt 0) { $ssg = $found[$found.Count - 1].Groups[1].Value }

if ($code -ne 0) { Write-Result $code 'Failed' $ssg (Get-CodeDescription $code) }
if (-not $ssg -and ($output -match 'Take (App|Fs)Consistent snapshots successfully')) {
  Write-Result 122 'Unknown' '' ((Get-CodeDescription 122) + ' (the plugin reported a verdict but named no snapshot group)')
}
if ($output -match 'Take AppConsistent snapshots successfully') {
  Write-Result 0 'AppConsistent' $ssg 'application-consistent snapshot group created'
}
if ($output -match 'Take FsConsistent snapshots successfully') {
  if ($AppSnapshotRequireAppConsistent -eq 'true') { Write-Result 120 'FsConsistent' $ssg (Get-CodeDescription 120) }
  Write-Result 0 'FsConsistent' $ssg 'file-system-consistent snapshot group created; application consistency was not required'
}
Write-Result 122 'Unknown' $ssg (Get-CodeDescription 122)
