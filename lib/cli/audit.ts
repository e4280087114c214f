/**
 * `audit`: what the account really holds for a posture, written as audit.json and audit.md, and
 * an exit status for CI. See docs/audit.md.
 */
import * as fs from 'fs';
import * as path from 'path';
import { AuditApiError, EcsAccountReader, RetryPolicy, auditPolicyDocument } from '../audit/account';
import { DEFAULT_IN_PROGRESS_HOURS, evaluateAudit } from '../audit/evaluate';
import { renderAuditMarkdown } from '../audit/report-markdown';
import { loadPostureFile } from '../posture/loader';
import { stableJson } from '../posture/report';
import { REGION_ID_PATTERN } from '../policy-scope';
import { ValidationError } from '../validation';

/** The audit's exit statuses. */
export const AUDIT_EXIT = {
  /** Every group complies. */
  COMPLIANT: 0,
  /** The audit ran and found something (the files are written). */
  FINDINGS: 1,
  /** A wrong command line, or a posture file the loader refuses: nothing was read, nothing written. */
  USAGE: 2,
  /** The ECS API could not be read (credentials, permission, throttling, region, endpoint): nothing written. */
  API_ERROR: 3,
} as const;

const DEFAULT_OUT = 'audit-report';

export const AUDIT_USAGE = `usage: audit [--posture FILE] [--region REGION] [--out DIR] [--now INSTANT] [--in-progress-hours N] [--endpoint URL]
       audit --policy
  --posture FILE          the posture file (default: $APP_SNAPSHOT_CONFIG)
  --region REGION         the region to read (default: the posture's account.region, else $ALIBABA_CLOUD_REGION_ID)
  --out DIR               where audit.json and audit.md go (default: ${DEFAULT_OUT}/)
  --now INSTANT           judge ages at this instant, e.g. 2024-03-08T12:00:00Z (default: now)
  --in-progress-hours N   a snapshot group in progress longer than this is a finding (default: ${DEFAULT_IN_PROGRESS_HOURS})
  --endpoint URL          the ECS endpoint, e.g. http://127.0.0.1:8080 (default: https://ecs.<region>.aliyuncs.com)
  --policy                print the read-only RAM policy the audit needs, and exit
Credentials: the Alibaba Cloud credential chain (ALIBABA_CLOUD_ACCESS_KEY_ID and
ALIBABA_CLOUD_ACCESS_KEY_SECRET, the aliyun CLI's ~/.aliyun/config.json, an instance RAM role).
Exit status: 0 every group complies, 1 findings, 2 wrong command line or posture file,
3 the ECS API could not be read (credentials, permission, throttling, region, endpoint).`;

/** Where the command writes, and what it takes from its environment. */
export interface AuditIo {
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
  /** The variables it reads (APP_SNAPSHOT_CONFIG, ALIBABA_CLOUD_REGION_ID). The credential chain reads the process's own. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The clock. */
  readonly now: () => Date;
  /** How throttled calls are retried (tests shorten the waits). */
  readonly retry?: RetryPolicy;
}

/** A wrong command line. */
class UsageError extends Error {}

const OPTIONS = ['posture', 'region', 'out', 'now', 'in-progress-hours', 'endpoint'] as const;
type Option = (typeof OPTIONS)[number];

interface Args {
  readonly values: Partial<Record<Option, string>>;
  readonly help: boolean;
  readonly policy: boolean;
}

function parseArgs(argv: readonly string[]): Args {
  const values: Partial<Record<Option, string>> = {};
  let help = false;
  let policy = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') { help = true; continue; }
    if (arg === '--policy') { policy = true; continue; }
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    const name = m?.[1] as Option | undefined;
    if (!m || !OPTIONS.includes(name!)) throw new UsageError(`unknown argument ${JSON.stringify(arg)}`);
    const value = m[2] ?? argv[++i];
    if (value === undefined || value === '' || (m[2] === undefined && value.startsWith('--'))) throw new UsageError(`--${name} needs a value`);
    if (values[name!] !== undefined) throw new UsageError(`--${name} given twice`);
    values[name!] = value;
  }
  return { values, help, policy };
}

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})$/;

function parseNow(text: string): Date {
  const m = INSTANT.exec(text);
  const date = new Date(text);
  if (!m || Number.isNaN(date.getTime()) || new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])).getUTCDate() !== +m[3]) {
    throw new UsageError(`--now must be an ISO-8601 instant with a time zone, such as 2024-03-08T12:00:00Z, got ${JSON.stringify(text)}`);
  }
  return date;
}

function parseEndpoint(text: string): { endpoint: string; protocol: 'http' | 'https' } {
  const m = /^(?:(https?):\/\/)?([A-Za-z0-9.-]+(?::\d{1,5})?)\/?$/.exec(text);
  if (!m) throw new UsageError(`--endpoint must be a host with an optional port and scheme, such as http://127.0.0.1:8080 or ecs.cn-hangzhou.aliyuncs.com, got ${JSON.stringify(text)}`);
  return { endpoint: m[2], protocol: (m[1] as 'http' | 'https' | undefined) ?? 'https' };
}

const defaultIo: AuditIo = {
  stdout: (l) => process.stdout.write(`${l}\n`),
  stderr: (l) => process.stderr.write(`${l}\n`),
  env: process.env,
  now: () => new Date(),
};

/** Runs `audit` with its arguments; resolves to the exit status. */
export async function runAudit(argv: readonly string[], io: AuditIo = defaultIo): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(argv);
  } catch (e) {
    io.stderr(`error: ${(e as Error).message} (see --help)`);
    return AUDIT_EXIT.USAGE;
  }
  if (args.help) {
    io.stdout(AUDIT_USAGE);
    return AUDIT_EXIT.COMPLIANT;
  }
  if (args.policy) {
    io.stdout(JSON.stringify(auditPolicyDocument(), undefined, 2));
    return AUDIT_EXIT.COMPLIANT;
  }
  let written: string[];
  try {
    const v = args.values;
    const postureFile = v.posture ?? io.env.APP_SNAPSHOT_CONFIG;
    if (postureFile === undefined) throw new UsageError('--posture is required (or APP_SNAPSHOT_CONFIG): the audit judges the account against a posture file');
    const now = v.now !== undefined ? parseNow(v.now) : io.now();
    const inProgressHours = v['in-progress-hours'] === undefined ? undefined : Number(v['in-progress-hours']);
    if (inProgressHours !== undefined && !(inProgressHours > 0)) throw new UsageError(`--in-progress-hours must be a number of hours above 0, got ${JSON.stringify(v['in-progress-hours'])}`);
    const endpoint = v.endpoint === undefined ? undefined : parseEndpoint(v.endpoint);
    let posture;
    try {
      posture = loadPostureFile(postureFile);
    } catch (e) {
      throw new UsageError((e as Error).message.split('\n')[0]);
    }
    const regionId = v.region ?? posture.resourceScope?.regionId ?? io.env.ALIBABA_CLOUD_REGION_ID;
    if (regionId === undefined) throw new UsageError('--region is required: the posture names no account.region and ALIBABA_CLOUD_REGION_ID is not set');
    if (!new RegExp(REGION_ID_PATTERN).test(regionId)) throw new UsageError(`--region must be a region id such as cn-hangzhou, got ${JSON.stringify(regionId)}`);
    const reader = new EcsAccountReader({ regionId, ...endpoint, retry: io.retry });
    const account = await reader.read(posture);
    const report = evaluateAudit(posture, account, { now, nowSource: v.now !== undefined ? 'option' : 'clock', postureFile, inProgressHours });
    const files = { 'audit.json': stableJson(report), 'audit.md': renderAuditMarkdown(report) };
    const out = v.out ?? DEFAULT_OUT;
    fs.mkdirSync(out, { recursive: true });
    written = Object.entries(files).map(([name, text]) => {
      fs.writeFileSync(path.join(out, name), text);
      return path.join(out, name);
    });
    io.stdout(`audited ${report.summary.groups} group(s), ${report.summary.instances} instance(s) of posture ${report.postureName} in ${regionId}: ${report.compliant ? 'compliant' : `${report.summary.findings} finding(s)`}`);
    written.forEach((f) => io.stdout(`  ${f}`));
    for (const f of report.findings) io.stdout(`  ${f.code}: ${f.group}${f.instanceId ? ` ${f.instanceId}` : ''}: ${f.message}`);
    return report.compliant ? AUDIT_EXIT.COMPLIANT : AUDIT_EXIT.FINDINGS;
  } catch (e) {
    if (e instanceof UsageError || e instanceof ValidationError) {
      io.stderr(`error: ${e.message}${e instanceof UsageError && /--/.test(e.message) ? ' (see --help)' : ''}`);
      return AUDIT_EXIT.USAGE;
    }
    if (e instanceof AuditApiError) {
      io.stderr(`error: ${e.message}`);
      return AUDIT_EXIT.API_ERROR;
    }
    throw e;
  }
}
