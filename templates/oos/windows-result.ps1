# The result line of the wrappers run on Windows instances (the snapshot run and the verdict run).
# The generated command sets $AppSnapshotInstanceId, and from the package's exit-code table
# $ExitCodeTable (the rows the command can print), $ReservedExitCodes and
# $ReservedExitCodeReplacement (and, for the snapshot run, $PluginManagerExitCodes), before this
# file. Every way out of a wrapper goes through Write-Result, which prints APP_SNAPSHOT_RESULT
# {json} as the last line of the output and exits with the code.
#
# Cloud Assistant runs these commands with Windows PowerShell 5.1 (powershell -file): nothing here
# may need PowerShell 6 or later, and the files are ASCII (a test parses every one with
# PowerShell's parser and refuses what 5.1 does not have).
$ErrorActionPreference = 'Stop'

# What the snapshot run creates for the plugin's output; Write-Result removes it.
$AppSnapshotRunDir = ''

function Write-Result([int]$Code, [string]$Consistency, [string]$SnapshotGroupId, [string]$Message) {
  # After a command exits 3009 or 3010 Cloud Assistant powers the instance off or reboots it: no
  # path of the package may end with one of them, whatever the plugin returned.
  if ($ReservedExitCodes -contains $Code) {
    $Message = '{0} (the original exit code was {1}, after which Cloud Assistant would power off or reboot the instance; {2})' -f (Get-CodeDescription $ReservedExitCodeReplacement), $Code, $Message
    $Code = $ReservedExitCodeReplacement
  }
  if ($AppSnapshotRunDir) {
    Remove-Item -LiteralPath $AppSnapshotRunDir -Recurse -Force -ErrorAction SilentlyContinue
  }
  $result = [ordered]@{
    instanceId      = $AppSnapshotInstanceId
    exitCode        = $Code
    consistency     = $Consistency
    snapshotGroupId = $(if ($SnapshotGroupId) { $SnapshotGroupId } else { $null })
    message         = $Message
  }
  Write-Output ('APP_SNAPSHOT_RESULT ' + (ConvertTo-Json -InputObject $result -Depth 2 -Compress))
  exit $Code
}

function Get-CodeDescription([int]$Code) {
  if ($ExitCodeTable.ContainsKey($Code)) {
    $parts = $ExitCodeTable[$Code].Split('|', 2)
    return ('{0}: {1}' -f $parts[0], $parts[1])
  }
  return ('UNDOCUMENTED: the plugin exited with code {0}, which its documentation does not list' -f $Code)
}

function Stop-Package([int]$Code, [string]$Detail, [string]$SnapshotGroupId = '', [string]$Consistency = 'Failed') {
  Write-Result $Code $Consistency $SnapshotGroupId ((Get-CodeDescription $Code) + " ($Detail)")
}

# The space-separated items of a fact line, none empty. PowerShell unrolls a returned array (one
# item comes back as a string): call it as @(Split-Fact $text).
function Split-Fact([string]$Text) {
  return @($Text.Trim() -split '\s+' | Where-Object { $_ -ne '' })
}
