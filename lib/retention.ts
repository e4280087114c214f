import * as ros from '@alicloud/ros-cdk-core';
import { checkLoopSize } from './instance-ids';
import { OosTemplateDocument, SNAPSHOT_TAG_KEYS } from './instance-template';
import { EVIDENCE_TAG_KEYS } from './instance-template';
import { OOS_FORMAT_VERSION } from './oos/limits';
import { RAM_ROLE_NAME_PATTERN } from './plugin/parameters';
import {
  PerInstanceLoopSpec,
  PerInstanceTemplatePair,
  buildPerInstanceParent,
  childParameters,
  checkSnapshotTagValue,
  checkTemplateNameRoom,
  leadingParameters,
  snapshotTagParameters,
  trailingParameters,
} from './snapshot-automation';
import { LockCheckedDeletionNames, lockCheckSelectOutputs, lockCheckedDeletionTasks, lockCheckedResult } from './snapshot-lock';
import { TargetProps, checkTargets, targetsOf } from './targets';
import { ValidationError, checkIntegerRange, checkPattern, isResolved } from './validation';

/**
 * Retention of the snapshot groups an automation created: per instance, keep the newest
 * `keepLast` groups and those younger than `maxAgeDays`, delete the rest, oldest first, at most
 * `maxDeletesPerRun` per instance and run. Only groups whose every snapshot carries both tags of
 * this automation ({@link SNAPSHOT_TAG_KEYS}, with exactly its posture and group names) are ever
 * deleted, and only `accomplished` ones; a group with a locked snapshot is kept (lib/snapshot-lock.ts).
 * See docs/retention.md.
 */

/** How many snapshot groups to keep, and how a run deletes the others. */
export interface RetentionOptions {
  /**
   * Keep the newest this many accomplished groups of each instance (1-1000).
   *
   * @default - 1 when only `maxAgeDays` is given: the newest group is always kept
   */
  readonly keepLast?: number;
  /**
   * Keep every group younger than this many days (1-36500), whatever `keepLast` says.
   *
   * @default - no age rule: `keepLast` alone decides
   */
  readonly maxAgeDays?: number;
  /**
   * The most groups one run deletes per instance (1-100), oldest first; the rest wait for the
   * next run.
   *
   * @default 10
   */
  readonly maxDeletesPerRun?: number;
  /**
   * List what a run would delete, and delete nothing.
   *
   * @default false
   */
  readonly dryRun?: boolean;
  /**
   * Also delete the groups of this posture and group whose instance no longer exists (orphans),
   * once they are `orphanRetentionDays` old, oldest first, never a locked one, at most
   * `maxDeletesPerRun` per instance and run (lib/orphans.ts).
   *
   * @default false
   */
  readonly deleteOrphans?: boolean;
  /**
   * How old (days, 1-36500) an orphan group must be before it is deleted. Applies with
   * `deleteOrphans`.
   *
   * @default - `maxAgeDays`, else 30
   */
  readonly orphanRetentionDays?: number;
}

/** The bounds of the retention options. */
export const RETENTION_LIMITS = {
  keepLast: { min: 1, max: 1000 },
  maxAgeDays: { min: 1, max: 36500 },
  maxDeletesPerRun: { min: 1, max: 100 },
  orphanRetentionDays: { min: 1, max: 36500 },
} as const;

/** The default of `maxDeletesPerRun`. */
export const DEFAULT_MAX_DELETES_PER_RUN = 10;

const OPTION_NAMES = ['keepLast', 'maxAgeDays', 'maxDeletesPerRun', 'dryRun', 'deleteOrphans', 'orphanRetentionDays'] as const;

/** How old an orphan group must be, when neither `orphanRetentionDays` nor `maxAgeDays` says. */
export const DEFAULT_ORPHAN_RETENTION_DAYS = 30;

/**
 * Checks retention options: at least one of keepLast and maxAgeDays, each number an integer in
 * its range, dryRun a boolean, no other key. `prefix` names the fields in errors.
 */
export function checkRetentionOptions(o: RetentionOptions, prefix = 'retention.'): void {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) {
    throw new ValidationError(prefix.replace(/\.$/, '') || 'retention', 'must be a mapping of retention options (keepLast, maxAgeDays, maxDeletesPerRun, dryRun)', o);
  }
  for (const key of Object.keys(o)) {
    if (!(OPTION_NAMES as readonly string[]).includes(key)) {
      throw new ValidationError(`${prefix}${key}`, `is not a retention option (${OPTION_NAMES.join(', ')})`, (o as Record<string, unknown>)[key]);
    }
  }
  if (o.keepLast === undefined && o.maxAgeDays === undefined) {
    throw new ValidationError(`${prefix}keepLast`, 'or maxAgeDays must be given: retention keeps the newest keepLast groups and those younger than maxAgeDays days', o);
  }
  for (const name of ['keepLast', 'maxAgeDays', 'maxDeletesPerRun', 'orphanRetentionDays'] as const) {
    checkIntegerRange(`${prefix}${name}`, o[name], RETENTION_LIMITS[name].min, RETENTION_LIMITS[name].max);
  }
  for (const name of ['dryRun', 'deleteOrphans'] as const) {
    if (o[name] !== undefined && isResolved(o[name]) && typeof o[name] !== 'boolean') {
      throw new ValidationError(`${prefix}${name}`, 'must be true or false', o[name]);
    }
  }
  if (o.orphanRetentionDays !== undefined && o.deleteOrphans !== true) {
    throw new ValidationError(`${prefix}orphanRetentionDays`, 'applies with deleteOrphans: true (the clean-up of the groups of instances that no longer exist)', o.orphanRetentionDays);
  }
}

/** How old an orphan group must be before it is deleted: orphanRetentionDays, else maxAgeDays, else 30. */
export function orphanRetentionDaysOf(o: RetentionOptions): number {
  return o.orphanRetentionDays ?? o.maxAgeDays ?? DEFAULT_ORPHAN_RETENTION_DAYS;
}

/** What the retention templates' names add to the automation's template name. */
export const RETENTION_TEMPLATE_SUFFIX = '-Retention';
export const RETENTION_INSTANCE_TEMPLATE_SUFFIX = '-RetentionInstance';

/** The longest automation template name that leaves room for the retention templates' suffixes. */
export const RETENTION_AUTOMATION_TEMPLATE_NAME_MAX_LENGTH = 200 - RETENTION_INSTANCE_TEMPLATE_SUFFIX.length;

/** The retention templates' names, from the automation's (ROS joins for a parameter). */
export function retentionTemplateNames(automationTemplateName: string): { templateName: string; instanceTemplateName: string } {
  const named = (suffix: string) => (isResolved(automationTemplateName)
    ? `${automationTemplateName}${suffix}`
    : ros.Fn.join('', [automationTemplateName, suffix]));
  return { templateName: named(RETENTION_TEMPLATE_SUFFIX), instanceTemplateName: named(RETENTION_INSTANCE_TEMPLATE_SUFFIX) };
}

/** Everything the retention templates are built from, each value resolved or a ROS token. */
export interface RetentionTemplateSpec extends PerInstanceLoopSpec {
  readonly description: string;
  /** The tags a group's snapshots must carry to be deleted. */
  readonly postureName: string;
  readonly groupName: string;
  readonly keepLast: number;
  /** 0: no age rule. */
  readonly maxAgeDays: number;
  readonly maxDeletesPerRun: number;
  /** `true` / `false`. */
  readonly dryRun: string;
}

/** Task names of the retention templates. */
export const RETENTION_TASKS = {
  /** Parent: runs the per-instance template for each instance. */
  instances: 'retainInstances',
  /** Per instance: lists the instance's groups and selects those to delete. */
  select: 'selectExpiredGroups',
  /** Per instance: ends the run when no group is past retention. */
  anyCandidate: 'whetherAnyExpired',
  /** Per instance: asks which of them are locked (those are kept). */
  checkLocks: 'checkLocks',
  /** Per instance: ends the run when there is nothing unlocked to delete. */
  anyToDelete: 'whetherAnyToDelete',
  /** Per instance: deletes them, one at a time. */
  delete: 'deleteExpiredGroups',
} as const satisfies LockCheckedDeletionNames & Record<string, string>;

/** DescribeSnapshotGroups' largest page; more groups than this make a run fail without deleting. */
export const SNAPSHOT_GROUPS_PAGE_SIZE = 100;

/** The form of the age cut-off the parent passes: a UTC minute. */
export const AGE_CUTOFF_FORMAT = '%Y-%m-%dT%H:%MZ';
export const AGE_CUTOFF_PATTERN = '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}Z$';

/**
 * "Now minus maxAgeDays days" as a UTC minute, the way public OOS templates compute an expiry
 * (ACS-ECS-BulkyDeleteExpiredSnapshot): the current UTC time shifted by `-days*24` hours.
 */
const AGE_CUTOFF = {
  'Fn::FormatUTCTime': [
    { 'Fn::AddHour': ['{{ ACS::CurrentUTCTime }}', { 'Fn::Eval': ['-{{ maxAgeDays }}*24'] }] },
    AGE_CUTOFF_FORMAT,
  ],
};

const ref = (name: string) => `{{ ${name} }}`;

/** jq, over a list of snapshots: how many carry a tag `key` with exactly the value `value` (an OOS reference). */
const carrying = (key: string, value: string) => `(map(select([.Tags.Tag[]? | select(.Key == "${key}" and .Value == "${value}")] | length > 0)) | length)`;

/**
 * jq filter on a snapshot group of DescribeSnapshotGroups: passes the groups this automation made
 * for this posture and group, those with at least one snapshot, every one of which carries both
 * tags ({@link SNAPSHOT_TAG_KEYS}) with exactly the `postureName` and `groupName` values.
 */
export const OUR_GROUP_FILTER = [
  `select((if .Snapshots.Snapshot == null then [] else .Snapshots.Snapshot end) as $s | ($s | length) > 0`,
  `    and ($s | ${carrying(SNAPSHOT_TAG_KEYS.posture, ref('postureName'))}) == ($s | length)`,
  `    and ($s | ${carrying(SNAPSHOT_TAG_KEYS.group, ref('groupName'))}) == ($s | length))`,
].join('\n');

/** jq filter: passes a group whose CreationTime reads as UTC `YYYY-MM-DDTHH:MM[:SS[.fff]]Z`. */
export const READABLE_CREATION_TIME_FILTER = 'select((if .CreationTime == null then "" else .CreationTime end) | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2})?([.][0-9]+)?Z$"))';

/**
 * jq on a group with a readable CreationTime: `[at, id, minute]` (`at` to the second, `minute` in
 * the cut-off's form `YYYY-MM-DDTHH:MMZ`), which `sort` orders oldest first.
 */
export const CREATION_KEY = '(.CreationTime | gsub("([.][0-9]+)?Z$"; "") | split(":")) as $t | [$t[0] + ":" + $t[1] + ":" + (if ($t | length) > 2 then $t[2] else "00" end), .SnapshotGroupId, $t[0] + ":" + $t[1] + "Z"]';

/** jq over DescribeSnapshotGroups: `one page`, or why the run stops (more than one page). */
export const RETENTION_PAGE_SELECTOR = `if .NextToken == null or .NextToken == "" then "one page" else "DescribeSnapshotGroups lists more than ${SNAPSHOT_GROUPS_PAGE_SIZE} snapshot groups for instance ${ref('instanceId')}: nothing was deleted, as the oldest cannot be told from one page; delete some by hand" end`;

/**
 * The jq program over DescribeSnapshotGroups' response that decides, for one instance, which
 * groups to delete: `{delete: [ids, oldest first], kept: [ids]}`, in the builtins and syntax
 * Alibaba's public templates use (see docs/oos-lint.md, rule `jq-subset`). The values it reads
 * from the parameters are guarded by their AllowedPattern or are numbers, so that they cannot
 * alter it. (More than one page stops the run before: {@link RETENTION_PAGE_SELECTOR}.)
 *
 * - "ours": the instance's groups whose snapshots (at least one) all carry both tags, exactly;
 * - the candidates: ours that are `accomplished` with a readable CreationTime, as
 *   `[at, id, minute]` sorted oldest first (`at` the time to the second, `minute` in the
 *   cut-off's form `YYYY-MM-DDTHH:MMZ`, which orders as time does);
 * - all but the newest keepLast of them, less those younger than the cut-off (when maxAgeDays is
 *   not 0: the same minute counts as younger), and never the newest candidate a restore drill
 *   verified (every snapshot tagged `app-snapshot:verified`), whatever keepLast and maxAgeDays
 *   say, are deleted oldest first, at most maxDeletesPerRun; `kept` is the rest of ours (groups
 *   in progress, failed, unreadable, kept by a rule, verified, or beyond the bound).
 */
export const RETENTION_SELECTION = [
  `[.SnapshotGroups.SnapshotGroup[]? | select(.InstanceId == "${ref('instanceId')}")`,
  `  | ${OUR_GROUP_FILTER}] as $ours`,
  `| [$ours[] | select(.Status == "accomplished")`,
  `  | ${READABLE_CREATION_TIME_FILTER}`,
  `  | ${CREATION_KEY}] | sort as $c`,
  // The newest candidate a restore drill verified (every snapshot carries the evidence tag) is never deleted.
  `| [$ours[] | select(([.Snapshots.Snapshot[] | select(([.Tags.Tag[]? | select(.Key == "${EVIDENCE_TAG_KEYS.verified}")] | length) == 0)] | length) == 0) | .SnapshotGroupId] as $verifiedIds`,
  `| [$c[] | .[1] | select(. as $id | ([$verifiedIds[] | select(. == $id)] | length) > 0)] as $v`,
  `| (if ($v | length) == 0 then "" else $v[($v | length) - 1] end) as $verified`,
  `| [range(0; ($c | length) - ${ref('keepLast')}; 1) as $i | $c[$i] | select((${ref('maxAgeDays')} > 0 and .[2] >= "${ref('ageCutoff')}") | not) | select(.[1] != $verified)] as $old`,
  `| [range(0; $old | length; 1) as $i | select($i < ${ref('maxDeletesPerRun')}) | $old[$i][1]] as $delete`,
  `| {delete: $delete, kept: [$ours[].SnapshotGroupId | select(. as $id | ([$delete[] | select(. == $id)] | length) == 0)]}`,
].join('\n');

/**
 * The jq selectors of the per-instance retention template's listing: the groups past retention
 * (at most one DescribeLockedSnapshots call's worth), to be checked for locks; the kept groups;
 * the result when none is past retention. The lock check and the dry run come after
 * (lib/snapshot-lock.ts).
 */
export const RETENTION_SELECTORS: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(lockCheckSelectOutputs(RETENTION_SELECTION)).map(([name, o]) => [name, String(o.ValueSelector)]));

/** The OOS parameters of the parent (`parent`, with the spec's values as defaults) or of the per-instance template. */
function retentionParameters(spec: RetentionTemplateSpec, scope: 'parent' | 'instance'): Record<string, Record<string, unknown>> {
  const parent = scope === 'parent';
  const def = (value: unknown) => (parent ? { Default: value } : {});
  const number = (label: string, description: string, min: number, max: number, value: number) =>
    ({ Type: 'Number', Label: { en: label }, Description: { en: description }, MinValue: min, MaxValue: max, ...def(value) });
  const parameters = leadingParameters(spec.targets, 'ECS instances whose snapshot groups to clean up', scope);
  Object.assign(parameters, snapshotTagParameters(spec, parent), {
    keepLast: number('Keep the newest', 'Keep at least this many of the newest accomplished groups of each instance',
      RETENTION_LIMITS.keepLast.min, RETENTION_LIMITS.keepLast.max, spec.keepLast),
    maxAgeDays: number('Keep younger than (days)', 'Keep every group younger than this many days (0: no age rule)',
      0, RETENTION_LIMITS.maxAgeDays.max, spec.maxAgeDays),
    maxDeletesPerRun: number('Most deletions per run', 'Delete at most this many groups of each instance per run, oldest first',
      RETENTION_LIMITS.maxDeletesPerRun.min, RETENTION_LIMITS.maxDeletesPerRun.max, spec.maxDeletesPerRun),
    dryRun: { Type: 'String', Label: { en: 'Dry run (list, delete nothing)' }, AllowedValues: ['true', 'false'], ...def(spec.dryRun) },
  });
  if (!parent) {
    parameters.ageCutoff = {
      Type: 'String',
      Label: { en: 'Age cut-off (UTC minute)' },
      Description: { en: 'Groups created before this minute are old enough to delete (with maxAgeDays 0, ignored)' },
      AllowedPattern: AGE_CUTOFF_PATTERN,
    };
  }
  return { ...parameters, ...trailingParameters(spec, scope) };
}

/**
 * Builds the retention templates: the parent loops over the instances with the rate control and
 * runs the per-instance template for each (`ACS::Template`), passing its values and the age
 * cut-off it computes; the per-instance template lists the instance's snapshot groups, selects
 * the ones to delete (one jq selector, {@link RETENTION_SELECTION}), leaves out those with a
 * locked snapshot (DescribeLockedSnapshots, lib/snapshot-lock.ts) and deletes the others one at a
 * time. The parent's output lists each instance's result: instanceId, dryRun, deleteIds (deleted,
 * or on a dry run those that would be), keptIds, lockedIds (kept because locked).
 */
export function buildRetentionDocuments(spec: RetentionTemplateSpec): { parent: OosTemplateDocument; instance: OosTemplateDocument } {
  const instanceParameters = retentionParameters(spec, 'instance');
  const T = RETENTION_TASKS;
  const parent = buildPerInstanceParent({
    description: spec.description,
    targets: spec.targets,
    parameters: retentionParameters(spec, 'parent'),
    taskName: T.instances,
    taskDescription: 'Runs the per-instance retention template for each instance',
    passed: childParameters(instanceParameters, { ageCutoff: AGE_CUTOFF }),
  });
  const instance: OosTemplateDocument = {
    FormatVersion: OOS_FORMAT_VERSION,
    Description: { en: `${spec.description}: one instance` },
    Parameters: instanceParameters,
    RamRole: ref('OOSAssumeRole'),
    Tasks: [
      {
        Name: T.select,
        Action: 'ACS::CheckFor',
        Description: { en: 'Lists the instance\'s snapshot groups (one page, else nothing is deleted) and selects those past retention that this automation tagged' },
        Properties: {
          Service: 'ECS',
          API: 'DescribeSnapshotGroups',
          Parameters: { RegionId: ref('regionId'), InstanceId: ref('instanceId'), MaxResults: SNAPSHOT_GROUPS_PAGE_SIZE },
          PropertySelector: RETENTION_PAGE_SELECTOR,
          DesiredValues: ['one page'],
        },
        Outputs: lockCheckSelectOutputs(RETENTION_SELECTION),
      },
      ...lockCheckedDeletionTasks(T, { delete: 'Deletes the selected snapshot groups that no lock holds, one at a time (none on a dry run)' }),
    ],
    Outputs: { result: lockCheckedResult(T) },
  };
  return { parent, instance };
}

/** Properties of a {@link SnapshotRetention}. */
export interface SnapshotRetentionProps extends RetentionOptions, TargetProps {
  /**
   * The snapshot automation's template name: the retention templates are named after it with
   * `-Retention` and `-RetentionInstance` (so it may have at most 182 characters).
   */
  readonly automationTemplateName: string;
  /**
   * Accept more instance ids than one OOS loop takes (1,000): each execution must then pass at
   * most 1,000 ids.
   *
   * @default false
   */
  readonly sharded?: boolean;
  /**
   * The posture whose groups to clean up (the `app-snapshot:posture` tag value).
   *
   * @default - the stack's name, as the automation's default
   */
  readonly postureName?: string;
  /**
   * The group whose groups to clean up (the `app-snapshot:group` tag value).
   *
   * @default - the automation's template name, as the automation's default
   */
  readonly groupName?: string;
  /**
   * The RAM role OOS executions assume by default (the `OOSAssumeRole` parameter).
   *
   * @default - none: executions run with the identity that starts them
   */
  readonly executionRoleName?: string;
  /**
   * How many instances are cleaned up at once.
   *
   * @default 10
   */
  readonly concurrency?: number;
  /**
   * How many failed instances the execution tolerates before it stops.
   *
   * @default 0
   */
  readonly maxErrors?: number;
  /**
   * The template's description.
   *
   * @default - a description naming the posture and group
   */
  readonly description?: string;
}

/** Resolves the props into a template spec, with the documented defaults; `stackName` is the default posture name. */
export function retentionTemplateSpec(props: SnapshotRetentionProps, stackName: string): RetentionTemplateSpec {
  const postureName = props.postureName ?? stackName;
  const groupName = props.groupName ?? props.automationTemplateName;
  return {
    description: props.description ?? 'Deletes the application-consistent snapshot groups past retention that the automation created (tagged with its posture and group), per instance',
    targets: targetsOf(props),
    postureName,
    groupName,
    keepLast: props.keepLast ?? 1,
    maxAgeDays: props.maxAgeDays ?? 0,
    maxDeletesPerRun: props.maxDeletesPerRun ?? DEFAULT_MAX_DELETES_PER_RUN,
    dryRun: props.dryRun ? 'true' : 'false',
    concurrency: props.concurrency ?? 10,
    maxErrors: props.maxErrors ?? 0,
    instanceTemplateName: retentionTemplateNames(props.automationTemplateName).instanceTemplateName,
    oosAssumeRole: props.executionRoleName ?? '',
  };
}

/** Throws unless the automation's template name leaves valid retention template names. */
export function checkRetentionAutomationTemplateName(field: string, name: string): void {
  checkTemplateNameRoom(field, name, RETENTION_INSTANCE_TEMPLATE_SUFFIX, 'the retention templates are');
}

/**
 * Checks the props of a {@link SnapshotRetention} to be created in `scope` and resolves them into
 * its template spec. Throws a ValidationError naming the prop.
 */
export function validateSnapshotRetentionProps(scope: ros.Construct, props: SnapshotRetentionProps): RetentionTemplateSpec {
  checkRetentionAutomationTemplateName('automationTemplateName', props.automationTemplateName);
  checkTargets(targetsOf(props));
  if (!props.sharded && props.instanceIds !== undefined) {
    checkLoopSize('instanceIds', props.instanceIds);
  }
  const { keepLast, maxAgeDays, maxDeletesPerRun, dryRun } = props;
  checkRetentionOptions(Object.fromEntries(Object.entries({ keepLast, maxAgeDays, maxDeletesPerRun, dryRun }).filter(([, v]) => v !== undefined)), '');
  const stackName = ros.Stack.of(scope).stackName;
  checkSnapshotTagValue('postureName', props.postureName ?? stackName, props.postureName === undefined ? 'it defaults to the stack\'s name: set postureName' : undefined);
  checkSnapshotTagValue('groupName', props.groupName ?? props.automationTemplateName, props.groupName === undefined ? 'it defaults to the automation template name: set groupName' : undefined);
  checkIntegerRange('concurrency', props.concurrency, 1, 1000);
  checkIntegerRange('maxErrors', props.maxErrors, 0, 1000);
  if (props.executionRoleName !== undefined) {
    checkPattern('executionRoleName', props.executionRoleName, RAM_ROLE_NAME_PATTERN, 'must be 1 to 64 characters of letters, digits, `.` and `-` (RAM role name)');
  }
  return retentionTemplateSpec(props, stackName);
}

/**
 * Retention for one application group: two `ALIYUN::OOS::Template` resources, the retention
 * template to execute (`<automation>-Retention`) and the per-instance template it runs
 * (`<automation>-RetentionInstance`), built by {@link buildRetentionDocuments}. The props'
 * values are the OOS parameters' defaults; an execution may override them (dryRun to look first).
 * `requiredActions` and `executedTemplate` give the execution role what it needs.
 */
export class SnapshotRetention extends PerInstanceTemplatePair {
  constructor(scope: ros.Construct, id: string, props: SnapshotRetentionProps) {
    const spec = validateSnapshotRetentionProps(scope, props);
    const { parent, instance } = buildRetentionDocuments(spec);
    super(scope, id, {
      templateName: retentionTemplateNames(props.automationTemplateName).templateName,
      instanceTemplateName: spec.instanceTemplateName,
      document: parent,
      instanceDocument: instance,
    });
  }
}
