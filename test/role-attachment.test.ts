import * as ros from '@alicloud/ros-cdk-core';
import { RoleAttachment } from '../lib/role-attachment';
import { instanceIds, newApp, resourcesOfType, templateOf } from './helpers';

describe('RoleAttachment', () => {
  test('one attachment for up to 100 instances', () => {
    const stack = new ros.Stack(newApp(), 'S');
    new RoleAttachment(stack, 'A', { instanceIds: instanceIds(100), roleName: 'R' });
    const found = resourcesOfType(templateOf(stack), 'ALIYUN::ECS::RamRoleAttachment');
    expect(found).toHaveLength(1);
    expect(found[0][1].Properties.InstanceIds).toHaveLength(100);
    expect(found[0][1].Properties.RamRoleName).toBe('R');
  });

  test('splits 250 instances into 100, 100 and 50, in order', () => {
    const stack = new ros.Stack(newApp(), 'S');
    const ids = instanceIds(250);
    new RoleAttachment(stack, 'A', { instanceIds: ids, roleName: 'R' });
    const found = resourcesOfType(templateOf(stack), 'ALIYUN::ECS::RamRoleAttachment');
    expect(found.map(([, r]) => r.Properties.InstanceIds.length)).toEqual([100, 100, 50]);
    expect(found.flatMap(([, r]) => r.Properties.InstanceIds)).toEqual(ids);
  });

  test('refuses an empty list, a malformed id and a duplicate', () => {
    const stack = new ros.Stack(newApp(), 'S');
    expect(() => new RoleAttachment(stack, 'A', { instanceIds: [], roleName: 'R' })).toThrow(/`instanceIds` must list at least one instance id, got \[\]/);
    expect(() => new RoleAttachment(stack, 'B', { instanceIds: ['i-abcdefgh1', 'x-1'], roleName: 'R' })).toThrow(/`instanceIds\[1\]` must be an ECS instance id.*got "x-1"/);
    expect(() => new RoleAttachment(stack, 'C', { instanceIds: ['i-abcdefgh1', 'i-abcdefgh1'], roleName: 'R' })).toThrow(/`instanceIds\[1\]` must not repeat instanceIds\[0\]/);
  });

  test('a ROS list parameter is passed through as one attachment', () => {
    const stack = new ros.Stack(newApp(), 'S');
    const p = new ros.RosParameter(stack, 'Ids', { type: ros.RosParameterType.COMMA_DELIMITED_LIST });
    new RoleAttachment(stack, 'A', { instanceIds: p.valueAsList, roleName: 'R' });
    const found = resourcesOfType(templateOf(stack), 'ALIYUN::ECS::RamRoleAttachment');
    expect(found).toHaveLength(1);
    expect(found[0][1].Properties.InstanceIds).toEqual({ Ref: 'Ids' });
  });
});
