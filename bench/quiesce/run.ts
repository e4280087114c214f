/**
 * `npm run bench:quiesce [-- --windows N] [-- ENGINE...]`: for each engine (mysql, postgresql,
 * redis), one write load on a server of the test matrix and N windows (default 30) of the
 * plugin's sequence (prescript, freeze, block-level copy, thaw, postscript) with each approach,
 * side by side: our pairs, a hold taken by a connection of the benchmark itself (the floor), a
 * freeze only, and the common one-shot prescript. The copies of the last round are started and
 * checked. Writes bench/results/quiesce.json and bench/results/quiesce.md, and (when every
 * engine ran) the tables of docs/quiesce-scripts.md and of the README, from the results file.
 *
 * The write stall overhead of a window is the worst latency of a write that overlapped it (from
 * the prescript's start to the postscript's end) minus the time the file system was frozen:
 * what the quiesce scripts add to the stall a freeze causes anyway.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MysqlLockMode, QuiesceScripts } from '../../lib/quiesce-scripts';
import { MATRIX } from '../../test/integration/quiesce/configs';
import { writeVariants } from '../../test/integration/quiesce/run-bats';
import { benchEnvironment } from '../environment';
import {
  ApproachResult, DOCS_BEGIN, DOCS_END, EngineResult, QuiesceBenchReport, README_BEGIN, README_END, WindowResult,
  distribution, engineTables, percentile, readmeTable, replaceBetween, resultsMarkdown, round1,
} from './report';

const REPO = path.resolve(__dirname, '..', '..');
const RESULTS_DIR = path.join(REPO, 'bench', 'results');
const DOCS_FILE = path.join(REPO, 'docs', 'quiesce-scripts.md');
const README_FILE = path.join(REPO, 'README.md');
/** No write waits longer than this: the overlap search looks back that far. */
const MAX_LATENCY_US = 30_000_000;

type Engine = 'mysql' | 'postgresql' | 'redis';

interface EngineBench {
  readonly engine: Engine;
  readonly title: string;
  /** The configuration of the test matrix the server runs in. */
  readonly config: string;
  /** Our variants, by name: the approach `ours-<name>` runs them. */
  readonly variants: () => Record<string, QuiesceScripts>;
  readonly approaches: readonly string[];
  readonly descriptions: Record<string, string>;
}

function pairOf(engine: Engine, config: string): object {
  const found = MATRIX[engine].find((c) => c.name === config);
  if (!found) {
    throw new Error(`no configuration ${config} of ${engine}`);
  }
  return found.pair;
}

const ENGINES: readonly EngineBench[] = [
  {
    engine: 'mysql',
    title: 'MariaDB (sysbench transfers, 2 threads)',
    config: 'binlog',
    variants: () => ({
      ftwrl: QuiesceScripts.mysql(pairOf('mysql', 'binlog')),
      'backup-stage': QuiesceScripts.mysql({ ...pairOf('mysql', 'binlog'), lockMode: MysqlLockMode.BACKUP_STAGE }),
      clean: QuiesceScripts.mysql({ ...pairOf('mysql', 'binlog'), clean: true }),
    }),
    approaches: ['ours-ftwrl', 'ours-backup-stage', 'ours-clean', 'floor', 'freeze-only', 'one-shot'],
    descriptions: {
      'ours-ftwrl': '`QuiesceScripts.mysql()`',
      'ours-backup-stage': '`QuiesceScripts.mysql({ lockMode: BACKUP_STAGE })`',
      'ours-clean': '`QuiesceScripts.mysql({ clean: true })`',
      floor: '`FLUSH TABLES WITH READ LOCK` / `UNLOCK TABLES` from an open connection',
      'freeze-only': 'no scripts',
      'one-shot': "`mysql -e 'FLUSH TABLES WITH READ LOCK'`",
    },
  },
  {
    engine: 'postgresql',
    title: 'PostgreSQL (pgbench -n, 2 clients)',
    config: 'archive',
    variants: () => ({
      checkpoint: QuiesceScripts.postgresql(pairOf('postgresql', 'archive')),
      strict: QuiesceScripts.postgresql({ ...pairOf('postgresql', 'archive'), strict: true, backupLabelDir: '/run/qtest/labels' }),
    }),
    approaches: ['ours-checkpoint', 'ours-strict', 'floor', 'freeze-only', 'one-shot'],
    descriptions: {
      'ours-checkpoint': '`QuiesceScripts.postgresql()`',
      'ours-strict': '`QuiesceScripts.postgresql({ strict: true })`',
      floor: '`pg_backup_start` / `pg_backup_stop(false)` from an open connection',
      'freeze-only': 'no scripts',
      'one-shot': "`psql -c \"SELECT pg_backup_start('one-shot', true)\"`",
    },
  },
  {
    engine: 'redis',
    title: 'Redis (one-connection SET/INCR loop, append-only file on)',
    config: 'aof',
    variants: () => ({ pause: QuiesceScripts.redis(pairOf('redis', 'aof')) }),
    approaches: ['ours-pause', 'floor', 'freeze-only', 'one-shot'],
    descriptions: {
      'ours-pause': '`QuiesceScripts.redis()`',
      floor: '`CLIENT PAUSE` / `CLIENT UNPAUSE` from an open connection',
      'freeze-only': 'no scripts',
      'one-shot': '`redis-cli BGSAVE`',
    },
  },
];

interface WindowLine {
  readonly approach: string;
  readonly round: number;
  readonly latencyLog: string;
  readonly preStatus: number;
  readonly postStatus: number;
  readonly startUs: number;
  readonly endUs: number;
  readonly preMs: number;
  readonly frozenMs: number;
  readonly postMs: number;
}

/** [start, latency] of every write of one load run, in microseconds, ordered by start. */
function readLatencies(dir: string, run: string, engine: Engine): Array<[number, number]> {
  const ops: Array<[number, number]> = [];
  for (const file of fs.readdirSync(dir).filter((f) => f === run || f.startsWith(`${run}.`))) {
    for (const line of fs.readFileSync(path.join(dir, file), 'utf8').split('\n')) {
      const f = line.trim().split(/\s+/).map(Number);
      if (engine !== 'postgresql' && f.length === 2 && !f.some(Number.isNaN)) {
        ops.push([f[0], f[1]]);
      } else if (engine === 'postgresql' && f.length >= 6 && !f.some(Number.isNaN)) {
        // client_id transaction_no latency_us script_no end_epoch end_us: the end, not the start.
        ops.push([f[4] * 1_000_000 + f[5] - f[2], f[2]]);
      }
    }
  }
  return ops.sort((a, b) => a[0] - b[0]);
}

/** The first index whose start is at least `us`. */
function lowerBound(ops: Array<[number, number]>, us: number): number {
  let lo = 0;
  let hi = ops.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ops[mid][0] < us) lo = mid + 1; else hi = mid;
  }
  return lo;
}

function windowResult(line: WindowLine, ops: Array<[number, number]>): WindowResult {
  let worst = 0;
  let count = 0;
  for (let i = lowerBound(ops, line.startUs - MAX_LATENCY_US); i < ops.length && ops[i][0] <= line.endUs; i++) {
    const [s, l] = ops[i];
    if (s + l >= line.startUs) {
      count++;
      worst = Math.max(worst, l);
    }
  }
  return {
    round: line.round,
    prescriptExit: line.preStatus,
    postscriptExit: line.postStatus,
    prescriptMs: line.preMs,
    postscriptMs: line.postMs,
    frozenMs: line.frozenMs,
    windowMs: round1((line.endUs - line.startUs) / 1000),
    writesInWindow: count,
    worstWriteInWindowMs: round1(worst / 1000),
    writeStallOverheadMs: round1(worst / 1000 - line.frozenMs),
  };
}

function verdict(engine: Engine, approach: string, record: Record<string, unknown>, copy: Record<string, unknown>): string {
  if (copy.error) {
    return `not checked: ${copy.error}`;
  }
  if (engine === 'mysql') {
    const binlog = copy.binlogEndsAtRecordedPosition === null ? '' : `; binlog ends at the recorded position: ${copy.binlogEndsAtRecordedPosition ? 'yes' : 'NO'}`;
    return `${copy.consistent ? 'consistent' : 'INCONSISTENT'} (CHECK TABLE ${copy.checkTable}, invariant ${copy.invariant ? 'held' : 'BROKEN'}); ` +
      `${copy.rolledBackTransactions} transaction(s) rolled back; redo recovery: ${copy.redoRecovery ? 'yes' : 'no'}${binlog}`;
  }
  if (engine === 'postgresql') {
    const mib = Number(copy.walReplayedBytes) / 1048576;
    return `${copy.consistent ? 'consistent' : 'INCONSISTENT'} (balances ${copy.consistent ? 'agree' : 'DISAGREE'}); ` +
      `${copy.recovery === 'backup-label' ? 'archive recovery from the backup label' : 'crash recovery'}, ${mib.toFixed(1)} MiB of WAL replayed`;
  }
  if (copy.commands === null) {
    return 'INCONSISTENT: the data is no prefix of the writes';
  }
  const missing = Number(record.ackedBeforeFreeze) - Number(copy.commands);
  if (approach.startsWith('ours') && copy.consistent && missing === 0) {
    return 'exactly the state at the pause: every write answered before the freeze';
  }
  return missing > 0 ? `a consistent prefix, but ${missing} write(s) answered before the freeze are missing` : 'a consistent prefix of the writes';
}

function summarize(bench: EngineBench, dir: string): EngineResult {
  const lines = fs.readFileSync(path.join(dir, `${bench.engine}.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as WindowLine);
  const copies = fs.readFileSync(path.join(dir, `${bench.engine}-copies.jsonl`), 'utf8').trim().split('\n')
    .map((l) => JSON.parse(l) as { approach: string; record: Record<string, unknown>; copy: Record<string, unknown> });
  const latDir = path.join(dir, `${bench.engine}-lat`);
  const runs = [...new Set(lines.map((l) => l.latencyLog))];
  const opsByRun = new Map(runs.map((r) => [r, readLatencies(latDir, r, bench.engine)]));
  const windows = lines.map((l) => ({ approach: l.approach, result: windowResult(l, opsByRun.get(l.latencyLog) ?? []) }));
  // The load's own latency: every write outside the windows.
  const outside: number[] = [];
  for (const [run, ops] of opsByRun) {
    const spans = lines.filter((l) => l.latencyLog === run).map((l) => [l.startUs, l.endUs]);
    for (const [s, lat] of ops) {
      if (!spans.some(([a, b]) => s <= b && s + lat >= a)) outside.push(lat / 1000);
    }
  }
  outside.sort((a, b) => a - b);
  const approaches: ApproachResult[] = bench.approaches.map((approach) => {
    const own = windows.filter((w) => w.approach === approach).map((w) => w.result);
    const copy = copies.find((c) => c.approach === approach) ?? { record: {}, copy: { error: 'no copy was kept' } };
    return {
      approach,
      description: bench.descriptions[approach],
      windows: own,
      writeStallOverheadMs: distribution(own.map((w) => w.writeStallOverheadMs)),
      prescriptMs: approach === 'freeze-only' ? null : distribution(own.map((w) => w.prescriptMs)),
      postscriptMs: approach.startsWith('ours') || approach === 'floor' ? distribution(own.map((w) => w.postscriptMs)) : null,
      frozenMs: distribution(own.map((w) => w.frozenMs)),
      failedWindows: own.filter((w) => w.prescriptExit !== 0 || w.postscriptExit !== 0).length,
      copy: { record: copy.record, check: copy.copy },
      verdict: verdict(bench.engine, approach, copy.record, copy.copy),
    };
  });
  return {
    engine: bench.engine,
    title: bench.title,
    config: bench.config,
    p99WriteOutsideWindowsMs: round1(percentile(outside, 99)),
    approaches,
  };
}

function parseArgs(argv: readonly string[]): { windows: number; engines: EngineBench[] } {
  let windows = 30;
  const names: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--windows') {
      windows = Number(argv[++i]);
      if (!Number.isInteger(windows) || windows < 1) {
        throw new Error(`--windows must be a positive integer, got ${argv[i]}`);
      }
    } else {
      names.push(argv[i]);
    }
  }
  const engines = ENGINES.filter((e) => names.length === 0 || names.includes(e.engine));
  if (engines.length === 0 || names.some((n) => !ENGINES.some((e) => e.engine === n))) {
    throw new Error(`no such engine: ${names.join(', ')} (mysql, postgresql, redis)`);
  }
  return { windows, engines };
}

function main(): void {
  const { windows, engines: selected } = parseArgs(process.argv.slice(2));
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'quiesce-bench-'));
  try {
    fs.mkdirSync(path.join(work, 'results'));
    const engines: EngineResult[] = [];
    for (const bench of selected) {
      const variants = Object.fromEntries(Object.entries(bench.variants()).map(([name, s]) => [`${bench.engine}-${name}`, s]));
      writeVariants(work, variants);
      const started = Date.now();
      const run = spawnSync('bash', [
        path.join(REPO, 'test', 'harness', 'sandbox.sh'), '--bind', `${work}:/qtest`, '--',
        'bash', path.join(REPO, 'bench', 'quiesce', 'bench.sh'), bench.engine, bench.config, String(windows), ...bench.approaches,
      ], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 7200_000, killSignal: 'SIGKILL' });
      if (run.status !== 0) {
        throw new Error(`the ${bench.engine} benchmark failed (exit ${run.status ?? run.signal})`);
      }
      process.stderr.write(`bench: ${bench.engine} took ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
      engines.push(summarize(bench, path.join(work, 'results')));
    }
    const report: QuiesceBenchReport = { generatedAt: new Date().toISOString(), environment: benchEnvironment(), windowsPerApproach: windows, engines };
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    fs.writeFileSync(path.join(RESULTS_DIR, 'quiesce.json'), `${JSON.stringify(report, null, 2)}\n`);
    const text = resultsMarkdown(report);
    fs.writeFileSync(path.join(RESULTS_DIR, 'quiesce.md'), text);
    if (selected.length === ENGINES.length) {
      writeTables(report);
    }
    process.stdout.write(text);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** The tables of the docs and of the README, from the report. */
export function writeTables(report: QuiesceBenchReport): void {
  fs.writeFileSync(DOCS_FILE, replaceBetween(fs.readFileSync(DOCS_FILE, 'utf8'), DOCS_BEGIN, DOCS_END, engineTables(report, '###'), DOCS_FILE));
  fs.writeFileSync(README_FILE, replaceBetween(fs.readFileSync(README_FILE, 'utf8'), README_BEGIN, README_END, readmeTable(report), README_FILE));
}

if (require.main === module) {
  main();
}
