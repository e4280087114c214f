# Snapshot wrapper (Windows): the body of the PowerShell command the OOS template runs on each
# instance through ACS::ECS::RunCommand, which Cloud Assistant runs as `powershell -file` (Windows
# PowerShell 5.1). The generated command puts before it a header that sets the $AppSnapshot*
# values (OOS references, and the facts the template read from the ECS API, all substituted by
# OOS), the tables generated from the package's exit-code table, $PluginManagerTimeoutMarginSeconds,
# windows-result.ps1 and windows-preflight.ps1.
#
# It checks the preflight facts, runs app-snapshot-plugin-win (VSS; no scripts) through
# acs-plugin-manager, reads the snapshot group id and the plugin's verdict from its output, and
# ends with exactly one APP_SNAPSHOT_RESULT line (windows-result.ps1). Exit status: the plugin's
# code when it fails (the plugin manager's own code, with its error line, when the manager fails),
# 124 when the deadline stops it, 0 when it created a snapshot group, and the package's codes for
# what keeps it from running. The snapshots' tags, read back from ECS, decide the consistency
# afterwards (windows-verdict.ps1); the plugin's log line is only a hint.
#
# The plugin manager gets one command line built here (Start-Process), never PowerShell's native
# argument passing: Windows PowerShell 5.1 passes embedded double quotes unescaped, and cannot
# stop a native command at a deadline. The --params= list quotes its values with single quotes and
# holds no double quote, so the pair around that argument is the command line's only quoting and
# Windows' argument rules hand the manager the list unchanged.
$ErrorActionPreference = 'Stop'

# The plugin manager: on PATH (Cloud Assistant adds its folder), else the newest version folder
# of the agent, C:\ProgramData\aliyun\assist\<version>\. Empty when there is none.
function Find-PluginManager {
  $found = Get-Command -Name 'acs-plugin-manager' -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
  if ($found) { return $found.Path }
  if (-not $env:ProgramData) { return '' }
  $root = Join-Path $env:ProgramData 'aliyun\assist'
  if (-not (Test-Path -LiteralPath $root -PathType Container)) { return '' }
  $versions = @(Get-ChildItem -LiteralPath $root -Directory -ErrorAction SilentlyContinue | Where-Object {
      $_.Name -match '^\d+(\.\d+){1,3}$' -and (Test-Path -LiteralPath (Join-Path $_.FullName 'acs-plugin-manager.exe') -PathType Leaf)
    } | Sort-Object { [version]$_.Name } -Descending)
  if ($versions.Count -eq 0) { return '' }
  return (Join-Path $versions[0].FullName 'acs-plugin-manager.exe')
}

# The text of a file another process may still hold open for writing.
function Read-SharedText([string]$Path) {
  if (-not (Test-Path -LiteralPath $Path -PathType Leaf)) { return '' }
  $stream = New-Object System.IO.FileStream($Path, [System.IO.FileMode]::Open, [System.IO.FileAccess]::Read, [System.IO.FileShare]::ReadWrite)
  try {
    $reader = New-Object System.IO.StreamReader($stream, [System.Text.Encoding]::UTF8)
    return $reader.ReadToEnd()
  } finally {
    $stream.Dispose()
  }
}

# Ends the plugin manager and the processes it started (taskkill /T), or the manager alone
# where taskkill is missing.
function Stop-ProcessTree([System.Diagnostics.Process]$Process) {
  $taskkill = Get-Command -Name 'taskkill.exe' -CommandType Application -ErrorAction SilentlyContinue | Select-Object -First 1
  if ($taskkill) {
    try {
      $kill = Start-Process -FilePath $taskkill.Path -ArgumentList ('/PID {0} /T /F' -f $Process.Id) -NoNewWindow -PassThru -Wait `
        -RedirectStandardOutput (Join-Path $AppSnapshotRunDir 'taskkill.out') -RedirectStandardError (Join-Path $AppSnapshotRunDir 'taskkill.err')
      Write-Output ('app-snapshot: taskkill /T /F ended the plugin manager and its processes (exit {0})' -f $kill.ExitCode)
    } catch {
      Write-Output "app-snapshot: taskkill failed: $($_.Exception.Message)"
    }
  }
  if (-not $Process.HasExited) {
    try { $Process.Kill() } catch { Write-Output "app-snapshot: the plugin manager could not be ended: $($_.Exception.Message)" }
  }
}

# The message of a failed run, worded as the Linux wrapper's: the plugin manager's own code with
# the error line it printed (`<Func> <NAME>: <tip>`, the agent's errcode.go), or the plugin's code
# (also when a plugin returns a number the manager uses, without its line).
function Get-FailureMessage([int]$Code, [string]$Output) {
  $message = Get-CodeDescription $Code
  if ($PluginManagerExitCodes -contains $Code) {
    $name = $ExitCodeTable[$Code].Split('|')[0]
    $line = [regex]::Matches($Output, '(?m)^[A-Za-z]+ ' + [regex]::Escape($name) + '(\.[A-Za-z]+)?: [^\r\n]*')
    if ($line.Count -gt 0) {
      return ('{0} (the plugin manager: {1})' -f $message, $line[$line.Count - 1].Value)
    }
    return ("UNDOCUMENTED: the plugin exited with code {0}; the plugin manager uses {0} for {1} but printed no error line, so the code is the plugin's own, which its documentation does not list" -f $Code, $name)
  }
  return $message
}

# --- inputs (substituted by OOS; checked again here, since a template can be run by hand) ---
if ($AppSnapshotInstanceId -cnotmatch '^i-[a-z0-9]{8,32}$') {
  Stop-Package 125 "instance id '$AppSnapshotInstanceId' is not of the form i-xxxxxxxx"
}
if ($AppSnapshotRequireAppConsistent -cnotin @('true', 'false')) {
  Stop-Package 125 "requireAppConsistent must be true or false, got '$AppSnapshotRequireAppConsistent'"
}
if ($AppSnapshotDeadlineSeconds -cnotmatch '^[1-9][0-9]{0,5}$') {
  Stop-Package 125 "the plugin deadline must be a positive integer of seconds, got '$AppSnapshotDeadlineSeconds'"
}
# The list travels inside one pair of double quotes: a double quote or a control character in it,
# or a backslash before the closing quote, would change what the plugin manager receives.
if ($AppSnapshotPluginParams -match '["\x00-\x1f\x7f]' -or $AppSnapshotPluginParams.EndsWith('\')) {
  Stop-Package 125 "the --params= list must hold no double quote or control character and not end with a backslash, got '$AppSnapshotPluginParams'"
}
# A parameter whose value is empty is left out of --params= (CreateSnapshotGroup takes a
# description of 2 to 256 characters: an empty one is not passed at all). Only optional ones can
# be empty (the templates' patterns), and values never hold `,`.
$params = @($AppSnapshotPluginParams.Split(',') | Where-Object { $_ -cnotmatch '^-[A-Za-z]+=(\x27\x27)?$' }) -join ','
$deadline = [int]$AppSnapshotDeadlineSeconds
$managerTimeout = $deadline + [int]$PluginManagerTimeoutMarginSeconds

Write-Output "app-snapshot: instance $AppSnapshotInstanceId, plugin $AppSnapshotPlugin, require application consistency: $AppSnapshotRequireAppConsistent"

# --- preflight: what the template read from the ECS API about this instance ---
Invoke-Preflight $AppSnapshotInstanceId $AppSnapshotRamRoleName $AppSnapshotExcludeDiskId $AppSnapshotAttachedRoles $AppSnapshotDisks

# --- the plugin manager ---
$pluginManager = Find-PluginManager
if (-not $pluginManager) {
  Stop-Package 121 'acs-plugin-manager is not on PATH nor in a version folder of C:\ProgramData\aliyun\assist'
}

# --- the plugin: the manager's own timeout runs past the deadline, so the deadline comes first ---
$arguments = '--exec --plugin {0} --timeout {1} "--params={2}"' -f $AppSnapshotPlugin, $managerTimeout, $params
Write-Output "app-snapshot: running $pluginManager $arguments"
$AppSnapshotRunDir = Join-Path ([System.IO.Path]::GetTempPath()) ('app-snapshot-' + [guid]::NewGuid().ToString('N'))
$null = New-Item -ItemType Directory -Path $AppSnapshotRunDir
$stdoutFile = Join-Path $AppSnapshotRunDir 'plugin.out'
$stderrFile = Join-Path $AppSnapshotRunDir 'plugin.err'
try {
  $process = Start-Process -FilePath $pluginManager -ArgumentList $arguments -NoNewWindow -PassThru `
    -RedirectStandardOutput $stdoutFile -RedirectStandardError $stderrFile
  # Windows PowerShell reports the exit code only of a process whose handle was taken while it ran.
  $null = $process.Handle
} catch {
  Stop-Package 121 "$pluginManager could not be started: $($_.Exception.Message)"
}
$finished = $process.WaitForExit($deadline * 1000)
if (-not $finished) {
  Stop-ProcessTree $process
}
$output = (Read-SharedText $stdoutFile) + (Read-SharedText $stderrFile)
if ($output) { Write-Output $output.TrimEnd() }

$ssg = ''
$found = [regex]::Matches($output, 'SnapshotGroup=(ssg-[A-Za-z0-9*]+)')
if ($found.Count -gt 0) { $ssg = $found[$found.Count - 1].Groups[1].Value }

if (-not $finished) {
  Stop-Package 124 "stopped after ${deadline}s" $ssg
}
$process.WaitForExit()
$code = [int]$process.ExitCode
if ($code -ne 0) {
  Write-Result $code 'Failed' $ssg (Get-FailureMessage $code $output)
}

# The plugin exited 0. Its snapshots' tags, read back from ECS by the group id, decide the
# verdict (windows-verdict.ps1); what it logged is a hint. Without a group id nothing can be read back.
$verdict = ''
if ($output -match 'Take AppConsistent snapshots successfully') {
  $verdict = 'AppConsistent'
} elseif ($output -match 'Take FsConsistent snapshots successfully') {
  $verdict = 'FsConsistent'
}
if (-not $ssg) {
  $logged = $(if ($verdict) { ", though it logged a $verdict run" } else { '' })
  Stop-Package 122 "the plugin exited 0 but named no snapshot group${logged}: the snapshots' tags cannot be read back" '' 'Unknown'
}
$logged = $(if ($verdict) { "a $verdict run" } else { 'no verdict' })
Write-Result 0 $(if ($verdict) { $verdict } else { 'Unknown' }) $ssg "snapshot group $ssg created; the plugin logged $logged; the snapshots' tags decide the verdict"
