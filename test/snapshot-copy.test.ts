import * as ros from '@alicloud/ros-cdk-core';
import { AppConsistentSnapshot, AppConsistentSnapshotProps } from '../lib/app-consistent-snapshot';
import { executionActions } from '../lib/execution-role';
import { lintTemplateObject } from '../lib/oos/lint';
import { OperatingSystem } from '../lib/plugin/parameters';
import { policyStatements } from '../lib/policy-scope';
import { Schedule } from '../lib/schedule';
import { COPY_JOB_TASKS, COPY_TASKS, SnapshotCopy, SnapshotCopyProps, buildCopyDocuments, validateSnapshotCopyProps } from '../lib/snapshot-copy';
import { SCHEDULE_TASKS } from '../lib/snapshot-schedule';
import { instanceIds, newApp, templateNamed, templateOf } from './helpers';

const BASE: SnapshotCopyProps = { automationTemplateName: 'AppConsistentSnapshot-db', instanceIds: instanceIds(2), groupName: 'db', regions: ['cn-shanghai'], retentionDays: 30 };

function synth(props: Partial<SnapshotCopyProps> = {}) {
  const stack = new ros.Stack(newApp(), 'prod');
  const copy = new SnapshotCopy(stack, 'Copy', { ...BASE, ...props });
  const t = templateOf(stack);
  const content = (name: string) => JSON.parse(templateNamed(t, name).resource.Properties.Content);
  return { copy, t, parent: content(copy.templateName), instance: content(copy.instanceTemplateName), job: content(copy.jobTemplateName) };
}

describe('SnapshotCopy', () => {
  test('three templates, each created after the one it runs, named after the automation', () => {
    const { copy, t } = synth();
    expect([copy.templateName, copy.instanceTemplateName, copy.jobTemplateName]).toEqual(['AppConsistentSnapshot-db-Copy', 'AppConsistentSnapshot-db-CopyInstance', 'AppConsistentSnapshot-db-CopyJob']);
    expect(t.Resources[copy.instanceTemplate.logicalId].DependsOn).toEqual([copy.jobTemplate.logicalId]);
    expect(t.Resources[copy.template.logicalId].DependsOn).toEqual([copy.instanceTemplate.logicalId]);
  });

  test('the options are the parameters\' defaults: the regions with their keys, the retention, the bound; the instances one at a time', () => {
    const { parent } = synth({ regions: ['cn-shanghai', 'eu-central-1'], kmsKeyIds: { 'eu-central-1': 'key-fra01' }, retentionDays: 365, maxInFlight: 8, requireVerified: true });
    expect(parent.Parameters.copyTargets.Default).toEqual([{ RegionId: 'cn-shanghai', KmsKeyId: '' }, { RegionId: 'eu-central-1', KmsKeyId: 'key-fra01' }]);
    expect(parent.Parameters.copyRetentionDays).toMatchObject({ Type: 'Number', Default: 365, MinValue: 1, MaxValue: 65536 });
    expect(parent.Parameters.maxInFlight).toMatchObject({ Default: 8, MinValue: 1, MaxValue: 20 });
    expect(parent.Parameters.requireVerified.Default).toBe('true');
    expect(parent.Parameters.rateControl.Default).toEqual({ Mode: 'Concurrency', MaxErrors: 0, Concurrency: 1 });
  });

  test('per instance: the selection (one page), a guard, the copy jobs at most maxInFlight at once tolerating failures, the report of the failed ones', () => {
    const { instance } = synth();
    expect(instance.Tasks.map((x: { Name: string; Action: string }) => `${x.Name} ${x.Action}`)).toEqual([
      `${COPY_TASKS.select} ACS::CheckFor`, `${COPY_TASKS.anyToCopy} ACS::Choice`, `${COPY_TASKS.copy} ACS::Template`, `${COPY_TASKS.report} ACS::ExecuteAPI`,
    ]);
    const loop = instance.Tasks[2];
    expect(loop.Loop.RateControl).toEqual({ Mode: 'Concurrency', MaxErrors: 1000, Concurrency: '{{ maxInFlight }}' });
    expect(loop.OnError).toBe(COPY_TASKS.report);
    expect(instance.Tasks[3].Properties).toEqual({ Service: 'OOS', API: 'ListExecutions', Parameters: { ParentExecutionId: '{{ ACS::ExecutionId }}', Status: 'Failed' } });
  });

  test('the job: find an earlier copy, else copy (encrypted or not) with the tags and retention, and wait for it in the target region', () => {
    const { job } = synth();
    const J = COPY_JOB_TASKS;
    expect(job.Tasks.map((x: { Name: string }) => x.Name)).toEqual([J.find, J.anyCopy, J.encrypted, J.copyEncrypted, J.waitEncrypted, J.copy, J.wait]);
    const [find, , , encrypted, waitEncrypted, plain, wait] = job.Tasks;
    expect(find.Properties.Parameters).toEqual({ RegionId: '{{ destinationRegionId }}', Tag: [{ Key: 'app-snapshot:source-group', Value: '{{ snapshotGroupId }}' }], MaxResults: 100 });
    expect(encrypted.Properties.Parameters).toMatchObject({ Encrypted: true, KMSKeyId: '{{ kmsKeyId }}', RetentionDays: '{{ copyRetentionDays }}', DestinationRegionId: '{{ destinationRegionId }}' });
    expect(plain.Properties.Parameters.Encrypted).toBeUndefined();
    expect(plain.Properties.Parameters.Tag).toEqual([
      { Key: 'app-snapshot:posture', Value: '{{ postureName }}' }, { Key: 'app-snapshot:group', Value: '{{ groupName }}' }, { Key: 'app-snapshot:source-group', Value: '{{ snapshotGroupId }}' },
    ]);
    for (const w of [waitEncrypted, wait]) {
      expect(w).toMatchObject({ Action: 'ACS::WaitFor', Retries: 296, MaxRetryInterval: 300, Properties: { API: 'DescribeSnapshots', DesiredValues: ['accomplished'], StopRetryValues: ['failed'] } });
      expect(w.Properties.Parameters.RegionId).toBe('{{ destinationRegionId }}');
    }
    expect(waitEncrypted.OnSuccess).toBe('ACS::END');
  });

  test('pass the checker in strict mode, by ids and by tags', () => {
    for (const props of [{}, { instanceIds: undefined, targetTags: { tier: 'db' } }, { kmsKeyIds: { 'cn-shanghai': 'key-sh01' }, requireVerified: true }]) {
      const stack = new ros.Stack(newApp(), 'S');
      const docs = buildCopyDocuments(validateSnapshotCopyProps(stack, { ...BASE, ...props }));
      for (const [name, doc] of Object.entries(docs)) {
        expect(lintTemplateObject(doc, { name, strict: true })).toMatchObject({ errorCount: 0, warningCount: 0 });
      }
    }
  });

  test('the execution needs exactly the listing, the copy, the reads in the target region and the listing of its own failed jobs', () => {
    const { copy } = synth();
    expect(copy.requiredActions).toEqual(['ecs:CopySnapshot', 'ecs:DescribeSnapshotGroups', 'ecs:DescribeSnapshots', 'oos:ListExecutions']);
    expect(executionActions([copy.executedTemplate])).toEqual(copy.requiredActions);
    // Scoped: CopySnapshot is authorized on the source snapshot (acs:ecs:<region>:<account>:snapshot/<id>), a write of the source region.
    const statements = policyStatements(copy.requiredActions, { accountId: '1234567890123456', regionId: 'cn-hangzhou' });
    expect(statements).toEqual([
      { effect: 'Allow', action: ['ecs:DescribeSnapshotGroups', 'ecs:DescribeSnapshots', 'oos:ListExecutions'], resource: ['*'] },
      { effect: 'Allow', action: ['ecs:CopySnapshot'], resource: ['acs:ecs:cn-hangzhou:1234567890123456:*'] },
    ]);
  });
});

describe('copy in the composition', () => {
  const group = (props: Partial<AppConsistentSnapshotProps> = {}) => {
    const stack = new ros.Stack(newApp(), 'S');
    return new AppConsistentSnapshot(stack, 'Db', { groupName: 'db', os: OperatingSystem.LINUX, instanceIds: instanceIds(1), copy: { regions: ['cn-shanghai'], retentionDays: 30 }, ...props });
  };

  test('the scheduled run copies after the snapshots (and the retention); the execution role allows the copy', () => {
    const g = group({ schedule: Schedule.cron('0 0 2 ? * *'), retention: { keepLast: 3 } });
    expect(g.schedule!.document.Tasks.map((t) => t.Name)).toEqual(['timerTrigger', SCHEDULE_TASKS.snapshot, SCHEDULE_TASKS.retention, SCHEDULE_TASKS.copy]);
    expect(g.executionRole!.actions).toContain('ecs:CopySnapshot');
    expect(g.schedule!.document.Parameters.copyTemplateName.Default).toBe('AppConsistentSnapshot-db-Copy');
  });

  test.each<[string, Record<string, unknown>, RegExp]>([
    ['no region', { regions: [], retentionDays: 30 }, /`copy.regions` must list 1 to 10 region ids to copy to, got \[\]/],
    ['eleven regions', { regions: Array.from({ length: 11 }, (_, i) => `cn-region${i}`), retentionDays: 30 }, /`copy.regions` must list 1 to 10/],
    ['a bad region', { regions: ['Shanghai'], retentionDays: 30 }, /`copy.regions\[0\]` must be a region id such as cn-shanghai, got "Shanghai"/],
    ['a region twice', { regions: ['cn-shanghai', 'cn-shanghai'], retentionDays: 30 }, /`copy.regions\[1\]` must not repeat copy.regions\[0\]/],
    ['no retention', { regions: ['cn-shanghai'] }, /`copy.retentionDays` is required: the days ECS keeps each copy/],
    ['retention beyond ECS', { regions: ['cn-shanghai'], retentionDays: 65537 }, /`copy.retentionDays` must be an integer from 1 to 65536, got 65537/],
    ['a key for another region', { regions: ['cn-shanghai'], retentionDays: 30, kmsKeyIds: { 'cn-beijing': 'key-1' } }, /`copy.kmsKeyIds.cn-beijing` must name one of the regions copied to \(cn-shanghai\)/],
    ['a key with a quote', { regions: ['cn-shanghai'], retentionDays: 30, kmsKeyIds: { 'cn-shanghai': 'key"1' } }, /`copy.kmsKeyIds.cn-shanghai` must be a KMS key id/],
    ['maxInFlight 0', { regions: ['cn-shanghai'], retentionDays: 30, maxInFlight: 0 }, /`copy.maxInFlight` must be an integer from 1 to 20, got 0/],
    ['an unknown key', { regions: ['cn-shanghai'], retentionDays: 30, destination: 'x' }, /`copy.destination` is not a copy option/],
    ['requireVerified not a boolean', { regions: ['cn-shanghai'], retentionDays: 30, requireVerified: 'yes' }, /`copy.requireVerified` must be true or false/],
  ])('%s is refused, naming the field', (_name, copy, error) => {
    expect(() => group({ copy: copy as never })).toThrow(error);
  });

  test('a template name that leaves no room for the copy templates is refused', () => {
    expect(() => group({ templateName: 'T'.repeat(190) })).toThrow(/`templateName` must be at most 187 characters \(the copy templates are named after it/);
  });
});
