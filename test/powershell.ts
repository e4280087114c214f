/**
 * PowerShell for the tests: the real pwsh (PowerShell 7, installed as a .NET tool by
 * scripts/install-test-deps.sh), and the files to run a command as Cloud Assistant runs a
 * RunPowerShellScript command on Windows. A missing pwsh fails the test that needs it: nothing
 * is skipped.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** The pwsh executable: on PATH, or where `dotnet tool install --global` puts it. */
export function pwshPath(): string {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), path.join(os.homedir(), '.dotnet', 'tools')];
  for (const dir of dirs.filter((d) => d !== '')) {
    const candidate = path.join(dir, 'pwsh');
    if (fs.existsSync(candidate)) {
      return candidate;
    }
  }
  throw new Error('pwsh (PowerShell 7) is not on PATH nor in ~/.dotnet/tools: run scripts/install-test-deps.sh, which installs it with `dotnet tool install --global PowerShell`');
}

/**
 * The launcher the tests run a command file with: `pwsh -NoProfile -File <launcher> <file>`.
 * Cloud Assistant runs `powershell -file <file>` (Windows PowerShell 5.1); PowerShell 7 is told to
 * pass native arguments by its legacy rule, the closest it has to 5.1's, before it runs the file
 * (a preference variable, so it must be set in a scope around the file: there is no command-line
 * switch for it). `exit N` in the file ends it with N, which the launcher passes on, as `-File`
 * would; a parse error or a script-terminating error ends pwsh with 1, as `-File` does. This is
 * test code, not shipped: $PSNativeCommandArgumentPassing exists only in PowerShell 7.3 and later.
 */
export const LAUNCHER = [
  'param([Parameter(Mandatory = $true)][string]$CommandFile)',
  "$PSNativeCommandArgumentPassing = 'Legacy'",
  '& $CommandFile',
  'exit $LASTEXITCODE',
  '',
].join('\r\n');

/**
 * Writes a command as Cloud Assistant saves a RunPowerShellScript command on Windows: line ends
 * normalised to CRLF, no byte-order mark (on an English system the UTF-8 bytes are kept as they
 * are; the package's commands are ASCII).
 */
export function writeCloudAssistantScript(file: string, content: string): void {
  fs.writeFileSync(file, Buffer.from(content.replace(/\r?\n/g, '\r\n'), 'utf8'));
}

/** Runs PowerShell text with pwsh (-NoProfile -Command), for the tests' own helpers. */
export function runPwsh(script: string, input?: string): { status: number | null; stdout: string; stderr: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pwsh-'));
  try {
    const file = path.join(dir, 'script.ps1');
    fs.writeFileSync(file, script);
    const r = spawnSync(pwshPath(), ['-NoProfile', '-NonInteractive', '-File', file], { encoding: 'utf8', input, maxBuffer: 64 * 1024 * 1024 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
