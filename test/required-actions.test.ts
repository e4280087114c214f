import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { CLOUD_PRODUCT_ACTION_CALLS, requiredActions } from '../lib/oos/required-actions';
import { OperatingSystem } from '../lib/plugin/parameters';
import { buildSnapshotTemplate, snapshotTemplateSpec } from '../lib/snapshot-automation';
import { REPO_ROOT, instanceIds } from './helpers';

const CORPUS = path.join(REPO_ROOT, '..', 'shared', 'oos-templates', 'CloudProductActions');

describe('requiredActions', () => {
  test('the table of cloud-product actions matches the templates Alibaba publishes for them', () => {
    for (const [action, calls] of Object.entries(CLOUD_PRODUCT_ACTION_CALLS)) {
      const [, product, name] = action.split('::');
      const file = path.join(CORPUS, product, 'YAML', `ACS__${product}__${name}.yml`);
      const doc = YAML.parse(fs.readFileSync(file, 'utf8'));
      expect(requiredActions(doc)).toEqual([...calls].sort());
    }
  });

  test('the snapshot automation needs exactly RunCommand and reading its invocations', () => {
    for (const os of [OperatingSystem.LINUX, OperatingSystem.WINDOWS]) {
      const doc = buildSnapshotTemplate(snapshotTemplateSpec({ os, instanceIds: instanceIds(1), roleName: 'R', templateName: 'T' }));
      expect(requiredActions(doc)).toEqual(['ecs:DescribeInvocationResults', 'ecs:DescribeInvocations', 'ecs:RunCommand']);
    }
  });

  test('ExecuteAPI calls and target selection are derived; unknown actions and templated APIs are refused', () => {
    expect(requiredActions({ Tasks: [
      { Name: 'a', Action: 'ACS::ExecuteAPI', Properties: { Service: 'ECS', API: 'DescribeSnapshotGroups' } },
      { Name: 'b', Action: 'ACS::WaitFor', Properties: { Service: 'ECS', API: 'DescribeDisks' } },
      { Name: 'c', Action: 'ACS::SelectTargets', Properties: { ResourceType: 'ALIYUN::ECS::Instance' } },
      { Name: 'd', Action: 'ACS::Choice', Properties: {} },
    ] })).toEqual(['ecs:DescribeDisks', 'ecs:DescribeInstances', 'ecs:DescribeSnapshotGroups']);
    expect(() => requiredActions({ Tasks: [{ Name: 'x', Action: 'ACS::ECS::DeleteInstance' }] })).toThrow(/task x: the permissions of action ACS::ECS::DeleteInstance are not known/);
    expect(() => requiredActions({ Tasks: [{ Name: 'y', Action: 'ACS::ExecuteAPI', Properties: { Service: 'ECS', API: '{{ api }}' } }] })).toThrow(/task y: ACS::ExecuteAPI needs literal Service and API/);
    expect(() => requiredActions({ Tasks: [{ Name: 'z', Action: 'ACS::Template', Properties: {} }] })).toThrow(/ACS::Template are not known/);
  });
});
