import * as ros from '@alicloud/ros-cdk-core';
import { AppConsistentSnapshot, AppConsistentSnapshotOptions } from './app-consistent-snapshot';
import { deterministicSynthesizer } from './synth';
import { ValidationError } from './validation';

/** Properties of an {@link AppConsistentSnapshotStack}. */
export interface AppConsistentSnapshotStackProps extends ros.StackProps {
  /**
   * Groups to create right away, by group name.
   *
   * @default - none; add them with addGroup()
   */
  readonly groups?: Readonly<Record<string, AppConsistentSnapshotOptions>>;
  /**
   * A stack that holds parts of groups built elsewhere (role attachments, script deployments,
   * schedule shards of a large fleet) rather than groups of its own.
   *
   * @default false
   */
  readonly fleet?: boolean;
}

/** A ROS stack holding one or more application groups. */
export class AppConsistentSnapshotStack extends ros.Stack {
  private readonly groups = new Map<string, AppConsistentSnapshot>();
  private readonly fleet: boolean;

  constructor(scope: ros.Construct, id: string, props: AppConsistentSnapshotStackProps = {}) {
    super(scope, id, { synthesizer: deterministicSynthesizer(), ...props });
    this.fleet = props.fleet ?? false;
    for (const [name, options] of Object.entries(props.groups ?? {})) {
      this.addGroup(name, options);
    }
  }

  /** Adds an application group; its name must be unique in the stack. */
  public addGroup(groupName: string, options: AppConsistentSnapshotOptions): AppConsistentSnapshot {
    if (this.groups.has(groupName)) {
      throw new ValidationError('groupName', 'must be unique in the stack', groupName);
    }
    const group = new AppConsistentSnapshot(this, groupName, { ...options, groupName });
    this.groups.set(groupName, group);
    return group;
  }

  /** The groups, in the order they were added. */
  public get applicationGroups(): AppConsistentSnapshot[] {
    return [...this.groups.values()];
  }

  protected onValidate(): string[] {
    return this.groups.size === 0 && !this.fleet ? ['the stack holds no application group: add one with addGroup()'] : [];
  }
}
