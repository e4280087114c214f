/**
 * A stand-in for the ECS API calls the package's templates make (nothing here reaches Alibaba
 * Cloud). It answers from a small cloud state: one instance, its disks and role, and snapshot
 * groups (those the plugin stand-in created, or those a test set up). It refuses a request
 * parameter that the ECS SDK's request model does not have or that is shaped otherwise, or that
 * breaks a rule the SDK's comments document (ecs-sdk-constraints.ts), and
 * checks every response it builds against the SDK's response model, so that the templates'
 * selectors run over responses shaped as ECS shapes them.
 */
import { FieldType, findEcsApi } from '../../lib/oos/lint/ecs-sdk-model';
import { SnapshotGroupRecord } from '../standin/scenario';
import { constraintProblems } from './ecs-sdk-constraints';

/** A disk of the simulated account. */
export interface CloudDisk {
  readonly DiskId: string;
  Category: string;
  /** Absent: the disk predates multi-attach (ECS then sends no MultiAttach field). */
  MultiAttach?: string;
  /** The instances it is attached to (more than one only with multi-attach). */
  attachedTo: string[];
  /** The status (absent: In_use when attached, else Available). */
  Status?: string;
  ZoneId?: string;
  SourceSnapshotId?: string;
  CreationTime?: string;
  SerialNumber?: string;
  PerformanceLevel?: string;
  Tags?: Array<{ Key: string; Value: string }>;
  /**
   * A status change under way (Creating, Attaching, Detaching): it completes after this many
   * more DescribeDisks calls (ECS's disk operations are asynchronous: callers poll, and the
   * stand-in counts their calls as time), and never with `Infinity`.
   */
  pending?: { to: string; polls: number };
}

/** How many DescribeDisks calls each asynchronous disk operation takes, as a test sets it. */
export interface DiskTiming {
  /** CreateDisk: Creating, then Available. @default 2 */
  readonly create?: number;
  /** AttachDisk: Attaching, then In_use. @default 1 */
  readonly attach?: number;
  /** DetachDisk: Detaching, then Available. @default 1 */
  readonly detach?: number;
  /** Whether CreateDisk reports the new disk's serial number (ECS documents the field). @default true */
  readonly serialNumbers?: boolean;
}

/**
 * A snapshot lock as LockSnapshot sets it (compliance mode, the only one the SDK documents). Its
 * status: `compliance-cooloff` while the cool-off period runs (the snapshot cannot be deleted; the
 * lock can be changed or removed), `compliance` after it (cannot be deleted; the lock can only be
 * extended), `expired` once the duration has passed (deletable). A test sets `LockStatus` to
 * move a lock on; LockSnapshot sets it from the cool-off period it is given.
 */
export interface CloudLock {
  LockStatus: 'compliance-cooloff' | 'compliance' | 'expired';
  LockMode: 'compliance';
  LockDuration: number;
  CoolOffPeriod: number;
  LockCreationTime: string;
}

/** A snapshot of a group, with its tags as `{Key, Value}`. */
export interface CloudSnapshot {
  readonly SnapshotId: string;
  readonly DiskId: string;
  Status: string;
  Tags: Array<{ Key: string; Value: string }>;
  /** Absent: never locked. */
  lock?: CloudLock;
  /** Days ECS keeps it (absent: until deleted, as for the snapshots of a snapshot group). */
  RetentionDays?: number;
}

/**
 * A snapshot in another region, made by CopySnapshot: it starts `progressing` and becomes
 * `accomplished` (or `failed`, as {@link CloudState.copyFailure} says) after the number of
 * DescribeSnapshots reads {@link CloudState.copyReads} gives, as a copy runs on its own in ECS.
 */
export interface CloudCopy {
  readonly SnapshotId: string;
  readonly SourceSnapshotId: string;
  readonly SourceRegionId: string;
  readonly SnapshotName: string;
  readonly Description: string;
  Status: string;
  readonly Tags: Array<{ Key: string; Value: string }>;
  readonly RetentionDays?: number;
  readonly Encrypted: boolean;
  readonly KMSKeyId?: string;
  /** DescribeSnapshots reads so far. */
  reads: number;
  /** What it ends as. */
  readonly ends: 'accomplished' | 'failed';
}

/** How a copy goes: refused by CopySnapshot itself, or started and failed later, or fine. */
export type CopyOutcome = 'refuse' | 'fail' | undefined;

/** A snapshot group of the simulated account. */
export interface CloudGroup {
  readonly SnapshotGroupId: string;
  InstanceId: string;
  Status: string;
  /** As ECS reports it (UTC, ISO 8601); absent: ECS sends no CreationTime. */
  CreationTime?: string;
  snapshots: CloudSnapshot[];
}

/** An instance of the simulated account. */
export interface CloudInstance {
  id: string;
  status: string;
  agent: string;
  roles: string[];
  /** @default 'cn-hangzhou-h' */
  zoneId?: string;
  tags?: Array<{ Key: string; Value: string }>;
  /** Deleted: DescribeInstances no longer lists it. */
  released?: boolean;
}

/** The simulated account, as a test sets it up and alters it. */
export interface CloudState {
  /** The instance the automation runs on. */
  instance: CloudInstance;
  /** More instances that exist in the region (a restore drill's scratch instance, a live instance of another group). */
  others?: CloudInstance[];
  disks: CloudDisk[];
  groups: CloudGroup[];
  /** APIs that answer with an error (the code and message), e.g. a policy that lacks them. */
  refuse?: Record<string, string>;
  /** The other regions the account uses, with the snapshots copied there. */
  regions?: Record<string, { snapshots: CloudCopy[] }>;
  /** DescribeSnapshots reads of a copy before it ends (default 2). */
  copyReads?: number;
  /** How the copy of a snapshot to a region goes (default: fine). */
  copyFailure?: (sourceSnapshotId: string, regionId: string) => CopyOutcome;
  /** The asynchronous disk operations. */
  diskTiming?: DiskTiming;
  /** The stand-in's clock (lock times, new disks' creation times). @default - the real time */
  now?: Date;
}

/** The region the execution runs in: the source of every snapshot group. */
export const HOME_REGION = 'cn-hangzhou';

/** Whether a lock keeps its snapshot from being deleted (ECS: in cool-off or in compliance). */
export function isLocked(s: { lock?: CloudLock }): boolean {
  return s.lock !== undefined && s.lock.LockStatus !== 'expired';
}

/** A time as ECS writes it: UTC, to the second (`2024-05-01T10:30:00Z`). */
export function ecsTime(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/**
 * The groups the plugin stand-in recorded, as ECS would hold them (tags on every snapshot),
 * created at `created` (default: now).
 */
export function groupsFromStandIn(records: readonly SnapshotGroupRecord[], created: Date = new Date()): CloudGroup[] {
  return records.map((g) => ({
    SnapshotGroupId: g.SnapshotGroupId,
    InstanceId: g.InstanceId,
    Status: g.Status,
    CreationTime: ecsTime(created),
    snapshots: g.Disks.map((d) => ({ SnapshotId: d.SnapshotId, DiskId: d.DiskId, Status: d.Status, Tags: g.Tags.map((t) => ({ ...t })) })),
  }));
}

/** A list parameter as OOS may pass it: a list, or JSON text of one. */
export function list(value: unknown): string[] {
  if (Array.isArray(value)) return value.map(String);
  if (typeof value === 'string' && value.startsWith('[')) return (JSON.parse(value) as unknown[]).map(String);
  return value === undefined || value === '' ? [] : [String(value)];
}

/** Throws unless every key of `value` is a field of the SDK model at that place. */
export function checkShape(value: unknown, type: FieldType, path: string): void {
  if (type.kind === 'map' || value === null || value === undefined) return;
  if (type.kind === 'array') {
    if (!Array.isArray(value)) throw new Error(`${path} must be a list`);
    value.forEach((v, i) => checkShape(v, type.item, `${path}[${i}]`));
    return;
  }
  if (type.kind === 'scalar') return;
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const field = type.fields.get(key);
    if (!field) throw new Error(`${path}.${key} is not a field of the ECS SDK model`);
    checkShape(v, field, `${path}.${key}`);
  }
}

/**
 * One call to an ECS stand-in, checked as ECS would take it: the API exists in the ECS SDK, every
 * parameter is one of its request's and shaped as the model says, the region is the execution's;
 * the call is recorded, and the response is checked against the SDK's response model.
 */
export function modelCheckedCall(service: string, api: string, parameters: Record<string, unknown>,
  calls: Array<{ api: string; parameters: Record<string, unknown> }>, respond: (p: Record<string, unknown>) => Record<string, unknown>,
  regions: readonly string[] = [HOME_REGION]): unknown {
  if (service !== 'ECS') throw new Error(`the stand-in serves ECS only, not ${service}`);
  const model = findEcsApi(api);
  if (!model || model.match !== 'exact') throw new Error(`ECS has no API ${api}`);
  for (const name of Object.keys(parameters)) {
    if (!model.model.request.has(name)) throw new Error(`${name} is not a parameter of ${api}`);
  }
  checkShape(parameters, { kind: 'model', fields: model.model.request }, `${api} request`);
  // As ECS would refuse it, where the SDK's comments document a rule (required, lengths, bounds).
  const problems = constraintProblems(model.model, parameters);
  if (problems.length > 0) throw new Error(problems.join('; '));
  // APIs that take a RegionId (AttachDisk and a few others take none) must be given the
  // execution's region or one the account uses.
  if (model.model.request.has('RegionId') && !regions.includes(String(parameters.RegionId))) {
    throw new Error(`${api}: RegionId must be the execution's region or one the account uses (${regions.join(', ')}), not ${String(parameters.RegionId)}`);
  }
  calls.push({ api, parameters });
  const response = { RequestId: `req-${calls.length}`, ...respond(parameters) };
  checkShape(response, { kind: 'model', fields: model.model.response }, api);
  return response;
}

/** The ECS API stand-in. */
export class EcsStandIn {
  /** Every call, in order. */
  public readonly calls: Array<{ api: string; parameters: Record<string, unknown> }> = [];
  /** The most copies progressing at once, in every region, seen when a copy started. */
  public maxCopiesInFlight = 0;

  constructor(public readonly state: CloudState) {}

  public call(service: string, api: string, parameters: Record<string, unknown>): unknown {
    return modelCheckedCall(service, api, parameters, this.calls, (p) => {
      const refused = this.state.refuse?.[api];
      if (refused !== undefined) throw new Error(refused);
      // An API that takes no RegionId (AttachDisk, DetachDisk) acts where its resources are.
      if (p.RegionId !== undefined && p.RegionId !== HOME_REGION) return this.respondElsewhere(api, String(p.RegionId), p);
      return this.respond(api, p);
    }, [HOME_REGION, ...Object.keys(this.state.regions ?? {})]);
  }

  /** Deletes an instance: DescribeInstances no longer lists it; its snapshot groups stay, as ECS keeps them. */
  public releaseInstance(id: string): void {
    const found = [this.state.instance, ...(this.state.others ?? [])].find((i) => i.id === id && !i.released);
    if (!found) throw new Error(`no instance ${id} to release`);
    found.released = true;
  }

  /** Every snapshot of the home region, with its group. */
  private snapshots(): Array<{ g: CloudGroup; s: CloudSnapshot }> {
    return this.state.groups.flatMap((g) => g.snapshots.map((s) => ({ g, s })));
  }

  /** The stand-in's clock, as ECS writes a time. */
  private now(): string {
    return ecsTime(this.state.now ?? new Date());
  }

  /** Calls in another region: the copies there (DescribeSnapshots). */
  private respondElsewhere(api: string, region: string, p: Record<string, unknown>): Record<string, unknown> {
    if (api !== 'DescribeSnapshots') throw new Error(`the stand-in answers ${api} in ${HOME_REGION} only, not in ${region}`);
    const ids = list(p.SnapshotIds);
    const tags = (p.Tag as Array<{ Key?: string; Value?: string }> | undefined) ?? [];
    const found = this.state.regions![region].snapshots
      .filter((c) => (ids.length === 0 || ids.includes(c.SnapshotId)) && tags.every((t) => c.Tags.some((x) => x.Key === t.Key && (t.Value === undefined || x.Value === t.Value))))
      .map((c) => {
        // A copy runs on its own: each read sees it further along, until it ends.
        c.reads += 1;
        if (c.Status === 'progressing' && c.reads >= (this.state.copyReads ?? 2)) c.Status = c.ends;
        return {
          SnapshotId: c.SnapshotId,
          SnapshotName: c.SnapshotName,
          Description: c.Description,
          Status: c.Status,
          SourceSnapshotId: c.SourceSnapshotId,
          SourceRegionId: c.SourceRegionId,
          Encrypted: c.Encrypted,
          ...(c.KMSKeyId !== undefined ? { KMSKeyId: c.KMSKeyId } : {}),
          ...(c.RetentionDays !== undefined ? { RetentionDays: c.RetentionDays } : {}),
          // Instant access applies to no copied snapshot (ECS's documentation).
          InstantAccess: false,
          Tags: { Tag: c.Tags.map((t) => ({ TagKey: t.Key, TagValue: t.Value })) },
        };
      });
    return { ...pageByToken(api, p, found, (page) => ({ Snapshots: { Snapshot: page } })), TotalCount: found.length };
  }

  /** Every instance of the account that exists (not released), in the order ECS would list them. */
  private get instances(): CloudInstance[] {
    return [this.state.instance, ...(this.state.others ?? [])].filter((i) => !i.released);
  }

  /** The disks a test can see as ECS holds them (the drill's and the instances'). */
  public disk(id: string): CloudDisk | undefined {
    return this.state.disks.find((d) => d.DiskId === id);
  }

  /** A disk's status: the one it is given, else In_use when attached, else Available. */
  private statusOf(d: CloudDisk): string {
    return d.Status ?? (d.attachedTo.length > 0 ? 'In_use' : 'Available');
  }

  /**
   * Time passes while a caller polls: every DescribeDisks call moves each pending status change
   * one step on, and completes those that have waited their count.
   */
  private tick(): void {
    for (const d of this.state.disks) {
      if (d.pending === undefined) continue;
      d.pending.polls -= 1;
      if (d.pending.polls <= 0) {
        d.Status = d.pending.to;
        if (d.Status === 'Available') d.attachedTo = [];
        d.pending = undefined;
      }
    }
  }

  private diskNumber = 0;

  private respond(api: string, p: Record<string, unknown>): Record<string, unknown> {
    const { instance, disks, groups } = this.state;
    const timing = this.state.diskTiming ?? {};
    const required = (name: string) => {
      if (p[name] === undefined || list(p[name]).length === 0) throw new Error(`${api}: the template must filter by ${name}`);
      return list(p[name]);
    };
    const tagged = (have: Array<{ Key: string; Value: string }> | undefined, want: unknown) => {
      const wanted = (want ?? []) as Array<{ Key?: string; Value?: string }>;
      if (!Array.isArray(wanted)) throw new Error(`${api}: Tag must be a list of {Key, Value}`);
      return wanted.every((t) => (have ?? []).some((h) => h.Key === t.Key && (t.Value === undefined || h.Value === t.Value)));
    };
    const diskOf = (id: string) => {
      const d = this.disk(id);
      if (!d) throw new Error(`InvalidDiskId.NotFound: ${api}: no disk ${id}`);
      return d;
    };
    switch (api) {
      case 'DescribeInstances': {
        // Only the instances that exist: a deleted one is not listed (and no error names it).
        const ids = required('InstanceIds');
        const found = this.instances.filter((i) => ids.includes(i.id) && tagged(i.tags, p.Tag))
          .map((i) => ({ InstanceId: i.id, Status: i.status, ZoneId: i.zoneId ?? 'cn-hangzhou-h' }));
        return { ...pageByToken(api, p, found, (page) => ({ Instances: { Instance: page } })), TotalCount: found.length };
      }
      case 'DescribeCloudAssistantStatus': {
        const found = required('InstanceId').includes(instance.id) ? [{ InstanceId: instance.id, CloudAssistantStatus: instance.agent }] : [];
        return { InstanceCloudAssistantStatusSet: { InstanceCloudAssistantStatus: found }, TotalCount: found.length };
      }
      case 'DescribeInstanceRamRole': {
        const found = required('InstanceIds').includes(instance.id) ? instance.roles.map((r) => ({ InstanceId: instance.id, RamRoleName: r })) : [];
        return { InstanceRamRoleSets: { InstanceRamRoleSet: found }, TotalCount: found.length };
      }
      case 'DescribeDisks': {
        // Filters are ANDed; DiskIds is JSON text of at most 100 ids (`[]` finds nothing).
        if (p.InstanceId === undefined && p.DiskIds === undefined && p.Tag === undefined) {
          throw new Error(`${api}: the template must filter by InstanceId, DiskIds or Tag`);
        }
        this.tick();
        const ids = p.DiskIds === undefined ? undefined : list(p.DiskIds);
        if (ids !== undefined && ids.length > 100) throw new Error(`InvalidParameter.DiskIds: ${api}: at most 100 ids, got ${ids.length}`);
        const statuses = p.Status === undefined ? undefined : list(p.Status);
        const found = disks.filter((d) => (p.InstanceId === undefined || d.attachedTo.includes(String(p.InstanceId)))
          && (ids === undefined || ids.includes(d.DiskId)) && tagged(d.Tags, p.Tag)
          && (statuses === undefined || statuses.includes(this.statusOf(d))));
        const shaped = found.map((d) => ({
          DiskId: d.DiskId,
          Category: d.Category,
          ...(d.MultiAttach !== undefined ? { MultiAttach: d.MultiAttach } : {}),
          InstanceId: d.attachedTo.length === 1 ? d.attachedTo[0] : '',
          Status: this.statusOf(d),
          ...(d.ZoneId !== undefined ? { ZoneId: d.ZoneId } : {}),
          ...(d.SourceSnapshotId !== undefined ? { SourceSnapshotId: d.SourceSnapshotId } : {}),
          ...(d.CreationTime !== undefined ? { CreationTime: d.CreationTime } : {}),
          ...(d.SerialNumber !== undefined ? { SerialNumber: d.SerialNumber } : {}),
          ...(d.PerformanceLevel !== undefined ? { PerformanceLevel: d.PerformanceLevel } : {}),
          ...(d.Tags !== undefined ? { Tags: { Tag: d.Tags.map((t) => ({ TagKey: t.Key, TagValue: t.Value })) } } : {}),
        }));
        if (p.MaxResults !== undefined || p.NextToken !== undefined) {
          return pageByToken(api, p, shaped, (page) => ({ Disks: { Disk: page } }), { min: 10, max: 500 });
        }
        return { Disks: { Disk: shaped }, TotalCount: shaped.length };
      }
      case 'CreateDisk': {
        // A data disk from a snapshot, in a zone (ZoneId, or InstanceId: not both), with 0-20 tags.
        if ((p.ZoneId === undefined) === (p.InstanceId === undefined)) throw new Error(`InvalidParameter: ${api}: give ZoneId or InstanceId, not both`);
        const snapshotId = String(p.SnapshotId ?? '');
        const snapshot = groups.flatMap((g) => g.snapshots).find((x) => x.SnapshotId === snapshotId);
        if (!snapshot) throw new Error(`InvalidSnapshotId.NotFound: ${api}: no snapshot ${snapshotId}`);
        if (!['cloud', 'cloud_efficiency', 'cloud_ssd', 'cloud_essd', 'cloud_auto', 'cloud_essd_entry'].includes(String(p.DiskCategory ?? 'cloud'))) {
          throw new Error(`InvalidDiskCategory.ValueNotSupported: ${api}: ${String(p.DiskCategory)}`);
        }
        const tags = (p.Tag ?? []) as Array<{ Key?: string; Value?: string }>;
        if (!Array.isArray(tags) || tags.length > 20 || tags.some((t) => !t.Key || /^(aliyun|acs:)/.test(t.Key))) {
          throw new Error(`InvalidTagKey.Malformed: ${api}: at most 20 tags, each with a Key not starting with aliyun or acs:`);
        }
        this.diskNumber += 1;
        const id = `d-drill${String(this.diskNumber).padStart(13, '0')}`;
        const zone = p.ZoneId !== undefined ? String(p.ZoneId) : (this.instances.find((i) => i.id === p.InstanceId)?.zoneId ?? 'cn-hangzhou-h');
        disks.push({
          DiskId: id,
          Category: String(p.DiskCategory ?? 'cloud'),
          attachedTo: [],
          Status: 'Creating',
          ZoneId: zone,
          SourceSnapshotId: snapshotId,
          CreationTime: ecsTime(this.state.now ?? new Date()),
          ...(timing.serialNumbers === false ? {} : { SerialNumber: id.slice(2) }),
          ...(p.PerformanceLevel !== undefined ? { PerformanceLevel: String(p.PerformanceLevel) } : {}),
          Tags: tags.map((t) => ({ Key: t.Key!, Value: t.Value ?? '' })),
          pending: { to: 'Available', polls: timing.create ?? 2 },
        });
        return { DiskId: id };
      }
      case 'AttachDisk': {
        // The disk must be Available, in the instance's zone; the instance Running or Stopped.
        const d = diskOf(String(p.DiskId));
        const target = this.instances.find((i) => i.id === p.InstanceId);
        if (!target) throw new Error(`InvalidInstanceId.NotFound: ${api}: no instance ${String(p.InstanceId)}`);
        if (this.statusOf(d) !== 'Available') throw new Error(`IncorrectDiskStatus: ${api}: disk ${d.DiskId} is ${this.statusOf(d)}, not Available`);
        if (!['Running', 'Stopped'].includes(target.status)) throw new Error(`IncorrectInstanceStatus: ${api}: instance ${target.id} is ${target.status}`);
        if ((d.ZoneId ?? target.zoneId) !== (target.zoneId ?? 'cn-hangzhou-h')) throw new Error(`InvalidDiskId.ZoneMismatch: ${api}: disk ${d.DiskId} is in another zone`);
        d.attachedTo = [target.id];
        d.Status = 'Attaching';
        d.pending = { to: 'In_use', polls: timing.attach ?? 1 };
        return {};
      }
      case 'DetachDisk': {
        const d = diskOf(String(p.DiskId));
        if (this.statusOf(d) !== 'In_use') throw new Error(`IncorrectDiskStatus: ${api}: disk ${d.DiskId} is ${this.statusOf(d)}, not In_use`);
        if (!d.attachedTo.includes(String(p.InstanceId))) throw new Error(`DependencyViolation: ${api}: disk ${d.DiskId} is not attached to ${String(p.InstanceId)}`);
        d.Status = 'Detaching';
        d.pending = { to: 'Available', polls: timing.detach ?? 1 };
        return {};
      }
      case 'DeleteDisk': {
        // An unknown id is ignored; the disk must be Available.
        const at = disks.findIndex((x) => x.DiskId === p.DiskId);
        if (at < 0) return {};
        if (this.statusOf(disks[at]) !== 'Available') throw new Error(`IncorrectDiskStatus: ${api}: disk ${String(p.DiskId)} is ${this.statusOf(disks[at])}, not Available`);
        disks.splice(at, 1);
        return {};
      }
      case 'DescribeSnapshotGroups': {
        // The templates filter by the group's id (the read back), by the instance (retention), or
        // list the region's groups of a status (the orphan search).
        const ids = list(p.SnapshotGroupId);
        const statuses = list(p.Status);
        if (ids.length === 0 && p.InstanceId === undefined && statuses.length === 0) throw new Error(`${api}: the template must filter by SnapshotGroupId, InstanceId or Status`);
        const found = groups.filter((g) => (ids.length === 0 || ids.includes(g.SnapshotGroupId)) && (p.InstanceId === undefined || g.InstanceId === p.InstanceId)
          && (statuses.length === 0 || statuses.includes(g.Status)))
          .map((g) => ({
            SnapshotGroupId: g.SnapshotGroupId,
            InstanceId: g.InstanceId,
            Status: g.Status,
            ...(g.CreationTime !== undefined ? { CreationTime: g.CreationTime } : {}),
            Snapshots: {
              Snapshot: g.snapshots.map((s) => ({
                SnapshotId: s.SnapshotId,
                SourceDiskId: s.DiskId,
                Progress: '100%',
                Available: true,
                Tags: { Tag: s.Tags.map((t) => ({ Key: t.Key, Value: t.Value })) },
              })),
            },
          }));
        return pageByToken(api, p, found, (page) => ({ SnapshotGroups: { SnapshotGroup: page } }));
      }
      case 'TagResources': {
        // As documented: ResourceType snapshot (among others), 1-50 ResourceId, 1-20 Tag.
        if (p.ResourceType !== 'snapshot') throw new Error(`${api}: the stand-in tags snapshots only, not ${String(p.ResourceType)}`);
        const ids = required('ResourceId');
        const tags = p.Tag as Array<{ Key?: string; Value?: string }> | undefined;
        if (ids.length > 50) throw new Error(`${api}: at most 50 ResourceId, got ${ids.length}`);
        if (!Array.isArray(tags) || tags.length < 1 || tags.length > 20 || tags.some((t) => !t.Key)) {
          throw new Error(`${api}: Tag must list 1 to 20 tags, each with a Key`);
        }
        const snapshots = ids.map((id) => {
          const found = groups.flatMap((g) => g.snapshots).find((s) => s.SnapshotId === id);
          if (!found) throw new Error(`InvalidResourceId.NotFound: ${api}: no snapshot ${id}`);
          return found;
        });
        for (const s of snapshots) {
          for (const t of tags) {
            const existing = s.Tags.find((x) => x.Key === t.Key);
            if (existing) existing.Value = t.Value ?? ''; else s.Tags.push({ Key: t.Key!, Value: t.Value ?? '' });
          }
        }
        return {};
      }
      case 'DeleteSnapshotGroup': {
        const id = String(p.SnapshotGroupId ?? '');
        const at = groups.findIndex((g) => g.SnapshotGroupId === id);
        if (at < 0) throw new Error(`InvalidSnapshotGroupId.NotFound: ${api}: no snapshot group ${id}`);
        // A locked snapshot cannot be deleted by anyone until its lock ends (the code is the stand-in's).
        const locked = groups[at].snapshots.filter(isLocked);
        if (locked.length > 0) throw new Error(`OperationDenied.SnapshotLocked: ${api}: snapshot ${locked[0].SnapshotId} of ${id} is locked (${locked[0].lock!.LockStatus})`);
        const [removed] = groups.splice(at, 1);
        return {
          OperationProgressSet: {
            OperationProgress: removed.snapshots.map((s) => ({ OperationStatus: 'Success', RelatedItemSet: { RelatedItem: [{ Name: 'SnapshotId', Value: s.SnapshotId }] } })),
          },
        };
      }
      case 'LockSnapshot': {
        // As the SDK documents it: compliance mode only; a lock in cool-off may be changed, one past
        // it only extended (CoolOffPeriod 0, a LockDuration not shorter); the lock must end within
        // the snapshot's retention (help.aliyun.com lock-snapshot). Error codes are the stand-in's.
        const id = String(p.SnapshotId);
        const found = this.snapshots().find(({ s }) => s.SnapshotId === id);
        if (!found) throw new Error(`InvalidSnapshotId.NotFound: ${api}: no snapshot ${id}`);
        if (p.LockMode !== 'compliance') throw new Error(`InvalidParameter.LockMode: ${api}: ${String(p.LockMode)}, not compliance`);
        const days = Number(p.LockDuration);
        const coolOff = Number(p.CoolOffPeriod);
        const s = found.s;
        if (s.RetentionDays !== undefined && days > s.RetentionDays) {
          throw new Error(`InvalidParameter.LockDuration: ${api}: a lock of ${days} days would outlast the snapshot's retention of ${s.RetentionDays} days`);
        }
        if (s.lock?.LockStatus === 'compliance' && (coolOff !== 0 || days < s.lock.LockDuration)) {
          throw new Error(`OperationDenied.LockedSnapshot: ${api}: ${id} is locked past its cool-off: its lock can only be extended`);
        }
        s.lock = { LockStatus: coolOff > 0 ? 'compliance-cooloff' : 'compliance', LockMode: 'compliance', LockDuration: days, CoolOffPeriod: coolOff, LockCreationTime: this.now() };
        return { LockedSnapshotInfo: { SnapshotId: id, ...s.lock } };
      }
      case 'DescribeLockedSnapshots': {
        // The snapshots that carry a lock (an expired one included), by id and status; paged.
        const ids = list(p.SnapshotIds);
        const found = this.snapshots().filter(({ s }) => s.lock !== undefined && (ids.length === 0 || ids.includes(s.SnapshotId))
          && (p.LockStatus === undefined || s.lock.LockStatus === p.LockStatus))
          .map(({ s }) => ({ SnapshotId: s.SnapshotId, ...s.lock }));
        return pageByToken(api, p, found, (page) => ({ LockedSnapshotsInfo: page }));
      }
      case 'CopySnapshot': {
        // The copy appears in the destination region at once, progressing, with the tags, name,
        // description, retention and encryption of the request; the source must be accomplished.
        const id = String(p.SnapshotId);
        const region = String(p.DestinationRegionId);
        const found = this.snapshots().find(({ s }) => s.SnapshotId === id);
        if (!found) throw new Error(`InvalidSnapshotId.NotFound: ${api}: no snapshot ${id}`);
        if (found.s.Status !== 'accomplished') throw new Error(`IncorrectSnapshotStatus: ${api}: ${id} is ${found.s.Status}`);
        const destination = this.state.regions?.[region];
        if (!destination) throw new Error(`InvalidDestinationRegionId.NotFound: ${api}: the account does not use region ${region}`);
        const outcome = this.state.copyFailure?.(id, region);
        if (outcome === 'refuse') throw new Error(`QuotaExceed.SnapshotCopy: ${api}: the copy of ${id} to ${region} was refused`);
        if (p.KMSKeyId !== undefined && p.Encrypted !== true) throw new Error(`InvalidParameter.Encrypted: ${api}: KMSKeyId needs Encrypted true`);
        const copyId = `s-copy${String(destination.snapshots.length + 1).padStart(4, '0')}${id.slice(2, 12)}`;
        const tags = ((p.Tag as Array<{ Key?: string; Value?: string }> | undefined) ?? []).map((t) => ({ Key: String(t.Key), Value: String(t.Value ?? '') }));
        destination.snapshots.push({
          SnapshotId: copyId,
          SourceSnapshotId: id,
          SourceRegionId: HOME_REGION,
          SnapshotName: String(p.DestinationSnapshotName),
          Description: String(p.DestinationSnapshotDescription),
          Status: 'progressing',
          Tags: tags,
          ...(p.RetentionDays !== undefined ? { RetentionDays: Number(p.RetentionDays) } : {}),
          Encrypted: p.Encrypted === true,
          ...(p.KMSKeyId !== undefined ? { KMSKeyId: String(p.KMSKeyId) } : {}),
          reads: 0,
          ends: outcome === 'fail' ? 'failed' : 'accomplished',
        });
        const inFlight = Object.values(this.state.regions ?? {}).flatMap((r) => r.snapshots).filter((c) => c.Status === 'progressing').length;
        this.maxCopiesInFlight = Math.max(this.maxCopiesInFlight, inFlight);
        return { SnapshotId: copyId };
      }
      case 'DescribeSnapshots': {
        // As ECS: no SnapshotIds means every snapshot (of the instance, when filtered by it; with the tags, when filtered by them).
        const ids = list(p.SnapshotIds);
        const found = groups.flatMap((g) => g.snapshots.map((s) => ({ g, s })))
          .filter(({ g, s }) => (ids.length === 0 || ids.includes(s.SnapshotId)) && (p.InstanceId === undefined || g.InstanceId === p.InstanceId)
            && tagged(s.Tags, p.Tag))
          .map(({ s }) => ({
            SnapshotId: s.SnapshotId,
            SourceDiskId: s.DiskId,
            Status: s.Status,
            Tags: { Tag: s.Tags.map((t) => ({ TagKey: t.Key, TagValue: t.Value })) },
          }));
        return { Snapshots: { Snapshot: found }, TotalCount: found.length };
      }
      default:
        throw new Error(`the stand-in does not answer ${api}`);
    }
  }
}

/** The bounds of an API's MaxResults. */
export interface PageBounds {
  readonly min: number;
  readonly max: number;
}

/**
 * One page of a list, as the APIs paged by token answer: MaxResults within the API's bounds
 * (DescribeSnapshotGroups 1-100, the default; DescribeDisks 10-500), default 10, and a NextToken
 * when more items follow (absent on the last page).
 */
export function pageByToken<T>(api: string, p: Record<string, unknown>, items: T[], shape: (page: T[]) => Record<string, unknown>,
  bounds: PageBounds = { min: 1, max: 100 }): Record<string, unknown> {
  const size = p.MaxResults === undefined ? 10 : Number(p.MaxResults);
  if (!Number.isInteger(size) || size < bounds.min || size > bounds.max) {
    throw new Error(`InvalidParameter.MaxResults: ${api}: MaxResults must be ${bounds.min} to ${bounds.max}, got ${String(p.MaxResults)}`);
  }
  let start = 0;
  if (p.NextToken !== undefined && p.NextToken !== '') {
    const m = /^page-(\d+)$/.exec(String(p.NextToken));
    if (!m || Number(m[1]) >= items.length) throw new Error(`InvalidParameter.NextToken: ${api}: ${String(p.NextToken)}`);
    start = Number(m[1]);
  }
  const end = start + size;
  return { ...shape(items.slice(start, end)), ...(end < items.length ? { NextToken: `page-${end}` } : {}) };
}
