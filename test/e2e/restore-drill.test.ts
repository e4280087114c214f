/**
 * End to end without the cloud: the synthesized restore-drill templates executed as OOS would
 * (oos-runtime.ts, real jq) against the ECS stand-in and its disk life cycle, and the check run
 * for real as root in a throwaway root standing for the scratch instance (drill-harness.ts).
 * After every case, no drill disk is left in the stand-in, and nothing on the scratch instance.
 */
import * as fs from 'fs';
import * as path from 'path';
import { EVIDENCE_TAG_KEYS } from '../../lib/instance-template';
import { RESTORE_TEST_TASKS as T, RestoreSource } from '../../lib/restore-drill';
import { NOTIFY_TASKS, NotifyOn } from '../../lib/notify';
import { RestoreCheck } from '../../lib/restore-check';
import { Schedule } from '../../lib/schedule';
import { EcsStandIn } from './ecs-standin';
import { INSTANCE, Synthesized, synthStack } from './harness';
import { DRILL_WORK, Images, OUR_TAGS, SCRATCH, SCRATCH_ZONE, drillCloud, drillDisks, executeDrill, makeImages, snapshotGroup } from './drill-harness';
import { WebhookReceiver } from './webhook-receiver';

const NOW = new Date(Math.floor(Date.now() / 1000) * 1000);
let images: Images;
let generic: Synthesized;
let hanging: Synthesized;

beforeAll(() => {
  images = makeImages();
  generic = synthStack(undefined, 60, {
    restoreTest: { scratchInstanceId: SCRATCH, check: RestoreCheck.generic(), source: RestoreSource.instance(INSTANCE), timeoutMinutes: 5 },
  });
  const script = path.join(DRILL_WORK, 'hang.sh');
  fs.writeFileSync(script, '#!/bin/bash\necho "looking at the orders"\nsleep 600\n');
  hanging = synthStack(undefined, 60, {
    restoreTest: { scratchInstanceId: SCRATCH, check: RestoreCheck.fromFile(script), source: RestoreSource.instance(INSTANCE) },
  });
});

afterAll(() => fs.rmSync(DRILL_WORK, { recursive: true, force: true }));

/** The drill disks left in the stand-in and on the scratch instance: none, after every case. */
function expectNothingLeft(ecs: EcsStandIn, checks: ReadonlyArray<{ leftovers: string[] }> = []): void {
  expect(drillDisks(ecs)).toEqual([]);
  expect(checks.flatMap((c) => c.leftovers)).toEqual([]);
}

const evidence = (ecs: EcsStandIn, groupId: string) => ecs.state.groups.find((g) => g.SnapshotGroupId === groupId)!.snapshots
  .map((s) => Object.fromEntries(s.Tags.filter((t) => t.Key.startsWith('app-snapshot:v') || t.Key.startsWith('app-snapshot:r')).map((t) => [t.Key, t.Value])));

describe('a restore drill', () => {
  test('restores the newest eligible group to disks on the scratch instance, checks them, tags the evidence and deletes the disks', async () => {
    const ecs = new EcsStandIn(drillCloud(NOW, [snapshotGroup('ssg-older0001', NOW, 30), snapshotGroup('ssg-newest001', NOW, 2), snapshotGroup('ssg-notapp001', NOW, 1, OUR_TAGS)]));
    const r = await executeDrill(generic, ecs, images, NOW);
    expect(r.execution.status).toBe('Success');
    const result = r.execution.outputs.result as Record<string, any>;
    expect(result).toMatchObject({ verdict: 'restorable', groupId: 'ssg-newest001', sourceInstanceId: INSTANCE, engine: 'generic' });
    expect(result.disks).toHaveLength(2);
    expect(result.seconds).toBeGreaterThanOrEqual(0);
    // One disk per snapshot, in the scratch instance's zone, attached, checked, detached, deleted.
    const created = ecs.calls.filter((c) => c.api === 'CreateDisk');
    expect(created.map((c) => [c.parameters.SnapshotId, c.parameters.ZoneId, c.parameters.DiskCategory])).toEqual([
      ['s-newest0010', SCRATCH_ZONE, 'cloud_essd'], ['s-newest0011', SCRATCH_ZONE, 'cloud_essd']]);
    expect(r.calls.filter((c) => /Disk$/.test(c) && c !== 'DescribeDisks')).toEqual(['CreateDisk', 'CreateDisk', 'AttachDisk', 'AttachDisk', 'DetachDisk', 'DetachDisk', 'DeleteDisk', 'DeleteDisk']);
    expect(r.checks).toHaveLength(1);
    expect(r.checks[0].output).toContain('drill(generic): file system checks only');
    expect(r.execution.outputs.lines).toEqual(expect.arrayContaining([expect.stringMatching(/^drill\(generic\): d-drill\d+ is \/dev\/loop\d+$/)]));
    expect(r.execution.outputs.lines).toEqual(r.drill!.taskOutputs[T.check].lines);
    // The evidence, on every snapshot of the group, and on no other group.
    for (const tags of evidence(ecs, 'ssg-newest001')) {
      expect(tags[EVIDENCE_TAG_KEYS.verified]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(tags[EVIDENCE_TAG_KEYS.restoreSeconds]).toBe(String(result.seconds));
      expect(tags[EVIDENCE_TAG_KEYS.verifiedBy]).toBe(r.executionId);
    }
    expect(evidence(ecs, 'ssg-older0001')).toEqual([{}, {}]);
    expectNothingLeft(ecs, r.checks);
  });

  test('no eligible group (the newest is only file-system-consistent, another belongs to another posture): fails, creating nothing', async () => {
    const ecs = new EcsStandIn(drillCloud(NOW, [
      snapshotGroup('ssg-fsonly001', NOW, 2, [...OUR_TAGS, { Key: 'FsConsistent', Value: 'True' }]),
      snapshotGroup('ssg-otherpos1', NOW, 3, [{ Key: 'app-snapshot:posture', Value: 'staging' }, OUR_TAGS[1], { Key: 'APPConsistent', Value: 'True' }]),
    ]));
    const r = await executeDrill(generic, ecs, images, NOW);
    expect(r.execution).toMatchObject({ status: 'Failed', failedTask: T.confirm });
    expect(r.drill).toMatchObject({ status: 'Failed', failedTask: T.select });
    expect(r.drill!.message).toContain(`no eligible group: instance ${INSTANCE} has no accomplished snapshot group`);
    expect(r.calls).not.toContain('CreateDisk');
    expect(r.execution.ran).toEqual([T.sweep, T.checkTargets, T.checkScratch, T.run, T.cleanup, T.confirm]);
    expectNothingLeft(ecs);
  });

  test('a stale group (older than maxAgeHours) fails the drill, naming it and the cut-off', async () => {
    const ecs = new EcsStandIn(drillCloud(NOW, [snapshotGroup('ssg-stale0001', NOW, 49)]));
    const r = await executeDrill(generic, ecs, images, NOW);
    expect(r.execution.status).toBe('Failed');
    expect(r.drill!.message).toMatch(/stale: the newest eligible group of instance i-e2etest000000000001, ssg-stale0001, was created at .*, before the cut-off/);
    expect(r.calls).not.toContain('CreateDisk');
    // A younger limit at execution time, and the same group passes.
    const fresh = await executeDrill(generic, ecs, images, NOW, { values: { maxAgeHours: 50 } });
    expect(fresh.execution.status).toBe('Success');
    expectNothingLeft(ecs, fresh.checks);
  });

  test('a disk slower than the drill\'s wait: the drill fails, and the clean-up, which waits on, deletes it', async () => {
    const cloud = drillCloud(NOW, [snapshotGroup('ssg-newest001', NOW, 2)]);
    cloud.diskTiming = { create: 70 };
    const ecs = new EcsStandIn(cloud);
    const r = await executeDrill(generic, ecs, images, NOW);
    expect(r.execution.status).toBe('Failed');
    expect(r.drill).toMatchObject({ status: 'Failed', failedTask: T.waitCreated });
    expect(r.drill!.message).toContain('after 61 tries, not one of the desired values ["Available"]');
    expect(r.calls).not.toContain('AttachDisk');
    expect(r.calls.filter((c) => c === 'DeleteDisk')).toHaveLength(2);
    expectNothingLeft(ecs);
  });

  test('a disk that never becomes Available: the clean-up fails on it (the execution fails), and the next drill\'s sweep deletes it once ECS is done', async () => {
    const cloud = drillCloud(NOW, [snapshotGroup('ssg-newest001', NOW, 2)]);
    cloud.diskTiming = { create: Infinity };
    const ecs = new EcsStandIn(cloud);
    const earlier = new Date(NOW.getTime() - 5 * 3_600_000);
    const r = await executeDrill(generic, ecs, images, earlier, { values: { maxAgeHours: 10 } });
    expect(r.execution).toMatchObject({ status: 'Failed', failedTask: T.cleanup });
    expect(r.execution.children[T.cleanup][0]).toMatchObject({ status: 'Failed', failedTask: T.waitDetached });
    expect(r.execution.children[T.cleanup][0].message).toContain('.Disks.Disk[].Status is still ["Creating"] after 61 tries');
    expect(drillDisks(ecs)).toHaveLength(2);
    // ECS finishes the disks; the next drill's sweep takes them (older than sweepAfterHours) first.
    ecs.state.disks.forEach((d) => { if (d.pending) d.pending.polls = 1; });
    ecs.state.diskTiming = {};
    const next = await executeDrill(generic, ecs, images, NOW);
    expect(next.execution.status).toBe('Success');
    const sweep = next.execution.children[T.sweep][0];
    expect(sweep.outputs.diskIds).toHaveLength(2);
    expectNothingLeft(ecs, next.checks);
  });

  test('the check failing (a disk without a file system): not restorable with the reason, no evidence, the disks deleted', async () => {
    const ecs = new EcsStandIn(drillCloud(NOW, [snapshotGroup('ssg-newest001', NOW, 2)]));
    const r = await executeDrill(generic, ecs, images, NOW, { imageOf: () => images.damaged });
    expect(r.execution).toMatchObject({ status: 'Failed', failedTask: T.confirm });
    expect(r.drill).toMatchObject({ status: 'Failed', failedTask: T.check });
    expect(r.drill!.message).toContain('"verdict":"not restorable","reason":"no file system found on the restored disks');
    expect(r.execution.ran).toContain(T.cleanup);
    expect(evidence(ecs, 'ssg-newest001')).toEqual([{}, {}]);
    expect(r.checks[0].exitCode).toBe(1);
    expectNothingLeft(ecs, r.checks);
  });

  test('the check timing out: not restorable at its deadline, nothing left running or mounted, the disks deleted', async () => {
    const ecs = new EcsStandIn(drillCloud(NOW, [snapshotGroup('ssg-newest001', NOW, 2)]));
    const r = await executeDrill(hanging, ecs, images, NOW, { values: { checkTimeoutSeconds: 10 } });
    expect(r.execution.status).toBe('Failed');
    expect(r.drill).toMatchObject({ status: 'Failed', failedTask: T.check });
    expect(r.drill!.message).toContain('the check did not finish within its deadline of 10 s');
    expect(r.checks[0].output).toContain('drill(script): running your check script');
    expectNothingLeft(ecs, r.checks);
  });

  test('an execution interrupted half-way leaves its disks attached; the next drill\'s sweep detaches and deletes them', async () => {
    const ecs = new EcsStandIn(drillCloud(NOW, [snapshotGroup('ssg-newest001', NOW, 2)]));
    const earlier = new Date(NOW.getTime() - 4 * 3_600_000);
    await expect(executeDrill(generic, ecs, images, earlier, { interruptAtCheck: true, values: { maxAgeHours: 10 } })).rejects.toThrow(/interrupted/);
    const left = drillDisks(ecs);
    expect(left).toHaveLength(2);
    expect(left.map((id) => ecs.disk(id)!.attachedTo)).toEqual([[SCRATCH], [SCRATCH]]);
    const next = await executeDrill(generic, ecs, images, NOW);
    expect(next.execution.status).toBe('Success');
    expect(next.execution.children[T.sweep][0].outputs.diskIds).toEqual(left);
    expect(next.calls.slice(0, 6)).toEqual(['DescribeDisks', 'DetachDisk', 'DetachDisk', 'DescribeDisks', 'DescribeDisks', 'DeleteDisk']);
    expectNothingLeft(ecs, next.checks);
  });

  test('a drill running at the same time is not swept: only disks older than sweepAfterHours are', async () => {
    const ecs = new EcsStandIn(drillCloud(NOW, [snapshotGroup('ssg-newest001', NOW, 2)]));
    const justBefore = new Date(NOW.getTime() - 10 * 60_000);
    await expect(executeDrill(generic, ecs, images, justBefore, { interruptAtCheck: true })).rejects.toThrow(/interrupted/);
    const other = drillDisks(ecs);
    const r = await executeDrill(generic, ecs, images, NOW);
    expect(r.execution.status).toBe('Success');
    expect(r.execution.children[T.sweep][0].outputs.diskIds).toEqual([]);
    expect(drillDisks(ecs)).toEqual(other);
  });

  test('refuses a scratch instance that is one of the group\'s instances, creating nothing', async () => {
    const ecs = new EcsStandIn(drillCloud(NOW, [snapshotGroup('ssg-newest001', NOW, 2)]));
    const r = await executeDrill(generic, ecs, images, NOW, { values: { scratchInstanceId: INSTANCE } });
    expect(r.execution).toMatchObject({ status: 'Failed', failedTask: T.confirm });
    expect(r.execution.ran).toEqual([T.sweep, T.checkTargets, T.checkScratch, T.refuseScratch, T.cleanup, T.confirm]);
    expect(r.calls).not.toContain('CreateDisk');
    expectNothingLeft(ecs);
  });
});

describe('the scheduled drill of a group with notify: alerted as a failed snapshot run is', () => {
  const SECRET = 'e2e-drill-webhook';
  const receiver = new WebhookReceiver();
  const alerted = (on: NotifyOn) => synthStack(undefined, 60, {
    schedule: Schedule.rate(1, 'days'),
    notify: { webhookSecretParameter: SECRET, on },
    restoreTest: { scratchInstanceId: SCRATCH, check: RestoreCheck.generic(), source: RestoreSource.instance(INSTANCE), timeoutMinutes: 5, schedule: Schedule.rate(7, 'days') },
  });
  let failures: Synthesized;
  let always: Synthesized;
  beforeAll(async () => {
    await receiver.start();
    failures = alerted(NotifyOn.FAILURES);
    always = alerted(NotifyOn.ALWAYS);
  });
  afterAll(() => receiver.stop());
  beforeEach(() => { receiver.received.length = 0; });
  /** One firing of the scheduled drill's timer; the webhook URL only in the account's encrypted parameters. */
  const run = (s: Synthesized, ecs: EcsStandIn, more: Parameters<typeof executeDrill>[4] = {}) =>
    executeDrill(s, ecs, images, NOW, { scheduled: true, secretParameters: { [SECRET]: receiver.url }, ...more });
  const texts = () => receiver.texts();

  test('not restorable: one message with the verdict and the check\'s reason; the run fails; the disks are deleted', async () => {
    const ecs = new EcsStandIn(drillCloud(NOW, [snapshotGroup('ssg-newest001', NOW, 2)]));
    const r = await run(failures, ecs, { imageOf: () => images.damaged });
    expect(r.drill).toMatchObject({ status: 'Failed', failedTask: T.check });
    expect(r.execution).toMatchObject({ status: 'Failed', failedTask: NOTIFY_TASKS.confirm });
    expect(r.execution.ran).toEqual([T.trigger, T.run, NOTIFY_TASKS.report, NOTIFY_TASKS.instances, NOTIFY_TASKS.choose, NOTIFY_TASKS.notify, NOTIFY_TASKS.end, NOTIFY_TASKS.confirm]);
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]).toMatchObject({ contentType: 'application/json', body: { msgtype: 'text' } });
    const [summary, ...lines] = texts()[0].split('\n');
    expect(summary).toBe(`[app-snapshot] E2E/db: restore drill FAILED, 1 step failed; execution ${r.executionId}`);
    expect(lines[0]).toMatch(/^AppConsistentSnapshot-db-RestoreTestRun failed: not restorable: no file system found on the restored disks/);
    expect(lines.slice(1)).toEqual([expect.stringMatching(/^restore drill failed: confirmVerified: /)]);
    expectNothingLeft(ecs, r.checks);
  });

  test('a stale group: the message names the failed step and why', async () => {
    const ecs = new EcsStandIn(drillCloud(NOW, [snapshotGroup('ssg-stale0001', NOW, 49)]));
    const r = await run(failures, ecs);
    expect(r.execution.status).toBe('Failed');
    expect(texts()).toHaveLength(1);
    // (The stand-in's message of a failed ACS::CheckFor quotes its selector, which spans lines.)
    expect(texts()[0]).toMatch(/^\[app-snapshot\] E2E\/db: restore drill FAILED, 1 step failed; execution \S+\nAppConsistentSnapshot-db-RestoreTestRun failed: selectSnapshotGroup: /);
    expect(texts()[0]).toContain(`stale: the newest eligible group of instance ${INSTANCE}, ssg-stale0001`);
    expectNothingLeft(ecs);
  });

  test('a drill that verifies: nothing sent on failures, the summary with the verdict on always; the run succeeds', async () => {
    const ecs = new EcsStandIn(drillCloud(NOW, [snapshotGroup('ssg-newest001', NOW, 2)]));
    const quiet = await run(failures, ecs);
    expect(quiet.execution.status).toBe('Success');
    expect(quiet.execution.outputs.result).toMatchObject({ verdict: 'restorable', groupId: 'ssg-newest001' });
    expect(receiver.received).toEqual([]);
    const told = await run(always, ecs);
    expect(told.execution.status).toBe('Success');
    const seconds = (told.execution.outputs.result as { seconds: number }).seconds;
    expect(texts()).toEqual([`[app-snapshot] E2E/db: restore drill succeeded: restorable, group ssg-newest001 of ${INSTANCE} restored in ${seconds} s, 0 steps failed; execution ${told.executionId}`]);
    expectNothingLeft(ecs, [...quiet.checks, ...told.checks]);
  });

  test('a group without notify: the scheduled drill has no notification task', () => {
    const plain = synthStack(undefined, 60, { restoreTest: { scratchInstanceId: SCRATCH, check: RestoreCheck.generic(), schedule: Schedule.rate(7, 'days') } });
    expect(plain.templates['AppConsistentSnapshot-db-RestoreTestSchedule'].Tasks.map((t) => t.Name)).toEqual([T.trigger, T.run]);
  });
});
