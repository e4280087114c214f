import * as fs from 'fs';
import * as path from 'path';
import * as ros from '@alicloud/ros-cdk-core';
import { AppConsistentSnapshot, AppConsistentSnapshotProps } from '../lib/app-consistent-snapshot';
import { lintTemplateObject } from '../lib/oos/lint';
import { OperatingSystem } from '../lib/plugin/parameters';
import { DRILL_RESULT_PREFIX, RestoreCheck, buildDrillCheckCommand } from '../lib/restore-check';
import {
  RESTORE_TEST_SELECTORS,
  RestoreSource,
  RestoreTestOptions,
  SOURCE_PICK,
  timerTriggerInMinutes,
} from '../lib/restore-drill';
import { Schedule } from '../lib/schedule';
import { ValidationError } from '../lib/validation';
import { jq } from './e2e/oos-runtime';
import { instanceIds, newApp, tempDir, templateNamed, templateOf, unpackedCommand } from './helpers';

const IDS = instanceIds(3);
const SCRATCH = 'i-scratch000000000001';
const DRILL: RestoreTestOptions = { scratchInstanceId: SCRATCH, check: RestoreCheck.mysql({ query: 'SELECT 1 FROM shop.orders LIMIT 1' }) };

function group(props: Partial<AppConsistentSnapshotProps> = {}, drill: Partial<RestoreTestOptions> = {}) {
  const stack = new ros.Stack(newApp(), 'prod');
  const g = new AppConsistentSnapshot(stack, 'db', { groupName: 'db', os: OperatingSystem.LINUX, instanceIds: IDS, restoreTest: { ...DRILL, ...drill }, ...props });
  const t = templateOf(stack);
  /** A drill template's content, by the suffix of its name (`RestoreTest`, `RestoreTestRun`, ...). */
  const content = (suffix: string) => JSON.parse(templateNamed(t, `AppConsistentSnapshot-db-${suffix}`).resource.Properties.Content);
  return { g, t, content };
}

/** The ValidationError a drill's options raise in a group, as [field, rule, value]. */
function refusal(drill: Partial<RestoreTestOptions>, props: Partial<AppConsistentSnapshotProps> = {}): [string, string, unknown] {
  try {
    group(props, drill);
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    const v = e as ValidationError;
    return [v.field, v.rule, v.value];
  }
  throw new Error('no error');
}

describe('the restore drill of a group', () => {
  test('creates the drill, run and clean-up templates, named after the automation; the drill is created after the two it runs', () => {
    const { t, g } = group();
    const [drill, run, cleanup] = ['RestoreTest', 'RestoreTestRun', 'RestoreTestCleanup'].map((s) => templateNamed(t, `AppConsistentSnapshot-db-${s}`));
    expect([drill.id, run.id, cleanup.id]).toEqual([expect.stringMatching(/^DbRestoreTestTemplate[0-9A-F]{8}$/), expect.stringMatching(/^DbRestoreTestRunTemplate[0-9A-F]{8}$/), expect.stringMatching(/^DbRestoreTestCleanupTemplate[0-9A-F]{8}$/)]);
    expect(drill.resource.DependsOn).toEqual(expect.arrayContaining([run.id, cleanup.id]));
    expect(g.restoreDrill!.scheduleStart).toBeUndefined();
    expect(Object.values(t.Resources).filter((r) => r.Type === 'ALIYUN::OOS::Execution')).toEqual([]);
  });

  test('the drill\'s defaults: the scratch instance, the group\'s instances, a different source each run, 48 hours, 30 minutes', () => {
    const { content } = group();
    const p = content('RestoreTest').Parameters;
    expect(p.scratchInstanceId.Default).toBe(SCRATCH);
    expect(p.instanceIds.Default).toEqual(IDS);
    expect(p.sourceInstanceId.Default).toBe('');
    expect(p.maxAgeHours.Default).toBe(48);
    expect(p.checkTimeoutSeconds.Default).toBe(1800);
    expect(p.postureName.Default).toBe('prod');
    expect(p.groupName.Default).toBe('db');
    expect(p.OOSAssumeRole.Default).toBe('AppSnapshotOos-db');
    const named = group({}, { source: RestoreSource.instance(IDS[1]), maxAgeHours: 26, timeoutMinutes: 10 }).content('RestoreTest').Parameters;
    expect([named.sourceInstanceId.Default, named.maxAgeHours.Default, named.checkTimeoutSeconds.Default]).toEqual([IDS[1], 26, 600]);
  });

  test('with a schedule: a scheduled template that runs the drill, rates written in minutes, started by an execution that waits for everything it uses', () => {
    const { t, content } = group({}, { schedule: Schedule.rate(1, 'days') });
    const schedule = content('RestoreTestSchedule');
    expect(schedule.Tasks[0]).toMatchObject({ Action: 'ACS::TimerTrigger', Properties: { Type: 'rate', Expression: '1440 minutes' } });
    expect(schedule.Tasks[1]).toMatchObject({ Action: 'ACS::Template', Properties: { TemplateName: '{{ drillTemplateName }}' } });
    const [id, execution] = Object.entries(t.Resources).find(([, r]) => r.Type === 'ALIYUN::OOS::Execution')!;
    expect(id).toMatch(/^DbRestoreTestScheduleStartExecution[0-9A-F]{8}$/);
    expect(execution.Properties).toMatchObject({ TemplateName: 'AppConsistentSnapshot-db-RestoreTestSchedule', Mode: 'Automatic', SafetyCheck: 'Skip' });
    const ids = ['RestoreTest', 'RestoreTestRun', 'RestoreTestCleanup', 'RestoreTestSchedule'].map((s) => templateNamed(t, `AppConsistentSnapshot-db-${s}`).id);
    expect(execution.DependsOn).toEqual(expect.arrayContaining([...ids, 'DbExecutionRoleRole']));
    expect(timerTriggerInMinutes({ Type: 'rate', Expression: '6 hour', TimeZone: 'UTC', EndDate: 'x' }).Expression).toBe('360 minutes');
    expect(timerTriggerInMinutes({ Type: 'rate', Expression: '15 minutes', TimeZone: 'UTC', EndDate: 'x' }).Expression).toBe('15 minutes');
    expect(timerTriggerInMinutes({ Type: 'cron', Expression: '0 0 4 ? * SUN', TimeZone: 'UTC', EndDate: 'x' }).Expression).toBe('0 0 4 ? * SUN');
  });

  test('every drill template passes oos-lint in strict mode and fits OOS\'s 64 KB, the scheduled one with the group\'s alerts', () => {
    const { t, content } = group({ targetTags: { tier: 'db' }, instanceIds: undefined, schedule: Schedule.rate(1, 'days'), notify: { webhookSecretParameter: 'drill-hook' } },
      { schedule: Schedule.cron('0 0 4 ? * SUN') });
    expect(content('RestoreTestSchedule').Parameters.notifyWebhook.Default).toBe('{{oos-secret:drill-hook}}');
    const drill = Object.entries(t.Resources).filter(([id, r]) => r.Type === 'ALIYUN::OOS::Template' && id.includes('RestoreTest'));
    expect(drill).toHaveLength(4);
    for (const [id, r] of drill) {
      const result = lintTemplateObject(JSON.parse(r.Properties.Content), { name: id, strict: true });
      expect({ id, findings: result.findings.filter((f) => f.severity === 'error') }).toEqual({ id, findings: [] });
      expect(Buffer.byteLength(r.Properties.Content)).toBeLessThan(64 * 1024);
    }
  });

  test('the execution role allows exactly what the drill calls besides the snapshots, deleting only disks with the drill\'s tag', () => {
    const { t } = group();
    const statements = t.Resources.DbExecutionRoleRole.Properties.Policies[0].PolicyDocument.Statement;
    const actions = statements.flatMap((s: { Action: string[] }) => s.Action);
    for (const a of ['ecs:CreateDisk', 'ecs:AttachDisk', 'ecs:DetachDisk', 'ecs:DeleteDisk', 'ecs:DescribeDisks', 'ecs:DescribeSnapshotGroups', 'ecs:DescribeSnapshots', 'ecs:TagResources', 'ecs:RunCommand']) {
      expect(actions).toContain(a);
    }
    expect(statements.find((s: { Action: string[] }) => s.Action.includes('ecs:DeleteDisk'))).toEqual({
      Effect: 'Allow', Action: ['ecs:DeleteDisk'], Resource: ['*'], Condition: { StringEquals: { 'acs:ResourceTag/app-snapshot:drill': 'prod/db' } },
    });
    const off = group({}, { diskDeletionTagCondition: false }).t.Resources.DbExecutionRoleRole.Properties.Policies[0].PolicyDocument.Statement;
    expect(off.filter((s: { Condition?: unknown }) => s.Condition !== undefined)).toEqual([]);
    const scoped = group({ resourceScope: { accountId: '1234567890123456', regionId: 'cn-shanghai' } }).t.Resources.DbExecutionRoleRole.Properties.Policies[0].PolicyDocument.Statement;
    expect(scoped.find((s: { Action: string[] }) => s.Action.includes('ecs:DeleteDisk')).Resource).toEqual(['acs:ecs:cn-shanghai:1234567890123456:*']);
  });

  test('the same input synthesizes the same templates', () => {
    const a = group({}, { schedule: Schedule.cron('0 0 4 ? * SUN') }).t;
    const b = group({}, { schedule: Schedule.cron('0 0 4 ? * SUN') }).t;
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });
});

describe('what the drill refuses', () => {
  test.each<[string, Partial<RestoreTestOptions>, Partial<AppConsistentSnapshotProps>, [string, RegExp, unknown]]>([
    ['no scratch instance', { scratchInstanceId: undefined as unknown as string }, {}, ['restoreTest.scratchInstanceId', /is required/, undefined]],
    ['a malformed scratch instance', { scratchInstanceId: 'scratch' }, {}, ['restoreTest.scratchInstanceId', /must be an ECS instance id/, 'scratch']],
    ['the scratch instance among the group\'s', { scratchInstanceId: IDS[2] }, {}, ['restoreTest.scratchInstanceId', /must not be one of the group's instances/, IDS[2]]],
    ['a Windows group', {}, { os: OperatingSystem.WINDOWS }, ['restoreTest', /applies to Linux groups only/, 'windows']],
    ['a source outside the group', { source: RestoreSource.instance('i-elsewhere00000001') }, {}, ['restoreTest.source', /must name one of the group's instances/, 'i-elsewhere00000001']],
    ['maxAgeHours 0', { maxAgeHours: 0 }, {}, ['restoreTest.maxAgeHours', /must be an integer from 1 to 87600/, 0]],
    ['timeoutMinutes 1441', { timeoutMinutes: 1441 }, {}, ['restoreTest.timeoutMinutes', /must be an integer from 1 to 1440/, 1441]],
    ['an unknown option', { keepDisks: true } as unknown as Partial<RestoreTestOptions>, {}, ['restoreTest.keepDisks', /is not a restore drill option/, true]],
    ['no check', { check: undefined as unknown as RestoreCheck }, {}, ['restoreTest.check', /is required/, undefined]],
    ['a query with {{', { check: RestoreCheck.mysql({ query: 'SELECT "{{ x }}"' }) }, {}, ['restoreTest.check.query', /without `{{`/, 'SELECT "{{ x }}"']],
    ['a query on two lines', { check: RestoreCheck.postgresql({ query: 'SELECT 1;\nDROP TABLE x' }) }, {}, ['restoreTest.check.query', /must be one line/, 'SELECT 1;\nDROP TABLE x']],
    ['a relative data directory', { check: RestoreCheck.redis({ dataDir: 'var/lib/redis' }) }, {}, ['restoreTest.check.dataDir', /must be an absolute path/, 'var/lib/redis']],
    ['a data directory with ..', { check: RestoreCheck.mysql({ dataDir: '/var/../etc' }) }, {}, ['restoreTest.check.dataDir', /without `..`/, '/var/../etc']],
    ['a database name with a space', { check: RestoreCheck.postgresql({ database: 'my db' }) }, {}, ['restoreTest.check.database', /must be 1 to 64 letters/, 'my db']],
    ['a database for Redis', { check: RestoreCheck.redis({ database: '0' } as never) }, {}, ['restoreTest.check.database', /is not an option of the redis check/, '0']],
    ['a check script that does not exist', { check: RestoreCheck.fromFile('/nonexistent/check.sh') }, {}, ['restoreTest.check.script', /must name a readable file/, '/nonexistent/check.sh']],
    ['a template name leaving no room for the drill\'s', {}, { templateName: 'x'.repeat(181) }, ['templateName', /must be at most 180 characters/, 'x'.repeat(181)]],
  ])('%s', (_name, drill, props, [field, rule, value]) => {
    const [f, r, v] = refusal(drill, props);
    expect(f).toBe(field);
    expect(r).toMatch(rule);
    expect(v).toEqual(value);
  });

  test('a check script larger than 8 KB or holding {{ is refused', () => {
    const dir = tempDir('drill-script-');
    try {
      fs.writeFileSync(path.join(dir, 'big.sh'), '#'.repeat(8193));
      fs.writeFileSync(path.join(dir, 'ref.sh'), 'echo {{ x }}\n');
      expect(refusal({ check: RestoreCheck.fromFile(path.join(dir, 'big.sh')) })[1]).toMatch(/at most 8192 bytes/);
      expect(refusal({ check: RestoreCheck.fromFile(path.join(dir, 'ref.sh')) })[1]).toMatch(/must not contain `\{\{`/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a group of more than 1,000 ids needs a named source, and its drill then carries that one only', () => {
    const many = instanceIds(1001);
    expect(refusal({}, { instanceIds: many, schedule: Schedule.cron('0 0 2 ? * *') })).toEqual(['restoreTest.source', expect.stringMatching(/must name one instance for a group of more than 1,000/), 'random']);
    const { content } = group({ instanceIds: many, schedule: Schedule.cron('0 0 2 ? * *') }, { source: RestoreSource.instance(many[500]) });
    expect(content('RestoreTest').Parameters.instanceIds.Default).toEqual([many[500]]);
  });
});

describe('the drill\'s selectors and functions, run with jq', () => {
  // The builtins, keywords and syntax Alibaba's own templates use (reference section 6).
  const ALLOWED = new Set(['map', 'select', 'tostring', 'test', 'length', 'index', 'floor', 'scan', 'sort', 'not', 'add', 'in', 'any', 'first',
    'group_by', 'split', 'del', 'join', 'ascii_downcase', 'contains', 'range', 'gsub', 'tonumber', 'fromjson', 'as', 'if', 'then', 'else', 'end', 'or', 'and',
    'true', 'false', 'null']);
  const programs = () => {
    const { content } = group({ targetTags: { tier: 'db' }, instanceIds: undefined });
    const docs = ['RestoreTest', 'RestoreTestRun', 'RestoreTestCleanup'].map((s) => content(s));
    const out: string[] = [];
    const walk = (v: unknown, key = ''): void => {
      if (typeof v === 'string' && ['ValueSelector', 'PropertySelector'].includes(key)) out.push(v);
      else if (Array.isArray(v)) {
        if (key === 'Fn::Jq') out.push(String(v[1]));
        v.forEach((x) => walk(x));
      } else if (v !== null && typeof v === 'object') Object.entries(v).forEach(([k, x]) => walk(x, k));
    };
    docs.forEach((d) => walk(d.Tasks));
    return out.filter((p) => !p.includes('SELECTED_IDS') && !p.includes('error("the tags select'));
  };

  test('use only the jq subset of Alibaba\'s templates: no //, no string interpolation, no error, no other builtin', () => {
    const all = programs();
    expect(all.length).toBeGreaterThan(10);
    for (const p of all) {
      const code = p.replace(/\{\{[^}]*\}\}/g, '').replace(/"(?:[^"\\]|\\.)*"/g, '""');
      expect({ p, slashes: code.includes('//'), interpolation: /\\\(/.test(p) }).toEqual({ p, slashes: false, interpolation: false });
      // Words that are neither paths (.x), variables ($x) nor object keys (x:).
      const words = (code.match(/(?<![.$A-Za-z0-9_])[A-Za-z_][A-Za-z0-9_]*(?![A-Za-z0-9_]*:)/g) ?? []).filter((w) => !ALLOWED.has(w));
      expect({ p, words }).toEqual({ p, words: [] });
    }
  });

  const group_ = (id: string, created: string, tags: Array<{ Key: string; Value: string }>, instance = 'i-src', status = 'accomplished') => ({
    SnapshotGroupId: id, InstanceId: instance, Status: status, CreationTime: created,
    Snapshots: { Snapshot: [{ SnapshotId: `s-${id}a`, Tags: { Tag: tags } }, { SnapshotId: `s-${id}b`, Tags: { Tag: tags } }] },
  });
  const OURS = [{ Key: 'app-snapshot:posture', Value: 'prod' }, { Key: 'app-snapshot:group', Value: 'db' }];
  const select = (selector: string, groups: unknown[], more: Record<string, unknown> = {}, cutoff = '2024-05-08T00:00:00Z') =>
    jq(selector.replace(/\{\{ sourceInstanceId \}\}/g, 'i-src').replace(/\{\{ postureName \}\}/g, 'prod').replace(/\{\{ groupName \}\}/g, 'db')
      .replace(/\{\{ ageCutoff \}\}/g, cutoff), { SnapshotGroups: { SnapshotGroup: groups }, ...more });

  test('the selection: the newest group of the source whose snapshots all carry this posture\'s and group\'s tags and APPConsistent (any case)', () => {
    const groups = [
      group_('ssg-old', '2024-05-08T01:00:00Z', [...OURS, { Key: 'APPConsistent', Value: 'True' }]),
      group_('ssg-new', '2024-05-09T01:00:00Z', [...OURS, { Key: 'appconsistent', Value: 'TRUE' }]),
      group_('ssg-fs', '2024-05-09T02:00:00Z', [...OURS, { Key: 'FsConsistent', Value: 'True' }]),
      group_('ssg-other', '2024-05-09T03:00:00Z', [OURS[0], { Key: 'app-snapshot:group', Value: 'web' }, { Key: 'APPConsistent', Value: 'True' }]),
      group_('ssg-busy', '2024-05-09T04:00:00Z', [...OURS, { Key: 'APPConsistent', Value: 'True' }], 'i-src', 'progressing'),
      group_('ssg-elsewhere', '2024-05-09T05:00:00Z', [...OURS, { Key: 'APPConsistent', Value: 'True' }], 'i-other'),
    ];
    expect(select(RESTORE_TEST_SELECTORS.selection, groups)).toEqual(['eligible']);
    expect(select(RESTORE_TEST_SELECTORS.groupId, groups)).toEqual(['ssg-new']);
    expect(select(RESTORE_TEST_SELECTORS.snapshotIds, groups)).toEqual(['s-ssg-newa', 's-ssg-newb']);
    expect(select(RESTORE_TEST_SELECTORS.selection, groups, {}, '2024-05-10T00:00:00Z')[0]).toMatch(/^stale: the newest eligible group of instance i-src, ssg-new, was created at 2024-05-09T01:00:00Z, before the cut-off 2024-05-10T00:00:00Z/);
    expect(select(RESTORE_TEST_SELECTORS.selection, groups.slice(2))[0]).toMatch(/^no eligible group: instance i-src/);
    expect(select(RESTORE_TEST_SELECTORS.selection, [])[0]).toMatch(/^no eligible group/);
    expect(select(RESTORE_TEST_SELECTORS.selection, groups, { NextToken: 'page-100' })[0]).toMatch(/more than 100 snapshot groups/);
    expect(select(RESTORE_TEST_SELECTORS.snapshotIds, [])).toEqual([]);
  });

  test('the source: the named one, else a different instance each day, the same within an hour', () => {
    const ids = ['i-c', 'i-a', 'i-b'];
    const pick = (at: string, named = '') => jq(SOURCE_PICK.replace(/\{\{ sourceInstanceId \}\}/g, named).replace(/\{\{ ACS::CurrentUTCTime \}\}/g, at), ids)[0];
    expect(pick('2024-05-10T02:00:00Z', 'i-b')).toBe('i-b');
    // 2000-01-01 is Julian day 2451545; at hour 0 that is 2451545 % 3 = 2: the third id sorted.
    expect(pick('2000-01-01T00:00:00Z')).toBe('i-c');
    const days = ['2024-02-27', '2024-02-28', '2024-02-29', '2024-03-01', '2024-03-02', '2024-03-03'].map((d) => pick(`${d}T02:00:00Z`));
    expect(new Set(days.slice(0, 3))).toEqual(new Set(ids));
    expect(days.slice(3)).toEqual(days.slice(0, 3));
    expect(pick('2024-05-10T02:59:59Z')).toBe(pick('2024-05-10T02:00:00Z'));
  });

  test('the check\'s result line is parsed from its output; its own lines are kept', () => {
    const result = { verdict: 'restorable', reason: 'fine', seconds: 42, verifiedAt: '2024-05-10T02:03:04Z' };
    const output = { invocationOutput: `drill(mysql): one\nnoise\ndrill(mysql): two\n${DRILL_RESULT_PREFIX} ${JSON.stringify(result)}\n` };
    expect(jq(RESTORE_TEST_SELECTORS.result, output)).toEqual([result]);
    expect(jq(RESTORE_TEST_SELECTORS.lines, output)).toEqual(['drill(mysql): one', 'drill(mysql): two']);
    expect(jq(RESTORE_TEST_SELECTORS.drillDisks, { Disks: { Disk: [{ DiskId: 'd-1', SerialNumber: 'bp1x' }, { DiskId: 'd-2' }] } })).toEqual(['d-1:bp1x d-2']);
  });
});

describe('the check command', () => {
  test('carries the library and the engine\'s check, its options quoted, the facts OOS substitutes as here-document text', () => {
    const command = buildDrillCheckCommand(RestoreCheck.mysql({ query: "SELECT 'it''s' FROM t", database: 'shop' }), {
      disks: '{{ describeDrillDisks.disks }}', deadlineSeconds: '{{ checkTimeoutSeconds }}', startedAt: '{{ startedAt }}',
      executionId: '{{ drillExecutionId }}', groupId: '{{ selectSnapshotGroup.groupId }}', sourceInstanceId: '{{ sourceInstanceId }}',
    });
    expect(command).toContain("DRILL_QUERY='SELECT '\\''it'\\'''\\''s'\\'' FROM t'");
    expect(command).toContain("DRILL_DATABASE='shop'");
    expect(command).toContain("IFS= read -r DRILL_DISK_IDS <<'APP_SNAPSHOT_FACT'\n{{ describeDrillDisks.disks }}\nAPP_SNAPSHOT_FACT");
    expect((command.match(/\{\{[^}]*\}\}/g) ?? []).sort()).toEqual(['{{ checkTimeoutSeconds }}', '{{ describeDrillDisks.disks }}', '{{ drillExecutionId }}',
      '{{ selectSnapshotGroup.groupId }}', '{{ sourceInstanceId }}', '{{ startedAt }}']);
    const body = unpackedCommand(command);
    expect(body).toContain('drill_main');
    expect(body).toContain('is_mysql_data_dir');
    expect(body).not.toContain('BASH_SOURCE');
  });
});
