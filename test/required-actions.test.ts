import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { findEcsApi } from '../lib/oos/lint/ecs-sdk-model';
import { ASSOCIATED_ACTIONS, CLOUD_PRODUCT_ACTION_CALLS, requiredActions } from '../lib/oos/required-actions';
import { OperatingSystem } from '../lib/plugin/parameters';
import { automationRequiredActions, buildInstanceDocument, buildSnapshotTemplate, snapshotTemplateSpec } from '../lib/snapshot-automation';
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

  test('the snapshot automation needs RunCommand with its invocations, exactly the reads of its preflight and verdict, and the tagging of the snapshots', () => {
    for (const os of [OperatingSystem.LINUX, OperatingSystem.WINDOWS]) {
      const spec = snapshotTemplateSpec({ os, instanceIds: instanceIds(1), roleName: 'R', templateName: 'T' }, 'S');
      expect(automationRequiredActions(buildSnapshotTemplate(spec), buildInstanceDocument(spec))).toEqual([
        'ecs:DescribeCloudAssistantStatus', 'ecs:DescribeDisks', 'ecs:DescribeInstanceRamRole', 'ecs:DescribeInstances',
        'ecs:DescribeInvocationResults', 'ecs:DescribeInvocations', 'ecs:DescribeSnapshotGroups', 'ecs:DescribeSnapshots',
        'ecs:RunCommand', 'ecs:TagResources',
      ]);
    }
  });

  test('ACS::Template: the nested template\'s tasks are accounted for; a missing or recursive one is refused', () => {
    const child = { Tasks: [{ Name: 'read', Action: 'ACS::ExecuteAPI', Properties: { Service: 'ECS', API: 'DescribeDisks' } }] };
    const parent = { Tasks: [{ Name: 'each', Action: 'ACS::Template', Properties: { TemplateName: '{{ child }}' } }] };
    expect(requiredActions(parent, { '{{ child }}': child })).toEqual(['ecs:DescribeDisks']);
    expect(() => requiredActions(parent)).toThrow(/task each: ACS::Template runs \{\{ child \}\}, whose document was not given/);
    expect(() => requiredActions(parent, { '{{ child }}': parent })).toThrow(/task each: ACS::Template runs \{\{ child \}\}, which is already running above it/);
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
    expect(() => requiredActions({ Tasks: [{ Name: 'z', Action: 'ACS::Loop', Properties: {} }] })).toThrow(/ACS::Loop are not known/);
  });

  test('an API call brings the actions associated with it: AttachInstanceRamRole needs ram:PassRole', () => {
    const attach = { Name: 'attach', Action: 'ACS::ExecuteAPI', Properties: { Service: 'ECS', API: 'AttachInstanceRamRole' } };
    expect(requiredActions({ Tasks: [attach] })).toEqual(['ecs:AttachInstanceRamRole', 'ram:PassRole']);
    // Also when the call sits in a nested template, and once however often it is made.
    const child = { Tasks: [attach, { ...attach, Name: 'again' }] };
    const parent = { Tasks: [{ Name: 'each', Action: 'ACS::Template', Properties: { TemplateName: 'child' } }] };
    expect(requiredActions(parent, { child })).toEqual(['ecs:AttachInstanceRamRole', 'ram:PassRole']);
    // A call without associated actions brings none.
    expect(requiredActions({ Tasks: [{ ...attach, Properties: { Service: 'ECS', API: 'DescribeInstanceRamRole' } }] })).toEqual(['ecs:DescribeInstanceRamRole']);
  });

  test('the table of associated actions names real ECS APIs, and RAM actions without wildcards', () => {
    for (const [action, extra] of Object.entries(ASSOCIATED_ACTIONS)) {
      const [service, api] = action.split(':');
      expect(service).toBe('ecs');
      expect(findEcsApi(api)?.match).toBe('exact');
      for (const a of extra) {
        expect(a).toMatch(/^[a-z]+:[A-Z][A-Za-z]+$/);
      }
    }
  });
});
