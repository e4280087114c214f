import * as ros from '@alicloud/ros-cdk-core';
import { AppConsistentSnapshot, AppConsistentSnapshotProps } from '../lib/app-consistent-snapshot';
import { executionActions } from '../lib/execution-role';
import { lintTemplateObject } from '../lib/oos/lint';
import { OperatingSystem } from '../lib/plugin/parameters';
import { Schedule } from '../lib/schedule';
import { SCHEDULE_STARTED_STATUSES, SCHEDULE_TASKS } from '../lib/snapshot-schedule';
import { SELECT_TASK_NAME } from '../lib/targets';
import { instanceIds, loopTaskOf, newApp, resourcesOfType, templateNamed, templateOf } from './helpers';

const NIGHTLY = Schedule.cron('0 0 2 ? * *', { timeZone: 'Asia/Shanghai' });
const BASE: AppConsistentSnapshotProps = { groupName: 'db', os: OperatingSystem.LINUX, instanceIds: instanceIds(3), schedule: NIGHTLY };

function synth(props: Partial<AppConsistentSnapshotProps> = {}) {
  const stack = new ros.Stack(newApp(), 'S');
  const group = new AppConsistentSnapshot(stack, 'Db', { ...BASE, ...props } as AppConsistentSnapshotProps);
  return { group, t: templateOf(stack) };
}

/** A template's logical id by its name (the id carries a fingerprint of the name). */
const idOfTemplate = (t: ReturnType<typeof synth>['t'], suffix: string) => templateNamed(t, `AppConsistentSnapshot-db${suffix}`).id;
const content = (t: ReturnType<typeof synth>['t'], suffix: string) => JSON.parse(templateNamed(t, `AppConsistentSnapshot-db${suffix}`).resource.Properties.Content);

describe('the scheduled template', () => {
  test('starts with the timer trigger, then runs the automation by name; the lint accepts it', () => {
    const { t } = synth();
    const doc = content(t, '-Schedule');
    expect(idOfTemplate(t, '-Schedule')).toMatch(/^DbScheduleTemplate[0-9A-F]{8}$/);
    expect(doc.Tasks.map((x: { Name: string }) => x.Name)).toEqual([SCHEDULE_TASKS.trigger, SCHEDULE_TASKS.snapshot]);
    expect(doc.Tasks[0]).toMatchObject({
      Action: 'ACS::TimerTrigger',
      Properties: { Type: 'cron', Expression: '0 0 2 ? * *', TimeZone: 'Asia/Shanghai', EndDate: '2099-12-31T23:59:59Z' },
    });
    expect(doc.Tasks.filter((x: { Action: string }) => x.Action === 'ACS::TimerTrigger')).toHaveLength(1);
    expect(doc.Tasks[1]).toMatchObject({ Action: 'ACS::Template', Properties: { TemplateName: '{{ automationTemplateName }}' } });
    expect(doc.Parameters.automationTemplateName.Default).toBe('AppConsistentSnapshot-db');
    // The ids stay in the automation's defaults, so that a stack update reaches the next run.
    expect(doc.Parameters.instanceIds).toBeUndefined();
    expect(doc.Tasks[1].Properties.Parameters).toEqual({ regionId: '{{ regionId }}', OOSAssumeRole: '{{ OOSAssumeRole }}' });
    expect(lintTemplateObject(doc, { strict: true }).findings).toEqual([]);
    expect(templateNamed(t, 'AppConsistentSnapshot-db-Schedule').resource.DependsOn).toEqual([idOfTemplate(t, '')]);
  });

  test('without a schedule nothing of it is created', () => {
    const { t } = synth({ schedule: undefined });
    expect(resourcesOfType(t, 'ALIYUN::OOS::Execution')).toHaveLength(0);
    expect(resourcesOfType(t, 'ALIYUN::OOS::Template').map(([, r]) => r.Properties.TemplateName)).not.toContain('AppConsistentSnapshot-db-Schedule');
  });

  test('the execution role covers the scheduled template: no more actions than the automation calls', () => {
    const { group } = synth();
    expect(group.executionRole!.actions).toEqual(executionActions([group.automation.executedTemplate]));
    expect(group.executionRole!.actions.some((a) => a.includes('*'))).toBe(false);
  });
});

describe('the execution that starts the schedule', () => {
  test('Automatic, no per-action confirmation, cancelled with the stack, after everything it uses', () => {
    const { t } = synth();
    const executions = resourcesOfType(t, 'ALIYUN::OOS::Execution');
    expect(executions).toHaveLength(1);
    const [id, e] = executions[0];
    expect(id).toMatch(/^DbScheduleStartExecution[0-9A-F]{8}$/);
    expect(e.Properties).toMatchObject({
      TemplateName: 'AppConsistentSnapshot-db-Schedule',
      Mode: 'Automatic',
      SafetyCheck: 'Skip',
      ResourceOptions: { SuccessStatuses: [...SCHEDULE_STARTED_STATUSES], FailureStatuses: ['Failed', 'Cancelled'], CancelOnDelete: true },
    });
    expect(e.Properties.Parameters).toBeUndefined();
    expect([e.DependsOn].flat().sort()).toEqual([
      idOfTemplate(t, '-Instance'), idOfTemplate(t, ''), 'DbExecutionRoleRole', 'DbRole', 'DbRoleAttachmentAttachment', idOfTemplate(t, '-Schedule'), 'DbScriptsInstallScripts',
    ].sort());
  });

  test('a changed schedule replaces the execution (a running one keeps its trigger); the same input gives the same id', () => {
    const idOf = (props: Partial<AppConsistentSnapshotProps>) => resourcesOfType(synth(props).t, 'ALIYUN::OOS::Execution')[0][0];
    expect(idOf({})).toBe(idOf({}));
    expect(idOf({ schedule: Schedule.cron('0 0 3 ? * *', { timeZone: 'Asia/Shanghai' }) })).not.toBe(idOf({}));
    expect(idOf({ schedule: Schedule.rate(6, 'hours') })).not.toBe(idOf({}));
  });

  test('more than 1,000 ids run in shards of 1,000: one execution each, passing its shard', () => {
    const ids = instanceIds(2500);
    const { t } = synth({ instanceIds: ids });
    const executions = resourcesOfType(t, 'ALIYUN::OOS::Execution').map(([, e]) => e.Properties.Parameters.instanceIds);
    expect(executions.map((x: string[]) => x.length)).toEqual([1000, 1000, 500]);
    expect(executions.flat()).toEqual(ids);
    const doc = content(t, '-Schedule');
    expect(doc.Parameters.instanceIds.Default).toBeUndefined();
    expect(doc.Tasks[1].Properties.Parameters.instanceIds).toBe('{{ instanceIds }}');
    // The automation has no default list then: each execution passes its shard.
    expect(content(t, '').Parameters.instanceIds.Default).toBeUndefined();
  });

  test('more than 1,000 ids without a schedule is refused, naming the way out', () => {
    expect(() => synth({ instanceIds: instanceIds(1001), schedule: undefined })).toThrow(
      /`instanceIds` must list at most 1000 instances without a schedule .*add a schedule or split the group, got "1001 instances"/);
  });
});

describe('tag targets', () => {
  test('the automation selects the instances by tags; no attachment or deployment by id', () => {
    const { t } = synth({ instanceIds: undefined, targetTags: { tier: 'db', env: 'prod' } });
    const automation = content(t, '');
    expect(automation.Tasks[0]).toMatchObject({ Name: SELECT_TASK_NAME, Action: 'ACS::SelectTargets' });
    expect(automation.Parameters.targetTags.Default).toEqual([{ Key: 'env', Value: 'prod' }, { Key: 'tier', Value: 'db' }]);
    expect(loopTaskOf(automation).Loop.Items).toBe(`{{ ${SELECT_TASK_NAME}.instanceIds }}`);
    expect(resourcesOfType(t, 'ALIYUN::ECS::RamRoleAttachment')).toHaveLength(0);
    expect(resourcesOfType(t, 'ALIYUN::ECS::RunCommand')).toHaveLength(0);
  });

  test('the instances are enrolled by OOS: once when the stack is created, then before each scheduled run', () => {
    const { t, group } = synth({ instanceIds: undefined, targetTags: { tier: 'db' } });
    expect(idOfTemplate(t, '-Enroll')).toMatch(/^DbEnrollmentTemplate[0-9A-F]{8}$/);
    const runs = resourcesOfType(t, 'ALIYUN::OOS::Execution');
    const [runId, run] = runs.find(([, e]) => e.Properties.TemplateName === 'AppConsistentSnapshot-db-Enroll')!;
    expect(runId).toMatch(/^DbEnrollmentRun[0-9A-F]{8}$/);
    expect(run.Properties.ResourceOptions).toEqual({ SuccessStatuses: ['Success'], FailureStatuses: ['Failed', 'Cancelled'], Timeout: 3600, CancelOnDelete: true });
    expect([run.DependsOn].flat().sort()).toEqual([idOfTemplate(t, '-EnrollInstance'), idOfTemplate(t, '-Enroll'), 'DbExecutionRoleRole', 'DbRole'].sort());
    // The schedule starts after the first enrollment, and enrolls again at each run first.
    const [, start] = runs.find(([, e]) => e.Properties.TemplateName === 'AppConsistentSnapshot-db-Schedule')!;
    expect([start.DependsOn].flat()).toContain(runId);
    expect(content(t, '-Schedule').Tasks.map((x: { Name: string }) => x.Name)).toEqual([SCHEDULE_TASKS.trigger, SCHEDULE_TASKS.enroll, SCHEDULE_TASKS.snapshot]);
    // The automation verifies the scripts the enrollment installs.
    expect(JSON.stringify(content(t, '-Instance'))).toContain(group.fleetEnrollment!.scriptChecksums!.prescript);
    expect(group.executionRole!.actions).toEqual(expect.arrayContaining(['ecs:AttachInstanceRamRole', 'ram:PassRole']));
  });

  test('with the account known, the execution role may pass only the group\'s instance role', () => {
    const { t } = synth({ instanceIds: undefined, targetTags: { tier: 'db' }, resourceScope: { accountId: '1234567890123456', regionId: 'cn-hangzhou' } });
    const statements = t.Resources.DbExecutionRoleRole.Properties.Policies[0].PolicyDocument.Statement;
    expect(statements.find((x: { Action: string[] }) => x.Action.includes('ram:PassRole'))).toEqual({
      Effect: 'Allow', Action: ['ram:PassRole'],
      Resource: ['acs:ram::1234567890123456:role/AppSnapshot-db', 'acs:ram::1234567890123456:role/appsnapshot-db'],
    });
  });

  test.each([
    [{ instanceIds: instanceIds(1), targetTags: { a: 'b' } }, /`instanceIds` or targetTags must be given, not both/],
    [{ instanceIds: undefined }, /`instanceIds` or targetTags must be given, not both and not neither/],
    [{ instanceIds: undefined, targetTags: {} }, /`targetTags` must hold 1 to 20 tags, got \{\}/],
    [{ instanceIds: undefined, targetTags: { 'acs:x': 'y' } }, /`targetTags` must have keys .* got "acs:x"/],
    [{ instanceIds: undefined, targetTags: { tier: 'http://x' } }, /`targetTags.tier` must be at most 128 characters/],
    [{ instanceIds: undefined, targetTags: { tier: 'db' }, attachRole: false }, /`attachRole` applies to instances by id only/],
  ])('bad targets are refused with the field, the rule and the value (%#)', (props, message) => {
    expect(() => synth(props as Partial<AppConsistentSnapshotProps>)).toThrow(message);
  });
});
