import { SpawnSyncReturns } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { Posture, buildPostureStacks, loadPostureFile } from '../lib/posture/loader';
import { GroupReport, PostureReport, REPORT_VERSION, buildPostureReport, rosValueText } from '../lib/posture/report';
import { diffReports, parsePreviousReport, renderDiffMarkdown } from '../lib/posture/report-diff';
import { code, renderReportMarkdown } from '../lib/posture/report-markdown';
import { REPO_ROOT, RosTemplate, newApp, runBin, templateOf, tempDir } from './helpers';

const NOW = '2024-03-08T12:00:00Z';
/** Runs `npm run posture` as the package script does, in `cwd`, without a posture in the environment unless given. */
function runPosture(args: readonly string[], options: { env?: Record<string, string>; cwd?: string } = {}): SpawnSyncReturns<string> {
  return runBin('app-snapshot', ['posture', ...args], { cwd: options.cwd, env: { APP_SNAPSHOT_CONFIG: undefined, ...options.env } });
}

function ids(prefix: string, numbers: readonly number[]): string[] {
  return numbers.map((n) => `i-${prefix}${String(n).padStart(8, '0')}`);
}

/**
 * A MySQL tier on Linux with a schedule in New York (DST starts on 2024-03-10), a tag-targeted
 * application tier with the generic pair, and a Windows tier with VSS writers whose weekly
 * schedule in Berlin ends on 2024-03-20.
 */
function postureA(mysqlIds = ids('mysql', [1, 2, 3, 4, 5, 6, 7])): string {
  return `version: 1
stackName: ShopBackups
postureName: shop
description: Snapshots of the shop's tiers
groups:
  - name: mysql-tier
    os: linux
    instances: [${mysqlIds.join(', ')}]
    scripts:
      engine: mysql
      lockWaitSeconds: 10
    timeoutSeconds: 10
    schedule:
      expression: cron(0 30 3 ? * *)
      timeZone: America/New_York
    rateControl:
      concurrency: 4
      maxErrors: 1
  - name: app-tier
    os: linux
    targets:
      tags:
        tier: app
        env: prod
    scripts: generic
    requireAppConsistent: false
  - name: win-tier
    os: windows
    instances: [i-winfiles000001]
    role:
      existing: CorpWindowsRole
      attach: false
    vssWriters: true
    schedule:
      expression: cron(0 0 1 ? * SUN)
      timeZone: Europe/Berlin
      endDate: 2024-03-20
`;
}

/** Posture A changed: the MySQL tier's instances, timeout and schedule; app-tier gone; web-tier new. */
function postureB(): string {
  return postureA(ids('mysql', [1, 2, 3, 4, 5, 6, 8]))
    .replace('timeoutSeconds: 10', 'timeoutSeconds: 12')
    .replace('cron(0 30 3 ? * *)', 'cron(0 0 4 ? * *)')
    .replace(/  - name: app-tier\n[\s\S]*?requireAppConsistent: false\n/, '  - name: web-tier\n    os: linux\n    targets:\n      tags:\n        tier: web\n    scripts: generic\n');
}

const readJson = (file: string) => JSON.parse(fs.readFileSync(file, 'utf8'));
const read = (file: string) => fs.readFileSync(file, 'utf8');

/** Every file of a directory with its bytes. */
function snapshotDir(dir: string): Record<string, string> {
  return Object.fromEntries(fs.readdirSync(dir).sort().map((f) => [f, read(path.join(dir, f))]));
}

describe('npm run posture', () => {
  let dir: string;
  let fileA: string;
  let fileB: string;
  let outA: string;
  let runA: SpawnSyncReturns<string>;
  let report: PostureReport;
  let group: (name: string) => GroupReport;

  beforeAll(() => {
    dir = tempDir('posture-report-');
    fileA = path.join(dir, 'a.posture.yaml');
    fileB = path.join(dir, 'b.posture.yaml');
    fs.writeFileSync(fileA, postureA());
    fs.writeFileSync(fileB, postureB());
    outA = path.join(dir, 'out-a');
    runA = runPosture(['--posture', fileA, '--out', outA, '--now', NOW]);
    report = readJson(path.join(outA, 'posture.json'));
    group = (name) => report.groups.find((g) => g.name === name)!;
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('writes posture.json and posture.md and names them on stdout', () => {
    expect(runA.stderr).toBe('');
    expect(runA.status).toBe(0);
    expect(fs.readdirSync(outA).sort()).toEqual(['posture.json', 'posture.md']);
    expect(runA.stdout).toContain(`reported 3 group(s) of posture shop from ${fileA}`);
    expect(runA.stdout).toContain(path.join(outA, 'posture.md'));
  });

  test('the JSON records the posture, the instant used and the stacks', () => {
    expect(report.reportVersion).toBe(REPORT_VERSION);
    expect(report.now).toBe(NOW);
    expect(report.nowSource).toBe('option');
    expect(report.postureFile).toBe(fileA);
    expect(report.postureName).toBe('shop');
    expect(report.description).toBe("Snapshots of the shop's tiers");
    expect(report.groups.map((g) => g.name)).toEqual(['mysql-tier', 'app-tier', 'win-tier']);
    const template = templateOf(buildPostureStacks(newApp(), loadPostureFile(fileA))[0]);
    expect(report.stacks).toEqual([expect.objectContaining({ name: 'ShopBackups', resourceCount: Object.keys(template.Resources).length })]);
    expect(report.stacks[0].resourceTypes['ALIYUN::OOS::Template']).toBe(Object.values(template.Resources).filter((r) => r.Type === 'ALIYUN::OOS::Template').length);
  });

  test('the MySQL tier: every id, the script pair, the plugin values and rate control', () => {
    const g = group('mysql-tier');
    expect(g.os).toBe('Linux');
    expect(g.targets).toEqual({ by: 'instanceIds', count: 7, instanceIds: ids('mysql', [1, 2, 3, 4, 5, 6, 7]) });
    expect(g.quiesce).toEqual({
      scripts: { kind: 'mysql', prescriptSha256: expect.stringMatching(/^[0-9a-f]{64}$/), postscriptSha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
      fsFreeze: true,
      timeoutSeconds: 10,
      vssWriters: null,
    });
    expect(g.requireAppConsistent).toBe(true);
    expect(g.rateControl).toEqual({ concurrency: 4, maxErrors: 1, pluginDeadlineSeconds: 600 });
    expect(g.snapshot).toEqual({ name: 'AppConsistentSnapshot', description: null, excludeDiskIds: [] });
    expect(g.retention).toBeNull();
    expect(g.automation.templateName).toBe('AppConsistentSnapshot-mysql-tier');
  });

  test('the tag-targeted tier and the Windows tier', () => {
    const app = group('app-tier');
    expect(app.targets).toEqual({ by: 'tags', tags: { tier: 'app', env: 'prod' } });
    expect(app.quiesce.scripts?.kind).toBe('generic');
    expect(app.requireAppConsistent).toBe(false);
    expect(app.schedule).toBeNull();
    expect(app.instanceRole.attachment).toBe('enrollment');
    expect(app.instanceRole.attachedInstances).toBeNull();
    const win = group('win-tier');
    expect(win.os).toBe('Windows');
    expect(win.quiesce).toEqual({ scripts: null, fsFreeze: null, timeoutSeconds: null, vssWriters: true });
    expect(win.targets).toEqual({ by: 'instanceIds', count: 1, instanceIds: ['i-winfiles000001'] });
  });

  test('roles: names, who creates and attaches them, and the permissions of the synthesized policies', () => {
    const template: RosTemplate = templateOf(buildPostureStacks(newApp(), loadPostureFile(fileA))[0]);
    const roles = Object.values(template.Resources).filter((r) => r.Type === 'ALIYUN::RAM::Role');
    const roleNamed = (name: string) => roles.find((r) => r.Properties.RoleName === name)!;
    const statementsOf = (document: { Statement: Array<{ Effect: string; Action: string[]; Resource: unknown[] }> }) =>
      document.Statement.map((s) => ({ effect: s.Effect, actions: [...s.Action].sort(), resources: s.Resource.map(rosValueText).sort(), condition: null }));

    const mysql = group('mysql-tier');
    expect(mysql.instanceRole).toEqual({
      name: 'AppSnapshot-mysql-tier',
      created: true,
      attachment: 'stack',
      attachedInstances: 7,
      trustedServices: ['ecs.aliyuncs.com'],
      policies: [{ name: 'AppSnapshot-mysql-tier-Policy', attachedAs: 'inline', statements: statementsOf(roleNamed('AppSnapshot-mysql-tier').Properties.Policies[0].PolicyDocument) }],
    });
    expect(mysql.executionRole).toEqual({
      name: 'AppSnapshotOos-mysql-tier',
      created: true,
      trustedServices: ['oos.aliyuncs.com'],
      policies: [{ name: 'AppSnapshotOos-mysql-tier-Policy', attachedAs: 'inline', statements: statementsOf(roleNamed('AppSnapshotOos-mysql-tier').Properties.Policies[0].PolicyDocument) }],
    });
    // The execution role allows named actions only.
    expect(mysql.executionRole.policies[0].statements[0].actions.length).toBeGreaterThan(0);
    expect(mysql.executionRole.policies[0].statements[0].actions.some((a) => a.includes('*'))).toBe(false);

    const win = group('win-tier');
    const managed = Object.values(template.Resources).find((r) => r.Type === 'ALIYUN::RAM::ManagedPolicy')!;
    expect(win.instanceRole).toEqual({
      name: 'CorpWindowsRole',
      created: false,
      attachment: 'none',
      attachedInstances: null,
      trustedServices: [],
      policies: [{ name: 'CorpWindowsRole-Policy', attachedAs: 'managed', statements: statementsOf(managed.Properties.PolicyDocument) }],
    });
  });

  test('next run times: the next three after --now, in UTC and on the schedule\'s wall clock, across a DST change', () => {
    // New York: 03:30 EST (UTC-5) on Saturday 9 March; clocks go forward at 02:00 on the 10th, so 03:30 EDT (UTC-4).
    expect(group('mysql-tier').schedule).toEqual({
      type: 'cron',
      expression: '0 30 3 ? * *',
      description: 'every day at 03:30 America/New_York, until 2099-12-31T23:59:59Z',
      timeZone: 'America/New_York',
      endDate: '2099-12-31T23:59:59Z',
      templateName: 'AppConsistentSnapshot-mysql-tier-Schedule',
      nextRuns: [
        { utc: '2024-03-09T08:30:00Z', local: '2024-03-09T03:30:00-05:00' },
        { utc: '2024-03-10T07:30:00Z', local: '2024-03-10T03:30:00-04:00' },
        { utc: '2024-03-11T07:30:00Z', local: '2024-03-11T03:30:00-04:00' },
      ],
    });
    // Berlin, Sundays 01:00 CET (UTC+1): the 10th and the 17th; the 24th is after the end date.
    expect(group('win-tier').schedule?.nextRuns).toEqual([
      { utc: '2024-03-10T00:00:00Z', local: '2024-03-10T01:00:00+01:00' },
      { utc: '2024-03-17T00:00:00Z', local: '2024-03-17T01:00:00+01:00' },
    ]);
    expect(group('win-tier').schedule?.endDate).toBe('2024-03-20');
  });

  test('the Markdown: a summary table, the first ids of a large group, the schedule and the roles', () => {
    const md = read(path.join(outA, 'posture.md'));
    expect(md).toMatch(/^# Backup posture `shop`\n/);
    expect(md).toContain(`| \`ShopBackups\` | ${report.stacks[0].resourceCount} |`);
    expect(md).toContain('| `mysql-tier` | Linux | 7 instances | `mysql` scripts, fs freeze, 10 s pause | yes | every day at 03:30 America/New_York, until 2099-12-31T23:59:59Z | no clean-up |');
    expect(md).toContain('| `app-tier` | Linux | instances tagged `env=prod`, `tier=app` | `generic` scripts, fs freeze, 30 s pause | no | no schedule | no clean-up |');
    expect(md).toContain('| `win-tier` | Windows | 1 instance | VSS with writers | yes |');
    expect(md).toContain('7 instances: `i-mysql00000001`, `i-mysql00000002`, `i-mysql00000003`, `i-mysql00000004`, `i-mysql00000005` and 2 more (all of them in posture.json)');
    expect(md).not.toContain('i-mysql00000006');
    expect(md).toContain('| `2024-03-10T07:30:00Z` | `2024-03-10T03:30:00-04:00` |');
    expect(md).toContain('No schedule: executions are started by hand or by a pipeline.');
    expect(md).toContain('### Instance role `CorpWindowsRole`\n\nAn existing role (the stack attaches the policy to it); not attached by the stack');
    expect(md).toContain('### OOS execution role `AppSnapshotOos-win-tier`\n\nCreated by the stack, trusted service `oos.aliyuncs.com`.');
    // The instance role's statement as the JSON has it (read from the template).
    const statement = group('mysql-tier').instanceRole.policies[0].statements[0];
    expect(md).toContain(`| Allow | ${statement.actions.map((a) => `\`${a}\``).join(', ')} | ${statement.resources.map((r) => `\`${r}\``).join(', ')} |`);
  });

  describe('with --previous', () => {
    let outB: string;
    let runB: SpawnSyncReturns<string>;

    beforeAll(() => {
      outB = path.join(dir, 'out-b');
      runB = runPosture(['--posture', fileB, '--out', outB, '--now', '2024-03-09T12:00:00Z', '--previous', path.join(outA, 'posture.json')]);
    });

    test('writes the difference: groups added and removed, and the changed fields of a group', () => {
      expect(runB.stderr).toBe('');
      expect(runB.status).toBe(0);
      expect(runB.stdout).toContain('changes: 1 group changed, 1 added, 1 removed.');
      const md = read(path.join(outB, 'posture-diff.md'));
      expect(md).toMatch(/^<!-- app-snapshot-posture-diff -->\n## Backup posture `shop`: changes\n\n1 group changed, 1 added, 1 removed\.\n/);
      expect(md).toContain('### Added groups\n\n- `web-tier`: Linux; instances tagged `tier=web`;');
      expect(md).toContain('### Removed groups\n\n- `app-tier`: Linux; instances tagged `env=prod`, `tier=app`;');
      expect(md).toContain('#### `mysql-tier`');
      expect(md).toContain('| `quiesce.timeoutSeconds` | `10` | `12` |');
      expect(md).toContain('| `schedule.expression` | `0 30 3 ? * *` | `0 0 4 ? * *` |');
      expect(md).toContain('| `targets.instanceIds` | removed `i-mysql00000007` | added `i-mysql00000008` |');
      expect(md).not.toContain('win-tier');
      expect(md).not.toContain('nextRuns');
    });

    test('the JSON difference has the same content', () => {
      const diff = readJson(path.join(outB, 'posture-diff.json'));
      expect(diff.summary).toBe('1 group changed, 1 added, 1 removed.');
      expect(diff.added.map((g: GroupReport) => g.name)).toEqual(['web-tier']);
      expect(diff.removed.map((g: GroupReport) => g.name)).toEqual(['app-tier']);
      expect(diff.changed.map((g: { name: string }) => g.name)).toEqual(['mysql-tier']);
      expect(diff.changed[0].changes).toEqual(expect.arrayContaining([
        { field: 'quiesce.timeoutSeconds', before: 10, after: 12 },
        { field: 'targets.instanceIds', added: ['i-mysql00000008'], removed: ['i-mysql00000007'] },
      ]));
      expect(diff.posture).toEqual([]);
      expect(diff.previousNow).toBe(NOW);
    });

    test('the same posture again: "No changes.", even at another instant', () => {
      const out = path.join(dir, 'out-same');
      const r = runPosture(['--posture', fileA, '--out', out, '--now', '2024-06-01T00:00:00Z', '--previous', path.join(outA, 'posture.json')]);
      expect(r.status).toBe(0);
      expect(read(path.join(out, 'posture-diff.md'))).toContain('\n\nNo changes.\n\n');
      const diff = readJson(path.join(out, 'posture-diff.json'));
      expect([diff.added, diff.removed, diff.changed, diff.posture]).toEqual([[], [], [], []]);
      // The next runs did move with the instant.
      expect(readJson(path.join(out, 'posture.json')).groups[0].schedule.nextRuns[0].utc).toBe('2024-06-01T07:30:00Z');
    });

    test('the same inputs give byte-identical files', () => {
      const again = path.join(dir, 'out-b-again');
      const r = runPosture(['--posture', fileB, '--out', again, '--now', '2024-03-09T12:00:00Z', '--previous', path.join(outA, 'posture.json')]);
      expect(r.status).toBe(0);
      const first = snapshotDir(outB);
      expect(Object.keys(first)).toEqual(['posture-diff.json', 'posture-diff.md', 'posture.json', 'posture.md']);
      expect(snapshotDir(again)).toEqual(first);
    });

    test('a later run without --previous removes the diff it would not match', () => {
      const out = path.join(dir, 'out-b-copy');
      fs.cpSync(outB, out, { recursive: true });
      const r = runPosture(['--posture', fileB, '--out', out, '--now', NOW]);
      expect(r.status).toBe(0);
      expect(fs.readdirSync(out).sort()).toEqual(['posture.json', 'posture.md']);
    });
  });

  describe('bad input: one line on stderr, exit non-zero, nothing written', () => {
    /** An output directory holding an earlier report, which must stay as it was. */
    function earlierOutput(name: string): { out: string; before: Record<string, string> } {
      const out = path.join(dir, name);
      fs.cpSync(outA, out, { recursive: true });
      return { out, before: snapshotDir(out) };
    }

    test('a bad posture: the error names the field', () => {
      const bad = path.join(dir, 'bad.posture.yaml');
      fs.writeFileSync(bad, postureA().replace('timeoutSeconds: 10', 'timeoutSeconds: 0'));
      const { out, before } = earlierOutput('out-bad-posture');
      const fresh = path.join(dir, 'out-never');
      for (const target of [out, fresh]) {
        const r = runPosture(['--posture', bad, '--out', target, '--now', NOW]);
        expect(r.status).toBe(1);
        expect(r.stdout).toBe('');
        expect(r.stderr).toMatch(/^error: `groups\[0\]\.timeoutSeconds` must be an integer from 1 to 600 .*got 0\n$/);
      }
      expect(snapshotDir(out)).toEqual(before);
      expect(fs.existsSync(fresh)).toBe(false);
    });

    test('a previous report of another version, or not a report, or not JSON', () => {
      const { out, before } = earlierOutput('out-bad-previous');
      const cases: Array<[string, RegExp]> = [
        [JSON.stringify({ ...report, reportVersion: 99 }), /has reportVersion 99, and this version of the package reads only 1/],
        [JSON.stringify({ Resources: {} }), /is not a posture report \(it has no reportVersion\)/],
        ['{"reportVersion": 1, "groups": [', /is not valid JSON/],
        [JSON.stringify({ ...report, groups: [{ name: 'x' }] }), /`groups\[0\]\.os` must be a string/],
      ];
      for (const [text, message] of cases) {
        const previous = path.join(dir, 'previous.json');
        fs.writeFileSync(previous, text);
        const r = runPosture(['--posture', fileA, '--out', out, '--now', NOW, '--previous', previous]);
        expect(r.status).toBe(1);
        expect(r.stderr).toMatch(new RegExp(`^error: previous report ${previous.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: `));
        expect(r.stderr).toMatch(message);
        expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      }
      expect(snapshotDir(out)).toEqual(before);
    });

    test('a bad --now or an unknown option: exit 2', () => {
      const out = path.join(dir, 'out-bad-now');
      for (const args of [['--now', '2024-03-08 12:00'], ['--now', '2024-02-30T00:00:00Z'], ['--output', out]]) {
        const r = runPosture(['--posture', fileA, '--out', out, ...args]);
        expect(r.status).toBe(2);
        expect(r.stderr).toMatch(/^error: .*\(see --help\)\n$/);
      }
      expect(fs.existsSync(out)).toBe(false);
    });
  });

  test('APP_SNAPSHOT_CONFIG names the posture; without --now the clock is used and recorded', () => {
    const out = path.join(dir, 'out-env');
    const before = Date.now();
    const r = runPosture(['--out', out], { env: { APP_SNAPSHOT_CONFIG: fileA } });
    const after = Date.now();
    expect(r.status).toBe(0);
    expect(r.stdout).not.toContain('example');
    const json = readJson(path.join(out, 'posture.json'));
    expect(json.postureFile).toBe(fileA);
    expect(json.nowSource).toBe('clock');
    const used = Date.parse(json.now);
    expect(used).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(used).toBeLessThanOrEqual(after);
    expect(Date.parse(json.groups[0].schedule.nextRuns[0].utc)).toBeGreaterThan(used);
    expect(read(path.join(out, 'posture.md'))).toContain('(the clock when the report was made)');
  });

  test('no posture given: the example, said on stdout, into posture-report/ of the working directory', () => {
    const cwd = tempDir('posture-cwd-');
    const r = runPosture(['--now', NOW], { cwd });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('no --posture or APP_SNAPSHOT_CONFIG: reporting the example posture templates/posture/example.posture.yaml');
    const json = readJson(path.join(cwd, 'posture-report', 'posture.json'));
    expect(json.postureFile).toBe('templates/posture/example.posture.yaml');
    expect(json.postureName).toBe(loadPostureFile(path.join(REPO_ROOT, 'templates/posture/example.posture.yaml')).postureName);
    fs.rmSync(cwd, { recursive: true, force: true });
  });
});

describe('the report in process', () => {
  const now = new Date(NOW);
  let dir: string;
  let posture: Posture;

  beforeAll(() => {
    dir = tempDir('posture-report-lib-');
    fs.writeFileSync(path.join(dir, 'a.posture.yaml'), postureA());
    posture = loadPostureFile(path.join(dir, 'a.posture.yaml'));
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** The posture with a retention option on the MySQL tier (the option is read defensively). */
  function withRetention(retention: Record<string, unknown>): Posture {
    const [first, ...rest] = posture.groups;
    return { ...posture, groups: [{ ...first, options: { ...first.options, retention } as typeof first.options }, ...rest] };
  }

  test('retention, when a group has it: in the JSON, the Markdown and the difference', () => {
    const options = { now, nowSource: 'option' as const, postureFile: 'a.posture.yaml' };
    const plain = buildPostureReport(posture, options);
    const kept = buildPostureReport(withRetention({ keepLast: 7, maxAgeDays: 30, maxDeletesPerRun: 20, dryRun: true }), options);
    expect(kept.groups[0].retention).toEqual({ keepLast: 7, maxAgeDays: 30, maxDeletesPerRun: 20, dryRun: true, deleteOrphans: null, orphanRetentionDays: null });
    expect(kept.groups[1].retention).toBeNull();
    expect(renderReportMarkdown(kept)).toContain('- **Retention:** keep the last 7, delete after 30 days, at most 20 deletions a run, dry run (lists, deletes nothing)');
    const partial = buildPostureReport(withRetention({ keepLast: 3 }), options);
    expect(partial.groups[0].retention).toEqual({ keepLast: 3, maxAgeDays: null, maxDeletesPerRun: null, dryRun: null, deleteOrphans: null, orphanRetentionDays: null });

    const diff = diffReports(plain, kept);
    // Retention adds the clean-up templates to the stack: its resource count changes too.
    expect(diff.summary).toBe('1 group changed, posture settings changed.');
    expect(diff.changed[0].changes.find((c) => c.field === 'retention')).toEqual({ field: 'retention', before: null, after: kept.groups[0].retention });
    expect(diff.changed[0].changes.map((c) => c.field).filter((f) => !/^(retention|executionRole)/.test(f))).toEqual([]);
    expect(renderDiffMarkdown(diff)).toContain('| `retention` | none | keep the last 7, delete after 30 days, at most 20 deletions a run, dry run (lists, deletes nothing) |');
    const less = diffReports(partial, kept);
    expect(less.changed[0].changes.map((c) => c.field)).toEqual(['retention.dryRun', 'retention.keepLast', 'retention.maxAgeDays', 'retention.maxDeletesPerRun']);
  });

  test('lock, copies and orphan clean-up, when a group has them: in the JSON, the Markdown and the difference', () => {
    const options = { now, nowSource: 'option' as const, postureFile: 'a.posture.yaml' };
    const [first, ...rest] = posture.groups;
    const safe: Posture = {
      ...posture,
      groups: [{
        ...first,
        options: {
          ...first.options,
          retention: { maxAgeDays: 14, deleteOrphans: true },
          lock: { days: 7, coolOffHours: 2 },
          copy: { regions: ['cn-shanghai', 'cn-beijing'], retentionDays: 30, kmsKeyIds: { 'cn-beijing': 'key-bj0001' }, maxInFlight: 2 },
        },
      }, ...rest],
    };
    const plain = buildPostureReport(posture, options);
    const report = buildPostureReport(safe, options);
    const g = report.groups[0];
    expect(g.lock).toEqual({ days: 7, coolOffHours: 2 });
    expect(g.copy).toEqual({
      regions: ['cn-shanghai', 'cn-beijing'], retentionDays: 30, encryptedRegions: ['cn-beijing'], requireVerified: false, maxInFlight: 2,
      templateName: `${g.automation.templateName}-Copy`,
    });
    // orphanRetentionDays as applied: maxAgeDays when not given.
    expect(g.retention).toMatchObject({ maxAgeDays: 14, deleteOrphans: true, orphanRetentionDays: 14 });
    expect(report.groups[1].lock).toBeNull();
    expect(report.groups[1].copy).toBeNull();
    const md = renderReportMarkdown(report);
    expect(md).toContain('- **Retention:** delete after 14 days, groups of deleted instances after 14 days');
    expect(md).toContain('- **Lock:** each application-consistent group locked 7 days after 2 hours of cool-off (compliance mode: nobody can delete it meanwhile)');
    expect(md).toContain(`- **Copies:** the newest application-consistent group to \`cn-shanghai\`, \`cn-beijing\` (encrypted), kept 30 days by ECS, at most 2 in flight (\`${g.automation.templateName}-Copy\`)`);
    expect(renderReportMarkdown(plain)).toContain('- **Lock:** not locked');

    const diff = diffReports(plain, report);
    const changes = diff.changed[0].changes;
    expect(changes.find((c) => c.field === 'lock')).toEqual({ field: 'lock', before: null, after: g.lock });
    expect(changes.find((c) => c.field === 'copy')).toEqual({ field: 'copy', before: null, after: g.copy });
    const text = renderDiffMarkdown(diff);
    expect(text).toContain('| `lock` | none | each application-consistent group locked 7 days after 2 hours of cool-off');
    expect(text).toContain('| `copy` | none | the newest application-consistent group to `cn-shanghai`');
    // A report written before locks and copies existed reads back and compares as "none".
    const older = JSON.parse(JSON.stringify(plain));
    for (const group of older.groups) { delete group.lock; delete group.copy; }
    const fromOlder = diffReports(parsePreviousReport(JSON.stringify(older), 'old.json'), plain);
    expect(fromOlder.summary).toBe('No changes.');
  });

  /** The posture with a restore drill on the MySQL tier. */
  function withDrill(restoreTest: Record<string, unknown>): Posture {
    const doc = postureA().replace('    scripts:\n      engine: mysql', `    restoreTest: ${JSON.stringify(restoreTest)}\n    scripts:\n      engine: mysql`);
    fs.writeFileSync(path.join(dir, 'drill.posture.yaml'), doc);
    return loadPostureFile(path.join(dir, 'drill.posture.yaml'));
  }

  test('a restore drill, when a group declares one: in the JSON with its next runs, in the Markdown, and in the difference', () => {
    const options = { now, nowSource: 'option' as const, postureFile: 'a.posture.yaml' };
    const plain = buildPostureReport(posture, options);
    const drilled = buildPostureReport(withDrill({
      instance: 'i-scratch00000001', check: { engine: 'mysql', query: 'SELECT 1 FROM shop.orders LIMIT 1' }, schedule: 'cron(0 0 4 ? * SUN)', maxAgeHours: 26,
    }), options);
    const drill = drilled.groups[0].restoreTest!;
    expect(drill).toMatchObject({
      templateName: 'AppConsistentSnapshot-mysql-tier-RestoreTest', scratchInstanceId: 'i-scratch00000001', source: 'random',
      check: { kind: 'mysql', options: { query: 'SELECT 1 FROM shop.orders LIMIT 1' } }, maxAgeHours: 26, timeoutMinutes: 30, diskDeletionTagCondition: true,
      schedule: { type: 'cron', expression: '0 0 4 ? * SUN', templateName: 'AppConsistentSnapshot-mysql-tier-RestoreTestSchedule' },
    });
    // 2024-03-08 is a Friday: the next Sundays at 04:00 UTC.
    expect(drill.schedule!.nextRuns.map((r) => r.utc)).toEqual(['2024-03-10T04:00:00Z', '2024-03-17T04:00:00Z', '2024-03-24T04:00:00Z']);
    expect(drilled.groups.slice(1).map((g) => g.restoreTest)).toEqual([null, null]);
    expect(plain.groups.map((g) => g.restoreTest)).toEqual([null, null, null]);
    const md = renderReportMarkdown(drilled);
    expect(md).toContain('| Group | OS | Targets | Quiesce | App-consistent required | Schedule | Retention | Restore drill |');
    expect(md).toContain('- **Restore drill:** `mysql` check on `i-scratch00000001`, on SUN at 04:00 UTC, until 2099-12-31T23:59:59Z');
    expect(md).toContain('- **Restore drill:** no drill');
    expect(md).toContain('Template `AppConsistentSnapshot-mysql-tier-RestoreTest`: restores the newest application-consistent group of a different instance each run to disks on the scratch instance `i-scratch00000001`');
    expect(md).toContain('| `2024-03-10T04:00:00Z` |');

    const diff = diffReports(plain, drilled);
    expect(diff.changed[0].changes.find((c) => c.field === 'restoreTest')).toEqual({ field: 'restoreTest', before: null, after: expect.objectContaining({ scratchInstanceId: 'i-scratch00000001' }) });
    expect(renderDiffMarkdown(diff)).toContain('| `restoreTest` | none | `mysql` check on `i-scratch00000001`, on SUN at 04:00 UTC');
    // The next runs move with the clock: not a change. A report made before drills existed has no key: not a change either.
    const later = buildPostureReport(withDrill({ instance: 'i-scratch00000001', check: { engine: 'mysql', query: 'SELECT 1 FROM shop.orders LIMIT 1' }, schedule: 'cron(0 0 4 ? * SUN)', maxAgeHours: 26 }),
      { ...options, now: new Date('2024-04-01T00:00:00Z') });
    expect(diffReports(drilled, later).changed).toEqual([]);
    const older = { ...plain, groups: plain.groups.map(({ restoreTest: _r, ...g }) => g as GroupReport) };
    expect(diffReports(parsePreviousReport(JSON.stringify(older), 'old.json'), plain).changed).toEqual([]);
  });

  test('the difference compares plain lists as sets and policies by name', () => {
    const before = buildPostureReport(posture, { now, nowSource: 'option', postureFile: 'a.posture.yaml' });
    const copy = (): PostureReport => JSON.parse(JSON.stringify(before));
    const reordered = copy();
    (reordered.groups[0].targets as unknown as { instanceIds: string[] }).instanceIds.reverse();
    expect(diffReports(before, reordered).summary).toBe('No changes.');

    const widened = copy();
    const statement = widened.groups[0].instanceRole.policies[0].statements[0] as unknown as { actions: string[]; resources: string[] };
    statement.actions.push('ecs:DeleteSnapshot');
    const removedResource = statement.resources[0];
    statement.resources = ['acs:ecs:cn-hangzhou:123:snapshot/*', ...statement.resources.slice(1)];
    const renamed = widened.groups[2].instanceRole.policies[0] as { name: string };
    renamed.name = 'CorpWindowsRole-Snapshots';
    const d = diffReports(before, widened);
    expect(d.summary).toBe('2 groups changed.');
    expect(d.changed[0].changes).toEqual([
      { field: 'instanceRole.policies[AppSnapshot-mysql-tier-Policy].statements[0].actions', added: ['ecs:DeleteSnapshot'], removed: [] },
      { field: 'instanceRole.policies[AppSnapshot-mysql-tier-Policy].statements[0].resources', added: ['acs:ecs:cn-hangzhou:123:snapshot/*'], removed: [removedResource] },
    ]);
    expect(d.changed[1].changes).toEqual([{ field: 'instanceRole.policies', added: ['CorpWindowsRole-Snapshots'], removed: ['CorpWindowsRole-Policy'] }]);

    const renamedPosture = copy();
    (renamedPosture as { description: string | null }).description = 'Other';
    expect(diffReports(before, renamedPosture).summary).toBe('Posture settings changed.');
  });

  test('a previous report is read back as it was written', () => {
    const r = buildPostureReport(posture, { now, nowSource: 'option', postureFile: 'a.posture.yaml' });
    expect(parsePreviousReport(JSON.stringify(r), 'x.json')).toEqual(r);
  });

  test('policy resources scoped with ROS functions are written out readably', () => {
    expect(rosValueText('*')).toBe('*');
    expect(rosValueText({ 'Fn::Join': [':', ['acs:ecs', { Ref: 'ALIYUN::Region' }, { Ref: 'ALIYUN::AccountId' }, 'snapshot/*']] }))
      .toBe('acs:ecs:${ALIYUN::Region}:${ALIYUN::AccountId}:snapshot/*');
    expect(rosValueText({ 'Fn::Sub': 'acs:ecs:${ALIYUN::Region}:*:disk/*' })).toBe('acs:ecs:${ALIYUN::Region}:*:disk/*');
    expect(rosValueText({ 'Fn::GetAtt': ['Role', 'RoleName'] })).toBe('${Role.RoleName}');
    expect(rosValueText({ 'Fn::Select': [0, ['a']] })).toBe('{"Fn::Select":[0,["a"]]}');
  });

  test('inline code survives backticks and table cells survive pipes', () => {
    expect(code('a`b')).toBe('`` a`b ``');
    expect(code('plain')).toBe('`plain`');
    const r = buildPostureReport({ ...posture, description: 'a | b *c*' }, { now, nowSource: 'option', postureFile: 'p|q.yaml' });
    const md = renderReportMarkdown(r);
    expect(md).toContain('a \\| b \\*c\\*');
    expect(md).toContain('Posture file `p|q.yaml`.');
  });
});
