import * as ros from '@alicloud/ros-cdk-core';
import { ExecutionRole } from './execution-role';
import { checkInstanceIds, checkLoopSize } from './instance-ids';
import { OperatingSystem, RAM_ROLE_NAME_PATTERN } from './plugin/parameters';
import { QuiesceScripts } from './quiesce-scripts';
import { RoleAttachment } from './role-attachment';
import { PreparedScriptInstall, ScriptDeployment, prepareScriptInstall } from './script-deployment';
import { SnapshotAutomation, SnapshotAutomationOptions, checkAutomationOptions, checkAutomationTemplateName } from './snapshot-automation';
import { ISnapshotRole, SnapshotRole } from './snapshot-role';
import { ValidationError, checkPattern } from './validation';

/** Group names: a letter, then up to 39 letters, digits or `-` (they become part of resource names). */
export const GROUP_NAME_PATTERN = '^[A-Za-z][A-Za-z0-9-]{0,39}$';

/** Options of one application group, as `AppConsistentSnapshotStack.addGroup` takes them. */
export interface AppConsistentSnapshotOptions extends SnapshotAutomationOptions {
  /** OS of the group's instances. */
  readonly os: OperatingSystem;
  /** The group's instances: ids of the form `i-...` (or a ROS list parameter). */
  readonly instanceIds: string[];
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
  checkInstanceIds('instanceIds', props.instanceIds);
  checkLoopSize('instanceIds', props.instanceIds);
  if (props.roleName !== undefined && props.existingRoleName !== undefined) {
    throw new ValidationError('roleName', 'must not be set together with existingRoleName (a role is either created or existing)', props.roleName);
  }
  const roleRule = 'must be 1 to 64 characters of letters, digits, `.` and `-` (RAM role name)';
  if (props.roleName !== undefined) checkPattern('roleName', props.roleName, RAM_ROLE_NAME_PATTERN, roleRule);
  if (props.existingRoleName !== undefined) checkPattern('existingRoleName', props.existingRoleName, RAM_ROLE_NAME_PATTERN, roleRule);
  if (props.executionRoleName !== undefined) checkPattern('executionRoleName', props.executionRoleName, RAM_ROLE_NAME_PATTERN, roleRule);
  checkAutomationTemplateName('templateName', props.templateName ?? defaultTemplateName(props.groupName));
  checkAutomationOptions(props.os, props);
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
  /** The role attachment, unless turned off. */
  public readonly attachment?: RoleAttachment;
  /** The script deployment (Linux). */
  public readonly scriptDeployment?: ScriptDeployment;
  /** The OOS automation. */
  public readonly automation: SnapshotAutomation;
  /** The role OOS executions assume, unless turned off. */
  public readonly executionRole?: ExecutionRole;

  constructor(scope: ros.Construct, id: string, props: AppConsistentSnapshotProps) {
    super(scope, id);
    validateAppConsistentSnapshotProps(props);
    this.role = props.existingRoleName !== undefined
      ? SnapshotRole.fromRoleName(this, 'Role', props.existingRoleName)
      : new SnapshotRole(this, 'Role', { roleName: props.roleName ?? `AppSnapshot-${props.groupName}` });
    if (props.attachRole ?? true) {
      this.attachment = new RoleAttachment(this, 'RoleAttachment', { instanceIds: props.instanceIds, roleName: this.role.roleName });
      // Attach only once the role (or the policy of an existing role) exists.
      this.attachment.attachments.forEach((a) => a.addRosDependency(this.role.grant.logicalId));
    }
    if (props.os === OperatingSystem.LINUX) {
      this.scriptDeployment = new ScriptDeployment(this, 'Scripts', {
        instanceIds: props.instanceIds,
        scripts: props.scripts ?? QuiesceScripts.generic(),
        commandName: `AppSnapshot-${props.groupName}-InstallScripts`,
      });
    }
    const createExecutionRole = props.createExecutionRole ?? true;
    const executionRoleName = props.executionRoleName ?? (createExecutionRole ? `AppSnapshotOos-${props.groupName}` : undefined);
    this.automation = new SnapshotAutomation(this, 'Automation', {
      ...props,
      roleName: this.role.roleName,
      templateName: props.templateName ?? defaultTemplateName(props.groupName),
      scriptChecksums: this.scriptDeployment?.checksums,
      executionRoleName,
    });
    if (createExecutionRole && executionRoleName !== undefined) {
      this.executionRole = new ExecutionRole(this, 'ExecutionRole', { roleName: executionRoleName, templates: [this.automation.executedTemplate] });
    }
  }
}
