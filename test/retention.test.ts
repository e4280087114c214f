import * as ros from '@alicloud/ros-cdk-core';
import { executionActions } from '../lib/execution-role';
import { SNAPSHOT_TAG_KEYS, SNAPSHOT_TAG_VALUE_PATTERN } from '../lib/instance-template';
import { lintTemplateObject } from '../lib/oos/lint';
import { OOS_CONTENT_MAX_BYTES } from '../lib/oos/template';
import {
  AGE_CUTOFF_PATTERN,
  RETENTION_AUTOMATION_TEMPLATE_NAME_MAX_LENGTH,
  RETENTION_PAGE_SELECTOR,
  RETENTION_SELECTORS,
  RETENTION_TASKS,
  RetentionOptions,
  SnapshotRetention,
  SnapshotRetentionProps,
  buildRetentionDocuments,
  checkRetentionOptions,
  retentionTemplateSpec,
} from '../lib/retention';
import { ValidationError } from '../lib/validation';
import { synthesize } from '../lib/synth';
import { instanceIds, loopTaskOf, newApp, templateNamed, tempDir, templateOf } from './helpers';

const BASE: SnapshotRetentionProps = { automationTemplateName: 'AppConsistentSnapshot-db', instanceIds: instanceIds(2), keepLast: 7 };

function synth(props: Partial<SnapshotRetentionProps> = {}) {
  const stack = new ros.Stack(newApp(), 'prod');
  const retention = new SnapshotRetention(stack, 'Retention', { ...BASE, ...props });
  const t = templateOf(stack);
  const named = (name: string) => templateNamed(t, name).resource;
  return { retention, t, named, parent: JSON.parse(named(retention.templateName).Properties.Content), instance: JSON.parse(named(retention.instanceTemplateName).Properties.Content) };
}

/** The ValidationError thrown, as [field, rule, value]. */
function refusal(o: unknown, prefix?: string): [string, string, unknown] {
  try {
    checkRetentionOptions(o as RetentionOptions, prefix);
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError);
    const v = e as ValidationError;
    return [v.field, v.rule, v.value];
  }
  throw new Error('no error');
}

describe('checkRetentionOptions', () => {
  test('accepts keepLast, maxAgeDays or both, with the bounds inclusive', () => {
    for (const ok of [{ keepLast: 1 }, { keepLast: 1000 }, { maxAgeDays: 1 }, { maxAgeDays: 36500 }, { keepLast: 3, maxAgeDays: 30, maxDeletesPerRun: 100, dryRun: true }, { keepLast: 2, maxDeletesPerRun: 1, dryRun: false }]) {
      expect(() => checkRetentionOptions(ok)).not.toThrow();
    }
  });

  test.each<[string, unknown, [string, RegExp, unknown]]>([
    ['neither rule', {}, ['retention.keepLast', /or maxAgeDays must be given/, {}]],
    ['only the bound', { maxDeletesPerRun: 5 }, ['retention.keepLast', /or maxAgeDays must be given/, { maxDeletesPerRun: 5 }]],
    ['keepLast 0', { keepLast: 0 }, ['retention.keepLast', /^must be an integer from 1 to 1000$/, 0]],
    ['keepLast 1001', { keepLast: 1001 }, ['retention.keepLast', /^must be an integer from 1 to 1000$/, 1001]],
    ['a fractional keepLast', { keepLast: 2.5 }, ['retention.keepLast', /^must be an integer from 1 to 1000$/, 2.5]],
    ['maxAgeDays 0', { maxAgeDays: 0 }, ['retention.maxAgeDays', /^must be an integer from 1 to 36500$/, 0]],
    ['maxAgeDays 36501', { maxAgeDays: 36501 }, ['retention.maxAgeDays', /^must be an integer from 1 to 36500$/, 36501]],
    ['maxDeletesPerRun 0', { keepLast: 1, maxDeletesPerRun: 0 }, ['retention.maxDeletesPerRun', /^must be an integer from 1 to 100$/, 0]],
    ['maxDeletesPerRun 101', { keepLast: 1, maxDeletesPerRun: 101 }, ['retention.maxDeletesPerRun', /^must be an integer from 1 to 100$/, 101]],
    ['a dryRun that is not a boolean', { keepLast: 1, dryRun: 'yes' }, ['retention.dryRun', /^must be true or false$/, 'yes']],
    ['a misspelt option', { keepLast: 1, keeplast: 2 }, ['retention.keeplast', /^is not a retention option \(keepLast, maxAgeDays, maxDeletesPerRun, dryRun\)$/, 2]],
    ['a list', [1], ['retention', /must be a mapping of retention options/, [1]]],
  ])('refuses %s, naming the field, the rule and the value', (_, o, [field, rule, value]) => {
    const [f, r, v] = refusal(o);
    expect(f).toBe(field);
    expect(r).toMatch(rule);
    expect(v).toEqual(value);
  });

  test('the prefix names the fields, and the message carries all three', () => {
    expect(refusal({ keepLast: 0 }, 'groups.db.retention.')[0]).toBe('groups.db.retention.keepLast');
    expect(() => checkRetentionOptions({ keepLast: 0 })).toThrow('`retention.keepLast` must be an integer from 1 to 1000, got 0');
  });

  test('leaves ROS parameter values to the template\'s own bounds', () => {
    const stack = new ros.Stack(newApp(), 'S');
    const keep = new ros.RosParameter(stack, 'Keep', { type: ros.RosParameterType.NUMBER });
    expect(() => checkRetentionOptions({ keepLast: keep.valueAsNumber })).not.toThrow();
  });
});

describe('the retention templates', () => {
  test('two ALIYUN::OOS::Templates named after the automation, the parent created after the one it runs', () => {
    const { retention, t, named } = synth();
    expect([retention.templateName, retention.instanceTemplateName]).toEqual(['AppConsistentSnapshot-db-Retention', 'AppConsistentSnapshot-db-RetentionInstance']);
    expect(named(retention.templateName).DependsOn).toEqual([templateNamed(t, retention.instanceTemplateName).id]);
    for (const name of [retention.templateName, retention.instanceTemplateName]) {
      expect(Buffer.byteLength(named(name).Properties.Content)).toBeLessThanOrEqual(OOS_CONTENT_MAX_BYTES);
    }
  });

  test('the parent: the options as parameter defaults, a loop over the instances through ACS::Template, the results as output', () => {
    const { parent } = synth({ maxAgeDays: 30, maxDeletesPerRun: 5, dryRun: true, concurrency: 4, maxErrors: 1, executionRoleName: 'OosRole' });
    const d = (name: string) => parent.Parameters[name].Default;
    expect(Object.keys(parent.Parameters)).toEqual(['regionId', 'instanceIds', 'postureName', 'groupName', 'keepLast', 'maxAgeDays', 'maxDeletesPerRun', 'dryRun', 'rateControl', 'instanceTemplateName', 'OOSAssumeRole']);
    expect([d('instanceIds'), d('postureName'), d('groupName'), d('keepLast'), d('maxAgeDays'), d('maxDeletesPerRun'), d('dryRun')])
      .toEqual([instanceIds(2), 'prod', 'AppConsistentSnapshot-db', 7, 30, 5, 'true']);
    expect(d('rateControl')).toEqual({ Mode: 'Concurrency', MaxErrors: 1, Concurrency: 4 });
    expect(d('instanceTemplateName')).toBe('AppConsistentSnapshot-db-RetentionInstance');
    expect(d('OOSAssumeRole')).toBe('OosRole');
    expect(parent.RamRole).toBe('{{ OOSAssumeRole }}');
    expect(parent.Parameters.keepLast).toMatchObject({ Type: 'Number', MinValue: 1, MaxValue: 1000 });
    expect(parent.Parameters.maxAgeDays).toMatchObject({ Type: 'Number', MinValue: 0, MaxValue: 36500 });
    expect(parent.Parameters.maxDeletesPerRun).toMatchObject({ Type: 'Number', MinValue: 1, MaxValue: 100 });
    expect(parent.Parameters.dryRun.AllowedValues).toEqual(['true', 'false']);
    expect(parent.Parameters.postureName.AllowedPattern).toBe(SNAPSHOT_TAG_VALUE_PATTERN);
    expect(parent.Tasks).toHaveLength(2);
    expect(parent.Tasks[0]).toMatchObject({ Name: 'whetherAnyInstance', Action: 'ACS::Choice', Properties: { DefaultTask: RETENTION_TASKS.instances, Choices: [{ When: { 'Fn::Equals': [[], '{{ instanceIds }}'] }, NextTask: 'ACS::END' }] } });
    const task = parent.Tasks[1];
    expect(task).toMatchObject({ Name: RETENTION_TASKS.instances, Action: 'ACS::Template', Properties: { TemplateName: '{{ instanceTemplateName }}' } });
    expect(task.Loop).toEqual({ Items: '{{ instanceIds }}', RateControl: '{{ rateControl }}', Outputs: { results: { AggregateType: 'Fn::ListJoin', AggregateField: 'result' } } });
    expect(parent.Outputs).toEqual({ results: { Type: 'List', Value: { 'Fn::If': [{ 'Fn::Equals': [[], '{{ instanceIds }}'] }, [], `{{ ${RETENTION_TASKS.instances}.results }}`] } } });
  });

  test('the parent passes every per-instance parameter: the loop item, its own values, and the age cut-off computed as public templates do', () => {
    const { parent, instance } = synth();
    const passed = loopTaskOf(parent).Properties.Parameters;
    expect(Object.keys(passed).sort()).toEqual(Object.keys(instance.Parameters).sort());
    expect(passed.instanceId).toBe('{{ ACS::TaskLoopItem }}');
    expect(passed.ageCutoff).toEqual({
      'Fn::FormatUTCTime': [{ 'Fn::AddHour': ['{{ ACS::CurrentUTCTime }}', { 'Fn::Eval': ['-{{ maxAgeDays }}*24'] }] }, '%Y-%m-%dT%H:%MZ'],
    });
    for (const [name, value] of Object.entries(passed)) {
      if (name !== 'instanceId' && name !== 'ageCutoff') expect(value).toBe(`{{ ${name} }}`);
    }
    const defaults = Object.entries(instance.Parameters as Record<string, { Default?: unknown }>).filter(([, p]) => p.Default !== undefined).map(([n]) => n);
    expect(defaults.sort()).toEqual(['OOSAssumeRole', 'regionId']);
    expect(instance.Parameters.ageCutoff.AllowedPattern).toBe(AGE_CUTOFF_PATTERN);
  });

  test('per instance: one listing (one page of 100), one selector, deletions one at a time over its list', () => {
    const { instance } = synth();
    expect(instance.Tasks.map((x: { Name: string; Action: string }) => `${x.Name} ${x.Action}`)).toEqual([
      `${RETENTION_TASKS.select} ACS::CheckFor`, `${RETENTION_TASKS.anyToDelete} ACS::Choice`, `${RETENTION_TASKS.delete} ACS::ExecuteAPI`,
    ]);
    const [select, guard, del] = instance.Tasks;
    // Nothing to delete ends the run before the loop (a loop over an empty list is not documented).
    expect(guard.Properties).toEqual({ DefaultTask: RETENTION_TASKS.delete, Choices: [{ When: { 'Fn::Equals': [[], `{{ ${RETENTION_TASKS.select}.deleteIds }}`] }, NextTask: 'ACS::END' }] });
    // More than one page fails the listing (an ACS::CheckFor), so that nothing is deleted.
    expect(select.Properties).toEqual({
      Service: 'ECS', API: 'DescribeSnapshotGroups', Parameters: { RegionId: '{{ regionId }}', InstanceId: '{{ instanceId }}', MaxResults: 100 },
      PropertySelector: RETENTION_PAGE_SELECTOR, DesiredValues: ['one page'],
    });
    expect(select.Outputs).toEqual({ deleteIds: { Type: 'List', ValueSelector: RETENTION_SELECTORS.deleteIds }, result: { Type: 'Json', ValueSelector: RETENTION_SELECTORS.result } });
    expect(del.Properties).toEqual({ Service: 'ECS', API: 'DeleteSnapshotGroup', Parameters: { RegionId: '{{ regionId }}', SnapshotGroupId: '{{ ACS::TaskLoopItem }}' } });
    expect(del.Loop).toEqual({ Items: `{{ ${RETENTION_TASKS.select}.deleteIds }}`, RateControl: { Mode: 'Concurrency', MaxErrors: 0, Concurrency: 1 } });
    expect(instance.Outputs).toEqual({ result: { Type: 'Json', Value: `{{ ${RETENTION_TASKS.select}.result }}` } });
    // The selector checks both tags, by their exact keys.
    for (const key of Object.values(SNAPSHOT_TAG_KEYS)) expect(RETENTION_SELECTORS.deleteIds).toContain(`.Key == "${key}"`);
  });

  test('by tags: the instances are selected first, and the loop runs over them', () => {
    const { parent } = synth({ instanceIds: undefined, targetTags: { tier: 'db' } });
    expect(parent.Tasks.map((x: { Action: string }) => x.Action)).toEqual(['ACS::SelectTargets', 'ACS::Choice', 'ACS::CheckFor', 'ACS::Template']);
    expect(parent.Tasks[1].Properties.Choices[0].When).toEqual({ 'Fn::Equals': [[], '{{ selectInstances.instanceIds }}'] });
    expect(parent.Tasks[3].Loop.Items).toBe('{{ selectInstances.instanceIds }}');
    expect(parent.Parameters.targetTags.Default).toEqual([{ Key: 'tier', Value: 'db' }]);
  });

  test('pass the checker in strict mode, with instances by id, by tags and as a ROS parameter', () => {
    const stack = new ros.Stack(newApp(), 'S');
    const ids = new ros.RosParameter(stack, 'Ids', { type: ros.RosParameterType.COMMA_DELIMITED_LIST });
    const specs = [
      retentionTemplateSpec({ ...BASE, maxAgeDays: 30 }, 'S'),
      retentionTemplateSpec({ ...BASE, instanceIds: undefined, targetTags: { tier: 'db', env: 'prod' } }, 'S'),
      retentionTemplateSpec({ ...BASE, instanceIds: ids.valueAsList }, 'S'),
    ];
    for (const spec of specs) {
      const { parent, instance } = buildRetentionDocuments(spec);
      for (const [name, doc] of Object.entries({ parent, instance })) {
        expect(lintTemplateObject(doc, { name, strict: true })).toMatchObject({ errorCount: 0, warningCount: 0 });
      }
    }
  });

  test('synthesize through the package\'s synth, which checks them strictly and writes them standalone', () => {
    const out = tempDir('retention-synth-');
    const files = synthesize((app) => {
      const stack = new ros.Stack(app, 'prod');
      new SnapshotRetention(stack, 'Retention', { ...BASE, maxAgeDays: 14, dryRun: true });
    }, out);
    expect(files.filter((f) => f.kind === 'oos-template').map((f) => f.file)).toEqual([
      'prod.AppConsistentSnapshot-db-RetentionInstance.oos.json', 'prod.AppConsistentSnapshot-db-Retention.oos.json',
    ]);
  });

  test('are deterministic: the same props give byte-identical templates', () => {
    const a = synth({ maxAgeDays: 3 }).t;
    const b = synth({ maxAgeDays: 3 }).t;
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });

  test('the execution needs exactly the listing and the deletion of snapshot groups', () => {
    const { retention } = synth();
    expect(retention.requiredActions).toEqual(['ecs:DescribeSnapshotGroups', 'ecs:DeleteSnapshotGroup'].sort());
    expect(executionActions([retention.executedTemplate])).toEqual(retention.requiredActions);
    const byTags = synth({ instanceIds: undefined, targetTags: { tier: 'db' } }).retention;
    expect(byTags.requiredActions).toEqual(['ecs:DeleteSnapshotGroup', 'ecs:DescribeInstances', 'ecs:DescribeSnapshotGroups']);
  });
});

describe('SnapshotRetention: bad input', () => {
  test.each<[string, Partial<SnapshotRetentionProps>, RegExp]>([
    ['no rule', { keepLast: undefined }, /`keepLast` or maxAgeDays must be given/],
    ['keepLast 0', { keepLast: 0 }, /`keepLast` must be an integer from 1 to 1000, got 0/],
    ['maxAgeDays 0', { maxAgeDays: 0 }, /`maxAgeDays` must be an integer from 1 to 36500, got 0/],
    ['maxDeletesPerRun 500', { maxDeletesPerRun: 500 }, /`maxDeletesPerRun` must be an integer from 1 to 100, got 500/],
    ['a posture name with a dot', { postureName: 'prod.eu' }, /`postureName` must be a letter or digit .*, got "prod.eu"/],
    ['a group name with a space', { groupName: 'db tier' }, /`groupName` must be a letter or digit .*, got "db tier"/],
    ['an automation name over 182 characters', { automationTemplateName: 'a'.repeat(RETENTION_AUTOMATION_TEMPLATE_NAME_MAX_LENGTH + 1) }, /`automationTemplateName` must be at most 182 characters \(the retention templates are named after it with `-RetentionInstance`/],
    ['an automation name over 128 characters, the default group name', { automationTemplateName: 'a'.repeat(129) }, /`groupName` .*; it defaults to the automation template name: set groupName/],
    ['a reserved automation name', { automationTemplateName: 'ACS-db' }, /`automationTemplateName` must not start with ACS/],
    ['both instance ids and tags', { targetTags: { tier: 'db' } }, /`instanceIds` or targetTags must be given, not both/],
    ['a concurrency of 0', { concurrency: 0 }, /`concurrency` must be an integer from 1 to 1000, got 0/],
    ['an execution role name with a space', { executionRoleName: 'a b' }, /`executionRoleName` must be 1 to 64 characters/],
    ['more instances than one loop takes', { instanceIds: Array.from({ length: 1001 }, (_, i) => `i-loop${String(i).padStart(8, '0')}`) }, /`instanceIds` must list at most 1000 instances/],
  ])('refuses %s', (_, props, error) => {
    const stack = new ros.Stack(newApp(), 'S');
    expect(() => new SnapshotRetention(stack, 'R', { ...BASE, ...props })).toThrow(error);
  });

  test('accepts 1,001 ids when sharded, and leaves their list to each execution', () => {
    const { parent } = synth({ sharded: true, instanceIds: Array.from({ length: 1001 }, (_, i) => `i-loop${String(i).padStart(8, '0')}`) });
    expect(parent.Parameters.instanceIds.Default).toBeUndefined();
  });
});
