/**
 * End to end without the cloud (see harness.ts): the scheduled template of a group executed as
 * one firing of its timer trigger: it runs the automation by name, which runs the per-instance
 * template, whose snapshot run goes against the plugin stand-in in a throwaway root.
 */
import { SNAPSHOT_TAG_KEYS } from '../../lib/instance-template';
import { Schedule } from '../../lib/schedule';
import { ecsTime } from './ecs-standin';
import { SCHEDULE_TASKS } from '../../lib/snapshot-schedule';
import { INSTANCE, execute, synthStack } from './harness';

const SYNTH = synthStack(undefined, 60, { schedule: Schedule.cron('0 30 1 ? * MON-FRI', { timeZone: 'Europe/Berlin', endDate: '2030-01-01' }) });

describe('one firing of the scheduled template', () => {
  test('the trigger fires, the automation runs the instance, the results come back to the scheduled execution', async () => {
    const r = await execute(SYNTH, { scheduled: true });
    expect(r.execution.status).toBe('Success');
    expect(r.execution.ran).toEqual([SCHEDULE_TASKS.trigger, SCHEDULE_TASKS.snapshot]);
    expect(r.execution.trigger).toEqual({ Type: 'cron', Expression: '0 30 1 ? * MON-FRI', TimeZone: 'Europe/Berlin', EndDate: '2030-01-01' });
    expect(r.snapshot!.rc).toBe(0);
    expect(r.execution.outputs.results).toEqual([expect.objectContaining({ instanceId: INSTANCE, verdict: 'AppConsistent', exitCode: 0 })]);
  });

  test('a failing instance fails the firing (and so anything after the snapshots, such as a clean-up)', async () => {
    const r = await execute(SYNTH, { scheduled: true, fail: '7' });
    expect(r.instanceExecution).toMatchObject({ status: 'Failed', failedTask: 'runSnapshot' });
    expect(r.execution).toMatchObject({ status: 'Failed', failedTask: SCHEDULE_TASKS.snapshot });
  });
});

describe('one firing with retention', () => {
  const WITH_RETENTION = synthStack(undefined, 60, { schedule: Schedule.rate(1, 'days'), retention: { keepLast: 1 } });
  const tagged = (id: string, created: string) => ({
    SnapshotGroupId: id,
    InstanceId: INSTANCE,
    Status: 'accomplished',
    CreationTime: created,
    snapshots: [{ SnapshotId: `s-${id.slice(4)}`, DiskId: 'd-e2edisk000000001', Status: 'accomplished', Tags: [{ Key: SNAPSHOT_TAG_KEYS.posture, Value: 'E2E' }, { Key: SNAPSHOT_TAG_KEYS.group, Value: 'db' }] }],
  });

  test('snapshots first, then the clean-up of the older groups, keeping the one just taken', async () => {
    const r = await execute(WITH_RETENTION, {
      scheduled: true,
      afterSnapshot: (cloud) => {
        const now = Date.parse(cloud.groups[0].CreationTime!);
        cloud.groups.push(tagged('ssg-earlier1', ecsTime(new Date(now - 86_400_000))), tagged('ssg-earlier2', ecsTime(new Date(now - 2 * 86_400_000))));
      },
    });
    expect(r.execution.status).toBe('Success');
    expect(r.execution.ran).toEqual([SCHEDULE_TASKS.trigger, SCHEDULE_TASKS.snapshot, SCHEDULE_TASKS.retention]);
    const created = r.snapshot!.result.snapshotGroupId!;
    expect(r.ecs.state.groups.map((g) => g.SnapshotGroupId)).toEqual([created]);
    expect(r.ecs.calls.filter((c) => c.api === 'DeleteSnapshotGroup').map((c) => c.parameters.SnapshotGroupId)).toEqual(['ssg-earlier2', 'ssg-earlier1']);
  });

  test('a failed snapshot run deletes nothing: the clean-up does not run', async () => {
    const r = await execute(WITH_RETENTION, {
      scheduled: true,
      fail: '7',
      cloud: (cloud) => { cloud.groups.push(tagged('ssg-earlier1', ecsTime(new Date(Date.now() - 86_400_000))), tagged('ssg-earlier2', ecsTime(new Date(Date.now() - 2 * 86_400_000)))); },
    });
    expect(r.execution).toMatchObject({ status: 'Failed', failedTask: SCHEDULE_TASKS.snapshot });
    expect(r.execution.ran).not.toContain(SCHEDULE_TASKS.retention);
    expect(r.ecs.calls.filter((c) => c.api === 'DeleteSnapshotGroup')).toEqual([]);
  });
});
