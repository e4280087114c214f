/**
 * A stand-in for the ECS API calls of the enrollment templates, over a fleet of instances
 * (nothing here reaches Alibaba Cloud): each instance with its tags, status, Cloud Assistant
 * status and RAM role. Like the single-instance stand-in (ecs-standin.ts) it refuses a request
 * parameter that the ECS SDK's request model does not have and checks every response against
 * the SDK's response model.
 *
 * What it follows from the ECS documentation: DescribeInstances filters by `Tag` (every tag
 * given must match) and by `InstanceIds`; AttachInstanceRamRole takes 1 to 100 instances, an
 * instance holds at most one role and attaching a role to an instance that holds one is an error.
 * Where the documentation is silent it chooses, and says so: such an error is reported per
 * instance in `FailCount` and `AttachInstanceRamRoleResults` (option `attachFailure: 'results'`,
 * the default), or as an API error when no instance could be attached (`'error'`); the error
 * codes are the stand-in's own.
 */
import { list, modelCheckedCall } from './ecs-standin';

/** An instance of the simulated account. */
export interface FleetInstance {
  readonly id: string;
  status: string;
  /** Cloud Assistant status: `true` when the agent runs. */
  agent: string;
  /** The RAM role it holds (ECS allows at most one). */
  roles: string[];
  tags: Record<string, string>;
}

/** The simulated account. */
export interface FleetState {
  instances: FleetInstance[];
  /** The RAM roles that exist: attaching another fails. */
  roleNames: string[];
}

export interface FleetStandInOptions {
  /** How AttachInstanceRamRole reports an instance it could not attach (see above). */
  readonly attachFailure?: 'results' | 'error';
  /** Runs before AttachInstanceRamRole changes anything (e.g. a role attached meanwhile by someone else). */
  readonly beforeAttach?: (state: FleetState, instanceIds: string[]) => void;
}

/** An API error, as ECS reports one. */
export class EcsApiError extends Error {
  constructor(public readonly code: string, message: string) {
    super(`${code}: ${message}`);
  }
}

/** The most instances one AttachInstanceRamRole takes (documented). */
const MAX_ATTACH_INSTANCES = 100;

export class FleetStandIn {
  /** Every call, in order. */
  public readonly calls: Array<{ api: string; parameters: Record<string, unknown> }> = [];

  constructor(public readonly state: FleetState, private readonly options: FleetStandInOptions = {}) {}

  public instance(id: string): FleetInstance | undefined {
    return this.state.instances.find((i) => i.id === id);
  }

  /** The instance ids any call named (in a parameter), in call order. */
  public touched(): string[] {
    return [...new Set(this.calls.flatMap((c) => [c.parameters.InstanceIds, c.parameters.InstanceId].flatMap((v) => list(v))))];
  }

  public call(service: string, api: string, parameters: Record<string, unknown>): unknown {
    return modelCheckedCall(service, api, parameters, this.calls, (p) => this.respond(api, p));
  }

  private respond(api: string, p: Record<string, unknown>): Record<string, unknown> {
    const byIds = (name: string) => {
      const ids = list(p[name]);
      if (ids.length === 0) throw new Error(`${api}: the template must filter by ${name}`);
      return this.state.instances.filter((i) => ids.includes(i.id));
    };
    switch (api) {
      case 'DescribeInstances': {
        const tags = (p.Tag ?? []) as Array<{ Key: string; Value: string }>;
        if (p.InstanceIds === undefined && tags.length === 0) throw new Error('DescribeInstances: the template must filter by InstanceIds or Tag');
        const found = (p.InstanceIds === undefined ? this.state.instances : byIds('InstanceIds'))
          .filter((i) => tags.every((t) => i.tags[t.Key] === t.Value))
          .map((i) => ({
            InstanceId: i.id,
            Status: i.status,
            Tags: { Tag: Object.entries(i.tags).map(([k, v]) => ({ TagKey: k, TagValue: v })) },
          }));
        return { Instances: { Instance: found }, TotalCount: found.length };
      }
      case 'DescribeCloudAssistantStatus': {
        const found = byIds('InstanceId').map((i) => ({ InstanceId: i.id, CloudAssistantStatus: i.agent }));
        return { InstanceCloudAssistantStatusSet: { InstanceCloudAssistantStatus: found }, TotalCount: found.length };
      }
      case 'DescribeInstanceRamRole': {
        const found = byIds('InstanceIds').flatMap((i) => i.roles.map((r) => ({ InstanceId: i.id, RamRoleName: r })));
        return { InstanceRamRoleSets: { InstanceRamRoleSet: found }, TotalCount: found.length, RegionId: p.RegionId };
      }
      case 'AttachInstanceRamRole':
        return this.attach(list(p.InstanceIds), String(p.RamRoleName ?? ''));
      default:
        throw new Error(`the stand-in does not answer ${api}`);
    }
  }

  private attach(ids: string[], role: string): Record<string, unknown> {
    if (ids.length < 1 || ids.length > MAX_ATTACH_INSTANCES) throw new EcsApiError('InvalidParameter.InstanceIds', `1 to ${MAX_ATTACH_INSTANCES} instances, got ${ids.length}`);
    if (!this.state.roleNames.includes(role)) throw new EcsApiError('InvalidRamRole.NotFound', `the RAM role ${role} does not exist`);
    this.options.beforeAttach?.(this.state, ids);
    const results = ids.map((id) => {
      const instance = this.instance(id);
      if (!instance) return { InstanceId: id, Success: false, Code: 'InvalidInstanceId.NotFound', Message: `the instance ${id} does not exist` };
      if (instance.roles.length > 0) {
        return { InstanceId: id, Success: false, Code: 'InvalidInstance.RamRoleAttached', Message: `the instance ${id} already holds the RAM role ${instance.roles[0]}` };
      }
      instance.roles = [role];
      return { InstanceId: id, Success: true, Code: '200', Message: 'success' };
    });
    const failed = results.filter((r) => !r.Success);
    if (this.options.attachFailure === 'error' && failed.length === ids.length) {
      throw new EcsApiError(failed[0].Code, failed[0].Message);
    }
    return {
      RamRoleName: role,
      TotalCount: ids.length,
      FailCount: failed.length,
      AttachInstanceRamRoleResults: { AttachInstanceRamRoleResult: results },
    };
  }
}
