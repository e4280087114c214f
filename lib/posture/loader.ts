import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { AppConsistentSnapshotOptions, validateAppConsistentSnapshotProps } from '../app-consistent-snapshot';
import { OperatingSystem } from '../plugin/parameters';
import { quiesceScriptsFromPosture } from '../quiesce-scripts';
import { ACCOUNT_ID_PATTERN, REGION_ID_PATTERN, ResourceScope } from '../policy-scope';
import { RestoreCheck, RestoreCheckKind } from '../restore-check';
import { RestoreSource, RestoreTestOptions } from '../restore-drill';
import { RetentionOptions } from '../retention';
import { SnapshotCopyOptions } from '../snapshot-copy';
import { SnapshotLockOptions } from '../snapshot-lock';
import { NotifyOn, NotifyOptions } from '../notify';
import { Schedule } from '../schedule';
import { ValidationError, checkPattern } from '../validation';
import { validatePostureDocument } from './schema';

/** The posture file format version this package reads. */
export const POSTURE_VERSION = 1;

/** The longest posture name: it is a tag value, and OOS parameters carry it. */
export const POSTURE_NAME_MAX_LENGTH = 128;

/** The longest RPO a posture may give (`rpoHours`, the schema's maximum): a year. */
export const MAX_RPO_HOURS = 8784;

/** Posture names: a letter or digit, then letters, digits, `_` and `-`. */
export const POSTURE_NAME_PATTERN = `^[A-Za-z0-9][A-Za-z0-9_-]{0,${POSTURE_NAME_MAX_LENGTH - 1}}$`;

/** ROS stack names: a letter or digit, then letters, digits, `_` and `-`, at most 255. */
export const STACK_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$';

/** One group of a posture file, as the constructs take it. */
export interface PostureGroup {
  readonly name: string;
  readonly options: AppConsistentSnapshotOptions;
  /**
   * The group's recovery point objective in hours, for the audit (`rpoHours`).
   *
   * @default - the schedule's longest gap plus a margin (see lib/audit)
   */
  readonly rpoHours?: number;
}

/** A loaded, validated posture. */
export interface Posture {
  readonly stackName: string;
  /** The posture's name: the value of the `app-snapshot:posture` tag on its snapshots. */
  readonly postureName: string;
  /** The account and region of every group's instances, when given: the roles are scoped to them. */
  readonly resourceScope?: ResourceScope;
  readonly description?: string;
  readonly groups: readonly PostureGroup[];
  /**
   * Alerts of the scheduled runs (`notify`), applied to every group with a schedule.
   *
   * @default - no alerts
   */
  readonly notify?: NotifyOptions;
}

/**
 * A posture document as schema/posture.schema.json guarantees it (keys and types); the value rules
 * are the constructs'.
 */
interface PostureDocument {
  readonly version: 1;
  readonly stackName?: string;
  readonly postureName?: string;
  readonly description?: string;
  readonly account?: { readonly id: string; readonly region: string };
  readonly notify?: { readonly webhook: { readonly secretParameter: string }; readonly on?: NotifyOn };
  readonly groups: readonly GroupDocument[];
}

interface GroupDocument {
  readonly name: string;
  readonly os: 'linux' | 'windows';
  readonly instances?: string[];
  readonly targets?: { readonly instances?: string[]; readonly tags?: Record<string, string> };
  readonly schedule?: string | { readonly expression: string; readonly timeZone?: string; readonly endDate?: string };
  readonly retention?: RetentionOptions;
  readonly lock?: SnapshotLockOptions;
  readonly copy?: SnapshotCopyOptions;
  readonly restoreTest?: RestoreTestDocument;
  readonly role?: 'create' | { readonly create?: string; readonly existing?: string; readonly attach?: boolean };
  readonly scripts?: unknown;
  readonly fsFreeze?: boolean;
  readonly timeoutSeconds?: number;
  readonly vssWriters?: boolean;
  readonly excludeDiskIds?: string[];
  readonly snapshot?: { readonly name?: string; readonly description?: string };
  readonly requireAppConsistent?: boolean;
  readonly rateControl?: { readonly concurrency?: number; readonly maxErrors?: number };
  readonly pluginDeadlineSeconds?: number;
  readonly templateName?: string;
  readonly rpoHours?: number;
}

/** A group's `restoreTest` as the schema guarantees it. */
interface RestoreTestDocument {
  readonly instance: string;
  readonly check: RestoreCheckDocument;
  readonly schedule?: GroupDocument['schedule'];
  readonly source?: 'random' | { readonly instance: string };
  readonly maxAgeHours?: number;
  readonly timeoutMinutes?: number;
  readonly diskDeletionTagCondition?: boolean;
}

type RestoreCheckDocument = RestoreCheckKind
  | { readonly engine: 'mysql' | 'postgresql' | 'redis'; readonly query?: string; readonly database?: string; readonly dataDir?: string }
  | { readonly script: string };

/** How a construct prop is named in the posture file, for error messages. */
const PROP_TO_POSTURE: Readonly<Record<string, string>> = {
  groupName: 'name',
  instanceIds: 'targets.instances',
  targetTags: 'targets.tags',
  roleName: 'role.create',
  existingRoleName: 'role.existing',
  enableFsFreeze: 'fsFreeze',
  enableWriters: 'vssWriters',
  snapshotName: 'snapshot.name',
  snapshotDescription: 'snapshot.description',
  concurrency: 'rateControl.concurrency',
  maxErrors: 'rateControl.maxErrors',
};

const OS_BY_NAME: Readonly<Record<GroupDocument['os'], OperatingSystem>> = {
  linux: OperatingSystem.LINUX,
  windows: OperatingSystem.WINDOWS,
};

function parseRole(role: GroupDocument['role']): Pick<AppConsistentSnapshotOptions, 'roleName' | 'existingRoleName' | 'attachRole'> {
  if (role === undefined || role === 'create') {
    return {};
  }
  return { roleName: role.create, existingRoleName: role.existing, attachRole: role.attach };
}

/** `schedule: cron(...)` or `schedule: {expression: cron(...), timeZone, endDate}`. */
function parseSchedule(field: string, v: NonNullable<GroupDocument['schedule']>): Schedule {
  if (typeof v === 'string') {
    return Schedule.parse(v, {}, field);
  }
  return Schedule.parse(v.expression, { timeZone: v.timeZone, endDate: v.endDate }, field);
}

/** `notify: {webhook: {secretParameter: NAME}, on: failures|always}` as the constructs take it. */
function notifyOptions(notify: NonNullable<PostureDocument['notify']>): NotifyOptions {
  return { webhookSecretParameter: notify.webhook.secretParameter, on: notify.on };
}

/** A check as the constructs take it; a script resolves relative to the posture file. */
function restoreCheck(check: RestoreCheckDocument, baseDir: string): RestoreCheck {
  if (typeof check === 'string') {
    return check === 'generic' ? RestoreCheck.generic() : RestoreCheck[check]();
  }
  if ('script' in check) {
    return RestoreCheck.fromFile(path.resolve(baseDir, check.script));
  }
  const { engine, ...options } = check;
  return RestoreCheck[engine](options);
}

/**
 * `restoreTest: {instance, check, schedule, source, maxAgeHours, timeoutMinutes, diskDeletionTagCondition}`
 * as the constructs take it (the schema checked the keys and types, the construct checks the rest).
 */
function restoreTestOptions(field: string, t: RestoreTestDocument, baseDir: string): RestoreTestOptions {
  const out: RestoreTestOptions = {
    scratchInstanceId: t.instance,
    check: restoreCheck(t.check, baseDir),
    schedule: t.schedule === undefined ? undefined : parseSchedule(`${field}.schedule`, t.schedule),
    source: t.source === undefined ? undefined : t.source === 'random' ? RestoreSource.random() : RestoreSource.instance(t.source.instance),
    maxAgeHours: t.maxAgeHours,
    timeoutMinutes: t.timeoutMinutes,
    diskDeletionTagCondition: t.diskDeletionTagCondition,
  };
  return Object.fromEntries(Object.entries(out).filter(([, x]) => x !== undefined)) as unknown as RestoreTestOptions;
}

/** Rewrites a construct-level field name into the posture file's path for that group. */
function postureField(groupPath: string, field: string): string {
  const [head, ...rest] = field.split(/(?=[.[])/);
  const base = head.replace(/\[\d+\]$/, '');
  const index = head.slice(base.length);
  const mapped = PROP_TO_POSTURE[base] ?? base;
  return `${groupPath}.${mapped}${index}${rest.join('')}`;
}

function parseGroup(field: string, g: GroupDocument, baseDir: string): PostureGroup {
  const name = g.name;
  const options: AppConsistentSnapshotOptions = {
    os: OS_BY_NAME[g.os],
    instanceIds: g.instances ?? g.targets?.instances,
    targetTags: g.targets?.tags,
    schedule: g.schedule === undefined ? undefined : parseSchedule(`${field}.schedule`, g.schedule),
    retention: g.retention,
    lock: g.lock,
    copy: g.copy,
    restoreTest: g.restoreTest === undefined ? undefined : restoreTestOptions(`${field}.restoreTest`, g.restoreTest, baseDir),
    ...parseRole(g.role),
    scripts: g.scripts === undefined ? undefined : quiesceScriptsFromPosture(g.scripts, `${field}.scripts`, baseDir),
    enableFsFreeze: g.fsFreeze,
    timeoutSeconds: g.timeoutSeconds,
    enableWriters: g.vssWriters,
    excludeDiskIds: g.excludeDiskIds,
    snapshotName: g.snapshot?.name,
    snapshotDescription: g.snapshot?.description,
    requireAppConsistent: g.requireAppConsistent,
    concurrency: g.rateControl?.concurrency,
    maxErrors: g.rateControl?.maxErrors,
    pluginDeadlineSeconds: g.pluginDeadlineSeconds,
    templateName: g.templateName,
  };
  try {
    validateAppConsistentSnapshotProps({ ...options, groupName: name });
  } catch (e) {
    if (e instanceof ValidationError) {
      const named = postureField(field, e.field).replace(`${field}.restoreTest.scratchInstanceId`, `${field}.restoreTest.instance`);
      // Name the form the file used: the shorthand `instances`, or `targets.instances`.
      throw new ValidationError(g.instances !== undefined ? named.replace(`${field}.targets.instances`, `${field}.instances`) : named, e.rule, e.value);
    }
    throw e;
  }
  return g.rpoHours === undefined ? { name, options } : { name, options, rpoHours: g.rpoHours };
}

/**
 * Validates a parsed posture document: its keys and types against schema/posture.schema.json,
 * then the rules of the constructs; relative script paths resolve against `baseDir`.
 * Throws a ValidationError naming the field path (e.g. `groups[1].instances[0]`).
 */
export function parsePosture(doc: unknown, baseDir: string): Posture {
  validatePostureDocument(doc);
  const top = doc as PostureDocument;
  const stackName = top.stackName ?? 'AppConsistentSnapshot';
  checkPattern('stackName', stackName, STACK_NAME_PATTERN, 'must be a letter or digit followed by up to 254 letters, digits, `_` or `-` (ROS stack name)');
  const postureName = top.postureName ?? stackName.slice(0, POSTURE_NAME_MAX_LENGTH);
  checkPattern('postureName', postureName, POSTURE_NAME_PATTERN, `must be a letter or digit followed by up to ${POSTURE_NAME_MAX_LENGTH - 1} letters, digits, \`_\` or \`-\` (it is the value of the posture tag on the snapshots)`);
  const description = top.description;
  let resourceScope: ResourceScope | undefined;
  if (top.account !== undefined) {
    checkPattern('account.id', top.account.id, ACCOUNT_ID_PATTERN, 'must be the account id (digits only; quote it in YAML)');
    checkPattern('account.region', top.account.region, REGION_ID_PATTERN, 'must be a region id such as cn-hangzhou');
    resourceScope = { accountId: top.account.id, regionId: top.account.region };
  }
  const notify = top.notify === undefined ? undefined : notifyOptions(top.notify);
  const groups = top.groups.map((g, i) => parseGroup(`groups[${i}]`, g, baseDir))
    .map((g) => (resourceScope ? { ...g, options: { ...g.options, resourceScope } } : g))
    .map((g) => (notify && g.options.schedule ? { ...g, options: { ...g.options, notify } } : g));
  const seen = new Map<string, number>();
  groups.forEach((g, i) => {
    const first = seen.get(g.name);
    if (first !== undefined) {
      throw new ValidationError(`groups[${i}].name`, `must be unique (groups[${first}] has it too)`, g.name);
    }
    seen.set(g.name, i);
  });
  const owner = new Map<string, string>();
  groups.forEach((g, i) => (g.options.instanceIds ?? []).forEach((id, j) => {
    const other = owner.get(id);
    if (other !== undefined) {
      const raw = top.groups[i];
      throw new ValidationError(`groups[${i}].${raw.instances !== undefined ? 'instances' : 'targets.instances'}[${j}]`, `must belong to one group only (it is in ${other}; an instance holds one RAM role and one pair of scripts)`, id);
    }
    owner.set(id, `groups[${i}]`);
  }));
  // Tag targets overlap for certain when one group's tags are all among another's: every
  // instance the second selects, the first selects too.
  groups.forEach((a, i) => groups.forEach((b, j) => {
    const ta = a.options.targetTags;
    const tb = b.options.targetTags;
    if (i < j && ta !== undefined && tb !== undefined) {
      const within = (x: Readonly<Record<string, string>>, y: Readonly<Record<string, string>>) => Object.entries(x).every(([k, v]) => y[k] === v);
      if (within(ta, tb) || within(tb, ta)) {
        throw new ValidationError(`groups[${j}].targets.tags`, `must not select instances that groups[${i}] selects too (all the tags of one are among the other's; an instance holds one RAM role and one pair of scripts)`, tb);
      }
    }
  }));
  return { stackName, postureName, description, resourceScope, groups, ...(notify ? { notify } : {}) };
}

/** Reads, parses and validates a posture file (YAML or JSON). */
export function loadPostureFile(file: string): Posture {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new ValidationError('APP_SNAPSHOT_CONFIG', 'must name a readable posture file', file);
  }
  let doc: unknown;
  try {
    doc = YAML.parse(text, { uniqueKeys: true, prettyErrors: true });
  } catch (e) {
    throw new Error(`${file}: not valid YAML: ${(e as Error).message}`);
  }
  try {
    return parsePosture(doc, path.dirname(path.resolve(file)));
  } catch (e) {
    if (e instanceof ValidationError) {
      throw new ValidationError(e.field, `${e.rule} (in ${file})`, e.value);
    }
    throw e;
  }
}

export { buildPostureStacks } from './stacks';
