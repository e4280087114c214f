import { OOS_FORMAT_VERSION } from './oos/limits';
import { buildSnapshotCommand, buildVerdictCommand } from './plugin/command';
import { OperatingSystem } from './plugin/parameters';
import { POSTSCRIPT_PATH, PRESCRIPT_PATH } from './plugin/script-paths';
import { VERDICT_TIMEOUT_SECONDS, checkSnapshotRunTimeout, snapshotRunTimeoutSeconds } from './plugin/timeouts';

/**
 * The per-instance OOS template: what the automation does for one instance. The parent template
 * loops over the instances (with the rate control) and runs this one for each through
 * `ACS::Template`, so that every instance gets its own preflight, run and verdict, and one
 * failing task stops that instance only.
 *
 * Tasks, in order (each stops the instance on failure):
 * 1. `checkInstanceRunning`  ACS::CheckFor DescribeInstances: Status is Running.
 * 2. `checkCloudAssistant`   ACS::CheckFor DescribeCloudAssistantStatus: the agent is up (`true`).
 *    Without these two no command can run on the instance, so the failing task's name and OOS's
 *    message are the reason.
 * 3. `describeRamRole`       ACS::ExecuteAPI DescribeInstanceRamRole: the attached role names.
 * 4. `describeDisks`         ACS::ExecuteAPI DescribeDisks: each disk's id, category, multi-attach, owner.
 * 5. `runSnapshot`           ACS::ECS::RunCommand: the snapshot wrapper, with 3 and 4 substituted;
 *                            it checks them first (PREFLIGHT_FAILED, with the reasons) and only then
 *                            runs the plugin. Outputs the group id and the plugin's verdict.
 * 6. `describeSnapshotGroup` ACS::ExecuteAPI DescribeSnapshotGroups: status, owner, members.
 *    `whetherAnySnapshot`    ACS::Choice: skips 7 when 6 found no snapshot (a loop over an empty
 *                            list is not documented).
 * 7. `tagSnapshots`          ACS::ExecuteAPI TagResources, once per snapshot of the group: the
 *                            posture and group tags ({@link SNAPSHOT_TAG_KEYS}) that retention
 *                            checks before it deletes anything. ECS documents no snapshot-group
 *                            resource type for TagResources, so the snapshots carry them.
 * 8. `describeSnapshots`     ACS::ExecuteAPI DescribeSnapshots: each member's status and tags.
 * 9. `checkVerdict`          ACS::ECS::RunCommand: the verdict wrapper judges 6 and 8; its result
 *                            line is the instance's result (template output `result`).
 *
 * The selectors are jq, as OOS applies them to each API's JSON result. Each one writes a single
 * line of space-separated items of ids, enumerated values and `true`/`false` only (never a
 * user-set text such as a tag value), which the wrappers check item by item. Tests run every
 * selector with jq over responses shaped by the ECS SDK's models.
 */

/** Task names of the per-instance template. */
export const INSTANCE_TASKS = {
  checkRunning: 'checkInstanceRunning',
  checkAgent: 'checkCloudAssistant',
  ramRole: 'describeRamRole',
  disks: 'describeDisks',
  snapshot: 'runSnapshot',
  group: 'describeSnapshotGroup',
  anySnapshot: 'whetherAnySnapshot',
  tag: 'tagSnapshots',
  snapshots: 'describeSnapshots',
  verdict: 'checkVerdict',
} as const;

/**
 * The tags every snapshot of a group the automation created carries: the posture and the group
 * it was made for. Retention deletes a group only when all its snapshots carry both, with exactly
 * its posture's and group's values.
 */
export const SNAPSHOT_TAG_KEYS = {
  posture: 'app-snapshot:posture',
  group: 'app-snapshot:group',
} as const;

/**
 * The evidence a drill leaves on every snapshot of a group it restored: when (UTC), how long
 * from the drill's start to the verdict (seconds), and which OOS execution. Retention never
 * deletes the newest group of an instance that carries `verified`.
 */
export const EVIDENCE_TAG_KEYS = {
  verified: 'app-snapshot:verified',
  restoreSeconds: 'app-snapshot:restore-seconds',
  verifiedBy: 'app-snapshot:verified-by',
} as const;

/**
 * Posture and group names as the tags carry them: a letter or digit, then up to 127 letters,
 * digits, `_` or `-`. Safe as tag values, and inside the jq text of the retention selector.
 */
export const SNAPSHOT_TAG_VALUE_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$';

/** The prefix of the wrappers' result line. */
export const RESULT_LINE_PREFIX = 'APP_SNAPSHOT_RESULT ';

/**
 * jq: the result line of a RunCommand task's output, parsed: the last line that starts with the
 * prefix (a Windows line's CR dropped). Written, like every selector of the package, with the
 * builtins and syntax Alibaba's public templates use (see docs/oos-lint.md, rule `jq-subset`).
 */
const RESULT_LINE = `.invocationOutput | [split("\\n")[] | gsub("\\r$"; "") | select(test("^${RESULT_LINE_PREFIX}"))] | .[length - 1] | gsub("^${RESULT_LINE_PREFIX}"; "") | fromjson`;

/** jq: a field's value, or `fallback` (a jq literal) when the field is absent or null. */
const orElse = (field: string, fallback: string) => `(if ${field} == null then ${fallback} else ${field} end)`;

/** jq: whether a snapshot carries the tag KEY:True (key and value compared without regard to case), as `true` / `false`. */
const hasTag = (key: string) =>
  `([.Tags.Tag[]? | select((.TagKey | ascii_downcase) == "${key.toLowerCase()}" and (.TagValue | ascii_downcase) == "true")] | length > 0 | tostring)`;

/** The jq selectors of the per-instance template, by task and output. */
export const INSTANCE_SELECTORS = {
  /** DescribeInstances: the instance's status. */
  instanceStatus: '.Instances.Instance[].Status',
  /** DescribeCloudAssistantStatus: `true` when the agent runs. */
  agentStatus: '.InstanceCloudAssistantStatusSet.InstanceCloudAssistantStatus[].CloudAssistantStatus',
  /** DescribeInstanceRamRole: the attached role names, space-separated (none: empty). */
  attachedRoles: '[.InstanceRamRoleSets.InstanceRamRoleSet[]? | select(.RamRoleName != null and .RamRoleName != "") | .RamRoleName] | join(" ")',
  /**
   * DescribeDisks: `DISK:CATEGORY:MULTI_ATTACH:INSTANCE` per disk. A disk without the
   * MultiAttach field predates the feature and is taken as Disabled; a multi-attached disk has
   * no single InstanceId, and the owner is then empty.
   */
  disks: `[.Disks.Disk[]? | .DiskId + ":" + ${orElse('.Category', '"unknown"')} + ":" + ${orElse('.MultiAttach', '"Disabled"')} + ":" + ${orElse('.InstanceId', '""')}] | join(" ")`,
  /** runSnapshot: the group id and the plugin's verdict, from the wrapper's result line. */
  snapshotGroupId: `${RESULT_LINE} | ${orElse('.snapshotGroupId', '""')}`,
  logVerdict: `${RESULT_LINE} | .consistency`,
  /** DescribeSnapshotGroups: `GROUP:STATUS:INSTANCE` per group found. */
  group: `[.SnapshotGroups.SnapshotGroup[]? | .SnapshotGroupId + ":" + .Status + ":" + ${orElse('.InstanceId', '""')}] | join(" ")`,
  /** DescribeSnapshotGroups: `SNAPSHOT:DISK` per snapshot of the group. */
  members: '[.SnapshotGroups.SnapshotGroup[]?.Snapshots.Snapshot[]? | .SnapshotId + ":" + .SourceDiskId] | join(" ")',
  /** DescribeSnapshotGroups: the snapshot ids, a list to pass to DescribeSnapshots. */
  snapshotIds: '.SnapshotGroups.SnapshotGroup[].Snapshots.Snapshot[].SnapshotId',
  /** DescribeSnapshots: `SNAPSHOT:DISK:STATUS:APP:FS` per snapshot. */
  snapshots: `[.Snapshots.Snapshot[]? | .SnapshotId + ":" + .SourceDiskId + ":" + .Status + ":" + ${hasTag('APPConsistent')} + ":" + ${hasTag('FsConsistent')}] | join(" ")`,
  /** checkVerdict: the instance's result. */
  result: `${RESULT_LINE} | {instanceId, snapshotGroupId, verdict: .consistency, reason: .message, exitCode}`,
} as const;

/**
 * DescribeDisks and DescribeSnapshots return at most this many items per page (`MaxResults`; the
 * SDK marks their `PageSize` as about to be deprecated). An instance has far fewer disks, and a
 * snapshot group at most 16 snapshots here.
 */
const PAGE_SIZE = 100;

/** What the per-instance template is built from: the OOS parameters are declared by the caller. */
export interface InstanceTemplateSpec {
  readonly os: OperatingSystem;
  readonly description: string;
  /**
   * The parameter definitions (the parent's, with `instanceId` for the instances and no
   * defaults); the tasks read `postureName` and `groupName` among them for the tags.
   */
  readonly parameters: Record<string, Record<string, unknown>>;
  readonly pluginDeadlineSeconds: number;
  readonly scriptChecksums?: { readonly prescript: string; readonly postscript: string };
}

/** An OOS template document (the subset this package writes). */
export interface OosTemplateDocument {
  readonly FormatVersion: string;
  readonly Description: Record<string, string>;
  readonly Parameters: Record<string, Record<string, unknown>>;
  readonly RamRole: string;
  readonly Tasks: Array<Record<string, unknown>>;
  readonly Outputs: Record<string, Record<string, unknown>>;
}

const ref = (name: string) => `{{ ${name} }}`;
const output = (task: string, name: string) => ref(`${task}.${name}`);

/** An ACS::ExecuteAPI / ACS::CheckFor call to ECS. */
function ecsCall(name: string, action: 'ACS::ExecuteAPI' | 'ACS::CheckFor', description: string, api: string,
  parameters: Record<string, unknown>, more: Record<string, unknown> = {}, outputs?: Record<string, Record<string, unknown>>): Record<string, unknown> {
  return {
    Name: name,
    Action: action,
    Description: { en: description },
    Properties: { Service: 'ECS', API: api, Parameters: { RegionId: ref('regionId'), ...parameters }, ...more },
    ...(outputs ? { Outputs: outputs } : {}),
  };
}

const text = (selector: string) => ({ Type: 'String', ValueSelector: selector });

/** Builds the per-instance template. */
export function buildInstanceTemplate(spec: InstanceTemplateSpec): OosTemplateDocument {
  const linux = spec.os === OperatingSystem.LINUX;
  const instance = ref('instanceId');
  const T = INSTANCE_TASKS;
  const S = INSTANCE_SELECTORS;
  const pluginParams: Record<string, string> = linux
    ? {
        RamRoleName: ref('ramRoleName'),
        EnableFsFreeze: ref('enableFsFreeze'),
        TimeoutInSeconds: ref('timeoutInSeconds'),
        PreScriptPath: PRESCRIPT_PATH,
        PostScriptPath: POSTSCRIPT_PATH,
        ExcludeDiskId: ref('excludeDiskId'),
        Name: ref('snapshotName'),
        Description: ref('snapshotDescription'),
      }
    : {
        RamRoleName: ref('ramRoleName'),
        EnableWriters: ref('enableWriters'),
        ExcludeDiskId: ref('excludeDiskId'),
        Name: ref('snapshotName'),
        Description: ref('snapshotDescription'),
      };
  const snapshotCommand = buildSnapshotCommand({
    os: spec.os,
    instanceId: instance,
    pluginParams,
    requireAppConsistent: ref('requireAppConsistent'),
    deadlineSeconds: String(spec.pluginDeadlineSeconds),
    scriptChecksums: spec.scriptChecksums,
    preflight: {
      ramRoleName: ref('ramRoleName'),
      excludeDiskId: ref('excludeDiskId'),
      attachedRoles: output(T.ramRole, 'roleNames'),
      disks: output(T.disks, 'disks'),
    },
  });
  const verdictCommand = buildVerdictCommand({
    os: spec.os,
    instanceId: instance,
    requireAppConsistent: ref('requireAppConsistent'),
    excludeDiskId: ref('excludeDiskId'),
    snapshotGroupId: output(T.snapshot, 'snapshotGroupId'),
    logVerdict: output(T.snapshot, 'logVerdict'),
    group: output(T.group, 'group'),
    members: output(T.group, 'members'),
    snapshots: output(T.snapshots, 'snapshots'),
    disks: output(T.disks, 'disks'),
  });
  const commandType = linux ? 'RunShellScript' : 'RunPowerShellScript';
  // Cloud Assistant kills only its direct child when this expires: the wrapper must always end
  // a hung plugin first (deadline, stop, thaw, postscript), hence the check.
  const snapshotTimeout = snapshotRunTimeoutSeconds(spec.pluginDeadlineSeconds);
  checkSnapshotRunTimeout(`Tasks.${T.snapshot}.Properties.timeout`, snapshotTimeout, spec.pluginDeadlineSeconds);

  return {
    FormatVersion: OOS_FORMAT_VERSION,
    Description: { en: spec.description },
    Parameters: spec.parameters,
    RamRole: ref('OOSAssumeRole'),
    Tasks: [
      ecsCall(T.checkRunning, 'ACS::CheckFor', 'The instance must be Running: a stopped instance runs no command', 'DescribeInstances',
        { InstanceIds: [instance] }, { PropertySelector: S.instanceStatus, DesiredValues: ['Running'] }),
      ecsCall(T.checkAgent, 'ACS::CheckFor', 'The Cloud Assistant agent must be up (Normal): without it no command reaches the instance', 'DescribeCloudAssistantStatus',
        { InstanceId: [instance] }, { PropertySelector: S.agentStatus, DesiredValues: ['true'] }),
      ecsCall(T.ramRole, 'ACS::ExecuteAPI', 'Reads the RAM role attached to the instance, for the preflight', 'DescribeInstanceRamRole',
        { InstanceIds: [instance] }, {}, { roleNames: text(S.attachedRoles) }),
      ecsCall(T.disks, 'ACS::ExecuteAPI', 'Reads the instance\'s disks (category, multi-attach, owner), for the preflight', 'DescribeDisks',
        { InstanceId: instance, MaxResults: PAGE_SIZE }, {}, { disks: text(S.disks) }),
      {
        Name: T.snapshot,
        Action: 'ACS::ECS::RunCommand',
        Description: { en: 'Checks the preflight facts and the quiesce scripts, runs the app-snapshot plugin and reads its result' },
        Properties: {
          regionId: ref('regionId'),
          instanceId: instance,
          commandType,
          commandContent: snapshotCommand,
          timeout: snapshotTimeout,
        },
        Outputs: { snapshotGroupId: text(S.snapshotGroupId), logVerdict: text(S.logVerdict) },
      },
      ecsCall(T.group, 'ACS::ExecuteAPI', 'Reads the snapshot group back: status, owner and snapshots', 'DescribeSnapshotGroups',
        { InstanceId: instance, SnapshotGroupId: [output(T.snapshot, 'snapshotGroupId')] }, {},
        { group: text(S.group), members: text(S.members), snapshotIds: { Type: 'List', ValueSelector: S.snapshotIds } }),
      {
        // A group the read back did not find has no snapshot to tag: the verdict names it.
        Name: T.anySnapshot,
        Action: 'ACS::Choice',
        Description: { en: 'Skips the tagging when the read back found no snapshot (a loop over an empty list is not documented)' },
        Properties: {
          DefaultTask: T.tag,
          Choices: [{ When: { 'Fn::Equals': [[], output(T.group, 'snapshotIds')] }, NextTask: T.snapshots }],
        },
      },
      {
        ...ecsCall(T.tag, 'ACS::ExecuteAPI', 'Tags each snapshot of the group with the posture and group names, which retention checks before deleting', 'TagResources', {
          ResourceType: 'snapshot',
          ResourceId: [ref('ACS::TaskLoopItem')],
          Tag: [{ Key: SNAPSHOT_TAG_KEYS.posture, Value: ref('postureName') }, { Key: SNAPSHOT_TAG_KEYS.group, Value: ref('groupName') }],
        }),
        Loop: { Items: output(T.group, 'snapshotIds'), RateControl: { Mode: 'Concurrency', MaxErrors: 0, Concurrency: 1 } },
      },
      ecsCall(T.snapshots, 'ACS::ExecuteAPI', 'Reads the status and the consistency tags of each snapshot of the group', 'DescribeSnapshots',
        { InstanceId: instance, SnapshotIds: output(T.group, 'snapshotIds'), MaxResults: PAGE_SIZE }, {}, { snapshots: text(S.snapshots) }),
      {
        Name: T.verdict,
        Action: 'ACS::ECS::RunCommand',
        Description: { en: 'Judges the snapshot group from its status and tags and prints the instance\'s result' },
        Properties: { regionId: ref('regionId'), instanceId: instance, commandType, commandContent: verdictCommand, timeout: VERDICT_TIMEOUT_SECONDS },
        Outputs: { result: { Type: 'Json', ValueSelector: S.result } },
      },
    ],
    Outputs: { result: { Type: 'Json', Value: output(T.verdict, 'result') } },
  };
}
