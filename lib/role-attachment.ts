import * as ros from '@alicloud/ros-cdk-core';
import * as ecs from '@alicloud/ros-cdk-ecs';
import { MAX_INSTANCES_PER_ROLE_ATTACHMENT, checkInstanceIds, chunk } from './instance-ids';
import { uniqueResourceId } from './logical-id';
import { isResolved } from './validation';

/** Properties of a {@link RoleAttachment}. */
export interface RoleAttachmentProps {
  /** The instances that get the role (ids, or a ROS list parameter). */
  readonly instanceIds: string[];
  /** The role to attach. */
  readonly roleName: string;
}

/**
 * Attaches the snapshot role to the instances: one `ALIYUN::ECS::RamRoleAttachment` per 100
 * instances (the API's limit per call). The attachment fails for an instance that already
 * holds another role: an instance holds only one.
 */
export class RoleAttachment extends ros.Construct {
  /** The attachment resources, in instance order. */
  public readonly attachments: ecs.RosRamRoleAttachment[] = [];

  constructor(scope: ros.Construct, id: string, props: RoleAttachmentProps) {
    super(scope, id);
    checkInstanceIds('instanceIds', props.instanceIds);
    const batches = isResolved(props.instanceIds) ? chunk(props.instanceIds, MAX_INSTANCES_PER_ROLE_ATTACHMENT) : [props.instanceIds];
    batches.forEach((batch, i) => {
      const attachment = new ecs.RosRamRoleAttachment(this, uniqueResourceId(this, batches.length === 1 ? 'Attachment' : `Attachment${i + 1}`), {
        instanceIds: batch,
        ramRoleName: props.roleName,
      }, true);
      this.attachments.push(attachment);
    });
  }
}
