/**
 * The PowerShell the package ships, checked with PowerShell's own parser (pwsh's
 * System.Management.Automation.Language.Parser): every .ps1 file of the repository and every
 * PowerShell command the synthesized templates hold (as sent, and its packed body unpacked) must
 * parse, use nothing Windows PowerShell 5.1 lacks, be ASCII and build JSON with an explicit
 * -Depth. And the single exit path of the Windows wrappers: no exit but through Write-Result,
 * which never lets Cloud Assistant's power-off and reboot codes through.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { DefaultAppConsistentSnapshotStack } from '../lib/default-stack';
import { packagePath } from '../lib/package-root';
import { TEMPLATES_DIR, powershellExitCodeTable } from '../lib/plugin/command';
import { PackageExitCode, RESERVED_EXIT_CODES, describeExitCode } from '../lib/plugin/exit-codes';
import { buildPostureStacks } from '../lib/posture/stacks';
import { loadPostureFile } from '../lib/posture/loader';
import { synthesize } from '../lib/synth';
import { REPO_ROOT, tempDir, unpackedCommand } from './helpers';
import { pwshPath, runPwsh, writeCloudAssistantScript } from './powershell';

/** A PowerShell text to check, by name. */
interface Source { readonly name: string; readonly text: string }

/** Every .ps1 file git knows of in the repository. */
function powershellFiles(): Source[] {
  const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '*.ps1'], { cwd: REPO_ROOT, encoding: 'utf8' })
    .split('\n').filter((f) => f !== '');
  return files.map((f) => ({ name: f, text: fs.readFileSync(path.join(REPO_ROOT, f), 'utf8') }));
}

/** Every PowerShell command of every OOS template the default stack and the example posture emit: as sent, and its body. */
function generatedCommands(): Source[] {
  const out = tempDir('ps-emitted-');
  const files = synthesize((app) => {
    new DefaultAppConsistentSnapshotStack(app, 'D');
    buildPostureStacks(app, loadPostureFile(packagePath('templates', 'posture', 'example.posture.yaml')));
  }, out).filter((f) => f.kind === 'oos-template').map((f) => f.file);
  const sources: Source[] = [];
  for (const file of files) {
    const doc = JSON.parse(fs.readFileSync(path.join(out, file), 'utf8'));
    for (const task of doc.Tasks as Array<{ Name: string; Properties: Record<string, unknown> }>) {
      if (task.Properties.commandType !== 'RunPowerShellScript') continue;
      const command = String(task.Properties.commandContent);
      sources.push({ name: `${file} ${task.Name}`, text: command });
      sources.push({ name: `${file} ${task.Name} (body)`, text: unpackedCommand(command) });
    }
  }
  return sources;
}

/**
 * Parses each source with PowerShell's parser and walks its syntax tree for what Windows
 * PowerShell 5.1 does not have (reference section 3: cloud-assistant-windows-ecs.md), and for
 * ConvertTo-Json without an explicit -Depth. Parameter names are resolved against the cmdlet's
 * parameters as pwsh knows them, so an abbreviation is caught too.
 */
const CHECKER = String.raw`
$ErrorActionPreference = 'Stop'
$sources = @([Console]::In.ReadToEnd() | ConvertFrom-Json)
$only7Variables = @('IsWindows', 'IsLinux', 'IsMacOS', 'IsCoreCLR', 'PSStyle', 'PSNativeCommandArgumentPassing', 'PSNativeCommandUseErrorActionPreference', 'EnabledExperimentalFeatures')
$only7Cmdlets = @('Get-Error', 'Join-String', 'Test-Json', 'ConvertFrom-Markdown', 'Show-Markdown', 'Get-MarkdownOption', 'Set-MarkdownOption', 'Get-Uptime', 'Remove-Service', 'Start-ThreadJob', 'Clear-RecycleBin')
$only7Parameters = @{
  'ForEach-Object' = @('Parallel', 'ThrottleLimit', 'TimeoutSeconds', 'AsJob', 'UseNewRunspace')
  'ConvertFrom-Json' = @('AsHashtable', 'Depth', 'NoEnumerate', 'DateKind')
  'ConvertTo-Json' = @('AsArray', 'EnumsAsStrings', 'EscapeHandling')
  'Join-Path' = @('AdditionalChildPath', 'Extension')
  'Split-Path' = @('LeafBase', 'Extension')
  'Get-Content' = @('AsByteStream')
  'Set-Content' = @('AsByteStream')
  'Select-String' = @('Raw', 'NoEmphasis', 'Culture')
  'Start-Process' = @('Environment')
  'Get-ChildItem' = @('FollowSymlink')
  'Invoke-WebRequest' = @('SkipCertificateCheck', 'Authentication', 'Token', 'SslProtocol', 'Resume', 'SkipHttpErrorCheck')
}
$commands = @{}
function Find-Command([string]$Name) {
  if (-not $commands.ContainsKey($Name)) { $commands[$Name] = Get-Command -Name $Name -ErrorAction SilentlyContinue | Select-Object -First 1 }
  return $commands[$Name]
}
function Resolve-ParameterName([string]$Command, [string]$Given) {
  $info = Find-Command $Command
  if (-not $info) { return $Given }
  $names = @($info.Parameters.Keys) + @($info.Parameters.Values | ForEach-Object { $_.Aliases })
  $exact = @($names | Where-Object { $_ -eq $Given })
  if ($exact.Count -gt 0) { return $exact[0] }
  $matched = @($info.Parameters.Keys | Where-Object { $_.StartsWith($Given, [StringComparison]::OrdinalIgnoreCase) })
  if ($matched.Count -eq 1) { return $matched[0] }
  return "?$Given"
}
$findings = New-Object System.Collections.Generic.List[object]
foreach ($source in $sources) {
  $tokens = $null
  $errors = $null
  $ast = [System.Management.Automation.Language.Parser]::ParseInput([string]$source.text, [ref]$tokens, [ref]$errors)
  $add = { param($node, $rule) $findings.Add([pscustomobject]@{ name = $source.name; line = $node.Extent.StartLineNumber; rule = $rule; text = $node.Extent.Text.Split([char]10)[0] }) }
  foreach ($e in $errors) { & $add $e 'syntax error' }
  foreach ($node in $ast.FindAll({ $true }, $true)) {
    switch ($node.GetType().Name) {
      'TernaryExpressionAst' { & $add $node 'the ternary operator (7.0)' }
      'PipelineChainAst' { & $add $node '&& or || (7.0)' }
      'BinaryExpressionAst' { if ($node.Operator -eq 'QuestionQuestion') { & $add $node '?? (7.0)' } }
      'AssignmentStatementAst' { if ($node.Operator -eq 'QuestionQuestionEquals') { & $add $node '??= (7.0)' } }
      'MemberExpressionAst' { if ($node.NullConditional) { & $add $node '?. (7.1)' } }
      'InvokeMemberExpressionAst' { if ($node.NullConditional) { & $add $node '?. (7.1)' } }
      'IndexExpressionAst' { if ($node.NullConditional) { & $add $node '?[] (7.1)' } }
      'PipelineAst' { if ($node.Background) { & $add $node 'a trailing & background job (7.0)' } }
      'ScriptBlockAst' { if ($node.CleanBlock) { & $add $node 'the clean block (7.3)' } }
      'VariableExpressionAst' {
        if ($only7Variables -contains $node.VariablePath.UserPath) { & $add $node ('$' + $node.VariablePath.UserPath + ' (6.0 and later)') }
      }
      'ExpandableStringExpressionAst' { if ($node.Extent.Text -match '` + '`' + String.raw`u\{') { & $add $node 'the escape ` + '`' + String.raw`u{} (6.0)' } }
      'StringConstantExpressionAst' {
        if ($node.StringConstantType -eq 'DoubleQuoted' -and $node.Extent.Text -match '` + '`' + String.raw`u\{') { & $add $node 'the escape ` + '`' + String.raw`u{} (6.0)' }
      }
      'CommandAst' {
        $name = $node.GetCommandName()
        if (-not $name) { continue }
        $resolved = Find-Command $name
        if ($resolved -and $resolved.CommandType -eq 'Alias') { $name = $resolved.ResolvedCommandName }
        if ($only7Cmdlets -contains $name) { & $add $node "the cmdlet $name (6.0 and later)" }
        $given = @($node.CommandElements | Where-Object { $_ -is [System.Management.Automation.Language.CommandParameterAst] } | ForEach-Object { Resolve-ParameterName $name $_.ParameterName })
        if ($only7Parameters.ContainsKey($name)) {
          foreach ($p in $given) {
            if ($only7Parameters[$name] -contains $p) { & $add $node "$name -$p (6.0 and later)" }
            if ($p.StartsWith('?')) { & $add $node "$name with the unresolved parameter -$($p.Substring(1))" }
          }
        }
        if ($name -eq 'ConvertTo-Json' -and $given -notcontains 'Depth') { & $add $node 'ConvertTo-Json without -Depth (the default, 2, silently truncates)' }
      }
    }
  }
}
ConvertTo-Json -InputObject $findings.ToArray() -Depth 3 -Compress
`;

interface Finding { readonly name: string; readonly line: number; readonly rule: string; readonly text: string }

function check(sources: readonly Source[]): Finding[] {
  const r = runPwsh(CHECKER, JSON.stringify(sources));
  if (r.status !== 0) {
    throw new Error(`the checker failed (${r.status}): ${r.stderr}`);
  }
  return JSON.parse(r.stdout) as Finding[];
}

describe('the PowerShell the package ships', () => {
  const files = powershellFiles();
  const commands = generatedCommands();

  test('is found: the four Windows wrapper files and the commands of every Windows template', () => {
    expect(files.map((f) => f.name).sort()).toEqual(['templates/oos/windows-preflight.ps1', 'templates/oos/windows-result.ps1', 'templates/oos/windows-snapshot.ps1', 'templates/oos/windows-verdict.ps1']);
    // The default stack's and the example's Windows group: the snapshot and the verdict, each as sent and unpacked.
    expect(commands).toHaveLength(8);
    for (const c of commands.filter((x) => x.name.endsWith('(body)'))) {
      expect(c.text).toContain('function Write-Result');
    }
  });

  test('parses, and uses nothing Windows PowerShell 5.1 lacks; JSON with an explicit -Depth', () => {
    expect(check([...files, ...commands])).toEqual([]);
  });

  test('is ASCII: Cloud Assistant saves it without a byte-order mark and 5.1 reads it in the ANSI code page', () => {
    for (const s of [...files, ...commands]) {
      const at = [...s.text].findIndex((c) => c.charCodeAt(0) > 0x7e || (c.charCodeAt(0) < 0x20 && !'\t\r\n'.includes(c)));
      expect([s.name, at]).toEqual([s.name, -1]);
    }
  });

  test('the checker finds each thing 5.1 lacks (it is not blind)', () => {
    const seeded: Array<[string, RegExp]> = [
      ['$a = $b ? 1 : 2', /ternary/],
      ['$a = $b ?? 1', /\?\? \(7\.0\)/],
      ['$a ??= 1', /\?\?= \(7\.0\)/],
      ['${a}?.Length', /\?\. \(7\.1\)/],
      ['${a}?[0]', /\?\[\] \(7\.1\)/],
      ['Get-Date && Get-Date', /&& or \|\|/],
      ['Get-Date &', /background job/],
      ['function f { clean { 1 } }', /clean block/],
      ['if ($IsWindows) { 1 }', /\$IsWindows/],
      ['$x = "`u{2018}"', /`u\{\}/],
      ['1..3 | ForEach-Object -Parallel { $_ }', /ForEach-Object -Parallel/],
      ['1..3 | % -Parallel { $_ }', /ForEach-Object -Parallel/],
      ['"{}" | ConvertFrom-Json -AsHashtable', /ConvertFrom-Json -AsHashtable/],
      ['"{}" | ConvertFrom-Json -Depth 3', /ConvertFrom-Json -Depth/],
      ['ConvertTo-Json -InputObject 1 -Depth 2 -AsArray', /ConvertTo-Json -AsArray/],
      ['ConvertTo-Json -InputObject 1 -Depth 2 -EscapeHandling Default', /ConvertTo-Json -EscapeHandling/],
      ['@{a=1} | ConvertTo-Json -Compress', /ConvertTo-Json without -Depth/],
      ['Get-Error', /Get-Error/],
      ['"a" | Join-String', /Join-String/],
      ['Test-Json -Json "{}"', /Test-Json/],
      ['Join-Path a b -AdditionalChildPath c', /Join-Path -AdditionalChildPath/],
      ['Split-Path a.txt -LeafBase', /Split-Path -LeafBase/],
      ['if (', /syntax error/],
    ];
    const findings = check(seeded.map(([text], i) => ({ name: String(i), text })));
    seeded.forEach(([text, rule], i) => {
      const rules = findings.filter((f) => f.name === String(i)).map((f) => f.rule).join(' | ');
      expect([text, rules]).toEqual([text, expect.stringMatching(rule)]);
    });
  });
});

describe('the Windows wrappers\' single exit path', () => {
  test('every exit in the shipped PowerShell is Write-Result\'s, or the packed command\'s when its body cannot be decoded', () => {
    const sources = [...powershellFiles(), ...generatedCommands()];
    const r = runPwsh(String.raw`
$sources = @([Console]::In.ReadToEnd() | ConvertFrom-Json)
$out = foreach ($s in $sources) {
  $t = $null; $e = $null
  $ast = [System.Management.Automation.Language.Parser]::ParseInput([string]$s.text, [ref]$t, [ref]$e)
  foreach ($x in $ast.FindAll({ $args[0] -is [System.Management.Automation.Language.ExitStatementAst] }, $true)) {
    $f = $x.Parent
    while ($f -and $f -isnot [System.Management.Automation.Language.FunctionDefinitionAst]) { $f = $f.Parent }
    '{0}|{1}|{2}' -f $s.name, $(if ($f) { $f.Name } else { '' }), $x.Extent.Text
  }
}
ConvertTo-Json -InputObject @($out) -Depth 2 -Compress`, JSON.stringify(sources));
    const exits = (JSON.parse(r.stdout) as string[]).map((l) => l.split('|'));
    expect(exits.length).toBeGreaterThan(0);
    for (const [name, fn, text] of exits) {
      expect([name, fn === 'Write-Result' ? 'Write-Result' : text]).toEqual([name, fn === 'Write-Result' ? 'Write-Result' : 'exit 125']);
    }
  });

  test.each(RESERVED_EXIT_CODES.windows.map((c) => [c]))('Write-Result never exits %i (Cloud Assistant would power off or reboot): 119, naming the original code', (code) => {
    const dir = tempDir('write-result-');
    try {
      const file = path.join(dir, 'result.ps1');
      writeCloudAssistantScript(file, [
        "$AppSnapshotInstanceId = 'i-abcdefgh123'",
        powershellExitCodeTable([], false),
        fs.readFileSync(path.join(TEMPLATES_DIR, 'oos', 'windows-result.ps1'), 'utf8'),
        `Write-Result ${code} 'Failed' '' (Get-CodeDescription ${code})`,
      ].join('\n'));
      let status = 0;
      let stdout = '';
      try {
        stdout = execFileSync(pwshPath(), ['-NoProfile', '-File', file], { encoding: 'utf8' });
      } catch (e) {
        const err = e as { status: number; stdout: string };
        status = err.status;
        stdout = err.stdout;
      }
      expect(status).toBe(PackageExitCode.RESERVED_EXIT_CODE_REPLACED);
      const line = stdout.trimEnd().split('\n').slice(-1)[0];
      expect(JSON.parse(line.replace(/^APP_SNAPSHOT_RESULT /, ''))).toEqual({
        instanceId: 'i-abcdefgh123',
        exitCode: 119,
        consistency: 'Failed',
        snapshotGroupId: null,
        message: `RESERVED_EXIT_CODE_REPLACED: ${describeExitCode(119)!.meaning} (the original exit code was ${code}, after which Cloud Assistant would power off or reboot the instance; UNDOCUMENTED: the plugin exited with code ${code}, which its documentation does not list)`,
      });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('scripts/install-pwsh.sh', () => {
  const script = path.join(REPO_ROOT, 'scripts', 'install-pwsh.sh');

  test('does nothing when PowerShell 7.6.9 is installed', () => {
    const r = spawnSync('bash', [script], { encoding: 'utf8' });
    expect([r.status, r.stderr]).toEqual([0, '']);
  });

  test('without a .NET SDK and without Microsoft\'s repository (no network), fails saying how to get it', () => {
    // In the throwaway root: no network, a home without the tool, no dotnet command.
    const r = spawnSync('bash', [path.join(REPO_ROOT, 'test', 'harness', 'sandbox.sh'), '--',
      'bash', '-c', `mkdir -p /tmp/home && HOME=/tmp/home DOTNET=/nonexistent/dotnet bash ${script}`], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/install-pwsh: cannot install PowerShell 7\.6\.9: there is no \.NET SDK and Microsoft's package\s+repository/);
    expect(r.stderr).toMatch(/dotnet tool install --global PowerShell --version 7\.6\.9/);
  });
});
