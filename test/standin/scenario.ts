/**
 * Runs a stand-in scenario for real: a bash script, as root, inside test/harness/sandbox.sh,
 * with the stand-in on PATH and test/standin/fixtures/scenario-lib.sh sourced. Returns what the
 * scenario left in /scenario/out: the stand-in's output and status, probe results and the
 * stand-in's state (snapshot groups, run records).
 */
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const SANDBOX = path.join(REPO_ROOT, 'test', 'harness', 'sandbox.sh');
export const STANDIN_BIN = path.join(REPO_ROOT, 'test', 'standin', 'bin');
/** The Windows plugin manager stand-in and taskkill.exe (never on PATH with STANDIN_BIN: same command name). */
export const WINDOWS_STANDIN_BIN = path.join(REPO_ROOT, 'test', 'standin', 'bin-windows');
const SCENARIO_LIB = path.join(REPO_ROOT, 'test', 'standin', 'fixtures', 'scenario-lib.sh');

/** One line of the plugin's log: `[level="..."][time="..."][message="..."]` (level optional). */
export interface LogLine {
  readonly level?: string;
  readonly time: string;
  readonly message: string;
}

/** The message field may hold a quote or backslash escaped with a backslash. */
const LOG_LINE = /^(?:\[level="([a-z]+)"\])?\[time="(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{7})"\]\[message="((?:[^"\\]|\\["\\])*)"\]$/;

/** The log lines of an output, in order; lines in another format are left out. */
export function logLines(output: string): LogLine[] {
  const lines: LogLine[] = [];
  for (const text of output.split('\n')) {
    const m = LOG_LINE.exec(text);
    if (m) {
      lines.push({ level: m[1], time: m[2], message: m[3].replace(/\\(["\\])/g, '$1') });
    }
  }
  return lines;
}

/** Whether a line is in the plugin's log format. */
export function isLogLine(text: string): boolean {
  return LOG_LINE.test(text);
}

/** A snapshot group as the stand-in records it in its state directory. */
export interface SnapshotGroupRecord {
  readonly SnapshotGroupId: string;
  readonly Name: string;
  readonly Description: string;
  readonly InstanceId: string;
  readonly Status: string;
  readonly Plugin: string;
  readonly Run: number;
  readonly Tags: ReadonlyArray<{ readonly Key: string; readonly Value: string }>;
  readonly ExcludeDiskId: string;
  readonly Disks: ReadonlyArray<{
    readonly DiskId: string;
    readonly MountPoint: string;
    readonly SnapshotId: string;
    readonly SnapshotPath: string;
    readonly Status: string;
  }>;
}

/** One run as the stand-in records it. */
export interface RunRecord {
  readonly run: number;
  readonly plugin: string;
  readonly params: Readonly<Record<string, string>>;
  readonly exitCode: number;
  readonly snapshotGroupId: string | null;
  readonly consistency: string | null;
  readonly injected: string | null;
  readonly argv: readonly string[];
  /** The plugin's arguments, as the plugin manager split --params= (or the Windows manager stand-in gave them). */
  readonly pluginArgs: readonly string[];
}

/** One run of the Windows plugin manager stand-in (test/standin/bin-windows), as it records it. */
export interface ManagerRunRecord {
  /** The arguments it received (split by .NET on PowerShell's behalf). */
  readonly argv: readonly string[];
  /** A Windows command line that Go's rules split into those arguments ('' when refused). */
  readonly commandLine: string;
  readonly plugin: string;
  /** The --params= value. */
  readonly params: string;
  /** The plugin's arguments the manager made of it. */
  readonly pluginArgs: readonly string[];
  /** The execution timeout in force, seconds (0: none); as given when it is not a number. */
  readonly timeout: number | string | null;
  readonly exitCode: number;
  /** The manager's own failure (`<Func> <NAME>`), a usage error, or the stand-in's refusal. */
  readonly error: string | null;
}

export interface ScenarioResult {
  /** The stand-in's exit status as the scenario recorded it (from run_plugin/finish_plugin). */
  readonly rc: number | undefined;
  /** The stand-in's standard output and error. */
  readonly stdout: string;
  readonly stderr: string;
  /** The sandbox's own status and output (the scenario script's). */
  readonly sandboxStatus: number | null;
  readonly sandboxOutput: string;
  /** A file the scenario wrote to /scenario/out, or undefined. */
  file(name: string): string | undefined;
  /** The snapshot groups the stand-in recorded, by run. */
  readonly groups: readonly SnapshotGroupRecord[];
  /** The runs the stand-in recorded, by run number. */
  readonly runs: readonly RunRecord[];
  /** The runs of the Windows plugin manager stand-in, in order. */
  readonly managerRuns: readonly ManagerRunRecord[];
}

export interface ScenarioOptions {
  /** The --params= list, readable in the scenario as $PARAMS. */
  readonly params?: string;
  /** How long the whole sandbox may take before it is killed. */
  readonly timeoutMs?: number;
}

function readJsonDir<T>(dir: string): T[] {
  if (!fs.existsSync(dir)) {
    return [];
  }
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort((a, b) => parseInt(a, 10) - parseInt(b, 10))
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as T);
}

/** Runs `body` (bash) in a fresh sandbox. */
export async function runScenario(body: string, options: ScenarioOptions = {}): Promise<ScenarioResult> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'standin-scenario-'));
  try {
    const script = `source ${SCENARIO_LIB}\n${body}\n`;
    fs.writeFileSync(path.join(dir, 'scenario.sh'), script);
    if (options.params !== undefined) {
      fs.writeFileSync(path.join(dir, 'params'), options.params);
    }
    const args = [SANDBOX, '--bind', `${dir}:/scenario`, '--path', STANDIN_BIN, '--', 'bash', '/scenario/scenario.sh'];
    const { status, output } = await new Promise<{ status: number | null; output: string }>((resolve, reject) => {
      // Its own process group, so that a time-out can kill the whole sandbox.
      const child = spawn('bash', args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      const timer = setTimeout(() => {
        if (child.pid !== undefined) {
          process.kill(-child.pid, 'SIGKILL');
        }
      }, options.timeoutMs ?? 60_000);
      child.on('error', reject);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve({ status: code, output: out });
      });
    });
    // Read everything now: the directory is gone when the caller looks.
    const outDir = path.join(dir, 'out');
    const files = new Map<string, string>();
    if (fs.existsSync(outDir)) {
      for (const entry of fs.readdirSync(outDir, { withFileTypes: true })) {
        if (entry.isFile()) {
          files.set(entry.name, fs.readFileSync(path.join(outDir, entry.name), 'utf8'));
        }
      }
    }
    const read = (name: string): string | undefined => files.get(name);
    const rcText = read('rc');
    const groups = readJsonDir<SnapshotGroupRecord>(path.join(outDir, 'state', 'groups')).sort((a, b) => a.Run - b.Run);
    const runs = readJsonDir<RunRecord>(path.join(outDir, 'state', 'runs')).sort((a, b) => a.run - b.run);
    const managerRuns = readJsonDir<ManagerRunRecord>(path.join(outDir, 'state', 'manager-runs'));
    return {
      rc: rcText === undefined ? undefined : Number(rcText.trim()),
      stdout: read('stdout') ?? '',
      stderr: read('stderr') ?? '',
      sandboxStatus: status,
      sandboxOutput: output,
      file: read,
      groups,
      runs,
      managerRuns,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
