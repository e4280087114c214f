# The result line of the wrappers run on Windows instances (the snapshot run and the verdict run).
# The generated command sets $AppSnapshotInstanceId and $ExitCodeTable before this file. Every way
# out of a wrapper goes through Write-Result, which prints APP_SNAPSHOT_RESULT {json} as the last
# line of the output and exits with the code.
$ErrorActionPreference = 'Stop'

function Write-Result([int]$Code, [string]$Consistency, [string]$SnapshotGroupId, [string]$Message) {
  $result = [ordered]@{
    instanceId      = $AppSnapshotInstanceId
    exitCode        = $Code
    consistency     = $Consistency
    snapshotGroupId = $(if ($SnapshotGroupId) { $SnapshotGroupId } else { $null })
    message         = $Message
  }
  Write-Output ('APP_SNAPSHOT_RESULT ' + ($result | ConvertTo-Json -Compress))
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

# The space-separated items of a fact line, none empty.
function Split-Fact([string]$Text) {
  return @($Text.Trim() -split '\s+' | Where-Object { $_ -ne '' })
}
