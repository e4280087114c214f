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
 * Renders each script variant into a temporary directory, then runs run-config.sh as root inside
 * the throwaway root (test/harness/sandbox.sh) with that directory bound at /qtest: it starts
 * ENGINE's server in CONFIG once and runs the bats files against it. The variant NAME is at
 * /qtest/scripts/NAME/{prescript,postscript}.sh.
 */
export function runQuiesceBats(engine: MatrixEngine, config: string, batsFiles: readonly string[], variants: Record<string, QuiesceScripts>, timeoutSeconds: number): BatsRun {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quiesce-bats-'));
  const started = Date.now();
  try {
    writeVariants(dir, variants);
    const run = spawnSync('bash', [SANDBOX, '--bind', `${dir}:/qtest`, '--', 'env', 'QTEST_DIR=/qtest', `QTEST_ENGINE=${engine}`,
      'bash', RUN_CONFIG, engine, config, ...batsFiles.map((f) => path.join(__dirname, f))], {
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
 * Declares, for each configuration, one jest test per bats test of its files (all run by one
 * bats run against one server, in beforeAll), plus a test that the run as a whole ended well.
 * A skipped bats test fails. `variants` gives the pairs a configuration's files use.
 */
export function describeMatrix<O>(
  engine: MatrixEngine,
  configs: readonly MatrixConfig<O>[],
  variants: (config: MatrixConfig<O>) => Record<string, QuiesceScripts>,
  timeoutSeconds: number,
): void {
  for (const config of configs) {
    describe(`${engine} ${config.name}: ${config.server}`, () => {
      let run: BatsRun | undefined;
      beforeAll(() => {
        run = runQuiesceBats(engine, config.name, config.files, variants(config), timeoutSeconds);
        process.stderr.write(`quiesce matrix: ${engine} ${config.name} took ${run.seconds.toFixed(0)} s\n`);
      }, (timeoutSeconds + 30) * 1000);

      const names = config.files.flatMap((f) => batsTestNames(path.join(__dirname, f)).map((n) => [f, n] as const));
      it.each(names)('%s: %s', (_file, name) => {
        const result = run?.results.get(name);
        if (result !== 'ok') {
          throw new Error(`bats test ${result ?? 'did not run'}: ${name}\n${tapDiagnostics(run?.tap ?? '', name)}`);
        }
      });

      it('the run ends with status 0', () => {
        expect({ status: run?.status, tail: run?.status === 0 ? '' : run?.tap.slice(-4000) }).toEqual({ status: 0, tail: '' });
      });
    });
  }
}
