import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { AppConsistentSnapshotOptions, validateAppConsistentSnapshotProps } from '../app-consistent-snapshot';
import { OperatingSystem } from '../plugin/parameters';
import { quiesceScriptsFromPosture } from '../quiesce-scripts';
import { ACCOUNT_ID_PATTERN, REGION_ID_PATTERN, ResourceScope } from '../policy-scope';
import { RestoreCheck } from '../restore-check';
import { RestoreSource, RestoreTestOptions } from '../restore-drill';
import { RetentionOptions } from '../retention';
import { Schedule } from '../schedule';
import { ValidationError, checkPattern } from '../validation';

/** The posture file format version this package reads. */
export const POSTURE_VERSION = 1;

/** The longest posture name: it is a tag value, and OOS parameters carry it. */
export const POSTURE_NAME_MAX_LENGTH = 128;

/** Posture names: a letter or digit, then letters, digits, `_` and `-`. */
export const POSTURE_NAME_PATTERN = `^[A-Za-z0-9][A-Za-z0-9_-]{0,${POSTURE_NAME_MAX_LENGTH - 1}}$`;

/** ROS stack names: a letter or digit, then letters, digits, `_` and `-`, at most 255. */
export const STACK_NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$';

/** One group of a posture file, as the constructs take it. */
export interface PostureGroup {
  readonly name: string;
  readonly options: AppConsistentSnapshotOptions;
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
}

type Obj = Record<string, unknown>;

const TOP_KEYS = ['version', 'stackName', 'postureName', 'description', 'account', 'groups'];
const GROUP_KEYS = [
  'name', 'os', 'instances', 'targets', 'schedule', 'retention', 'restoreTest', 'role', 'scripts', 'fsFreeze', 'timeoutSeconds', 'vssWriters',
  'excludeDiskIds', 'snapshot', 'requireAppConsistent', 'rateControl', 'pluginDeadlineSeconds', 'templateName',
];

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

function isObject(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function expectObject(field: string, v: unknown, keys: readonly string[]): Obj {
  if (!isObject(v)) {
    throw new ValidationError(field, 'must be a mapping', v);
  }
  for (const k of Object.keys(v)) {
    if (!keys.includes(k)) {
      throw new ValidationError(`${field ? `${field}.` : ''}${k}`, `is not a known key (known: ${keys.join(', ')})`, v[k]);
    }
  }
  return v;
}

function optional<T>(field: string, v: unknown, type: 'string' | 'number' | 'boolean'): T | undefined {
  if (v === undefined) {
    return undefined;
  }
  if (typeof v !== type) {
    throw new ValidationError(field, `must be a ${type}`, v);
  }
  return v as T;
}

function stringList(field: string, v: unknown): string[] | undefined {
  if (v === undefined) {
    return undefined;
  }
  if (!Array.isArray(v)) {
    throw new ValidationError(field, 'must be a list', v);
  }
  v.forEach((item, i) => {
    if (typeof item !== 'string') {
      throw new ValidationError(`${field}[${i}]`, 'must be a string', item);
    }
  });
  return v as string[];
}

function parseOs(field: string, v: unknown): OperatingSystem {
  if (typeof v === 'string') {
    const match = Object.values(OperatingSystem).find((os) => os.toLowerCase() === v.toLowerCase());
    if (match) {
      return match;
    }
  }
  throw new ValidationError(field, 'must be linux or windows', v);
}

function parseRole(field: string, v: unknown): Pick<AppConsistentSnapshotOptions, 'roleName' | 'existingRoleName' | 'attachRole'> {
  if (v === undefined || v === 'create') {
    return {};
  }
  const o = expectObject(field, v, ['create', 'existing', 'attach']);
  const create = optional<string>(`${field}.create`, o.create, 'string');
  const existing = optional<string>(`${field}.existing`, o.existing, 'string');
  const attach = optional<boolean>(`${field}.attach`, o.attach, 'boolean');
  if (create !== undefined && existing !== undefined) {
    throw new ValidationError(field, 'must name either create or existing, not both (an instance holds one role)', v);
  }
  if (create === undefined && existing === undefined) {
    throw new ValidationError(field, 'must name the role to create (create: NAME) or the existing role (existing: NAME)', v);
  }
  return { roleName: create, existingRoleName: existing, attachRole: attach };
}

/**
 * The group's instances: `targets: {instances: [...]}` or `targets: {tags: {k: v}}`, or the
 * shorthand `instances: [...]`.
 */
function parseTargets(field: string, g: Obj): Pick<AppConsistentSnapshotOptions, 'instanceIds' | 'targetTags'> {
  if (g.instances !== undefined && g.targets !== undefined) {
    throw new ValidationError(`${field}.instances`, 'must not be given together with targets (instances is the short form of targets.instances)', g.instances);
  }
  if (g.instances !== undefined) {
    return { instanceIds: stringList(`${field}.instances`, g.instances) };
  }
  if (g.targets === undefined) {
    throw new ValidationError(`${field}.targets`, 'is required: targets.instances (a list of instance ids) or targets.tags (a mapping of tag keys to values)', undefined);
  }
  const t = expectObject(`${field}.targets`, g.targets, ['instances', 'tags']);
  if ((t.instances === undefined) === (t.tags === undefined)) {
    throw new ValidationError(`${field}.targets`, 'must name either instances or tags, not both and not neither', t);
  }
  if (t.instances !== undefined) {
    return { instanceIds: stringList(`${field}.targets.instances`, t.instances) };
  }
  const tags = expectObject(`${field}.targets.tags`, t.tags, Object.keys(isObject(t.tags) ? t.tags : {}));
  for (const [k, v] of Object.entries(tags)) {
    if (typeof v !== 'string') {
      throw new ValidationError(`${field}.targets.tags.${k}`, 'must be a string (quote numbers and booleans in YAML)', v);
    }
  }
  return { targetTags: tags as Record<string, string> };
}

/** `schedule: cron(...)` or `schedule: {expression: cron(...), timeZone, endDate}`. */
function parseSchedule(field: string, v: unknown): Schedule {
  if (typeof v === 'string') {
    return Schedule.parse(v, {}, field);
  }
  const o = expectObject(field, v, ['expression', 'timeZone', 'endDate']);
  const expression = optional<string>(`${field}.expression`, o.expression, 'string');
  if (expression === undefined) {
    throw new ValidationError(`${field}.expression`, 'is required: cron(<6 fields>), rate(<N minutes|hours|days>) or at(<YYYY-MM-DDThh:mm:ssZ>)', undefined);
  }
  return Schedule.parse(expression, {
    timeZone: optional<string>(`${field}.timeZone`, o.timeZone, 'string'),
    endDate: optional<string>(`${field}.endDate`, o.endDate, 'string'),
  }, field);
}

/** `retention: {keepLast, maxAgeDays, maxDeletesPerRun, dryRun}`. */
function parseRetention(field: string, v: unknown): RetentionOptions {
  const o = expectObject(field, v, ['keepLast', 'maxAgeDays', 'maxDeletesPerRun', 'dryRun']);
  const out = {
    keepLast: optional<number>(`${field}.keepLast`, o.keepLast, 'number'),
    maxAgeDays: optional<number>(`${field}.maxAgeDays`, o.maxAgeDays, 'number'),
    maxDeletesPerRun: optional<number>(`${field}.maxDeletesPerRun`, o.maxDeletesPerRun, 'number'),
    dryRun: optional<boolean>(`${field}.dryRun`, o.dryRun, 'boolean'),
  };
  return Object.fromEntries(Object.entries(out).filter(([, x]) => x !== undefined)) as RetentionOptions;
}

/** The posture keys of a restore drill. */
const RESTORE_TEST_KEYS = ['instance', 'check', 'schedule', 'source', 'maxAgeHours', 'timeoutMinutes', 'diskDeletionTagCondition'];

/** `check: mysql | postgresql | redis | generic | {engine: ENGINE, query, database, dataDir} | {script: FILE}`. */
function parseRestoreCheck(field: string, v: unknown, baseDir: string): RestoreCheck {
  const forms = 'mysql, postgresql, redis, generic, {engine: mysql|postgresql|redis, query, database, dataDir} or {script: FILE}';
  const engines: Record<string, (o?: Record<string, string>) => RestoreCheck> = {
    mysql: (o) => RestoreCheck.mysql(o),
    postgresql: (o) => RestoreCheck.postgresql(o),
    redis: (o) => RestoreCheck.redis(o),
  };
  if (typeof v === 'string') {
    if (v === 'generic') return RestoreCheck.generic();
    if (v in engines) return engines[v]();
    throw new ValidationError(field, `must be ${forms}`, v);
  }
  if (isObject(v) && v.script !== undefined) {
    expectObject(field, v, ['script']);
    const script = optional<string>(`${field}.script`, v.script, 'string')!;
    return RestoreCheck.fromFile(path.resolve(baseDir, script));
  }
  const o = expectObject(field, v, ['engine', 'query', 'database', 'dataDir']);
  const engine = optional<string>(`${field}.engine`, o.engine, 'string');
  if (engine === undefined || !(engine in engines)) {
    throw new ValidationError(`${field}.engine`, 'must be mysql, postgresql or redis (generic and script checks take no options)', engine);
  }
  const options: Record<string, string> = {};
  for (const key of ['query', 'database', 'dataDir']) {
    const value = optional<string>(`${field}.${key}`, o[key], 'string');
    if (value !== undefined) options[key] = value;
  }
  return engines[engine](options);
}

/**
 * `restoreTest: {instance, check, schedule, source, maxAgeHours, timeoutMinutes, diskDeletionTagCondition}`.
 * Scripts resolve relative to the posture file.
 */
function parseRestoreTest(field: string, v: unknown, baseDir: string): RestoreTestOptions {
  const o = expectObject(field, v, RESTORE_TEST_KEYS);
  const instance = optional<string>(`${field}.instance`, o.instance, 'string');
  if (instance === undefined) throw new ValidationError(`${field}.instance`, 'is required: the scratch instance the restored disks are attached to', undefined);
  if (o.check === undefined) throw new ValidationError(`${field}.check`, 'is required: mysql, postgresql, redis, generic, {engine: ..., query: ...} or {script: FILE}', undefined);
  let source: RestoreSource | undefined;
  if (o.source === 'random') {
    source = RestoreSource.random();
  } else if (o.source !== undefined) {
    const s = isObject(o.source) ? expectObject(`${field}.source`, o.source, ['instance']) : undefined;
    const named = s === undefined ? undefined : optional<string>(`${field}.source.instance`, s.instance, 'string');
    if (named === undefined) throw new ValidationError(`${field}.source`, 'must be random or {instance: i-...} (one of the group\'s instances)', o.source);
    source = RestoreSource.instance(named);
  }
  const out: RestoreTestOptions = {
    scratchInstanceId: instance,
    check: parseRestoreCheck(`${field}.check`, o.check, baseDir),
    schedule: o.schedule === undefined ? undefined : parseSchedule(`${field}.schedule`, o.schedule),
    source,
    maxAgeHours: optional<number>(`${field}.maxAgeHours`, o.maxAgeHours, 'number'),
    timeoutMinutes: optional<number>(`${field}.timeoutMinutes`, o.timeoutMinutes, 'number'),
    diskDeletionTagCondition: optional<boolean>(`${field}.diskDeletionTagCondition`, o.diskDeletionTagCondition, 'boolean'),
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

function parseGroup(field: string, v: unknown, baseDir: string): PostureGroup {
  const g = expectObject(field, v, GROUP_KEYS);
  const name = optional<string>(`${field}.name`, g.name, 'string');
  if (name === undefined) {
    throw new ValidationError(`${field}.name`, 'is required', undefined);
  }
  if (g.os === undefined) {
    throw new ValidationError(`${field}.os`, 'is required (linux or windows)', undefined);
  }
  const os = parseOs(`${field}.os`, g.os);
  const targets = parseTargets(field, g);
  const snapshot = g.snapshot === undefined ? {} : expectObject(`${field}.snapshot`, g.snapshot, ['name', 'description']);
  const rate = g.rateControl === undefined ? {} : expectObject(`${field}.rateControl`, g.rateControl, ['concurrency', 'maxErrors']);
  const options: AppConsistentSnapshotOptions = {
    os,
    ...targets,
    schedule: g.schedule === undefined ? undefined : parseSchedule(`${field}.schedule`, g.schedule),
    retention: g.retention === undefined ? undefined : parseRetention(`${field}.retention`, g.retention),
    restoreTest: g.restoreTest === undefined ? undefined : parseRestoreTest(`${field}.restoreTest`, g.restoreTest, baseDir),
    ...parseRole(`${field}.role`, g.role),
    scripts: g.scripts === undefined ? undefined : quiesceScriptsFromPosture(g.scripts, `${field}.scripts`, baseDir),
    enableFsFreeze: optional<boolean>(`${field}.fsFreeze`, g.fsFreeze, 'boolean'),
    timeoutSeconds: optional<number>(`${field}.timeoutSeconds`, g.timeoutSeconds, 'number'),
    enableWriters: optional<boolean>(`${field}.vssWriters`, g.vssWriters, 'boolean'),
    excludeDiskIds: stringList(`${field}.excludeDiskIds`, g.excludeDiskIds),
    snapshotName: optional<string>(`${field}.snapshot.name`, snapshot.name, 'string'),
    snapshotDescription: optional<string>(`${field}.snapshot.description`, snapshot.description, 'string'),
    requireAppConsistent: optional<boolean>(`${field}.requireAppConsistent`, g.requireAppConsistent, 'boolean'),
    concurrency: optional<number>(`${field}.rateControl.concurrency`, rate.concurrency, 'number'),
    maxErrors: optional<number>(`${field}.rateControl.maxErrors`, rate.maxErrors, 'number'),
    pluginDeadlineSeconds: optional<number>(`${field}.pluginDeadlineSeconds`, g.pluginDeadlineSeconds, 'number'),
    templateName: optional<string>(`${field}.templateName`, g.templateName, 'string'),
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
  return { name, options };
}

/**
 * Validates a parsed posture document; relative script paths resolve against `baseDir`.
 * Throws a ValidationError naming the field path (e.g. `groups[1].instances[0]`).
 */
export function parsePosture(doc: unknown, baseDir: string): Posture {
  const top = expectObject('', doc, TOP_KEYS);
  if (top.version !== POSTURE_VERSION) {
    throw new ValidationError('version', `must be ${POSTURE_VERSION}`, top.version);
  }
  const stackName = optional<string>('stackName', top.stackName, 'string') ?? 'AppConsistentSnapshot';
  checkPattern('stackName', stackName, STACK_NAME_PATTERN, 'must be a letter or digit followed by up to 254 letters, digits, `_` or `-` (ROS stack name)');
  const postureName = optional<string>('postureName', top.postureName, 'string') ?? stackName.slice(0, POSTURE_NAME_MAX_LENGTH);
  checkPattern('postureName', postureName, POSTURE_NAME_PATTERN, `must be a letter or digit followed by up to ${POSTURE_NAME_MAX_LENGTH - 1} letters, digits, \`_\` or \`-\` (it is the value of the posture tag on the snapshots)`);
  const description = optional<string>('description', top.description, 'string');
  if (!Array.isArray(top.groups) || top.groups.length === 0) {
    throw new ValidationError('groups', 'must be a non-empty list of groups', top.groups);
  }
  let resourceScope: ResourceScope | undefined;
  if (top.account !== undefined) {
    const a = expectObject('account', top.account, ['id', 'region']);
    if (typeof a.id === 'number') {
      throw new ValidationError('account.id', 'must be a quoted string: a 16-digit account id loses digits as a YAML number', a.id);
    }
    const id = optional<string>('account.id', a.id, 'string');
    const region = optional<string>('account.region', a.region, 'string');
    if (id === undefined || region === undefined) {
      throw new ValidationError('account', 'must give both id (the account id) and region (e.g. cn-hangzhou) to scope the roles', a);
    }
    checkPattern('account.id', id, ACCOUNT_ID_PATTERN, 'must be the account id (digits only; quote it in YAML)');
    checkPattern('account.region', region, REGION_ID_PATTERN, 'must be a region id such as cn-hangzhou');
    resourceScope = { accountId: id, regionId: region };
  }
  const groups = top.groups.map((g, i) => parseGroup(`groups[${i}]`, g, baseDir))
    .map((g) => (resourceScope ? { ...g, options: { ...g.options, resourceScope } } : g));
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
      const raw = (top.groups as Obj[])[i];
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
  return { stackName, postureName, description, resourceScope, groups };
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
