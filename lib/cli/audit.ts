/**
 * `app-snapshot audit`: what the account really holds for a posture, written as audit.json and
 * audit.md, and an exit status for CI. See docs/audit.md.
 */
import * as fs from 'fs';
import * as path from 'path';
import { AuditApiError, EcsAccountReader, RetryPolicy, auditPolicyDocument } from '../audit/account';
import { AccountView, DEFAULT_IN_PROGRESS_HOURS, evaluateAudit } from '../audit/evaluate';
import { renderAuditMarkdown } from '../audit/report-markdown';
import { stableJson } from '../posture/report';
import { REGION_ID_PATTERN } from '../policy-scope';
import { CliCommand, ExitStatus, FIRST_OWN_EXIT_STATUS, UsageError, parseNow, parseOptions } from './command';
import { loadPostureArgument } from './posture-file';

/**
 * The audit's exit statuses: the CLI's shared ones (lib/cli/command.ts), then the audit's own
 * outcomes. The one list: the help text and the tests take the numbers from here.
 */
export enum AuditExitStatus {
  /** Every group complies (audit.json and audit.md are written). */
  COMPLIANT = ExitStatus.OK,
  /** Refused input: a posture file that cannot be read or that the loader refuses. Nothing read, nothing written. */
  REFUSED = ExitStatus.FAILED,
  /** A wrong command line. Nothing read, nothing written. */
  USAGE = ExitStatus.USAGE,
  /** The audit ran and found something (audit.json and audit.md are written). */
  FINDINGS = FIRST_OWN_EXIT_STATUS,
  /** The ECS API could not be read (credentials, permission, throttling, region, endpoint). Nothing written. */
  API_ERROR = FIRST_OWN_EXIT_STATUS + 1,
}

/** The audit's own outcomes, as `app-snapshot --help` lists them. */
const OWN_EXIT_STATUSES: ReadonlyArray<readonly [number, string]> = [
  [AuditExitStatus.FINDINGS, 'findings'],
  [AuditExitStatus.API_ERROR, 'the ECS API could not be read'],
];

/** The exit-status paragraph of the audit's help. */
export const AUDIT_EXIT_STATUS_HELP = [
  `Exit status: ${AuditExitStatus.COMPLIANT} every group complies, ${AuditExitStatus.REFUSED} refused input (a posture file that cannot be read or is refused),`,
  `${AuditExitStatus.USAGE} wrong command line, ${OWN_EXIT_STATUSES.map(([n, meaning]) => `${n} ${meaning}`).join(', ')} (credentials, permission,`,
  `throttling, region, endpoint). Only ${AuditExitStatus.COMPLIANT} and ${AuditExitStatus.FINDINGS} write audit.json and audit.md.`,
].join('\n');

const DEFAULT_OUT = 'audit-report';

const OPTIONS = ['posture', 'region', 'out', 'now', 'in-progress-hours', 'endpoint'] as const;

/** What the audit takes besides its command line and the CLI's io (tests fix and shorten them). */
export interface AuditCommandOptions {
  /**
   * The clock, when --now is not given.
   *
   * @default - the system clock
   */
  readonly now?: () => Date;
  /**
   * How throttled calls are retried.
   *
   * @default - the reader's (5 attempts, waits from 1 s, doubling)
   */
  readonly retry?: RetryPolicy;
}

function parseEndpoint(text: string): { endpoint: string; protocol: 'http' | 'https' } {
  const m = /^(?:(https?):\/\/)?([A-Za-z0-9.-]+(?::\d{1,5})?)\/?$/.exec(text);
  if (!m) throw new UsageError(`--endpoint must be a host with an optional port and scheme, such as http://127.0.0.1:8080 or ecs.cn-hangzhou.aliyuncs.com, got ${JSON.stringify(text)}`);
  return { endpoint: m[2], protocol: (m[1] as 'http' | 'https' | undefined) ?? 'https' };
}

/**
 * The `audit` command with its clock and retry policy given ({@link auditCommand} is the CLI's).
 * Credentials come from the Alibaba Cloud credential chain, which reads the process's own
 * environment and home directory.
 */
export function createAuditCommand(options: AuditCommandOptions = {}): CliCommand {
  return {
    name: 'audit',
    summary: 'judge the live account against a posture (audit.json, audit.md)',
    ownExitStatuses: OWN_EXIT_STATUSES,
    usage: `usage: app-snapshot audit [--posture FILE] [--region REGION] [--out DIR] [--now INSTANT] [--in-progress-hours N] [--endpoint URL]
       app-snapshot audit --policy
Reads the account through the ECS API (read only) and reports per group and instance the newest
application-consistent snapshot group and its age against the RPO; findings: missing, stale,
stuck in progress, file-system consistent only, orphaned. See docs/audit.md.
  --posture FILE          the posture file (default: $APP_SNAPSHOT_CONFIG)
  --region REGION         the region to read (default: the posture's account.region, else $ALIBABA_CLOUD_REGION_ID)
  --out DIR               where audit.json and audit.md go (default: ${DEFAULT_OUT}/)
  --now INSTANT           judge ages at this instant, e.g. 2024-03-08T12:00:00Z (default: now)
  --in-progress-hours N   a snapshot group in progress longer than this is a finding (default: ${DEFAULT_IN_PROGRESS_HOURS})
  --endpoint URL          the ECS endpoint, e.g. http://127.0.0.1:8080 (default: https://ecs.<region>.aliyuncs.com)
  --policy                print the read-only RAM policy the audit needs, and exit (no other option)
Credentials: the Alibaba Cloud credential chain (ALIBABA_CLOUD_ACCESS_KEY_ID and
ALIBABA_CLOUD_ACCESS_KEY_SECRET, the aliyun CLI's ~/.aliyun/config.json, an instance RAM role).
${AUDIT_EXIT_STATUS_HELP}`,

    async run(argv, io) {
      if (argv.includes('--policy')) {
        if (argv.length > 1) throw new UsageError('--policy takes no other option');
        io.out(JSON.stringify(auditPolicyDocument(), undefined, 2));
        return AuditExitStatus.COMPLIANT;
      }
      const v = parseOptions(argv, OPTIONS);
      const postureFile = v.posture ?? io.env.APP_SNAPSHOT_CONFIG;
      if (postureFile === undefined) throw new UsageError('--posture is required (or APP_SNAPSHOT_CONFIG): the audit judges the account against a posture file');
      const now = v.now !== undefined ? parseNow(v.now) : (options.now ?? (() => new Date()))();
      const inProgressHours = v['in-progress-hours'] === undefined ? undefined : Number(v['in-progress-hours']);
      if (inProgressHours !== undefined && !(inProgressHours > 0)) throw new UsageError(`--in-progress-hours must be a number of hours above 0, got ${JSON.stringify(v['in-progress-hours'])}`);
      const endpoint = v.endpoint === undefined ? undefined : parseEndpoint(v.endpoint);
      // A posture file that cannot be read or is refused: refused input, exit 1 (the dispatcher's).
      const posture = loadPostureArgument(postureFile, v.posture !== undefined);
      const regionId = v.region ?? posture.resourceScope?.regionId ?? io.env.ALIBABA_CLOUD_REGION_ID;
      if (regionId === undefined) throw new UsageError('--region is required: the posture names no account.region and ALIBABA_CLOUD_REGION_ID is not set');
      if (!new RegExp(REGION_ID_PATTERN).test(regionId)) throw new UsageError(`--region must be a region id such as cn-hangzhou, got ${JSON.stringify(regionId)}`);
      let account: AccountView;
      try {
        account = await new EcsAccountReader({ regionId, ...endpoint, retry: options.retry }).read(posture);
      } catch (e) {
        if (e instanceof AuditApiError) {
          io.err(`error: ${e.message}`);
          return AuditExitStatus.API_ERROR;
        }
        throw e;
      }
      const report = evaluateAudit(posture, account, { now, nowSource: v.now !== undefined ? 'option' : 'clock', postureFile, inProgressHours });
      const files = { 'audit.json': stableJson(report), 'audit.md': renderAuditMarkdown(report) };
      const out = v.out ?? DEFAULT_OUT;
      fs.mkdirSync(out, { recursive: true });
      const written = Object.entries(files).map(([name, text]) => {
        fs.writeFileSync(path.join(out, name), text);
        return path.join(out, name);
      });
      io.out(`audited ${report.summary.groups} group(s), ${report.summary.instances} instance(s) of posture ${report.postureName} in ${regionId}: ${report.compliant ? 'compliant' : `${report.summary.findings} finding(s)`}`);
      written.forEach((f) => io.out(`  ${f}`));
      for (const f of report.findings) io.out(`  ${f.code}: ${f.group}${f.instanceId ? ` ${f.instanceId}` : ''}: ${f.message}`);
      return report.compliant ? AuditExitStatus.COMPLIANT : AuditExitStatus.FINDINGS;
    },
  };
}

/** `app-snapshot audit`. */
export const auditCommand: CliCommand = createAuditCommand();
