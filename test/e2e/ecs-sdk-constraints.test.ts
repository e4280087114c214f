/**
 * The constraints the ECS SDK documents for the requests the package's templates make, as the
 * ECS stand-in applies them: read from the SDK's comments, shown here so that what is checked is
 * visible, and applied to calls that break them.
 */
import { findEcsApi } from '../../lib/oos/lint/ecs-sdk-model';
import { constraintProblems, requestConstraints } from './ecs-sdk-constraints';
import { EcsStandIn } from './ecs-standin';
import { healthyCloud, INSTANCE } from './harness';

const model = (api: string) => findEcsApi(api)!.model;
const summary = (api: string) => Object.fromEntries([...requestConstraints(model(api))]
  .map(([name, c]) => [name, { ...(c.required ? { required: true } : {}), ...(c.items ? { items: c.items } : {}), ...(c.value ? { value: c.value } : {}), ...(c.deprecated ? { deprecated: true } : {}) }]));

describe('the ECS SDK\'s documented request constraints, as the stand-in applies them', () => {
  test('are read from the SDK for every API the templates call', () => {
    expect(summary('TagResources')).toEqual({
      RegionId: { required: true }, ResourceId: { required: true, items: { min: 1, max: 50 } },
      ResourceType: { required: true }, Tag: { required: true, items: { min: 1, max: 20 } },
    });
    expect(summary('DescribeSnapshotGroups')).toMatchObject({ MaxResults: { value: { max: 100 } }, SnapshotGroupId: { items: { min: 1, max: 10 } }, RegionId: { required: true } });
    expect(summary('DescribeInstanceRamRole')).toMatchObject({ InstanceIds: { items: { max: 50 } }, PageSize: { value: { max: 50 } } });
    expect(summary('AttachInstanceRamRole')).toEqual({ InstanceIds: { required: true, items: { min: 1, max: 100 } }, RamRoleName: { required: true }, RegionId: { required: true } });
    expect(summary('DeleteSnapshotGroup')).toEqual({ RegionId: { required: true }, SnapshotGroupId: { required: true } });
    expect(summary('DescribeSnapshots')).toMatchObject({ MaxResults: { value: { max: 100 } }, SnapshotIds: { items: { max: 100 } }, PageSize: { deprecated: true } });
    expect(summary('DescribeDisks')).toMatchObject({ PageSize: { deprecated: true } });
    // CreateSnapshotGroup (the plugin's call): what lib/plugin/parameters.ts checks for it.
    const group = requestConstraints(model('CreateSnapshotGroup'));
    expect(group.get('Name')).toMatchObject({ length: { min: 2, max: 128 }, noUrlPrefix: true });
    expect(group.get('Description')).toMatchObject({ length: { min: 2, max: 256 }, noUrlPrefix: true });
  });

  test.each<[string, Record<string, unknown>, RegExp]>([
    ['TagResources', { RegionId: 'cn-hangzhou', ResourceType: 'snapshot', ResourceId: Array.from({ length: 51 }, (_, i) => `s-${i}`), Tag: [{ Key: 'k', Value: 'v' }] }, /ResourceId lists 51 items, not 1 to 50/],
    ['TagResources', { RegionId: 'cn-hangzhou', ResourceType: 'snapshot', ResourceId: ['s-1'] }, /MissingParameter: Tag is required/],
    ['DescribeSnapshotGroups', { RegionId: 'cn-hangzhou', InstanceId: INSTANCE, MaxResults: 101 }, /MaxResults is 101/],
    ['DescribeSnapshotGroups', { RegionId: 'cn-hangzhou', SnapshotGroupId: Array.from({ length: 11 }, (_, i) => `ssg-${i}`) }, /SnapshotGroupId lists 11 items, not 1 to 10/],
    ['DescribeSnapshots', { RegionId: 'cn-hangzhou', InstanceId: INSTANCE, PageSize: 100 }, /PageSize is deprecated/],
    ['DescribeInstanceRamRole', { RegionId: 'cn-hangzhou', InstanceIds: JSON.stringify(Array.from({ length: 51 }, (_, i) => `i-abcdefgh${String(i).padStart(4, '0')}`)) }, /InstanceIds lists 51 items/],
    ['DeleteSnapshotGroup', { RegionId: 'cn-hangzhou' }, /MissingParameter: SnapshotGroupId is required/],
  ])('%s is refused when it breaks them: %j', (api, parameters, error) => {
    expect(constraintProblems(model(api), parameters).join('; ')).toMatch(error);
    expect(() => new EcsStandIn(healthyCloud()).call('ECS', api, parameters)).toThrow(error);
  });
});
