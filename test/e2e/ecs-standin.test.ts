/**
 * The ECS stand-in's disk life cycle, as the restore drill relies on it: every request and
 * response checked against the ECS SDK's models, the statuses and rules the ECS documentation
 * gives for CreateDisk, AttachDisk, DetachDisk, DeleteDisk and DescribeDisks.
 */
import { CloudState, EcsStandIn } from './ecs-standin';
import { healthyCloud } from './harness';

const SCRATCH = 'i-e2escratch000000001';

function cloud(more: Partial<CloudState> = {}): EcsStandIn {
  return new EcsStandIn({
    ...healthyCloud(),
    others: [{ id: SCRATCH, status: 'Running', agent: 'true', roles: [], zoneId: 'cn-hangzhou-k' }, { id: 'i-e2estopped000000001', status: 'Starting', agent: 'true', roles: [], zoneId: 'cn-hangzhou-k' }],
    groups: [{
      SnapshotGroupId: 'ssg-e2e000000001', InstanceId: 'i-e2etest000000000001', Status: 'accomplished',
      snapshots: [{ SnapshotId: 's-e2e0000000001', DiskId: 'd-e2edisk000000001', Status: 'accomplished', Tags: [{ Key: 'env', Value: 'prod' }] }],
    }],
    now: new Date(Date.UTC(2024, 4, 10, 8, 30, 0)),
    ...more,
  });
}

const R = { RegionId: 'cn-hangzhou' };
const describe_ = (ecs: EcsStandIn, p: Record<string, unknown>) => ecs.call('ECS', 'DescribeDisks', { ...R, ...p }) as { Disks: { Disk: Array<Record<string, any>> }; NextToken?: string };
const create = (ecs: EcsStandIn, more: Record<string, unknown> = {}) => (ecs.call('ECS', 'CreateDisk', {
  ...R, ZoneId: 'cn-hangzhou-k', SnapshotId: 's-e2e0000000001', DiskCategory: 'cloud_essd', PerformanceLevel: 'PL0',
  Tag: [{ Key: 'app-snapshot:drill', Value: 'prod/db' }], ...more,
}) as { DiskId: string }).DiskId;
const status = (ecs: EcsStandIn, id: string) => describe_(ecs, { DiskIds: JSON.stringify([id]) }).Disks.Disk[0]?.Status;

describe('the ECS stand-in\'s disks', () => {
  test('CreateDisk from a snapshot: Creating, then Available as the caller polls; the disk as DescribeDisks shows it', () => {
    const ecs = cloud({ diskTiming: { create: 3 } });
    const id = create(ecs);
    expect(id).toMatch(/^d-[a-z0-9]{8,32}$/);
    expect([status(ecs, id), status(ecs, id), status(ecs, id)]).toEqual(['Creating', 'Creating', 'Available']);
    expect(describe_(ecs, { DiskIds: [id] }).Disks.Disk[0]).toEqual({
      DiskId: id, Category: 'cloud_essd', InstanceId: '', Status: 'Available', ZoneId: 'cn-hangzhou-k', SourceSnapshotId: 's-e2e0000000001',
      CreationTime: '2024-05-10T08:30:00Z', SerialNumber: id.slice(2), PerformanceLevel: 'PL0', Tags: { Tag: [{ TagKey: 'app-snapshot:drill', TagValue: 'prod/db' }] },
    });
  });

  test('CreateDisk refuses an unknown snapshot, a zone and an instance together, a tag key with acs:', () => {
    const ecs = cloud();
    expect(() => create(ecs, { SnapshotId: 's-nothing' })).toThrow(/InvalidSnapshotId.NotFound/);
    expect(() => create(ecs, { InstanceId: SCRATCH })).toThrow(/give ZoneId or InstanceId, not both/);
    expect(() => create(ecs, { Tag: [{ Key: 'acs:x', Value: 'y' }] })).toThrow(/InvalidTagKey/);
    expect(() => create(ecs, { DeleteWithInstance: true })).toThrow(/DeleteWithInstance is not a parameter of CreateDisk/);
  });

  test('AttachDisk: only an Available disk, to a Running or Stopped instance of its zone; Attaching, then In_use', () => {
    const ecs = cloud({ diskTiming: { create: 1, attach: 2 } });
    const id = create(ecs);
    expect(() => ecs.call('ECS', 'AttachDisk', { InstanceId: SCRATCH, DiskId: id })).toThrow(/IncorrectDiskStatus.*Creating, not Available/);
    status(ecs, id);
    expect(() => ecs.call('ECS', 'AttachDisk', { InstanceId: 'i-e2estopped000000001', DiskId: id })).toThrow(/IncorrectInstanceStatus/);
    expect(() => ecs.call('ECS', 'AttachDisk', { InstanceId: 'i-e2etest000000000001', DiskId: id })).toThrow(/ZoneMismatch/);
    ecs.call('ECS', 'AttachDisk', { InstanceId: SCRATCH, DiskId: id, DeleteWithInstance: false });
    expect([status(ecs, id), status(ecs, id)]).toEqual(['Attaching', 'In_use']);
    expect(describe_(ecs, { InstanceId: SCRATCH }).Disks.Disk.map((d) => [d.DiskId, d.InstanceId])).toEqual([[id, SCRATCH]]);
  });

  test('DetachDisk: only an In_use disk, from its instance; Detaching, then Available. DeleteDisk: only an Available disk; an unknown id is ignored', () => {
    const ecs = cloud({ diskTiming: { create: 1, attach: 1, detach: 2 } });
    const id = create(ecs);
    status(ecs, id);
    expect(() => ecs.call('ECS', 'DetachDisk', { InstanceId: SCRATCH, DiskId: id })).toThrow(/IncorrectDiskStatus/);
    ecs.call('ECS', 'AttachDisk', { InstanceId: SCRATCH, DiskId: id });
    status(ecs, id);
    expect(() => ecs.call('ECS', 'DeleteDisk', { DiskId: id })).toThrow(/IncorrectDiskStatus.*In_use, not Available/);
    expect(() => ecs.call('ECS', 'DetachDisk', { InstanceId: 'i-e2etest000000000001', DiskId: id })).toThrow(/DependencyViolation/);
    ecs.call('ECS', 'DetachDisk', { InstanceId: SCRATCH, DiskId: id });
    expect([status(ecs, id), status(ecs, id)]).toEqual(['Detaching', 'Available']);
    ecs.call('ECS', 'DeleteDisk', { DiskId: id });
    expect(ecs.disk(id)).toBeUndefined();
    expect(ecs.call('ECS', 'DeleteDisk', { DiskId: 'd-neverexisted00001' })).toEqual({ RequestId: expect.any(String) });
  });

  test('DescribeDisks: filters ANDed (ids, tags, status), `[]` finds nothing, pages of MaxResults 10-500 with NextToken', () => {
    const ecs = cloud({ diskTiming: { create: 1 } });
    const ids = Array.from({ length: 12 }, (_, i) => create(ecs, { Tag: [{ Key: 'app-snapshot:drill', Value: i % 2 === 0 ? 'prod/db' : 'prod/web' }] }));
    const tagged = (p: Record<string, unknown>) => describe_(ecs, { Tag: [{ Key: 'app-snapshot:drill', Value: 'prod/db' }], ...p }).Disks.Disk.map((d) => d.DiskId);
    expect(tagged({})).toEqual(ids.filter((_, i) => i % 2 === 0));
    expect(tagged({ DiskIds: JSON.stringify([ids[0], ids[1]]) })).toEqual([ids[0]]);
    expect(tagged({ Status: 'In_use' })).toEqual([]);
    expect(describe_(ecs, { DiskIds: '[]' }).Disks.Disk).toEqual([]);
    const first = describe_(ecs, { Tag: [{ Key: 'app-snapshot:drill' }], MaxResults: 10 });
    expect(first.Disks.Disk).toHaveLength(10);
    const second = describe_(ecs, { Tag: [{ Key: 'app-snapshot:drill' }], MaxResults: 10, NextToken: first.NextToken });
    expect([second.Disks.Disk.length, second.NextToken]).toEqual([2, undefined]);
    expect(() => describe_(ecs, { Tag: [{ Key: 'app-snapshot:drill' }], MaxResults: 5 })).toThrow(/MaxResults is 5 \(DescribeDisks: "Valid values: 10 to 500."\)/);
    expect(() => describe_(ecs, {})).toThrow(/must filter by InstanceId, DiskIds or Tag/);
    expect(() => describe_(ecs, { DiskId: ids[0] })).toThrow(/DiskId is not a parameter of DescribeDisks/);
  });

  test('APIs that take a RegionId must have the execution\'s; AttachDisk, DetachDisk and DeleteDisk take none', () => {
    const ecs = cloud();
    expect(() => ecs.call('ECS', 'CreateDisk', { RegionId: 'cn-beijing', ZoneId: 'cn-hangzhou-k', SnapshotId: 's-e2e0000000001' })).toThrow(/RegionId must be the execution's region/);
    expect(() => ecs.call('ECS', 'DeleteDisk', { RegionId: 'cn-hangzhou', DiskId: 'd-x' })).toThrow(/RegionId is not a parameter of DeleteDisk/);
  });

  test('DescribeSnapshots by tag finds the snapshots carrying it; DescribeSnapshotGroups by status', () => {
    const ecs = cloud();
    const found = (tag: unknown) => (ecs.call('ECS', 'DescribeSnapshots', { ...R, Tag: tag }) as { Snapshots: { Snapshot: unknown[] } }).Snapshots.Snapshot.length;
    expect([found([{ Key: 'env', Value: 'prod' }]), found([{ Key: 'env', Value: 'dev' }])]).toEqual([1, 0]);
    const groups = (s: string[]) => (ecs.call('ECS', 'DescribeSnapshotGroups', { ...R, InstanceId: 'i-e2etest000000000001', Status: s }) as { SnapshotGroups: { SnapshotGroup: unknown[] } }).SnapshotGroups.SnapshotGroup.length;
    expect([groups(['accomplished']), groups(['failed'])]).toEqual([1, 0]);
  });
});
