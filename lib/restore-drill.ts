import * as ros from '@alicloud/ros-cdk-core';
import { ExecutedTemplate } from './execution-role';
import { EVIDENCE_TAG_KEYS, OosTemplateDocument, SNAPSHOT_TAG_KEYS } from './instance-template';
import { templateResourceId } from './logical-id';
import { OOS_FORMAT_VERSION } from './oos/limits';
import { OOS_TEMPLATE_NAME_PATTERN, RosOosTemplate } from './oos/template';
import { NOTIFY_TASKS, NotifyOptions, RunStep, withRunNotifications } from './notify';
import { INSTANCE_ID_PATTERN } from './plugin/parameters';
import { DRILL_RESULT_PREFIX, RestoreCheck, buildDrillCheckCommand } from './restore-check';
import { Schedule, TimerTriggerProperties } from './schedule';
import { checkTemplateNameRoom, renderTemplateContent, snapshotTagParameters } from './snapshot-automation';
import { ScheduleExecution } from './snapshot-schedule';
import { SELECT_TASK_NAME, TargetSelection, targetParameters, targetTasks } from './targets';
import { ValidationError, checkIntegerRange, checkPattern, isResolved } from './validation';

/**
 * Restore drills: on a schedule (or by hand), restore the newest application-consistent snapshot
 * group of one of a group's instances to new disks on a scratch instance, run the engine's check
 * on them (`templates/checks/`), tag the group's snapshots with the evidence, and always delete
 * the disks. Four OOS templates, named after the automation's:
 *
 * - `<name>-RestoreTest`: the drill to execute. Sweeps drill disks an interrupted earlier drill
 *   left behind, picks the source instance, refuses a scratch instance that is one of the group's,
 *   runs the drill proper (`-RestoreTestRun`), and then, also after any failure (every task's
 *   OnError leads there), the clean-up of this execution's disks (`-RestoreTestCleanup`); its last
 *   task fails unless the group's snapshots carry this execution's evidence, so that a drill that
 *   did not verify a group never ends as a success.
 * - `<name>-RestoreTestRun`: checks the scratch instance, selects the group, creates one disk per
 *   snapshot in the scratch instance's zone (tagged as this drill's and this execution's), waits,
 *   attaches them, waits, runs the check, tags the evidence.
 * - `<name>-RestoreTestCleanup`: detaches and deletes the drill's disks, of one execution or of
 *   every execution older than a cut-off (the sweep).
 * - `<name>-RestoreTestSchedule` (with a schedule): the timer, then the drill; with the group's
 *   `notify`, a drill that fails (`not restorable` among the reasons) is alerted as a failed
 *   scheduled snapshot run is (lib/notify.ts).
 *
 * See docs/restore-drills.md.
 */

/** Which of the group's instances a drill restores. */
export abstract class RestoreSource {
  /**
   * A different instance each run: OOS has no random numbers, so the drill takes the instance at
   * position (Julian day number + hour of the run, UTC) modulo their count, sorted by id; a
   * daily drill visits every instance in turn.
   */
  public static random(): RestoreSource {
    return new FixedSource(undefined);
  }

  /** The newest group of this instance (one of the group's). */
  public static instance(instanceId: string): RestoreSource {
    return new FixedSource(instanceId);
  }

  /** The named instance, or undefined for a different one each run. */
  public abstract readonly instanceId?: string;
}

class FixedSource extends RestoreSource {
  constructor(public readonly instanceId: string | undefined) {
    super();
  }
}

/** A group's restore drill. */
export interface RestoreTestOptions {
  /** The scratch instance the disks are attached to (Linux, Running, Cloud Assistant up; not one of the group's). */
  readonly scratchInstanceId: string;
  /** What is checked on the restored disks. */
  readonly check: RestoreCheck;
  /**
   * When the drill runs (the same forms as the group's schedule).
   *
   * @default - no schedule: the drill runs when its template is executed by hand
   */
  readonly schedule?: Schedule;
  /**
   * Which instance's newest group is restored.
   *
   * @default RestoreSource.random()
   */
  readonly source?: RestoreSource;
  /**
   * The newest eligible group must be at most this many hours old, else the drill fails: a stale
   * backup is a finding (1-87600).
   *
   * @default 48
   */
  readonly maxAgeHours?: number;
  /**
   * How long the check on the scratch instance may take, in minutes (1-1440).
   *
   * @default 30
   */
  readonly timeoutMinutes?: number;
  /**
   * Allow the execution role to delete only disks that carry this drill's tag (a RAM condition on
   * `acs:ResourceTag`, which the ECS documentation does not list for DeleteDisk: turn it off if
   * the clean-up is refused).
   *
   * @default true
   */
  readonly diskDeletionTagCondition?: boolean;
}

/** The bounds and defaults of the drill options. */
export const RESTORE_TEST_LIMITS = {
  maxAgeHours: { min: 1, max: 87600, default: 48 },
  timeoutMinutes: { min: 1, max: 1440, default: 30 },
} as const;

const OPTION_NAMES = ['scratchInstanceId', 'check', 'schedule', 'source', 'maxAgeHours', 'timeoutMinutes', 'diskDeletionTagCondition'];

/** The tags on the drill's disks: which drill (`<posture>/<group>`) and which execution made them. */
export const DRILL_DISK_TAG_KEYS = { drill: 'app-snapshot:drill', execution: 'app-snapshot:drill-execution' } as const;


/** The drill templates' names add these to the automation's. */
export const RESTORE_TEST_SUFFIXES = {
  drill: '-RestoreTest',
  run: '-RestoreTestRun',
  cleanup: '-RestoreTestCleanup',
  schedule: '-RestoreTestSchedule',
} as const;

/** The longest suffix, which bounds the automation's template name. */
const LONGEST_SUFFIX = RESTORE_TEST_SUFFIXES.schedule;

/** Task names of the drill templates. */
export const RESTORE_TEST_TASKS = {
  sweep: 'sweepDrillDisks',
  checkTargets: 'checkTargetsFound',
  refuseNoTargets: 'refuseNoInstance',
  checkScratch: 'checkScratchInstance',
  refuseScratch: 'refuseScratchInstance',
  run: 'runDrill',
  cleanup: 'cleanUpDrillDisks',
  confirm: 'confirmVerified',
  describeScratch: 'describeScratchInstance',
  select: 'selectSnapshotGroup',
  checkSnapshots: 'checkSnapshotsFound',
  create: 'createDisks',
  checkCreated: 'checkDisksCreated',
  waitCreated: 'waitDisksCreated',
  attach: 'attachDisks',
  waitAttached: 'waitDisksAttached',
  describeDisks: 'describeDrillDisks',
  check: 'runCheck',
  evidence: 'tagEvidence',
  list: 'listDrillDisks',
  checkAttached: 'checkAttachedDisks',
  detach: 'detachDisks',
  checkFound: 'checkDisksFound',
  waitDetached: 'waitDisksAvailable',
  delete: 'deleteDisks',
  trigger: 'timerTrigger',
} as const;

/** The disks a drill creates: the ESSD category at its lowest performance level (enough for a check). */
export const DRILL_DISK = { category: 'cloud_essd', performanceLevel: 'PL0' } as const;

/** The form of the times the templates pass: a UTC second, as ECS writes them. */
export const UTC_SECOND_FORMAT = '%Y-%m-%dT%H:%M:%SZ';
export const UTC_SECOND_PATTERN = '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$';

/** OOS execution ids (the evidence's value and the disks' execution tag). */
const EXECUTION_ID_PATTERN = '^[A-Za-z0-9_.-]{1,64}$';

/** Seconds Cloud Assistant gives the check beyond its own deadline, to report and clean up. */
export const CHECK_COMMAND_GRACE_SECONDS = 120;

const ref = (name: string) => `{{ ${name} }}`;
const DRILL_NAME = `${ref('postureName')}/${ref('groupName')}`;

/**
 * "Now minus N hours" as a UTC second, the public templates' idiom (as the retention's cut-off).
 */
const hoursAgo = (parameter: string) => ({
  'Fn::FormatUTCTime': [{ 'Fn::AddHour': [ref('ACS::CurrentUTCTime'), { 'Fn::Eval': [`-${ref(parameter)}`] }] }, UTC_SECOND_FORMAT],
});

/** jq: how many tags of a snapshot (`Tags.Tag[]` of `{Key, Value}`) satisfy CONDITION. */
const taggedCount = (condition: string) => `([.Tags.Tag[]? | select(${condition})] | length)`;

/**
 * jq over DescribeSnapshotGroups: the eligible groups, oldest first, as `[CreationTime, id, group]`:
 * of the source instance, accomplished, with snapshots, every snapshot tagged with this posture
 * and group (as the automation tags them) and `APPConsistent:True` (key and value compared
 * without regard to case, as the verdict does).
 */
const ELIGIBLE_GROUPS = [
  `[.SnapshotGroups.SnapshotGroup[]? | select(.InstanceId == "${ref('sourceInstanceId')}" and .Status == "accomplished")`,
  '  | select((.Snapshots.Snapshot | length) > 0)',
  '  | select([.Snapshots.Snapshot[] | select(',
  `      ${taggedCount(`.Key == "${SNAPSHOT_TAG_KEYS.posture}" and .Value == "${ref('postureName')}"`)} == 0`,
  `      or ${taggedCount(`.Key == "${SNAPSHOT_TAG_KEYS.group}" and .Value == "${ref('groupName')}"`)} == 0`,
  `      or ${taggedCount('(.Key | ascii_downcase) == "appconsistent" and (.Value | ascii_downcase) == "true"')} == 0)] | length == 0)`,
  '  | [.CreationTime, .SnapshotGroupId, .]] | sort',
].join('\n');

/** DescribeSnapshotGroups' page the drill judges; a longer list fails the drill, naming it. */
export const DRILL_SNAPSHOT_GROUPS_PAGE_SIZE = 100;

/**
 * The jq selectors of the drill templates. Only the builtins, keywords and syntax that Alibaba's
 * own templates use (docs/oos-lint.md): no `//`, no string interpolation, no `error`.
 */
export const RESTORE_TEST_SELECTORS = {
  /**
   * The selection's verdict: `eligible`, or why not (the CheckFor's value when it fails): more
   * groups than one page, none eligible, or the newest older than the age cut-off (both times
   * UTC seconds, compared as text).
   */
  selection: [
    `if .NextToken != null and .NextToken != "" then "instance ${ref('sourceInstanceId')} has more than ${DRILL_SNAPSHOT_GROUPS_PAGE_SIZE} snapshot groups: the drill judges one page only (keep fewer with retention)" else`,
    `(${ELIGIBLE_GROUPS}) as $groups`,
    `| if ($groups | length) == 0 then "no eligible group: instance ${ref('sourceInstanceId')} has no accomplished snapshot group whose snapshots all carry ${SNAPSHOT_TAG_KEYS.posture}=${ref('postureName')}, ${SNAPSHOT_TAG_KEYS.group}=${ref('groupName')} and APPConsistent:True"`,
    `  else ($groups[($groups | length) - 1]) as $newest`,
    `  | if ($newest[0] | tostring) < "${ref('ageCutoff')}" then "stale: the newest eligible group of instance ${ref('sourceInstanceId')}, " + $newest[1] + ", was created at " + ($newest[0] | tostring) + ", before the cut-off ${ref('ageCutoff')} (maxAgeHours)"`,
    '    else "eligible" end end end',
  ].join('\n'),
  /** The newest eligible group's id. */
  groupId: `(${ELIGIBLE_GROUPS}) | if length == 0 then "" else .[length - 1][1] end`,
  /** Its creation time. */
  createdAt: `(${ELIGIBLE_GROUPS}) | if length == 0 then "" else (.[length - 1][0] | tostring) end`,
  /** Its snapshots' ids, one value each (a List output). */
  snapshotIds: `(${ELIGIBLE_GROUPS}) | .[length - 1][2].Snapshots.Snapshot[]?.SnapshotId`,
  /** DescribeDisks of the drill's disks: `DISK:SERIAL` (serial as ECS reports it, when it does), space-separated. */
  drillDisks: '[.Disks.Disk[]? | .DiskId + (if (.SerialNumber | tostring) != "null" and .SerialNumber != "" then ":" + .SerialNumber else "" end)] | join(" ")',
  /** The check's result line, parsed. */
  result: `.invocationOutput | split("\\n") | map(select(test("^${DRILL_RESULT_PREFIX} "))) | .[length - 1] | split("${DRILL_RESULT_PREFIX} ") | .[1] | fromjson`,
  /** The check's own lines. */
  lines: '.invocationOutput | split("\\n") | .[] | select(test("^drill[(]"))',
  /** The confirmation: does a snapshot carry this execution's evidence. */
  confirmed: `if (.Snapshots.Snapshot | length) > 0 then "verified" else "not verified: no snapshot carries ${EVIDENCE_TAG_KEYS.verifiedBy}=${ref('ACS::ExecutionId')}; the failed task above, and the execution of ${RESTORE_TEST_TASKS.run}, say why" end`,
  /** A drill disk of this drill (and execution, when one is named) created before the cut-off. */
  drillDisksOf: [
    `[.Disks.Disk[]? | select(([.Tags.Tag[]? | select(.TagKey == "${DRILL_DISK_TAG_KEYS.drill}" and .TagValue == "${DRILL_NAME}")] | length) > 0)`,
    `  | select("${ref('executionId')}" == "" or ([.Tags.Tag[]? | select(.TagKey == "${DRILL_DISK_TAG_KEYS.execution}" and .TagValue == "${ref('executionId')}")] | length) > 0)`,
    `  | select((.CreationTime | tostring) < "${ref('createdBefore')}")]`,
  ].join('\n'),
} as const;

/** The cleanup's outputs: the disks attached (to detach first) and all of them, one value each. */
const CLEANUP_SELECTORS = {
  attached: `${RESTORE_TEST_SELECTORS.drillDisksOf} | .[] | select(.Status == "In_use") | {DiskId: .DiskId, InstanceId: .InstanceId}`,
  diskIds: `${RESTORE_TEST_SELECTORS.drillDisksOf} | .[] | .DiskId`,
} as const;

/**
 * Fn::Jq over the candidate instance ids: the named source, or the one at (Julian day number of
 * the run's UTC date + its hour) modulo their count, sorted.
 */
export const SOURCE_PICK = [
  `if "${ref('sourceInstanceId')}" != "" then "${ref('sourceInstanceId')}" else`,
  `  ("${ref('ACS::CurrentUTCTime')}" | split("T")) as $at`,
  '  | ($at[0] | split("-") | map(tonumber)) as $d',
  '  | ($at[1] | split(":") | .[0] | tonumber) as $h',
  '  | (((14 - $d[1]) / 12) | floor) as $a',
  '  | ($d[0] + 4800 - $a) as $y',
  '  | ($d[1] + 12 * $a - 3) as $m',
  '  | ($d[2] + (((153 * $m) + 2) / 5 | floor) + 365 * $y + ($y / 4 | floor) - ($y / 100 | floor) + ($y / 400 | floor) - 32045) as $jdn',
  '  | sort | .[($jdn + $h) % length]',
  'end',
].join('\n');

/** Everything the drill templates are built from. */
export interface RestoreTestSpec {
  readonly groupName: string;
  readonly postureName: string;
  /** The group's instances. */
  readonly targets: TargetSelection;
  readonly scratchInstanceId: string;
  /** '' for a different instance each run. */
  readonly sourceInstanceId: string;
  readonly maxAgeHours: number;
  readonly timeoutMinutes: number;
  readonly check: RestoreCheck;
  readonly oosAssumeRole: string;
  /** The group's alerts, which the scheduled drill sends too. */
  readonly notify?: NotifyOptions;
  /** The templates' names. */
  readonly names: { readonly drill: string; readonly run: string; readonly cleanup: string; readonly schedule: string };
}

/** The drill templates' names, from the automation's (a ROS join for a parameter). */
export function restoreTestTemplateNames(automationTemplateName: string): RestoreTestSpec['names'] {
  const named = (suffix: string) => (isResolved(automationTemplateName) ? `${automationTemplateName}${suffix}` : ros.Fn.join('', [automationTemplateName, suffix]));
  return {
    drill: named(RESTORE_TEST_SUFFIXES.drill),
    run: named(RESTORE_TEST_SUFFIXES.run),
    cleanup: named(RESTORE_TEST_SUFFIXES.cleanup),
    schedule: named(RESTORE_TEST_SUFFIXES.schedule),
  };
}

/** How old, in hours, a drill disk must be for the sweep to take it as left behind by an interrupted drill. */
export function sweepAfterHours(timeoutMinutes: number): number {
  // Longer than a drill can run: its waits for the disks (10 + 5 + 10 minutes), the check, and an hour to spare.
  return Math.ceil((timeoutMinutes + 25) / 60) + 1;
}

const param = (type: string, label: string, more: Record<string, unknown> = {}) => ({ Type: type, Label: { en: label }, ...more });
const failWith = (message: string) => ({ PropertySelector: JSON.stringify(message), DesiredValues: ['never'] });

/** An ECS call task. */
function ecs(name: string, action: string, description: string, api: string, parameters: Record<string, unknown>, more: Record<string, unknown> = {}): Record<string, unknown> {
  const { Outputs, OnError, Loop, Retries, DelayType, Delay, ...properties } = more;
  return {
    Name: name,
    Action: action,
    Description: { en: description },
    Properties: { Service: 'ECS', API: api, Parameters: parameters, ...properties },
    ...(Outputs ? { Outputs } : {}),
    ...(Loop ? { Loop } : {}),
    ...(Retries !== undefined ? { Retries, DelayType, Delay } : {}),
    ...(OnError ? { OnError } : {}),
  };
}

/** A loop over a list output, one item at a time by default. */
const loopOver = (items: string, concurrency = 1) => ({ Items: ref(items), RateControl: { Mode: 'Concurrency', MaxErrors: 0, Concurrency: concurrency } });

/** An ACS::Choice that skips to `whenEmpty` when the list is empty (OOS's behaviour on an empty loop is not documented). */
const unlessEmpty = (name: string, list: string, whenEmpty: string, next: string, onError?: string) => ({
  Name: name,
  Action: 'ACS::Choice',
  Description: { en: `Skips to ${whenEmpty} when ${list} is empty` },
  Properties: { DefaultTask: next, Choices: [{ When: { 'Fn::Equals': [[], ref(list)] }, NextTask: whenEmpty }] },
  ...(onError ? { OnError: onError } : {}),
});

/** A drill template: its description, parameters, tasks and outputs; the role OOS assumes is `OOSAssumeRole`. */
function drillDocument(description: string, parameters: Record<string, Record<string, unknown>>, tasks: Array<Record<string, unknown>>,
  outputs: Record<string, Record<string, unknown>>): OosTemplateDocument {
  return { FormatVersion: OOS_FORMAT_VERSION, Description: { en: description }, Parameters: parameters, RamRole: ref('OOSAssumeRole'), Tasks: tasks, Outputs: outputs };
}

/** Builds the drill template (`-RestoreTest`). */
export function buildRestoreTestDocument(spec: RestoreTestSpec): OosTemplateDocument {
  const T = RESTORE_TEST_TASKS;
  const byTags = spec.targets.tags !== undefined;
  const candidates = byTags ? `${SELECT_TASK_NAME}.instanceIds` : 'instanceIds';
  const onError = { OnError: T.cleanup };
  const name = (value: string, label: string) => param('String', label, { AllowedPattern: OOS_TEMPLATE_NAME_PATTERN, Default: value });
  const parameters: Record<string, Record<string, unknown>> = {
    regionId: param('String', 'Region', { AssociationProperty: 'RegionId', Default: ref('ACS::RegionId') }),
    scratchInstanceId: param('String', 'Scratch instance (the disks are attached to it)', { AllowedPattern: INSTANCE_ID_PATTERN, AssociationProperty: 'ALIYUN::ECS::Instance::InstanceId', Default: spec.scratchInstanceId }),
    ...targetParameters(spec.targets, `The instances of group ${spec.groupName}`),
    sourceInstanceId: param('String', 'Source instance (empty: a different one each run)', { AllowedPattern: `^(${INSTANCE_ID_PATTERN.slice(1, -1)})?$`, Default: spec.sourceInstanceId }),
    ...snapshotTagParameters(spec, true),
    maxAgeHours: param('Number', 'Oldest acceptable group (hours)', { MinValue: RESTORE_TEST_LIMITS.maxAgeHours.min, MaxValue: RESTORE_TEST_LIMITS.maxAgeHours.max, Default: spec.maxAgeHours }),
    checkTimeoutSeconds: param('Number', 'Check deadline (seconds)', { MinValue: 10, MaxValue: RESTORE_TEST_LIMITS.timeoutMinutes.max * 60, Default: spec.timeoutMinutes * 60 }),
    sweepAfterHours: param('Number', 'Age at which a drill disk is left behind (hours)', { MinValue: 1, MaxValue: 1000, Default: sweepAfterHours(spec.timeoutMinutes) }),
    runTemplateName: name(spec.names.run, 'Drill run template'),
    cleanupTemplateName: name(spec.names.cleanup, 'Drill clean-up template'),
    OOSAssumeRole: param('String', 'RAM role OOS assumes', { Default: spec.oosAssumeRole }),
  };
  const cleanupRun = (task: string, description: string, executionId: string, createdBefore: unknown, more: Record<string, unknown> = {}) => ({
    Name: task,
    Action: 'ACS::Template',
    Description: { en: description },
    Properties: {
      TemplateName: ref('cleanupTemplateName'),
      Parameters: { regionId: ref('regionId'), postureName: ref('postureName'), groupName: ref('groupName'), executionId, createdBefore, OOSAssumeRole: ref('OOSAssumeRole') },
    },
    ...more,
  });
  const refuse = (task: string, message: string) => ecs(task, 'ACS::CheckFor', `Fails the drill: ${message}`, 'DescribeInstances',
    { RegionId: ref('regionId'), InstanceIds: [ref('scratchInstanceId')] }, { ...failWith(message), ...onError });
  const tasks: Array<Record<string, unknown>> = [
    cleanupRun(T.sweep, 'Deletes the drill disks that an earlier, interrupted drill of this group left behind', '', hoursAgo('sweepAfterHours'), onError),
    ...targetTasks(spec.targets).map((t) => ({ ...t, ...onError })),
    unlessEmpty(T.checkTargets, candidates, T.refuseNoTargets, T.checkScratch, T.cleanup),
    refuse(T.refuseNoTargets, `group ${spec.groupName} has no instance to restore`),
    {
      Name: T.checkScratch,
      Action: 'ACS::Choice',
      Description: { en: 'Refuses a scratch instance that is one of the group\'s own instances' },
      Properties: {
        DefaultTask: T.run,
        Choices: [{
          When: { 'Fn::Equals': ['true', { 'Fn::Jq': ['First', `map(select(. == "${ref('scratchInstanceId')}")) | length > 0 | tostring`, ref(candidates)] }] },
          NextTask: T.refuseScratch,
        }],
      },
      ...onError,
    },
    refuse(T.refuseScratch, `the scratch instance ${ref('scratchInstanceId')} is one of the instances of group ${spec.groupName}: a drill never attaches disks to them`),
    {
      Name: T.run,
      Action: 'ACS::Template',
      Description: { en: 'Restores the newest eligible group to new disks on the scratch instance, checks them and tags the evidence' },
      Properties: {
        TemplateName: ref('runTemplateName'),
        Parameters: {
          regionId: ref('regionId'),
          scratchInstanceId: ref('scratchInstanceId'),
          sourceInstanceId: { 'Fn::Jq': ['First', SOURCE_PICK, ref(candidates)] },
          postureName: ref('postureName'),
          groupName: ref('groupName'),
          ageCutoff: hoursAgo('maxAgeHours'),
          startedAt: ref('ACS::CurrentUTCTime'),
          drillExecutionId: ref('ACS::ExecutionId'),
          checkTimeoutSeconds: ref('checkTimeoutSeconds'),
          OOSAssumeRole: ref('OOSAssumeRole'),
        },
      },
      Outputs: { result: { Type: 'Json', ValueSelector: '.result' }, lines: { Type: 'List', ValueSelector: '.lines[]' } },
      ...onError,
    },
    cleanupRun(T.cleanup, 'Detaches and deletes every disk this drill created, after a success or any failure', ref('ACS::ExecutionId'), '9999-12-31T23:59:59Z'),
    ecs(T.confirm, 'ACS::CheckFor', 'Fails the execution unless the group\'s snapshots carry this execution\'s evidence', 'DescribeSnapshots',
      { RegionId: ref('regionId'), Tag: [{ Key: EVIDENCE_TAG_KEYS.verifiedBy, Value: ref('ACS::ExecutionId') }], MaxResults: 10 },
      { PropertySelector: RESTORE_TEST_SELECTORS.confirmed, DesiredValues: ['verified'] }),
  ];
  return drillDocument(`Restore drill of group ${spec.groupName}: restores its newest application-consistent snapshot group to disks on a scratch instance, checks them (${spec.check.kind}), tags the evidence and deletes the disks`, parameters, tasks, {
    result: { Type: 'Json', Value: ref(`${T.run}.result`) },
    lines: { Type: 'List', Value: ref(`${T.run}.lines`) },
  });
}

/** Builds the drill proper (`-RestoreTestRun`). */
export function buildRestoreTestRunDocument(spec: RestoreTestSpec): OosTemplateDocument {
  const T = RESTORE_TEST_TASKS;
  const S = RESTORE_TEST_SELECTORS;
  const text = (selector: string) => ({ Type: 'String', ValueSelector: selector });
  const parameters: Record<string, Record<string, unknown>> = {
    regionId: param('String', 'Region', { AssociationProperty: 'RegionId', Default: ref('ACS::RegionId') }),
    scratchInstanceId: param('String', 'Scratch instance', { AllowedPattern: INSTANCE_ID_PATTERN }),
    sourceInstanceId: param('String', 'Source instance', { AllowedPattern: INSTANCE_ID_PATTERN }),
    ...snapshotTagParameters(spec, false),
    ageCutoff: param('String', 'Oldest acceptable creation time (UTC)', { AllowedPattern: UTC_SECOND_PATTERN }),
    startedAt: param('String', 'When the drill started (UTC)', { AllowedPattern: UTC_SECOND_PATTERN }),
    drillExecutionId: param('String', 'The drill\'s execution (tags its disks)', { AllowedPattern: EXECUTION_ID_PATTERN }),
    checkTimeoutSeconds: param('Number', 'Check deadline (seconds)', { MinValue: 10, MaxValue: RESTORE_TEST_LIMITS.timeoutMinutes.max * 60 }),
    OOSAssumeRole: param('String', 'RAM role OOS assumes', { Default: '' }),
  };
  const command = buildDrillCheckCommand(spec.check, {
    disks: ref(`${T.describeDisks}.disks`),
    deadlineSeconds: ref('checkTimeoutSeconds'),
    startedAt: ref('startedAt'),
    executionId: ref('drillExecutionId'),
    groupId: ref(`${T.select}.groupId`),
    sourceInstanceId: ref('sourceInstanceId'),
  });
  const wait = (name: string, description: string, status: string, retries: number, delay: number) => ecs(name, 'ACS::WaitFor', description, 'DescribeDisks',
    { RegionId: ref('regionId'), DiskIds: [ref('ACS::TaskLoopItem')] },
    { PropertySelector: '.Disks.Disk[].Status', DesiredValues: [status], Loop: loopOver(`${T.create}.diskIds`, 10), Retries: retries, DelayType: 'Constant', Delay: delay });
  const tasks: Array<Record<string, unknown>> = [
    ecs(T.describeScratch, 'ACS::CheckFor', 'The scratch instance must be Running; its zone is where the disks are created', 'DescribeInstances',
      { RegionId: ref('regionId'), InstanceIds: [ref('scratchInstanceId')] },
      { PropertySelector: '.Instances.Instance[].Status', DesiredValues: ['Running'], Outputs: { zoneId: text('.Instances.Instance[].ZoneId') } }),
    ecs(T.select, 'ACS::CheckFor', 'Selects the newest eligible group of the source instance: fails when there is none, or it is older than maxAgeHours', 'DescribeSnapshotGroups',
      { RegionId: ref('regionId'), InstanceId: ref('sourceInstanceId'), Status: ['accomplished'], MaxResults: DRILL_SNAPSHOT_GROUPS_PAGE_SIZE },
      {
        PropertySelector: S.selection,
        DesiredValues: ['eligible'],
        Outputs: { groupId: text(S.groupId), createdAt: text(S.createdAt), snapshotIds: { Type: 'List', ValueSelector: S.snapshotIds } },
      }),
    unlessEmpty(T.checkSnapshots, `${T.select}.snapshotIds`, 'ACS::END', T.create),
    ecs(T.create, 'ACS::ExecuteAPI', 'Creates one disk from each snapshot of the group, in the scratch instance\'s zone, tagged as this drill\'s and this execution\'s', 'CreateDisk', {
      RegionId: ref('regionId'),
      ZoneId: ref(`${T.describeScratch}.zoneId`),
      SnapshotId: ref('ACS::TaskLoopItem'),
      DiskCategory: DRILL_DISK.category,
      PerformanceLevel: DRILL_DISK.performanceLevel,
      DiskName: 'app-snapshot-restore-drill',
      Description: `Restore drill of ${DRILL_NAME}: deleted when the drill ends`,
      Tag: [{ Key: DRILL_DISK_TAG_KEYS.drill, Value: DRILL_NAME }, { Key: DRILL_DISK_TAG_KEYS.execution, Value: ref('drillExecutionId') }],
    }, {
      Outputs: { diskId: text('.DiskId') },
      Loop: { ...loopOver(`${T.select}.snapshotIds`, 10), Outputs: { diskIds: { AggregateType: 'Fn::ListJoin', AggregateField: 'diskId' } } },
    }),
    unlessEmpty(T.checkCreated, `${T.create}.diskIds`, 'ACS::END', T.waitCreated),
    wait(T.waitCreated, 'Waits until every disk is Available', 'Available', 60, 10),
    ecs(T.attach, 'ACS::ExecuteAPI', 'Attaches the disks to the scratch instance, one at a time', 'AttachDisk',
      { InstanceId: ref('scratchInstanceId'), DiskId: ref('ACS::TaskLoopItem'), DeleteWithInstance: false },
      { Loop: loopOver(`${T.create}.diskIds`) }),
    wait(T.waitAttached, 'Waits until every disk is In_use', 'In_use', 60, 5),
    ecs(T.describeDisks, 'ACS::ExecuteAPI', 'Reads the disks\' serial numbers, by which the check finds them', 'DescribeDisks',
      { RegionId: ref('regionId'), DiskIds: ref(`${T.create}.diskIds`), MaxResults: 100 },
      { Outputs: { disks: text(S.drillDisks) } }),
    {
      Name: T.check,
      Action: 'ACS::ECS::RunCommand',
      Description: { en: `Runs the ${spec.check.kind} check on the scratch instance: mounts, checks the file systems, starts the engine on a private socket, checks, stops, unmounts` },
      Properties: {
        regionId: ref('regionId'),
        instanceId: ref('scratchInstanceId'),
        commandType: 'RunShellScript',
        commandContent: command,
        timeout: { 'Fn::Eval': [`${ref('checkTimeoutSeconds')} + ${CHECK_COMMAND_GRACE_SECONDS}`] },
      },
      Outputs: {
        result: { Type: 'Json', ValueSelector: S.result },
        verdict: text(`${S.result} | .verdict`),
        verifiedAt: text(`${S.result} | .verifiedAt`),
        seconds: text(`${S.result} | .seconds | tostring`),
        lines: { Type: 'List', ValueSelector: S.lines },
      },
    },
    ecs(T.evidence, 'ACS::ExecuteAPI', 'Tags every snapshot of the group with the evidence: when it was verified, how long the restore took, by which execution', 'TagResources', {
      RegionId: ref('regionId'),
      ResourceType: 'snapshot',
      ResourceId: ref(`${T.select}.snapshotIds`),
      Tag: [
        { Key: EVIDENCE_TAG_KEYS.verified, Value: ref(`${T.check}.verifiedAt`) },
        { Key: EVIDENCE_TAG_KEYS.restoreSeconds, Value: ref(`${T.check}.seconds`) },
        { Key: EVIDENCE_TAG_KEYS.verifiedBy, Value: ref('drillExecutionId') },
      ],
    }),
  ];
  return drillDocument(`Restore drill of group ${spec.groupName}, the drill proper (run by ${spec.names.drill}, which cleans up after it)`, parameters, tasks, {
    result: { Type: 'Json', Value: ref(`${T.check}.result`) },
    lines: { Type: 'List', Value: ref(`${T.check}.lines`) },
  });
}

/** Builds the clean-up (`-RestoreTestCleanup`). */
export function buildRestoreTestCleanupDocument(spec: RestoreTestSpec): OosTemplateDocument {
  const T = RESTORE_TEST_TASKS;
  const parameters: Record<string, Record<string, unknown>> = {
    regionId: param('String', 'Region', { AssociationProperty: 'RegionId', Default: ref('ACS::RegionId') }),
    ...snapshotTagParameters(spec, false),
    executionId: param('String', 'The drill execution whose disks to delete (empty: any drill\'s)', { AllowedPattern: `^(${EXECUTION_ID_PATTERN.slice(1, -1)})?$` }),
    createdBefore: param('String', 'Delete only disks created before (UTC)', { AllowedPattern: UTC_SECOND_PATTERN }),
    OOSAssumeRole: param('String', 'RAM role OOS assumes', { Default: '' }),
  };
  const tasks: Array<Record<string, unknown>> = [
    ecs(T.list, 'ACS::ExecuteAPI', 'Lists this drill\'s disks (of the execution named, or all created before the cut-off)', 'DescribeDisks',
      { RegionId: ref('regionId'), Tag: [{ Key: DRILL_DISK_TAG_KEYS.drill, Value: DRILL_NAME }], MaxResults: 500 },
      { Outputs: { attached: { Type: 'List', ValueSelector: CLEANUP_SELECTORS.attached }, diskIds: { Type: 'List', ValueSelector: CLEANUP_SELECTORS.diskIds } } }),
    unlessEmpty(T.checkAttached, `${T.list}.attached`, T.checkFound, T.detach),
    ecs(T.detach, 'ACS::ExecuteAPI', 'Detaches the disks that are attached', 'DetachDisk',
      { InstanceId: { 'Fn::Select': ['InstanceId', ref('ACS::TaskLoopItem')] }, DiskId: { 'Fn::Select': ['DiskId', ref('ACS::TaskLoopItem')] } },
      { Loop: loopOver(`${T.list}.attached`) }),
    unlessEmpty(T.checkFound, `${T.list}.diskIds`, 'ACS::END', T.waitDetached),
    ecs(T.waitDetached, 'ACS::WaitFor', 'Waits until every disk is Available (detached, or created)', 'DescribeDisks',
      { RegionId: ref('regionId'), DiskIds: [ref('ACS::TaskLoopItem')] },
      { PropertySelector: '.Disks.Disk[].Status', DesiredValues: ['Available'], Loop: loopOver(`${T.list}.diskIds`, 10), Retries: 60, DelayType: 'Constant', Delay: 10 }),
    ecs(T.delete, 'ACS::ExecuteAPI', 'Deletes the disks', 'DeleteDisk', { DiskId: ref('ACS::TaskLoopItem') }, { Loop: loopOver(`${T.list}.diskIds`, 10) }),
  ];
  return drillDocument(`Restore drill of group ${spec.groupName}: deletes the drill's disks (run by ${spec.names.drill})`, parameters, tasks, { diskIds: { Type: 'List', Value: ref(`${T.list}.diskIds`) } });
}

/** A timer trigger with a rate written in minutes, as OOS's own documents and templates write rates. */
export function timerTriggerInMinutes(t: TimerTriggerProperties): TimerTriggerProperties {
  if (t.Type !== 'rate') return t;
  const [count, unit] = t.Expression.split(' ');
  const minutes = Number(count) * ({ minute: 1, minutes: 1, hour: 60, hours: 60, day: 1440, days: 1440 } as Record<string, number>)[unit];
  return { ...t, Expression: `${minutes} minutes` };
}

/** The scheduled drill's one step, as the notifications name it. */
const DRILL_STEP: RunStep = { task: RESTORE_TEST_TASKS.run, templateParameter: 'drillTemplateName', label: 'restore drill' };

/**
 * jq selectors of the scheduled drill's notification, in place of the snapshot run's (the rest of
 * the notification is lib/notify.ts's): `summary` over the run's children (the drill), `lines` and
 * `count` over the drill's failed children (sweep, drill proper, clean-up), each line with the
 * verdict and reason of the check's result line when the failure's message carries it.
 */
export const DRILL_NOTIFY_SELECTORS = {
  summary: [
    `[.Executions[] | select(.TemplateName == "${ref(DRILL_STEP.templateParameter)}")] as $d`,
    '| ([$d[] | select(.Status == "Success") | .Outputs | tostring | fromjson? | .result] | .[0]) as $r',
    '| if ([$d[] | select(.Status != "Success")] | length) > 0 or $r == null then "restore drill FAILED"',
    '  else "restore drill succeeded: " + ($r.verdict | tostring) + ", group " + ($r.groupId | tostring) + " of " + ($r.sourceInstanceId | tostring) + " restored in " + ($r.seconds | tostring) + " s" end',
  ].join('\n'),
  lines: [
    `[.Executions[] | (.StatusMessage | tostring) as $m | ([$m | split("${DRILL_RESULT_PREFIX}") | .[1] | fromjson?] | .[0]) as $res`,
    '| "\\n" + (.TemplateName | tostring) + " failed: " + (if $res == null then $m else ($res.verdict | tostring) + ": " + ($res.reason | tostring) end)] | join("")',
  ].join('\n'),
  count: '[.Executions[]] | length | tostring | . + (if . == "1" then " step" else " steps" end)',
} as const;

/**
 * The scheduled drill with the group's notifications (lib/notify.ts): the drill's failure goes to
 * them, and their summary and lines are the drill's ({@link DRILL_NOTIFY_SELECTORS}).
 */
function withDrillNotifications(document: OosTemplateDocument, spec: RestoreTestSpec): OosTemplateDocument {
  const notified = withRunNotifications(document, {
    notify: spec.notify!, steps: [DRILL_STEP], snapshotStep: DRILL_STEP, runLabel: `${spec.postureName}/${spec.groupName}`,
  });
  const S = DRILL_NOTIFY_SELECTORS;
  const text = (selector: string) => ({ Type: 'String', ValueSelector: selector });
  const outputs: Record<string, Record<string, unknown>> = {
    [NOTIFY_TASKS.report]: { summary: text(S.summary) },
    [NOTIFY_TASKS.instances]: { lines: text(S.lines), count: text(S.count) },
  };
  return {
    ...notified,
    Tasks: notified.Tasks.map((t) => {
      const own = outputs[String(t.Name)];
      return own ? { ...t, Outputs: { ...(t.Outputs as Record<string, unknown>), ...own } } : t;
    }),
  };
}

/** Builds the scheduled drill (`-RestoreTestSchedule`): the timer, then the drill (and the group's alerts). */
export function buildRestoreTestScheduleDocument(spec: RestoreTestSpec, schedule: Schedule): OosTemplateDocument {
  const t = timerTriggerInMinutes(schedule.toTimerTrigger());
  const document = drillDocument(`Scheduled restore drill of group ${spec.groupName}: ${schedule.describe()}`, {
      regionId: param('String', 'Region', { AssociationProperty: 'RegionId', Default: ref('ACS::RegionId') }),
      drillTemplateName: param('String', 'Drill template', { AllowedPattern: OOS_TEMPLATE_NAME_PATTERN, Default: spec.names.drill }),
      OOSAssumeRole: param('String', 'RAM role OOS assumes', { Default: spec.oosAssumeRole }),
    }, [
      { Name: RESTORE_TEST_TASKS.trigger, Action: 'ACS::TimerTrigger', Description: { en: `Runs the drill ${schedule.describe()}` }, Properties: { Type: t.Type, Expression: t.Expression, EndDate: t.EndDate, TimeZone: t.TimeZone } },
      {
        Name: RESTORE_TEST_TASKS.run,
        Action: 'ACS::Template',
        Description: { en: 'Runs the restore drill' },
        Properties: { TemplateName: ref('drillTemplateName'), Parameters: { regionId: ref('regionId'), OOSAssumeRole: ref('OOSAssumeRole') } },
        Outputs: { result: { Type: 'Json', ValueSelector: '.result' } },
      },
    ], { result: { Type: 'Json', Value: ref(`${RESTORE_TEST_TASKS.run}.result`) } });
  return spec.notify ? withDrillNotifications(document, spec) : document;
}

/** What the composition knows of the group, to check and build its drill. */
export interface RestoreTestGroup {
  readonly groupName: string;
  readonly postureName: string;
  readonly targets: TargetSelection;
  readonly automationTemplateName: string;
  readonly executionRoleName?: string;
  /** Whether the group's instances run Linux (the checks are Linux scripts). */
  readonly linux: boolean;
  /**
   * The group's alerts: a scheduled drill that fails is sent as a failed snapshot run is.
   *
   * @default - no alerts
   */
  readonly notify?: NotifyOptions;
}

/**
 * Checks a drill's options against its group; `prefix` names the fields (`restoreTest.`).
 * Throws a ValidationError naming the field.
 */
export function checkRestoreTestOptions(o: RestoreTestOptions, group: RestoreTestGroup, prefix = 'restoreTest.'): void {
  const field = (name: string) => `${prefix}${name}`;
  if (o === null || typeof o !== 'object' || Array.isArray(o)) {
    throw new ValidationError(prefix.replace(/\.$/, ''), 'must be a mapping of drill options (scratchInstanceId, check, schedule, source, maxAgeHours, timeoutMinutes)', o);
  }
  for (const key of Object.keys(o)) {
    if (!OPTION_NAMES.includes(key)) throw new ValidationError(field(key), `is not a restore drill option (${OPTION_NAMES.join(', ')})`, (o as unknown as Record<string, unknown>)[key]);
  }
  if (!group.linux) {
    throw new ValidationError(prefix.replace(/\.$/, ''), 'applies to Linux groups only (the checks are Linux scripts run on a Linux scratch instance)', 'windows');
  }
  if (o.scratchInstanceId === undefined) throw new ValidationError(field('scratchInstanceId'), 'is required: the instance the restored disks are attached to', undefined);
  checkPattern(field('scratchInstanceId'), o.scratchInstanceId, INSTANCE_ID_PATTERN, 'must be an ECS instance id of the form `i-` followed by 8 to 32 lowercase letters or digits');
  const ids = group.targets.instanceIds;
  if (ids !== undefined && isResolved(ids) && ids.includes(o.scratchInstanceId)) {
    throw new ValidationError(field('scratchInstanceId'), `must not be one of the group's instances (a drill attaches disks to it and starts engines there; the group's instances hold the data)`, o.scratchInstanceId);
  }
  if (!(o.check instanceof RestoreCheck)) {
    throw new ValidationError(field('check'), 'is required: RestoreCheck.mysql(), .postgresql(), .redis(), .generic() or .fromFile(script)', o.check);
  }
  o.check.validate(field('check'));
  if (o.schedule !== undefined && !(o.schedule instanceof Schedule)) throw new ValidationError(field('schedule'), 'must be a Schedule', o.schedule);
  if (o.source !== undefined && !(o.source instanceof RestoreSource)) throw new ValidationError(field('source'), 'must be RestoreSource.random() or RestoreSource.instance(id)', o.source);
  const named = o.source?.instanceId;
  if (named !== undefined) {
    checkPattern(field('source'), named, INSTANCE_ID_PATTERN, 'must name an ECS instance id of the form `i-` followed by 8 to 32 lowercase letters or digits');
    if (ids !== undefined && isResolved(ids) && !ids.includes(named)) {
      throw new ValidationError(field('source'), 'must name one of the group\'s instances', named);
    }
  } else if (ids !== undefined && isResolved(ids) && ids.length > 1000) {
    throw new ValidationError(field('source'), 'must name one instance for a group of more than 1,000 instances (the drill template does not carry them all)', 'random');
  }
  checkIntegerRange(field('maxAgeHours'), o.maxAgeHours, RESTORE_TEST_LIMITS.maxAgeHours.min, RESTORE_TEST_LIMITS.maxAgeHours.max);
  checkIntegerRange(field('timeoutMinutes'), o.timeoutMinutes, RESTORE_TEST_LIMITS.timeoutMinutes.min, RESTORE_TEST_LIMITS.timeoutMinutes.max);
  if (o.diskDeletionTagCondition !== undefined && typeof o.diskDeletionTagCondition !== 'boolean') {
    throw new ValidationError(field('diskDeletionTagCondition'), 'must be true or false', o.diskDeletionTagCondition);
  }
  checkTemplateNameRoom('templateName', group.automationTemplateName, LONGEST_SUFFIX, 'the restore drill templates are');
}

/** The drill's spec, with the documented defaults. */
export function restoreTestSpec(o: RestoreTestOptions, group: RestoreTestGroup): RestoreTestSpec {
  const ids = group.targets.instanceIds;
  const named = o.source?.instanceId;
  // A group too large for the template carries only the named source; the synth refused the scratch among the rest.
  const targets = ids !== undefined && isResolved(ids) && ids.length > 1000 ? { instanceIds: [named!] } : group.targets;
  return {
    groupName: group.groupName,
    postureName: group.postureName,
    targets,
    scratchInstanceId: o.scratchInstanceId,
    sourceInstanceId: named ?? '',
    maxAgeHours: o.maxAgeHours ?? RESTORE_TEST_LIMITS.maxAgeHours.default,
    timeoutMinutes: o.timeoutMinutes ?? RESTORE_TEST_LIMITS.timeoutMinutes.default,
    check: o.check,
    oosAssumeRole: group.executionRoleName ?? '',
    ...(group.notify ? { notify: group.notify } : {}),
    names: restoreTestTemplateNames(group.automationTemplateName),
  };
}

/** The RAM condition that limits disk deletion to this drill's disks (see {@link RestoreTestOptions.diskDeletionTagCondition}). */
export function diskDeletionCondition(postureName: string, groupName: string): Record<string, unknown> {
  return { StringEquals: { [`acs:ResourceTag/${DRILL_DISK_TAG_KEYS.drill}`]: `${postureName}/${groupName}` } };
}

/** Properties of a {@link RestoreDrill}. */
export interface RestoreDrillProps {
  readonly options: RestoreTestOptions;
  readonly group: RestoreTestGroup;
}

/**
 * A group's restore drill: the three templates (four with a schedule, and the execution that
 * starts it). `executedTemplate` gives the execution role what the drill calls.
 */
export class RestoreDrill extends ros.Construct {
  /** The drill template (`<name>-RestoreTest`). */
  public readonly template: RosOosTemplate;
  public readonly runTemplate: RosOosTemplate;
  public readonly cleanupTemplate: RosOosTemplate;
  /** The scheduled template, with a schedule. */
  public readonly scheduleTemplate?: RosOosTemplate;
  /** The execution that starts the schedule. */
  public readonly scheduleStart?: ScheduleExecution;
  public readonly spec: RestoreTestSpec;
  public readonly documents: { readonly drill: OosTemplateDocument; readonly run: OosTemplateDocument; readonly cleanup: OosTemplateDocument; readonly schedule?: OosTemplateDocument };
  public readonly options: RestoreTestOptions;

  constructor(scope: ros.Construct, id: string, props: RestoreDrillProps) {
    super(scope, id);
    checkRestoreTestOptions(props.options, props.group);
    this.options = props.options;
    this.spec = restoreTestSpec(props.options, props.group);
    const names = this.spec.names;
    const schedule = props.options.schedule;
    this.documents = {
      drill: buildRestoreTestDocument(this.spec),
      run: buildRestoreTestRunDocument(this.spec),
      cleanup: buildRestoreTestCleanupDocument(this.spec),
      ...(schedule ? { schedule: buildRestoreTestScheduleDocument(this.spec, schedule) } : {}),
    };
    const template = (localId: string, templateName: string, document: OosTemplateDocument) => new RosOosTemplate(this, templateResourceId(this, localId, templateName), {
      templateName,
      content: renderTemplateContent('content', document),
      standaloneDocuments: { '': document },
    });
    this.runTemplate = template('RunTemplate', names.run, this.documents.run);
    this.cleanupTemplate = template('CleanupTemplate', names.cleanup, this.documents.cleanup);
    this.template = template('Template', names.drill, this.documents.drill);
    this.template.addRosDependency(this.runTemplate.logicalId);
    this.template.addRosDependency(this.cleanupTemplate.logicalId);
    if (schedule && this.documents.schedule) {
      this.scheduleTemplate = template('ScheduleTemplate', names.schedule, this.documents.schedule);
      this.scheduleTemplate.addRosDependency(this.template.logicalId);
      this.scheduleStart = new ScheduleExecution(this, 'ScheduleStart', {
        templateName: names.schedule,
        templateContent: renderTemplateContent('content', this.documents.schedule),
        shard: { index: 0, count: 1 },
        groupName: props.group.groupName,
        description: `Schedule of the restore drill of group ${props.group.groupName}`,
      });
      this.resources.forEach((t) => this.scheduleStart!.execution.addRosDependency(t.logicalId));
    }
  }

  /** The drill template as executions run it, with what it nests (for the execution role). */
  public get executedTemplate(): ExecutedTemplate {
    const drill: ExecutedTemplate = {
      document: this.documents.drill,
      nested: { [ref('runTemplateName')]: this.documents.run, [ref('cleanupTemplateName')]: this.documents.cleanup },
    };
    return this.documents.schedule ? { document: this.documents.schedule, nested: { [ref('drillTemplateName')]: drill } } : drill;
  }

  /** The templates, for dependencies. */
  public get resources(): ros.RosResource[] {
    return [this.runTemplate, this.cleanupTemplate, this.template, ...(this.scheduleTemplate ? [this.scheduleTemplate] : [])];
  }
}
