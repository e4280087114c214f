import * as ros from '@alicloud/ros-cdk-core';
import * as ram from '@alicloud/ros-cdk-ram';
import { uniqueResourceId } from './logical-id';
import { ScopedTemplate, TemplateLike, requiredActions } from './oos/required-actions';
import { RAM_ROLE_NAME_PATTERN } from './plugin/parameters';
import { ResourceScope, checkNoWildcard, checkResourceScope, policyStatements } from './policy-scope';
import { checkPattern } from './validation';

/** The service that assumes the execution role. */
export const OOS_SERVICE_PRINCIPAL = 'oos.aliyuncs.com';

/**
 * A template that executions run, with the templates its `ACS::Template` tasks run, by the
 * `TemplateName` those tasks give (see {@link requiredActions}).
 */
export interface ExecutedTemplate {
  readonly document: TemplateLike;
  readonly nested?: Readonly<Record<string, TemplateLike | ScopedTemplate>>;
}

/** The RAM actions that executions of all these templates need, sorted and unique. */
export function executionActions(templates: readonly ExecutedTemplate[]): string[] {
  return [...new Set(templates.flatMap((t) => requiredActions(t.document, t.nested)))].sort();
}

/** Properties of an {@link ExecutionRole}. */
export interface ExecutionRoleProps {
  /** Name of the role (1-64 of letters, digits, `.` and `-`). */
  readonly roleName: string;
  /** The OOS templates whose executions assume the role (with the templates they nest). */
  readonly templates: readonly ExecutedTemplate[];
  /**
   * The account and region the templates act in: the writes are then allowed there only.
   *
   * @default - the policy applies to `*`
   */
  readonly resourceScope?: ResourceScope;
  /**
   * The roles the executions may pass to instances (`ram:PassRole`, when the templates attach one).
   *
   * @default - none named: with a scope, any role of the account
   */
  readonly passRoles?: readonly string[];
  /**
   * RAM conditions on some of the actions, by action (such as deleting only disks with a tag).
   *
   * @default - none
   */
  readonly conditions?: Readonly<Record<string, Record<string, unknown>>>;
}

/**
 * The RAM role OOS executions of the package's templates assume (their `OOSAssumeRole`): only
 * `oos.aliyuncs.com` may assume it, and its policy allows exactly the API actions the
 * templates' tasks call, derived from the templates themselves. No `*` action.
 */
export class ExecutionRole extends ros.Construct {
  /** The role's name. */
  public readonly roleName: string;
  /** The actions its policy allows. */
  public readonly actions: readonly string[];
  /** The role resource. */
  public readonly role: ram.RosRole;

  constructor(scope: ros.Construct, id: string, props: ExecutionRoleProps) {
    super(scope, id);
    checkPattern('executionRoleName', props.roleName, RAM_ROLE_NAME_PATTERN, 'must be 1 to 64 characters of letters, digits, `.` and `-` (RAM role name)');
    this.actions = executionActions(props.templates);
    checkNoWildcard('executionRole', this.actions);
    checkResourceScope('resourceScope', props.resourceScope);
    this.role = new ram.RosRole(this, uniqueResourceId(this, 'Role'), {
      roleName: props.roleName,
      description: 'Assumed by OOS to run the application-consistent snapshot automation',
      assumeRolePolicyDocument: {
        version: '1',
        statement: [{ action: 'sts:AssumeRole', effect: 'Allow', principal: { service: [OOS_SERVICE_PRINCIPAL] } }],
      },
      policies: [{
        policyName: ros.Token.isUnresolved(props.roleName) ? ros.Fn.join('-', [props.roleName, 'Policy']) : `${props.roleName.replace(/\./g, '-')}-Policy`.slice(0, 128),
        description: 'Exactly the API calls of the snapshot automation',
        policyDocument: { version: '1', statement: policyStatements(this.actions, props.resourceScope, props.passRoles, props.conditions) },
      }],
    }, true);
    this.roleName = props.roleName;
  }
}
