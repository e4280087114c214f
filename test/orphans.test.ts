import * as ros from '@alicloud/ros-cdk-core';
import { AppConsistentSnapshot, AppConsistentSnapshotProps } from '../lib/app-consistent-snapshot';
import { executionActions } from '../lib/execution-role';
import { lintTemplateObject } from '../lib/oos/lint';
import { ORPHAN_INSTANCE_TASKS, ORPHAN_SCAN_PAGES, SnapshotOrphans, SnapshotOrphansProps, buildOrphanDocuments, orphanPageTasks, validateSnapshotOrphansProps } from '../lib/orphans';
import { OperatingSystem } from '../lib/plugin/parameters';
import { Schedule } from '../lib/schedule';
import { SCHEDULE_TASKS } from '../lib/snapshot-schedule';
import { instanceIds, newApp, templateNamed, templateOf } from './helpers';

const BASE: SnapshotOrphansProps = { automationTemplateName: 'AppConsistentSnapshot-db', groupName: 'db', orphanRetentionDays: 30 };

function synth(props: Partial<SnapshotOrphansProps> = {}) {
  const stack = new ros.Stack(newApp(), 'prod');
  const orphans = new SnapshotOrphans(stack, 'Orphans', { ...BASE, ...props });
  const t = templateOf(stack);
  return { orphans, parent: JSON.parse(templateNamed(t, orphans.templateName).resource.Properties.Content), instance: JSON.parse(templateNamed(t, orphans.instanceTemplateName).resource.Properties.Content) };
}

describe('SnapshotOrphans', () => {
  test('the parent reads up to five pages, each: list, guard, ask which instances exist, guard, clean up, next page', () => {
    const { orphans, parent } = synth();
    expect([orphans.templateName, orphans.instanceTemplateName]).toEqual(['AppConsistentSnapshot-db-Orphans', 'AppConsistentSnapshot-db-OrphanInstance']);
    const names = parent.Tasks.map((t: { Name: string }) => t.Name);
    const expected = Array.from({ length: ORPHAN_SCAN_PAGES }, (_, i) => {
      const p = orphanPageTasks(i + 1);
      return [p.list, p.anyCandidate, p.check, p.anyGone, p.clean, ...(i + 1 < ORPHAN_SCAN_PAGES ? [p.next] : [])];
    }).flat();
    expect(names).toEqual(expected);
    const [list1, , check1] = parent.Tasks;
    expect(list1.Properties.Parameters).toEqual({ RegionId: '{{ regionId }}', Status: ['accomplished'], MaxResults: 100 });
    expect(parent.Tasks[6].Properties.Parameters.NextToken).toBe('{{ listGroups1.nextToken }}');
    expect(check1.Properties).toMatchObject({ API: 'DescribeInstances', Parameters: { InstanceIds: '{{ listGroups1.candidates }}', MaxResults: 100 }, DesiredValues: ['one page'] });
    expect(parent.Parameters.orphanRetentionDays).toMatchObject({ Default: 30, MinValue: 1, MaxValue: 36500 });
  });

  test('the per-instance template asks again that the instance is gone, then selects and deletes through the lock check', () => {
    const { instance } = synth();
    const T = ORPHAN_INSTANCE_TASKS;
    expect(instance.Tasks.map((t: { Name: string }) => t.Name)).toEqual([T.gone, T.select, T.anyCandidate, T.checkLocks, T.anyToDelete, T.delete]);
    expect(instance.Tasks[0].Properties).toMatchObject({ API: 'DescribeInstances', Parameters: { InstanceIds: ['{{ instanceId }}'] }, DesiredValues: ['gone'] });
    expect(instance.Tasks[3].Properties.API).toBe('DescribeLockedSnapshots');
  });

  test('pass the checker in strict mode', () => {
    const stack = new ros.Stack(newApp(), 'S');
    for (const [name, doc] of Object.entries(buildOrphanDocuments(validateSnapshotOrphansProps(stack, BASE)))) {
      expect(lintTemplateObject(doc, { name, strict: true })).toMatchObject({ errorCount: 0, warningCount: 0 });
    }
  });

  test('the execution needs the listing, the instance reads, the lock check and the deletion', () => {
    const { orphans } = synth();
    expect(orphans.requiredActions).toEqual(['ecs:DeleteSnapshotGroup', 'ecs:DescribeInstances', 'ecs:DescribeLockedSnapshots', 'ecs:DescribeSnapshotGroups']);
    expect(executionActions([orphans.executedTemplate])).toEqual(orphans.requiredActions);
  });
});

describe('orphans in the composition (retention.deleteOrphans)', () => {
  const group = (props: Partial<AppConsistentSnapshotProps> = {}) => {
    const stack = new ros.Stack(newApp(), 'S');
    return new AppConsistentSnapshot(stack, 'Db', { groupName: 'db', os: OperatingSystem.LINUX, instanceIds: instanceIds(1), ...props });
  };

  test('off by default: no orphan templates', () => {
    expect(group({ retention: { keepLast: 3 } }).orphans).toBeUndefined();
  });

  test('orphanRetentionDays defaults to maxAgeDays, else 30; the scheduled run cleans them up after the retention', () => {
    const days = (retention: AppConsistentSnapshotProps['retention']) => group({ retention }).orphans!.document.Parameters.orphanRetentionDays.Default;
    expect(days({ keepLast: 3, deleteOrphans: true })).toBe(30);
    expect(days({ maxAgeDays: 14, deleteOrphans: true })).toBe(14);
    expect(days({ maxAgeDays: 14, deleteOrphans: true, orphanRetentionDays: 60 })).toBe(60);
    const g = group({ retention: { keepLast: 3, maxDeletesPerRun: 5, dryRun: true, deleteOrphans: true }, schedule: Schedule.cron('0 0 2 ? * *') });
    expect(g.schedule!.document.Tasks.map((t) => t.Name)).toEqual(['timerTrigger', SCHEDULE_TASKS.snapshot, SCHEDULE_TASKS.retention, SCHEDULE_TASKS.orphans]);
    expect(g.orphans!.document.Parameters.maxDeletesPerRun.Default).toBe(5);
    expect(g.orphans!.document.Parameters.dryRun.Default).toBe('true');
    expect(g.executionRole!.actions).toEqual(expect.arrayContaining(['ecs:DescribeLockedSnapshots', 'ecs:DeleteSnapshotGroup']));
  });

  test.each<[string, Record<string, unknown>, RegExp]>([
    ['orphanRetentionDays without deleteOrphans', { keepLast: 3, orphanRetentionDays: 30 }, /`retention.orphanRetentionDays` applies with deleteOrphans: true/],
    ['orphanRetentionDays 0', { keepLast: 3, deleteOrphans: true, orphanRetentionDays: 0 }, /`retention.orphanRetentionDays` must be an integer from 1 to 36500, got 0/],
    ['deleteOrphans not a boolean', { keepLast: 3, deleteOrphans: 'yes' }, /`retention.deleteOrphans` must be true or false, got "yes"/],
  ])('%s is refused, naming the field', (_name, retention, error) => {
    expect(() => group({ retention: retention as never })).toThrow(error);
  });
});
