/**
 * End to end without the cloud (see harness.ts): the lock of application-consistent groups. The
 * synthesized automation runs on the OOS runtime stand-in against the ECS stand-in, whose
 * LockSnapshot and DescribeLockedSnapshots are checked against the ECS SDK's models; the snapshot
 * and verdict commands run for real against the plugin stand-in.
 */
import { INSTANCE_TASKS } from '../../lib/instance-template';
import { LOCK_TASKS } from '../../lib/snapshot-lock';
import { CloudState } from './ecs-standin';
import { Run, RunOptions, execute, synthStack } from './harness';

const LOCKED = synthStack(undefined, 60, { lock: { days: 7, coolOffHours: 12 } });

/** The LockSnapshot calls of a run, and the locks the account then holds. */
function locksOf(r: Run) {
  const calls = r.ecs.calls.filter((c) => c.api === 'LockSnapshot').map((c) => c.parameters);
  const held = r.ecs.state.groups.flatMap((g) => g.snapshots.filter((s) => s.lock).map((s) => ({ snapshotId: s.SnapshotId, ...s.lock })));
  return { calls, held };
}

describe('lock: after an application-consistent verdict only', () => {
  test('application-consistent: every snapshot of the group is locked in compliance mode for the days, with the cool-off', async () => {
    const r = await execute(LOCKED, { cloud: (c) => { c.now = new Date(Date.UTC(2024, 4, 10, 2, 0, 5)); } });
    expect(r.execution.status).toBe('Success');
    expect(r.verdict!.result.consistency).toBe('AppConsistent');
    const group = r.ecs.state.groups[0];
    const { calls, held } = locksOf(r);
    expect(calls).toEqual(group.snapshots.map((s) => ({ RegionId: 'cn-hangzhou', SnapshotId: s.SnapshotId, LockMode: 'compliance', LockDuration: 7, CoolOffPeriod: 12 })));
    expect(held).toEqual(group.snapshots.map((s) => ({ snapshotId: s.SnapshotId, LockStatus: 'compliance-cooloff', LockMode: 'compliance', LockDuration: 7, CoolOffPeriod: 12, LockCreationTime: '2024-05-10T02:00:05Z' })));
    // The lock comes after the verdict, which it reads.
    expect(r.instanceExecution.ran.slice(-3)).toEqual([INSTANCE_TASKS.verdict, LOCK_TASKS.choose, LOCK_TASKS.lock]);
    expect(r.instanceExecution.taskOutputs[INSTANCE_TASKS.verdict].verdict).toBe('AppConsistent');
    // The group can no longer be deleted, by anyone.
    expect(() => r.ecs.call('ECS', 'DeleteSnapshotGroup', { RegionId: 'cn-hangzhou', SnapshotGroupId: group.SnapshotGroupId })).toThrow(/SnapshotLocked/);
  });

  test('a file-system-consistent fallback accepted (requireAppConsistent false) is not locked, and the run succeeds', async () => {
    const r = await execute(LOCKED, { fail: 'fs-fallback', values: { requireAppConsistent: 'false' } });
    expect(r.execution.status).toBe('Success');
    expect(r.verdict!.result.consistency).toBe('FsConsistent');
    expect(r.instanceExecution.ran.slice(-2)).toEqual([INSTANCE_TASKS.verdict, LOCK_TASKS.choose]);
    expect(locksOf(r)).toEqual({ calls: [], held: [] });
  });

  test.each<[string, RunOptions]>([
    ['a fallback when application consistency is required (exit 120)', { fail: 'fs-fallback' }],
    ['a plugin failure (exit 4)', { fail: '4' }],
    ['tags that contradict the plugin (exit 127)', { afterSnapshot: (c: CloudState) => { c.groups[0].snapshots[0].Tags = [{ Key: 'FsConsistent', Value: 'True' }]; } }],
  ])('%s: the instance fails before the lock, and nothing is locked', async (_name, options) => {
    const r = await execute(LOCKED, options);
    expect(r.execution.status).toBe('Failed');
    expect(r.instanceExecution.status).toBe('Failed');
    expect([INSTANCE_TASKS.snapshot, INSTANCE_TASKS.verdict]).toContain(r.instanceExecution.failedTask);
    expect(r.instanceExecution.ran).not.toContain(LOCK_TASKS.choose);
    expect(locksOf(r)).toEqual({ calls: [], held: [] });
  });

  test('a lock ECS refuses fails the instance, naming the task and ECS\'s message; the group stays (unlocked)', async () => {
    const r = await execute(LOCKED, { cloud: (c) => { c.refuse = { LockSnapshot: 'Forbidden.RAM: User not authorized to operate on the specified resource.' }; } });
    expect(r.verdict!.result.consistency).toBe('AppConsistent');
    expect(r.instanceExecution).toMatchObject({ status: 'Failed', failedTask: LOCK_TASKS.lock });
    expect(r.instanceExecution.message).toMatch(/LockSnapshot: Forbidden\.RAM/);
    expect(r.ecs.state.groups).toHaveLength(1);
  });

  test('execution values: the days and cool-off are the parameters\' defaults and within ECS\'s bounds', async () => {
    expect(LOCKED.parent.Parameters.lockDays).toMatchObject({ Type: 'Number', Default: 7, MinValue: 1, MaxValue: 36500 });
    expect(LOCKED.parent.Parameters.lockCoolOffHours).toMatchObject({ Type: 'Number', Default: 12, MinValue: 0, MaxValue: 72 });
    const r = await execute(LOCKED, { values: { lockDays: 30, lockCoolOffHours: 0 } });
    expect(locksOf(r).held.map((l) => [l.LockStatus, l.LockDuration])).toEqual([['compliance', 30]]);
  });
});

describe('no lock option: nothing of the lock in the templates', () => {
  test('the per-instance template ends with the verdict and has no lock parameters', () => {
    const plain = synthStack();
    expect(plain.instance.Tasks.map((t) => t.Name).slice(-1)).toEqual([INSTANCE_TASKS.verdict]);
    expect(Object.keys(plain.parent.Parameters)).not.toContain('lockDays');
  });
});
