import { CopyReport, ExecutionRoleReport, GroupReport, InstanceRoleReport, LockReport, PolicyReport, PostureReport, QuiesceReport, RestoreTestReport, RetentionReport, ScheduleReport, TargetsReport } from './report';

/** How many instance ids the Markdown lists before it gives only the count of the rest. */
export const MARKDOWN_INSTANCE_ID_LIMIT = 5;

/** Inline code that survives any content (a backtick inside gets a longer fence). */
export function code(text: string | number | boolean): string {
  const s = String(text);
  const longest = Math.max(0, ...(s.match(/`+/g) ?? []).map((m) => m.length));
  const fence = '`'.repeat(longest + 1);
  return longest > 0 ? `${fence} ${s} ${fence}` : `${fence}${s}${fence}`;
}

/** Plain text with the characters Markdown would read as markup escaped. */
export function plain(text: string): string {
  return text
    .replace(/([\\`*[\]<>|#])/g, '\\$1')
    // `_` inside a word (New_York) is not emphasis in GitHub Markdown; elsewhere it may be.
    .replace(/(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])/g, '\\_')
    .replace(/\s*\n\s*/g, ' ');
}

/** A table row; `|` inside a cell is escaped (GitHub reads `\|` as a pipe even in code). */
export function tableRow(cells: readonly string[]): string {
  return `| ${cells.map((c) => c.replace(/(?<!\\)\|/g, '\\|')).join(' | ')} |`;
}

/** A table: header row, separator, rows. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  return [tableRow(header), `|${header.map(() => '---').join('|')}|`, ...rows.map(tableRow)];
}

const capitalized = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const yesNo = (b: boolean) => (b ? 'yes' : 'no');
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The group's instances in a few words. */
export function targetsSummary(t: TargetsReport): string {
  if (t.by === 'tags') {
    return `instances tagged ${Object.entries(t.tags).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => code(`${k}=${v}`)).join(', ')}`;
  }
  return plural(t.count, 'instance');
}

function targetsDetail(t: TargetsReport): string {
  if (t.by === 'tags') return targetsSummary(t);
  const shown = t.instanceIds.slice(0, MARKDOWN_INSTANCE_ID_LIMIT).map(code).join(', ');
  const rest = t.count - Math.min(t.count, MARKDOWN_INSTANCE_ID_LIMIT);
  return `${plural(t.count, 'instance')}: ${shown}${rest > 0 ? ` and ${rest} more (all of them in posture.json)` : ''}`;
}

/** How the applications are quiesced, in a few words. */
export function quiesceSummary(q: QuiesceReport): string {
  if (q.vssWriters !== null) return q.vssWriters ? 'VSS with writers' : 'VSS without writers';
  const parts = [q.scripts ? `${code(q.scripts.kind)} scripts` : 'no scripts'];
  if (q.fsFreeze !== null) parts.push(q.fsFreeze ? 'fs freeze' : 'no fs freeze');
  if (q.timeoutSeconds !== null) parts.push(`${q.timeoutSeconds} s pause`);
  return parts.join(', ');
}

/** The clean-up in a few words. */
export function retentionSummary(r: RetentionReport | null): string {
  if (r === null) return 'no clean-up';
  const parts: string[] = [];
  if (r.keepLast !== null) parts.push(`keep the last ${r.keepLast}`);
  if (r.maxAgeDays !== null) parts.push(`delete after ${plural(r.maxAgeDays, 'day')}`);
  if (r.maxDeletesPerRun !== null) parts.push(`at most ${r.maxDeletesPerRun} deletions a run`);
  if (r.dryRun === true) parts.push('dry run (lists, deletes nothing)');
  if (r.deleteOrphans === true && r.orphanRetentionDays !== null) parts.push(`groups of deleted instances after ${plural(r.orphanRetentionDays, 'day')}`);
  return parts.length > 0 ? parts.join(', ') : 'clean-up with its defaults';
}

/** The lock in a few words. */
export function lockSummary(l: LockReport | null | undefined): string {
  if (!l) return 'not locked';
  const coolOff = l.coolOffHours > 0 ? ` after ${plural(l.coolOffHours, 'hour')} of cool-off` : '';
  return `each application-consistent group locked ${plural(l.days, 'day')}${coolOff} (compliance mode: nobody can delete it meanwhile)`;
}

/** The copies in a few words. */
export function copySummary(c: CopyReport | null | undefined): string {
  if (!c) return 'not copied';
  const regions = c.regions.map((r) => `${code(r)}${c.encryptedRegions.includes(r) ? ' (encrypted)' : ''}`).join(', ');
  return `the newest application-consistent${c.requireVerified ? ' and drill-verified' : ''} group to ${regions}, kept ${plural(c.retentionDays, 'day')} by ECS, at most ${c.maxInFlight} in flight (${code(c.templateName)})`;
}

/** The restore drill in a few words. */
export function restoreTestSummary(r: RestoreTestReport | null | undefined): string {
  if (r === null || r === undefined) return 'no drill';
  return `${code(r.check.kind)} check on ${code(r.scratchInstanceId)}, ${r.schedule === null ? 'run by hand' : plain(r.schedule.description)}`;
}

function restoreTestLines(r: RestoreTestReport | null | undefined): string[] {
  if (r === null || r === undefined) return ['### Restore drill', '', 'None declared: the snapshots are not restored on a schedule.'];
  const options = Object.entries(r.check.options).map(([k, v]) => `${k} ${code(v)}`);
  const lines = [
    '### Restore drill',
    '',
    `Template ${code(r.templateName)}: restores the newest application-consistent group of ${r.source === 'random' ? 'a different instance each run' : code(r.source)}`
      + ` to disks on the scratch instance ${code(r.scratchInstanceId)}, runs the ${code(r.check.kind)} check${options.length > 0 ? ` (${options.join(', ')})` : ''}`
      + ` within ${plural(r.timeoutMinutes, 'minute')}, and fails when that group is older than ${plural(r.maxAgeHours, 'hour')}.`
      + ` The disks are deleted after each drill${r.diskDeletionTagCondition ? '; the execution role deletes only disks carrying the drill\'s tag' : ''}.`,
    '',
  ];
  if (r.schedule === null) return [...lines, 'No schedule: the drill runs when its template is executed.'];
  return [...lines, ...scheduleLines(r.schedule).slice(2)];
}

/** The schedule in a few words. */
export function scheduleSummary(s: ScheduleReport | null): string {
  return s === null ? 'no schedule' : plain(s.description);
}

function scheduleLines(s: ScheduleReport | null): string[] {
  if (s === null) return ['### Schedule', '', 'No schedule: executions are started by hand or by a pipeline.'];
  const lines = [
    '### Schedule',
    '',
    `${capitalized(plain(s.description))}.`,
    '',
    `${s.type} ${code(s.expression)}, time zone ${code(s.timeZone)}, end date ${code(s.endDate)}${s.templateName ? `, template ${code(s.templateName)}` : ''}.`,
    '',
  ];
  if (s.nextRuns.length === 0) {
    return [...lines, 'No run after the report\'s instant (the end date has passed).'];
  }
  lines.push(`Next ${plural(s.nextRuns.length, 'run')}${s.type === 'rate' ? ' (counted from the report\'s instant; OOS counts from the start of the execution)' : ''}:`, '');
  lines.push(...table(['UTC', `Local (${s.timeZone})`], s.nextRuns.map((r) => [code(r.utc), code(r.local)])));
  return lines;
}

function policyLines(policies: readonly PolicyReport[]): string[] {
  const lines: string[] = [];
  for (const p of policies) {
    // A condition column only where a statement has a condition.
    const conditions = p.statements.some((s) => s.condition !== null);
    lines.push('', `Policy ${code(p.name)} (${p.attachedAs === 'inline' ? 'in the role' : 'a managed policy attached to the role'}):`, '');
    lines.push(...table(['Effect', 'Actions', 'Resources', ...(conditions ? ['Condition'] : [])], p.statements.map((s) => [
      s.effect, s.actions.map(code).join(', '), s.resources.map(code).join(', '), ...(conditions ? [s.condition === null ? '' : code(s.condition)] : []),
    ])));
  }
  return lines;
}

function trust(services: readonly string[]): string {
  return services.length === 0 ? 'no trust policy in the stack' : `trusted service ${services.map(code).join(', ')}`;
}

function instanceRoleLines(r: InstanceRoleReport): string[] {
  const attach = {
    stack: `attached by the stack to ${plural(r.attachedInstances ?? 0, 'instance')}`,
    enrollment: 'attached by the enrollment template to tag-selected instances that hold no role',
    none: 'not attached by the stack (the instances already hold it)',
  }[r.attachment];
  const origin = r.created ? `created by the stack, ${trust(r.trustedServices)}` : 'an existing role (the stack attaches the policy to it)';
  return [`### Instance role ${code(r.name)}`, '', `${capitalized(origin)}; ${attach}.`, ...policyLines(r.policies)];
}

function executionRoleLines(r: ExecutionRoleReport): string[] {
  if (r.name === null) return ['### OOS execution role', '', 'None: executions run as the identity that starts them.'];
  const heading = [`### OOS execution role ${code(r.name)}`, ''];
  if (!r.created) return [...heading, 'Not created by the stack: a role of your own, named as the templates\' `OOSAssumeRole`.'];
  return [...heading, `Created by the stack, ${trust(r.trustedServices)}.`, ...policyLines(r.policies)];
}

function groupSection(g: GroupReport): string[] {
  const q = g.quiesce;
  const quiesce = q.vssWriters !== null
    ? `VSS ${q.vssWriters ? 'with' : 'without'} writers`
    : [
      q.scripts ? `scripts ${code(q.scripts.kind)} (prescript sha256 ${code(q.scripts.prescriptSha256.slice(0, 12))}, postscript ${code(q.scripts.postscriptSha256.slice(0, 12))})` : 'no scripts',
      `file-system freeze ${q.fsFreeze ? 'on' : 'off'}`,
      `I/O pause timeout ${q.timeoutSeconds} s`,
    ].join('; ');
  const snapshot = [`name ${code(g.snapshot.name)}`];
  if (g.snapshot.description !== null) snapshot.push(`description "${plain(g.snapshot.description)}"`);
  if (g.snapshot.excludeDiskIds.length > 0) snapshot.push(`excluding ${g.snapshot.excludeDiskIds.map(code).join(', ')}`);
  return [
    `## Group ${code(g.name)}`,
    '',
    `- **OS:** ${g.os}`,
    `- **Targets:** ${targetsDetail(g.targets)}`,
    `- **Quiesce:** ${quiesce}`,
    `- **Application consistency required:** ${yesNo(g.requireAppConsistent)}${g.requireAppConsistent ? ' (a run fails unless the snapshot is application-consistent)' : ' (a file-system-consistent snapshot is accepted)'}`,
    `- **Snapshot group:** ${snapshot.join(', ')}`,
    `- **Retention:** ${retentionSummary(g.retention)}`,
    `- **Lock:** ${lockSummary(g.lock)}`,
    `- **Copies:** ${copySummary(g.copy)}`,
    `- **Restore drill:** ${restoreTestSummary(g.restoreTest)}`,
    `- **Rate control:** concurrency ${g.rateControl.concurrency}, max errors ${g.rateControl.maxErrors}, plugin deadline ${g.rateControl.pluginDeadlineSeconds} s`,
    `- **Automation:** ${code(g.automation.templateName)} (per instance ${code(g.automation.instanceTemplateName)})`,
    '',
    ...scheduleLines(g.schedule),
    '',
    ...restoreTestLines(g.restoreTest),
    '',
    ...instanceRoleLines(g.instanceRole),
    '',
    ...executionRoleLines(g.executionRole),
    '',
  ];
}

/** The report as Markdown (`posture.md`). */
export function renderReportMarkdown(r: PostureReport): string {
  const lines = [
    `# Backup posture ${code(r.postureName)}`,
    '',
    ...(r.description !== null ? [plain(r.description), ''] : []),
    `Posture file ${code(r.postureFile)}. Next run times are counted from ${code(r.now)} (${r.nowSource === 'option' ? 'given with --now' : 'the clock when the report was made'}).`,
    '',
    ...table(['Stack', 'Resources'], r.stacks.map((s) => [code(s.name), String(s.resourceCount)])),
    '',
    ...table(['Group', 'OS', 'Targets', 'Quiesce', 'App-consistent required', 'Schedule', 'Retention', 'Restore drill'], r.groups.map((g) => [
      code(g.name), g.os, targetsSummary(g.targets), quiesceSummary(g.quiesce), yesNo(g.requireAppConsistent), scheduleSummary(g.schedule), retentionSummary(g.retention),
      restoreTestSummary(g.restoreTest),
    ])),
    '',
    ...r.groups.flatMap(groupSection),
  ];
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}
