import { CopyReport, GroupReport, LockReport, PostureReport, REPORT_VERSION, RestoreTestReport, RetentionReport, ScheduleReport, compareText } from './report';
import { code, copySummary, lockSummary, quiesceSummary, restoreTestSummary, retentionSummary, scheduleSummary, table, targetsSummary } from './report-markdown';

/**
 * The difference between two posture reports, for a pull-request comment: groups added and
 * removed (by name), and per group the fields that changed. Lists of plain values (instance ids,
 * actions, disks) are compared as sets; lists of named things (policies) by name. What only
 * tells when or where a report was made (its instant, the next run times, the posture file's
 * path) is left out, so two reports of the same posture made on different days show no change.
 */

/** One changed field: a value that changed, or a list that gained or lost items. */
export interface FieldChange {
  /** The path of the field in the report's group (or in the posture, for posture-level changes). */
  readonly field: string;
  readonly before?: unknown;
  readonly after?: unknown;
  readonly added?: readonly string[];
  readonly removed?: readonly string[];
}

/** The changes of a group present in both reports. */
export interface GroupChange {
  readonly name: string;
  readonly changes: readonly FieldChange[];
}

/** The difference (`posture-diff.json`). */
export interface ReportDiff {
  readonly reportVersion: number;
  /** The instants of the two reports. */
  readonly previousNow: string;
  readonly now: string;
  readonly postureName: string;
  /** One line: `2 groups changed, 1 added.` or `No changes.` */
  readonly summary: string;
  /** Changes of the posture's name, description and stacks. */
  readonly posture: readonly FieldChange[];
  readonly added: readonly GroupReport[];
  readonly removed: readonly GroupReport[];
  readonly changed: readonly GroupChange[];
}

/** A previous report that cannot be compared with. */
export class PreviousReportError extends Error {
  constructor(file: string, problem: string) {
    super(`previous report ${file}: ${problem}`);
    this.name = 'PreviousReportError';
  }
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * Reads a previous report: valid JSON, of this report version, with the fields the diff reads.
 * Throws a PreviousReportError saying what is wrong.
 */
export function parsePreviousReport(text: string, file: string): PostureReport {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new PreviousReportError(file, `is not valid JSON (${(e as Error).message})`);
  }
  if (!isObj(doc) || doc.reportVersion === undefined) {
    throw new PreviousReportError(file, 'is not a posture report (it has no reportVersion)');
  }
  if (doc.reportVersion !== REPORT_VERSION) {
    throw new PreviousReportError(file, `has reportVersion ${JSON.stringify(doc.reportVersion)}, and this version of the package reads only ${REPORT_VERSION}`);
  }
  const bad = (field: string, rule: string) => new PreviousReportError(file, `\`${field}\` ${rule}`);
  if (typeof doc.postureName !== 'string') throw bad('postureName', 'must be a string');
  if (typeof doc.now !== 'string') throw bad('now', 'must be a string');
  if (!Array.isArray(doc.stacks) || !doc.stacks.every((s) => isObj(s) && typeof s.name === 'string')) throw bad('stacks', 'must be a list of stacks with names');
  if (!Array.isArray(doc.groups)) throw bad('groups', 'must be a list');
  doc.groups.forEach((g, i) => {
    if (!isObj(g) || typeof g.name !== 'string') throw bad(`groups[${i}].name`, 'must be a string');
    if (typeof g.os !== 'string') throw bad(`groups[${i}].os`, 'must be a string');
    if (!isObj(g.targets) || (g.targets.by !== 'tags' && g.targets.by !== 'instanceIds')) throw bad(`groups[${i}].targets.by`, 'must be tags or instanceIds');
    for (const key of ['quiesce', 'schedule', 'retention']) {
      if (g[key] !== null && !isObj(g[key])) throw bad(`groups[${i}].${key}`, 'must be a mapping or null');
    }
    // Reports made before restore drills, locks and copies existed have none of them.
    for (const key of ['restoreTest', 'lock', 'copy']) {
      if (g[key] !== undefined && g[key] !== null && !isObj(g[key])) throw bad(`groups[${i}].${key}`, 'must be a mapping or null');
    }
  });
  return doc as unknown as PostureReport;
}

function isPrimitive(v: unknown): v is string | number | boolean | null {
  return v === null || ['string', 'number', 'boolean'].includes(typeof v);
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(comparable(a)) === JSON.stringify(comparable(b));
}

/** A value with its object keys sorted, for comparison. */
function comparable(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(comparable);
  if (isObj(v)) return Object.fromEntries(Object.keys(v).sort().map((k) => [k, comparable(v[k])]));
  return v;
}

const join = (field: string, key: string) => (field ? `${field}.${key}` : key);

function diffValue(field: string, a: unknown, b: unknown, out: FieldChange[]): void {
  // A field a report of an earlier version does not have is the same as one it has as null.
  if (same(a ?? null, b ?? null)) return;
  if (isObj(a) && isObj(b)) {
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort(compareText)) {
      diffValue(join(field, k), a[k], b[k], out);
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.every(isPrimitive) && b.every(isPrimitive)) {
      const before = new Set(a.map(String));
      const after = new Set(b.map(String));
      const added = [...after].filter((x) => !before.has(x));
      const removed = [...before].filter((x) => !after.has(x));
      // The same items in another order: no change in what is protected.
      if (added.length + removed.length > 0) out.push({ field, added, removed });
      return;
    }
    const named = (l: unknown[]) => l.every((x) => isObj(x) && typeof x.name === 'string');
    if (named(a) && named(b)) {
      const byName = (l: unknown[]) => new Map((l as Obj[]).map((x) => [x.name as string, x]));
      const [before, after] = [byName(a), byName(b)];
      const added = [...after.keys()].filter((x) => !before.has(x));
      const removed = [...before.keys()].filter((x) => !after.has(x));
      if (added.length + removed.length > 0) out.push({ field, added, removed });
      for (const [name, item] of after) {
        if (before.has(name)) diffValue(`${field}[${name}]`, before.get(name), item, out);
      }
      return;
    }
    if (a.length === b.length) {
      a.forEach((x, i) => diffValue(`${field}[${i}]`, x, b[i], out));
      return;
    }
  }
  out.push({ field, before: a ?? null, after: b ?? null });
}

/** A schedule as the diff compares it: without the next run times, which move with the clock. */
function comparableSchedule(schedule: unknown): unknown {
  if (!isObj(schedule)) return schedule ?? null;
  const { nextRuns: _nextRuns, ...when } = schedule as unknown as ScheduleReport;
  return when;
}

/** A group as the diff compares it: without next run times; a report made before drills existed has none. */
function comparableGroup(g: GroupReport): Obj {
  const { schedule, restoreTest, ...rest } = g;
  const drill = isObj(restoreTest) ? { ...restoreTest, schedule: comparableSchedule(restoreTest.schedule) } : null;
  return { ...rest, schedule: comparableSchedule(schedule), restoreTest: drill };
}

function comparablePosture(r: PostureReport): Obj {
  return {
    postureName: r.postureName,
    description: r.description ?? null,
    stacks: r.stacks.map((s) => ({ name: s.name, resourceCount: s.resourceCount, resourceTypes: s.resourceTypes })),
  };
}

const groupsWord = (n: number) => `${n} ${n === 1 ? 'group' : 'groups'}`;

/** `2 groups changed, 1 added.`, `Posture settings changed.` or `No changes.` */
function summaryLine(changed: number, added: number, removed: number, postureChanged: boolean): string {
  const counts = ([[changed, 'changed'], [added, 'added'], [removed, 'removed']] as const).filter(([n]) => n > 0);
  const parts = counts.map(([n, what], i) => (i === 0 ? `${groupsWord(n)} ${what}` : `${n} ${what}`));
  if (postureChanged) parts.push(parts.length === 0 ? 'Posture settings changed' : 'posture settings changed');
  return parts.length === 0 ? 'No changes.' : `${parts.join(', ')}.`;
}

/** Compares a previous report with the current one. */
export function diffReports(previous: PostureReport, current: PostureReport): ReportDiff {
  const before = new Map(previous.groups.map((g) => [g.name, g]));
  const after = new Set(current.groups.map((g) => g.name));
  const posture: FieldChange[] = [];
  diffValue('', comparablePosture(previous), comparablePosture(current), posture);
  const changed: GroupChange[] = [];
  for (const g of current.groups) {
    const old = before.get(g.name);
    if (old === undefined) continue;
    const changes: FieldChange[] = [];
    diffValue('', comparableGroup(old), comparableGroup(g), changes);
    if (changes.length > 0) changed.push({ name: g.name, changes });
  }
  const added = current.groups.filter((g) => !before.has(g.name));
  const removed = previous.groups.filter((g) => !after.has(g.name));
  return {
    reportVersion: REPORT_VERSION,
    previousNow: previous.now,
    now: current.now,
    postureName: current.postureName,
    summary: summaryLine(changed.length, added.length, removed.length, posture.length > 0),
    posture,
    added,
    removed,
    changed,
  };
}

/** How many items of a list change the Markdown names before it gives only the count. */
export const MARKDOWN_LIST_CHANGE_LIMIT = 10;

function itemList(items: readonly string[]): string {
  const shown = items.slice(0, MARKDOWN_LIST_CHANGE_LIMIT).map(code).join(', ');
  return items.length > MARKDOWN_LIST_CHANGE_LIMIT ? `${shown} and ${items.length - MARKDOWN_LIST_CHANGE_LIMIT} more` : shown;
}

/** A value in a change table: schedules and retention in words, other values as code. */
function valueText(field: string, v: unknown): string {
  if (v === null || v === undefined) return 'none';
  if (field === 'schedule') return scheduleSummary(v as ScheduleReport);
  if (field === 'retention') return retentionSummary(v as RetentionReport);
  if (field === 'lock') return lockSummary(v as LockReport);
  if (field === 'copy') return copySummary(v as CopyReport);
  if (field === 'restoreTest') return restoreTestSummary(v as RestoreTestReport);
  // A checksum tells only that the scripts changed: its first characters are enough to see it.
  if (field.endsWith('Sha256') && typeof v === 'string') return code(v.slice(0, 12));
  return code(isPrimitive(v) ? v as string | number | boolean : JSON.stringify(comparable(v)));
}

function changeTable(changes: readonly FieldChange[]): string[] {
  return table(['Field', 'Before', 'After'], changes.map((c) => (c.added !== undefined || c.removed !== undefined
    ? [code(c.field), c.removed && c.removed.length > 0 ? `removed ${itemList(c.removed)}` : '', c.added && c.added.length > 0 ? `added ${itemList(c.added)}` : '']
    : [code(c.field), valueText(c.field, c.before), valueText(c.field, c.after)])));
}

function groupLine(g: GroupReport): string {
  const parts = [g.os, targetsSummary(g.targets)];
  if (isObj(g.quiesce)) parts.push(quiesceSummary(g.quiesce));
  parts.push(scheduleSummary(g.schedule), retentionSummary(g.retention), restoreTestSummary(g.restoreTest));
  return `- ${code(g.name)}: ${parts.join('; ')}`;
}

/** Marks the comment, so that a CI job can find and update its earlier comment. */
export const DIFF_MARKER = '<!-- app-snapshot-posture-diff -->';

/** The difference as Markdown for a pull-request comment (`posture-diff.md`). */
export function renderDiffMarkdown(d: ReportDiff): string {
  const lines = [DIFF_MARKER, `## Backup posture ${code(d.postureName)}: changes`, '', d.summary, ''];
  if (d.posture.length > 0) lines.push('### Posture', '', ...changeTable(d.posture), '');
  if (d.added.length > 0) lines.push('### Added groups', '', ...d.added.map(groupLine), '');
  if (d.removed.length > 0) lines.push('### Removed groups', '', ...d.removed.map(groupLine), '');
  if (d.changed.length > 0) {
    lines.push('### Changed groups', '');
    for (const g of d.changed) lines.push(`#### ${code(g.name)}`, '', ...changeTable(g.changes), '');
  }
  lines.push(`Compared with the report of ${code(d.previousNow)}; next run times are left out of the comparison. Details: posture.md and posture-diff.json.`);
  return `${lines.join('\n')}\n`;
}
