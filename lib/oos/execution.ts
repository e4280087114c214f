import * as ros from '@alicloud/ros-cdk-core';
import { resourceFingerprint } from '../logical-id';
import { ValidationError } from '../validation';
import { checkOosTemplateName } from './template';

/**
 * A short fingerprint of what an execution starts with, for its logical id. A running execution
 * keeps what it started with, and ROS does not update an execution in place: with the
 * fingerprint in its id, a change replaces it (the old one is cancelled on delete).
 */
export function executionFingerprint(...parts: unknown[]): string {
  return resourceFingerprint(...parts);
}

/** How ROS judges an `ALIYUN::OOS::Execution` while creating it. */
export interface RosOosExecutionResourceOptions {
  /** Execution statuses that make the resource created. */
  readonly successStatuses?: readonly string[];
  /** Execution statuses that fail the resource (they win over successStatuses). */
  readonly failureStatuses?: readonly string[];
  /** Seconds ROS waits for one of those statuses (ROS's default: 1800). */
  readonly timeout?: number;
  /** Cancel the execution when the resource is deleted while it has not finished. */
  readonly cancelOnDelete?: boolean;
}

/** Properties of an `ALIYUN::OOS::Execution` resource. */
export interface RosOosExecutionProps {
  /** The template to execute (a template of the account, by name). */
  readonly templateName: string;
  /**
   * The execution's parameter values.
   *
   * @default - the template's defaults
   */
  readonly parameters?: Readonly<Record<string, unknown>>;
  /**
   * Automatic or Debug.
   *
   * @default 'Automatic'
   */
  readonly mode?: 'Automatic' | 'Debug';
  /**
   * Skip, or ConfirmEveryHighRiskAction (an execution then waits for a person to confirm each
   * high-risk action).
   *
   * @default - OOS's default, ConfirmEveryHighRiskAction
   */
  readonly safetyCheck?: 'Skip' | 'ConfirmEveryHighRiskAction';
  /** The execution's description. @default - none */
  readonly description?: string;
  /** How ROS waits on the execution. @default - ROS's defaults */
  readonly resourceOptions?: RosOosExecutionResourceOptions;
  /** Tags of the execution (at most 20). @default - none */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * A typed `ALIYUN::OOS::Execution` resource: starts an execution of an OOS template when the
 * stack is created. Declared through ros-cdk-core's generic RosResource, as
 * `@alicloud/ros-cdk-oos` is not published where this package installs from.
 */
export class RosOosExecution extends ros.RosResource {
  /** The ROS resource type. */
  public static readonly ROS_RESOURCE_TYPE_NAME = 'ALIYUN::OOS::Execution';

  /** The execution's id. */
  public readonly attrExecutionId: ros.IResolvable;
  /** The props it was built from. */
  public readonly props: RosOosExecutionProps;

  constructor(scope: ros.Construct, id: string, props: RosOosExecutionProps) {
    checkOosTemplateName('templateName', props.templateName);
    const tags = props.tags ?? {};
    if (Object.keys(tags).length > 20) {
      throw new ValidationError('tags', 'must hold at most 20 tags (OOS limit)', Object.keys(tags));
    }
    const o = props.resourceOptions;
    if (o?.timeout !== undefined && (!Number.isInteger(o.timeout) || o.timeout < 1)) {
      throw new ValidationError('resourceOptions.timeout', 'must be a positive whole number of seconds', o.timeout);
    }
    const resourceOptions = o === undefined ? undefined : {
      ...(o.successStatuses ? { SuccessStatuses: [...o.successStatuses] } : {}),
      ...(o.failureStatuses ? { FailureStatuses: [...o.failureStatuses] } : {}),
      ...(o.timeout !== undefined ? { Timeout: o.timeout } : {}),
      ...(o.cancelOnDelete !== undefined ? { CancelOnDelete: o.cancelOnDelete } : {}),
    };
    super(scope, id, {
      type: RosOosExecution.ROS_RESOURCE_TYPE_NAME,
      properties: {
        TemplateName: props.templateName,
        Mode: props.mode ?? 'Automatic',
        ...(props.safetyCheck ? { SafetyCheck: props.safetyCheck } : {}),
        ...(props.parameters ? { Parameters: { ...props.parameters } } : {}),
        ...(props.description !== undefined ? { Description: props.description } : {}),
        ...(resourceOptions ? { ResourceOptions: resourceOptions } : {}),
        ...(Object.keys(tags).length > 0 ? { Tags: { ...tags } } : {}),
      },
    });
    this.props = props;
    this.attrExecutionId = this.getAtt('ExecutionId');
  }
}
