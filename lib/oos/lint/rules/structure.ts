import { childPath, finding, isMap, lenient, show, tasksOf } from '../template-model';
import { Finding, LintRule, RuleContext } from '../types';
import { OOS_STATE_FORMAT_VERSION } from './format-version';

const RULE = 'structure';

/** The top-level keys of an OOS template. */
const TOP_LEVEL_KEYS = ['FormatVersion', 'Description', 'Parameters', 'RamRole', 'Tasks', 'Outputs', 'Metadata', 'States'];

/** The keys of a task, as OOS documents them and published templates use them. */
const TASK_KEYS = ['Name', 'Action', 'Description', 'Properties', 'Outputs', 'Loop', 'OnError', 'OnSuccess', 'When',
  'Retries', 'Delay', 'DelayType', 'MaxRetryInterval', 'BackOff'];

/** The keys, sections and task shapes are what OOS expects. */
export const structureRule: LintRule = {
  id: RULE,
  summary: 'known top-level keys; Parameters and Outputs are mappings; Tasks (or States) is a non-empty list of tasks with an Action, mapping Properties and Outputs, and known keys',
  check: (template, context) => {
    const root = template.root;
    const findings: Finding[] = [];
    for (const key of Object.keys(root).filter((k) => !TOP_LEVEL_KEYS.includes(k))) {
      findings.push(finding(RULE, lenient(context), key, `\`${key}\` is not a top-level key of OOS templates (${TOP_LEVEL_KEYS.join(', ')}): OOS ignores or rejects it`));
    }
    for (const section of ['Parameters', 'Outputs']) {
      if (root[section] !== undefined && !isMap(root[section])) {
        findings.push(finding(RULE, 'error', section, `must be a mapping of names to definitions, not ${show(root[section])}`));
      }
    }
    if (root.FormatVersion === OOS_STATE_FORMAT_VERSION) {
      if (!Array.isArray(root.States) || root.States.length === 0) {
        findings.push(finding(RULE, 'error', 'States', 'a state template needs a non-empty list of States'));
      }
      return findings;
    }
    if (root.States !== undefined) {
      findings.push(finding(RULE, 'error', 'States', `States belong to ${OOS_STATE_FORMAT_VERSION} templates only`));
    }
    if (!Array.isArray(root.Tasks) || root.Tasks.length === 0) {
      findings.push(finding(RULE, 'error', 'Tasks', 'a template needs a non-empty list of Tasks: without them there is nothing to execute'));
      return findings;
    }
    for (const task of tasksOf(root)) {
      findings.push(...checkTask(root.Tasks[task.index], task.path, context));
    }
    return findings;
  },
};

function checkTask(entry: unknown, path: string, context: RuleContext): Finding[] {
  if (!isMap(entry)) {
    return [finding(RULE, 'error', path, `a task must be a mapping, not ${show(entry)}`)];
  }
  const findings: Finding[] = [];
  if (typeof entry.Action !== 'string' || entry.Action === '') {
    findings.push(finding(RULE, 'error', childPath(path, 'Action'), 'every task needs an Action: OOS cannot tell what to run'));
  }
  for (const key of ['Properties', 'Outputs']) {
    if (entry[key] !== undefined && entry[key] !== null && !isMap(entry[key])) {
      findings.push(finding(RULE, 'error', childPath(path, key), `must be a mapping, not ${show(entry[key])}`));
    }
  }
  for (const key of Object.keys(entry).filter((k) => !TASK_KEYS.includes(k))) {
    findings.push(finding(RULE, lenient(context), childPath(path, key),
      `\`${key}\` is not a task key OOS knows (${TASK_KEYS.join(', ')}): a misspelt key is silently ignored`));
  }
  return findings;
}
