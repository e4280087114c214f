/**
 * End to end without the cloud: the synthesized retention templates executed as OOS would
 * (oos-runtime.ts, real jq), against the ECS stand-in holding snapshot groups of many kinds and
 * ages. The last test runs the whole cycle: the snapshot automation tags what it creates (the
 * harness of automation.test.ts), and retention later deletes the oldest of those groups.
 */
import * as ros from '@alicloud/ros-cdk-core';
import { SNAPSHOT_TAG_KEYS } from '../../lib/instance-template';
import { EVIDENCE_TAG_KEYS } from '../../lib/instance-template';
import { RETENTION_TASKS, SnapshotRetention, SnapshotRetentionProps } from '../../lib/retention';
import { newApp, templateNamed, templateOf } from '../helpers';
import { CloudGroup, CloudLock, CloudState, EcsStandIn, ecsTime } from './ecs-standin';
import { INSTANCE, execute, healthyCloud, synthStack } from './harness';
import { Execution, OosTemplate, executionParameters, runTemplate } from './oos-runtime';

const NOW = new Date(Date.UTC(2024, 4, 10, 8, 30, 45));
const OTHER_INSTANCE = 'i-e2eother00000000001';
type Tag = { Key: string; Value: string };

/** Our two tags, as the automation of posture `prod`, group `db` writes them. */
const ours = (posture = 'prod', group = 'db'): Tag[] => [{ Key: SNAPSHOT_TAG_KEYS.posture, Value: posture }, { Key: SNAPSHOT_TAG_KEYS.group, Value: group }];

/** A time `days` (and `hours`) before NOW, as ECS writes it. */
const ago = (days: number, hours = 0) => ecsTime(new Date(NOW.getTime() - days * 86_400_000 - hours * 3_600_000));

interface GroupOptions {
  readonly instance?: string;
  readonly status?: string;
  /** The tags of each snapshot, by index (default: ours on all). */
  readonly tags?: (index: number) => Tag[];
  readonly snapshots?: number;
}

/** A snapshot group created at `created` (undefined: no CreationTime). */
function group(id: string, created: string | undefined, o: GroupOptions = {}): CloudGroup {
  return {
    SnapshotGroupId: id,
    InstanceId: o.instance ?? INSTANCE,
    Status: o.status ?? 'accomplished',
    ...(created !== undefined ? { CreationTime: created } : {}),
    snapshots: Array.from({ length: o.snapshots ?? 2 }, (_, i) => ({
      SnapshotId: `s-${id.slice(4)}${i}`,
      DiskId: `d-e2edisk00000000${i}`,
      Status: 'accomplished',
      Tags: [{ Key: 'APPConsistent', Value: 'True' }, ...(o.tags ? o.tags(i) : ours())],
    })),
  };
}

/** The retention templates as synthesized in a stack named `prod` (the default posture). */
function synthRetention(props: Partial<SnapshotRetentionProps> = {}) {
  const stack = new ros.Stack(newApp(), 'prod');
  const retention = new SnapshotRetention(stack, 'Retention', {
    automationTemplateName: 'AppConsistentSnapshot-db',
    instanceIds: [INSTANCE],
    groupName: 'db',
    keepLast: 3,
    ...props,
  });
  const t = templateOf(stack);
  const content = (r: { Properties: Record<string, any> }) => JSON.parse(r.Properties.Content) as OosTemplate;
  return {
    retention,
    parent: content(templateNamed(t, retention.templateName).resource),
    instance: content(templateNamed(t, retention.instanceTemplateName).resource),
    instanceTemplateName: retention.instanceTemplateName,
  };
}

const DEFAULT = synthRetention();

interface InstanceResult { instanceId: string; dryRun: boolean; deleteIds: string[]; keptIds: string[]; lockedIds: string[] }

/** Executes the retention template against `groups` at NOW; returns what happened. */
async function retain(groups: CloudGroup[], values: Record<string, unknown> = {}, synth = DEFAULT, cloud: CloudState = { ...healthyCloud(), groups }) {
  const ecs = new EcsStandIn(cloud);
  const before = cloud.groups.map((g) => g.SnapshotGroupId);
  const execution = await runTemplate(synth.parent, values, {
    now: NOW,
    templates: { [synth.instanceTemplateName]: synth.instance },
    callApi: (service, api, parameters) => ecs.call(service, api, parameters),
    runCommand: async () => { throw new Error('retention runs no command'); },
  });
  const remaining = cloud.groups.map((g) => g.SnapshotGroupId);
  return {
    execution,
    ecs,
    results: execution.outputs.results as InstanceResult[] | undefined,
    deleted: ecs.calls.filter((c) => c.api === 'DeleteSnapshotGroup').map((c) => c.parameters.SnapshotGroupId as string),
    gone: before.filter((id) => !remaining.includes(id)),
    child: (execution.children[RETENTION_TASKS.instances] ?? [])[0] as Execution | undefined,
  };
}

describe('retention: which groups go', () => {
  test('keeps the newest keepLast accomplished groups and deletes the others, oldest first', async () => {
    // Listed out of order: the selection sorts by CreationTime itself.
    const groups = [group('ssg-day08', ago(8)), group('ssg-day02', ago(2)), group('ssg-day40', ago(40)), group('ssg-day05', ago(5)), group('ssg-day01', ago(1)), group('ssg-day20', ago(20))];
    const r = await retain(groups);
    expect(r.execution.status).toBe('Success');
    expect(r.deleted).toEqual(['ssg-day40', 'ssg-day20', 'ssg-day08']);
    expect(r.gone).toEqual(['ssg-day08', 'ssg-day40', 'ssg-day20']);
    expect(r.results).toEqual([{ instanceId: INSTANCE, dryRun: false, deleteIds: ['ssg-day40', 'ssg-day20', 'ssg-day08'], keptIds: ['ssg-day02', 'ssg-day05', 'ssg-day01'], lockedIds: [] }]);
    // One listing of the instance's groups, one page of 100, the lock check of those past retention, then the deletions.
    expect(r.ecs.calls[0]).toEqual({ api: 'DescribeSnapshotGroups', parameters: { RegionId: 'cn-hangzhou', InstanceId: INSTANCE, MaxResults: 100 } });
    expect(r.ecs.calls[1]).toEqual({ api: 'DescribeLockedSnapshots', parameters: { RegionId: 'cn-hangzhou', SnapshotIds: ['s-day400', 's-day401', 's-day200', 's-day201', 's-day080', 's-day081'], MaxResults: 100 } });
    expect(r.ecs.calls.slice(2).map((c) => c.api)).toEqual(['DeleteSnapshotGroup', 'DeleteSnapshotGroup', 'DeleteSnapshotGroup']);
  });

  test('keepLast counts per instance: each instance keeps its own newest', async () => {
    const synth = synthRetention({ instanceIds: [INSTANCE, OTHER_INSTANCE], keepLast: 1 });
    const groups = [
      group('ssg-mine01', ago(1)), group('ssg-mine09', ago(9)),
      group('ssg-othr30', ago(30), { instance: OTHER_INSTANCE }), group('ssg-othr50', ago(50), { instance: OTHER_INSTANCE }),
    ];
    const r = await retain(groups, {}, synth);
    expect(r.deleted).toEqual(['ssg-mine09', 'ssg-othr50']);
    expect(r.results!.map((x) => [x.instanceId, x.deleteIds, x.keptIds])).toEqual([[INSTANCE, ['ssg-mine09'], ['ssg-mine01']], [OTHER_INSTANCE, ['ssg-othr50'], ['ssg-othr30']]]);
  });

  test('keeps every group younger than maxAgeDays, beyond keepLast; seconds-less and fractional CreationTimes are read', async () => {
    const groups = () => [
      group('ssg-young1', ago(1)),
      group('ssg-young6', `${ago(6).slice(0, 16)}Z`),
      // The cut-off minute itself counts as younger; the minute before does not.
      group('ssg-edge07', `${ago(7).slice(0, 16)}Z`),
      group('ssg-old7m1', ecsTime(new Date(NOW.getTime() - 7 * 86_400_000 - 60_000))),
      group('ssg-old030', `${ago(30).slice(0, 19)}.123Z`),
    ];
    const r = await retain(groups(), { keepLast: 1, maxAgeDays: 7 });
    expect(r.deleted).toEqual(['ssg-old030', 'ssg-old7m1']);
    expect(r.results![0].keptIds).toEqual(['ssg-young1', 'ssg-young6', 'ssg-edge07']);
    // With no age rule (0), keepLast alone decides.
    const strict = await retain(groups(), { keepLast: 1, maxAgeDays: 0 });
    expect(strict.deleted).toEqual(['ssg-old030', 'ssg-old7m1', 'ssg-edge07', 'ssg-young6']);
  });

  test('with maxAgeDays alone the newest group is kept however old', async () => {
    const synth = synthRetention({ keepLast: undefined, maxAgeDays: 7 });
    expect(synth.parent.Parameters.keepLast.Default).toBe(1);
    const r = await retain([group('ssg-day100', ago(100)), group('ssg-day200', ago(200)), group('ssg-day300', ago(300))], {}, synth);
    expect(r.deleted).toEqual(['ssg-day300', 'ssg-day200']);
    expect(r.results![0].keptIds).toEqual(['ssg-day100']);
  });

  test('never deletes a group not wholly tagged by this automation, in progress, failed, or of unknown age', async () => {
    const foreign = [
      group('ssg-untagd', ago(90), { tags: () => [] }),
      group('ssg-othgrp', ago(90), { tags: () => ours('prod', 'web') }),
      group('ssg-othpos', ago(90), { tags: () => ours('staging', 'db') }),
      group('ssg-casepo', ago(90), { tags: () => ours('Prod', 'db') }),
      group('ssg-halfpo', ago(90), { tags: () => [ours()[0]] }),
      // One snapshot of two carries the tags: the group is not wholly ours.
      group('ssg-partly', ago(90), { tags: (i) => (i === 0 ? ours() : []) }),
      group('ssg-nosnap', ago(90), { snapshots: 0 }),
    ];
    const undecidable = [
      group('ssg-progrs', ago(90), { status: 'progressing' }),
      group('ssg-failed', ago(90), { status: 'failed' }),
      group('ssg-notime', undefined),
      group('ssg-badtim', '2024/01/01 00:00'),
    ];
    // A progressing group newer than all does not count among the newest: keepLast 1 keeps day 10.
    const r = await retain([...foreign, ...undecidable, group('ssg-newprg', ago(0), { status: 'progressing' }), group('ssg-day010', ago(10)), group('ssg-day020', ago(20))], { keepLast: 1 });
    expect(r.execution.status).toBe('Success');
    expect(r.deleted).toEqual(['ssg-day020']);
    // The automation's own groups that stay are listed; the foreign ones are none of its business.
    expect(r.results![0].keptIds.sort()).toEqual(['ssg-badtim', 'ssg-day010', 'ssg-failed', 'ssg-newprg', 'ssg-notime', 'ssg-progrs']);
  });

  test('never deletes the newest group a restore drill verified, whatever keepLast and maxAgeDays say; a partly verified group does not count', async () => {
    const verified = (i: number) => [...ours(), ...(i >= 0 ? [{ Key: EVIDENCE_TAG_KEYS.verified, Value: '2024-05-01T03:00:00Z' }] : [])];
    const partly = (i: number) => verified(i === 0 ? 0 : -1);
    const groups = [group('ssg-day01', ago(1)), group('ssg-day05', ago(5), { tags: verified }), group('ssg-day40', ago(40), { tags: verified }),
      group('ssg-day50', ago(50)), group('ssg-day03', ago(3), { tags: partly })];
    const r = await retain(groups, { keepLast: 1, maxAgeDays: 2 });
    expect(r.execution.status).toBe('Success');
    // Without the drill's evidence day05 would go too: it is older than 2 days and not the newest.
    expect(r.deleted).toEqual(['ssg-day50', 'ssg-day40', 'ssg-day03']);
    expect(r.results![0].keptIds).toEqual(['ssg-day01', 'ssg-day05']);
  });

  test('deletes at most maxDeletesPerRun per instance and run, the oldest first; the next run goes on', async () => {
    const cloud: CloudState = { ...healthyCloud(), groups: Array.from({ length: 15 }, (_, i) => group(`ssg-old${String(i).padStart(3, '0')}`, ago(100 + i))) };
    const first = await retain(cloud.groups, { keepLast: 1, maxDeletesPerRun: 4 }, DEFAULT, cloud);
    expect(first.deleted).toEqual(['ssg-old014', 'ssg-old013', 'ssg-old012', 'ssg-old011']);
    expect(first.results![0].keptIds).toHaveLength(11);
    const second = await retain(cloud.groups, { keepLast: 1, maxDeletesPerRun: 4 }, DEFAULT, cloud);
    expect(second.deleted).toEqual(['ssg-old010', 'ssg-old009', 'ssg-old008', 'ssg-old007']);
    expect(cloud.groups).toHaveLength(7);
    // The default bound is 10.
    const third = await retain(cloud.groups, { keepLast: 1 }, DEFAULT, cloud);
    expect(third.deleted).toHaveLength(6);
    expect(cloud.groups.map((g) => g.SnapshotGroupId)).toEqual(['ssg-old000']);
  });

  test('a dry run deletes nothing and lists what it would delete', async () => {
    const groups = [group('ssg-day01', ago(1)), group('ssg-day50', ago(50)), group('ssg-day60', ago(60))];
    const r = await retain(groups, { keepLast: 1, dryRun: 'true' });
    expect(r.execution.status).toBe('Success');
    expect(r.ecs.calls.map((c) => c.api)).toEqual(['DescribeSnapshotGroups', 'DescribeLockedSnapshots']);
    expect(r.gone).toEqual([]);
    expect(r.results).toEqual([{ instanceId: INSTANCE, dryRun: true, deleteIds: ['ssg-day60', 'ssg-day50'], keptIds: ['ssg-day01'], lockedIds: [] }]);
    // Set in the construct, it is the default.
    const synth = synthRetention({ keepLast: 1, dryRun: true });
    expect(synth.parent.Parameters.dryRun.Default).toBe('true');
    expect((await retain(groups, {}, synth)).deleted).toEqual([]);
  });

  test('nothing to delete (and no group at all): the run ends at the choice before the deletion loop, and succeeds', async () => {
    for (const groups of [[group('ssg-day01', ago(1))], []]) {
      const r = await retain(groups, { keepLast: 1 });
      expect(r.execution.status).toBe('Success');
      expect(r.child!.ran).toEqual([RETENTION_TASKS.select, RETENTION_TASKS.anyCandidate]);
      expect(r.ecs.calls.map((c) => c.api)).toEqual(['DescribeSnapshotGroups']);
      expect(r.results).toEqual([{ instanceId: INSTANCE, dryRun: false, deleteIds: [], keptIds: groups.map((g) => g.SnapshotGroupId), lockedIds: [] }]);
    }
  });

  test('more groups than one page: fails without deleting anything, and says why', async () => {
    const many = (n: number) => Array.from({ length: n }, (_, i) => group(`ssg-p${String(i).padStart(4, '0')}`, ago(30 + i), { snapshots: 1 }));
    const r = await retain(many(101), { keepLast: 1 });
    expect(r.execution.status).toBe('Failed');
    expect(r.child).toMatchObject({ status: 'Failed', failedTask: RETENTION_TASKS.select });
    expect(r.child!.message).toContain(`DescribeSnapshotGroups lists more than 100 snapshot groups for instance ${INSTANCE}: nothing was deleted`);
    expect(r.ecs.calls.map((c) => c.api)).toEqual(['DescribeSnapshotGroups']);
    expect(r.gone).toEqual([]);
    // Exactly one full page is judged (no NextToken).
    const full = await retain(many(100), { keepLast: 1, maxDeletesPerRun: 2 });
    expect(full.execution.status).toBe('Success');
    expect(full.deleted).toEqual(['ssg-p0099', 'ssg-p0098']);
  });

  test('a deletion ECS refuses fails the instance and stops its deletions', async () => {
    const cloud: CloudState = { ...healthyCloud(), groups: [group('ssg-day01', ago(1)), group('ssg-day50', ago(50)), group('ssg-day60', ago(60))], refuse: { DeleteSnapshotGroup: 'SnapshotCreatedImage: The snapshot has been used to create user defined image(s).' } };
    const r = await retain(cloud.groups, { keepLast: 1 }, DEFAULT, cloud);
    expect(r.execution.status).toBe('Failed');
    expect(r.child).toMatchObject({ status: 'Failed', failedTask: RETENTION_TASKS.delete });
    expect(r.child!.message).toContain('SnapshotCreatedImage');
    expect(r.deleted).toEqual(['ssg-day60']);
  });

  test('by tags: the instances carrying them are selected at each run, then cleaned up each', async () => {
    const synth = synthRetention({ instanceIds: undefined, targetTags: { tier: 'db' } });
    const cloud: CloudState = { ...healthyCloud(), groups: [1, 2, 3, 4].map((d) => group(`ssg-othr${d}0`, ago(d * 10), { instance: OTHER_INSTANCE })) };
    const ecs = new EcsStandIn(cloud);
    const execution = await runTemplate(synth.parent, {}, {
      now: NOW,
      templates: { [synth.instanceTemplateName]: synth.instance },
      // ACS::SelectTargets is answered as DescribeInstances filtered by the tags (see the runtime).
      callApi: (service, api, parameters) => (api === 'DescribeInstances'
        ? { Instances: { Instance: [{ InstanceId: OTHER_INSTANCE }] } }
        : ecs.call(service, api, parameters)),
      runCommand: async () => { throw new Error('retention runs no command'); },
    });
    expect(execution.ran).toEqual(['selectInstances', 'whetherAnyInstance', RETENTION_TASKS.instances]);
    expect(execution.outputs.results).toEqual([{ instanceId: OTHER_INSTANCE, dryRun: false, deleteIds: ['ssg-othr40'], keptIds: ['ssg-othr10', 'ssg-othr20', 'ssg-othr30'], lockedIds: [] }]);
  });
});

/** A lock as ECS reports it, in the given status. */
const lockOf = (status: CloudLock['LockStatus']): CloudLock => ({ LockStatus: status, LockMode: 'compliance', LockDuration: 30, CoolOffPeriod: status === 'compliance-cooloff' ? 24 : 0, LockCreationTime: ago(60) });

/** Locks every snapshot of a group (or the one at `index`). */
function locked(g: CloudGroup, status: CloudLock['LockStatus'], index?: number): CloudGroup {
  g.snapshots.forEach((s, i) => { if (index === undefined || i === index) s.lock = lockOf(status); });
  return g;
}

describe('retention: locked groups are kept, never a failure', () => {
  test('a group with a snapshot in compliance or in cool-off is kept and listed; an expired lock no longer keeps one', async () => {
    const groups = [
      group('ssg-day01', ago(1)),
      locked(group('ssg-day90', ago(90)), 'compliance'),
      // One snapshot of two locked is enough: ECS would refuse to delete the group.
      locked(group('ssg-day80', ago(80)), 'compliance-cooloff', 1),
      locked(group('ssg-day70', ago(70)), 'expired'),
      group('ssg-day60', ago(60)),
    ];
    const r = await retain(groups, { keepLast: 1 });
    expect(r.execution.status).toBe('Success');
    expect(r.deleted).toEqual(['ssg-day70', 'ssg-day60']);
    expect(r.results).toEqual([{ instanceId: INSTANCE, dryRun: false, deleteIds: ['ssg-day70', 'ssg-day60'], keptIds: ['ssg-day01', 'ssg-day90', 'ssg-day80'], lockedIds: ['ssg-day90', 'ssg-day80'] }]);
    // The lock check asked about the snapshots of the four groups past retention, oldest first.
    expect(r.ecs.calls[1].parameters.SnapshotIds).toEqual(['s-day900', 's-day901', 's-day800', 's-day801', 's-day700', 's-day701', 's-day600', 's-day601']);
  });

  test('without the lock check the deletion of a locked group fails (what the stand-in holds ECS to)', () => {
    const ecs = new EcsStandIn({ ...healthyCloud(), groups: [locked(group('ssg-day90', ago(90)), 'compliance-cooloff', 0)] });
    expect(() => ecs.call('ECS', 'DeleteSnapshotGroup', { RegionId: 'cn-hangzhou', SnapshotGroupId: 'ssg-day90' })).toThrow(/OperationDenied.SnapshotLocked/);
    expect(ecs.state.groups).toHaveLength(1);
  });

  test('every group past retention locked: the run ends before the deletion loop, successfully; a dry run lists none of them', async () => {
    const groups = () => [group('ssg-day01', ago(1)), locked(group('ssg-day90', ago(90)), 'compliance'), locked(group('ssg-day80', ago(80)), 'compliance')];
    const r = await retain(groups(), { keepLast: 1 });
    expect(r.execution.status).toBe('Success');
    expect(r.child!.ran).toEqual([RETENTION_TASKS.select, RETENTION_TASKS.anyCandidate, RETENTION_TASKS.checkLocks, RETENTION_TASKS.anyToDelete]);
    expect(r.deleted).toEqual([]);
    expect(r.results![0].lockedIds).toEqual(['ssg-day90', 'ssg-day80']);
    const dry = await retain([...groups(), group('ssg-day70', ago(70))], { keepLast: 1, dryRun: 'true' });
    expect(dry.results).toEqual([{ instanceId: INSTANCE, dryRun: true, deleteIds: ['ssg-day70'], keptIds: ['ssg-day01', 'ssg-day90', 'ssg-day80'], lockedIds: ['ssg-day90', 'ssg-day80'] }]);
    expect(dry.deleted).toEqual([]);
  });

  test('the per-run bound counts a locked group among the oldest; the next runs go on once its lock has expired', async () => {
    const cloud: CloudState = { ...healthyCloud(), groups: [group('ssg-day01', ago(1)), locked(group('ssg-day90', ago(90)), 'compliance'), group('ssg-day80', ago(80)), group('ssg-day70', ago(70))] };
    const first = await retain(cloud.groups, { keepLast: 1, maxDeletesPerRun: 2 }, DEFAULT, cloud);
    expect(first.deleted).toEqual(['ssg-day80']);
    expect(first.results![0]).toMatchObject({ deleteIds: ['ssg-day80'], lockedIds: ['ssg-day90'] });
    cloud.groups.find((g) => g.SnapshotGroupId === 'ssg-day90')!.snapshots.forEach((s) => { s.lock!.LockStatus = 'expired'; });
    const second = await retain(cloud.groups, { keepLast: 1, maxDeletesPerRun: 2 }, DEFAULT, cloud);
    expect(second.deleted).toEqual(['ssg-day90', 'ssg-day70']);
  });

  test('one lock check holds 100 snapshots: groups beyond it are kept for a later run', async () => {
    // 16 snapshots a group: 6 groups (96 snapshots) are checked per run, the 7th waits.
    const cloud: CloudState = { ...healthyCloud(), groups: [group('ssg-new000', ago(0), { snapshots: 16 }), ...Array.from({ length: 7 }, (_, i) => group(`ssg-old00${i}`, ago(100 + i), { snapshots: 16 }))] };
    const first = await retain(cloud.groups, { keepLast: 1 }, DEFAULT, cloud);
    expect(first.ecs.calls.find((c) => c.api === 'DescribeLockedSnapshots')!.parameters.SnapshotIds).toHaveLength(96);
    expect(first.deleted).toEqual(['ssg-old006', 'ssg-old005', 'ssg-old004', 'ssg-old003', 'ssg-old002', 'ssg-old001']);
    expect(first.results![0].keptIds).toEqual(['ssg-new000', 'ssg-old000']);
    const second = await retain(cloud.groups, { keepLast: 1 }, DEFAULT, cloud);
    expect(second.deleted).toEqual(['ssg-old000']);
  });

  test('a lock check ECS refuses fails the instance, and nothing is deleted', async () => {
    const groups = [group('ssg-day01', ago(1)), group('ssg-day90', ago(90))];
    const cloud: CloudState = { ...healthyCloud(), groups, refuse: { DescribeLockedSnapshots: 'Forbidden.RAM: User not authorized to operate on the specified resource.' } };
    const r = await retain(groups, { keepLast: 1 }, DEFAULT, cloud);
    expect(r.execution.status).toBe('Failed');
    expect(r.child).toMatchObject({ status: 'Failed', failedTask: RETENTION_TASKS.checkLocks });
    expect(r.child!.message).toMatch(/Forbidden\.RAM/);
    expect(r.deleted).toEqual([]);
  });
});

describe('retention: what the templates refuse before anything runs', () => {
  test('keepLast below 1, an unknown dryRun, a posture outside the pattern, a malformed cut-off', () => {
    expect(() => executionParameters(DEFAULT.parent, { keepLast: 0 })).toThrow(/keepLast: 0 is not a number in range/);
    expect(() => executionParameters(DEFAULT.parent, { maxDeletesPerRun: 101 })).toThrow(/maxDeletesPerRun/);
    expect(() => executionParameters(DEFAULT.parent, { dryRun: 'yes' })).toThrow(/is not allowed/);
    expect(() => executionParameters(DEFAULT.parent, { postureName: 'prod") | .[] | ("' })).toThrow(/does not match/);
    const child = { regionId: 'cn-hangzhou', instanceId: INSTANCE, postureName: 'prod', groupName: 'db', keepLast: 1, maxAgeDays: 0, maxDeletesPerRun: 1, dryRun: 'false' };
    expect(() => executionParameters(DEFAULT.instance, { ...child, ageCutoff: '2024-05-10T08:30Z' })).not.toThrow();
    expect(() => executionParameters(DEFAULT.instance, { ...child, ageCutoff: '2024-05-10T08:30:00Z' })).toThrow(/ageCutoff.*does not match/);
    expect(() => executionParameters(DEFAULT.instance, { ...child, ageCutoff: '2024-05-10 08:30' })).toThrow(/ageCutoff.*does not match/);
  });

  test('the parent passes the cut-off as now minus maxAgeDays days, to the UTC minute', async () => {
    // A probe in place of the per-instance template, with its parameters, records what it is given.
    const given: Array<Record<string, unknown>> = [];
    const probe: OosTemplate = {
      Parameters: DEFAULT.instance.Parameters,
      Tasks: [{ Name: 'probe', Action: 'ACS::ExecuteAPI', Properties: { Service: 'Probe', API: 'Record', Parameters: { ageCutoff: '{{ ageCutoff }}', maxAgeDays: '{{ maxAgeDays }}', instanceId: '{{ instanceId }}' } } }],
    };
    for (const [days, cutoff] of [[30, '2024-04-10T08:30Z'], [0, '2024-05-10T08:30Z'], [36500, '1924-06-04T08:30Z']] as const) {
      given.length = 0;
      const execution = await runTemplate(DEFAULT.parent, { maxAgeDays: days }, {
        now: NOW,
        templates: { [DEFAULT.instanceTemplateName]: probe },
        callApi: (_service, _api, parameters) => { given.push(parameters); return {}; },
        runCommand: async () => { throw new Error('retention runs no command'); },
      });
      expect(execution.status).toBe('Success');
      expect(given).toEqual([{ ageCutoff: cutoff, maxAgeDays: days, instanceId: INSTANCE }]);
    }
  });
});

describe('retention after snapshots: the whole cycle', () => {
  test('the automation tags the group it creates; retention later deletes the oldest of the group\'s, never the new one', async () => {
    const SNAPSHOT = synthStack();
    // Groups of earlier runs (one, two and three days before this one), tagged as this posture's
    // (the stack E2E) and group's (db), and one of another group of the same posture.
    const run = await execute(SNAPSHOT, {
      afterSnapshot: (c) => {
        const now = Date.parse(c.groups[0].CreationTime!);
        const earlier = (d: number) => ecsTime(new Date(now - d * 86_400_000));
        c.groups.push(...[3, 2, 1].map((d) => group(`ssg-cycle0${d}`, earlier(d), { tags: () => ours('E2E', 'db') })));
        c.groups.push(group('ssg-cycleweb', earlier(9), { tags: () => ours('E2E', 'web') }));
      },
    });
    expect(run.execution.status).toBe('Success');
    const created = run.snapshot!.result.snapshotGroupId!;
    const fresh = run.ecs.state.groups.find((g) => g.SnapshotGroupId === created)!;
    expect(fresh.snapshots.every((s) => ours('E2E', 'db').every((t) => s.Tags.some((x) => x.Key === t.Key && x.Value === t.Value)))).toBe(true);
    // Retention of the same posture (the stack E2E) and group (db), a day after the snapshot.
    const synth = synthRetention({ postureName: 'E2E', groupName: 'db', keepLast: 2 });
    const later = new Date(Date.parse(fresh.CreationTime!) + 86_400_000);
    const ecs = run.ecs;
    const execution = await runTemplate(synth.parent, {}, {
      now: later,
      templates: { [synth.instanceTemplateName]: synth.instance },
      callApi: (service, api, parameters) => ecs.call(service, api, parameters),
      runCommand: async () => { throw new Error('retention runs no command'); },
    });
    expect(execution.status).toBe('Success');
    // keepLast 2: the new group and the one of the day before stay; the older two go, oldest first.
    expect(execution.outputs.results).toEqual([{ instanceId: INSTANCE, dryRun: false, deleteIds: ['ssg-cycle03', 'ssg-cycle02'], keptIds: [created, 'ssg-cycle01'], lockedIds: [] }]);
    expect(ecs.state.groups.map((g) => g.SnapshotGroupId)).toEqual([created, 'ssg-cycle01', 'ssg-cycleweb']);
  });
});
