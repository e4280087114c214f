import * as ros from '@alicloud/ros-cdk-core';
import { FleetEnrollment } from './enrollment';
import { RestoreDrill, RestoreTestOptions, checkRestoreTestOptions, diskDeletionCondition } from './restore-drill';
import { RetentionOptions, SnapshotRetention, checkRetentionAutomationTemplateName, checkRetentionOptions, orphanRetentionDaysOf } from './retention';
import { SnapshotOrphans } from './orphans';
import { ExecutionRole } from './execution-role';
import { NotifyOptions, checkNotifyOptions } from './notify';
import { checkLockWithinRetention } from './snapshot-lock';
import { SnapshotCopy, SnapshotCopyOptions, checkCopyAutomationTemplateName, checkCopyOptions } from './snapshot-copy';
import { RosOosExecution, executionFingerprint } from './oos/execution';
import { MAX_OOS_LOOP_ITEMS } from './instance-ids';
import { OperatingSystem, RAM_ROLE_NAME_PATTERN } from './plugin/parameters';
import { QuiesceScripts } from './quiesce-scripts';
import { Schedule } from './schedule';
import { SCHEDULE_TEMPLATE_SUFFIX, ScheduleExecution, SnapshotSchedule, scheduleShards } from './snapshot-schedule';
import { uniqueResourceId } from './logical-id';
import { ResourceScope, checkResourceScope } from './policy-scope';
import { checkTargets, targetsOf } from './targets';
import { RoleAttachment } from './role-attachment';
import { PreparedScriptInstall, ScriptDeployment, prepareScriptInstall } from './script-deployment';
import { SnapshotAutomation, SnapshotAutomationOptions, checkAutomationOptions, checkAutomationTemplateName } from './snapshot-automation';
import { ISnapshotRole, SnapshotRole } from './snapshot-role';
import { ValidationError, checkPattern, isResolved } from './validation';

/** Group names: a letter, then up to 39 letters, digits or `-` (they become part of resource names). */
export const GROUP_NAME_PATTERN = '^[A-Za-z][A-Za-z0-9-]{0,39}$';

/** Options of one application group, as `AppConsistentSnapshotStack.addGroup` takes them. */
export interface AppConsistentSnapshotOptions extends SnapshotAutomationOptions {
  /** OS of the group's instances. */
  readonly os: OperatingSystem;
  /**
   * The group's instances by id (`i-...`, or a ROS list parameter). Give either this or
   * `targetTags`. More than 1,000 ids (one OOS loop) need a schedule, which runs them in shards.
   *
   * @default - the instances selected by `targetTags`
   */
  readonly instanceIds?: string[];
  /**
   * The group's instances by tags: every instance of the region that carries all of them,
   * selected at each run; the role and scripts are put on them by the enrollment template
   * (at deploy and before each scheduled run), so an instance tagged later is covered from the
   * next run on.
   *
   * @default - the instances listed in `instanceIds`
   */
  readonly targetTags?: Readonly<Record<string, string>>;
  /**
   * When the group is snapshotted: started when the stack is created, stopped when it is deleted.
   *
   * @default - no schedule: executions are started by hand or by a pipeline
   */
  readonly schedule?: Schedule;
  /**
   * Clean-up of the group's old snapshot groups: per instance, keep the newest `keepLast` and
   * those younger than `maxAgeDays`, delete at most `maxDeletesPerRun` others, oldest first, and
   * only groups whose every snapshot carries this posture's and group's tags. Runs after the
   * snapshots of each scheduled run (only when they succeeded); its template can also be run by
   * hand, `dryRun` to look first. With `deleteOrphans`, the groups of instances that no longer
   * exist are deleted too once `orphanRetentionDays` old (lib/orphans.ts).
   *
   * @default - no clean-up
   */
  readonly retention?: RetentionOptions;
  /**
   * Copies of the newest application-consistent group of each instance to other regions, after
   * each scheduled run (and runnable by hand): each snapshot with the posture's and group's tags
   * and the source group's id, kept `retentionDays` by ECS, at most `maxInFlight` copies in flight
   * at once; a copy that fails is reported (and alerted) without failing the snapshots. See
   * lib/snapshot-copy.ts.
   *
   * @default - no copies
   */
  readonly copy?: SnapshotCopyOptions;
  /**
   * A restore drill: on its own schedule (or by hand), the newest application-consistent
   * snapshot group of one of the group's instances is restored to new disks on a scratch
   * instance, the engine's check runs on them, the group's snapshots are tagged with the
   * evidence, and the disks are always deleted. Linux groups only. See docs/restore-drills.md.
   *
   * @default - no drill
   */
  readonly restoreTest?: RestoreTestOptions;
  /**
   * Alerts of the scheduled runs: a webhook (DingTalk-style JSON) notified of each instance that
   * failed or fell back, of a failed step, and with a one-line summary (see lib/notify.ts). The
   * URL stays in an OOS encrypted parameter; only its name is written into the template.
   * Applies to a group with a `schedule` only.
   *
   * @default - no alerts
   */
  readonly notify?: NotifyOptions;
  /**
   * Put the role attachment and the script deployment of an id-targeted group in this
   * construct. The posture builder turns it off for fleets too large for one stack and puts
   * them in {@link GroupEnrollment}s of their own stacks.
   *
   * @default true
   */
  readonly deployToInstances?: boolean;
  /**
   * Start the schedule here ({@link ScheduleExecution}s). The posture builder turns it off to
   * put the executions of a large fleet's shards in other stacks.
   *
   * @default true
   */
  readonly startSchedule?: boolean;
  /**
   * The posture the group belongs to: the value of the posture tag put on its snapshots, which
   * the retention checks before deleting.
   *
   * @default - the stack's name
   */
  readonly postureName?: string;
  /**
   * The account and region of the instances: the instance role's and the execution role's
   * writes are then allowed there only (reads stay on `*`, as RAM requires).
   *
   * @default - the policies apply to `*`
   */
  readonly resourceScope?: ResourceScope;
  /**
   * The quiesce scripts (Linux only).
   *
   * @default QuiesceScripts.generic()
   */
  readonly scripts?: QuiesceScripts;
  /**
   * Name of the RAM role to create for the instances.
   *
   * @default `AppSnapshot-${groupName}`
   */
  readonly roleName?: string;
  /**
   * An existing RAM role to use instead of creating one (an instance holds only one role): the
   * snapshot policy is created and attached to it, and no role is created.
   *
   * @default - a role is created
   */
  readonly existingRoleName?: string;
  /**
   * Attach the role to the instances. Turn off when the existing role is already attached
   * (attaching fails for an instance that holds a role).
   *
   * @default true
   */
  readonly attachRole?: boolean;
  /**
   * Name of the RAM role OOS executions assume (the template's `OOSAssumeRole` default).
   *
   * @default `AppSnapshotOos-${groupName}`
   */
  readonly executionRoleName?: string;
  /**
   * Create the execution role (trusted only by `oos.aliyuncs.com`, allowed exactly the API calls
   * of the template). Turn off to run executions as the identity that starts them, or with a
   * role of your own named by `executionRoleName`.
   *
   * @default true
   */
  readonly createExecutionRole?: boolean;
  /**
   * Name of the OOS template.
   *
   * @default `AppConsistentSnapshot-${groupName}`
   */
  readonly templateName?: string;
}

/** Properties of an {@link AppConsistentSnapshot}. */
export interface AppConsistentSnapshotProps extends AppConsistentSnapshotOptions {
  /** The group's name: a letter, then up to 39 letters, digits or `-`. */
  readonly groupName: string;
}

/**
 * Checks every rule of a group's props without creating anything; returns the prepared script
 * installation (Linux). Throws a ValidationError naming the prop.
 */
export function validateAppConsistentSnapshotProps(props: AppConsistentSnapshotProps): PreparedScriptInstall | undefined {
  checkPattern('groupName', props.groupName, GROUP_NAME_PATTERN, 'must be a letter followed by up to 39 letters, digits or `-`');
  if (!Object.values(OperatingSystem).includes(props.os)) {
    throw new ValidationError('os', `must be one of ${Object.values(OperatingSystem).join(', ')}`, props.os);
  }
  checkTargets(targetsOf(props));
  checkResourceScope('resourceScope', props.resourceScope);
  if (props.instanceIds !== undefined && props.schedule === undefined && isResolved(props.instanceIds) && props.instanceIds.length > MAX_OOS_LOOP_ITEMS) {
    throw new ValidationError('instanceIds', `must list at most ${MAX_OOS_LOOP_ITEMS} instances without a schedule (an OOS loop takes at most ${MAX_OOS_LOOP_ITEMS}; a scheduled group runs larger fleets in shards of ${MAX_OOS_LOOP_ITEMS}): add a schedule or split the group`, `${props.instanceIds.length} instances`);
  }
  if (props.targetTags !== undefined && props.attachRole === false) {
    throw new ValidationError('attachRole', 'applies to instances by id only (tag-selected instances get the role from the enrollment template, which attaches it only where no role is attached)', props.attachRole);
  }
  if (props.roleName !== undefined && props.existingRoleName !== undefined) {
    throw new ValidationError('roleName', 'must not be set together with existingRoleName (a role is either created or existing)', props.roleName);
  }
  const roleRule = 'must be 1 to 64 characters of letters, digits, `.` and `-` (RAM role name)';
  if (props.roleName !== undefined) checkPattern('roleName', props.roleName, RAM_ROLE_NAME_PATTERN, roleRule);
  if (props.existingRoleName !== undefined) checkPattern('existingRoleName', props.existingRoleName, RAM_ROLE_NAME_PATTERN, roleRule);
  if (props.executionRoleName !== undefined) checkPattern('executionRoleName', props.executionRoleName, RAM_ROLE_NAME_PATTERN, roleRule);
  checkAutomationTemplateName('templateName', props.templateName ?? defaultTemplateName(props.groupName));
  if (props.notify !== undefined) {
    checkNotifyOptions(props.notify);
    if (props.schedule === undefined) {
      throw new ValidationError('notify', 'applies to scheduled runs: give the group a schedule, or leave notify out', props.notify);
    }
  }
  if (props.retention !== undefined) {
    checkRetentionOptions(props.retention);
    checkRetentionAutomationTemplateName('templateName', props.templateName ?? defaultTemplateName(props.groupName));
  }
  checkAutomationOptions(props.os, props);
  if (props.lock !== undefined) checkLockWithinRetention(props.lock, props.retention?.maxAgeDays);
  if (props.copy !== undefined) {
    checkCopyOptions(props.copy);
    checkCopyAutomationTemplateName('templateName', props.templateName ?? defaultTemplateName(props.groupName));
  }
  if (props.restoreTest !== undefined) {
    checkRestoreTestOptions(props.restoreTest, {
      groupName: props.groupName,
      postureName: props.postureName ?? '',
      targets: targetsOf(props),
      automationTemplateName: props.templateName ?? defaultTemplateName(props.groupName),
      linux: props.os === OperatingSystem.LINUX,
    });
  }
  if (props.os === OperatingSystem.WINDOWS) {
    if (props.scripts !== undefined) {
      throw new ValidationError('scripts', 'apply to Linux only (Windows quiesces applications through VSS writers)', 'scripts');
    }
    return undefined;
  }
  return prepareScriptInstall(props.scripts ?? QuiesceScripts.generic());
}

function defaultTemplateName(groupName: string): string {
  return `AppConsistentSnapshot-${groupName}`;
}

/**
 * Application-consistent snapshots for one application group: the instance RAM role and its
 * snapshot policy (or an existing role), the role attachment, the quiesce scripts (Linux),
 * and the OOS automation that drives app-snapshot-plugin on every instance.
 */
export class AppConsistentSnapshot extends ros.Construct {
  /** The role the instances hold. */
  public readonly role: ISnapshotRole;
  /** The role attachment and script deployment of an id-targeted group, unless placed elsewhere. */
  public readonly enrollment?: GroupEnrollment;
  /** The OOS automation. */
  public readonly automation: SnapshotAutomation;
  /** The enrollment templates of a tag-targeted group. */
  public readonly fleetEnrollment?: FleetEnrollment;
  /** The execution that enrolls a tag-targeted group's instances when the stack is created. */
  public readonly enrollmentRun?: RosOosExecution;
  /** The retention clean-up templates, with retention. */
  public readonly retention?: SnapshotRetention;
  /** The cross-region copy templates, with copy. */
  public readonly copy?: SnapshotCopy;
  /** The clean-up of the groups of instances that no longer exist, with retention.deleteOrphans. */
  public readonly orphans?: SnapshotOrphans;
  /** The restore drill, with one. */
  public readonly restoreDrill?: RestoreDrill;
  /** The scheduled template, with a schedule. */
  public readonly schedule?: SnapshotSchedule;
  /** The executions that start the schedule, unless placed elsewhere. */
  public readonly scheduleExecutions: ScheduleExecution[] = [];
  /** The role OOS executions assume, unless turned off. */
  public readonly executionRole?: ExecutionRole;
  /** The group's name. */
  public readonly groupName: string;
  /** The validated props. */
  public readonly props: AppConsistentSnapshotProps;
  /** The scripts as the instances get them (Linux). */
  public readonly scripts?: PreparedScriptInstall;

  /** The role attachment, unless turned off or placed elsewhere. */
  public get attachment(): RoleAttachment | undefined {
    return this.enrollment?.attachment;
  }

  /** The script deployment (Linux), unless placed elsewhere. */
  public get scriptDeployment(): ScriptDeployment | undefined {
    return this.enrollment?.scriptDeployment;
  }

  constructor(scope: ros.Construct, id: string, props: AppConsistentSnapshotProps) {
    super(scope, id);
    this.scripts = validateAppConsistentSnapshotProps(props);
    this.props = props;
    this.groupName = props.groupName;
    this.role = props.existingRoleName !== undefined
      ? SnapshotRole.fromRoleName(this, 'Role', props.existingRoleName, { resourceScope: props.resourceScope })
      : new SnapshotRole(this, 'Role', { roleName: props.roleName ?? `AppSnapshot-${props.groupName}`, resourceScope: props.resourceScope });
    if (props.instanceIds !== undefined && (props.deployToInstances ?? true)) {
      this.enrollment = new GroupEnrollment(this, { group: this, instanceIds: props.instanceIds, inPlace: true });
    }
    const createExecutionRole = props.createExecutionRole ?? true;
    const executionRoleName = props.executionRoleName ?? (createExecutionRole ? `AppSnapshotOos-${props.groupName}` : undefined);
    const templateName = props.templateName ?? defaultTemplateName(props.groupName);
    this.automation = new SnapshotAutomation(this, 'Automation', {
      ...props,
      roleName: this.role.roleName,
      templateName,
      scriptChecksums: this.scripts?.checksums,
      executionRoleName,
      sharded: props.schedule !== undefined,
    });
    const executed = [this.automation.executedTemplate];
    if (props.targetTags !== undefined) {
      this.fleetEnrollment = new FleetEnrollment(this, 'Enrollment', {
        os: props.os,
        targetTags: props.targetTags,
        roleName: this.role.roleName,
        templateName,
        scripts: props.os === OperatingSystem.LINUX ? props.scripts ?? QuiesceScripts.generic() : undefined,
        concurrency: props.concurrency,
        maxErrors: props.maxErrors,
        executionRoleName,
      });
      executed.push(this.fleetEnrollment.executedTemplate);
    }
    // What the retention, orphan and copy templates take alike: the group they serve and its targets.
    const ofGroup = { automationTemplateName: templateName, postureName: props.postureName, groupName: props.groupName, executionRoleName, maxErrors: props.maxErrors };
    const ofTargets = { instanceIds: props.instanceIds, targetTags: props.targetTags, sharded: props.schedule !== undefined };
    if (props.retention !== undefined) {
      this.retention = new SnapshotRetention(this, 'Retention', { ...props.retention, ...ofGroup, ...ofTargets, concurrency: props.concurrency });
      executed.push(this.retention.executedTemplate);
      if (props.retention.deleteOrphans) {
        this.orphans = new SnapshotOrphans(this, 'Orphans', {
          ...ofGroup,
          orphanRetentionDays: orphanRetentionDaysOf(props.retention),
          maxDeletesPerRun: props.retention.maxDeletesPerRun,
          dryRun: props.retention.dryRun,
          concurrency: props.concurrency,
        });
        executed.push(this.orphans.executedTemplate);
      }
    }
    if (props.copy !== undefined) {
      this.copy = new SnapshotCopy(this, 'Copy', { ...props.copy, ...ofGroup, ...ofTargets });
      executed.push(this.copy.executedTemplate);
    }
    if (props.schedule !== undefined) {
      this.schedule = new SnapshotSchedule(this, 'Schedule', {
        schedule: props.schedule,
        templateName: `${templateName}${SCHEDULE_TEMPLATE_SUFFIX}`,
        targets: targetsOf(props),
        automation: { templateName, executedTemplate: this.automation.executedTemplate },
        enrollment: this.fleetEnrollment,
        retention: this.retention,
        orphans: this.orphans,
        copy: this.copy,
        executionRoleName,
        groupName: props.groupName,
        notify: props.notify,
        postureName: props.notify ? props.postureName ?? ros.Stack.of(this).stackName : undefined,
      });
      [this.automation.template, this.retention?.template, this.orphans?.template, this.fleetEnrollment?.template, this.copy?.template]
        .forEach((t) => t && this.schedule!.template.addRosDependency(t.logicalId));
      executed.push(this.schedule.executedTemplate);
    }
    const postureName = props.postureName ?? ros.Stack.of(this).stackName;
    if (props.restoreTest !== undefined) {
      this.restoreDrill = new RestoreDrill(this, 'RestoreTest', {
        options: props.restoreTest,
        group: { groupName: props.groupName, postureName, targets: targetsOf(props), automationTemplateName: templateName, executionRoleName, linux: props.os === OperatingSystem.LINUX,
          notify: props.notify },
      });
      executed.push(this.restoreDrill.executedTemplate);
    }
    if (createExecutionRole && executionRoleName !== undefined) {
      this.executionRole = new ExecutionRole(this, 'ExecutionRole', {
        roleName: executionRoleName,
        templates: executed,
        resourceScope: props.resourceScope,
        passRoles: [this.role.roleName],
        conditions: this.restoreDrill && (props.restoreTest?.diskDeletionTagCondition ?? true)
          ? { 'ecs:DeleteDisk': diskDeletionCondition(postureName, props.groupName) }
          : {},
      });
      if (this.restoreDrill?.scheduleStart) this.restoreDrill.scheduleStart.execution.addRosDependency(this.executionRole.role.logicalId);
    }
    if (this.fleetEnrollment !== undefined) {
      this.enrollmentRun = this.enrollAtDeploy(this.fleetEnrollment);
    }
    if (this.schedule !== undefined && (props.startSchedule ?? true)) {
      const shards = scheduleShards(targetsOf(props));
      shards.forEach((ids, index) => {
        const execution = new ScheduleExecution(this, shards.length === 1 ? 'ScheduleStart' : `ScheduleStart${index + 1}`, {
          templateName: this.schedule!.templateName,
          templateContent: this.schedule!.content,
          instanceIds: ids,
          shard: { index, count: shards.length },
          groupName: props.groupName,
        });
        this.startAfterSetUp(execution);
        this.scheduleExecutions.push(execution);
      });
    }
  }

  /**
   * Runs the enrollment once when the stack is created, so that the instances tagged by then hold
   * the role and the scripts before any snapshot; ROS waits for it to succeed. A changed
   * enrollment template replaces it, and so runs it again.
   */
  private enrollAtDeploy(enrollment: FleetEnrollment): RosOosExecution {
    const fingerprint = executionFingerprint(enrollment.templateName, enrollment.document, enrollment.instanceDocument);
    const run = new RosOosExecution(this, uniqueResourceId(this, `EnrollmentRun${fingerprint}`), {
      templateName: enrollment.templateName,
      mode: 'Automatic',
      safetyCheck: 'Skip',
      description: `Enrolls the instances of group ${this.groupName} (role and scripts) when the stack is created`,
      resourceOptions: { successStatuses: ['Success'], failureStatuses: ['Failed', 'Cancelled'], timeout: 3600, cancelOnDelete: true },
    });
    const needed: ros.RosResource[] = [this.role.grant, enrollment.template, enrollment.instanceTemplate];
    if (this.executionRole) needed.push(this.executionRole.role);
    needed.forEach((r) => run.addRosDependency(r.logicalId));
    return run;
  }

  /**
   * Makes an execution start only once everything it uses exists: the templates, the roles,
   * and (in this construct) the role attachment and the scripts on the instances.
   */
  public startAfterSetUp(execution: ScheduleExecution): void {
    const resource = execution.execution;
    const sameStack = (r: ros.RosResource) => ros.Stack.of(r) === ros.Stack.of(resource);
    const needed: ros.RosResource[] = [this.role.grant, this.automation.template, this.automation.instanceTemplate];
    if (this.schedule) needed.push(this.schedule.template);
    if (this.executionRole) needed.push(this.executionRole.role);
    if (this.enrollment) needed.push(...this.enrollment.resources);
    if (this.fleetEnrollment) needed.push(this.fleetEnrollment.template, this.fleetEnrollment.instanceTemplate);
    if (this.retention) needed.push(this.retention.template, this.retention.instanceTemplate);
    if (this.orphans) needed.push(this.orphans.template, this.orphans.instanceTemplate);
    if (this.copy) needed.push(this.copy.template, this.copy.instanceTemplate, this.copy.jobTemplate);
    if (this.enrollmentRun) needed.push(this.enrollmentRun);
    needed.filter(sameStack).forEach((r) => resource.addRosDependency(r.logicalId));
  }
}

/** Properties of a {@link GroupEnrollment}. */
export interface GroupEnrollmentProps {
  /** The group the instances belong to. */
  readonly group: AppConsistentSnapshot;
  /** The instances (a part of the group's, or all of them). */
  readonly instanceIds: string[];
  /** Whether this sits inside the group's construct (the role is then a dependency in the same stack). */
  readonly inPlace?: boolean;
}

/**
 * Puts a group's role and scripts on instances given by id: the role attachment (unless the
 * group turned it off) and, on Linux, the script deployment, created directly in `scope` (the
 * group, or for a fleet too large for one stack a construct in a stack of its own that depends
 * on the group's).
 */
export class GroupEnrollment {
  /** The role attachment, unless turned off. */
  public readonly attachment?: RoleAttachment;
  /** The script deployment (Linux). */
  public readonly scriptDeployment?: ScriptDeployment;

  constructor(scope: ros.Construct, props: GroupEnrollmentProps) {
    const group = props.group;
    if (group.props.attachRole ?? true) {
      this.attachment = new RoleAttachment(scope, 'RoleAttachment', { instanceIds: props.instanceIds, roleName: group.role.roleName });
      if (props.inPlace) {
        // Attach only once the role (or the policy of an existing role) exists.
        this.attachment.attachments.forEach((a) => a.addRosDependency(group.role.grant.logicalId));
      }
    }
    if (group.props.os === OperatingSystem.LINUX) {
      this.scriptDeployment = new ScriptDeployment(scope, 'Scripts', {
        instanceIds: props.instanceIds,
        scripts: group.props.scripts ?? QuiesceScripts.generic(),
        commandName: `AppSnapshot-${group.groupName}-InstallScripts`,
      });
    }
  }

  /** The resources. */
  public get resources(): ros.RosResource[] {
    return [...(this.attachment?.attachments ?? []), ...(this.scriptDeployment?.commands ?? [])];
  }
}
