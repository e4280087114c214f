import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { QuiesceScripts } from '../../../lib/quiesce-scripts';
import { MatrixConfig, MatrixEngine } from './configs';

/** The repository root and the sandbox that every quiesce integration test runs in. */
export const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const SANDBOX = path.join(REPO_ROOT, 'test', 'harness', 'sandbox.sh');
const RUN_CONFIG = path.join(__dirname, 'run-config.sh');

/** The result of one bats run: each test's name and whether it passed, plus the TAP text. */
export interface BatsRun {
  readonly status: number | null;
  readonly results: ReadonlyMap<string, 'ok' | 'not ok' | 'skip'>;
  readonly tap: string;
  /** How long the run took, in seconds (server start-up included). */
  readonly seconds: number;
}

/** The names of the `@test` blocks of a bats file, in order. */
export function batsTestNames(batsFile: string): string[] {
  const text = fs.readFileSync(batsFile, 'utf8');
  return [...text.matchAll(/^@test "(.*)" \{$/gm)].map((m) => m[1].replace(/\\"/g, '"'));
}

/** Writes each variant's rendered pair to DIR/scripts/NAME/{prescript,postscript}.sh, mode 700. */
export function writeVariants(dir: string, variants: Record<string, QuiesceScripts>): void {
  for (const [name, scripts] of Object.entries(variants)) {
    const pair = scripts.render();
    fs.mkdirSync(path.join(dir, 'scripts', name), { recursive: true });
    fs.writeFileSync(path.join(dir, 'scripts', name, 'prescript.sh'), pair.prescript, { mode: 0o700 });
    fs.writeFileSync(path.join(dir, 'scripts', name, 'postscript.sh'), pair.postscript, { mode: 0o700 });
  }
}

/**
 * Renders each script variant into a temporary directory, then runs COMMAND (bats, or a script
 * that runs bats) as root inside the throwaway root (test/harness/sandbox.sh) with that directory
 * bound at /qtest: the variant NAME is at /qtest/scripts/NAME/{prescript,postscript}.sh.
 */
export function runSandboxedBats(command: readonly string[], variants: Record<string, QuiesceScripts>, timeoutSeconds: number): BatsRun {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quiesce-bats-'));
  const started = Date.now();
  try {
    writeVariants(dir, variants);
    const run = spawnSync('bash', [SANDBOX, '--bind', `${dir}:/qtest`, '--', 'env', 'QTEST_DIR=/qtest', ...command], {
      encoding: 'utf8',
      timeout: timeoutSeconds * 1000,
      killSignal: 'SIGKILL',
      maxBuffer: 64 * 1024 * 1024,
    });
    const tap = `${run.stdout ?? ''}${run.stderr ?? ''}${run.error ? `\n${run.error.message}` : ''}`;
    const results = new Map<string, 'ok' | 'not ok' | 'skip'>();
    for (const m of (run.stdout ?? '').matchAll(/^(ok|not ok) \d+ (.*?)( # skip.*)?$/gm)) {
      results.set(m[2], m[3] ? 'skip' : (m[1] as 'ok' | 'not ok'));
    }
    return { status: run.status, results, tap, seconds: (Date.now() - started) / 1000 };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs run-config.sh in the throwaway root: it starts ENGINE's server in CONFIG once and runs the
 * bats files (names relative to this directory, or absolute) against it.
 */
export function runQuiesceBats(engine: MatrixEngine, config: string, batsFiles: readonly string[], variants: Record<string, QuiesceScripts>, timeoutSeconds: number): BatsRun {
  return runSandboxedBats([`QTEST_ENGINE=${engine}`, 'bash', RUN_CONFIG, engine, config, ...batsFiles.map((f) => path.resolve(__dirname, f))],
    variants, timeoutSeconds);
}

/** The diagnostic lines TAP prints after a failing test (`# ...`), for the failure message. */
export function tapDiagnostics(tap: string, name: string): string {
  const lines = tap.split('\n');
  const start = lines.findIndex((l) => l.startsWith('not ok') && l.includes(name));
  if (start < 0) {
    return tap.slice(-4000);
  }
  const out: string[] = [lines[start]];
  for (const l of lines.slice(start + 1)) {
    if (!l.startsWith('#')) {
      break;
    }
    out.push(l);
  }
  return out.join('\n');
}

/**
 * Declares one jest test per bats test of the files (all run by one `run`, in beforeAll), plus
 * a test that the run as a whole ended well. A skipped bats test fails.
 */
export function describeBatsRun(title: string, batsFiles: readonly string[], run: () => BatsRun, timeoutSeconds: number): void {
  describe(title, () => {
    let result: BatsRun | undefined;
    beforeAll(() => {
      result = run();
      process.stderr.write(`${title}: ${result.seconds.toFixed(0)} s\n`);
    }, (timeoutSeconds + 30) * 1000);

    const names = batsFiles.flatMap((f) => batsTestNames(path.resolve(__dirname, f)).map((n) => [path.basename(f), n] as const));
    it.each(names)('%s: %s', (_file, name) => {
      const outcome = result?.results.get(name);
      if (outcome !== 'ok') {
        throw new Error(`bats test ${outcome ?? 'did not run'}: ${name}\n${tapDiagnostics(result?.tap ?? '', name)}`);
      }
    });

    it('the run ends with status 0', () => {
      expect({ status: result?.status, tail: result?.status === 0 ? '' : result?.tap.slice(-4000) }).toEqual({ status: 0, tail: '' });
    });
  });
}

/**
 * Declares, for each configuration, the tests of its files run by one bats run against one
 * server (describeBatsRun). `variants` gives the pairs a configuration's files use.
 */
export function describeMatrix<O>(
  engine: MatrixEngine,
  configs: readonly MatrixConfig<O>[],
  variants: (config: MatrixConfig<O>) => Record<string, QuiesceScripts>,
  timeoutSeconds: number,
): void {
  for (const config of configs) {
    describeBatsRun(`${engine} ${config.name}: ${config.server}`, config.files,
      () => runQuiesceBats(engine, config.name, config.files, variants(config), timeoutSeconds), timeoutSeconds);
  }
}
