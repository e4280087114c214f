/**
 * End to end without the cloud: cross-region copies. The synthesized copy templates run on the OOS
 * runtime stand-in against the ECS stand-in, whose CopySnapshot makes the copy appear in its
 * destination region, progressing, then accomplished (or failed) after reads of DescribeSnapshots,
 * each call checked against the ECS SDK's models. The last tests run whole scheduled runs: the
 * snapshot run against the plugin stand-in, then the copies, with alerts to a webhook on loopback.
 */
import { EVIDENCE_TAG_KEYS, SNAPSHOT_TAG_KEYS } from '../../lib/instance-template';
import { NotifyOn } from '../../lib/notify';
import { Schedule } from '../../lib/schedule';
import { COPY_JOB_TASKS, COPY_SOURCE_GROUP_TAG_KEY, COPY_TASKS, SnapshotCopyOptions } from '../../lib/snapshot-copy';
import { SCHEDULE_TASKS } from '../../lib/snapshot-schedule';
import { CloudGroup, CloudState, CopyOutcome, EcsStandIn, ecsTime } from './ecs-standin';
import { INSTANCE, execute, healthyCloud, synthStack } from './harness';
import { Execution, executionParameters, runTemplate } from './oos-runtime';
import { WebhookReceiver } from './webhook-receiver';

const NOW = new Date(Date.UTC(2024, 4, 10, 8, 30, 45));
const ago = (days: number) => ecsTime(new Date(NOW.getTime() - days * 86_400_000));
const COPY: SnapshotCopyOptions = { regions: ['cn-shanghai', 'cn-beijing'], retentionDays: 90, kmsKeyIds: { 'cn-beijing': 'key-bj0001' } };
type Tag = { Key: string; Value: string };
const ours = (posture = 'E2E', group = 'db'): Tag[] => [{ Key: SNAPSHOT_TAG_KEYS.posture, Value: posture }, { Key: SNAPSHOT_TAG_KEYS.group, Value: group }];

/** A snapshot group of the instance: application-consistent and ours unless told otherwise. */
function group(id: string, created: string, o: { snapshots?: number; tags?: Tag[]; consistency?: Tag; status?: string } = {}): CloudGroup {
  return {
    SnapshotGroupId: id,
    InstanceId: INSTANCE,
    Status: o.status ?? 'accomplished',
    CreationTime: created,
    snapshots: Array.from({ length: o.snapshots ?? 2 }, (_, i) => ({
      SnapshotId: `s-${id.slice(4)}${i}`,
      DiskId: `d-e2edisk00000000${i}`,
      Status: 'accomplished',
      Tags: [o.consistency ?? { Key: 'APPConsistent', Value: 'True' }, ...(o.tags ?? ours())],
    })),
  };
}

/** An account with the groups and the two target regions, empty. */
function cloudWith(groups: CloudGroup[], more: Partial<CloudState> = {}): CloudState {
  return { ...healthyCloud(), groups, regions: { 'cn-shanghai': { snapshots: [] }, 'cn-beijing': { snapshots: [] } }, ...more };
}

const SYNTH = synthStack(undefined, 60, { copy: COPY });
const names = { parent: 'AppConsistentSnapshot-db-Copy', instance: 'AppConsistentSnapshot-db-CopyInstance', job: 'AppConsistentSnapshot-db-CopyJob' };

interface CopyResult {
  instanceId: string;
  snapshotGroupId: string | null;
  copies: Array<{ SnapshotId: string; RegionId: string; CopyId: string; Status: string; Copied: string }>;
  failed: Array<{ snapshotId: string; regionId: string; reason: string }>;
}

/** Runs the copy template once against `cloud`. */
async function copy(cloud: CloudState, values: Record<string, unknown> = {}, synth = SYNTH) {
  const ecs = new EcsStandIn(cloud);
  const execution = await runTemplate(synth.templates[names.parent], values, {
    now: NOW,
    templates: synth.templates,
    callApi: (service, api, parameters) => ecs.call(service, api, parameters),
    runCommand: async () => { throw new Error('the copies run no command'); },
  });
  const instance = (execution.children[COPY_TASKS.instances] ?? [])[0] as Execution | undefined;
  return { execution, ecs, instance, results: execution.outputs.results as CopyResult[] | undefined, copies: (region: string) => cloud.regions![region].snapshots };
}

describe('copies: what is copied, with which tags and retention', () => {
  test('the newest application-consistent group: each snapshot to each region, tagged with the posture, the group and the source group, kept retentionDays, encrypted where a key is given', async () => {
    const cloud = cloudWith([group('ssg-day02', ago(2)), group('ssg-day01', ago(1)), group('ssg-fsday0', ago(0), { consistency: { Key: 'FsConsistent', Value: 'True' } })]);
    const r = await copy(cloud);
    expect(r.execution.status).toBe('Success');
    // The newest group is only file-system-consistent: the newest application-consistent one is copied.
    const expectedTags = [...ours(), { Key: COPY_SOURCE_GROUP_TAG_KEY, Value: 'ssg-day01' }];
    for (const region of ['cn-shanghai', 'cn-beijing']) {
      expect(r.copies(region).map((c) => [c.SourceSnapshotId, c.SourceRegionId, c.Status, c.RetentionDays, c.Tags])).toEqual([
        ['s-day010', 'cn-hangzhou', 'accomplished', 90, expectedTags],
        ['s-day011', 'cn-hangzhou', 'accomplished', 90, expectedTags],
      ]);
    }
    expect(r.copies('cn-shanghai').map((c) => [c.Encrypted, c.KMSKeyId])).toEqual([[false, undefined], [false, undefined]]);
    expect(r.copies('cn-beijing').map((c) => [c.Encrypted, c.KMSKeyId])).toEqual([[true, 'key-bj0001'], [true, 'key-bj0001']]);
    expect(r.copies('cn-shanghai')[0]).toMatchObject({ SnapshotName: 'AppSnapshotCopy-s-day010', Description: 'Copy of s-day010 (snapshot group ssg-day01 of E2E/db) from cn-hangzhou' });
    expect(r.results).toEqual([{
      instanceId: INSTANCE,
      snapshotGroupId: 'ssg-day01',
      copies: [
        { SnapshotId: 's-day010', RegionId: 'cn-shanghai', CopyId: r.copies('cn-shanghai')[0].SnapshotId, Status: 'accomplished', Copied: 'now' },
        { SnapshotId: 's-day010', RegionId: 'cn-beijing', CopyId: r.copies('cn-beijing')[0].SnapshotId, Status: 'accomplished', Copied: 'now' },
        { SnapshotId: 's-day011', RegionId: 'cn-shanghai', CopyId: r.copies('cn-shanghai')[1].SnapshotId, Status: 'accomplished', Copied: 'now' },
        { SnapshotId: 's-day011', RegionId: 'cn-beijing', CopyId: r.copies('cn-beijing')[1].SnapshotId, Status: 'accomplished', Copied: 'now' },
      ],
      failed: [],
    }]);
    // Each copy was waited for in its region until accomplished.
    const job = r.instance!.children[COPY_TASKS.copy][1];
    expect(job.ran).toEqual([COPY_JOB_TASKS.find, COPY_JOB_TASKS.anyCopy, COPY_JOB_TASKS.encrypted, COPY_JOB_TASKS.copyEncrypted, COPY_JOB_TASKS.waitEncrypted]);
  });

  test('a second run copies nothing again: each copy is found in its region', async () => {
    const cloud = cloudWith([group('ssg-day01', ago(1))]);
    await copy(cloud);
    const again = await copy(cloud);
    expect(again.ecs.calls.filter((c) => c.api === 'CopySnapshot')).toHaveLength(0);
    expect(again.results![0].copies.map((c) => [c.Copied, c.Status])).toEqual(Array(4).fill(['earlier', 'accomplished']));
    expect(cloud.regions!['cn-shanghai'].snapshots).toHaveLength(2);
  });

  test('nothing eligible (no group, a fallback only, another posture\'s, in progress): nothing is copied, the run ends before the loop and succeeds', async () => {
    for (const groups of [
      [],
      [group('ssg-fsday0', ago(0), { consistency: { Key: 'FsConsistent', Value: 'True' } })],
      [group('ssg-othpos', ago(0), { tags: ours('staging', 'db') }), group('ssg-othgrp', ago(0), { tags: ours('E2E', 'web') })],
      [group('ssg-progrs', ago(0), { status: 'progressing' })],
    ]) {
      const r = await copy(cloudWith(groups));
      expect(r.execution.status).toBe('Success');
      expect(r.instance!.ran).toEqual([COPY_TASKS.select, COPY_TASKS.anyToCopy]);
      expect(r.results).toEqual([{ instanceId: INSTANCE, snapshotGroupId: null, copies: [], failed: [] }]);
      expect(r.ecs.calls.filter((c) => c.api === 'CopySnapshot')).toHaveLength(0);
    }
  });

  test('requireVerified: only a group a restore drill verified (every snapshot tagged) is copied', async () => {
    const verified = (g: CloudGroup) => { g.snapshots.forEach((s) => s.Tags.push({ Key: EVIDENCE_TAG_KEYS.verified, Value: '2024-05-09T03:00:00Z' })); return g; };
    const partly = group('ssg-day00', ago(0));
    partly.snapshots[0].Tags.push({ Key: EVIDENCE_TAG_KEYS.verified, Value: '2024-05-10T03:00:00Z' });
    const cloud = cloudWith([verified(group('ssg-day03', ago(3))), partly]);
    const r = await copy(cloud, { requireVerified: 'true' });
    expect(r.results![0].snapshotGroupId).toBe('ssg-day03');
    // Without it, the newest application-consistent group.
    const plain = await copy(cloudWith([verified(group('ssg-day03', ago(3))), group('ssg-day00', ago(0))]));
    expect(plain.results![0].snapshotGroupId).toBe('ssg-day00');
  });
});

describe('copies: the per-run bound and failures', () => {
  const jobs = () => cloudWith([group('ssg-day01', ago(1), { snapshots: 3 })]);

  test.each([1, 2, 6])('maxInFlight %i: at most that many copies in flight at once (6 jobs: 3 snapshots, 2 regions)', async (n) => {
    const r = await copy(jobs(), { maxInFlight: n });
    expect(r.execution.status).toBe('Success');
    expect(r.ecs.calls.filter((c) => c.api === 'CopySnapshot')).toHaveLength(6);
    expect(r.ecs.maxCopiesInFlight).toBe(n);
  });

  test('the default bound is 4, and the instances are copied one after another', async () => {
    expect(SYNTH.templates[names.parent].Parameters.maxInFlight.Default).toBe(4);
    expect(SYNTH.templates[names.parent].Parameters.rateControl.Default).toEqual({ Mode: 'Concurrency', MaxErrors: 0, Concurrency: 1 });
    const r = await copy(cloudWith([group('ssg-day01', ago(1), { snapshots: 4 })]));
    expect(r.ecs.maxCopiesInFlight).toBe(4);
    expect(() => executionParameters(SYNTH.templates[names.parent], { maxInFlight: 21 })).toThrow(/maxInFlight/);
  });

  test('a copy that fails in its region, and one ECS refuses, are reported with the reason; the others are done and the run succeeds', async () => {
    const failure = (s: string, region: string): CopyOutcome => (s === 's-day010' && region === 'cn-beijing' ? 'fail' : s === 's-day011' && region === 'cn-shanghai' ? 'refuse' : undefined);
    const cloud = cloudWith([group('ssg-day01', ago(1))], { copyFailure: failure });
    const r = await copy(cloud);
    expect(r.execution.status).toBe('Success');
    expect(r.instance!.status).toBe('Success');
    const result = r.results![0];
    expect(result.copies.map((c) => `${c.SnapshotId} ${c.RegionId}`)).toEqual(['s-day010 cn-shanghai', 's-day011 cn-beijing']);
    expect(result.failed.map((f) => [f.snapshotId, f.regionId])).toEqual([['s-day010', 'cn-beijing'], ['s-day011', 'cn-shanghai']]);
    expect(result.failed[0].reason).toMatch(/^waitForEncryptedCopy: .*"failed".*stop the wait/);
    expect(result.failed[1].reason).toMatch(/^copySnapshot: CopySnapshot: QuotaExceed\.SnapshotCopy/);
    // The next run copies what failed (a failed copy in the region does not count as copied), and only that.
    cloud.copyFailure = undefined;
    const again = await copy(cloud);
    expect(again.ecs.calls.filter((c) => c.api === 'CopySnapshot').map((c) => `${c.parameters.SnapshotId} ${c.parameters.DestinationRegionId}`)).toEqual(['s-day010 cn-beijing', 's-day011 cn-shanghai']);
    expect(again.results![0].failed).toEqual([]);
  });

  test('a listing of more than one page copies nothing and fails the instance, saying why', async () => {
    const r = await copy(cloudWith(Array.from({ length: 101 }, (_, i) => group(`ssg-old${String(i).padStart(3, '0')}`, ago(200 - i)))));
    expect(r.instance).toMatchObject({ status: 'Failed', failedTask: COPY_TASKS.select });
    expect(r.instance!.message).toMatch(/more than 100 snapshot groups for instance .*nothing was copied/);
    expect(r.ecs.calls.filter((c) => c.api === 'CopySnapshot')).toHaveLength(0);
  });
});

describe('copies in the scheduled run', () => {
  const receiver = new WebhookReceiver();
  beforeAll(() => receiver.start());
  afterAll(() => receiver.stop());
  const SCHEDULED = synthStack(undefined, 60, { schedule: Schedule.rate(1, 'days'), copy: COPY, notify: { webhookSecretParameter: 'e2e-hook', on: NotifyOn.FAILURES }, postureName: 'prod' });
  const regions = (c: CloudState) => { c.regions = { 'cn-shanghai': { snapshots: [] }, 'cn-beijing': { snapshots: [] } }; };

  test('after an application-consistent run, the new group is copied; nothing is sent when every copy is done', async () => {
    receiver.received.length = 0;
    const r = await execute(SCHEDULED, { scheduled: true, secretParameters: { 'e2e-hook': receiver.url }, cloud: regions });
    expect(r.execution.status).toBe('Success');
    const created = r.snapshot!.result.snapshotGroupId!;
    expect(r.execution.ran.slice(1, 3)).toEqual([SCHEDULE_TASKS.snapshot, SCHEDULE_TASKS.copy]);
    const copies = Object.values(r.ecs.state.regions!).flatMap((x) => x.snapshots);
    expect(copies).toHaveLength(2);
    expect(copies.every((c) => c.Status === 'accomplished' && c.Tags.some((t) => t.Key === COPY_SOURCE_GROUP_TAG_KEY && t.Value === created))).toBe(true);
    expect(copies[0].Tags.filter((t) => t.Key.startsWith('app-snapshot:'))).toEqual([...ours('prod'), { Key: COPY_SOURCE_GROUP_TAG_KEY, Value: created }]);
    expect(receiver.texts()).toEqual([]);
  });

  test('a fallback is not copied: required, the snapshot step fails and the copies do not run; accepted, the copies run and find nothing to copy', async () => {
    const required = await execute(SCHEDULED, { scheduled: true, secretParameters: { 'e2e-hook': receiver.url }, cloud: regions, fail: 'fs-fallback' });
    expect(required.execution.status).toBe('Failed');
    expect(required.execution.ran).not.toContain(SCHEDULE_TASKS.copy);
    expect(Object.values(required.ecs.state.regions!).flatMap((x) => x.snapshots)).toEqual([]);
    const accepting = synthStack(undefined, 60, { schedule: Schedule.rate(1, 'days'), copy: COPY, requireAppConsistent: false });
    const accepted = await execute(accepting, { scheduled: true, cloud: regions, fail: 'fs-fallback' });
    expect(accepted.execution.status).toBe('Success');
    expect(accepted.verdict!.result.consistency).toBe('FsConsistent');
    expect(accepted.execution.ran).toContain(SCHEDULE_TASKS.copy);
    expect(accepted.execution.children[SCHEDULE_TASKS.copy][0].outputs.results).toEqual([{ instanceId: INSTANCE, snapshotGroupId: null, copies: [], failed: [] }]);
    expect(Object.values(accepted.ecs.state.regions!).flatMap((x) => x.snapshots)).toEqual([]);
  });

  test('a failed copy does not fail the run; the alert names it with the reason', async () => {
    receiver.received.length = 0;
    const r = await execute(SCHEDULED, {
      scheduled: true,
      secretParameters: { 'e2e-hook': receiver.url },
      cloud: (c) => { regions(c); c.copyFailure = (_s, region) => (region === 'cn-beijing' ? 'fail' : undefined); },
    });
    expect(r.execution.status).toBe('Success');
    expect(r.execution.children[SCHEDULE_TASKS.copy][0].status).toBe('Success');
    expect(receiver.texts()).toHaveLength(1);
    const [summary, ...lines] = receiver.texts()[0].split('\n');
    expect(summary).toMatch(/^\[app-snapshot\] prod\/db: succeeded: 1 snapshotted \(1 application-consistent, 0 file-system-consistent\), 0 failed; execution /);
    expect(lines).toEqual([expect.stringMatching(/^copy of s-\S+ to cn-beijing failed: waitForEncryptedCopy: .*stop the wait/)]);
  });
});
