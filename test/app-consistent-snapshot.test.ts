import * as ros from '@alicloud/ros-cdk-core';
import { AppConsistentSnapshot, AppConsistentSnapshotProps } from '../lib/app-consistent-snapshot';
import { OperatingSystem } from '../lib/plugin/parameters';
import { requiredActions } from '../lib/oos/required-actions';
import { QuiesceScripts } from '../lib/quiesce-scripts';
import { RestoreCheck } from '../lib/restore-check';
import { Schedule } from '../lib/schedule';
import { automationOf, instanceIds, loopTaskOf, newApp, onlyResource, resourcesOfType, templateOf } from './helpers';

const LINUX: AppConsistentSnapshotProps = { groupName: 'db', os: OperatingSystem.LINUX, instanceIds: instanceIds(2) };

function synth(props: Partial<AppConsistentSnapshotProps> = {}) {
  const stack = new ros.Stack(newApp(), 'S');
  const group = new AppConsistentSnapshot(stack, 'Db', { ...LINUX, ...props });
  return { group, t: templateOf(stack) };
}

describe('AppConsistentSnapshot', () => {
  test('Linux: role, attachment, script deployment and automation, wired together', () => {
    const { t, group } = synth();
    expect(Object.keys(t.Resources).sort().map((id) => id.replace(/[0-9A-F]{8}$/, '*'))).toEqual([
      'DbAutomationInstanceTemplate*', 'DbAutomationTemplate*', 'DbExecutionRoleRole', 'DbRole', 'DbRoleAttachmentAttachment', 'DbScriptsInstallScripts',
    ]);
    const [roleId, role] = ['DbRole', t.Resources.DbRole];
    expect(role.Properties.RoleName).toBe('AppSnapshot-db');
    const attachment = onlyResource(t, 'ALIYUN::ECS::RamRoleAttachment');
    expect(attachment.Properties.RamRoleName).toBe('AppSnapshot-db');
    expect(attachment.DependsOn).toEqual([roleId]);
    expect(attachment.Properties.InstanceIds).toEqual(instanceIds(2));
    const { parent, instance, task } = automationOf(t);
    expect(parent.resource.Properties.TemplateName).toBe('AppConsistentSnapshot-db');
    expect(instance.resource.Properties.TemplateName).toBe('AppConsistentSnapshot-db-Instance');
    expect(parent.content.Parameters.ramRoleName.Default).toBe('AppSnapshot-db');
    // The automation verifies exactly the scripts the deployment installs.
    expect(task('runSnapshot').Properties.commandContent).toContain(group.scriptDeployment!.checksums.prescript);
  });

  test('renaming the templates gives new template resources (ROS cannot rename one) and new executions; every other resource keeps its id and properties', () => {
    // GIVEN a group with every kind of OOS template (schedule, retention, enrollment of tagged instances, a scheduled restore drill)
    const full: Partial<AppConsistentSnapshotProps> = {
      instanceIds: undefined, targetTags: { tier: 'db' }, retention: { keepLast: 3 }, schedule: Schedule.cron('0 0 2 ? * *'),
      restoreTest: { scratchInstanceId: 'i-scratch0000001', check: RestoreCheck.mysql(), schedule: Schedule.cron('0 0 4 ? * SUN') },
    };
    // WHEN it is synthesized, renamed, and synthesized again
    const before = synth({ ...full, templateName: 'Snapshots-db' }).t;
    const after = synth({ ...full, templateName: 'Backups-db' }).t;
    const again = synth({ ...full, templateName: 'Snapshots-db' }).t;
    // THEN the same name gives the same ids
    expect(Object.keys(again.Resources)).toEqual(Object.keys(before.Resources));
    const renamed = (t: typeof before) => Object.keys(t.Resources)
      .filter((id) => ['ALIYUN::OOS::Template', 'ALIYUN::OOS::Execution'].includes(t.Resources[id].Type));
    // every template and every execution gets a new logical id...
    expect(renamed(before)).toHaveLength(14);
    for (const id of renamed(before)) expect(after.Resources[id]).toBeUndefined();
    expect(renamed(after).map((id) => after.Resources[id].Properties.TemplateName).sort()).toEqual([
      'Backups-db', 'Backups-db-Enroll', 'Backups-db-Enroll', 'Backups-db-EnrollInstance', 'Backups-db-Instance',
      'Backups-db-RestoreTest', 'Backups-db-RestoreTestCleanup', 'Backups-db-RestoreTestRun', 'Backups-db-RestoreTestSchedule', 'Backups-db-RestoreTestSchedule',
      'Backups-db-Retention', 'Backups-db-RetentionInstance', 'Backups-db-Schedule', 'Backups-db-Schedule',
    ]);
    // ...the ids differ only by the fingerprint of the name...
    const strip = (ids: string[]) => ids.map((id) => id.replace(/[0-9A-F]{8}$/, '')).sort();
    expect(strip(renamed(after))).toEqual(strip(renamed(before)));
    // ...and nothing else changes: same ids, same properties.
    const others = (t: typeof before) => Object.fromEntries(Object.entries(t.Resources).filter(([id]) => !renamed(t).includes(id)));
    expect(JSON.stringify(others(after)).replace(/Backups-db/g, 'Snapshots-db')).toBe(JSON.stringify(others(before)));
    expect(Object.keys(others(after))).toEqual(Object.keys(others(before)));
  });

  test('an existing role: the policy is attached to it, no role is created, the attachment can be turned off', () => {
    const { t } = synth({ existingRoleName: 'CorpRole', attachRole: false });
    expect(resourcesOfType(t, 'ALIYUN::RAM::Role').map(([id]) => id)).toEqual(['DbExecutionRoleRole']);
    expect(resourcesOfType(t, 'ALIYUN::ECS::RamRoleAttachment')).toHaveLength(0);
    expect(onlyResource(t, 'ALIYUN::RAM::ManagedPolicy').Properties.Roles).toEqual(['CorpRole']);
    expect(automationOf(t).parent.content.Parameters.ramRoleName.Default).toBe('CorpRole');
  });

  test('Windows: no script deployment, PowerShell automation', () => {
    const { t } = synth({ os: OperatingSystem.WINDOWS });
    expect(resourcesOfType(t, 'ALIYUN::ECS::RunCommand')).toHaveLength(0);
    const { task } = automationOf(t);
    expect(task('runSnapshot').Properties.commandType).toBe('RunPowerShellScript');
    expect(task('checkVerdict').Properties.commandType).toBe('RunPowerShellScript');
  });

  test('names the role and template after custom values', () => {
    const { t } = synth({ roleName: 'DbSnapRole', templateName: 'db-snapshots', executionRoleName: 'DbOosRole' });
    expect(t.Resources.DbRole.Properties.RoleName).toBe('DbSnapRole');
    expect(t.Resources.DbExecutionRoleRole.Properties.RoleName).toBe('DbOosRole');
    const { parent, instance } = automationOf(t);
    expect(parent.content.Parameters.OOSAssumeRole.Default).toBe('DbOosRole');
    expect(parent.resource.Properties.TemplateName).toBe('db-snapshots');
    expect(instance.resource.Properties.TemplateName).toBe('db-snapshots-Instance');
    expect(parent.content.Parameters.instanceTemplateName.Default).toBe('db-snapshots-Instance');
  });

  test('OOS executions assume a role of their own, trusted only by OOS, allowed exactly the calls of both templates', () => {
    const { t, group } = synth();
    const role = t.Resources.DbExecutionRoleRole;
    expect(role.Properties.RoleName).toBe('AppSnapshotOos-db');
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: ['oos.aliyuncs.com'] } }]);
    const actions = role.Properties.Policies[0].PolicyDocument.Statement[0].Action;
    expect(actions).toEqual(requiredActions(group.automation.document, { '{{ instanceTemplateName }}': group.automation.instanceDocument }));
    expect(actions).toEqual(group.automation.requiredActions);
    expect(actions).toEqual([
      'ecs:DescribeCloudAssistantStatus', 'ecs:DescribeDisks', 'ecs:DescribeInstanceRamRole', 'ecs:DescribeInstances',
      'ecs:DescribeInvocationResults', 'ecs:DescribeInvocations', 'ecs:DescribeSnapshotGroups', 'ecs:DescribeSnapshots', 'ecs:RunCommand',
      'ecs:TagResources',
    ]);
    expect(actions.some((a: string) => a.includes('*'))).toBe(false);
    const { parent, instance } = automationOf(t);
    for (const doc of [parent.content, instance.content]) {
      expect(doc.Parameters.OOSAssumeRole.Default).toBe('AppSnapshotOos-db');
      expect(doc.RamRole).toBe('{{ OOSAssumeRole }}');
    }
    // The per-instance execution assumes the role the automation's execution was given.
    expect(loopTaskOf(parent.content).Properties.Parameters.OOSAssumeRole).toBe('{{ OOSAssumeRole }}');
  });

  test('without an execution role, executions run as their caller', () => {
    const { t } = synth({ createExecutionRole: false });
    expect(t.Resources.DbExecutionRoleRole).toBeUndefined();
    expect(automationOf(t).parent.content.Parameters.OOSAssumeRole.Default).toBe('');
  });

  test.each<[string, Partial<AppConsistentSnapshotProps>, RegExp]>([
    ['scripts on Windows', { os: OperatingSystem.WINDOWS, scripts: QuiesceScripts.generic() }, /`scripts` apply to Linux only/],
    ['an unknown OS', { os: 'Solaris' as OperatingSystem }, /`os` must be one of Linux, Windows, got "Solaris"/],
    ['both a role name and an existing role', { roleName: 'A', existingRoleName: 'B' }, /`roleName` must not be set together with existingRoleName/],
    ['a bad group name', { groupName: '9db' }, /`groupName` must be a letter followed by/],
    ['a template name leaving no room for -Instance', { templateName: 'x'.repeat(192) }, /`templateName` must be at most 191 characters \(the per-instance template is named after it with `-Instance`/],
    ['a bad execution role name', { executionRoleName: 'oos role' }, /`executionRoleName` must be 1 to 64 characters.*got "oos role"/],
  ])('refuses %s', (_, props, error) => {
    expect(() => synth(props)).toThrow(error);
  });
});
