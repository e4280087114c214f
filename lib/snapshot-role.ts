import * as ros from '@alicloud/ros-cdk-core';
import * as ram from '@alicloud/ros-cdk-ram';
import { RAM_ROLE_NAME_PATTERN } from './plugin/parameters';
import { uniqueResourceId } from './logical-id';
import { ResourceScope, checkNoWildcard, checkResourceScope, policyStatements } from './policy-scope';
import { ValidationError, checkPattern, isResolved } from './validation';

/**
 * The snapshot policy as Alibaba documents it for app-snapshot-plugin, with two wildcards. The
 * package never deploys a wildcard: it deploys {@link SNAPSHOT_POLICY_ACTIONS}, the same
 * permissions spelled out (a test checks them against the ECS SDK's API names).
 */
export const DOCUMENTED_SNAPSHOT_POLICY_ACTIONS: readonly string[] = [
  'ecs:DescribeSnapshot*',
  'ecs:CreateSnapshot*',
  'ecs:TagResources',
  'ecs:DescribeDisks',
];

/** The API actions the plugin may call with the instance's role: the documented policy, no wildcard. */
export const SNAPSHOT_POLICY_ACTIONS: readonly string[] = [
  'ecs:CreateSnapshot',
  'ecs:CreateSnapshotGroup',
  'ecs:DescribeDisks',
  'ecs:DescribeSnapshotGroups',
  'ecs:DescribeSnapshotLinks',
  'ecs:DescribeSnapshotMonitorData',
  'ecs:DescribeSnapshotPackage',
  'ecs:DescribeSnapshots',
  'ecs:DescribeSnapshotsUsage',
  'ecs:TagResources',
];

/** The service that may assume the instance role. */
export const ECS_SERVICE_PRINCIPAL = 'ecs.aliyuncs.com';

/**
 * The snapshot policy document, in the shape of the ros-cdk-ram L1 properties: on `*`, or with
 * a scope, the writes on the scope's region and account.
 */
export function snapshotPolicyDocument(scope?: ResourceScope): ram.RosRole.PolicyDocumentProperty {
  checkNoWildcard('snapshotPolicy', SNAPSHOT_POLICY_ACTIONS);
  return { version: '1', statement: policyStatements(SNAPSHOT_POLICY_ACTIONS, scope) };
}

/** The trust policy that lets only the ECS service assume the role. */
export function ecsTrustPolicyDocument(): ram.RosRole.AssumeRolePolicyDocumentProperty {
  return { version: '1', statement: [{ action: 'sts:AssumeRole', effect: 'Allow', principal: { service: [ECS_SERVICE_PRINCIPAL] } }] };
}

/** The description of the snapshot policy. */
export const SNAPSHOT_POLICY_DESCRIPTION = 'Snapshot permissions of app-snapshot-plugin';

/** The description of a role created for the instances. */
export const SNAPSHOT_ROLE_DESCRIPTION = 'Held by ECS instances so that app-snapshot-plugin can create application-consistent snapshots';

/** RAM custom policy names: at most 128 of letters, digits and `-`. */
export const RAM_POLICY_NAME_PATTERN = '^[A-Za-z0-9-]{1,128}$';

/** A RAM role that instances can hold and that carries the snapshot policy. */
export interface ISnapshotRole {
  /** The role's name, as the plugin's RamRoleName and the role attachment need it. */
  readonly roleName: string;
  /** Whether this stack creates the role (false: an existing role). */
  readonly created: boolean;
  /** The resource that grants the snapshot permissions (the role, or the policy attached to an existing role). */
  readonly grant: ros.RosResource;
}

/** Options shared by a created and an imported snapshot role. */
export interface SnapshotRolePolicyOptions {
  /**
   * Name of the custom policy holding the snapshot permissions.
   *
   * @default - `${roleName}-Policy`, cut to 128 characters
   */
  readonly policyName?: string;
  /**
   * The account and region the instances are in: the policy's writes are then allowed there only.
   *
   * @default - the policy applies to `*`
   */
  readonly resourceScope?: ResourceScope;
}

/** Properties of a {@link SnapshotRole}. */
export interface SnapshotRoleProps extends SnapshotRolePolicyOptions {
  /** Name of the role to create (1-64 of letters, digits, `.` and `-`). */
  readonly roleName: string;
  /**
   * Description of the role.
   *
   * @default 'Held by ECS instances so that app-snapshot-plugin can create application-consistent snapshots'
   */
  readonly description?: string;
}

function defaultPolicyName(roleName: string): string {
  return `${roleName.replace(/\./g, '-')}-Policy`.slice(0, 128);
}

function checkRoleName(field: string, roleName: string): void {
  checkPattern(field, roleName, RAM_ROLE_NAME_PATTERN, 'must be 1 to 64 characters of letters, digits, `.` and `-` (RAM role name)');
}

function resolvePolicyName(roleName: string, policyName: string | undefined): string {
  if (policyName === undefined) {
    if (!isResolved(roleName)) {
      return ros.Fn.join('-', [roleName, 'Policy']);
    }
    return defaultPolicyName(roleName);
  }
  checkPattern('policyName', policyName, RAM_POLICY_NAME_PATTERN, 'must be 1 to 128 characters of letters, digits and `-` (RAM policy name)');
  return policyName;
}

/**
 * The instance RAM role of app-snapshot-plugin: `ALIYUN::RAM::Role`, assumable only by
 * `ecs.aliyuncs.com`, with a policy of exactly the snapshot actions. Use
 * {@link SnapshotRole.fromRoleName} for a role that already exists (an instance holds only one
 * role): the policy is then created and attached to it, and no role is created.
 *
 * @see https://www.alibabacloud.com/help/en/ecs/user-guide/create-application-consistent-snapshots
 */
export class SnapshotRole extends ros.Construct implements ISnapshotRole {
  /**
   * An existing role: creates the snapshot policy (`ALIYUN::RAM::ManagedPolicy`) and attaches
   * it to that role.
   */
  public static fromRoleName(scope: ros.Construct, id: string, roleName: string, options: SnapshotRolePolicyOptions = {}): ISnapshotRole {
    return new ImportedSnapshotRole(scope, id, roleName, options);
  }

  public readonly roleName: string;
  public readonly created = true;
  /** The role resource. */
  public readonly role: ram.RosRole;
  public readonly grant: ros.RosResource;

  constructor(scope: ros.Construct, id: string, props: SnapshotRoleProps) {
    super(scope, id);
    checkRoleName('roleName', props.roleName);
    checkResourceScope('resourceScope', props.resourceScope);
    const policyName = resolvePolicyName(props.roleName, props.policyName);
    this.role = new ram.RosRole(this, uniqueResourceId(this, 'Role'), {
      roleName: props.roleName,
      description: props.description ?? SNAPSHOT_ROLE_DESCRIPTION,
      assumeRolePolicyDocument: ecsTrustPolicyDocument(),
      policies: [
        {
          policyName,
          description: SNAPSHOT_POLICY_DESCRIPTION,
          policyDocument: snapshotPolicyDocument(props.resourceScope),
        },
      ],
    }, true);
    this.grant = this.role;
    this.roleName = props.roleName;
  }
}

class ImportedSnapshotRole extends ros.Construct implements ISnapshotRole {
  public readonly roleName: string;
  public readonly created = false;
  public readonly grant: ros.RosResource;

  constructor(scope: ros.Construct, id: string, roleName: string, options: SnapshotRolePolicyOptions) {
    super(scope, id);
    checkRoleName('roleName', roleName);
    checkResourceScope('resourceScope', options.resourceScope);
    if (isResolved(roleName) && roleName.length === 0) {
      throw new ValidationError('roleName', 'must not be empty', roleName);
    }
    this.grant = new ram.RosManagedPolicy(this, uniqueResourceId(this, 'Policy'), {
      policyName: resolvePolicyName(roleName, options.policyName),
      description: SNAPSHOT_POLICY_DESCRIPTION,
      policyDocument: snapshotPolicyDocument(options.resourceScope),
      roles: [roleName],
    }, true);
    this.roleName = roleName;
  }
}
