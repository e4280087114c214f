/**
 * `npm run bench:quiesce [-- ENGINE...]`: for each engine (mysql, postgresql, redis), the same
 * write load and the plugin's sequence (prescript, freeze, block-level copy, thaw, postscript)
 * with our pair, with a freeze only, and with the common one-shot prescript; the copy of each is
 * started and checked. Writes bench/results/quiesce.json and bench/results/quiesce.md.
 *
 * The write stall overhead is the worst latency of a write that overlapped the window (from
 * the prescript's start to the postscript's end) minus the time the file system was frozen:
 * what the quiesce scripts add to the stall a freeze causes anyway.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MysqlLockMode, QuiesceScripts } from '../../lib/quiesce-scripts';

const REPO = path.resolve(__dirname, '..', '..');
const RESULTS_DIR = path.join(REPO, 'bench', 'results');
/** The user documentation shows the tables between these two lines. */
const DOCS_FILE = path.join(REPO, 'docs', 'quiesce-scripts.md');
const DOCS_BEGIN = '<!-- quiesce-benchmark: written by npm run bench:quiesce -->';
const DOCS_END = '<!-- /quiesce-benchmark -->';

interface EngineBench {
  readonly engine: 'mysql' | 'postgresql' | 'redis';
  readonly title: string;
  /** Our variants, by name: the approach `ours-<name>` runs them. */
  readonly variants: Record<string, QuiesceScripts>;
  readonly approaches: readonly string[];
  readonly oneShot: string;
  readonly latencyFormat: 'start-latency' | 'pgbench';
}

const ENGINES: readonly EngineBench[] = [
  {
    engine: 'mysql',
    title: 'MariaDB (sysbench transfers, 2 threads)',
    variants: {
      ftwrl: QuiesceScripts.mysql({ socket: '/run/qtest/m1.sock' }),
      'backup-stage': QuiesceScripts.mysql({ socket: '/run/qtest/m1.sock', lockMode: MysqlLockMode.BACKUP_STAGE }),
      clean: QuiesceScripts.mysql({ socket: '/run/qtest/m1.sock', clean: true }),
    },
    approaches: ['ours-ftwrl', 'ours-backup-stage', 'ours-clean', 'freeze-only', 'one-shot'],
    oneShot: "mysql -e 'FLUSH TABLES WITH READ LOCK'",
    latencyFormat: 'start-latency',
  },
  {
    engine: 'postgresql',
    title: 'PostgreSQL (pgbench -n, 2 clients)',
    variants: {
      checkpoint: QuiesceScripts.postgresql({ host: '/run/qtest', port: 5433 }),
      strict: QuiesceScripts.postgresql({ host: '/run/qtest', port: 5433, strict: true, backupLabelDir: '/run/qtest/labels' }),
    },
    approaches: ['ours-checkpoint', 'ours-strict', 'freeze-only', 'one-shot'],
    oneShot: "psql -c \"SELECT pg_backup_start('one-shot', true)\"",
    latencyFormat: 'pgbench',
  },
  {
    engine: 'redis',
    title: 'Redis (one-connection SET/INCR loop, append-only file on)',
    variants: { pause: QuiesceScripts.redis({ port: 6390 }) },
    approaches: ['ours-pause', 'freeze-only', 'one-shot'],
    oneShot: 'redis-cli BGSAVE',
    latencyFormat: 'start-latency',
  },
];

interface CycleLine {
  engine: string;
  approach: string;
  latencyLog: string;
  preStatus: number;
  postStatus: number;
  startUs: number;
  endUs: number;
  preMs: number;
  frozenMs: number;
  postMs: number;
  copy: Record<string, unknown>;
}

/** [start, latency] of every write, in microseconds. */
function readLatencies(dir: string, prefix: string, format: EngineBench['latencyFormat']): Array<[number, number]> {
  const ops: Array<[number, number]> = [];
  for (const file of fs.readdirSync(dir).filter((f) => f.startsWith(prefix))) {
    for (const line of fs.readFileSync(path.join(dir, file), 'utf8').split('\n')) {
      const f = line.trim().split(/\s+/).map(Number);
      if (format === 'start-latency' && f.length === 2 && !f.some(Number.isNaN)) {
        ops.push([f[0], f[1]]);
      } else if (format === 'pgbench' && f.length >= 6 && !f.some(Number.isNaN)) {
        // client_id transaction_no latency_us script_no end_epoch end_us: the end, not the start.
        const end = f[4] * 1_000_000 + f[5];
        ops.push([end - f[2], f[2]]);
      }
    }
  }
  return ops;
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}

const round = (v: number) => Math.round(v * 10) / 10;

function verdict(engine: string, copy: Record<string, unknown>): string {
  if (copy.error) {
    return `not checked: ${copy.error}`;
  }
  if (engine === 'mysql') {
    const binlog = copy.binlogEndsAtRecordedPosition === null ? '' : `, binlog ends at the recorded position: ${copy.binlogEndsAtRecordedPosition ? 'yes' : 'NO'}`;
    return `${copy.consistent ? 'consistent' : 'INCONSISTENT'} (CHECK TABLE ${copy.checkTable}, invariant ${copy.invariant ? 'held' : 'BROKEN'}); ` +
      `${copy.rolledBackTransactions} transaction(s) rolled back; redo recovery: ${copy.redoRecovery ? 'yes' : 'no'}${binlog}`;
  }
  if (engine === 'postgresql') {
    const mib = Number(copy.walReplayedBytes) / 1048576;
    return `${copy.consistent ? 'consistent' : 'INCONSISTENT'} (balances ${copy.consistent ? 'agree' : 'DISAGREE'}); ` +
      `${copy.recovery === 'backup-label' ? 'archive recovery from the backup label' : 'crash recovery'}, ${mib.toFixed(1)} MiB of WAL replayed`;
  }
  return copy.consistent
    ? `equals the state at the pause (${copy.keys} keys)`
    : `loads ${copy.keys} keys, but no known state to compare with: it differs from the state just before the freeze`;
}

function summarize(bench: EngineBench, line: CycleLine, dir: string) {
  const ops = readLatencies(dir, line.latencyLog, bench.latencyFormat);
  const inWindow = ops.filter(([s, l]) => s <= line.endUs && s + l >= line.startUs).map(([, l]) => l);
  const outside = ops.filter(([s, l]) => s > line.endUs || s + l < line.startUs).map(([, l]) => l).sort((a, b) => a - b);
  const worstMs = inWindow.length > 0 ? Math.max(...inWindow) / 1000 : 0;
  return {
    approach: line.approach,
    prescript: line.approach === 'one-shot' ? bench.oneShot : line.approach.startsWith('ours-') ? `QuiesceScripts.${bench.engine}() ${line.approach.slice(5)}` : 'none',
    prescriptExit: line.preStatus,
    postscriptExit: line.postStatus,
    prescriptMs: line.approach === 'freeze-only' ? null : round(line.preMs),
    postscriptMs: line.approach.startsWith('ours-') ? round(line.postMs) : null,
    frozenMs: round(line.frozenMs),
    windowMs: round((line.endUs - line.startUs) / 1000),
    writes: ops.length,
    writesInWindow: inWindow.length,
    worstWriteInWindowMs: round(worstMs),
    writeStallOverheadMs: round(worstMs - line.frozenMs),
    p99WriteOutsideWindowMs: round(percentile(outside, 99) / 1000),
    copy: line.copy,
    verdict: verdict(bench.engine, line.copy),
  };
}

function versions(): Record<string, string> {
  const first = (cmd: string, args: string[]) => (spawnSync(cmd, args, { encoding: 'utf8' }).stdout ?? '').split('\n')[0].trim();
  const pgBin = fs.readdirSync('/usr/lib/postgresql').sort().pop();
  return {
    mariadb: first('mariadbd', ['--version']),
    postgresql: first(`/usr/lib/postgresql/${pgBin}/bin/postgres`, ['--version']),
    redis: first('redis-server', ['--version']),
    sysbench: first('sysbench', ['--version']),
    kernel: os.release(),
    cpus: `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'unknown'}`,
  };
}

/** Puts the tables into the documentation, between its markers, when all engines ran. */
function updateDocs(tables: string): void {
  const docs = fs.readFileSync(DOCS_FILE, 'utf8');
  const begin = docs.indexOf(DOCS_BEGIN);
  const end = docs.indexOf(DOCS_END);
  if (begin < 0 || end < begin) {
    throw new Error(`${DOCS_FILE}: the markers ${DOCS_BEGIN} and ${DOCS_END} are missing`);
  }
  fs.writeFileSync(DOCS_FILE, `${docs.slice(0, begin + DOCS_BEGIN.length)}\n${tables}\n${docs.slice(end)}`);
}

function markdown(report: { generatedAt: string; environment: Record<string, string>; engines: Array<{ title: string; runs: Array<ReturnType<typeof summarize>> }> }): string {
  const lines = [
    '# Quiesce benchmark',
    '',
    `Generated by \`npm run bench:quiesce\` at ${report.generatedAt} on ${report.environment.cpus}, kernel ${report.environment.kernel}.`,
    'One run per row: the same write load, then prescript, freeze, block-level copy (`cp --reflink` of the',
    'loop image), thaw, postscript; the copy is then started and checked. All times in milliseconds.',
    '*Write stall overhead* = the worst latency of a write overlapping the window (prescript start to',
    'postscript end) minus the time the file system was frozen.',
    '',
  ];
  for (const e of report.engines) {
    lines.push(`## ${e.title}`, '');
    lines.push('| approach | prescript | postscript | frozen | worst write in window | write stall overhead | p99 write outside | restored copy |');
    lines.push('|---|---:|---:|---:|---:|---:|---:|---|');
    for (const r of e.runs) {
      const exit = r.prescriptExit !== 0 || r.postscriptExit !== 0 ? ` (exit ${r.prescriptExit}/${r.postscriptExit})` : '';
      const ms = (v: number | null) => (v === null ? '–' : String(v));
      lines.push(`| ${r.approach}: \`${r.prescript}\`${exit} | ${ms(r.prescriptMs)} | ${ms(r.postscriptMs)} | ${r.frozenMs} | ${r.worstWriteInWindowMs} | ${r.writeStallOverheadMs} | ${r.p99WriteOutsideWindowMs} | ${r.verdict} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

function main(): void {
  const only = process.argv.slice(2);
  const selected = ENGINES.filter((e) => only.length === 0 || only.includes(e.engine));
  if (selected.length === 0) {
    throw new Error(`no such engine: ${only.join(', ')} (mysql, postgresql, redis)`);
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'quiesce-bench-'));
  try {
    fs.mkdirSync(path.join(work, 'results'));
    const engines = [];
    for (const bench of selected) {
      for (const [name, scripts] of Object.entries(bench.variants)) {
        const pair = scripts.render();
        const dir = path.join(work, 'scripts', `${bench.engine}-${name}`);
        fs.mkdirSync(dir, { recursive: true });
        fs.writeFileSync(path.join(dir, 'prescript.sh'), pair.prescript, { mode: 0o700 });
        fs.writeFileSync(path.join(dir, 'postscript.sh'), pair.postscript, { mode: 0o700 });
      }
      const run = spawnSync('bash', [
        path.join(REPO, 'test', 'harness', 'sandbox.sh'), '--bind', `${work}:/qtest`, '--',
        'bash', path.join(REPO, 'bench', 'quiesce', 'bench.sh'), bench.engine, ...bench.approaches,
      ], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 1200_000, killSignal: 'SIGKILL' });
      if (run.status !== 0) {
        throw new Error(`the ${bench.engine} benchmark failed (exit ${run.status ?? run.signal})`);
      }
      const results = path.join(work, 'results');
      const cycleLines = fs.readFileSync(path.join(results, `${bench.engine}.jsonl`), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as CycleLine);
      engines.push({ engine: bench.engine, title: bench.title, runs: cycleLines.map((l) => summarize(bench, l, results)) });
    }
    const report = { generatedAt: new Date().toISOString(), environment: versions(), engines };
    fs.mkdirSync(RESULTS_DIR, { recursive: true });
    fs.writeFileSync(path.join(RESULTS_DIR, 'quiesce.json'), `${JSON.stringify(report, null, 2)}\n`);
    const text = markdown(report);
    fs.writeFileSync(path.join(RESULTS_DIR, 'quiesce.md'), text);
    if (selected.length === ENGINES.length) {
      updateDocs(text.slice(text.indexOf('\n## ') + 1).replace(/^## /gm, '### '));
    }
    process.stdout.write(text);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main();
