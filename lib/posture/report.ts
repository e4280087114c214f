import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ros from '@alicloud/ros-cdk-core';
import { AppConsistentSnapshot, AppConsistentSnapshotOptions } from '../app-consistent-snapshot';
import { OperatingSystem } from '../plugin/parameters';
import { RetentionOptions as GroupRetentionOptions, orphanRetentionDaysOf } from '../retention';
import { Schedule } from '../schedule';
import { snapshotTemplateSpec } from '../snapshot-automation';
import { DEFAULT_MAX_COPIES_IN_FLIGHT } from '../snapshot-copy';
import { synthesize } from '../synth';
import { Posture, buildPostureStacks } from './loader';

/**
 * The posture report: what a posture protects and how, taken from the loaded posture and from
 * the ROS templates it synthesizes to (the roles' permissions are read from the templates, so
 * the report shows what a deployment would create). Every value is JSON: the report is written
 * as `posture.json` and read back as the previous report of a later run.
 */

/** The version of the report's JSON shape; a later run refuses a previous report of another. */
export const REPORT_VERSION = 1;

/** How many next run times the report lists per schedule. */
export const NEXT_RUN_COUNT = 3;

/** One run time, as a UTC instant and as the wall clock of the schedule's time zone. */
export interface RunTimeReport {
  /** `YYYY-MM-DDThh:mm:ssZ`. */
  readonly utc: string;
  /** `YYYY-MM-DDThh:mm:ss±hh:mm` in the schedule's time zone. */
  readonly local: string;
}

/** A group's schedule. */
export interface ScheduleReport {
  readonly type: string;
  readonly expression: string;
  /** The schedule in words (Schedule.describe()). */
  readonly description: string;
  readonly timeZone: string;
  readonly endDate: string;
  /** The scheduled OOS template. */
  readonly templateName: string | null;
  /** The next runs after the report's instant (fewer when the end date comes first). */
  readonly nextRuns: readonly RunTimeReport[];
}

/** A group's restore drill (see docs/restore-drills.md). */
export interface RestoreTestReport {
  /** The drill template to execute (`<templateName>-RestoreTest`). */
  readonly templateName: string;
  /** The scratch instance the restored disks are attached to. */
  readonly scratchInstanceId: string;
  /** `random` (a different instance each run) or the instance whose newest group is restored. */
  readonly source: string;
  /** The check: `mysql`, `postgresql`, `redis` or `generic`, with its options (a script by its path). */
  readonly check: { readonly kind: string; readonly options: Readonly<Record<string, string>> };
  readonly maxAgeHours: number;
  readonly timeoutMinutes: number;
  /** Whether the execution role may delete only disks carrying the drill's tag. */
  readonly diskDeletionTagCondition: boolean;
  /** The drill's own schedule, with its next runs (null: run by hand). */
  readonly schedule: ScheduleReport | null;
}

/** A group's clean-up of old snapshot groups, as given (null: not set). */
export interface RetentionReport {
  readonly keepLast: number | null;
  readonly maxAgeDays: number | null;
  readonly maxDeletesPerRun: number | null;
  readonly dryRun: boolean | null;
  /** Whether the groups of instances that no longer exist are deleted too. */
  readonly deleteOrphans: boolean | null;
  /** With deleteOrphans: how old (days) an orphan group must be, as applied (the default worked out). */
  readonly orphanRetentionDays: number | null;
}

/** How a group's application-consistent snapshots are locked (null: not locked). */
export interface LockReport {
  readonly days: number;
  readonly coolOffHours: number;
}

/** Where a group's snapshots are copied (null: not copied). */
export interface CopyReport {
  readonly regions: readonly string[];
  /** Days ECS keeps each copy. */
  readonly retentionDays: number;
  /** The regions whose copies are encrypted with a KMS key. */
  readonly encryptedRegions: readonly string[];
  readonly requireVerified: boolean;
  readonly maxInFlight: number;
  /** The copy template to execute. */
  readonly templateName: string;
}

/** One statement of a RAM policy, as synthesized (intrinsic functions written as `${...}`). */
export interface PolicyStatementReport {
  readonly effect: string;
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  /** The condition block as compact JSON, or null. */
  readonly condition: string | null;
}

/** A RAM policy a role holds. */
export interface PolicyReport {
  readonly name: string;
  /** `inline` (in the role resource) or `managed` (an ALIYUN::RAM::ManagedPolicy attached to it). */
  readonly attachedAs: 'inline' | 'managed';
  readonly statements: readonly PolicyStatementReport[];
}

/** The role the instances hold. */
export interface InstanceRoleReport {
  readonly name: string;
  /** Whether the stack creates the role (false: an existing role that gets the policy). */
  readonly created: boolean;
  /**
   * Who attaches the role to the instances: `stack` (ALIYUN::ECS::RamRoleAttachment),
   * `enrollment` (tag-selected instances, by the enrollment template) or `none` (attachRole off).
   */
  readonly attachment: 'stack' | 'enrollment' | 'none';
  /** With `stack`: the instances the stack's attachments name. */
  readonly attachedInstances: number | null;
  /** The services its trust policy lets assume it (empty for an existing role: not managed here). */
  readonly trustedServices: readonly string[];
  readonly policies: readonly PolicyReport[];
}

/** The role OOS executions assume. */
export interface ExecutionRoleReport {
  /** Null: executions run as the identity that starts them. */
  readonly name: string | null;
  readonly created: boolean;
  readonly trustedServices: readonly string[];
  readonly policies: readonly PolicyReport[];
}

/** A group's instances. */
export type TargetsReport =
  | { readonly by: 'instanceIds'; readonly count: number; readonly instanceIds: readonly string[] }
  | { readonly by: 'tags'; readonly tags: Readonly<Record<string, string>> };

/** How the group's applications are quiesced (null where it does not apply to the OS). */
export interface QuiesceReport {
  /** Linux: the script pair's kind (generic, mysql, postgresql, redis, files) and checksums as installed. */
  readonly scripts: { readonly kind: string; readonly prescriptSha256: string; readonly postscriptSha256: string } | null;
  readonly fsFreeze: boolean | null;
  readonly timeoutSeconds: number | null;
  /** Windows: whether VSS writers take part. */
  readonly vssWriters: boolean | null;
}

/** One application group. */
export interface GroupReport {
  readonly name: string;
  readonly os: string;
  readonly targets: TargetsReport;
  readonly quiesce: QuiesceReport;
  readonly requireAppConsistent: boolean;
  readonly snapshot: { readonly name: string; readonly description: string | null; readonly excludeDiskIds: readonly string[] };
  readonly schedule: ScheduleReport | null;
  readonly retention: RetentionReport | null;
  readonly lock: LockReport | null;
  readonly copy: CopyReport | null;
  /** The restore drill, or null when the group declares none. */
  readonly restoreTest: RestoreTestReport | null;
  readonly rateControl: { readonly concurrency: number; readonly maxErrors: number; readonly pluginDeadlineSeconds: number };
  readonly automation: { readonly templateName: string; readonly instanceTemplateName: string };
  readonly instanceRole: InstanceRoleReport;
  readonly executionRole: ExecutionRoleReport;
}

/** One synthesized stack. */
export interface StackReport {
  readonly name: string;
  readonly resourceCount: number;
  /** Resources by ROS type. */
  readonly resourceTypes: Readonly<Record<string, number>>;
}

/** The whole report (`posture.json`). */
export interface PostureReport {
  readonly reportVersion: number;
  /** The instant the next run times are counted from. */
  readonly now: string;
  /** Where that instant came from: `--now`, or the clock when the report was made. */
  readonly nowSource: 'option' | 'clock';
  readonly postureFile: string;
  readonly postureName: string;
  readonly description: string | null;
  readonly stacks: readonly StackReport[];
  readonly groups: readonly GroupReport[];
}

/** What the report is made for. */
export interface PostureReportOptions {
  /** The instant next run times are counted from. */
  readonly now: Date;
  readonly nowSource: 'option' | 'clock';
  /** The posture file, as the user named it. */
  readonly postureFile: string;
}

/**
 * The clean-up options of a group. Read through this local type because the option is being
 * introduced: the report shows it when a posture carries it.
 */
interface RetentionOptions {
  readonly retention?: unknown;
}

type Json = Record<string, unknown>;

interface DeployedResource {
  readonly Type: string;
  readonly Properties?: Json;
}

interface DeployedTemplate {
  readonly Resources?: Record<string, DeployedResource>;
}

/** Orders strings by code unit, the same on every machine (localeCompare depends on the locale). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function isJsonObject(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Writes a ROS value as text: plain strings as they are, intrinsic functions as `${...}`. */
export function rosValueText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (isJsonObject(v) && Object.keys(v).length === 1) {
    const [fn, arg] = Object.entries(v)[0];
    if (fn === 'Ref' && typeof arg === 'string') return `\${${arg}}`;
    if (fn === 'Fn::GetAtt' && Array.isArray(arg)) return `\${${arg.map(rosValueText).join('.')}}`;
    if (fn === 'Fn::Sub' && typeof arg === 'string') return arg;
    if (fn === 'Fn::Join' && Array.isArray(arg) && arg.length === 2 && typeof arg[0] === 'string' && Array.isArray(arg[1])) {
      return arg[1].map(rosValueText).join(arg[0]);
    }
  }
  return JSON.stringify(v);
}

function textList(v: unknown): string[] {
  if (v === undefined || v === null) return [];
  return (Array.isArray(v) ? v : [v]).map(rosValueText);
}

function policyStatements(document: unknown): PolicyStatementReport[] {
  const statements = isJsonObject(document) && Array.isArray(document.Statement) ? document.Statement : [];
  return statements.filter(isJsonObject).map((s) => ({
    effect: rosValueText(s.Effect ?? 'Allow'),
    actions: textList(s.Action).sort(),
    resources: textList(s.Resource).sort(),
    condition: s.Condition === undefined ? null : JSON.stringify(s.Condition),
  }));
}

function trustedServices(document: unknown): string[] {
  const statements = isJsonObject(document) && Array.isArray(document.Statement) ? document.Statement : [];
  const services = statements.filter(isJsonObject).flatMap((s) => (isJsonObject(s.Principal) ? textList(s.Principal.Service) : []));
  return [...new Set(services)].sort();
}

/** The RAM roles and policies a group's constructs synthesize to, by role name. */
interface RolePermissions {
  trustedServices: string[];
  policies: PolicyReport[];
}

class DeployedTemplates {
  private readonly templates = new Map<ros.Stack, DeployedTemplate>();

  constructor(private readonly app: ros.App, outdir: string) {
    for (const stack of this.stacks) {
      this.templates.set(stack, JSON.parse(fs.readFileSync(path.join(outdir, stack.templateFile), 'utf8')) as DeployedTemplate);
    }
  }

  public get stacks(): ros.Stack[] {
    return this.app.node.findAll().filter((c): c is ros.Stack => ros.Stack.isStack(c));
  }

  public resources(stack: ros.Stack): Record<string, DeployedResource> {
    return this.templates.get(stack)?.Resources ?? {};
  }

  /** The synthesized form of a resource. */
  public of(r: ros.RosResource): { logicalId: string; resource: DeployedResource } | undefined {
    const stack = ros.Stack.of(r);
    const logicalId = stack.resolve(r.logicalId) as string;
    const resource = this.resources(stack)[logicalId];
    return resource === undefined ? undefined : { logicalId, resource };
  }

  /** Every resource of a type in every stack. */
  public allOfType(type: string): DeployedResource[] {
    return this.stacks.flatMap((s) => Object.values(this.resources(s)).filter((r) => r.Type === type));
  }
}

/** The permissions of the roles a group's RAM resources create or attach policies to. */
function groupRolePermissions(group: AppConsistentSnapshot, deployed: DeployedTemplates): Map<string, RolePermissions> {
  const roles = new Map<string, RolePermissions>();
  const entry = (name: string) => {
    if (!roles.has(name)) roles.set(name, { trustedServices: [], policies: [] });
    return roles.get(name)!;
  };
  const ram = group.node.findAll()
    .filter((c): c is ros.RosResource => c instanceof ros.RosResource && c.rosResourceType.startsWith('ALIYUN::RAM::'))
    .map((r) => deployed.of(r))
    .filter((d): d is NonNullable<typeof d> => d !== undefined);
  const roleByLogicalId = new Map<string, string>();
  for (const { logicalId, resource } of ram.filter((d) => d.resource.Type === 'ALIYUN::RAM::Role')) {
    const p = resource.Properties ?? {};
    const name = rosValueText(p.RoleName);
    roleByLogicalId.set(logicalId, name);
    const role = entry(name);
    role.trustedServices = trustedServices(p.AssumeRolePolicyDocument);
    for (const policy of Array.isArray(p.Policies) ? p.Policies.filter(isJsonObject) : []) {
      role.policies.push({ name: rosValueText(policy.PolicyName), attachedAs: 'inline', statements: policyStatements(policy.PolicyDocument) });
    }
  }
  for (const { resource } of ram.filter((d) => d.resource.Type === 'ALIYUN::RAM::ManagedPolicy')) {
    const p = resource.Properties ?? {};
    const policy: PolicyReport = { name: rosValueText(p.PolicyName), attachedAs: 'managed', statements: policyStatements(p.PolicyDocument) };
    for (const r of Array.isArray(p.Roles) ? p.Roles : []) {
      // A role of this group named through a reference, or a role by its name.
      const ref = isJsonObject(r) ? (r.Ref ?? (Array.isArray(r['Fn::GetAtt']) ? r['Fn::GetAtt'][0] : undefined)) : undefined;
      entry(typeof ref === 'string' && roleByLogicalId.has(ref) ? roleByLogicalId.get(ref)! : rosValueText(r)).policies.push(policy);
    }
  }
  for (const role of roles.values()) {
    role.policies.sort((a, b) => compareText(a.name, b.name) || compareText(a.attachedAs, b.attachedAs));
  }
  return roles;
}

function attachedInstanceCount(roleName: string, deployed: DeployedTemplates): number {
  return deployed.allOfType('ALIYUN::ECS::RamRoleAttachment')
    .filter((r) => rosValueText(r.Properties?.RamRoleName) === roleName)
    .reduce((n, r) => n + (Array.isArray(r.Properties?.InstanceIds) ? r.Properties!.InstanceIds.length : 0), 0);
}

const LOCAL_TIME_FORMAT = {
  hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  // `longOffset` (GMT-05:00) is in Node's Intl but not in the ES2020 typings this package builds with.
  timeZoneName: 'longOffset',
} as unknown as Intl.DateTimeFormatOptions;

/** An instant as `YYYY-MM-DDThh:mm:ssZ` (milliseconds only when there are some). */
export function isoUtc(d: Date): string {
  return d.toISOString().replace(/\.000Z$/, 'Z');
}

/** An instant on the wall clock of a time zone, with its offset: `2024-03-10T03:30:00-04:00`. */
export function isoLocal(d: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', { ...LOCAL_TIME_FORMAT, timeZone }).formatToParts(d);
  const p = Object.fromEntries(parts.map((x) => [x.type, x.value]));
  const offset = p.timeZoneName === 'GMT' ? '+00:00' : p.timeZoneName.replace(/^GMT/, '');
  return `${p.year}-${p.month}-${p.day}T${p.hour}:${p.minute}:${p.second}${offset}`;
}

function retentionReport(options: AppConsistentSnapshotOptions): RetentionReport | null {
  const r = (options as RetentionOptions).retention;
  if (!isJsonObject(r)) return null;
  const num = (k: string) => (typeof r[k] === 'number' ? r[k] as number : null);
  const deleteOrphans = typeof r.deleteOrphans === 'boolean' ? r.deleteOrphans : null;
  return {
    keepLast: num('keepLast'),
    maxAgeDays: num('maxAgeDays'),
    maxDeletesPerRun: num('maxDeletesPerRun'),
    dryRun: typeof r.dryRun === 'boolean' ? r.dryRun : null,
    deleteOrphans,
    // The options were checked when the stacks were built.
    orphanRetentionDays: deleteOrphans ? orphanRetentionDaysOf(r as GroupRetentionOptions) : null,
  };
}

function lockReport(options: AppConsistentSnapshotOptions): LockReport | null {
  const lock = options.lock;
  return lock === undefined ? null : { days: lock.days, coolOffHours: lock.coolOffHours ?? 0 };
}

function copyReport(group: AppConsistentSnapshot): CopyReport | null {
  const copy = group.props.copy;
  if (copy === undefined || group.copy === undefined) return null;
  return {
    regions: [...copy.regions],
    retentionDays: copy.retentionDays,
    encryptedRegions: copy.regions.filter((r) => copy.kmsKeyIds?.[r] !== undefined),
    requireVerified: copy.requireVerified ?? false,
    maxInFlight: copy.maxInFlight ?? DEFAULT_MAX_COPIES_IN_FLIGHT,
    templateName: group.copy.templateName,
  };
}

function scheduleReport(group: AppConsistentSnapshot, now: Date): ScheduleReport | null {
  return group.props.schedule === undefined ? null : describeSchedule(group.props.schedule, group.schedule?.templateName ?? null, now);
}

function describeSchedule(schedule: Schedule, templateName: string | null, now: Date): ScheduleReport {
  const trigger = schedule.toTimerTrigger();
  return {
    type: trigger.Type,
    expression: trigger.Expression,
    description: schedule.describe(),
    timeZone: trigger.TimeZone,
    endDate: trigger.EndDate,
    templateName,
    nextRuns: schedule.nextRuns(NEXT_RUN_COUNT, now).map((d) => ({ utc: isoUtc(d), local: isoLocal(d, trigger.TimeZone) })),
  };
}

function restoreTestReport(group: AppConsistentSnapshot, now: Date): RestoreTestReport | null {
  const drill = group.restoreDrill;
  if (drill === undefined) return null;
  const o = drill.options;
  return {
    templateName: drill.spec.names.drill,
    scratchInstanceId: drill.spec.scratchInstanceId,
    source: drill.spec.sourceInstanceId || 'random',
    check: { kind: o.check.kind, options: { ...o.check.describe() } },
    maxAgeHours: drill.spec.maxAgeHours,
    timeoutMinutes: drill.spec.timeoutMinutes,
    diskDeletionTagCondition: o.diskDeletionTagCondition ?? true,
    schedule: o.schedule === undefined ? null : describeSchedule(o.schedule, drill.spec.names.schedule, now),
  };
}

function groupReport(group: AppConsistentSnapshot, deployed: DeployedTemplates, now: Date): GroupReport {
  const props = group.props;
  // The values the automation template carries, with the same defaults it applies.
  const spec = snapshotTemplateSpec({ ...props, roleName: group.role.roleName, templateName: group.automation.templateName }, ros.Stack.of(group).stackName);
  const linux = props.os === OperatingSystem.LINUX;
  const permissions = groupRolePermissions(group, deployed);
  const none: RolePermissions = { trustedServices: [], policies: [] };
  const instance = permissions.get(group.role.roleName) ?? none;
  const attachment = props.targetTags !== undefined ? 'enrollment' : props.attachRole === false ? 'none' : 'stack';
  const executionRoleName = group.executionRole?.roleName ?? props.executionRoleName ?? null;
  const execution = group.executionRole ? permissions.get(group.executionRole.roleName) ?? none : none;
  const installed = group.scripts;
  return {
    name: group.groupName,
    os: props.os,
    targets: props.targetTags !== undefined
      ? { by: 'tags', tags: { ...props.targetTags } }
      : { by: 'instanceIds', count: (props.instanceIds ?? []).length, instanceIds: [...(props.instanceIds ?? [])] },
    quiesce: {
      scripts: installed ? { kind: installed.scripts.kind, prescriptSha256: installed.checksums.prescript, postscriptSha256: installed.checksums.postscript } : null,
      fsFreeze: linux ? spec.enableFsFreeze === 'true' : null,
      timeoutSeconds: linux ? spec.timeoutInSeconds : null,
      vssWriters: linux ? null : spec.enableWriters === 'true',
    },
    requireAppConsistent: spec.requireAppConsistent === 'true',
    snapshot: { name: spec.snapshotName, description: spec.snapshotDescription || null, excludeDiskIds: [...(props.excludeDiskIds ?? [])] },
    schedule: scheduleReport(group, now),
    retention: retentionReport(props),
    lock: lockReport(props),
    copy: copyReport(group),
    restoreTest: restoreTestReport(group, now),
    rateControl: { concurrency: spec.concurrency, maxErrors: spec.maxErrors, pluginDeadlineSeconds: spec.pluginDeadlineSeconds },
    automation: { templateName: group.automation.templateName, instanceTemplateName: group.automation.instanceTemplateName },
    instanceRole: {
      name: group.role.roleName,
      created: group.role.created,
      attachment,
      attachedInstances: attachment === 'stack' ? attachedInstanceCount(group.role.roleName, deployed) : null,
      trustedServices: instance.trustedServices,
      policies: instance.policies,
    },
    executionRole: {
      name: executionRoleName,
      created: group.executionRole !== undefined,
      trustedServices: execution.trustedServices,
      policies: execution.policies,
    },
  };
}

function stackReport(stack: ros.Stack, deployed: DeployedTemplates): StackReport {
  const types: Record<string, number> = {};
  const resources = Object.values(deployed.resources(stack));
  for (const r of resources) types[r.Type] = (types[r.Type] ?? 0) + 1;
  return { name: stack.stackName, resourceCount: resources.length, resourceTypes: types };
}

/**
 * Synthesizes the posture (with every check `npm run synth` makes, into a private directory that
 * is removed afterwards) and reports it. Throws what the synthesis throws.
 */
export function buildPostureReport(posture: Posture, options: PostureReportOptions): PostureReport {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'app-snapshot-report-'));
  try {
    let app: ros.App | undefined;
    synthesize((a) => {
      app = a;
      buildPostureStacks(a, posture);
    }, outdir);
    const deployed = new DeployedTemplates(app!, outdir);
    const groups = app!.node.findAll().filter((c): c is AppConsistentSnapshot => c instanceof AppConsistentSnapshot);
    return {
      reportVersion: REPORT_VERSION,
      now: isoUtc(options.now),
      nowSource: options.nowSource,
      postureFile: options.postureFile,
      postureName: posture.postureName,
      description: posture.description ?? null,
      stacks: deployed.stacks.map((s) => stackReport(s, deployed)).sort((a, b) => compareText(a.name, b.name)),
      groups: posture.groups.map((p) => groupReport(groups.find((g) => g.groupName === p.name)!, deployed, options.now)),
    };
  } finally {
    fs.rmSync(outdir, { recursive: true, force: true });
  }
}

/** Sorts the keys of every object, so that the same report always serializes the same. */
function sortedKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortedKeys);
  if (isJsonObject(v)) {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortedKeys(v[k])]));
  }
  return v;
}

/** JSON with sorted keys, two-space indent and a final newline. */
export function stableJson(v: unknown): string {
  return `${JSON.stringify(sortedKeys(v), undefined, 2)}\n`;
}
