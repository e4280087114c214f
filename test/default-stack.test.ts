import { DEFAULT_STACK_GROUP_NAME, DEFAULT_STACK_MAX_INSTANCES, DefaultAppConsistentSnapshotStack } from '../lib/default-stack';
import { MAX_INSTANCES_PER_ROLE_ATTACHMENT, MAX_INSTANCES_PER_RUN_COMMAND } from '../lib/instance-ids';
import { RosTemplateDocument, evaluateStack } from './ros-evaluator';
import { OperatingSystem } from '../lib/plugin/parameters';
import { newApp, templateOf } from './helpers';

describe('DefaultAppConsistentSnapshotStack (the embedded default)', () => {
  const stack = new DefaultAppConsistentSnapshotStack(newApp(), 'AppConsistentSnapshot');
  const t = templateOf(stack);

  test('asks for every choice as a ROS parameter, with defaults where one is safe', () => {
    expect(Object.keys(t.Parameters!)).toEqual(expect.arrayContaining([
      'InstanceIds', 'OsType', 'RoleName', 'RoleMode', 'AttachRole', 'SnapshotName', 'SnapshotDescription',
      'ExcludeDiskId', 'EnableFsFreeze', 'TimeoutInSeconds', 'EnableWriters', 'RequireAppConsistent', 'AutomationTemplateName',
    ]));
    expect(t.Parameters!.InstanceIds.Type).toBe('CommaDelimitedList');
    expect(t.Parameters!.InstanceIds.Default).toBeUndefined();
    expect(t.Parameters!.OsType.AllowedValues).toEqual([OperatingSystem.LINUX, OperatingSystem.WINDOWS]);
    expect(t.Parameters!.RequireAppConsistent.Default).toBe('true');
  });

  test('AllowedPatterns refuse what would break the plugin parameters or the OOS name rules', () => {
    const accepts = (param: string, value: string) => new RegExp(t.Parameters![param].AllowedPattern as string).test(value);
    expect(accepts('SnapshotDescription', 'nightly')).toBe(true);
    expect(accepts('SnapshotDescription', 'a,b')).toBe(false);
    expect(accepts('SnapshotDescription', 'a"b')).toBe(false);
    // CreateSnapshotGroup's rules: 2-256 characters, no http(s):// prefix; empty passes no description.
    expect(accepts('SnapshotDescription', '')).toBe(true);
    expect(accepts('SnapshotDescription', 'a')).toBe(false);
    expect(accepts('SnapshotDescription', 'http://wiki')).toBe(false);
    expect(t.Parameters!.SnapshotDescription.MaxLength).toBe(256);
    expect(accepts('SnapshotName', 'http://x')).toBe(false);
    expect(accepts('SnapshotName', 'a')).toBe(false);
    expect(accepts('SnapshotName', 'Nightly-1')).toBe(true);
    expect(accepts('SnapshotName', 'Nightly,1')).toBe(false);
    expect(accepts('ExcludeDiskId', '')).toBe(true);
    expect(accepts('ExcludeDiskId', 'd-abcdefgh12')).toBe(true);
    expect(accepts('ExcludeDiskId', 'd-a,d-b')).toBe(false);
    expect(accepts('AutomationTemplateName', 'MySnapshots')).toBe(true);
    for (const reserved of ['ACS-x', 'aliyunX', 'AliCloud1', 'alibaba_x']) {
      expect(accepts('AutomationTemplateName', reserved)).toBe(false);
    }
  });

  test('creates the role or attaches the policy to an existing one, by condition', () => {
    expect(t.Resources.Role.Condition).toBe('CreateRole');
    expect(t.Resources.ExistingRolePolicy.Condition).toBe('UseExistingRole');
    expect(t.Resources.ExistingRolePolicy.Properties.Roles).toEqual([{ Ref: 'RoleName' }]);
    expect(t.Resources.RoleAttachment.Condition).toBe('DoAttachRole');
    expect(t.Resources.RoleAttachment.Properties.RamRoleName).toEqual({ 'Fn::If': ['CreateRole', { 'Fn::GetAtt': ['Role', 'RoleName'] }, { Ref: 'RoleName' }] });
    expect(t.Resources.RoleAttachment.Properties.InstanceIds).toEqual({ 'Fn::Jq': ['First', '.[0:100]', { Ref: 'InstanceIds' }] });
  });

  test('creates the OOS execution role, named by a parameter, and makes it the templates\' default OOSAssumeRole', () => {
    const role = t.Resources.ExecutionRoleRole;
    expect(role.Properties.RoleName).toEqual({ Ref: 'ExecutionRoleName' });
    expect(role.Properties.AssumeRolePolicyDocument.Statement[0].Principal).toEqual({ Service: ['oos.aliyuncs.com'] });
    expect(role.Properties.Policies[0].PolicyDocument.Statement[0].Action).toEqual([
      'ecs:DescribeCloudAssistantStatus', 'ecs:DescribeDisks', 'ecs:DescribeInstanceRamRole', 'ecs:DescribeInstances',
      'ecs:DescribeInvocationResults', 'ecs:DescribeInvocations', 'ecs:DescribeSnapshotGroups', 'ecs:DescribeSnapshots', 'ecs:RunCommand',
      'ecs:TagResources',
    ]);
    const parts: unknown[] = t.Resources.AutomationTemplate.Properties.Content['Fn::If'][1]['Fn::Join'][1];
    const at = parts.findIndex((p) => JSON.stringify(p) === JSON.stringify({ Ref: 'ExecutionRoleName' }));
    const before = parts.slice(0, at).filter((p) => typeof p === 'string').join('');
    expect(before).toMatch(/"OOSAssumeRole": \{\s*"Type": "String",\s*"Label": \{\s*"en": "[^"]*"\s*\},\s*"Default": "$/);
  });

  test('installs the generic scripts on Linux only, and picks the OOS content by OS', () => {
    expect(t.Resources.InstallScripts.Condition).toBe('IsLinux');
    expect(t.Resources.InstallScripts.Properties.InstanceIds).toEqual({ 'Fn::Jq': ['First', '.[0:50]', { Ref: 'InstanceIds' }] });
    for (const id of ['AutomationTemplate', 'AutomationInstanceTemplate']) {
      expect(t.Resources[id].Properties.Content['Fn::If'][0]).toBe('IsLinux');
    }
    const content = t.Resources.AutomationInstanceTemplate.Properties.Content;
    const [linux, windows] = [content['Fn::If'][1], content['Fn::If'][2]].map((c: any) => JSON.stringify(c));
    expect(linux).toContain('app-snapshot-plugin\'');
    expect(windows).toContain('app-snapshot-plugin-win');
    expect(t.Resources.AutomationTemplate.Properties.TemplateName).toEqual({ Ref: 'AutomationTemplateName' });
    // The per-instance template is named after the automation's, and created first.
    expect(t.Resources.AutomationInstanceTemplate.Properties.TemplateName).toEqual({ 'Fn::Join': ['', [{ Ref: 'AutomationTemplateName' }, '-Instance']] });
    expect(t.Resources.AutomationTemplate.DependsOn).toEqual(['AutomationInstanceTemplate']);
    // ROS cannot rename a template, and a parameter cannot change the logical id: fixed, and said so.
    expect(t.Parameters!.AutomationTemplateName.Description).toMatch(/Fixed once the stack exists: ROS cannot rename a template/);
    expect(new RegExp(t.Parameters!.AutomationTemplateName.AllowedPattern as string).test('x'.repeat(191))).toBe(true);
    expect(new RegExp(t.Parameters!.AutomationTemplateName.AllowedPattern as string).test('x'.repeat(192))).toBe(false);
  });

  test('the OOS parameters default to the stack parameters: the instance list becomes a JSON array', () => {
    const parts: unknown[] = t.Resources.AutomationTemplate.Properties.Content['Fn::If'][1]['Fn::Join'][1];
    const listAt = parts.findIndex((p) => JSON.stringify(p) === JSON.stringify({ 'Fn::Join': ['","', { Ref: 'InstanceIds' }] }));
    expect(listAt).toBeGreaterThan(0);
    expect(String(parts[listAt - 1]).endsWith('"Default": ["')).toBe(true);
    expect(String(parts[listAt + 1]).startsWith('"]')).toBe(true);
    // Replacing each reference by a sample value yields a valid OOS template.
    const sample: Record<string, string> = { InstanceIds: 'i-abcdefgh0001","i-abcdefgh0002', TimeoutInSeconds: '30' };
    const text = parts.map((p) => {
      if (typeof p === 'string') return p;
      const ref = JSON.stringify(p).match(/"Ref":"(\w+)"/)![1];
      return sample[ref] ?? `sample-${ref}`;
    }).join('');
    const document = JSON.parse(text);
    expect(document.Parameters.instanceIds.Default).toEqual(['i-abcdefgh0001', 'i-abcdefgh0002']);
    expect(document.Parameters.timeoutInSeconds.Default).toBe(30);
    expect(document.Parameters.ramRoleName.Default).toBe('sample-RoleName');
    // The snapshots are tagged with the stack as the posture and `default` as the group.
    expect(document.Parameters.postureName.Default).toBe('AppConsistentSnapshot');
    expect(document.Parameters.groupName.Default).toBe(DEFAULT_STACK_GROUP_NAME);
    expect(DEFAULT_STACK_GROUP_NAME).toBe('default');
  });

  describe('any number of instances up to the documented maximum, sliced across resources as ROS evaluates the template', () => {
    const ids = (n: number) => Array.from({ length: n }, (_, i) => `i-default${String(i).padStart(6, '0')}`);
    const deploy = (n: number, more: Record<string, unknown> = {}) => evaluateStack(t as unknown as RosTemplateDocument, { InstanceIds: ids(n), ...more });
    const ofType = (r: ReturnType<typeof deploy>, type: string) => Object.entries(r.resources!).filter(([, x]) => x.Type === type);

    test('the maximum is one OOS loop, and the parameter says so', () => {
      expect(DEFAULT_STACK_MAX_INSTANCES).toBe(1000);
      expect(t.Parameters!.InstanceIds.Description).toMatch(/at most 1000 \(one OOS loop\): a longer list is refused before anything is created/);
      // 10 attachments and 20 deployments at most, well within 200 resources.
      expect(Object.keys(t.Resources).length).toBeLessThanOrEqual(200);
    });

    test.each([1, 50, 51, 100, 101, 999, 1000])('%i instances: every one attached once (at most 100 a resource) and given the scripts once (at most 50)', (n) => {
      const r = deploy(n);
      expect(r.refused).toBeUndefined();
      for (const [type, size] of [['ALIYUN::ECS::RunCommand', MAX_INSTANCES_PER_RUN_COMMAND], ['ALIYUN::ECS::RamRoleAttachment', MAX_INSTANCES_PER_ROLE_ATTACHMENT]] as const) {
        const parts = ofType(r, type).map(([, x]) => x.Properties.InstanceIds as string[]);
        expect(parts).toHaveLength(Math.ceil(n / size));
        for (const part of parts) {
          expect(part.length).toBeGreaterThanOrEqual(1);
          expect(part.length).toBeLessThanOrEqual(size);
        }
        expect(parts.flat()).toEqual(ids(n));
      }
    });

    test('more than the maximum is refused by a rule, before any resource is created', () => {
      expect(deploy(DEFAULT_STACK_MAX_INSTANCES + 1)).toEqual({ refused: 'InstanceIds must list at most 1000 instances (one OOS loop takes 1000): deploy the others in another stack' });
      expect(deploy(DEFAULT_STACK_MAX_INSTANCES).refused).toBeUndefined();
    });

    test('the slices keep to their switches: no attachment when AttachRole is false, no script deployment on Windows', () => {
      expect(ofType(deploy(230, { AttachRole: 'false' }), 'ALIYUN::ECS::RamRoleAttachment')).toEqual([]);
      expect(ofType(deploy(230, { OsType: 'Windows' }), 'ALIYUN::ECS::RunCommand')).toEqual([]);
      expect(ofType(deploy(230, { OsType: 'Windows' }), 'ALIYUN::ECS::RamRoleAttachment')).toHaveLength(3);
    });
  });

  test('refuses a stack name that cannot be the posture name', () => {
    expect(() => new DefaultAppConsistentSnapshotStack(newApp(), 'D'.repeat(129))).toThrow(/`postureName` must be a letter or digit .*; it is the stack's name, got "D{100,}/);
  });
});
