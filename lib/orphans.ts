import * as ros from '@alicloud/ros-cdk-core';
import { OosTemplateDocument } from './instance-template';
import { OOS_FORMAT_VERSION } from './oos/limits';
import { OOS_TEMPLATE_NAME_PATTERN } from './oos/template';
import { INSTANCE_ID_PATTERN, RAM_ROLE_NAME_PATTERN } from './plugin/parameters';
import {
  AGE_CUTOFF_FORMAT,
  AGE_CUTOFF_PATTERN,
  CREATION_KEY,
  OUR_GROUP_FILTER,
  READABLE_CREATION_TIME_FILTER,
  RETENTION_LIMITS,
  SNAPSHOT_GROUPS_PAGE_SIZE,
} from './retention';
import { PerInstanceTemplatePair, checkSnapshotTagValue, checkTemplateNameRoom, snapshotTagParameters } from './snapshot-automation';
import { LockCheckedDeletionNames, lockCheckSelectOutputs, lockCheckedDeletionTasks, lockCheckedResult } from './snapshot-lock';
import { ValidationError, checkIntegerRange, checkPattern, isResolved } from './validation';

/**
 * The clean-up of orphans: snapshot groups of this posture and group whose instance no longer
 * exists. A deleted instance leaves its snapshot groups behind (ECS keeps them) and, being gone,
 * is no longer among the group's instances, so the retention, which works per instance, never
 * looks at them again.
 *
 * The parent template reads the region's accomplished snapshot groups a page of 100 at a time (at
 * most {@link ORPHAN_SCAN_PAGES} pages per run), takes the instances named by the groups of this
 * posture and group (every snapshot tagged with exactly its names: never another posture's), and
 * asks DescribeInstances about them, by id. An instance is gone only when that call succeeds, is
 * complete (one page) and does not list it; the per-instance template asks again before it
 * deletes anything. Any other answer (an error, more than one page) stops the run and deletes
 * nothing. A group is deleted once it is `orphanRetentionDays` old (ECS does not say when an
 * instance was deleted; a group's age is what can be read), oldest first, at most
 * `maxDeletesPerRun` per instance and run, never a locked one (lib/snapshot-lock.ts); a dry run
 * lists them. See docs/lock-and-copy.md.
 */

/** How many pages of 100 snapshot groups one run reads at most. */
export const ORPHAN_SCAN_PAGES = 5;

/** What the orphan templates' names add to the automation's template name. */
export const ORPHANS_TEMPLATE_SUFFIX = '-Orphans';
export const ORPHAN_INSTANCE_TEMPLATE_SUFFIX = '-OrphanInstance';

/** The orphan templates' names, from the automation's. */
export function orphanTemplateNames(automationTemplateName: string): { templateName: string; instanceTemplateName: string } {
  const named = (suffix: string) => (isResolved(automationTemplateName) ? `${automationTemplateName}${suffix}` : ros.Fn.join('', [automationTemplateName, suffix]));
  return { templateName: named(ORPHANS_TEMPLATE_SUFFIX), instanceTemplateName: named(ORPHAN_INSTANCE_TEMPLATE_SUFFIX) };
}

/** Task names of the per-instance orphan template. */
export const ORPHAN_INSTANCE_TASKS = {
  gone: 'checkInstanceGone',
  select: 'selectOrphanGroups',
  anyCandidate: 'whetherAnyOldEnough',
  checkLocks: 'checkLocks',
  anyToDelete: 'whetherAnyToDelete',
  delete: 'deleteOrphanGroups',
} as const satisfies LockCheckedDeletionNames & Record<string, string>;

/** Task names of the parent's page `n` (1-based). */
export function orphanPageTasks(n: number) {
  return {
    list: `listGroups${n}`,
    anyCandidate: `whetherAnyInstance${n}`,
    check: `checkInstances${n}`,
    anyGone: `whetherAnyGone${n}`,
    clean: `cleanOrphans${n}`,
    next: `whetherMorePages${n}`,
  };
}

const ref = (name: string) => `{{ ${name} }}`;

/** jq over DescribeSnapshotGroups (the region's): the instances named by this posture's and group's groups. */
export const ORPHAN_CANDIDATES_SELECTOR = `[.SnapshotGroups.SnapshotGroup[]? | ${OUR_GROUP_FILTER} | .InstanceId | select(. != null and . != "")] | sort | group_by(.) | map(.[0])[]`;

/** jq: the NextToken, or empty on the last page. */
const NEXT_TOKEN_SELECTOR = 'if .NextToken == null then "" else .NextToken end';

/** jq over DescribeInstances of the candidates: `one page`, or why the run stops. */
export const ORPHAN_INSTANCES_PAGE_SELECTOR = 'if .NextToken == null or .NextToken == "" then "one page" else "DescribeInstances answered more than one page for at most 100 instance ids: no instance is taken as gone" end';

/** jq over DescribeInstances of page `n`'s candidates: those it does not list, which no longer exist. */
function goneSelector(n: number): string {
  return `[.Instances.Instance[]?.InstanceId] as $found | ${ref(`${orphanPageTasks(n).list}.candidates`)}[] | select(. as $id | ([$found[] | select(. == $id)] | length) == 0)`;
}

/**
 * The jq program over DescribeSnapshotGroups of one gone instance that selects its groups to
 * delete: ours, accomplished, with a readable CreationTime before the cut-off minute (older than
 * orphanRetentionDays), oldest first, at most maxDeletesPerRun; `{delete, kept}`.
 */
export const ORPHAN_SELECTION = [
  `[.SnapshotGroups.SnapshotGroup[]? | select(.InstanceId == "${ref('instanceId')}")`,
  `  | ${OUR_GROUP_FILTER}] as $ours`,
  `| [$ours[] | select(.Status == "accomplished") | ${READABLE_CREATION_TIME_FILTER} | ${CREATION_KEY}] | sort as $c`,
  `| [$c[] | select(.[2] < "${ref('orphanCutoff')}")] as $old`,
  `| [range(0; $old | length; 1) as $i | select($i < ${ref('maxDeletesPerRun')}) | $old[$i][1]] as $delete`,
  '| {delete: $delete, kept: [$ours[].SnapshotGroupId | select(. as $id | ([$delete[] | select(. == $id)] | length) == 0)]}',
].join('\n');

/** "Now minus orphanRetentionDays days" as a UTC minute (as the retention computes its cut-off). */
const ORPHAN_CUTOFF = {
  'Fn::FormatUTCTime': [
    { 'Fn::AddHour': ['{{ ACS::CurrentUTCTime }}', { 'Fn::Eval': ['-{{ orphanRetentionDays }}*24'] }] },
    AGE_CUTOFF_FORMAT,
  ],
};

/** Everything the orphan templates are built from. */
export interface OrphanTemplateSpec {
  readonly description: string;
  readonly postureName: string;
  readonly groupName: string;
  readonly orphanRetentionDays: number;
  readonly maxDeletesPerRun: number;
  /** `true` / `false`. */
  readonly dryRun: string;
  readonly concurrency: number;
  readonly maxErrors: number;
  readonly instanceTemplateName: string;
  readonly oosAssumeRole: string;
}

function orphanParameters(spec: OrphanTemplateSpec, scope: 'parent' | 'instance'): Record<string, Record<string, unknown>> {
  const parent = scope === 'parent';
  const def = (value: unknown) => (parent ? { Default: value } : {});
  return {
    regionId: { Type: 'String', Label: { en: 'Region' }, AssociationProperty: 'RegionId', Default: '{{ ACS::RegionId }}' },
    ...(parent ? {} : { instanceId: { Type: 'String', Label: { en: 'Instance (deleted)' }, AllowedPattern: INSTANCE_ID_PATTERN } }),
    ...snapshotTagParameters(spec, parent),
    ...(parent
      ? {
          orphanRetentionDays: {
            Type: 'Number', Label: { en: 'Delete orphans older than (days)' }, Description: { en: 'A group of an instance that no longer exists is deleted once this many days old' },
            MinValue: RETENTION_LIMITS.orphanRetentionDays.min, MaxValue: RETENTION_LIMITS.orphanRetentionDays.max, Default: spec.orphanRetentionDays,
          },
        }
      : {
          orphanCutoff: {
            Type: 'String', Label: { en: 'Cut-off (UTC minute)' }, Description: { en: 'Groups created before this minute are old enough to delete' }, AllowedPattern: AGE_CUTOFF_PATTERN,
          },
        }),
    maxDeletesPerRun: {
      Type: 'Number', Label: { en: 'Most deletions per run' }, Description: { en: 'Delete at most this many groups of each deleted instance per run, oldest first' },
      MinValue: RETENTION_LIMITS.maxDeletesPerRun.min, MaxValue: RETENTION_LIMITS.maxDeletesPerRun.max, ...def(spec.maxDeletesPerRun),
    },
    dryRun: { Type: 'String', Label: { en: 'Dry run (list, delete nothing)' }, AllowedValues: ['true', 'false'], ...def(spec.dryRun) },
    ...(parent
      ? {
          rateControl: { Type: 'Json', Label: { en: 'Rate control' }, AssociationProperty: 'RateControl', Default: { Mode: 'Concurrency', MaxErrors: spec.maxErrors, Concurrency: spec.concurrency } },
          instanceTemplateName: { Type: 'String', Label: { en: 'Per-instance template' }, AllowedPattern: OOS_TEMPLATE_NAME_PATTERN, Default: spec.instanceTemplateName },
        }
      : {}),
    OOSAssumeRole: { Type: 'String', Label: { en: 'RAM role OOS assumes' }, Default: spec.oosAssumeRole },
  };
}

/** The tasks of the parent's page `n`: list, take the candidates, ask which are gone, clean those up, go on. */
function pageTasks(n: number): Array<Record<string, unknown>> {
  const P = orphanPageTasks(n);
  const last = n === ORPHAN_SCAN_PAGES;
  const next = last ? 'ACS::END' : P.next;
  const previous = n > 1 ? orphanPageTasks(n - 1) : undefined;
  return [
    {
      Name: P.list,
      Action: 'ACS::ExecuteAPI',
      Description: { en: `Reads page ${n} of the region's accomplished snapshot groups and takes the instances this posture's and group's groups name` },
      Properties: {
        Service: 'ECS',
        API: 'DescribeSnapshotGroups',
        Parameters: { RegionId: ref('regionId'), Status: ['accomplished'], MaxResults: SNAPSHOT_GROUPS_PAGE_SIZE, ...(previous ? { NextToken: ref(`${previous.list}.nextToken`) } : {}) },
      },
      Outputs: { candidates: { Type: 'List', ValueSelector: ORPHAN_CANDIDATES_SELECTOR }, nextToken: { Type: 'String', ValueSelector: NEXT_TOKEN_SELECTOR } },
    },
    {
      Name: P.anyCandidate,
      Action: 'ACS::Choice',
      Description: { en: 'Goes on to the next page when this one names no instance of this posture and group' },
      Properties: { DefaultTask: P.check, Choices: [{ When: { 'Fn::Equals': [[], ref(`${P.list}.candidates`)] }, NextTask: next }] },
    },
    {
      Name: P.check,
      Action: 'ACS::CheckFor',
      Description: { en: 'Asks ECS which of those instances exist (one complete page, else nothing is taken as gone)' },
      Properties: {
        Service: 'ECS',
        API: 'DescribeInstances',
        Parameters: { RegionId: ref('regionId'), InstanceIds: ref(`${P.list}.candidates`), MaxResults: 100 },
        PropertySelector: ORPHAN_INSTANCES_PAGE_SELECTOR,
        DesiredValues: ['one page'],
      },
      Outputs: { goneIds: { Type: 'List', ValueSelector: goneSelector(n) } },
    },
    {
      Name: P.anyGone,
      Action: 'ACS::Choice',
      Description: { en: 'Goes on to the next page when every instance named still exists' },
      Properties: { DefaultTask: P.clean, Choices: [{ When: { 'Fn::Equals': [[], ref(`${P.check}.goneIds`)] }, NextTask: next }] },
    },
    {
      Name: P.clean,
      Action: 'ACS::Template',
      Description: { en: 'Deletes the old enough, unlocked groups of each instance that no longer exists' },
      ...(last ? {} : { OnSuccess: P.next }),
      Properties: {
        TemplateName: ref('instanceTemplateName'),
        Parameters: {
          regionId: ref('regionId'),
          instanceId: ref('ACS::TaskLoopItem'),
          postureName: ref('postureName'),
          groupName: ref('groupName'),
          orphanCutoff: ORPHAN_CUTOFF,
          maxDeletesPerRun: ref('maxDeletesPerRun'),
          dryRun: ref('dryRun'),
          OOSAssumeRole: ref('OOSAssumeRole'),
        },
      },
      Loop: { Items: ref(`${P.check}.goneIds`), RateControl: ref('rateControl'), Outputs: { results: { AggregateType: 'Fn::ListJoin', AggregateField: 'result' } } },
      Outputs: { result: { Type: 'Json', ValueSelector: '.result' } },
    },
    ...(last ? [] : [{
      Name: P.next,
      Action: 'ACS::Choice',
      Description: { en: 'Reads the next page when there is one' },
      Properties: { DefaultTask: orphanPageTasks(n + 1).list, Choices: [{ When: { 'Fn::Equals': ['', ref(`${P.list}.nextToken`)] }, NextTask: 'ACS::END' }] },
    }]),
  ];
}

/** The results of page `n`: the cleaned instances' results, or none when the page named no gone instance. */
function pageResults(n: number): unknown {
  const P = orphanPageTasks(n);
  return { 'Fn::If': [{ 'Fn::Equals': [[], ref(`${P.list}.candidates`)] }, [], { 'Fn::If': [{ 'Fn::Equals': [[], ref(`${P.check}.goneIds`)] }, [], ref(`${P.clean}.results`)] }] };
}

/** Page `n`'s results when it was read (every page before had a next one), else none. */
function readPageResults(n: number): unknown {
  let value = pageResults(n);
  for (let k = n - 1; k >= 1; k--) value = { 'Fn::If': [{ 'Fn::Equals': ['', ref(`${orphanPageTasks(k).list}.nextToken`)] }, [], value] };
  return value;
}

/**
 * Builds the orphan templates. The parent's output `results` lists, per page read, the results of
 * the gone instances it found: `{instanceId, dryRun, deleteIds, keptIds, lockedIds}` each.
 */
export function buildOrphanDocuments(spec: OrphanTemplateSpec): { parent: OosTemplateDocument; instance: OosTemplateDocument } {
  const T = ORPHAN_INSTANCE_TASKS;
  const parent: OosTemplateDocument = {
    FormatVersion: OOS_FORMAT_VERSION,
    Description: { en: spec.description },
    Parameters: orphanParameters(spec, 'parent'),
    RamRole: ref('OOSAssumeRole'),
    Tasks: Array.from({ length: ORPHAN_SCAN_PAGES }, (_, i) => pageTasks(i + 1)).flat(),
    Outputs: { results: { Type: 'List', Value: Array.from({ length: ORPHAN_SCAN_PAGES }, (_, i) => readPageResults(i + 1)) } },
  };
  const instance: OosTemplateDocument = {
    FormatVersion: OOS_FORMAT_VERSION,
    Description: { en: `${spec.description}: one instance that no longer exists` },
    Parameters: orphanParameters(spec, 'instance'),
    RamRole: ref('OOSAssumeRole'),
    Tasks: [
      {
        Name: T.gone,
        Action: 'ACS::CheckFor',
        Description: { en: 'Asks ECS again that the instance no longer exists: else nothing of it is deleted' },
        Properties: {
          Service: 'ECS',
          API: 'DescribeInstances',
          Parameters: { RegionId: ref('regionId'), InstanceIds: [ref('instanceId')] },
          PropertySelector: `if ([.Instances.Instance[]? | select(.InstanceId == "${ref('instanceId')}")] | length) == 0 then "gone" else "instance ${ref('instanceId')} exists: its snapshot groups are not orphans" end`,
          DesiredValues: ['gone'],
        },
      },
      {
        Name: T.select,
        Action: 'ACS::CheckFor',
        Description: { en: 'Lists the instance\'s snapshot groups (one page, else nothing is deleted) and selects this posture\'s and group\'s that are old enough' },
        Properties: {
          Service: 'ECS',
          API: 'DescribeSnapshotGroups',
          Parameters: { RegionId: ref('regionId'), InstanceId: ref('instanceId'), MaxResults: SNAPSHOT_GROUPS_PAGE_SIZE },
          PropertySelector: `if .NextToken == null or .NextToken == "" then "one page" else "DescribeSnapshotGroups lists more than ${SNAPSHOT_GROUPS_PAGE_SIZE} snapshot groups for instance ${ref('instanceId')}: nothing was deleted" end`,
          DesiredValues: ['one page'],
        },
        Outputs: lockCheckSelectOutputs(ORPHAN_SELECTION),
      },
      ...lockCheckedDeletionTasks(T, { delete: 'Deletes the selected snapshot groups of the deleted instance that no lock holds, one at a time (none on a dry run)' }),
    ],
    Outputs: { result: lockCheckedResult(T) },
  };
  return { parent, instance };
}

/** Properties of a {@link SnapshotOrphans}. */
export interface SnapshotOrphansProps {
  /** The snapshot automation's template name: the orphan templates are named after it. */
  readonly automationTemplateName: string;
  /** How old an orphan group must be before it is deleted (1-36,500 days). */
  readonly orphanRetentionDays: number;
  /** The most groups deleted per instance and run (1-100). @default 10 */
  readonly maxDeletesPerRun?: number;
  /** List, delete nothing. @default false */
  readonly dryRun?: boolean;
  /** The posture whose groups to look at (the `app-snapshot:posture` tag). @default - the stack's name */
  readonly postureName?: string;
  /** The group whose groups to look at (the `app-snapshot:group` tag). @default - the automation's template name */
  readonly groupName?: string;
  /** The RAM role OOS executions assume by default. @default - the identity that starts them */
  readonly executionRoleName?: string;
  /** How many deleted instances are cleaned up at once. @default 10 */
  readonly concurrency?: number;
  /** How many failed instances the execution tolerates. @default 0 */
  readonly maxErrors?: number;
}

/** Checks the props and resolves them into the templates' spec. */
export function validateSnapshotOrphansProps(scope: ros.Construct, props: SnapshotOrphansProps): OrphanTemplateSpec {
  checkTemplateNameRoom('automationTemplateName', props.automationTemplateName, ORPHAN_INSTANCE_TEMPLATE_SUFFIX, 'the orphan templates are');
  checkIntegerRange('orphanRetentionDays', props.orphanRetentionDays, RETENTION_LIMITS.orphanRetentionDays.min, RETENTION_LIMITS.orphanRetentionDays.max);
  checkIntegerRange('maxDeletesPerRun', props.maxDeletesPerRun, RETENTION_LIMITS.maxDeletesPerRun.min, RETENTION_LIMITS.maxDeletesPerRun.max);
  if (props.dryRun !== undefined && typeof props.dryRun !== 'boolean') throw new ValidationError('dryRun', 'must be true or false', props.dryRun);
  const stackName = ros.Stack.of(scope).stackName;
  checkSnapshotTagValue('postureName', props.postureName ?? stackName, props.postureName === undefined ? 'it defaults to the stack\'s name: set postureName' : undefined);
  checkSnapshotTagValue('groupName', props.groupName ?? props.automationTemplateName, props.groupName === undefined ? 'it defaults to the automation template name: set groupName' : undefined);
  checkIntegerRange('concurrency', props.concurrency, 1, 1000);
  checkIntegerRange('maxErrors', props.maxErrors, 0, 1000);
  if (props.executionRoleName !== undefined) {
    checkPattern('executionRoleName', props.executionRoleName, RAM_ROLE_NAME_PATTERN, 'must be 1 to 64 characters of letters, digits, `.` and `-` (RAM role name)');
  }
  return {
    description: 'Deletes the snapshot groups of this posture and group whose instance no longer exists, once old enough (never a locked one)',
    postureName: props.postureName ?? stackName,
    groupName: props.groupName ?? props.automationTemplateName,
    orphanRetentionDays: props.orphanRetentionDays,
    maxDeletesPerRun: props.maxDeletesPerRun ?? 10,
    dryRun: props.dryRun ? 'true' : 'false',
    concurrency: props.concurrency ?? 10,
    maxErrors: props.maxErrors ?? 0,
    instanceTemplateName: orphanTemplateNames(props.automationTemplateName).instanceTemplateName,
    oosAssumeRole: props.executionRoleName ?? '',
  };
}

/**
 * The orphan clean-up of one application group: the template to execute (`<automation>-Orphans`)
 * and the per-instance template it runs for each deleted instance (`<automation>-OrphanInstance`),
 * built by {@link buildOrphanDocuments}. Run after the retention of each scheduled run, or by hand
 * (`dryRun` to look first).
 */
export class SnapshotOrphans extends PerInstanceTemplatePair {
  constructor(scope: ros.Construct, id: string, props: SnapshotOrphansProps) {
    const spec = validateSnapshotOrphansProps(scope, props);
    const { parent, instance } = buildOrphanDocuments(spec);
    super(scope, id, {
      templateName: orphanTemplateNames(props.automationTemplateName).templateName,
      instanceTemplateName: spec.instanceTemplateName,
      document: parent,
      instanceDocument: instance,
    });
  }
}
