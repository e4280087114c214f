import * as ros from '@alicloud/ros-cdk-core';
import { ExecutedTemplate } from './execution-role';
import { checkLoopSize, MAX_OOS_LOOP_ITEMS } from './instance-ids';
import { EVIDENCE_TAG_KEYS, OosTemplateDocument, SNAPSHOT_TAG_KEYS } from './instance-template';
import { templateResourceId } from './logical-id';
import { OOS_FORMAT_VERSION } from './oos/limits';
import { requiredActions } from './oos/required-actions';
import { OOS_TEMPLATE_NAME_PATTERN, RosOosTemplate } from './oos/template';
import { REGION_ID_PATTERN } from './policy-scope';
import { RAM_ROLE_NAME_PATTERN } from './plugin/parameters';
import { CREATION_KEY, OUR_GROUP_FILTER, READABLE_CREATION_TIME_FILTER, SNAPSHOT_GROUPS_PAGE_SIZE } from './retention';
import {
  PerInstanceLoopSpec,
  buildPerInstanceParent,
  checkSnapshotTagValue,
  checkTemplateNameRoom,
  childParameters,
  leadingParameters,
  renderTemplateContent,
  snapshotTagParameters,
  trailingParameters,
} from './snapshot-automation';
import { TargetProps, checkTargets, targetsOf } from './targets';
import { ValidationError, checkIntegerRange, checkPattern, checkUnique, isResolved } from './validation';

/**
 * Cross-region copies of application-consistent snapshot groups. For each instance, the newest
 * group of this posture and group that is accomplished and application-consistent (every snapshot
 * `APPConsistent:True`; with `requireVerified`, also verified by a restore drill: every snapshot
 * tagged `app-snapshot:verified`) is copied, snapshot by snapshot, to each target region with ECS
 * `CopySnapshot`: the copy carries the posture's and group's tags and the source group's id
 * (`app-snapshot:source-group`), so the copies of one group are found together, and its own
 * retention (`RetentionDays`, after which ECS releases it). A snapshot already copied to a region
 * (a copy there with its source group's tag and its id as `SourceSnapshotId`, not failed) is not
 * copied again, so a run copies what the earlier ones did not.
 *
 * Each copy waits until ECS reports it accomplished (or failed) in its region; at most
 * `maxInFlight` copies are in flight at once in a run (the instances one after another, their
 * copies side by side). A copy that fails is reported in the instance's result (`failed`, with
 * OOS's message) and, with alerts, in the run's notification; it never fails the snapshot run nor
 * the copy step. See docs/lock-and-copy.md.
 *
 * What ECS does not allow: local snapshots and archived snapshots cannot be copied, and instant
 * access does not apply to copies (a disk created from a copy waits for its data).
 */

/** Where and how the snapshots of a group are copied. */
export interface SnapshotCopyOptions {
  /** The regions to copy each snapshot to (1 to 10 region ids, such as `cn-shanghai`, no duplicates). */
  readonly regions: string[];
  /**
   * Days ECS keeps each copy before releasing it (1-65,536; CopySnapshot's `RetentionDays`).
   * Copies are not cleaned up by the retention: this is their only end.
   */
  readonly retentionDays: number;
  /**
   * A KMS key per target region (region id to key id in that region): the copies there are
   * encrypted with it (`Encrypted`, `KMSKeyId`).
   *
   * @default - copies are not encrypted by the package
   */
  readonly kmsKeyIds?: Readonly<Record<string, string>>;
  /**
   * Copy only groups a restore drill verified (every snapshot tagged `app-snapshot:verified`).
   *
   * @default false
   */
  readonly requireVerified?: boolean;
  /**
   * The most copies in flight at once in a run (1-20): each from its CopySnapshot until ECS
   * reports it accomplished or failed.
   *
   * @default 4
   */
  readonly maxInFlight?: number;
}

/** The bounds of the copy options. */
export const COPY_LIMITS = {
  regions: { min: 1, max: 10 },
  /** CopySnapshot's RetentionDays (ECS SDK). */
  retentionDays: { min: 1, max: 65536 },
  maxInFlight: { min: 1, max: 20 },
} as const;

/** The default of `maxInFlight`. */
export const DEFAULT_MAX_COPIES_IN_FLIGHT = 4;

/** KMS key ids as the templates take them (letters, digits, `-`, `_`): safe as OOS values and in jq. */
export const KMS_KEY_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$';

/** The tag each copy carries with the id of its source snapshot group. */
export const COPY_SOURCE_GROUP_TAG_KEY = 'app-snapshot:source-group';

const OPTION_NAMES = ['regions', 'retentionDays', 'kmsKeyIds', 'requireVerified', 'maxInFlight'] as const;

/** Checks copy options; `prefix` names the fields in errors. */
export function checkCopyOptions(o: SnapshotCopyOptions, prefix = 'copy.'): void {
  const field = (name: string) => `${prefix}${name}`;
  if (o === null || typeof o !== 'object' || Array.isArray(o)) {
    throw new ValidationError(prefix.replace(/\.$/, '') || 'copy', `must be a mapping of copy options (${OPTION_NAMES.join(', ')})`, o);
  }
  for (const key of Object.keys(o)) {
    if (!(OPTION_NAMES as readonly string[]).includes(key)) {
      throw new ValidationError(field(key), `is not a copy option (${OPTION_NAMES.join(', ')})`, (o as unknown as Record<string, unknown>)[key]);
    }
  }
  if (!Array.isArray(o.regions) || o.regions.length < COPY_LIMITS.regions.min || o.regions.length > COPY_LIMITS.regions.max) {
    throw new ValidationError(field('regions'), `must list ${COPY_LIMITS.regions.min} to ${COPY_LIMITS.regions.max} region ids to copy to`, o.regions);
  }
  o.regions.forEach((r, i) => checkPattern(`${field('regions')}[${i}]`, r, REGION_ID_PATTERN, 'must be a region id such as cn-shanghai'));
  checkUnique(field('regions'), o.regions);
  if (o.retentionDays === undefined) {
    throw new ValidationError(field('retentionDays'), `is required: the days ECS keeps each copy (${COPY_LIMITS.retentionDays.min} to ${COPY_LIMITS.retentionDays.max}; nothing else deletes copies)`, o.retentionDays);
  }
  checkIntegerRange(field('retentionDays'), o.retentionDays, COPY_LIMITS.retentionDays.min, COPY_LIMITS.retentionDays.max);
  checkIntegerRange(field('maxInFlight'), o.maxInFlight, COPY_LIMITS.maxInFlight.min, COPY_LIMITS.maxInFlight.max);
  if (o.requireVerified !== undefined && typeof o.requireVerified !== 'boolean') {
    throw new ValidationError(field('requireVerified'), 'must be true or false', o.requireVerified);
  }
  if (o.kmsKeyIds !== undefined) {
    if (o.kmsKeyIds === null || typeof o.kmsKeyIds !== 'object' || Array.isArray(o.kmsKeyIds)) {
      throw new ValidationError(field('kmsKeyIds'), 'must be a mapping of target region ids to KMS key ids', o.kmsKeyIds);
    }
    for (const [region, key] of Object.entries(o.kmsKeyIds)) {
      if (!o.regions.includes(region)) {
        throw new ValidationError(`${field('kmsKeyIds')}.${region}`, `must name one of the regions copied to (${o.regions.join(', ')})`, key);
      }
      checkPattern(`${field('kmsKeyIds')}.${region}`, key, KMS_KEY_ID_PATTERN, 'must be a KMS key id of that region (letters, digits, `-` and `_`, at most 128)');
    }
  }
}

/** What the copy templates' names add to the automation's template name. */
export const COPY_TEMPLATE_SUFFIX = '-Copy';
export const COPY_INSTANCE_TEMPLATE_SUFFIX = '-CopyInstance';
export const COPY_JOB_TEMPLATE_SUFFIX = '-CopyJob';

/** Throws unless the automation's template name leaves valid copy template names. */
export function checkCopyAutomationTemplateName(field: string, name: string): void {
  checkTemplateNameRoom(field, name, COPY_INSTANCE_TEMPLATE_SUFFIX, 'the copy templates are');
}

/** The copy templates' names, from the automation's. */
export function copyTemplateNames(automationTemplateName: string): { templateName: string; instanceTemplateName: string; jobTemplateName: string } {
  const named = (suffix: string) => (isResolved(automationTemplateName) ? `${automationTemplateName}${suffix}` : ros.Fn.join('', [automationTemplateName, suffix]));
  return { templateName: named(COPY_TEMPLATE_SUFFIX), instanceTemplateName: named(COPY_INSTANCE_TEMPLATE_SUFFIX), jobTemplateName: named(COPY_JOB_TEMPLATE_SUFFIX) };
}

/** Task names of the copy templates. */
export const COPY_TASKS = {
  /** Parent: runs the per-instance template for each instance. */
  instances: 'copyInstances',
  /** Per instance: lists the groups and picks the one to copy. */
  select: 'selectGroupToCopy',
  anyToCopy: 'whetherAnyToCopy',
  /** Per instance: one copy job per snapshot and region, at most maxInFlight at once. */
  copy: 'copySnapshots',
  /** Per instance: the copy jobs that failed, with OOS's message. */
  report: 'reportFailedCopies',
} as const;

/** Task names of the copy job (one snapshot to one region). */
export const COPY_JOB_TASKS = {
  find: 'findCopy',
  anyCopy: 'whetherCopied',
  encrypted: 'whetherEncrypted',
  copyEncrypted: 'copyEncrypted',
  waitEncrypted: 'waitForEncryptedCopy',
  copy: 'copySnapshot',
  wait: 'waitForCopy',
} as const;

/** How long a copy job waits for its copy (as Alibaba's ACS::ECS::RunCommand waits: 296 tries, at most 300 s apart, about a day). */
export const COPY_WAIT = { Retries: 296, MaxRetryInterval: 300 } as const;

/** Everything the copy templates are built from, each value resolved or a ROS token. */
export interface CopyTemplateSpec extends PerInstanceLoopSpec {
  readonly description: string;
  readonly postureName: string;
  readonly groupName: string;
  /** `[{RegionId, KmsKeyId}]`, KmsKeyId `''` for none. */
  readonly copyTargets: ReadonlyArray<{ readonly RegionId: string; readonly KmsKeyId: string }>;
  readonly retentionDays: number;
  /** `true` / `false`. */
  readonly requireVerified: string;
  readonly maxInFlight: number;
  readonly jobTemplateName: string;
}

const ref = (name: string) => `{{ ${name} }}`;

/** jq, over a group's snapshots: how many carry the tag `key` (compared without regard to case) with the value `True` (likewise). */
const carryingTrue = (key: string) => `([.[] | select([.Tags.Tag[]? | select((.Key | ascii_downcase) == "${key.toLowerCase()}" and (.Value | ascii_downcase) == "true")] | length > 0)] | length)`;
/** jq, over a group's snapshots: how many carry the tag `key` with a value that is not empty. */
const carryingAny = (key: string) => `([.[] | select([.Tags.Tag[]? | select(.Key == "${key}" and .Value != null and .Value != "")] | length > 0)] | length)`;

/**
 * The jq program over DescribeSnapshotGroups of one instance that picks the group to copy: the
 * newest of this posture's and group's groups that is accomplished, with a readable CreationTime,
 * every snapshot `APPConsistent:True` and, when `requireVerified` is `true`, every snapshot
 * verified by a drill. Yields `{group: id or null, snapshots: [ids]}`.
 */
export const COPY_SELECTION = [
  `[.SnapshotGroups.SnapshotGroup[]? | select(.InstanceId == "${ref('instanceId')}")`,
  `  | ${OUR_GROUP_FILTER}`,
  '  | select(.Status == "accomplished")',
  `  | ${READABLE_CREATION_TIME_FILTER}`,
  `  | select(.Snapshots.Snapshot as $s | ($s | ${carryingTrue('APPConsistent')}) == ($s | length))`,
  `  | select("${ref('requireVerified')}" != "true" or (.Snapshots.Snapshot as $s | ($s | ${carryingAny(EVIDENCE_TAG_KEYS.verified)}) == ($s | length)))`,
  `  | [(${CREATION_KEY})[0], .SnapshotGroupId, [.Snapshots.Snapshot[].SnapshotId]]] | sort`,
  '| if length == 0 then {group: null, snapshots: []} else {group: .[length - 1][1], snapshots: .[length - 1][2]} end',
].join('\n');

/** The jq selectors of the per-instance copy template. */
export const COPY_SELECTORS = {
  /** The copy jobs: one per snapshot of the group and target region. */
  jobs: `${COPY_SELECTION}\n| .group as $g | .snapshots[] as $s | ${ref('copyTargets')}[] | {SnapshotId: $s, SnapshotGroupId: $g, RegionId: .RegionId, KmsKeyId: (if .KmsKeyId == null then "" else .KmsKeyId end)}`,
  /** The group picked (empty: none). */
  snapshotGroupId: `${COPY_SELECTION}\n| if .group == null then "" else .group end`,
  /** The instance's result when nothing is to be copied. */
  result: `${COPY_SELECTION}\n| {instanceId: "${ref('instanceId')}", snapshotGroupId: .group, copies: [], failed: []}`,
  /** reportFailedCopies (over ListExecutions of the failed copy jobs): each with OOS's message. */
  failed: '[.Executions[]? | {snapshotId: .Parameters.snapshotId, regionId: .Parameters.destinationRegionId, reason: (.StatusMessage | tostring)}]',
  /** findCopy (over DescribeSnapshots in the target region): a copy of the snapshot there that has not failed. */
  existing: `[.Snapshots.Snapshot[]? | select(.SourceSnapshotId == "${ref('snapshotId')}" and .Status != "failed") | .SnapshotId] | if length == 0 then "" else .[0] end`,
  existingStatus: `[.Snapshots.Snapshot[]? | select(.SourceSnapshotId == "${ref('snapshotId')}" and .Status != "failed") | .Status] | if length == 0 then "" else .[0] end`,
} as const;

/** The parameters of the parent (with defaults), of the per-instance template, or of the copy job. */
function copyParameters(spec: CopyTemplateSpec, scope: 'parent' | 'instance' | 'job'): Record<string, Record<string, unknown>> {
  const parent = scope === 'parent';
  const def = (value: unknown) => (parent ? { Default: value } : {});
  const common = {
    ...snapshotTagParameters(spec, parent),
    copyRetentionDays: {
      Type: 'Number', Label: { en: 'Copies kept (days)' }, Description: { en: 'Days ECS keeps each copy before releasing it (RetentionDays)' },
      MinValue: COPY_LIMITS.retentionDays.min, MaxValue: COPY_LIMITS.retentionDays.max, ...def(spec.retentionDays),
    },
  };
  if (scope === 'job') {
    return {
      regionId: { Type: 'String', Label: { en: 'Region' }, AssociationProperty: 'RegionId', Default: '{{ ACS::RegionId }}' },
      snapshotId: { Type: 'String', Label: { en: 'Snapshot to copy' }, AllowedPattern: '^s-[A-Za-z0-9]{1,64}$' },
      snapshotGroupId: { Type: 'String', Label: { en: 'Its snapshot group' }, AllowedPattern: '^ssg-[A-Za-z0-9]{1,64}$' },
      destinationRegionId: { Type: 'String', Label: { en: 'Region to copy to' }, AllowedPattern: REGION_ID_PATTERN },
      kmsKeyId: { Type: 'String', Label: { en: 'KMS key in that region (empty: not encrypted)' }, AllowedPattern: `^$|${KMS_KEY_ID_PATTERN}` },
      ...common,
      OOSAssumeRole: { Type: 'String', Label: { en: 'RAM role OOS assumes' }, Default: spec.oosAssumeRole },
    };
  }
  return {
    ...leadingParameters(spec.targets, 'ECS instances whose newest application-consistent snapshot group to copy', scope),
    ...common,
    copyTargets: {
      Type: 'Json', Label: { en: 'Regions to copy to' }, Description: { en: 'One {RegionId, KmsKeyId} per target region (KmsKeyId empty: not encrypted)' },
      ...def(spec.copyTargets),
    },
    requireVerified: { Type: 'String', Label: { en: 'Only groups a restore drill verified' }, AllowedValues: ['true', 'false'], ...def(spec.requireVerified) },
    maxInFlight: {
      Type: 'Number', Label: { en: 'Copies in flight at once' }, MinValue: COPY_LIMITS.maxInFlight.min, MaxValue: COPY_LIMITS.maxInFlight.max, ...def(spec.maxInFlight),
    },
    // Its default in the per-instance template too: that template names the one it runs, so it can be run (and its role derived) alone.
    copyJobTemplateName: { Type: 'String', Label: { en: 'Copy job template' }, AllowedPattern: OOS_TEMPLATE_NAME_PATTERN, Default: spec.jobTemplateName },
    ...trailingParameters(spec, scope === 'parent' ? 'parent' : 'instance'),
  };
}

const select = (field: string) => ({ 'Fn::Select': [field, ref('ACS::TaskLoopItem')] });

/** A CopySnapshot call of the job, and the wait for its copy in the target region. */
function copyAndWait(copyName: string, waitName: string, encrypted: boolean): Array<Record<string, unknown>> {
  return [
    {
      Name: copyName,
      Action: 'ACS::ExecuteAPI',
      Description: { en: `Copies the snapshot to the target region${encrypted ? ', encrypted with the region\'s KMS key' : ''}, with its tags and retention` },
      ...(encrypted ? { OnSuccess: waitName } : {}),
      Properties: {
        Service: 'ECS',
        API: 'CopySnapshot',
        Parameters: {
          RegionId: ref('regionId'),
          SnapshotId: ref('snapshotId'),
          DestinationRegionId: ref('destinationRegionId'),
          DestinationSnapshotName: `AppSnapshotCopy-${ref('snapshotId')}`,
          DestinationSnapshotDescription: `Copy of ${ref('snapshotId')} (snapshot group ${ref('snapshotGroupId')} of ${ref('postureName')}/${ref('groupName')}) from ${ref('regionId')}`,
          RetentionDays: ref('copyRetentionDays'),
          ...(encrypted ? { Encrypted: true, KMSKeyId: ref('kmsKeyId') } : {}),
          Tag: [
            { Key: SNAPSHOT_TAG_KEYS.posture, Value: ref('postureName') },
            { Key: SNAPSHOT_TAG_KEYS.group, Value: ref('groupName') },
            { Key: COPY_SOURCE_GROUP_TAG_KEY, Value: ref('snapshotGroupId') },
          ],
        },
      },
      Outputs: { copyId: { Type: 'String', ValueSelector: '.SnapshotId' } },
    },
    {
      Name: waitName,
      Action: 'ACS::WaitFor',
      Description: { en: 'Waits until ECS reports the copy accomplished in the target region (failed: the job fails)' },
      ...(encrypted ? { OnSuccess: 'ACS::END' } : {}),
      ...COPY_WAIT,
      Properties: {
        Service: 'ECS',
        API: 'DescribeSnapshots',
        Parameters: { RegionId: ref('destinationRegionId'), SnapshotIds: [ref(`${copyName}.copyId`)] },
        PropertySelector: '.Snapshots.Snapshot[].Status',
        DesiredValues: ['accomplished'],
        StopRetryValues: ['failed'],
      },
    },
  ];
}

/**
 * Builds the copy templates: the parent loops over the instances (one at a time by default) and
 * runs the per-instance template, which picks the group to copy ({@link COPY_SELECTION}), runs
 * one copy job per snapshot and target region (at most `maxInFlight` at once; a job that fails is
 * tolerated and reported) and lists the failed jobs. A job finds an earlier copy of its snapshot
 * in the target region, else copies it (encrypted when a KMS key is given) and waits for it.
 */
export function buildCopyDocuments(spec: CopyTemplateSpec): { parent: OosTemplateDocument; instance: OosTemplateDocument; job: OosTemplateDocument } {
  const T = COPY_TASKS;
  const J = COPY_JOB_TASKS;
  const instanceParameters = copyParameters(spec, 'instance');
  const jobParameters = copyParameters(spec, 'job');
  const parent = buildPerInstanceParent({
    description: spec.description,
    targets: spec.targets,
    parameters: copyParameters(spec, 'parent'),
    taskName: T.instances,
    taskDescription: 'Runs the per-instance copy template for each instance',
    passed: childParameters(instanceParameters),
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
        Description: { en: 'Lists the instance\'s snapshot groups (one page, else nothing is copied) and picks the newest application-consistent one of this posture and group' },
        Properties: {
          Service: 'ECS',
          API: 'DescribeSnapshotGroups',
          Parameters: { RegionId: ref('regionId'), InstanceId: ref('instanceId'), MaxResults: SNAPSHOT_GROUPS_PAGE_SIZE },
          PropertySelector: `if .NextToken == null or .NextToken == "" then "one page" else "DescribeSnapshotGroups lists more than ${SNAPSHOT_GROUPS_PAGE_SIZE} snapshot groups for instance ${ref('instanceId')}: nothing was copied, as the newest cannot be told from one page" end`,
          DesiredValues: ['one page'],
        },
        Outputs: {
          jobs: { Type: 'List', ValueSelector: COPY_SELECTORS.jobs },
          snapshotGroupId: { Type: 'String', ValueSelector: COPY_SELECTORS.snapshotGroupId },
          result: { Type: 'Json', ValueSelector: COPY_SELECTORS.result },
        },
      },
      {
        Name: T.anyToCopy,
        Action: 'ACS::Choice',
        Description: { en: 'Ends here when no group is to be copied (a loop over an empty list is not documented)' },
        Properties: { DefaultTask: T.copy, Choices: [{ When: { 'Fn::Equals': [[], ref(`${T.select}.jobs`)] }, NextTask: 'ACS::END' }] },
      },
      {
        Name: T.copy,
        Action: 'ACS::Template',
        Description: { en: 'Copies each snapshot to each target region, at most maxInFlight at once; a copy that fails is reported, not a failure of the run' },
        // The loop tolerates every failed job (MaxErrors as many as a loop holds); should OOS fail it anyway, the report still runs.
        OnError: T.report,
        Properties: {
          TemplateName: ref('copyJobTemplateName'),
          Parameters: {
            regionId: ref('regionId'),
            snapshotId: select('SnapshotId'),
            snapshotGroupId: select('SnapshotGroupId'),
            destinationRegionId: select('RegionId'),
            kmsKeyId: select('KmsKeyId'),
            postureName: ref('postureName'),
            groupName: ref('groupName'),
            copyRetentionDays: ref('copyRetentionDays'),
            OOSAssumeRole: ref('OOSAssumeRole'),
          },
        },
        Loop: {
          Items: ref(`${T.select}.jobs`),
          RateControl: { Mode: 'Concurrency', MaxErrors: MAX_OOS_LOOP_ITEMS, Concurrency: ref('maxInFlight') },
          Outputs: { copies: { AggregateType: 'Fn::ListJoin', AggregateField: 'copy' } },
        },
        Outputs: { copy: { Type: 'Json', ValueSelector: '.copy' } },
      },
      {
        Name: T.report,
        Action: 'ACS::ExecuteAPI',
        Description: { en: 'Lists the copy jobs of this execution that failed, with OOS\'s message, for the result and the alert' },
        Properties: { Service: 'OOS', API: 'ListExecutions', Parameters: { ParentExecutionId: ref('ACS::ExecutionId'), Status: 'Failed' } },
        Outputs: { failed: { Type: 'Json', ValueSelector: COPY_SELECTORS.failed } },
      },
    ],
    Outputs: {
      result: {
        Type: 'Json',
        Value: {
          'Fn::If': [
            { 'Fn::Equals': [[], ref(`${T.select}.jobs`)] },
            ref(`${T.select}.result`),
            { instanceId: ref('instanceId'), snapshotGroupId: ref(`${T.select}.snapshotGroupId`), copies: ref(`${T.copy}.copies`), failed: ref(`${T.report}.failed`) },
          ],
        },
      },
    },
  };
  const copied = { 'Fn::Equals': ['', ref(`${J.find}.existing`)] };
  const job: OosTemplateDocument = {
    FormatVersion: OOS_FORMAT_VERSION,
    Description: { en: `${spec.description}: one snapshot to one region` },
    Parameters: jobParameters,
    RamRole: ref('OOSAssumeRole'),
    Tasks: [
      {
        Name: J.find,
        Action: 'ACS::ExecuteAPI',
        Description: { en: 'Looks in the target region for an earlier copy of the snapshot (its source group\'s tag, its id as source) that has not failed' },
        Properties: {
          Service: 'ECS',
          API: 'DescribeSnapshots',
          Parameters: { RegionId: ref('destinationRegionId'), Tag: [{ Key: COPY_SOURCE_GROUP_TAG_KEY, Value: ref('snapshotGroupId') }], MaxResults: 100 },
        },
        Outputs: { existing: { Type: 'String', ValueSelector: COPY_SELECTORS.existing }, existingStatus: { Type: 'String', ValueSelector: COPY_SELECTORS.existingStatus } },
      },
      {
        Name: J.anyCopy,
        Action: 'ACS::Choice',
        Description: { en: 'Ends here when the snapshot has a copy in the region already' },
        Properties: { DefaultTask: 'ACS::END', Choices: [{ When: copied, NextTask: J.encrypted }] },
      },
      {
        Name: J.encrypted,
        Action: 'ACS::Choice',
        Description: { en: 'Encrypts the copy when the region has a KMS key' },
        Properties: { DefaultTask: J.copyEncrypted, Choices: [{ When: { 'Fn::Equals': ['', ref('kmsKeyId')] }, NextTask: J.copy }] },
      },
      ...copyAndWait(J.copyEncrypted, J.waitEncrypted, true),
      ...copyAndWait(J.copy, J.wait, false),
    ],
    Outputs: {
      copy: {
        Type: 'Json',
        Value: {
          SnapshotId: ref('snapshotId'),
          RegionId: ref('destinationRegionId'),
          CopyId: { 'Fn::If': [copied, { 'Fn::If': [{ 'Fn::Equals': ['', ref('kmsKeyId')] }, ref(`${J.copy}.copyId`), ref(`${J.copyEncrypted}.copyId`)] }, ref(`${J.find}.existing`)] },
          Status: { 'Fn::If': [copied, 'accomplished', ref(`${J.find}.existingStatus`)] },
          Copied: { 'Fn::If': [copied, 'now', 'earlier'] },
        },
      },
    },
  };
  return { parent, instance, job };
}

/** Properties of a {@link SnapshotCopy}. */
export interface SnapshotCopyProps extends SnapshotCopyOptions, TargetProps {
  /** The snapshot automation's template name: the copy templates are named after it. */
  readonly automationTemplateName: string;
  /** Accept more instance ids than one OOS loop takes (each execution then passes at most 1,000). @default false */
  readonly sharded?: boolean;
  /** The posture whose groups to copy (the `app-snapshot:posture` tag). @default - the stack's name */
  readonly postureName?: string;
  /** The group whose groups to copy (the `app-snapshot:group` tag). @default - the automation's template name */
  readonly groupName?: string;
  /** The RAM role OOS executions assume by default. @default - the identity that starts them */
  readonly executionRoleName?: string;
  /** How many failed instances the execution tolerates. @default 0 */
  readonly maxErrors?: number;
  /** The templates' description. @default - a description naming the regions */
  readonly description?: string;
}

/** Checks the props and resolves them into the templates' spec. */
export function validateSnapshotCopyProps(scope: ros.Construct, props: SnapshotCopyProps): CopyTemplateSpec {
  checkCopyAutomationTemplateName('automationTemplateName', props.automationTemplateName);
  checkTargets(targetsOf(props));
  if (!props.sharded && props.instanceIds !== undefined) checkLoopSize('instanceIds', props.instanceIds);
  const { regions, retentionDays, kmsKeyIds, requireVerified, maxInFlight } = props;
  checkCopyOptions(Object.fromEntries(Object.entries({ regions, retentionDays, kmsKeyIds, requireVerified, maxInFlight }).filter(([, v]) => v !== undefined)) as unknown as SnapshotCopyOptions, '');
  const stackName = ros.Stack.of(scope).stackName;
  checkSnapshotTagValue('postureName', props.postureName ?? stackName, props.postureName === undefined ? 'it defaults to the stack\'s name: set postureName' : undefined);
  checkSnapshotTagValue('groupName', props.groupName ?? props.automationTemplateName, props.groupName === undefined ? 'it defaults to the automation template name: set groupName' : undefined);
  checkIntegerRange('maxErrors', props.maxErrors, 0, 1000);
  if (props.executionRoleName !== undefined) {
    checkPattern('executionRoleName', props.executionRoleName, RAM_ROLE_NAME_PATTERN, 'must be 1 to 64 characters of letters, digits, `.` and `-` (RAM role name)');
  }
  const names = copyTemplateNames(props.automationTemplateName);
  return {
    description: props.description ?? `Copies the newest application-consistent snapshot group of each instance to ${props.regions.join(', ')}`,
    targets: targetsOf(props),
    postureName: props.postureName ?? stackName,
    groupName: props.groupName ?? props.automationTemplateName,
    copyTargets: props.regions.map((r) => ({ RegionId: r, KmsKeyId: props.kmsKeyIds?.[r] ?? '' })),
    retentionDays: props.retentionDays,
    requireVerified: props.requireVerified ? 'true' : 'false',
    maxInFlight: props.maxInFlight ?? DEFAULT_MAX_COPIES_IN_FLIGHT,
    // The instances one after another: the bound on copies in flight holds for the whole run.
    concurrency: 1,
    maxErrors: props.maxErrors ?? 0,
    instanceTemplateName: names.instanceTemplateName,
    jobTemplateName: names.jobTemplateName,
    oosAssumeRole: props.executionRoleName ?? '',
  };
}

/**
 * Cross-region copies for one application group: three `ALIYUN::OOS::Template` resources, the
 * template to execute (`<automation>-Copy`), the per-instance template it runs
 * (`<automation>-CopyInstance`) and the copy job that one runs per snapshot and region
 * (`<automation>-CopyJob`), built by {@link buildCopyDocuments}. Run after the snapshots of each
 * scheduled run, or by hand.
 */
export class SnapshotCopy extends ros.Construct {
  /** The template to execute, the per-instance template, the copy job. */
  public readonly template: RosOosTemplate;
  public readonly instanceTemplate: RosOosTemplate;
  public readonly jobTemplate: RosOosTemplate;
  public readonly document: OosTemplateDocument;
  public readonly instanceDocument: OosTemplateDocument;
  public readonly jobDocument: OosTemplateDocument;
  public readonly templateName: string;
  public readonly instanceTemplateName: string;
  public readonly jobTemplateName: string;
  /** The RAM actions an execution needs, derived from the three templates. */
  public readonly requiredActions: string[];

  /** The template executions run, with what it nests (for the execution role). */
  public get executedTemplate(): ExecutedTemplate {
    return {
      document: this.document,
      nested: { [ref('instanceTemplateName')]: { document: this.instanceDocument, nested: { [ref('copyJobTemplateName')]: this.jobDocument } } },
    };
  }

  constructor(scope: ros.Construct, id: string, props: SnapshotCopyProps) {
    super(scope, id);
    const spec = validateSnapshotCopyProps(scope, props);
    const { parent, instance, job } = buildCopyDocuments(spec);
    const names = copyTemplateNames(props.automationTemplateName);
    this.document = parent;
    this.instanceDocument = instance;
    this.jobDocument = job;
    this.templateName = names.templateName;
    this.instanceTemplateName = names.instanceTemplateName;
    this.jobTemplateName = names.jobTemplateName;
    this.requiredActions = requiredActions(this.executedTemplate.document, this.executedTemplate.nested);
    const resource = (logical: string, name: string, document: OosTemplateDocument) => new RosOosTemplate(this, templateResourceId(this, logical, name), {
      templateName: name,
      content: renderTemplateContent('content', document),
      standaloneDocuments: { '': document },
    });
    this.jobTemplate = resource('JobTemplate', this.jobTemplateName, job);
    this.instanceTemplate = resource('InstanceTemplate', this.instanceTemplateName, instance);
    this.template = resource('Template', this.templateName, parent);
    // Each is created after (and deleted before) the template it runs.
    this.instanceTemplate.addRosDependency(this.jobTemplate.logicalId);
    this.template.addRosDependency(this.instanceTemplate.logicalId);
  }
}
