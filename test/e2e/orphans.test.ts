/**
 * End to end without the cloud: the clean-up of orphans, the snapshot groups of instances that no
 * longer exist. The synthesized orphan templates run on the OOS runtime stand-in against the ECS
 * stand-in (DescribeSnapshotGroups paged by NextToken, DescribeInstances listing only the
 * instances that exist, locks), each call checked against the ECS SDK's models.
 */
import * as ros from '@alicloud/ros-cdk-core';
import { SNAPSHOT_TAG_KEYS } from '../../lib/instance-template';
import { ORPHAN_INSTANCE_TASKS, SnapshotOrphans, SnapshotOrphansProps, orphanPageTasks } from '../../lib/orphans';
import { newApp, templateNamed, templateOf } from '../helpers';
import { CloudGroup, CloudState, EcsStandIn, ecsTime } from './ecs-standin';
import { INSTANCE, healthyCloud } from './harness';
import { Execution, OosTemplate, runTemplate } from './oos-runtime';

const NOW = new Date(Date.UTC(2024, 4, 10, 8, 30, 45));
const GONE = 'i-e2egone0000000001';
const GONE2 = 'i-e2egone0000000002';
const LIVE = 'i-e2elive0000000001';
type Tag = { Key: string; Value: string };
const ours = (posture = 'prod', group = 'db'): Tag[] => [{ Key: SNAPSHOT_TAG_KEYS.posture, Value: posture }, { Key: SNAPSHOT_TAG_KEYS.group, Value: group }];
const ago = (days: number, from = NOW) => ecsTime(new Date(from.getTime() - days * 86_400_000));

function group(id: string, instance: string, created: string, o: { tags?: Tag[]; status?: string; locked?: boolean } = {}): CloudGroup {
  return {
    SnapshotGroupId: id,
    InstanceId: instance,
    Status: o.status ?? 'accomplished',
    CreationTime: created,
    snapshots: [0, 1].map((i) => ({
      SnapshotId: `s-${id.slice(4)}${i}`,
      DiskId: `d-e2edisk00000000${i}`,
      Status: 'accomplished',
      Tags: [{ Key: 'APPConsistent', Value: 'True' }, ...(o.tags ?? ours())],
      ...(o.locked ? { lock: { LockStatus: 'compliance' as const, LockMode: 'compliance' as const, LockDuration: 365, CoolOffPeriod: 0, LockCreationTime: created } } : {}),
    })),
  };
}

function synth(props: Partial<SnapshotOrphansProps> = {}) {
  const stack = new ros.Stack(newApp(), 'prod');
  const orphans = new SnapshotOrphans(stack, 'Orphans', { automationTemplateName: 'AppConsistentSnapshot-db', groupName: 'db', orphanRetentionDays: 30, ...props });
  const t = templateOf(stack);
  const content = (name: string) => JSON.parse(templateNamed(t, name).resource.Properties.Content) as OosTemplate;
  return { orphans, parent: content(orphans.templateName), instance: content(orphans.instanceTemplateName) };
}

const DEFAULT = synth();

interface OrphanResult { instanceId: string; dryRun: boolean; deleteIds: string[]; keptIds: string[]; lockedIds: string[] }

/** The account: the instance of the harness and LIVE exist; GONE and GONE2 were deleted. */
function account(groups: CloudGroup[], more: Partial<CloudState> = {}): CloudState {
  return { ...healthyCloud(), others: [{ id: LIVE, status: 'Stopped', agent: 'true', roles: [] }], groups, ...more };
}

async function clean(cloud: CloudState, values: Record<string, unknown> = {}, now = NOW, s = DEFAULT) {
  const ecs = new EcsStandIn(cloud);
  const before = cloud.groups.map((g) => g.SnapshotGroupId);
  const execution = await runTemplate(s.parent, values, {
    now,
    templates: { [s.orphans.instanceTemplateName]: s.instance },
    callApi: (service, api, parameters) => ecs.call(service, api, parameters),
    runCommand: async () => { throw new Error('the clean-up runs no command'); },
  });
  const results = ((execution.outputs.results ?? []) as OrphanResult[][]).flat();
  return { execution, ecs, results, gone: before.filter((id) => !cloud.groups.some((g) => g.SnapshotGroupId === id)), deleted: ecs.calls.filter((c) => c.api === 'DeleteSnapshotGroup').map((c) => c.parameters.SnapshotGroupId) };
}

describe('orphans: kept, then deleted', () => {
  test('the groups of a deleted instance older than orphanRetentionDays go, oldest first; younger ones are kept; nothing of an instance that exists', async () => {
    const cloud = account([
      group('ssg-gone10', GONE, ago(10)), group('ssg-gone90', GONE, ago(90)), group('ssg-gone40', GONE, ago(40)), group('ssg-gone60', GONE, ago(60)),
      // The instance exists (stopped), whether or not the posture still lists it: not an orphan.
      group('ssg-live90', LIVE, ago(90)), group('ssg-mine90', INSTANCE, ago(90)),
    ]);
    const r = await clean(cloud);
    expect(r.execution.status).toBe('Success');
    expect(r.deleted).toEqual(['ssg-gone90', 'ssg-gone60', 'ssg-gone40']);
    expect(r.results).toEqual([{ instanceId: GONE, dryRun: false, deleteIds: ['ssg-gone90', 'ssg-gone60', 'ssg-gone40'], keptIds: ['ssg-gone10'], lockedIds: [] }]);
    // How it knew: the instances the page names, asked by id; only GONE is not listed, and it is asked again alone.
    const asked = r.ecs.calls.filter((c) => c.api === 'DescribeInstances').map((c) => c.parameters.InstanceIds);
    expect(asked).toEqual([[GONE, INSTANCE, LIVE].sort(), [GONE]]);
    // Weeks later the last group is old enough too.
    const later = await clean(cloud, {}, new Date(NOW.getTime() + 25 * 86_400_000));
    expect(later.deleted).toEqual(['ssg-gone10']);
    expect(cloud.groups.map((g) => g.SnapshotGroupId)).toEqual(['ssg-live90', 'ssg-mine90']);
  });

  test('an instance deleted after the last run: its groups stay until old enough', async () => {
    const cloud = account([group('ssg-mine05', INSTANCE, ago(5)), group('ssg-mine02', INSTANCE, ago(2))]);
    const ecs = new EcsStandIn(cloud);
    ecs.releaseInstance(INSTANCE);
    const r = await clean(cloud);
    expect(r.results).toEqual([{ instanceId: INSTANCE, dryRun: false, deleteIds: [], keptIds: ['ssg-mine05', 'ssg-mine02'], lockedIds: [] }]);
    expect(r.deleted).toEqual([]);
    // 26 days later the older one is 31 days old, the newer 28.
    const later = await clean(cloud, {}, new Date(NOW.getTime() + 26 * 86_400_000));
    expect(later.deleted).toEqual(['ssg-mine05']);
  });

  test('never another posture\'s or another group\'s, never a locked one, never one in progress or failed', async () => {
    const cloud = account([
      group('ssg-othpos', GONE, ago(90), { tags: ours('staging', 'db') }),
      group('ssg-othgrp', GONE, ago(90), { tags: ours('prod', 'web') }),
      group('ssg-untagd', GONE, ago(90), { tags: [] }),
      group('ssg-locked', GONE, ago(80), { locked: true }),
      group('ssg-failed', GONE, ago(70), { status: 'failed' }),
      group('ssg-gone60', GONE, ago(60)),
    ]);
    const r = await clean(cloud);
    expect(r.execution.status).toBe('Success');
    expect(r.deleted).toEqual(['ssg-gone60']);
    expect(r.results).toEqual([{ instanceId: GONE, dryRun: false, deleteIds: ['ssg-gone60'], keptIds: ['ssg-failed', 'ssg-locked'], lockedIds: ['ssg-locked'] }]);
  });

  test('a deleted instance with only another posture\'s groups is not even looked at', async () => {
    const r = await clean(account([group('ssg-othpos', GONE, ago(90), { tags: ours('staging', 'db') })]));
    expect(r.execution.ran).toEqual([orphanPageTasks(1).list, orphanPageTasks(1).anyCandidate, orphanPageTasks(1).next]);
    expect(r.ecs.calls.map((c) => c.api)).toEqual(['DescribeSnapshotGroups']);
  });

  test('the per-run bound: at most maxDeletesPerRun per deleted instance, oldest first; the next run goes on', async () => {
    const cloud = account([
      ...[90, 80, 70, 60].map((d) => group(`ssg-gone${d}`, GONE, ago(d))),
      ...[95, 85, 75].map((d) => group(`ssg-two${d}`, GONE2, ago(d))),
    ]);
    const first = await clean(cloud, { maxDeletesPerRun: 2 });
    expect(first.results.map((x) => [x.instanceId, x.deleteIds])).toEqual([[GONE, ['ssg-gone90', 'ssg-gone80']], [GONE2, ['ssg-two95', 'ssg-two85']]]);
    const second = await clean(cloud, { maxDeletesPerRun: 2 });
    expect(second.deleted.sort()).toEqual(['ssg-gone60', 'ssg-gone70', 'ssg-two75']);
  });

  test('a dry run lists and deletes nothing', async () => {
    const cloud = account([group('ssg-gone90', GONE, ago(90)), group('ssg-gone10', GONE, ago(10))]);
    const r = await clean(cloud, { dryRun: 'true' });
    expect(r.results).toEqual([{ instanceId: GONE, dryRun: true, deleteIds: ['ssg-gone90'], keptIds: ['ssg-gone10'], lockedIds: [] }]);
    expect(r.deleted).toEqual([]);
    expect(cloud.groups).toHaveLength(2);
  });

  test('pages: the region\'s groups are read a page of 100 at a time, and an orphan on page 2 is found', async () => {
    const others = Array.from({ length: 150 }, (_, i) => group(`ssg-oth${String(i).padStart(3, '0')}`, LIVE, ago(1), { tags: ours('staging', 'db') }));
    const cloud = account([...others, group('ssg-gone90', GONE, ago(90))]);
    const r = await clean(cloud);
    expect(r.deleted).toEqual(['ssg-gone90']);
    const listings = r.ecs.calls.filter((c) => c.api === 'DescribeSnapshotGroups' && c.parameters.InstanceId === undefined);
    expect(listings.map((c) => c.parameters)).toEqual([
      { RegionId: 'cn-hangzhou', Status: ['accomplished'], MaxResults: 100 },
      { RegionId: 'cn-hangzhou', Status: ['accomplished'], MaxResults: 100, NextToken: 'page-100' },
    ]);
    expect(r.execution.ran).toContain(orphanPageTasks(2).clean);
  });
});

describe('orphans: fail safe', () => {
  test('DescribeInstances refused: no instance is taken as gone, nothing is deleted, the run fails saying so', async () => {
    const cloud = account([group('ssg-gone90', GONE, ago(90))], { refuse: { DescribeInstances: 'Forbidden.RAM: User not authorized to operate on the specified resource.' } });
    const r = await clean(cloud);
    expect(r.execution).toMatchObject({ status: 'Failed', failedTask: orphanPageTasks(1).check });
    expect(r.execution.message).toMatch(/Forbidden\.RAM/);
    expect(r.deleted).toEqual([]);
  });

  test('the per-instance template asks again: an instance that exists has nothing deleted, and the run fails naming it', async () => {
    const cloud = account([group('ssg-live90', LIVE, ago(90))]);
    const ecs = new EcsStandIn(cloud);
    const run = await runTemplate(DEFAULT.instance, { instanceId: LIVE, postureName: 'prod', groupName: 'db', orphanCutoff: '2024-04-10T08:30Z', maxDeletesPerRun: 10, dryRun: 'false' }, {
      now: NOW, callApi: (service, api, parameters) => ecs.call(service, api, parameters), runCommand: async () => { throw new Error('none'); },
    }) as Execution;
    expect(run).toMatchObject({ status: 'Failed', failedTask: ORPHAN_INSTANCE_TASKS.gone });
    expect(run.message).toContain(`instance ${LIVE} exists: its snapshot groups are not orphans`);
    expect(ecs.calls.map((c) => c.api)).toEqual(['DescribeInstances']);
  });

  test('a deletion ECS refuses fails that instance; nothing else of it is deleted', async () => {
    const cloud = account([group('ssg-gone90', GONE, ago(90)), group('ssg-gone80', GONE, ago(80))], { refuse: { DeleteSnapshotGroup: 'IncorrectSnapshotGroupStatus: the group is busy' } });
    const r = await clean(cloud);
    expect(r.execution.status).toBe('Failed');
    expect(r.gone).toEqual([]);
  });
});
