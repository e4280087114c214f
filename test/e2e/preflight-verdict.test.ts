/**
 * End to end without the cloud (see harness.ts): the preflight and the verdict from the tags.
 * The ECS stand-in is set up so that one rule fails at a time; the wrappers run for real.
 */
import { PackageExitCode } from '../../lib/plugin/exit-codes';
import { INSTANCE_TASKS, SNAPSHOT_TAG_KEYS } from '../../lib/instance-template';
import { CloudState } from './ecs-standin';
import { DISK, INSTANCE, ROLE, Run, RunOptions, execute, synthStack } from './harness';

const SYNTH = synthStack();

/** Another ESSD, attached to the instance but unknown to the plugin stand-in. */
const OTHER_DISK = 'd-e2eotherdisk00001';

/** Executes with the account changed by `change`; the snapshot run is expected not to reach the plugin. */
async function preflightFails(change: (cloud: CloudState) => void, options: RunOptions = {}): Promise<Run & { message: string }> {
  const r = await execute(SYNTH, { ...options, cloud: change });
  expect(r.snapshot).toBeDefined();
  expect(r.snapshot!.rc).toBe(PackageExitCode.PREFLIGHT_FAILED);
  expect(r.snapshot!.result).toMatchObject({ instanceId: INSTANCE, exitCode: 126, consistency: 'Failed', snapshotGroupId: null });
  expect(r.snapshot!.result.message.startsWith('PREFLIGHT_FAILED: ')).toBe(true);
  // The plugin never ran, nothing was frozen, no group was made.
  expect(r.snapshot!.runs).toHaveLength(0);
  expect(r.snapshot!.groups).toHaveLength(0);
  expect(r.instanceExecution).toMatchObject({ status: 'Failed', failedTask: INSTANCE_TASKS.snapshot });
  expect(r.verdict).toBeUndefined();
  expect(r.execution.status).toBe('Failed');
  return { ...r, message: r.snapshot!.result.message };
}

describe('preflight: an instance that cannot run a command stops at a check named for it', () => {
  test('not Running: checkInstanceRunning fails with the status, and no command is sent', async () => {
    const r = await execute(SYNTH, { cloud: (c) => { c.instance.status = 'Stopped'; } });
    expect(r.instanceExecution).toMatchObject({ status: 'Failed', failedTask: INSTANCE_TASKS.checkRunning });
    expect(r.instanceExecution.message).toMatch(/\["Stopped"\], not one of the desired values \["Running"\]/);
    expect(r.snapshot).toBeUndefined();
    expect(r.execution.status).toBe('Failed');
  });

  test('Cloud Assistant not up: checkCloudAssistant fails, and no command is sent', async () => {
    const r = await execute(SYNTH, { cloud: (c) => { c.instance.agent = 'false'; } });
    expect(r.instanceExecution).toMatchObject({ status: 'Failed', failedTask: INSTANCE_TASKS.checkAgent });
    expect(r.instanceExecution.message).toMatch(/\["false"\], not one of the desired values \["true"\]/);
    expect(r.snapshot).toBeUndefined();
  });
});

describe('preflight in the snapshot run: PREFLIGHT_FAILED naming the instance, the disk and the rule, before the plugin', () => {
  test('no RAM role attached', async () => {
    const r = await preflightFails((c) => { c.instance.roles = []; });
    expect(r.message).toBe(`PREFLIGHT_FAILED: ${describe126()} (instance ${INSTANCE} has no RAM role attached (the run names ${ROLE}): attach ${ROLE} to it)`);
  });

  test('another RAM role than the one the run names', async () => {
    const r = await preflightFails((c) => { c.instance.roles = ['CorpRole']; });
    expect(r.message).toContain(`instance ${INSTANCE} holds RAM role CorpRole, not ${ROLE} that the run names`);
  });

  test('a disk outside the ESSD family', async () => {
    const r = await preflightFails((c) => { c.disks[0].Category = 'cloud_efficiency'; });
    expect(r.message).toContain(`disk ${DISK} of instance ${INSTANCE} is cloud_efficiency, not of the ESSD family (cloud_essd cloud_auto cloud_essd_entry)`);
  });

  test('a multi-attach disk shared with another instance', async () => {
    const r = await preflightFails((c) => { c.disks[0].MultiAttach = 'Enabled'; c.disks[0].attachedTo.push('i-e2eneighbour00000001'); });
    expect(r.message).toContain(`disk ${DISK} of instance ${INSTANCE} has multi-attach Enabled: a snapshot group takes only disks with multi-attach off`);
    expect(r.message).toContain(`disk ${DISK} is attached to no single instance, not to instance ${INSTANCE} alone`);
  });

  test('more than 16 disks to snapshot', async () => {
    const r = await preflightFails((c) => {
      for (let i = 1; i <= 16; i++) c.disks.push({ DiskId: `d-e2eextra${String(i).padStart(8, '0')}`, Category: 'cloud_auto', MultiAttach: 'Disabled', attachedTo: [INSTANCE] });
    });
    expect(r.message).toContain(`instance ${INSTANCE} has 17 disks to snapshot, more than the 16 a snapshot group holds`);
  });

  test('nothing left once ExcludeDiskId is applied', async () => {
    const r = await preflightFails(() => undefined, { values: { excludeDiskId: DISK } });
    expect(r.message).toContain(`instance ${INSTANCE} has no disk to snapshot once ${DISK} is excluded`);
  });

  test('every unmet rule is reported at once, separated by "; "', async () => {
    const r = await preflightFails((c) => { c.instance.roles = []; c.disks[0].Category = 'cloud_ssd'; });
    expect(r.message).toMatch(/\(instance i-\w+ has no RAM role attached [^;]*; disk d-e2edisk000000001 of instance i-\w+ is cloud_ssd, [^;]*\)$/);
  });

  test('a malformed fact is refused as INVALID_INPUT, never used', async () => {
    const r = await execute(SYNTH, { cloud: (c) => { c.disks[0].Category = 'Cloud-ESSD'; } });
    expect(r.snapshot!.result).toMatchObject({ exitCode: PackageExitCode.INVALID_INPUT, consistency: 'Failed' });
    expect(r.snapshot!.result.message).toContain(`the disk '${DISK}:Cloud-ESSD:Disabled:${INSTANCE}' read from DescribeDisks is not of the form`);
    expect(r.snapshot!.runs).toHaveLength(0);
  });

  test('a passing preflight reaches the plugin: a non-ESSD disk excluded, a disk without the MultiAttach field taken as off', async () => {
    const r = await execute(SYNTH, {
      values: { excludeDiskId: 'd-e2escratch0000001' },
      cloud: (c) => {
        delete c.disks[0].MultiAttach;
        c.disks.push({ DiskId: 'd-e2escratch0000001', Category: 'cloud_efficiency', MultiAttach: 'Disabled', attachedTo: [INSTANCE] });
      },
    });
    expect(r.snapshot!.stdout).toContain(`app-snapshot: preflight passed: RAM role ${ROLE} attached; disks ${DISK}:cloud_essd:Disabled:${INSTANCE} d-e2escratch0000001:cloud_efficiency:Disabled:${INSTANCE} (excluding d-e2escratch0000001)`);
    expect(r.snapshot!.runs).toHaveLength(1);
    expect(r.snapshot!.runs[0].params.ExcludeDiskId).toBe('d-e2escratch0000001');
    expect(r.execution.status).toBe('Success');
    expect(r.verdict!.result).toMatchObject({ exitCode: 0, consistency: 'AppConsistent' });
  });
});

describe('the verdict from the tags, after a successful snapshot run', () => {
  /** Executes with what ECS reports after the snapshot run changed by `change`. */
  const after = (change: (cloud: CloudState) => void, options: RunOptions = {}) => execute(SYNTH, { ...options, afterSnapshot: change });
  const where = (r: Run) => {
    const group = r.snapshot!.result.snapshotGroupId!;
    const snapshot = r.snapshot!.groups[0].Disks[0].SnapshotId;
    return { group, snapshot, text: `snapshot ${snapshot} of disk ${DISK} (group ${group}, instance ${INSTANCE})` };
  };

  test('reads back the group the snapshot run named, then exactly its snapshots', async () => {
    const r = await after(() => undefined);
    const { group, snapshot } = where(r);
    const calls = r.ecs.calls.map((c) => c.api);
    expect(calls).toEqual(['DescribeInstances', 'DescribeCloudAssistantStatus', 'DescribeInstanceRamRole', 'DescribeDisks', 'DescribeSnapshotGroups', 'TagResources', 'DescribeSnapshots']);
    expect(r.ecs.calls[4].parameters).toEqual({ RegionId: 'cn-hangzhou', InstanceId: INSTANCE, SnapshotGroupId: [group] });
    expect(r.ecs.calls[5].parameters).toEqual({
      RegionId: 'cn-hangzhou', ResourceType: 'snapshot', ResourceId: [snapshot],
      Tag: [{ Key: SNAPSHOT_TAG_KEYS.posture, Value: 'E2E' }, { Key: SNAPSHOT_TAG_KEYS.group, Value: 'db' }],
    });
    expect(r.ecs.calls[6].parameters).toEqual({ RegionId: 'cn-hangzhou', InstanceId: INSTANCE, SnapshotIds: [snapshot], MaxResults: 100 });
    expect(r.instanceExecution.ran).toEqual(Object.values(INSTANCE_TASKS));
  });

  test('tags that say FsConsistent where the plugin logged AppConsistent: SNAPSHOTS_NOT_CONFIRMED, FsConsistent', async () => {
    const r = await after((c) => { c.groups[0].snapshots[0].Tags = [{ Key: 'FsConsistent', Value: 'True' }]; });
    expect(r.snapshot!.result.consistency).toBe('AppConsistent');
    expect(r.verdict!.rc).toBe(PackageExitCode.SNAPSHOTS_NOT_CONFIRMED);
    expect(r.verdict!.result).toMatchObject({ exitCode: 127, consistency: 'FsConsistent', snapshotGroupId: where(r).group });
    expect(r.verdict!.result.message).toContain(`(snapshot ${where(r).snapshot} of disk ${DISK} of group ${where(r).group} (instance ${INSTANCE}) carries FsConsistent:True, though the plugin logged an application-consistent run)`);
    expect(r.instanceExecution).toMatchObject({ status: 'Failed', failedTask: INSTANCE_TASKS.verdict });
  });

  test('a group that is not accomplished', async () => {
    const r = await after((c) => { c.groups[0].Status = 'progressing'; });
    expect(r.verdict!.result).toMatchObject({ exitCode: 127, consistency: 'Unknown' });
    expect(r.verdict!.result.message).toContain(`snapshot group ${where(r).group} of instance ${INSTANCE} is progressing, not accomplished`);
  });

  test('a snapshot without a consistency tag, and one not finished', async () => {
    const r = await after((c) => { c.groups[0].snapshots[0].Tags = [{ Key: 'team', Value: "db's" }]; c.groups[0].snapshots[0].Status = 'progressing'; });
    expect(r.verdict!.result.exitCode).toBe(127);
    expect(r.verdict!.result.message).toContain(`${where(r).text} is progressing, not accomplished; ${where(r).text} carries neither APPConsistent:True nor FsConsistent:True`);
  });

  test('a disk of the instance that has no snapshot in the group', async () => {
    const r = await execute(SYNTH, { cloud: (c) => { c.disks.push({ DiskId: OTHER_DISK, Category: 'cloud_essd', MultiAttach: 'Disabled', attachedTo: [INSTANCE] }); } });
    expect(r.verdict!.result.exitCode).toBe(127);
    expect(r.verdict!.result.message).toContain(`disk ${OTHER_DISK} of instance ${INSTANCE} has no snapshot in group ${where(r).group}`);
  });

  test('a group the API does not find: nothing to tag, and the verdict names it', async () => {
    const r = await after((c) => { c.groups = []; });
    expect(r.verdict!.result.message).toContain(`snapshot group ${where(r).group} of instance ${INSTANCE} was not found by DescribeSnapshotGroups`);
    expect(r.ecs.calls.map((c) => c.api)).not.toContain('TagResources');
    expect(r.instanceExecution).toMatchObject({ status: 'Failed', failedTask: INSTANCE_TASKS.verdict });
  });

  test('a tagging the API refuses stops the instance at tagSnapshots, before the verdict', async () => {
    const r = await after((c) => { c.refuse = { TagResources: 'Forbidden.RAM: User not authorized to operate on the specified resource.' }; });
    expect(r.instanceExecution).toMatchObject({ status: 'Failed', failedTask: INSTANCE_TASKS.tag });
    expect(r.instanceExecution.message).toContain('TagResources: Forbidden.RAM');
    expect(r.verdict).toBeUndefined();
    expect(r.execution.status).toBe('Failed');
  });

  test('tags that say AppConsistent where the plugin logged a fallback: the tags decide (consistency not required)', async () => {
    const r = await after((c) => { c.groups[0].snapshots[0].Tags = [{ Key: 'appconsistent', Value: 'true' }]; }, { fail: 'fs-fallback', values: { requireAppConsistent: 'false' } });
    expect(r.snapshot!.result.consistency).toBe('FsConsistent');
    expect(r.verdict!.result).toMatchObject({ exitCode: 0, consistency: 'AppConsistent' });
    expect(r.verdict!.result.message).toMatch(/carry APPConsistent:True; the plugin had logged a file-system-consistent run, the tags say otherwise and are taken as the verdict$/);
    expect(r.execution.outputs.results).toEqual([expect.objectContaining({ verdict: 'AppConsistent', exitCode: 0 })]);
  });
});

function describe126(): string {
  return 'a prerequisite read from the ECS API before the plugin ran is not met (RAM role, disk category, multi-attach, disk owner or count); the plugin was not run';
}
