import * as ros from '@alicloud/ros-cdk-core';
import { ecsApiNames } from '../lib/oos/lint/ecs-sdk-model';
import { DOCUMENTED_SNAPSHOT_POLICY_ACTIONS, SNAPSHOT_POLICY_ACTIONS, SnapshotRole } from '../lib/snapshot-role';
import { newApp, onlyResource, resourcesOfType, templateOf } from './helpers';

describe('SnapshotRole', () => {
  test('creates a role only ECS may assume, with exactly the snapshot actions', () => {
    // GIVEN
    const stack = new ros.Stack(newApp(), 'S');
    // WHEN
    new SnapshotRole(stack, 'Role', { roleName: 'AppSnapshot-db' });
    // THEN
    const role = onlyResource(templateOf(stack), 'ALIYUN::RAM::Role');
    expect(role.Properties.RoleName).toBe('AppSnapshot-db');
    expect(role.Properties.AssumeRolePolicyDocument).toEqual({
      Version: '1',
      Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: ['ecs.aliyuncs.com'] } }],
    });
    expect(role.Properties.Policies).toHaveLength(1);
    const policy = role.Properties.Policies[0];
    expect(policy.PolicyName).toBe('AppSnapshot-db-Policy');
    expect(policy.PolicyDocument.Statement).toEqual([{ Effect: 'Allow', Action: [...SNAPSHOT_POLICY_ACTIONS], Resource: ['*'] }]);
    expect(SNAPSHOT_POLICY_ACTIONS.some((a) => a.includes('*'))).toBe(false);
  });

  test('the deployed actions are the documented policy with its wildcards spelled out over the ECS API', () => {
    const apis = ecsApiNames().map((a) => `ecs:${a}`);
    const expanded = DOCUMENTED_SNAPSHOT_POLICY_ACTIONS.flatMap((a) => (a.endsWith('*') ? apis.filter((api) => api.startsWith(a.slice(0, -1))) : [a]));
    expect(expanded).toContain('ecs:CreateSnapshotGroup');
    expect(expanded).toContain('ecs:DescribeSnapshotGroups');
    expect([...SNAPSHOT_POLICY_ACTIONS].sort()).toEqual([...new Set(expanded)].sort());
  });

  test('scoped to an account and region: reads on *, writes on that region and account only', () => {
    const stack = new ros.Stack(newApp(), 'S');
    new SnapshotRole(stack, 'Role', { roleName: 'AppSnapshot-db', resourceScope: { accountId: '1234567890123456', regionId: 'cn-hangzhou' } });
    const statements = onlyResource(templateOf(stack), 'ALIYUN::RAM::Role').Properties.Policies[0].PolicyDocument.Statement;
    expect(statements).toEqual([
      { Effect: 'Allow', Action: SNAPSHOT_POLICY_ACTIONS.filter((a) => /:Describe/.test(a)), Resource: ['*'] },
      { Effect: 'Allow', Action: ['ecs:CreateSnapshot', 'ecs:CreateSnapshotGroup', 'ecs:TagResources'], Resource: ['acs:ecs:cn-hangzhou:1234567890123456:*'] },
    ]);
  });

  test.each([
    [{ accountId: '12ab', regionId: 'cn-hangzhou' }, /`resourceScope.accountId` must be the account id \(digits only\), got "12ab"/],
    [{ accountId: '1234', regionId: 'Hangzhou' }, /`resourceScope.regionId` must be a region id such as cn-hangzhou, got "Hangzhou"/],
  ])('refuses a bad scope (%#)', (scope, error) => {
    const stack = new ros.Stack(newApp(), 'S');
    expect(() => new SnapshotRole(stack, 'Role', { roleName: 'R', resourceScope: scope })).toThrow(error);
  });

  test('an existing role gets the policy attached and no role is created', () => {
    const stack = new ros.Stack(newApp(), 'S');
    const role = SnapshotRole.fromRoleName(stack, 'Role', 'ExistingRole', { policyName: 'SnapPolicy' });
    const t = templateOf(stack);
    expect(resourcesOfType(t, 'ALIYUN::RAM::Role')).toHaveLength(0);
    const policy = onlyResource(t, 'ALIYUN::RAM::ManagedPolicy');
    expect(policy.Properties.PolicyName).toBe('SnapPolicy');
    expect(policy.Properties.Roles).toEqual(['ExistingRole']);
    expect(policy.Properties.PolicyDocument.Statement[0].Action).toEqual([...SNAPSHOT_POLICY_ACTIONS]);
    expect(role.roleName).toBe('ExistingRole');
    expect(role.created).toBe(false);
  });

  test.each([
    ['', /`roleName` must be 1 to 64 characters/],
    ['has space', /`roleName` must be 1 to 64 characters.*got "has space"/],
    ['x'.repeat(65), /`roleName` must be 1 to 64 characters/],
  ])('refuses the role name %j', (name, error) => {
    const stack = new ros.Stack(newApp(), 'S');
    expect(() => new SnapshotRole(stack, 'Role', { roleName: name })).toThrow(error);
    expect(() => SnapshotRole.fromRoleName(stack, 'Imported', name)).toThrow(error);
  });

  test('refuses a bad policy name', () => {
    const stack = new ros.Stack(newApp(), 'S');
    expect(() => new SnapshotRole(stack, 'Role', { roleName: 'R', policyName: 'bad_name' })).toThrow(/`policyName` must be 1 to 128 characters.*got "bad_name"/);
  });
});
