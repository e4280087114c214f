import * as ros from '@alicloud/ros-cdk-core';
import { AppConsistentSnapshot, AppConsistentSnapshotProps } from '../lib/app-consistent-snapshot';
import { OperatingSystem } from '../lib/plugin/parameters';
import { policyStatements } from '../lib/policy-scope';
import { LOCK_TASKS, checkLockOptions, checkLockWithinRetention } from '../lib/snapshot-lock';
import { automationOf, instanceIds, newApp, templateOf } from './helpers';

const LINUX: AppConsistentSnapshotProps = { groupName: 'db', os: OperatingSystem.LINUX, instanceIds: instanceIds(1) };

function synth(props: Partial<AppConsistentSnapshotProps> = {}) {
  const stack = new ros.Stack(newApp(), 'S');
  const group = new AppConsistentSnapshot(stack, 'Db', { ...LINUX, ...props });
  return { group, t: templateOf(stack) };
}

describe('lock: the per-instance template', () => {
  test('GIVEN lock THEN the verdict gains an output and the lock tasks follow it, guarded by the verdict and an empty list', () => {
    const { t } = synth({ lock: { days: 14, coolOffHours: 6 } });
    const { parent, instance, task } = automationOf(t);
    const names = instance.content.Tasks.map((x: { Name: string }) => x.Name);
    expect(names.slice(-3)).toEqual(['checkVerdict', LOCK_TASKS.choose, LOCK_TASKS.lock]);
    expect(task('checkVerdict').Outputs.verdict).toEqual({ Type: 'String', ValueSelector: expect.stringContaining('.consistency') });
    expect(task(LOCK_TASKS.choose).Properties).toEqual({
      DefaultTask: 'ACS::END',
      Choices: [
        { When: { 'Fn::Equals': [[], '{{ describeSnapshotGroup.snapshotIds }}'] }, NextTask: 'ACS::END' },
        { When: { 'Fn::Equals': ['AppConsistent', '{{ checkVerdict.verdict }}'] }, NextTask: LOCK_TASKS.lock },
      ],
    });
    expect(task(LOCK_TASKS.lock)).toMatchObject({
      Action: 'ACS::ExecuteAPI',
      Properties: { Service: 'ECS', API: 'LockSnapshot', Parameters: { RegionId: '{{ regionId }}', SnapshotId: '{{ ACS::TaskLoopItem }}', LockMode: 'compliance', LockDuration: '{{ lockDays }}', CoolOffPeriod: '{{ lockCoolOffHours }}' } },
      Loop: { Items: '{{ describeSnapshotGroup.snapshotIds }}', RateControl: { Mode: 'Concurrency', MaxErrors: 0, Concurrency: 1 } },
    });
    expect(parent.content.Parameters.lockDays.Default).toBe(14);
    expect(parent.content.Parameters.lockCoolOffHours.Default).toBe(6);
    // The child takes them from the parent: no defaults there.
    expect(instance.content.Parameters.lockDays.Default).toBeUndefined();
    expect(instance.content.Tasks[0].Name).toBe('checkInstanceRunning');
  });

  test('cool-off defaults to 0 (locked at once)', () => {
    const { t } = synth({ lock: { days: 1 } });
    expect(automationOf(t).parent.content.Parameters.lockCoolOffHours.Default).toBe(0);
  });

  test('the execution role gains exactly ecs:LockSnapshot, a write scoped to the account and region', () => {
    const without = synth().group.executionRole!.actions;
    const withLock = synth({ lock: { days: 7 } }).group.executionRole!.actions;
    expect(withLock.filter((a) => !without.includes(a))).toEqual(['ecs:LockSnapshot']);
    const statements = policyStatements(withLock, { accountId: '1234567890123456', regionId: 'cn-hangzhou' });
    expect(statements.find((s) => s.action.includes('ecs:LockSnapshot'))!.resource).toEqual(['acs:ecs:cn-hangzhou:1234567890123456:*']);
  });
});

describe('lock: bad input', () => {
  test.each<[string, Partial<AppConsistentSnapshotProps>, RegExp]>([
    ['days 0', { lock: { days: 0 } }, /`lock.days` must be an integer from 1 to 36500, got 0/],
    ['days beyond ECS', { lock: { days: 36501 } }, /`lock.days` must be an integer from 1 to 36500, got 36501/],
    ['days not an integer', { lock: { days: 1.5 } }, /`lock.days` must be an integer/],
    ['no days', { lock: { coolOffHours: 3 } as never }, /`lock.days` is required/],
    ['cool-off beyond 72 h', { lock: { days: 7, coolOffHours: 73 } }, /`lock.coolOffHours` must be an integer from 0 to 72, got 73/],
    ['an unknown key', { lock: { days: 7, mode: 'governance' } as never }, /`lock.mode` is not a lock option \(days, coolOffHours\)/],
    ['longer than the retention', { lock: { days: 40 }, retention: { maxAgeDays: 30 } }, /`lock.days` must end within `retention.maxAgeDays` \(30 days\).*ECS: a lock must not outlast the snapshot's retention.*got 40/],
    ['the cool-off past the retention', { lock: { days: 30, coolOffHours: 1 }, retention: { maxAgeDays: 30 } }, /`lock.days` must end within `retention.maxAgeDays`/],
  ])('%s is refused, naming the field', (_name, props, error) => {
    expect(() => synth(props)).toThrow(error);
  });

  test('a lock within the retention, or with keepLast only, is fine', () => {
    expect(() => synth({ lock: { days: 30 }, retention: { maxAgeDays: 30 } })).not.toThrow();
    expect(() => synth({ lock: { days: 29, coolOffHours: 24 }, retention: { maxAgeDays: 30 } })).not.toThrow();
    expect(() => synth({ lock: { days: 365 }, retention: { keepLast: 7 } })).not.toThrow();
    expect(() => checkLockOptions({ days: 36500, coolOffHours: 72 })).not.toThrow();
    expect(() => checkLockWithinRetention({ days: 10 }, undefined)).not.toThrow();
  });
});
