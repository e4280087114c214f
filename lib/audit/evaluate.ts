import { EVIDENCE_TAG_KEYS, SNAPSHOT_TAG_KEYS } from '../instance-template';
import { OperatingSystem } from '../plugin/parameters';
import { Posture, PostureGroup } from '../posture/loader';
import { compareText, isoUtc } from '../posture/report';
import { Schedule } from '../schedule';

/**
 * The audit of a posture against what the account holds: for each group and instance, the
 * newest snapshot group made for it (every snapshot tagged with the posture's and the group's
 * name, as the automation tags them and the retention reads them), its status, consistency,
 * restore-drill evidence and age against the group's recovery point objective, and the
 * findings. Pure: the account is read elsewhere (./account.ts) and `now` is given, so the same
 * account and instant give the same report.
 */

/** The version of the audit's JSON shape. */
export const AUDIT_VERSION = 1;

/** How long a snapshot group may stay in progress before it is a finding, by default. */
export const DEFAULT_IN_PROGRESS_HOURS = 6;

/** How many of a schedule's next runs are looked at for its longest gap. */
const GAP_SAMPLE_RUNS = 1000;

const HOUR_MS = 3_600_000;

/** A snapshot of a group as the account holds it. */
export interface AccountSnapshot {
  readonly snapshotId: string;
  readonly diskId: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** A snapshot group as the account holds it (DescribeSnapshotGroups). */
export interface AccountSnapshotGroup {
  readonly snapshotGroupId: string;
  readonly instanceId: string;
  /** `progressing`, `accomplished` or `failed`. */
  readonly status: string;
  /** ISO 8601 UTC; absent when ECS sends none. */
  readonly creationTime?: string;
  readonly snapshots: readonly AccountSnapshot[];
}

/** An instance as the account holds it (DescribeInstances). */
export interface AccountInstance {
  readonly instanceId: string;
  readonly status: string;
}

/** A snapshot's lock as ECS reports it (DescribeLockedSnapshots). */
export interface AccountLock {
  /** `compliance-cooloff`, `compliance` or `expired`. */
  readonly status: string;
  /** When the lock ends (UTC, ISO 8601); absent when ECS sends none. */
  readonly expiresAt?: string;
}

/** What the audit reads from the account. */
export interface AccountView {
  readonly regionId: string;
  /** Every snapshot group of the region. */
  readonly snapshotGroups: readonly AccountSnapshotGroup[];
  /** The instances the posture names by id that exist, by id. */
  readonly instancesById: Readonly<Record<string, AccountInstance>>;
  /** The instances each tag-targeted group selects, by group name. */
  readonly instancesByGroup: Readonly<Record<string, readonly AccountInstance[]>>;
  /**
   * The locks of the snapshots {@link lockCheckedSnapshotIds} names, by snapshot id: a snapshot
   * missing here has never been locked.
   */
  readonly locks: Readonly<Record<string, AccountLock>>;
}

/** What a finding is about. */
export type FindingCode =
  | 'no-snapshot'
  | 'never-snapshotted'
  | 'stale'
  | 'fs-consistent-only'
  | 'in-progress-too-long'
  | 'instance-not-found'
  | 'no-instances'
  | 'orphaned-group'
  | 'not-locked';

/** One thing that is not as the posture wants it. */
export interface Finding {
  readonly code: FindingCode;
  /** The group of the posture (or, for an orphan, the group named by the tags). */
  readonly group: string;
  readonly instanceId: string | null;
  readonly snapshotGroupId: string | null;
  readonly message: string;
}

/** A group's recovery point objective and where it comes from. */
export interface RpoReport {
  /** Null: no objective (no `rpoHours` and no recurring schedule), so staleness is not judged. */
  readonly hours: number | null;
  /** `posture` (rpoHours), `schedule` (its longest gap plus the margin) or `none`. */
  readonly source: 'posture' | 'schedule' | 'none';
  /** With `schedule`: the longest gap between two runs, and the margin added to it. */
  readonly longestGapHours: number | null;
  readonly marginHours: number | null;
}

/** The evidence of a restore drill on a snapshot group, when one verified it. */
export interface DrillReport {
  /** When the drill verified it (UTC), as the tag says. */
  readonly verifiedAt: string;
  /** How long the restore took, in seconds, as the tag says (null: not tagged or not a number). */
  readonly restoreSeconds: number | null;
}

/** A snapshot group of an instance, as the audit judges it. */
export interface SnapshotGroupReport {
  readonly snapshotGroupId: string;
  readonly status: string;
  readonly creationTime: string | null;
  /** Hours between the creation and the audit's instant (null: no creation time). */
  readonly ageHours: number | null;
  readonly snapshotCount: number;
  /** Every snapshot carries `APPConsistent:True`. */
  readonly appConsistent: boolean;
  /** Every snapshot carries a consistency tag and one at least `FsConsistent:True`. */
  readonly fsConsistent: boolean;
  readonly drill: DrillReport | null;
  /** Its snapshots' locks (null: none of them was ever locked). */
  readonly lock: GroupLockReport | null;
}

/** The locks of a snapshot group's snapshots. */
export interface GroupLockReport {
  /** How many of its snapshots are locked now (in cool-off or compliance: nobody can delete them). */
  readonly lockedSnapshots: number;
  /** How many were locked and are no longer (the lock has ended: they can be deleted). */
  readonly expiredSnapshots: number;
  /** The lock statuses ECS reports for its snapshots, sorted, each once (`compliance`, `compliance-cooloff`, `expired`). */
  readonly statuses: readonly string[];
  /** When the first lock still in force ends (UTC; null: none in force, or ECS gave no end). */
  readonly lockedUntil: string | null;
}

/** One instance of a group. */
export interface InstanceAuditReport {
  readonly instanceId: string;
  /** The instance's status, or null when the account has no such instance. */
  readonly instanceStatus: string | null;
  /** The newest snapshot group made for this posture and group, whatever its status. */
  readonly newest: SnapshotGroupReport | null;
  /** The newest accomplished group that counts as protection (application-consistent, or file-system-consistent where the group accepts it). */
  readonly newestUsable: SnapshotGroupReport | null;
  /** Whether the newest usable group is within the RPO (null: no RPO). */
  readonly withinRpo: boolean | null;
  /** How many snapshot groups carry this posture's and group's tags for the instance. */
  readonly snapshotGroupCount: number;
  readonly compliant: boolean;
  readonly findings: readonly Finding[];
}

/** One group of the posture. */
export interface GroupAuditReport {
  readonly name: string;
  readonly os: string;
  readonly targets: { readonly by: 'instanceIds'; readonly instanceIds: readonly string[] } | { readonly by: 'tags'; readonly tags: Readonly<Record<string, string>> };
  readonly requireAppConsistent: boolean;
  readonly schedule: string | null;
  readonly rpo: RpoReport;
  readonly compliant: boolean;
  /** Findings about the group as a whole (a tag selection that selects nothing). */
  readonly findings: readonly Finding[];
  readonly instances: readonly InstanceAuditReport[];
}

/** Snapshot groups tagged with this posture for a group the posture no longer has. */
export interface OrphanReport {
  readonly group: string;
  readonly snapshotGroupIds: readonly string[];
  readonly instanceIds: readonly string[];
  readonly newestCreationTime: string | null;
}

/** The whole audit (`audit.json`). */
export interface AuditReport {
  readonly auditVersion: number;
  readonly now: string;
  readonly nowSource: 'option' | 'clock';
  readonly postureFile: string;
  readonly postureName: string;
  readonly regionId: string;
  readonly compliant: boolean;
  readonly summary: {
    readonly groups: number;
    readonly compliantGroups: number;
    readonly instances: number;
    readonly compliantInstances: number;
    readonly findings: number;
    readonly orphanedGroups: number;
  };
  readonly groups: readonly GroupAuditReport[];
  readonly orphans: readonly OrphanReport[];
  /** Every finding, groups in the posture's order, then the orphans. */
  readonly findings: readonly Finding[];
}

/** What the audit is made for. */
export interface AuditOptions {
  readonly now: Date;
  readonly nowSource: 'option' | 'clock';
  readonly postureFile: string;
  /** Hours a snapshot group may stay in progress. @default 6 */
  readonly inProgressHours?: number;
}

/** Hours rounded to 2 decimals, for reports (comparisons use milliseconds). */
function hours(ms: number): number {
  return Math.round((ms / HOUR_MS) * 100) / 100;
}

/** The margin added to a schedule's longest gap: a tenth of it, at least one hour. */
export function rpoMarginMs(longestGapMs: number): number {
  return Math.max(HOUR_MS, Math.round(longestGapMs / 10));
}

/**
 * A group's RPO: `rpoHours` when the posture gives it; otherwise the longest gap between the
 * schedule's next runs (looked at over its next 1,000 runs from `now`) plus the margin; none for
 * a group without a schedule, with a one-time schedule, or one whose end date has passed.
 */
export function groupRpo(rpoHours: number | undefined, schedule: Schedule | undefined, now: Date): RpoReport {
  if (rpoHours !== undefined) return { hours: rpoHours, source: 'posture', longestGapHours: null, marginHours: null };
  const runs = schedule === undefined || schedule.type === 'at' ? [] : schedule.nextRuns(GAP_SAMPLE_RUNS, now);
  if (runs.length < 2) return { hours: null, source: 'none', longestGapHours: null, marginHours: null };
  let longest = 0;
  for (let i = 1; i < runs.length; i++) longest = Math.max(longest, runs[i].getTime() - runs[i - 1].getTime());
  const margin = rpoMarginMs(longest);
  return { hours: hours(longest + margin), source: 'schedule', longestGapHours: hours(longest), marginHours: hours(margin) };
}

/** Whether a snapshot carries KEY:True (key and value compared without regard to case, as the verdict does). */
function hasTrueTag(tags: Readonly<Record<string, string>>, key: string): boolean {
  return Object.entries(tags).some(([k, v]) => k.toLowerCase() === key.toLowerCase() && v.toLowerCase() === 'true');
}

/** Whether every snapshot of the group carries exactly this posture's and group's tags (the retention's rule). */
function madeFor(g: AccountSnapshotGroup, postureName: string, groupName?: string): boolean {
  return g.snapshots.length > 0 && g.snapshots.every((s) => s.tags[SNAPSHOT_TAG_KEYS.posture] === postureName
    && (groupName === undefined ? s.tags[SNAPSHOT_TAG_KEYS.group] !== undefined : s.tags[SNAPSHOT_TAG_KEYS.group] === groupName));
}

function creationMs(g: AccountSnapshotGroup): number | null {
  if (g.creationTime === undefined) return null;
  const t = Date.parse(g.creationTime);
  return Number.isNaN(t) ? null : t;
}

/** Newest first; groups without a creation time last; ties by id (deterministic). */
function newestFirst(a: AccountSnapshotGroup, b: AccountSnapshotGroup): number {
  const ta = creationMs(a) ?? -Infinity;
  const tb = creationMs(b) ?? -Infinity;
  return ta !== tb ? tb - ta : compareText(a.snapshotGroupId, b.snapshotGroupId);
}

function drillOf(g: AccountSnapshotGroup): DrillReport | null {
  const tagged = g.snapshots.find((s) => s.tags[EVIDENCE_TAG_KEYS.verified] !== undefined);
  if (tagged === undefined) return null;
  const seconds = Number(tagged.tags[EVIDENCE_TAG_KEYS.restoreSeconds]);
  return { verifiedAt: tagged.tags[EVIDENCE_TAG_KEYS.verified], restoreSeconds: tagged.tags[EVIDENCE_TAG_KEYS.restoreSeconds] === undefined || !Number.isFinite(seconds) ? null : seconds };
}

/** A lock that stops a deletion: any but an expired one (a status this package does not know counts as locked, as the retention takes it). */
const inForce = (l: AccountLock) => l.status !== 'expired';

function lockReport(g: AccountSnapshotGroup, locks: Readonly<Record<string, AccountLock>>): GroupLockReport | null {
  const found = g.snapshots.map((s) => locks[s.snapshotId]).filter((l): l is AccountLock => l !== undefined);
  if (found.length === 0) return null;
  const ends = found.filter(inForce).map((l) => (l.expiresAt === undefined ? NaN : Date.parse(l.expiresAt))).filter((t) => !Number.isNaN(t));
  return {
    lockedSnapshots: found.filter(inForce).length,
    expiredSnapshots: found.length - found.filter(inForce).length,
    statuses: [...new Set(found.map((l) => l.status))].sort(compareText),
    lockedUntil: ends.length === 0 ? null : isoUtc(new Date(Math.min(...ends))),
  };
}

function groupReport(g: AccountSnapshotGroup, now: number, locks: Readonly<Record<string, AccountLock>> = {}): SnapshotGroupReport {
  const created = creationMs(g);
  const app = g.snapshots.length > 0 && g.snapshots.every((s) => hasTrueTag(s.tags, 'APPConsistent'));
  const tagged = g.snapshots.length > 0 && g.snapshots.every((s) => hasTrueTag(s.tags, 'APPConsistent') || hasTrueTag(s.tags, 'FsConsistent'));
  return {
    snapshotGroupId: g.snapshotGroupId,
    status: g.status,
    creationTime: created === null ? null : isoUtc(new Date(created)),
    ageHours: created === null ? null : hours(now - created),
    snapshotCount: g.snapshots.length,
    appConsistent: app,
    fsConsistent: tagged && !app,
    drill: drillOf(g),
    lock: lockReport(g, locks),
  };
}

/** Whether a group counts as protection: accomplished and application-consistent, or file-system-consistent where the group accepts it. */
function isUsable(r: SnapshotGroupReport, requireApp: boolean): boolean {
  return r.status === ACCOMPLISHED && (r.appConsistent || (!requireApp && r.fsConsistent));
}

/**
 * The snapshots whose locks the audit reads (DescribeLockedSnapshots by id): those of the newest
 * and of the newest usable snapshot group of each instance of each group of the posture, the
 * groups the report shows.
 */
export function lockCheckedSnapshotIds(posture: Posture, snapshotGroups: readonly AccountSnapshotGroup[]): string[] {
  const ids = new Set<string>();
  for (const group of posture.groups) {
    const requireApp = group.options.requireAppConsistent ?? true;
    const mine = snapshotGroups.filter((g) => madeFor(g, posture.postureName, group.name)).sort(newestFirst);
    for (const instanceId of new Set(mine.map((g) => g.instanceId))) {
      const sorted = mine.filter((g) => g.instanceId === instanceId);
      const usable = sorted.find((g) => isUsable(groupReport(g, 0), requireApp));
      for (const g of [sorted[0], usable]) g?.snapshots.forEach((s) => ids.add(s.snapshotId));
    }
  }
  return [...ids].sort(compareText);
}

const ACCOMPLISHED = 'accomplished';
const FAILED = 'failed';

function instanceAudit(postureName: string, group: PostureGroup, rpo: RpoReport, instanceId: string, instance: AccountInstance | undefined,
  mine: readonly AccountSnapshotGroup[], byTags: boolean, now: number, inProgressMs: number, locks: Readonly<Record<string, AccountLock>>): InstanceAuditReport {
  const findings: Finding[] = [];
  const finding = (code: FindingCode, message: string, snapshotGroupId: string | null = null) =>
    findings.push({ code, group: group.name, instanceId, snapshotGroupId, message });
  const requireApp = group.options.requireAppConsistent ?? true;
  const sorted = [...mine].sort(newestFirst);
  const reports = sorted.map((g) => groupReport(g, now, locks));
  const usable = reports.filter((r) => isUsable(r, requireApp));
  const rpoMs = rpo.hours === null ? null : rpo.hours * HOUR_MS;
  const within = (r: SnapshotGroupReport) => rpoMs !== null && r.ageHours !== null && now - Date.parse(r.creationTime!) <= rpoMs;
  const newestUsable = usable[0] ?? null;
  const withinRpo = rpoMs === null ? null : newestUsable !== null && within(newestUsable);
  if (instance === undefined && !byTags) {
    finding('instance-not-found', `the account has no instance ${instanceId} in this region: remove it from the group or check the region`);
  }
  if (reports.length === 0) {
    if (instance !== undefined || byTags) {
      finding(byTags ? 'never-snapshotted' : 'no-snapshot', byTags
        ? `the instance carries the group's tags but has no snapshot group of posture ${postureName} for group ${group.name} yet (tagged after the last run, or every run failed for it)`
        : `no snapshot group of posture ${postureName} for group ${group.name} exists for the instance`);
    }
  } else if (withinRpo === false) {
    const fsOnly = reports.find((r) => r.status === ACCOMPLISHED && r.fsConsistent && within(r));
    if (fsOnly !== undefined && requireApp) {
      finding('fs-consistent-only', `within the RPO of ${rpo.hours} h the instance has only file-system-consistent snapshot groups (newest ${fsOnly.snapshotGroupId}, ${fsOnly.ageHours} h old): the application was not quiesced`, fsOnly.snapshotGroupId);
    } else {
      finding('stale', newestUsable === null
        ? `no accomplished ${requireApp ? 'application-consistent ' : ''}snapshot group exists for the instance (newest ${reports[0].snapshotGroupId} is ${reports[0].status}${reports[0].appConsistent || !reports[0].fsConsistent ? '' : ', file-system-consistent'})`
        : `the newest ${requireApp ? 'application-consistent ' : 'usable '}snapshot group ${newestUsable.snapshotGroupId} is ${newestUsable.ageHours} h old, more than the RPO of ${rpo.hours} h`,
      newestUsable?.snapshotGroupId ?? reports[0].snapshotGroupId);
    }
  }
  const lock = group.options.lock;
  const neverLocked = newestUsable === null ? 0 : newestUsable.snapshotCount - (newestUsable.lock === null ? 0 : newestUsable.lock.lockedSnapshots + newestUsable.lock.expiredSnapshots);
  if (lock !== undefined && newestUsable !== null && newestUsable.appConsistent && neverLocked > 0) {
    finding('not-locked', `the posture locks each application-consistent snapshot group for ${lock.days} days, but ${neverLocked} of the ${newestUsable.snapshotCount} snapshots of the newest one, ${newestUsable.snapshotGroupId}, were never locked: look at the lock step (lockSnapshots) of the run that made it`, newestUsable.snapshotGroupId);
  }
  for (const r of reports) {
    if (r.status !== ACCOMPLISHED && r.status !== FAILED && r.creationTime !== null && now - Date.parse(r.creationTime) > inProgressMs) {
      finding('in-progress-too-long', `snapshot group ${r.snapshotGroupId} has been ${r.status} for ${r.ageHours} h, more than ${hours(inProgressMs)} h: the next run cannot snapshot the instance while it lasts`, r.snapshotGroupId);
    }
  }
  return {
    instanceId,
    instanceStatus: instance?.status ?? null,
    newest: reports[0] ?? null,
    newestUsable,
    withinRpo,
    snapshotGroupCount: reports.length,
    compliant: findings.length === 0,
    findings,
  };
}

/** Audits a posture against the account. */
export function evaluateAudit(posture: Posture, account: AccountView, options: AuditOptions): AuditReport {
  const now = options.now.getTime();
  const inProgressMs = (options.inProgressHours ?? DEFAULT_IN_PROGRESS_HOURS) * HOUR_MS;
  const ours = account.snapshotGroups.filter((g) => madeFor(g, posture.postureName));
  const groups = posture.groups.map((group): GroupAuditReport => {
    const o = group.options;
    const byTags = o.targetTags !== undefined;
    const rpo = groupRpo(group.rpoHours, o.schedule, options.now);
    const selected = byTags ? [...(account.instancesByGroup[group.name] ?? [])].sort((a, b) => compareText(a.instanceId, b.instanceId)) : [];
    const ids = byTags ? selected.map((i) => i.instanceId) : [...(o.instanceIds ?? [])];
    const mine = ours.filter((g) => madeFor(g, posture.postureName, group.name));
    const instances = ids.map((id) => instanceAudit(posture.postureName, group, rpo, id,
      byTags ? selected.find((i) => i.instanceId === id) : account.instancesById[id],
      mine.filter((g) => g.instanceId === id), byTags, now, inProgressMs, account.locks));
    const findings: Finding[] = byTags && ids.length === 0
      ? [{ code: 'no-instances', group: group.name, instanceId: null, snapshotGroupId: null, message: `no instance of region ${account.regionId} carries the tags ${tagText(o.targetTags!)}: the group protects nothing` }]
      : [];
    return {
      name: group.name,
      os: o.os === OperatingSystem.WINDOWS ? 'Windows' : 'Linux',
      targets: byTags ? { by: 'tags', tags: o.targetTags! } : { by: 'instanceIds', instanceIds: ids },
      requireAppConsistent: o.requireAppConsistent ?? true,
      schedule: o.schedule === undefined ? null : o.schedule.describe(),
      rpo,
      compliant: findings.length === 0 && instances.every((i) => i.compliant),
      findings,
      instances,
    };
  });
  const names = new Set(posture.groups.map((g) => g.name));
  const orphanGroups = new Map<string, AccountSnapshotGroup[]>();
  for (const g of ours) {
    const name = g.snapshots[0].tags[SNAPSHOT_TAG_KEYS.group];
    if (!names.has(name) && g.snapshots.every((s) => s.tags[SNAPSHOT_TAG_KEYS.group] === name)) {
      orphanGroups.set(name, [...(orphanGroups.get(name) ?? []), g]);
    }
  }
  const orphans = [...orphanGroups.entries()].sort(([a], [b]) => compareText(a, b)).map(([group, list]): OrphanReport => {
    const sorted = [...list].sort(newestFirst);
    const newest = creationMs(sorted[0]);
    return {
      group,
      snapshotGroupIds: sorted.map((g) => g.snapshotGroupId),
      instanceIds: [...new Set(sorted.map((g) => g.instanceId))].sort(compareText),
      newestCreationTime: newest === null ? null : isoUtc(new Date(newest)),
    };
  });
  const orphanFindings: Finding[] = orphans.map((o) => ({
    code: 'orphaned-group',
    group: o.group,
    instanceId: null,
    snapshotGroupId: o.snapshotGroupIds[0],
    message: `${o.snapshotGroupIds.length} snapshot group(s) of posture ${posture.postureName} are tagged for group ${o.group}, which the posture no longer has: no retention cleans them up; delete them or restore the group`,
  }));
  const findings = [...groups.flatMap((g) => [...g.findings, ...g.instances.flatMap((i) => i.findings)]), ...orphanFindings];
  const instances = groups.flatMap((g) => g.instances);
  return {
    auditVersion: AUDIT_VERSION,
    now: isoUtc(options.now),
    nowSource: options.nowSource,
    postureFile: options.postureFile,
    postureName: posture.postureName,
    regionId: account.regionId,
    compliant: findings.length === 0,
    summary: {
      groups: groups.length,
      compliantGroups: groups.filter((g) => g.compliant).length,
      instances: instances.length,
      compliantInstances: instances.filter((i) => i.compliant).length,
      findings: findings.length,
      orphanedGroups: orphans.length,
    },
    groups,
    orphans,
    findings,
  };
}

/** Tags as `k=v, k=v`, keys in order. */
export function tagText(tags: Readonly<Record<string, string>>): string {
  return Object.keys(tags).sort(compareText).map((k) => `${k}=${tags[k]}`).join(', ');
}
