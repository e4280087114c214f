import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as ros from '@alicloud/ros-cdk-core';
import {
  ENROLLED_AUTOMATION_TEMPLATE_NAME_MAX_LENGTH,
  ENROLLMENT_SELECTORS,
  ENROLLMENT_TASKS,
  ENROLL_TASK_NAME,
  FleetEnrollment,
  FleetEnrollmentProps,
  buildEnrollmentDocuments,
} from '../lib/enrollment';
import { ExecutionRole } from '../lib/execution-role';
import { lintTemplateObject } from '../lib/oos/lint';
import { OperatingSystem } from '../lib/plugin/parameters';
import { QuiesceScripts } from '../lib/quiesce-scripts';
import { ScriptDeployment, prepareScriptInstall } from '../lib/script-deployment';
import { OVER_LIMIT_TASK_NAME, SELECT_TASK_NAME } from '../lib/targets';
import { instanceIds, newApp, onlyResource, resourcesOfType, templateOf, tempDir } from './helpers';
import { ANY_INSTANCE_TASK_NAME } from '../lib/snapshot-automation';

const LINUX: FleetEnrollmentProps = {
  os: OperatingSystem.LINUX,
  targetTags: { app: 'orders', tier: 'db' },
  roleName: 'AppSnapshot-db',
  templateName: 'AppConsistentSnapshot-db',
  scripts: QuiesceScripts.generic(),
};

const WINDOWS: FleetEnrollmentProps = {
  os: OperatingSystem.WINDOWS,
  targetTags: { tier: 'app' },
  roleName: 'AppSnapshot-app',
  templateName: 'AppConsistentSnapshot-app',
};

function synth(props: FleetEnrollmentProps) {
  const stack = new ros.Stack(newApp(), 'S');
  const enrollment = new FleetEnrollment(stack, 'Enrollment', props);
  const template = templateOf(stack);
  const templates = resourcesOfType(template, 'ALIYUN::OOS::Template');
  const byName = (name: string) => templates.find(([, r]) => r.Properties.TemplateName === name);
  return { stack, enrollment, template, templates, byName };
}

const taskNames = (doc: { Tasks: Array<Record<string, unknown>> }) => doc.Tasks.map((t) => t.Name);

/** Scripts of `bytes` hexadecimal characters each, which gzip can only halve (deterministic). */
function hexScripts(bytes: number): QuiesceScripts {
  const dir = tempDir('enroll-scripts-');
  let hex = '';
  for (let i = 0; hex.length < bytes; i++) {
    hex += crypto.createHash('sha256').update(`enrollment ${i}`).digest('hex');
  }
  fs.writeFileSync(path.join(dir, 'pre.sh'), `#!/bin/bash\n: ${hex.slice(0, bytes)}\n`);
  fs.writeFileSync(path.join(dir, 'post.sh'), '#!/bin/bash\n:\n');
  return QuiesceScripts.fromFiles(path.join(dir, 'pre.sh'), path.join(dir, 'post.sh'));
}

describe('FleetEnrollment: the templates', () => {
  test('two ALIYUN::OOS::Templates named after the automation\'s, the parent created after the per-instance one', () => {
    const { enrollment, templates, byName } = synth(LINUX);
    expect(templates).toHaveLength(2);
    const [parentId, parent] = byName('AppConsistentSnapshot-db-Enroll')!;
    const [instanceId, instance] = byName('AppConsistentSnapshot-db-EnrollInstance')!;
    expect(parent.DependsOn).toEqual([instanceId]);
    expect(parentId).toMatch(/^EnrollmentTemplate[0-9A-F]{8}$/);
    expect(enrollment.templateName).toBe('AppConsistentSnapshot-db-Enroll');
    expect(enrollment.instanceTemplateName).toBe('AppConsistentSnapshot-db-EnrollInstance');
    // The resources hold the documents the construct exposes, and the parent runs the per-instance one by default.
    expect(JSON.parse(parent.Properties.Content)).toEqual(enrollment.document);
    expect(JSON.parse(instance.Properties.Content)).toEqual(enrollment.instanceDocument);
    expect(enrollment.document.Parameters.instanceTemplateName.Default).toBe('AppConsistentSnapshot-db-EnrollInstance');
    for (const doc of [enrollment.document, enrollment.instanceDocument]) {
      expect(doc.FormatVersion).toBe('OOS-2019-06-01');
      expect(doc.RamRole).toBe('{{ OOSAssumeRole }}');
    }
  });

  test('the parent selects the instances by tags and runs the per-instance template for each, with the rate control', () => {
    const { enrollment } = synth({ ...LINUX, concurrency: 4, maxErrors: 2, executionRoleName: 'AppSnapshot-oos' });
    const doc = enrollment.document;
    expect(Object.keys(doc.Parameters)).toEqual(['regionId', 'targetTags', 'ramRoleName', 'rateControl', 'instanceTemplateName', 'OOSAssumeRole']);
    expect(doc.Parameters.targetTags.Default).toEqual([{ Key: 'app', Value: 'orders' }, { Key: 'tier', Value: 'db' }]);
    expect(doc.Parameters.ramRoleName.Default).toBe('AppSnapshot-db');
    expect(doc.Parameters.rateControl.Default).toEqual({ Mode: 'Concurrency', MaxErrors: 2, Concurrency: 4 });
    expect(doc.Parameters.OOSAssumeRole.Default).toBe('AppSnapshot-oos');
    expect(taskNames(doc)).toEqual([SELECT_TASK_NAME, ANY_INSTANCE_TASK_NAME, OVER_LIMIT_TASK_NAME, ENROLL_TASK_NAME]);
    // No instance tagged yet (as when the stack is created first): the execution ends before the
    // loop; more than one loop takes: the refusal, which names the count.
    expect(doc.Tasks[1]).toMatchObject({
      Name: 'whetherAnyInstance', Action: 'ACS::Choice', Properties: {
        DefaultTask: ENROLL_TASK_NAME,
        Choices: [
          { When: { 'Fn::Equals': [[], `{{ ${SELECT_TASK_NAME}.instanceIds }}`] }, NextTask: 'ACS::END' },
          { When: { 'Fn::Equals': ['false', `{{ ${SELECT_TASK_NAME}.fitsOneLoop }}`] }, NextTask: OVER_LIMIT_TASK_NAME },
        ],
      },
    });
    expect(doc.Tasks[2]).toMatchObject({ Action: 'ACS::CheckFor', Properties: { API: 'DescribeInstances', DesiredValues: ['at most 1000 instances'] } });
    const loop = doc.Tasks[3] as { Action: string; Properties: Record<string, unknown>; Loop: Record<string, unknown> };
    expect(loop.Action).toBe('ACS::Template');
    expect(loop.Properties).toEqual({
      TemplateName: '{{ instanceTemplateName }}',
      Parameters: { regionId: '{{ regionId }}', instanceId: '{{ ACS::TaskLoopItem }}', ramRoleName: '{{ ramRoleName }}', OOSAssumeRole: '{{ OOSAssumeRole }}' },
    });
    expect(loop.Loop.Items).toBe(`{{ ${SELECT_TASK_NAME}.instanceIds }}`);
    expect(loop.Loop.RateControl).toBe('{{ rateControl }}');
    expect(doc.Outputs).toEqual({ enrolled: { Type: 'List', Value: { 'Fn::If': [{ 'Fn::Equals': [[], `{{ ${SELECT_TASK_NAME}.instanceIds }}`] }, [], `{{ ${ENROLL_TASK_NAME}.results }}`] } } });
  });

  test('instances by id work too: a List parameter with the ids, no selection', () => {
    const ids = instanceIds(3);
    const { enrollment } = synth({ ...LINUX, targetTags: undefined, instanceIds: ids });
    expect(enrollment.document.Parameters.instanceIds).toMatchObject({ Type: 'List', Default: ids });
    expect(enrollment.document.Parameters.targetTags).toBeUndefined();
    expect(taskNames(enrollment.document)).toEqual([ANY_INSTANCE_TASK_NAME, ENROLL_TASK_NAME]);
    expect((enrollment.document.Tasks[1].Loop as Record<string, unknown>).Items).toBe('{{ instanceIds }}');
  });

  test('per instance (Linux): Running, Cloud Assistant, the role read, attached (no loop) only where none is held, checked, the scripts installed', () => {
    const doc = synth(LINUX).enrollment.instanceDocument;
    const T = ENROLLMENT_TASKS;
    expect(taskNames(doc)).toEqual([T.checkRunning, T.checkAgent, T.ramRole, T.choose, T.attach, T.checkRole, T.install]);
    expect(Object.keys(doc.Parameters)).toEqual(['regionId', 'instanceId', 'ramRoleName', 'OOSAssumeRole']);
    expect(doc.Parameters.ramRoleName.Default).toBeUndefined();
    expect(doc.Tasks.map((t) => t.Action)).toEqual(['ACS::CheckFor', 'ACS::CheckFor', 'ACS::ExecuteAPI', 'ACS::Choice', 'ACS::ExecuteAPI', 'ACS::CheckFor', 'ACS::ECS::RunCommand']);
    // No loop anywhere: an instance that holds the role already skips the attachment by ACS::Choice.
    expect(doc.Tasks.filter((t) => t.Loop !== undefined)).toEqual([]);
    expect(doc.Tasks[3].Properties).toEqual({
      DefaultTask: T.checkRole,
      Choices: [
        { When: { 'Fn::Equals': ['attach', `{{ ${T.ramRole}.roleAction }}`] }, NextTask: T.attach },
        { When: { 'Fn::Equals': ['keep', `{{ ${T.ramRole}.roleAction }}`] }, NextTask: T.install },
      ],
    });
    expect(doc.Tasks[4].Properties).toEqual({
      Service: 'ECS',
      API: 'AttachInstanceRamRole',
      Parameters: { RegionId: '{{ regionId }}', RamRoleName: '{{ ramRoleName }}', InstanceIds: ['{{ instanceId }}'] },
    });
    expect(doc.Tasks[5].Properties).toMatchObject({ API: 'DescribeInstanceRamRole', PropertySelector: ENROLLMENT_SELECTORS.heldRoles, DesiredValues: ['{{ ramRoleName }}'] });
    expect(doc.Outputs).toEqual({
      instanceId: { Type: 'String', Value: '{{ instanceId }}' },
      roleAction: { Type: 'String', Value: `{{ ${T.ramRole}.roleAction }}` },
    });
  });

  test('the scripts are installed with exactly the ScriptDeployment\'s command, and their checksums are exposed for the automation', () => {
    const { enrollment } = synth(LINUX);
    const install = enrollment.instanceDocument.Tasks[6] as { Properties: Record<string, unknown> };
    const deployment = new ScriptDeployment(new ros.Stack(newApp(), 'D'), 'Scripts', { instanceIds: instanceIds(1), scripts: QuiesceScripts.generic() });
    const deployed = Buffer.from(onlyResource(templateOf(ros.Stack.of(deployment)), 'ALIYUN::ECS::RunCommand').Properties.CommandContent, 'base64').toString('utf8');
    expect(install.Properties).toEqual({
      regionId: '{{ regionId }}', instanceId: '{{ instanceId }}', commandType: 'RunShellScript', commandContent: deployed, timeout: 120,
    });
    expect(enrollment.scriptChecksums).toEqual(deployment.checksums);
    expect(synth({ ...LINUX, installTimeoutSeconds: 300 }).enrollment.instanceDocument.Tasks[6].Properties).toMatchObject({ timeout: 300 });
  });

  test('Windows: the role only, no command', () => {
    const { enrollment } = synth(WINDOWS);
    expect(taskNames(enrollment.instanceDocument)).toEqual([
      ENROLLMENT_TASKS.checkRunning, ENROLLMENT_TASKS.checkAgent, ENROLLMENT_TASKS.ramRole, ENROLLMENT_TASKS.choose, ENROLLMENT_TASKS.attach, ENROLLMENT_TASKS.checkRole]);
    // Holding the group's role already: nothing more to do.
    expect((enrollment.instanceDocument.Tasks[3].Properties as { Choices: Array<{ NextTask: string }> }).Choices[1].NextTask).toBe('ACS::END');
    expect(enrollment.scriptChecksums).toBeUndefined();
  });

  test('a template name given as a ROS parameter: the names are joins', () => {
    const stack = new ros.Stack(newApp(), 'S');
    const name = new ros.RosParameter(stack, 'TemplateName', { type: ros.RosParameterType.STRING }).valueAsString;
    const enrollment = new FleetEnrollment(stack, 'Enrollment', { ...LINUX, templateName: name });
    const names = resourcesOfType(templateOf(stack), 'ALIYUN::OOS::Template').map(([, r]) => r.Properties.TemplateName);
    expect(names).toEqual(expect.arrayContaining([
      { 'Fn::Join': ['', [{ Ref: 'TemplateName' }, '-Enroll']] },
      { 'Fn::Join': ['', [{ Ref: 'TemplateName' }, '-EnrollInstance']] },
    ]));
    expect(ros.Token.isUnresolved(enrollment.templateName)).toBe(true);
  });

  test.each([
    ['Linux by tags', LINUX],
    ['Linux by ids', { ...LINUX, targetTags: undefined, instanceIds: instanceIds(2) }],
    ['Windows by tags', WINDOWS],
  ])('%s: both documents pass the OOS template checker, strict', (_, props) => {
    const { enrollment } = synth(props as FleetEnrollmentProps);
    for (const [name, doc] of [['parent', enrollment.document], ['instance', enrollment.instanceDocument]] as const) {
      expect(lintTemplateObject(doc, { name, strict: true }).findings).toEqual([]);
    }
  });

  test('deterministic: the same props synthesize byte-identical templates', () => {
    const text = () => JSON.stringify(synth(LINUX).template);
    expect(text()).toBe(text());
  });
});

describe('FleetEnrollment: the RAM actions', () => {
  const LINUX_ACTIONS = [
    'ecs:AttachInstanceRamRole', 'ecs:DescribeCloudAssistantStatus', 'ecs:DescribeInstanceRamRole', 'ecs:DescribeInstances',
    'ecs:DescribeInvocationResults', 'ecs:DescribeInvocations', 'ecs:RunCommand', 'ram:PassRole',
  ];

  test('derived from both templates: the reads, the attachment with ram:PassRole, RunCommand on Linux only', () => {
    expect(synth(LINUX).enrollment.requiredActions).toEqual(LINUX_ACTIONS);
    expect(synth(WINDOWS).enrollment.requiredActions).toEqual([
      'ecs:AttachInstanceRamRole', 'ecs:DescribeCloudAssistantStatus', 'ecs:DescribeInstanceRamRole', 'ecs:DescribeInstances', 'ram:PassRole',
    ]);
  });

  test('the execution role gets exactly those', () => {
    const stack = new ros.Stack(newApp(), 'S');
    const enrollment = new FleetEnrollment(stack, 'Enrollment', { ...LINUX, executionRoleName: 'AppSnapshot-oos' });
    const role = new ExecutionRole(stack, 'ExecutionRole', { roleName: 'AppSnapshot-oos', templates: [enrollment.executedTemplate] });
    expect(role.actions).toEqual(LINUX_ACTIONS);
    const resource = onlyResource(templateOf(stack), 'ALIYUN::RAM::Role');
    expect(resource.Properties.Policies[0].PolicyDocument.Statement).toEqual([{ Effect: 'Allow', Action: LINUX_ACTIONS, Resource: ['*'] }]);
  });
});

describe('FleetEnrollment: validation', () => {
  test.each([
    ['both tags and ids', { instanceIds: instanceIds(1) }, /`instanceIds` or targetTags must be given, not both and not neither/],
    ['neither tags nor ids', { targetTags: undefined }, /`instanceIds` or targetTags must be given/],
    ['an empty tag set', { targetTags: {} }, /`targetTags` must hold 1 to 20 tags/],
    ['a reserved tag key', { targetTags: { 'acs:x': 'y' } }, /`targetTags` must have keys of 1 to 128 characters/],
    ['more ids than one loop', { targetTags: undefined, instanceIds: instanceIds(1001) }, /`instanceIds` must list at most 1000 instances/],
    ['a bad role name', { roleName: 'no spaces' }, /`roleName` must be 1 to 64 characters/],
    ['a reserved template name', { templateName: 'ACS-Snap' }, /`templateName` must not start with ACS/],
    ['a template name without room for the suffix', { templateName: 'a'.repeat(ENROLLED_AUTOMATION_TEMPLATE_NAME_MAX_LENGTH + 1) },
      /`templateName` must be at most 185 characters \(the enrollment template is named after it with `-EnrollInstance`/],
    ['a concurrency of 0', { concurrency: 0 }, /`concurrency` must be an integer from 1 to 1000, got 0/],
    ['negative maxErrors', { maxErrors: -1 }, /`maxErrors` must be an integer from 0 to 1000, got -1/],
    ['a short install timeout', { installTimeoutSeconds: 5 }, /`installTimeoutSeconds` must be an integer from 10 to 86400/],
    ['Linux without scripts', { scripts: undefined }, /`scripts` must be given for Linux instances/],
  ])('Linux: %s is refused', (_, change, message) => {
    expect(() => synth({ ...LINUX, ...change } as FleetEnrollmentProps)).toThrow(message);
  });

  test('a template name of exactly the longest length is accepted', () => {
    expect(() => synth({ ...LINUX, templateName: 'a'.repeat(ENROLLED_AUTOMATION_TEMPLATE_NAME_MAX_LENGTH) })).not.toThrow();
  });

  test('Windows: scripts and an install timeout are refused', () => {
    expect(() => synth({ ...WINDOWS, scripts: QuiesceScripts.generic() })).toThrow(/`scripts` apply to Linux only/);
    expect(() => synth({ ...WINDOWS, installTimeoutSeconds: 60 })).toThrow(/`installTimeoutSeconds` applies to Linux only/);
  });

  test('scripts too large for one RunCommand are refused, as by the ScriptDeployment', () => {
    expect(() => synth({ ...LINUX, scripts: hexScripts(20_000) })).toThrow(/`scripts` must fit the 16384-byte RunCommand limit after Base64/);
  });

  test('the install command, which OOS substitutes nothing into, gets the whole RunCommand limit, as in a ScriptDeployment', () => {
    // Between 13 and 16 KB encoded: over the budget of a command with substitutions, within the limit.
    const scripts = hexScripts(10_000);
    const encoded = prepareScriptInstall(scripts).encoded.length;
    expect(encoded).toBeGreaterThan(13 * 1024);
    expect(encoded).toBeLessThanOrEqual(16 * 1024);
    expect(() => synth({ ...LINUX, scripts })).not.toThrow();
  });

  test('buildEnrollmentDocuments refuses an install command for Windows and none for Linux', () => {
    const spec = {
      os: OperatingSystem.WINDOWS, description: 'd', targets: { tags: { a: 'b' } }, ramRoleName: 'R', concurrency: 1, maxErrors: 0,
      instanceTemplateName: 'T-EnrollInstance', oosAssumeRole: '', installTimeoutSeconds: 60,
    };
    expect(() => buildEnrollmentDocuments({ ...spec, installCommand: 'true' })).toThrow(/`scripts` apply to Linux only/);
    expect(() => buildEnrollmentDocuments({ ...spec, os: OperatingSystem.LINUX })).toThrow(/`scripts` must be given for Linux instances/);
  });
});
