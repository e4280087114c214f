/**
 * A consistent copy of a real MariaDB, PostgreSQL or Redis server under write load, made the way
 * the plugin makes a snapshot (prescript, freeze, block-level copy, thaw, postscript) by
 * make-copy.sh in the throwaway root, for tests that need one (restore drills). The copy is
 * checked before it is handed over: a server was started on it and its data verified.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MysqlQuiesceOptions, PostgresqlQuiesceOptions, QuiesceScripts, RedisQuiesceOptions } from '../../../lib/quiesce-scripts';
import { MATRIX, MatrixEngine } from './configs';
import { REPO_ROOT, writeVariants } from './run-bats';

/** What produceConsistentCopy leaves in its directory. */
export interface ConsistentCopy {
  /** The directory: disk.img, copy.json, check.json and the engine's files. */
  readonly dir: string;
  /** The frozen copy of the data file system (an XFS image); the data directory is `record.dataDir` in it. */
  readonly disk: string;
  /** copy.json: the engine, configuration, server version, the pair's exit statuses and times, and what a check needs. */
  readonly record: Record<string, unknown>;
  /** check.json: the verdict of the server started on the copy. */
  readonly check: Record<string, unknown>;
}

/**
 * Starts ENGINE's server in the matrix configuration CONFIG (see configs.ts), runs its load and
 * the configuration's pair (with `options` added, e.g. `{ strict: true }`), and leaves the copy in
 * DEST. Throws when the pair failed or the copy is not consistent.
 */
export function produceConsistentCopy(engine: MatrixEngine, config: string, dest: string, options: object = {}): ConsistentCopy {
  const found = MATRIX[engine].find((c) => c.name === config);
  if (!found) {
    throw new Error(`no configuration ${config} of ${engine} (configs.ts)`);
  }
  const pair = { ...found.pair, ...options };
  const scripts = engine === 'mysql' ? QuiesceScripts.mysql(pair as MysqlQuiesceOptions)
    : engine === 'postgresql' ? QuiesceScripts.postgresql(pair as PostgresqlQuiesceOptions)
      : QuiesceScripts.redis(pair as RedisQuiesceOptions);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'quiesce-copy-'));
  try {
    writeVariants(work, { base: scripts });
    fs.mkdirSync(dest, { recursive: true });
    const run = spawnSync('bash', [path.join(REPO_ROOT, 'test', 'harness', 'sandbox.sh'), '--bind', `${work}:/qtest`, '--bind', `${path.resolve(dest)}:/dest`, '--',
      'env', 'QTEST_DIR=/qtest', `QTEST_ENGINE=${engine}`, 'bash', path.join(__dirname, 'make-copy.sh'), engine, config, '/dest'], {
      encoding: 'utf8', timeout: 300_000, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024,
    });
    if (run.status !== 0) {
      throw new Error(`make-copy.sh ${engine} ${config} failed (${run.status ?? run.signal}):\n${(run.stdout ?? '') + (run.stderr ?? '')}`.slice(-6000));
    }
    return {
      dir: dest,
      disk: path.join(dest, 'disk.img'),
      record: JSON.parse(fs.readFileSync(path.join(dest, 'copy.json'), 'utf8')),
      check: JSON.parse(fs.readFileSync(path.join(dest, 'check.json'), 'utf8')),
    };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
