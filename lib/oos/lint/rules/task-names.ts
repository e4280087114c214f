import { childPath, finding, show, tasksOf } from '../template-model';
import { Finding, LintRule } from '../types';

const RULE = 'task-names';

/** The longest task name OOS accepts. */
export const TASK_NAME_MAX_LENGTH = 200;

/** Every task has a valid name that no other task has, even once case is ignored. */
export const taskNamesRule: LintRule = {
  id: RULE,
  summary: `every task has a Name of letters, digits, \`_\` and \`-\` (at most ${TASK_NAME_MAX_LENGTH}), unique even ignoring case`,
  check: (template) => {
    const findings: Finding[] = [];
    const seen = new Map<string, string>();
    for (const task of tasksOf(template.root)) {
      const path = childPath(task.path, 'Name');
      if (task.name === undefined) {
        findings.push(finding(RULE, 'error', path, `every task needs a Name (got ${show(task.node.Name)}): transitions, references and execution logs use it`));
        continue;
      }
      if (!/^[A-Za-z0-9_-]+$/.test(task.name) || task.name.length > TASK_NAME_MAX_LENGTH) {
        findings.push(finding(RULE, 'error', path,
          `\`${task.name}\` is not a valid task name (1 to ${TASK_NAME_MAX_LENGTH} letters, digits, \`_\` and \`-\`): OOS rejects the template`));
      }
      const earlier = seen.get(task.name.toLowerCase());
      if (earlier !== undefined) {
        findings.push(finding(RULE, 'error', path, earlier === task.name
          ? `\`${task.name}\` names an earlier task too: transitions and references to it would be ambiguous`
          : `\`${task.name}\` differs from the earlier task \`${earlier}\` only in case, and OOS matches references without regard to case: they would be ambiguous`));
      } else {
        seen.set(task.name.toLowerCase(), task.name);
      }
    }
    return findings;
  },
};
