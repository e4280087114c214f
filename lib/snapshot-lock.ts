import { INSTANCE_SELECTORS, INSTANCE_TASKS, OosTemplateDocument } from './instance-template';
import { ValidationError, checkIntegerRange } from './validation';

/**
 * Snapshot locks: after a run whose verdict is application-consistent, every snapshot of the
 * group is locked with ECS `LockSnapshot` in compliance mode (the only mode the ECS SDK
 * documents): nobody, the account's owner included, can delete it or shorten the lock until the
 * lock ends; during an optional cool-off period the lock can still be changed or removed. A
 * file-system-consistent fallback or a failed run locks nothing.
 *
 * Deleting is then refused by ECS, so everything that deletes (the retention, the orphan
 * clean-up) first asks `DescribeLockedSnapshots` which candidates are locked and leaves those
 * groups alone, without failing ({@link lockCheckedDeletionTasks}). See docs/lock-and-copy.md.
 */

/** How long a group's snapshots are locked. */
export interface SnapshotLockOptions {
  /**
   * Days each snapshot stays locked (1-36,500; ECS's `LockDuration`). Nobody can delete the
   * snapshot until then.
   */
  readonly days: number;
  /**
   * Hours of cool-off (0-72; ECS's `CoolOffPeriod`) during which the lock can still be changed
   * or removed by someone allowed to; the snapshot cannot be deleted meanwhile either. 0 locks
   * at once.
   *
   * @default 0
   */
  readonly coolOffHours?: number;
}

/** The bounds ECS documents for a lock (LockSnapshot). */
export const LOCK_LIMITS = {
  days: { min: 1, max: 36500 },
  coolOffHours: { min: 0, max: 72 },
} as const;

/** The lock mode: compliance, the only one LockSnapshot documents. */
export const LOCK_MODE = 'compliance';

/**
 * Checks lock options: `days` an integer of 1 to 36,500, `coolOffHours` one of 0 to 72, no other
 * key. `prefix` names the fields in errors.
 */
export function checkLockOptions(o: SnapshotLockOptions, prefix = 'lock.'): void {
  if (o === null || typeof o !== 'object' || Array.isArray(o)) {
    throw new ValidationError(prefix.replace(/\.$/, '') || 'lock', 'must be a mapping of lock options (days, coolOffHours)', o);
  }
  for (const key of Object.keys(o)) {
    if (key !== 'days' && key !== 'coolOffHours') {
      throw new ValidationError(`${prefix}${key}`, 'is not a lock option (days, coolOffHours)', (o as unknown as Record<string, unknown>)[key]);
    }
  }
  if (o.days === undefined) {
    throw new ValidationError(`${prefix}days`, 'is required: how many days each snapshot stays locked (1 to 36500)', o.days);
  }
  checkIntegerRange(`${prefix}days`, o.days, LOCK_LIMITS.days.min, LOCK_LIMITS.days.max);
  checkIntegerRange(`${prefix}coolOffHours`, o.coolOffHours, LOCK_LIMITS.coolOffHours.min, LOCK_LIMITS.coolOffHours.max);
}

/**
 * Refuses a lock that would outlast the retention's age rule: ECS states that a lock must end
 * within the snapshot's retention. A snapshot group's snapshots are kept until deleted (no
 * RetentionDays); what ends them here is the retention's `maxAgeDays`, which could not delete a
 * group still locked. The lock ends `days` days after its cool-off.
 */
export function checkLockWithinRetention(lock: SnapshotLockOptions, maxAgeDays: number | undefined, fields = { lock: 'lock', maxAgeDays: 'retention.maxAgeDays' }): void {
  if (maxAgeDays === undefined) return;
  const hours = lock.days * 24 + (lock.coolOffHours ?? 0);
  if (hours > maxAgeDays * 24) {
    throw new ValidationError(`${fields.lock}.days`,
      `must end within \`${fields.maxAgeDays}\` (${maxAgeDays} days): a lock of ${lock.days} days after ${lock.coolOffHours ?? 0} hours of cool-off would keep the group past the age the retention deletes it at, and nobody can delete a locked snapshot (ECS: a lock must not outlast the snapshot's retention); lower the lock or raise maxAgeDays`,
      lock.days);
  }
}

/** Task names the lock adds to the per-instance snapshot template. */
export const LOCK_TASKS = {
  choose: 'whetherToLock',
  lock: 'lockSnapshots',
} as const;

/** The per-instance template's parameters for the lock (the parent's with the options as defaults). */
export function lockParameters(lock: SnapshotLockOptions, withDefaults: boolean): Record<string, Record<string, unknown>> {
  const def = (v: number) => (withDefaults ? { Default: v } : {});
  return {
    lockDays: {
      Type: 'Number',
      Label: { en: 'Lock (days)' },
      Description: { en: 'Days each snapshot of an application-consistent group is locked in compliance mode: nobody can delete it until then' },
      MinValue: LOCK_LIMITS.days.min,
      MaxValue: LOCK_LIMITS.days.max,
      ...def(lock.days),
    },
    lockCoolOffHours: {
      Type: 'Number',
      Label: { en: 'Lock cool-off (hours)' },
      Description: { en: 'Hours during which the lock can still be changed or removed (0: locked at once)' },
      MinValue: LOCK_LIMITS.coolOffHours.min,
      MaxValue: LOCK_LIMITS.coolOffHours.max,
      ...def(lock.coolOffHours ?? 0),
    },
  };
}

const ref = (name: string) => `{{ ${name} }}`;

/**
 * The per-instance snapshot template with the lock: the verdict run gains the output `verdict`
 * (the consistency of its result line), and after it `whetherToLock` goes on to `lockSnapshots`
 * only when the verdict is `AppConsistent` (a verdict run that failed has already stopped the
 * instance; a file-system-consistent group accepted with `requireAppConsistent: false` is not
 * locked), which locks each snapshot of the group, one at a time. A refused lock fails the
 * instance, naming the snapshot and ECS's message: the posture says the group is locked.
 */
export function withSnapshotLock(document: OosTemplateDocument): OosTemplateDocument {
  const T = INSTANCE_TASKS;
  const verdict = ref(`${T.verdict}.verdict`);
  const snapshotIds = ref(`${T.group}.snapshotIds`);
  const tasks = document.Tasks.map((task) => (task.Name === T.verdict
    ? { ...task, Outputs: { ...(task.Outputs as Record<string, unknown>), verdict: { Type: 'String', ValueSelector: INSTANCE_SELECTORS.logVerdict } } }
    : task));
  return {
    ...document,
    Tasks: [
      ...tasks,
      {
        Name: LOCK_TASKS.choose,
        Action: 'ACS::Choice',
        Description: { en: 'Locks the snapshots of an application-consistent group only (a fallback is not locked)' },
        Properties: {
          DefaultTask: 'ACS::END',
          Choices: [
            { When: { 'Fn::Equals': [[], snapshotIds] }, NextTask: 'ACS::END' },
            { When: { 'Fn::Equals': ['AppConsistent', verdict] }, NextTask: LOCK_TASKS.lock },
          ],
        },
      },
      {
        Name: LOCK_TASKS.lock,
        Action: 'ACS::ExecuteAPI',
        Description: { en: 'Locks each snapshot of the group in compliance mode: nobody can delete it until the lock ends' },
        Properties: {
          Service: 'ECS',
          API: 'LockSnapshot',
          Parameters: {
            RegionId: ref('regionId'),
            SnapshotId: ref('ACS::TaskLoopItem'),
            LockMode: LOCK_MODE,
            LockDuration: ref('lockDays'),
            CoolOffPeriod: ref('lockCoolOffHours'),
          },
        },
        Loop: { Items: snapshotIds, RateControl: { Mode: 'Concurrency', MaxErrors: 0, Concurrency: 1 } },
      },
    ],
  };
}

/** DescribeLockedSnapshots takes at most this many snapshot ids per call (SDK: 1 to 100). */
export const LOCK_CHECK_MAX_SNAPSHOTS = 100;

/**
 * The outputs of a task that lists an instance's snapshot groups (DescribeSnapshotGroups) and
 * selects the groups to delete with `selection`, a jq program over the listing that yields
 * `{delete: [ids, in order], kept: [ids]}`. What the lock check needs:
 * - `lockCheckIds`: the snapshot ids of the groups to delete, as many whole groups, in order, as
 *   fit one DescribeLockedSnapshots call (100 snapshots); the groups beyond wait for a later run;
 * - `candidates`: those groups, `[[groupId, [snapshotIds]], ...]`;
 * - `kept`: the selection's kept groups and those beyond the call;
 * - `result`: the instance's result when there is no candidate.
 */
export function lockCheckSelectOutputs(selection: string): Record<string, Record<string, unknown>> {
  const max = LOCK_CHECK_MAX_SNAPSHOTS;
  const prepared = [
    `. as $listing | (${selection}) as $r`,
    '| [$r.delete[] as $id | $listing.SnapshotGroups.SnapshotGroup[]? | select(.SnapshotGroupId == $id) | [$id, [.Snapshots.Snapshot[]?.SnapshotId]]] as $groups',
    '| [range(0; $groups | length; 1) as $i | [range(0; $i + 1; 1) as $j | $groups[$j][1] | length] | add] as $sums',
    `| [range(0; $groups | length; 1) as $i | select($sums[$i] <= ${max}) | $groups[$i]] as $checked`,
    `| {candidates: $checked, kept: ($r.kept + [range(0; $groups | length; 1) as $i | select($sums[$i] > ${max}) | $groups[$i][0]])}`,
  ].join('\n');
  return {
    lockCheckIds: { Type: 'List', ValueSelector: `${prepared}\n| .candidates[][1][]` },
    candidates: { Type: 'Json', ValueSelector: `${prepared}\n| .candidates` },
    kept: { Type: 'Json', ValueSelector: `${prepared}\n| .kept` },
    result: { Type: 'Json', ValueSelector: `${prepared}\n| {instanceId: "${ref('instanceId')}", dryRun: ("${ref('dryRun')}" != "false"), deleteIds: [], keptIds: .kept, lockedIds: []}` },
  };
}

/** Names of the tasks of a lock-checked deletion. */
export interface LockCheckedDeletionNames {
  /** The task with {@link lockCheckSelectOutputs}. */
  readonly select: string;
  /** Ends when there is no candidate. */
  readonly anyCandidate: string;
  /** DescribeLockedSnapshots of the candidates. */
  readonly checkLocks: string;
  /** Ends when every candidate is locked (or on a dry run). */
  readonly anyToDelete: string;
  /** DeleteSnapshotGroup, one at a time. */
  readonly delete: string;
}

/** jq over DescribeLockedSnapshots: `one page`, or why nothing is deleted. */
export const LOCK_CHECK_PAGE_SELECTOR = `if .NextToken == null or .NextToken == "" then "one page" else "DescribeLockedSnapshots answered more than one page for ${LOCK_CHECK_MAX_SNAPSHOTS} snapshots of instance ${ref('instanceId')}: nothing was deleted" end`;

/**
 * jq over DescribeLockedSnapshots of the candidates' snapshots: the groups none of whose
 * snapshots is locked (`$free`), and the others (`$locked`). A snapshot counts as locked unless
 * its lock status is `expired`: in cool-off and in compliance ECS refuses to delete it, and a
 * status this package does not know is taken as locked.
 */
function lockSplit(names: LockCheckedDeletionNames): string {
  return [
    '[.LockedSnapshotsInfo[]? | select(.LockStatus != "expired") | .SnapshotId] as $lockedSnapshots',
    `| ${ref(`${names.select}.candidates`)} as $c`,
    '| [$c[] | select(([.[1][] as $s | $lockedSnapshots[] | select(. == $s)] | length) == 0) | .[0]] as $free',
    '| [$c[] | select(([.[1][] as $s | $lockedSnapshots[] | select(. == $s)] | length) > 0) | .[0]] as $locked',
  ].join('\n');
}

/**
 * The tasks after a {@link lockCheckSelectOutputs} task: end when there is no candidate, ask ECS
 * which candidates' snapshots are locked (DescribeLockedSnapshots, one page: with more, nothing is
 * deleted), end when nothing unlocked is left (or on a dry run), and delete the unlocked groups one
 * at a time. A locked group is kept and listed in `lockedIds`: a lock is never a failure.
 */
export function lockCheckedDeletionTasks(names: LockCheckedDeletionNames, descriptions: { delete: string }): Array<Record<string, unknown>> {
  const split = lockSplit(names);
  return [
    {
      Name: names.anyCandidate,
      Action: 'ACS::Choice',
      Description: { en: 'Ends here when no group is to be deleted (a loop over an empty list is not documented)' },
      Properties: { DefaultTask: names.checkLocks, Choices: [{ When: { 'Fn::Equals': [[], ref(`${names.select}.lockCheckIds`)] }, NextTask: 'ACS::END' }] },
    },
    {
      Name: names.checkLocks,
      Action: 'ACS::CheckFor',
      Description: { en: 'Asks ECS which of the groups\' snapshots are locked: a locked group is kept, not deleted' },
      Properties: {
        Service: 'ECS',
        API: 'DescribeLockedSnapshots',
        Parameters: { RegionId: ref('regionId'), SnapshotIds: ref(`${names.select}.lockCheckIds`), MaxResults: LOCK_CHECK_MAX_SNAPSHOTS },
        PropertySelector: LOCK_CHECK_PAGE_SELECTOR,
        DesiredValues: ['one page'],
      },
      Outputs: {
        deleteIds: { Type: 'List', ValueSelector: `${split}\n| (if "${ref('dryRun')}" == "false" then $free else [] end)[]` },
        result: {
          Type: 'Json',
          ValueSelector: `${split}\n| {instanceId: "${ref('instanceId')}", dryRun: ("${ref('dryRun')}" != "false"), deleteIds: $free, keptIds: (${ref(`${names.select}.kept`)} + $locked), lockedIds: $locked}`,
        },
      },
    },
    {
      Name: names.anyToDelete,
      Action: 'ACS::Choice',
      Description: { en: 'Ends here when nothing unlocked is to be deleted, or on a dry run' },
      Properties: { DefaultTask: names.delete, Choices: [{ When: { 'Fn::Equals': [[], ref(`${names.checkLocks}.deleteIds`)] }, NextTask: 'ACS::END' }] },
    },
    {
      Name: names.delete,
      Action: 'ACS::ExecuteAPI',
      Description: { en: descriptions.delete },
      Properties: { Service: 'ECS', API: 'DeleteSnapshotGroup', Parameters: { RegionId: ref('regionId'), SnapshotGroupId: ref('ACS::TaskLoopItem') } },
      Loop: { Items: ref(`${names.checkLocks}.deleteIds`), RateControl: { Mode: 'Concurrency', MaxErrors: 0, Concurrency: 1 } },
    },
  ];
}

/** The per-instance result of a lock-checked deletion, whichever way it ended. */
export function lockCheckedResult(names: LockCheckedDeletionNames): Record<string, unknown> {
  return {
    Type: 'Json',
    Value: { 'Fn::If': [{ 'Fn::Equals': [[], ref(`${names.select}.lockCheckIds`)] }, ref(`${names.select}.result`), ref(`${names.checkLocks}.result`)] },
  };
}
