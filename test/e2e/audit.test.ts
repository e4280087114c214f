/**
 * The audit end to end without the cloud: the real ECS SDK client and the real credential chain
 * (`@alicloud/credentials`, from the environment variables or a CLI config file in a temporary
 * HOME) call the ECS API stand-in server on loopback (ecs-api-server.ts), which verifies the
 * signature and answers through the ECS stand-in's model checks. Only the server is a stand-in.
 * The instance RAM role of the chain cannot be reached here (no metadata service): its lookup is
 * switched off with ALIBABA_CLOUD_ECS_METADATA_DISABLED.
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { EVIDENCE_TAG_KEYS, SNAPSHOT_TAG_KEYS } from '../../lib/instance-template';
import { CliIo, ExitStatus, runCli } from '../../lib/cli';
import { AUDIT_EXIT_STATUS_HELP, AuditExitStatus, createAuditCommand } from '../../lib/cli/audit';
import { AuditReport } from '../../lib/audit/evaluate';
import { REPO_ROOT, tempDir } from '../helpers';
import { ApiAccountState, EcsApiServer, rpcSignature } from './ecs-api-server';
import { CloudGroup, CloudLock, ecsTime } from './ecs-standin';

const NOW = new Date('2024-05-10T09:00:00Z');
const KEY_ID = 'LTAI-standin-audit';
const SECRET = 'standin-secret-0123456789';
const [DB1, DB2, APP1, APP2] = ['i-bp1auditdb0000001', 'i-bp1auditdb0000002', 'i-bp1auditapp000001', 'i-bp1auditapp000002'];

const POSTURE = `version: 1
stackName: Prod
postureName: prod
groups:
  - name: db
    os: linux
    targets: {instances: [${DB1}, ${DB2}]}
    schedule: {expression: cron(0 0 2 ? * *), timeZone: UTC}
  - name: app
    os: linux
    targets: {tags: {tier: app}}
    schedule: rate(6 hours)
    rpoHours: 8
`;

const hoursAgo = (h: number) => ecsTime(new Date(NOW.getTime() - h * 3_600_000));
type Tags = Array<{ Key: string; Value: string }>;
const ours = (group: string): Tags => [{ Key: SNAPSHOT_TAG_KEYS.posture, Value: 'prod' }, { Key: SNAPSHOT_TAG_KEYS.group, Value: group }];
const APP: Tags = [{ Key: 'APPConsistent', Value: 'True' }];
const FS: Tags = [{ Key: 'FsConsistent', Value: 'True' }];

function group(id: string, instance: string, g: string, ageHours: number, o: { status?: string; consistency?: Tags; extra?: Tags } = {}): CloudGroup {
  return {
    SnapshotGroupId: id, InstanceId: instance, Status: o.status ?? 'accomplished', CreationTime: hoursAgo(ageHours),
    snapshots: [0, 1].map((i) => ({ SnapshotId: `s-${id.slice(4)}${i}`, DiskId: `d-auditdisk00000${i}`, Status: 'accomplished', Tags: [...(o.consistency ?? APP), ...ours(g), ...(o.extra ?? [])] })),
  };
}

/** An account where every group complies. */
function compliant(): ApiAccountState {
  return {
    credentials: { [KEY_ID]: SECRET },
    instances: [
      { id: DB1, status: 'Running', tags: {} }, { id: DB2, status: 'Running', tags: {} },
      { id: APP1, status: 'Running', tags: { tier: 'app' } }, { id: APP2, status: 'Running', tags: { tier: 'app' } },
      { id: 'i-bp1unrelated000001', status: 'Running', tags: { tier: 'web' } },
    ],
    groups: [
      group('ssg-db1new', DB1, 'db', 7), group('ssg-db1old', DB1, 'db', 31), group('ssg-db2new', DB2, 'db', 7),
      group('ssg-app1new', APP1, 'app', 3), group('ssg-app2new', APP2, 'app', 3),
      // Not ours: no posture tags, or another posture's.
      { ...group('ssg-foreign01', DB1, 'db', 1), snapshots: [{ SnapshotId: 's-foreign', DiskId: 'd-x', Status: 'accomplished', Tags: APP }] },
    ],
  };
}

let server: EcsApiServer;
let endpoint: string;
let home: string;
const saved = { ...process.env };

async function serve(state: ApiAccountState): Promise<void> {
  server = new EcsApiServer(state);
  endpoint = await server.start();
}

beforeEach(() => {
  home = tempDir('audit-home-');
  for (const k of Object.keys(process.env)) if (k.startsWith('ALIBABA_CLOUD_')) delete process.env[k];
  Object.assign(process.env, { HOME: home, ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true', ALIBABA_CLOUD_ACCESS_KEY_ID: KEY_ID, ALIBABA_CLOUD_ACCESS_KEY_SECRET: SECRET });
});
afterEach(async () => {
  process.env = { ...saved };
  await server?.stop();
});

interface Audit { status: number; stdout: string[]; stderr: string[]; out: string; report?: AuditReport; md?: string; delays: number[] }

async function audit(extra: string[] = [], posture = POSTURE, dir = tempDir('audit-')): Promise<Audit> {
  fs.writeFileSync(path.join(dir, 'posture.yaml'), posture);
  const out = path.join(dir, 'out');
  const stdout: string[] = [];
  const stderr: string[] = [];
  const delays: number[] = [];
  const command = createAuditCommand({ now: () => NOW, retry: { baseDelayMs: 5, sleep: async (ms) => { delays.push(ms); } } });
  const status = await runCli(['audit', '--posture', path.join(dir, 'posture.yaml'), '--region', 'cn-hangzhou', '--endpoint', endpoint, '--out', out, '--now', NOW.toISOString(), ...extra], {
    out: (l) => stdout.push(l), err: (l) => stderr.push(l), env: {},
  }, [command]);
  const exists = fs.existsSync(path.join(out, 'audit.json'));
  return {
    status, stdout, stderr, out, delays,
    report: exists ? JSON.parse(fs.readFileSync(path.join(out, 'audit.json'), 'utf8')) : undefined,
    md: exists ? fs.readFileSync(path.join(out, 'audit.md'), 'utf8') : undefined,
  };
}

const codes = (r: AuditReport) => r.findings.map((f) => [f.code, f.group, f.instanceId]);

describe('the report and exit status of each state of the account', () => {
  test('compliant: exit 0, every group and instance, the newest group of each, the RPO shown', async () => {
    await serve(compliant());
    const r = await audit();
    expect(r.stderr).toEqual([]);
    expect(r.status).toBe(AuditExitStatus.COMPLIANT);
    expect(r.report!.compliant).toBe(true);
    const [db, app] = r.report!.groups;
    expect(db.rpo).toEqual({ hours: 26.4, source: 'schedule', longestGapHours: 24, marginHours: 2.4 });
    expect(app.rpo).toEqual({ hours: 8, source: 'posture', longestGapHours: null, marginHours: null });
    expect(db.instances.map((i) => [i.instanceId, i.newest!.snapshotGroupId, i.newest!.ageHours, i.newest!.appConsistent, i.withinRpo])).toEqual([
      [DB1, 'ssg-db1new', 7, true, true], [DB2, 'ssg-db2new', 7, true, true],
    ]);
    expect(db.instances[0].snapshotGroupCount).toBe(2);
    expect(app.instances.map((i) => i.instanceId)).toEqual([APP1, APP2]);
    expect(r.md).toContain('# Backup audit of posture `prod`: compliant');
    expect(r.md).toContain('26.4 h (the schedule\'s longest gap 24 h + margin 2.4 h)');
    // The SDK signed every request, and the server checked it.
    expect(server.requests.every((q) => q.code === undefined)).toBe(true);
  });

  test('the same account and instant give the same bytes', async () => {
    await serve(compliant());
    const dir = tempDir('audit-same-');
    const a = await audit([], POSTURE, dir);
    const b = await audit([], POSTURE, dir);
    expect(b.md).toBe(a.md);
    expect(JSON.stringify(b.report)).toBe(JSON.stringify(a.report));
  });

  test('stale: the newest group is older than the RPO: exit 3', async () => {
    const state = compliant();
    state.groups = state.groups.filter((g) => g.SnapshotGroupId !== 'ssg-db1new');
    await serve(state);
    const r = await audit();
    expect(r.status).toBe(AuditExitStatus.FINDINGS);
    expect(codes(r.report!)).toEqual([['stale', 'db', DB1]]);
    expect(r.report!.findings[0].message).toContain('ssg-db1old is 31 h old, more than the RPO of 26.4 h');
    expect(r.md).toContain('`stale`');
  });

  test('missing: an id with no group, an id the account does not have, a tagged instance never snapshotted', async () => {
    const state = compliant();
    state.groups = state.groups.filter((g) => g.InstanceId !== DB2 && g.InstanceId !== APP2);
    state.instances = state.instances.filter((i) => i.id !== DB2);
    state.instances.push({ id: 'i-bp1auditapp000003', status: 'Running', tags: { tier: 'app' } });
    await serve(state);
    const r = await audit();
    expect(r.status).toBe(AuditExitStatus.FINDINGS);
    expect(codes(r.report!)).toEqual([
      ['instance-not-found', 'db', DB2],
      ['never-snapshotted', 'app', APP2],
      ['never-snapshotted', 'app', 'i-bp1auditapp000003'],
    ]);
  });

  test('fallback only: file-system-consistent groups within the RPO are a finding; an old app-consistent one does not help', async () => {
    const state = compliant();
    state.groups = state.groups.filter((g) => g.SnapshotGroupId !== 'ssg-db1new');
    state.groups.push(group('ssg-db1fs', DB1, 'db', 5, { consistency: FS }));
    await serve(state);
    const r = await audit();
    expect(codes(r.report!)).toEqual([['fs-consistent-only', 'db', DB1]]);
    expect(r.report!.groups[0].instances[0].newest).toMatchObject({ snapshotGroupId: 'ssg-db1fs', appConsistent: false, fsConsistent: true });
  });

  test('in progress too long, and failed groups do not count', async () => {
    const state = compliant();
    state.groups.push(group('ssg-db2stuck', DB2, 'db', 9, { status: 'progressing' }), group('ssg-db2fail', DB2, 'db', 1, { status: 'failed' }));
    await serve(state);
    const r = await audit();
    expect(codes(r.report!)).toEqual([['in-progress-too-long', 'db', DB2]]);
    expect(r.report!.groups[0].instances[1].newest!.snapshotGroupId).toBe('ssg-db2fail');
    expect(r.report!.groups[0].instances[1].newestUsable!.snapshotGroupId).toBe('ssg-db2new');
  });

  test('drill-verified: the drill\'s time and restore duration are shown', async () => {
    const state = compliant();
    state.groups[0] = group('ssg-db1new', DB1, 'db', 7, { extra: [{ Key: EVIDENCE_TAG_KEYS.verified, Value: '2024-05-10T04:10:00Z' }, { Key: EVIDENCE_TAG_KEYS.restoreSeconds, Value: '412' }] });
    await serve(state);
    const r = await audit();
    expect(r.status).toBe(AuditExitStatus.COMPLIANT);
    expect(r.report!.groups[0].instances[0].newest!.drill).toEqual({ verifiedAt: '2024-05-10T04:10:00Z', restoreSeconds: 412 });
    expect(r.report!.groups[0].instances[1].newest!.drill).toBeNull();
    expect(r.md).toContain('verified `2024-05-10T04:10:00Z`, restore 412 s');
  });

  test('locks: the newest group\'s locks are read by id and shown; a group the posture locks whose newest group was never locked is a finding', async () => {
    const state = compliant();
    const lock = (status: CloudLock['LockStatus'], createdHoursAgo: number, days: number, coolOff = 0): CloudLock => ({ LockStatus: status, LockMode: 'compliance', LockDuration: days, CoolOffPeriod: coolOff, LockCreationTime: hoursAgo(createdHoursAgo) });
    const byId = (id: string) => state.groups.find((g) => g.SnapshotGroupId === id)!;
    byId('ssg-db1new').snapshots.forEach((s) => { s.lock = lock('compliance', 7, 30); });
    byId('ssg-app1new').snapshots[0].lock = lock('compliance-cooloff', 3, 2, 24);
    byId('ssg-app2new').snapshots.forEach((s) => { s.lock = lock('expired', 60, 1); });
    // An older group's locks are not asked for: only the newest (and newest usable) group's.
    byId('ssg-db1old').snapshots.forEach((s) => { s.lock = lock('compliance', 31, 30); });
    await serve(state);
    const r = await audit([], POSTURE.replace('    schedule: {expression: cron(0 0 2 ? * *), timeZone: UTC}\n', '    schedule: {expression: cron(0 0 2 ? * *), timeZone: UTC}\n    lock: {days: 30}\n'));
    expect(r.stderr).toEqual([]);
    const [db, app] = r.report!.groups;
    expect(db.instances[0].newest!.lock).toEqual({ lockedSnapshots: 2, expiredSnapshots: 0, statuses: ['compliance'], lockedUntil: ecsTime(new Date(NOW.getTime() + (30 * 24 - 7) * 3_600_000)) });
    expect(db.instances[1].newest!.lock).toBeNull();
    expect(app.instances[0].newest!.lock).toEqual({ lockedSnapshots: 1, expiredSnapshots: 0, statuses: ['compliance-cooloff'], lockedUntil: ecsTime(new Date(NOW.getTime() + (24 + 48 - 3) * 3_600_000)) });
    expect(app.instances[1].newest!.lock).toEqual({ lockedSnapshots: 0, expiredSnapshots: 2, statuses: ['expired'], lockedUntil: null });
    // db locks: DB2's newest group never was, a finding; app has no lock option: its locks are shown, not judged.
    expect(r.status).toBe(AuditExitStatus.FINDINGS);
    expect(codes(r.report!)).toEqual([['not-locked', 'db', DB2]]);
    expect(r.report!.findings[0]).toMatchObject({ snapshotGroupId: 'ssg-db2new', message: expect.stringContaining('2 of the 2 snapshots of the newest one, ssg-db2new, were never locked') });
    expect(r.md).toContain(`2 of 2 locked until \`${db.instances[0].newest!.lock!.lockedUntil}\` (compliance)`);
    expect(r.md).toContain('1 of 2 locked until');
    expect(r.md).toContain('expired (2 snapshot(s) deletable)');
    const asked = server.calls.filter((c) => c.api === 'DescribeLockedSnapshots');
    expect(asked).toHaveLength(1);
    expect(asked[0].parameters.SnapshotIds).toEqual(['s-app1new0', 's-app1new1', 's-app2new0', 's-app2new1', 's-db1new0', 's-db1new1', 's-db2new0', 's-db2new1']);
  });

  test('locks: a partly locked newest group is a finding; a denied lock read is an API error naming the action', async () => {
    const state = compliant();
    state.groups.find((g) => g.SnapshotGroupId === 'ssg-db1new')!.snapshots[0].lock = { LockStatus: 'compliance', LockMode: 'compliance', LockDuration: 30, CoolOffPeriod: 0, LockCreationTime: hoursAgo(7) };
    state.groups.filter((g) => g.SnapshotGroupId === 'ssg-db2new').forEach((g) => g.snapshots.forEach((s) => { s.lock = { LockStatus: 'compliance', LockMode: 'compliance', LockDuration: 30, CoolOffPeriod: 0, LockCreationTime: hoursAgo(7) }; }));
    await serve(state);
    const locked = POSTURE.replace('    schedule: {expression: cron(0 0 2 ? * *), timeZone: UTC}\n', '    schedule: {expression: cron(0 0 2 ? * *), timeZone: UTC}\n    lock: {days: 30}\n');
    const r = await audit([], locked);
    expect(codes(r.report!)).toEqual([['not-locked', 'db', DB1]]);
    expect(r.report!.findings[0].message).toContain('1 of the 2 snapshots');
    state.denied = ['DescribeLockedSnapshots'];
    const denied = await audit([], locked);
    expect(denied.status).toBe(AuditExitStatus.API_ERROR);
    expect(denied.stderr.join('\n')).toContain('permission denied: the identity may not call ecs:DescribeLockedSnapshots');
  });

  test('orphaned: groups tagged for a group the posture no longer has', async () => {
    const state = compliant();
    state.groups.push(group('ssg-cache01', 'i-bp1oldcache000001', 'cache', 50), group('ssg-cache02', 'i-bp1oldcache000001', 'cache', 20));
    await serve(state);
    const r = await audit();
    expect(r.status).toBe(AuditExitStatus.FINDINGS);
    expect(codes(r.report!)).toEqual([['orphaned-group', 'cache', null]]);
    expect(r.report!.orphans).toEqual([{ group: 'cache', snapshotGroupIds: ['ssg-cache02', 'ssg-cache01'], instanceIds: ['i-bp1oldcache000001'], newestCreationTime: hoursAgo(20) }]);
  });

  test('many pages: 250 snapshot groups and 150 tagged instances read to the last page', async () => {
    const state = compliant();
    for (let i = 0; i < 150; i++) {
      const id = `i-bp1manyapp${String(i).padStart(8, '0')}`;
      state.instances.push({ id, status: 'Running', tags: { tier: 'app' } });
      state.groups.push(group(`ssg-many${String(i).padStart(6, '0')}`, id, 'app', 2));
    }
    for (let i = 0; i < 94; i++) state.groups.push(group(`ssg-older${String(i).padStart(6, '0')}`, APP1, 'app', 30 + i));
    await serve(state);
    const r = await audit();
    expect(state.groups).toHaveLength(250);
    expect(r.status).toBe(AuditExitStatus.COMPLIANT);
    expect(r.report!.groups[1].instances).toHaveLength(152);
    expect(server.calls.filter((c) => c.api === 'DescribeSnapshotGroups').map((c) => c.parameters.NextToken)).toEqual([undefined, 'page-100', 'page-200']);
    expect(server.calls.filter((c) => c.api === 'DescribeInstances' && c.parameters.Tag !== undefined)).toHaveLength(2);
    expect(r.report!.groups[1].instances.find((i) => i.instanceId === APP1)!.snapshotGroupCount).toBe(95);
  });
});

describe('errors reaching the API: exit 4, named, nothing written', () => {
  test('throttling, then success after retries with exponential backoff', async () => {
    const state = compliant();
    state.throttle = { DescribeSnapshotGroups: 2 };
    await serve(state);
    const r = await audit();
    expect(r.status).toBe(AuditExitStatus.COMPLIANT);
    expect(r.delays).toEqual([5, 10]);
    expect(server.requests.filter((q) => q.api === 'DescribeSnapshotGroups').map((q) => q.code)).toEqual(['Throttling.User', 'Throttling.User', undefined]);
  });

  test('throttling that does not stop: named after the last retry', async () => {
    const state = compliant();
    state.throttle = { DescribeInstances: 100 };
    await serve(state);
    const r = await audit();
    expect(r.status).toBe(AuditExitStatus.API_ERROR);
    expect(r.delays).toEqual([5, 10, 20, 40]);
    expect(r.stderr.join('\n')).toMatch(/^error: throttled: ECS kept refusing DescribeInstances with Throttling\.User after every retry \(request STANDIN-\d+\)/);
    expect(fs.existsSync(r.out)).toBe(false);
  });

  test('permission denied: the missing action is named', async () => {
    const state = compliant();
    state.denied = ['DescribeSnapshotGroups'];
    await serve(state);
    const r = await audit();
    expect(r.status).toBe(AuditExitStatus.API_ERROR);
    expect(r.stderr.join('\n')).toMatch(/^error: permission denied: the identity may not call ecs:DescribeSnapshotGroups \(Forbidden\.RAM \(request STANDIN-\d+\)\); grant the audit's policy \(app-snapshot audit --policy\)$/);
    expect(fs.existsSync(r.out)).toBe(false);
  });

  test('bad credentials: a wrong secret fails the signature check, an unknown id is not found', async () => {
    await serve(compliant());
    process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET = 'not-the-secret';
    const wrong = await audit();
    expect(wrong.status).toBe(AuditExitStatus.API_ERROR);
    expect(wrong.stderr.join('\n')).toContain('error: bad credentials: ECS refused the AccessKey calling DescribeInstances with SignatureDoesNotMatch: Specified signature is not matched with our calculation.');
    process.env.ALIBABA_CLOUD_ACCESS_KEY_ID = 'LTAI-nobody';
    const unknown = await audit();
    expect(unknown.stderr.join('\n')).toContain('with InvalidAccessKeyId.NotFound: Specified access key is not found.');
  });

  test('no credentials at all: the chain is named', async () => {
    await serve(compliant());
    delete process.env.ALIBABA_CLOUD_ACCESS_KEY_ID;
    delete process.env.ALIBABA_CLOUD_ACCESS_KEY_SECRET;
    const r = await audit();
    expect(r.status).toBe(AuditExitStatus.API_ERROR);
    expect(r.stderr.join('\n')).toMatch(/^error: no credentials: the credential chain found none/);
    expect(server.requests).toEqual([]);
  });

  test('unreachable endpoint', async () => {
    await serve(compliant());
    await server.stop();
    const r = await audit();
    await serve(compliant());
    expect(r.status).toBe(AuditExitStatus.API_ERROR);
    expect(r.stderr.join('\n')).toMatch(/^error: cannot reach the ECS endpoint 127\.0\.0\.1:\d+ for region cn-hangzhou: .*ECONNREFUSED/);
  });

  test('bad region: ECS does not know it', async () => {
    await serve(compliant());
    const r = await audit(['--region', 'cn-nowhere']).catch((e) => { throw e; });
    expect(r.status).toBe(AuditExitStatus.USAGE);
    expect(r.stderr.join('\n')).toContain('--region given twice');
    const dir = tempDir('audit-region-');
    fs.writeFileSync(path.join(dir, 'p.yaml'), POSTURE);
    const stderr: string[] = [];
    const status = await runCli(['audit', '--posture', path.join(dir, 'p.yaml'), '--region', 'cn-nowhere', '--endpoint', endpoint, '--out', path.join(dir, 'out')], {
      out: () => undefined, err: (l) => stderr.push(l), env: {},
    });
    expect(status).toBe(AuditExitStatus.API_ERROR);
    expect(stderr.join('\n')).toMatch(/^error: bad region: ECS does not know region cn-nowhere \(InvalidRegionId\.NotFound \(request STANDIN-\d+\)\)/);
  });
});

describe('credentials through the chain', () => {
  // A process of its own: the chain finds the CLI's file through the process's home directory.
  test('from the aliyun CLI config file in HOME, with no environment variables (npm run audit, exit status of the process)', async () => {
    await serve(compliant());
    fs.mkdirSync(path.join(home, '.aliyun'));
    fs.writeFileSync(path.join(home, '.aliyun', 'config.json'), JSON.stringify({
      current: 'audit', profiles: [{ name: 'audit', mode: 'AK', access_key_id: KEY_ID, access_key_secret: SECRET, region_id: 'cn-hangzhou' }],
    }));
    const dir = tempDir('audit-cli-');
    fs.writeFileSync(path.join(dir, 'posture.yaml'), POSTURE);
    const env = Object.fromEntries(Object.entries(saved).filter(([k]) => !k.startsWith('ALIBABA_CLOUD_')));
    const argv = ['run', '-s', 'audit', '--', '--posture', path.join(dir, 'posture.yaml'), '--region', 'cn-hangzhou', '--endpoint', endpoint, '--out', path.join(dir, 'out'), '--now', NOW.toISOString()];
    const child = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      const p = spawn('npm', argv, { cwd: REPO_ROOT, env: { ...env, HOME: home, ALIBABA_CLOUD_ECS_METADATA_DISABLED: 'true' } });
      let stdout = '';
      let stderr = '';
      p.stdout.on('data', (c) => { stdout += c; });
      p.stderr.on('data', (c) => { stderr += c; });
      p.on('close', (status) => resolve({ status, stdout, stderr }));
    });
    expect(child.stderr).toBe('');
    expect(child.status).toBe(AuditExitStatus.COMPLIANT);
    expect(child.stdout).toContain('audited 2 group(s), 4 instance(s) of posture prod in cn-hangzhou: compliant');
    expect(server.requests.length).toBeGreaterThan(0);
    expect(server.requests.every((q) => q.code === undefined)).toBe(true);
  });
});

describe('the command line (app-snapshot audit, through the dispatcher)', () => {
  const run = async (argv: string[]) => {
    const stdout: string[] = [];
    const stderr: string[] = [];
    const io: CliIo = { out: (l) => stdout.push(l), err: (l) => stderr.push(l), env: {} };
    const status = await runCli(['audit', ...argv], io);
    return { status, stdout: stdout.join('\n'), stderr: stderr.join('\n') };
  };

  test.each([
    [['--bogus'], 'unknown option "--bogus"'],
    [['extra'], 'unexpected argument "extra"'],
    [['--posture'], '--posture needs a value'],
    [['--now', 'yesterday', '--posture', 'x'], '--now must be an ISO-8601 instant'],
    [[], '--posture is required'],
    [['--posture', 'templates/posture/example.posture.yaml'], '--region is required'],
    [['--posture', 'templates/posture/example.posture.yaml', '--region', 'Hangzhou'], '--region must be a region id'],
    [['--posture', 'templates/posture/example.posture.yaml', '--region', 'cn-hangzhou', '--endpoint', 'ftp://x'], '--endpoint must be a host'],
    [['--posture', 'templates/posture/example.posture.yaml', '--in-progress-hours', '0'], '--in-progress-hours must be a number of hours above 0'],
    [['--policy', '--region', 'cn-hangzhou'], '--policy takes no other option'],
  ])('%j: exit 2 (wrong command line), %s', async (argv, message) => {
    const r = await run(argv);
    expect(r.status).toBe(AuditExitStatus.USAGE);
    expect(r.stderr).toMatch(/^error: .* \(see --help\)$/);
    expect(r.stderr).toContain(message);
  });

  test.each([
    ['a posture file that cannot be read', () => 'no/such/file.yaml', /^error: `--posture` must name a readable posture file/],
    ['a posture file the schema refuses', (dir: string) => {
      fs.writeFileSync(path.join(dir, 'p.yaml'), POSTURE.replace('rpoHours: 8', 'rpoHours: 0'));
      return path.join(dir, 'p.yaml');
    }, /^error: `groups\[1\]\.rpoHours` must be a number of hours above 0 and at most 8784/],
  ])('%s: exit 1 (refused input), nothing read, nothing written', async (_, file, message) => {
    await serve(compliant());
    const dir = tempDir('audit-refused-');
    const r = await run(['--posture', file(dir), '--region', 'cn-hangzhou', '--endpoint', endpoint, '--out', path.join(dir, 'out')]);
    expect(r.status).toBe(AuditExitStatus.REFUSED);
    expect(r.stderr).toMatch(message);
    expect(server.requests).toEqual([]);
    expect(fs.existsSync(path.join(dir, 'out'))).toBe(false);
  });

  test('the exit statuses: the CLI\'s shared three, then findings and API errors, each distinct and in the help', async () => {
    expect([AuditExitStatus.COMPLIANT, AuditExitStatus.REFUSED, AuditExitStatus.USAGE]).toEqual([ExitStatus.OK, ExitStatus.FAILED, ExitStatus.USAGE]);
    expect([AuditExitStatus.FINDINGS, AuditExitStatus.API_ERROR]).toEqual([3, 4]);
    const r = await run(['--help']);
    expect(r.status).toBe(ExitStatus.OK);
    expect(r.stdout).toMatch(/^usage: app-snapshot audit /);
    expect(r.stdout).toContain(AUDIT_EXIT_STATUS_HELP);
    expect(AUDIT_EXIT_STATUS_HELP).toMatch(/0 every group complies, 1 refused input .*2 wrong command line, 3 findings, 4 the ECS API could not be read/s);
    // docs/audit.md's table: the same numbers, in order, with their meanings' first words.
    const table = /## Exit status\n[\s\S]*?\| Status \| Meaning \| Files \|\n\|[- |]+\|\n((?:\|.*\|\n)+)/.exec(fs.readFileSync(path.join(REPO_ROOT, 'docs', 'audit.md'), 'utf8'));
    const rows = table![1].trim().split('\n').map((l) => l.split('|').slice(1, -1).map((c) => c.trim()));
    expect(rows.map(([status, meaning, files]) => [status, meaning.split(/[ :,;(]/)[0], files])).toEqual([
      [`\`${AuditExitStatus.COMPLIANT}\``, 'every', 'written'], [`\`${AuditExitStatus.REFUSED}\``, 'refused', 'none'], [`\`${AuditExitStatus.USAGE}\``, 'a', 'none'],
      [`\`${AuditExitStatus.FINDINGS}\``, 'findings', 'written'], [`\`${AuditExitStatus.API_ERROR}\``, 'the', 'none'],
    ]);
  });

  test('--policy prints the read-only policy of exactly the APIs the audit called', async () => {
    await serve(compliant());
    await audit();
    const r = await run(['--policy']);
    expect(r.status).toBe(AuditExitStatus.COMPLIANT);
    const policy = JSON.parse(r.stdout);
    expect(policy).toEqual({ Version: '1', Statement: [{ Effect: 'Allow', Action: [...new Set(server.calls.map((c) => `ecs:${c.api}`))].sort(), Resource: ['*'] }] });
    expect(policy.Statement[0].Action.every((a: string) => /^ecs:Describe/.test(a))).toBe(true);
  });

  test('npm run audit is app-snapshot audit (exit status of the process)', () => {
    const help = spawnSync('npm', ['run', '-s', 'audit', '--', '--help'], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(help.status).toBe(ExitStatus.OK);
    expect(help.stdout).toMatch(/^usage: app-snapshot audit /);
    expect(help.stdout).toContain(AUDIT_EXIT_STATUS_HELP);
    const bad = spawnSync('npm', ['run', '-s', 'audit', '--', '--posture'], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(bad.status).toBe(AuditExitStatus.USAGE);
    expect(bad.stderr).toContain('--posture needs a value');
  });
});

test('the server refuses a request signed with another secret (the check can fail)', () => {
  const params = { Action: 'DescribeInstances', RegionId: 'cn-hangzhou' };
  expect(rpcSignature('POST', params, SECRET)).not.toBe(rpcSignature('POST', params, 'other'));
});
