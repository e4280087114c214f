import * as ros from '@alicloud/ros-cdk-core';
import { OperatingSystem } from '../lib/plugin/parameters';
import { AppConsistentSnapshotStack } from '../lib/stack';
import { instanceIds, newApp, resourcesOfType, templateOf } from './helpers';

describe('AppConsistentSnapshotStack', () => {
  test('holds several groups, each with its own role and automation', () => {
    const stack = new AppConsistentSnapshotStack(newApp(), 'Backups', {
      groups: { db: { os: OperatingSystem.LINUX, instanceIds: instanceIds(2, 'db') } },
    });
    stack.addGroup('win', { os: OperatingSystem.WINDOWS, instanceIds: instanceIds(1, 'win') });
    const t = templateOf(stack);
    expect(resourcesOfType(t, 'ALIYUN::RAM::Role').map(([, r]) => r.Properties.RoleName)).toEqual(['AppSnapshot-db', 'AppSnapshotOos-db', 'AppSnapshot-win', 'AppSnapshotOos-win']);
    expect(resourcesOfType(t, 'ALIYUN::OOS::Template').map(([, r]) => r.Properties.TemplateName)).toEqual(['AppConsistentSnapshot-db-Instance', 'AppConsistentSnapshot-db', 'AppConsistentSnapshot-win-Instance', 'AppConsistentSnapshot-win']);
    expect(stack.applicationGroups.map((g) => g.node.id)).toEqual(['db', 'win']);
  });

  test('refuses a second group of the same name', () => {
    const stack = new AppConsistentSnapshotStack(newApp(), 'Backups');
    stack.addGroup('db', { os: OperatingSystem.LINUX, instanceIds: instanceIds(1) });
    expect(() => stack.addGroup('db', { os: OperatingSystem.LINUX, instanceIds: instanceIds(1, 'x') })).toThrow(/`groupName` must be unique in the stack, got "db"/);
  });

  test('an empty stack fails synthesis', () => {
    const app = newApp();
    new AppConsistentSnapshotStack(app, 'Empty');
    expect(() => app.synth()).toThrow(/the stack holds no application group/);
  });

  test('synthesizes in a plain ros.App with the stack name as the file name', () => {
    const app = newApp();
    const stack = new AppConsistentSnapshotStack(app, 'Named', { groups: { g: { os: OperatingSystem.LINUX, instanceIds: instanceIds(1) } } });
    expect(app.synth().getStackArtifact(stack.artifactId).templateFile).toBe('Named.template.json');
    expect(stack).toBeInstanceOf(ros.Stack);
  });
});
