import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ros from '@alicloud/ros-cdk-core';
import { AppConsistentSnapshot, GroupEnrollment } from '../app-consistent-snapshot';
import { MAX_OOS_LOOP_ITEMS, chunk } from '../instance-ids';
import { ScheduleExecution, isSharded } from '../snapshot-schedule';
import { targetsOf } from '../targets';
import { AppConsistentSnapshotStack } from '../stack';
import { ROS_MAX_RESOURCES, ROS_TEMPLATE_MAX_BYTES } from '../synth';
import { isResolved } from '../validation';
import type { Posture, PostureGroup } from './loader';

/**
 * How a posture becomes ROS stacks. One stack when everything fits the ROS limits (200
 * resources, 512 KB). Otherwise:
 *
 * - core stacks (`<stackName>`, `<stackName>-Core2`, ...) hold each group's roles, OOS
 *   templates, execution role and (when not sharded) the execution that starts its schedule,
 *   groups packed in order;
 * - fleet stacks (`<stackName>-Fleet1`, ...) hold, per slice of at most 1,000 instances given by
 *   id, the role attachments (100 instances each) and script deployments (50 each) of the slice
 *   and, for a scheduled group of more than 1,000 ids, the execution that starts the schedule for
 *   that slice (one shard), slices packed in order. Each fleet stack depends on the core stacks of
 *   its groups, so that the roles and templates exist first.
 *
 * Sizes are measured, not guessed: each unit is synthesized alone and the packing keeps a stack
 * under {@link PACKING_BUDGET} of each limit; the final synthesis checks the limits again.
 */

/** The share of each ROS limit the packing fills, leaving room for what the measure misses. */
export const PACKING_BUDGET = 0.9;

/** What a unit costs in a stack. */
interface Cost {
  readonly bytes: number;
  readonly resources: number;
}

/** Synthesizes a throwaway app and returns the cost of its one stack. */
function measure(build: (stack: AppConsistentSnapshotStack) => void): Cost {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'app-snapshot-measure-'));
  try {
    const app = new ros.App({ outdir, context: { 'aliyun:ros:disable-stack-trace': 'true' } });
    const stack = new AppConsistentSnapshotStack(app, 'Measure', { fleet: true });
    build(stack);
    // ros-cdk refuses to synthesize a stack of over 300 resources: count them first.
    const resources = stack.node.findAll().filter((c) => c instanceof ros.RosResource).length;
    if (resources > ROS_MAX_RESOURCES) {
      return { bytes: Number.POSITIVE_INFINITY, resources };
    }
    const assembly = app.synth();
    const body = fs.readFileSync(path.join(outdir, assembly.getStackArtifact(stack.artifactId).templateFile), 'utf8');
    return { bytes: Buffer.byteLength(body, 'utf8'), resources: Object.keys((JSON.parse(body) as { Resources?: object }).Resources ?? {}).length };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

function fits(c: Cost): boolean {
  return c.bytes <= ROS_TEMPLATE_MAX_BYTES * PACKING_BUDGET && c.resources <= ROS_MAX_RESOURCES;
}

/** Packs costed items in order into bins that fit, given the cost of an empty stack. */
function pack<T>(items: ReadonlyArray<{ item: T; cost: Cost }>, empty: Cost): T[][] {
  const bins: T[][] = [];
  let current: T[] = [];
  let used: Cost = empty;
  for (const { item, cost } of items) {
    const next = { bytes: used.bytes + cost.bytes - empty.bytes, resources: used.resources + cost.resources };
    if (current.length > 0 && !fits(next)) {
      bins.push(current);
      current = [];
      used = empty;
    }
    current.push(item);
    used = { bytes: used.bytes + cost.bytes - empty.bytes, resources: used.resources + cost.resources };
  }
  if (current.length > 0) bins.push(current);
  return bins;
}

/** A group's instances by id, when they are known at synth. */
function idsOf(g: PostureGroup): string[] | undefined {
  const ids = g.options.instanceIds;
  return ids !== undefined && isResolved(ids) ? ids : undefined;
}

/** Builds the posture into one stack. */
function oneStack(app: ros.App, posture: Posture): AppConsistentSnapshotStack {
  const stack = new AppConsistentSnapshotStack(app, posture.stackName, { description: posture.description });
  for (const g of posture.groups) {
    stack.addGroup(g.name, { ...g.options, postureName: posture.postureName });
  }
  return stack;
}

/** A slice of a group's instances in a fleet stack. */
interface Slice {
  readonly group: PostureGroup;
  readonly index: number;
  readonly ids: string[];
  /** Whether this slice carries its shard's schedule execution. */
  readonly startsShard: boolean;
  readonly shardCount: number;
}

/** Builds a slice into a scope: the enrollment of its instances and its shard's execution. */
function buildSlice(scope: ros.Construct, group: AppConsistentSnapshot, slice: Slice): void {
  const enrollment = new GroupEnrollment(scope, { group, instanceIds: slice.ids });
  if (slice.startsShard && group.schedule) {
    const start = new ScheduleExecution(scope, 'ScheduleStart', {
      templateName: group.schedule.templateName,
      templateContent: group.schedule.content,
      instanceIds: slice.ids,
      shard: { index: slice.index, count: slice.shardCount },
      groupName: group.groupName,
    });
    enrollment.resources.forEach((r) => start.execution.addRosDependency(r.logicalId));
  }
}

/** The group's core built in a stack (no enrollment; the schedule started here unless sharded). */
function buildCore(stack: AppConsistentSnapshotStack, posture: Posture, g: PostureGroup): AppConsistentSnapshot {
  const sharded = isSharded(targetsOf(g.options));
  return stack.addGroup(g.name, {
    ...g.options,
    postureName: posture.postureName,
    deployToInstances: idsOf(g) === undefined,
    startSchedule: !sharded,
  });
}

/** Builds the posture's stacks in an app: one when it fits, else core and fleet stacks. */
export function buildPostureStacks(app: ros.App, posture: Posture): AppConsistentSnapshotStack[] {
  const whole = measure((stack) => {
    for (const g of posture.groups) new AppConsistentSnapshot(stack, g.name, { ...g.options, groupName: g.name, postureName: posture.postureName });
  });
  if (fits(whole)) {
    return [oneStack(app, posture)];
  }
  const empty = measure(() => undefined);
  // Core stacks.
  const cores = posture.groups.map((g) => ({
    item: g,
    cost: measure((stack) => buildCore(stack, posture, g)),
  }));
  const coreBins = pack(cores, empty);
  const stacks: AppConsistentSnapshotStack[] = [];
  const coreOf = new Map<string, { stack: AppConsistentSnapshotStack; group: AppConsistentSnapshot }>();
  coreBins.forEach((groups, i) => {
    const stack = new AppConsistentSnapshotStack(app, i === 0 ? posture.stackName : `${posture.stackName}-Core${i + 1}`, {
      description: posture.description,
    });
    for (const g of groups) coreOf.set(g.name, { stack, group: buildCore(stack, posture, g) });
    stacks.push(stack);
  });
  // Fleet stacks: slices of at most one shard, measured by the first slice of each group.
  const slices: Array<{ item: Slice; cost: Cost }> = [];
  for (const g of posture.groups) {
    const ids = idsOf(g);
    if (ids === undefined) continue;
    const sharded = isSharded(targetsOf(g.options));
    const parts = chunk(ids, MAX_OOS_LOOP_ITEMS);
    const costOf = new Map<number, Cost>();
    parts.forEach((part, index) => {
      const slice: Slice = { group: g, index, ids: part, startsShard: sharded, shardCount: parts.length };
      let cost = costOf.get(part.length);
      if (cost === undefined) {
        cost = measure((stack) => {
          const core = buildCore(new AppConsistentSnapshotStack(stack.node.root as ros.App, 'MeasureCore'), posture, g);
          buildSlice(stack, core, slice);
        });
        costOf.set(part.length, cost);
      }
      slices.push({ item: slice, cost });
    });
  }
  pack(slices, empty).forEach((bin, i) => {
    const stack = new AppConsistentSnapshotStack(app, `${posture.stackName}-Fleet${i + 1}`, {
      description: `${posture.description ?? 'Application-consistent snapshots'}: role attachments and script deployments, part ${i + 1}`,
      fleet: true,
    });
    for (const slice of bin) {
      const core = coreOf.get(slice.group.name)!;
      if (!stack.dependencies.includes(core.stack)) stack.addDependency(core.stack);
      buildSlice(new ros.Construct(stack, `${slice.group.name}-${slice.index + 1}`), core.group, slice);
    }
    stacks.push(stack);
  });
  return stacks;
}
