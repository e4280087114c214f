import { code, plain, table } from '../posture/report-markdown';
import { AuditReport, Finding, GroupAuditReport, InstanceAuditReport, RpoReport, tagText } from './evaluate';

/**
 * `audit.md`: the audit for people, in the style of the posture report. The per-instance table
 * is built from {@link INSTANCE_COLUMNS}, so that a later check (such as snapshot locks) adds a
 * column in one place.
 */

/** A column of the per-instance table: its header and its cell. */
export interface InstanceColumn {
  readonly header: string;
  readonly cell: (i: InstanceAuditReport, g: GroupAuditReport) => string;
}

const yesNo = (b: boolean) => (b ? 'yes' : 'no');
const age = (h: number | null) => (h === null ? 'unknown' : `${h} h`);

/** The columns of each group's instance table, in order. */
export const INSTANCE_COLUMNS: readonly InstanceColumn[] = [
  { header: 'Instance', cell: (i) => `${code(i.instanceId)}${i.instanceStatus === null ? '' : ` (${i.instanceStatus})`}` },
  { header: 'Newest snapshot group', cell: (i) => (i.newest === null ? 'none' : code(i.newest.snapshotGroupId)) },
  { header: 'Status', cell: (i) => i.newest?.status ?? '' },
  { header: 'Consistency', cell: (i) => (i.newest === null ? '' : i.newest.appConsistent ? 'application' : i.newest.fsConsistent ? 'file system' : 'not tagged') },
  { header: 'Drill', cell: (i) => (i.newest?.drill ? `verified ${code(i.newest.drill.verifiedAt)}${i.newest.drill.restoreSeconds === null ? '' : `, restore ${i.newest.drill.restoreSeconds} s`}` : '') },
  { header: 'Age', cell: (i) => (i.newest === null ? '' : age(i.newest.ageHours)) },
  { header: 'Newest usable (age)', cell: (i) => (i.newestUsable === null ? 'none' : `${code(i.newestUsable.snapshotGroupId)} (${age(i.newestUsable.ageHours)})`) },
  { header: 'Within RPO', cell: (i) => (i.withinRpo === null ? 'no RPO' : yesNo(i.withinRpo)) },
  { header: 'Findings', cell: (i) => i.findings.map((f) => code(f.code)).join(', ') },
];

/** The RPO in words, with where it comes from. */
export function rpoText(r: RpoReport): string {
  if (r.source === 'posture') return `${r.hours} h (rpoHours)`;
  if (r.source === 'schedule') return `${r.hours} h (the schedule's longest gap ${r.longestGapHours} h + margin ${r.marginHours} h)`;
  return 'none (no rpoHours and no recurring schedule): age not judged';
}

function findingLine(f: Finding): string {
  const where = [f.instanceId ? code(f.instanceId) : '', f.snapshotGroupId ? code(f.snapshotGroupId) : ''].filter((x) => x !== '').join(' ');
  return `- ${code(f.code)} group ${code(f.group)}${where ? ` ${where}` : ''}: ${plain(f.message)}`;
}

function groupSection(g: GroupAuditReport): string[] {
  const targets = g.targets.by === 'tags' ? `instances tagged ${code(tagText(g.targets.tags))}` : `${g.targets.instanceIds.length} instance(s) by id`;
  return [
    `## Group ${code(g.name)}: ${g.compliant ? 'compliant' : 'findings'}`,
    '',
    `- **OS:** ${g.os}; **targets:** ${targets}; **application consistency required:** ${yesNo(g.requireAppConsistent)}`,
    `- **Schedule:** ${g.schedule === null ? 'none' : plain(g.schedule)}`,
    `- **RPO:** ${rpoText(g.rpo)}`,
    ...g.findings.map(findingLine),
    '',
    ...(g.instances.length === 0 ? ['No instance.'] : table(INSTANCE_COLUMNS.map((c) => c.header), g.instances.map((i) => INSTANCE_COLUMNS.map((c) => c.cell(i, g))))),
    '',
  ];
}

/** The audit as Markdown. */
export function renderAuditMarkdown(r: AuditReport): string {
  const s = r.summary;
  const lines = [
    `# Backup audit of posture ${code(r.postureName)}: ${r.compliant ? 'compliant' : `${s.findings} finding(s)`}`,
    '',
    `Posture file ${code(r.postureFile)}, region ${code(r.regionId)}, at ${code(r.now)} (${r.nowSource === 'option' ? 'given with --now' : 'the clock when the audit ran'}).`,
    `${s.compliantGroups} of ${s.groups} group(s) and ${s.compliantInstances} of ${s.instances} instance(s) comply; ${s.orphanedGroups} orphaned group name(s).`,
    '',
    ...table(['Group', 'RPO', 'Instances', 'Compliant', 'Findings'], r.groups.map((g) => [
      code(g.name), g.rpo.hours === null ? 'none' : `${g.rpo.hours} h`, String(g.instances.length), yesNo(g.compliant),
      String(g.findings.length + g.instances.reduce((n, i) => n + i.findings.length, 0)),
    ])),
    '',
    ...r.groups.flatMap(groupSection),
    '## Snapshot groups of groups no longer in the posture',
    '',
    ...(r.orphans.length === 0 ? ['None.'] : table(['Group (tag)', 'Snapshot groups', 'Instances', 'Newest'], r.orphans.map((o) => [
      code(o.group), `${o.snapshotGroupIds.length}: ${o.snapshotGroupIds.slice(0, 5).map(code).join(', ')}${o.snapshotGroupIds.length > 5 ? ' ...' : ''}`,
      o.instanceIds.map(code).join(', '), o.newestCreationTime === null ? 'unknown' : code(o.newestCreationTime),
    ]))),
    '',
    '## Findings',
    '',
    ...(r.findings.length === 0 ? ['None: every group complies.'] : r.findings.map(findingLine)),
  ];
  return `${lines.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`;
}
