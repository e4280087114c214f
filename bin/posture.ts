#!/usr/bin/env node
/**
 * `npm run posture`: writes a report of what a posture protects (posture.json, posture.md) and,
 * given the JSON report of an earlier run, the difference (posture-diff.md, posture-diff.json)
 * for a pull-request comment. Everything is computed before anything is written: on any error
 * it prints one line on stderr, exits non-zero and leaves the output directory as it was.
 * See docs/posture-report.md.
 */
import * as fs from 'fs';
import * as path from 'path';
import { loadPostureFile } from '../lib/posture/loader';
import { buildPostureReport, stableJson } from '../lib/posture/report';
import { diffReports, parsePreviousReport, renderDiffMarkdown } from '../lib/posture/report-diff';
import { renderReportMarkdown } from '../lib/posture/report-markdown';

const DEFAULT_POSTURE = 'templates/posture/example.posture.yaml';
const DEFAULT_OUT = 'posture-report';

const USAGE = `usage: npm run posture -- [--posture FILE] [--out DIR] [--previous OLD.json] [--now ISO-8601]
  --posture FILE      the posture file (default: $APP_SNAPSHOT_CONFIG, else ${DEFAULT_POSTURE})
  --out DIR           where posture.json and posture.md go (default: ${DEFAULT_OUT}/)
  --previous FILE     an earlier posture.json: also write posture-diff.md and posture-diff.json
  --now INSTANT       count the next run times from this instant, e.g. 2024-03-08T12:00:00Z (default: now)`;

/** A wrong command line: exit status 2. */
class UsageError extends Error {}

interface Args {
  readonly posture?: string;
  readonly out?: string;
  readonly previous?: string;
  readonly now?: string;
  readonly help?: boolean;
}

const OPTIONS = ['posture', 'out', 'previous', 'now'] as const;

function parseArgs(argv: readonly string[]): Args {
  const args: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      args.help = true;
      continue;
    }
    const m = /^--([a-z]+)(?:=(.*))?$/.exec(arg);
    const name = m?.[1] as (typeof OPTIONS)[number] | undefined;
    if (!m || !OPTIONS.includes(name!)) {
      throw new UsageError(`unknown argument ${JSON.stringify(arg)}`);
    }
    const value = m[2] ?? argv[++i];
    if (value === undefined || value === '') {
      throw new UsageError(`--${name} needs a value`);
    }
    if (args[name!] !== undefined) {
      throw new UsageError(`--${name} given twice`);
    }
    args[name!] = value;
  }
  return args as Args;
}

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** `--now`: an ISO-8601 instant with its offset (a local time without one would be ambiguous). */
function parseNow(text: string): Date {
  const m = INSTANT.exec(text);
  const date = new Date(text);
  const dayExists = m !== null && new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])).getUTCDate() === +m[3];
  if (!m || !dayExists || Number.isNaN(date.getTime())) {
    throw new UsageError(`--now must be an ISO-8601 instant with a time zone, such as 2024-03-08T12:00:00Z or 2024-03-08T20:00:00+08:00, got ${JSON.stringify(text)}`);
  }
  return date;
}

/** An error as one line: its first line, and the listed problems of a failed synthesis. */
function oneLine(message: string): string {
  const [first, ...rest] = message.split('\n');
  return [first, ...rest.filter((l) => l.startsWith('- '))].join(' ');
}

function main(argv: readonly string[]): number {
  try {
    const args = parseArgs(argv);
    if (args.help) {
      console.log(USAGE);
      return 0;
    }
    const postureFile = args.posture ?? process.env.APP_SNAPSHOT_CONFIG ?? DEFAULT_POSTURE;
    const useExample = args.posture === undefined && process.env.APP_SNAPSHOT_CONFIG === undefined;
    if (useExample) {
      console.log(`no --posture or APP_SNAPSHOT_CONFIG: reporting the example posture ${DEFAULT_POSTURE}`);
    }
    const out = args.out ?? DEFAULT_OUT;
    const now = args.now !== undefined ? parseNow(args.now) : new Date();
    // The previous report is checked before the (slower) synthesis.
    let previousText: string | undefined;
    if (args.previous !== undefined) {
      try {
        previousText = fs.readFileSync(args.previous, 'utf8');
      } catch {
        throw new Error(`previous report ${args.previous}: cannot be read`);
      }
    }
    const previous = previousText === undefined ? undefined : parsePreviousReport(previousText, args.previous!);
    // The example is the package's own file, found from any working directory.
    const posture = loadPostureFile(useExample ? path.join(__dirname, '..', DEFAULT_POSTURE) : postureFile);
    const report = buildPostureReport(posture, { now, nowSource: args.now !== undefined ? 'option' : 'clock', postureFile });
    const files: Record<string, string> = {
      'posture.json': stableJson(report),
      'posture.md': renderReportMarkdown(report),
    };
    const diff = previous === undefined ? undefined : diffReports(previous, report);
    if (diff) {
      files['posture-diff.json'] = stableJson(diff);
      files['posture-diff.md'] = renderDiffMarkdown(diff);
    }
    fs.mkdirSync(out, { recursive: true });
    for (const [name, text] of Object.entries(files)) {
      fs.writeFileSync(path.join(out, name), text);
    }
    if (!diff) {
      // A diff left by an earlier run would not belong to this report.
      for (const stale of ['posture-diff.json', 'posture-diff.md']) fs.rmSync(path.join(out, stale), { force: true });
    }
    console.log(`reported ${report.groups.length} group(s) of posture ${report.postureName} from ${postureFile}:`);
    for (const name of Object.keys(files)) console.log(`  ${path.join(out, name)}`);
    if (diff) console.log(`changes: ${diff.summary}`);
    return 0;
  } catch (e) {
    const usage = e instanceof UsageError;
    console.error(`error: ${oneLine((e as Error).message)}${usage ? ' (see --help)' : ''}`);
    return usage ? 2 : 1;
  }
}

process.exitCode = main(process.argv.slice(2));
