import { caseInsensitiveMatch, childPath, finding, isMap, lenient, show, TaskView, tasksOf } from '../template-model';
import { Finding, LintRule, RuleContext } from '../types';

const RULE = 'transitions';

/** Transition targets that are not tasks: stop the execution, or go on with the next task. */
export const OOS_TRANSITION_KEYWORDS = ['ACS::END', 'ACS::NEXT'];

/** OnError, OnSuccess and ACS::Choice targets name a task of the template, ACS::END or ACS::NEXT. */
export const transitionsRule: LintRule = {
  id: RULE,
  summary: 'OnError, OnSuccess and ACS::Choice DefaultTask/NextTask name a task of the template, ACS::END or ACS::NEXT',
  check: (template, context) => {
    const tasks = tasksOf(template.root);
    const names = tasks.flatMap((t) => (t.name === undefined ? [] : [t.name]));
    const findings: Finding[] = [];
    for (const task of tasks) {
      for (const key of ['OnError', 'OnSuccess']) {
        if (task.node[key] !== undefined) {
          findings.push(...checkTarget(task.node[key], childPath(task.path, key), names, context));
        }
      }
      findings.push(...checkChoice(task, names, context));
    }
    return findings;
  },
};

function checkChoice(task: TaskView, names: string[], context: RuleContext): Finding[] {
  if (task.action?.toLowerCase() !== 'acs::choice') {
    return [];
  }
  const findings: Finding[] = [];
  const properties = childPath(task.path, 'Properties');
  if (task.properties.DefaultTask !== undefined) {
    findings.push(...checkTarget(task.properties.DefaultTask, childPath(properties, 'DefaultTask'), names, context));
  }
  const choices = task.properties.Choices;
  if (Array.isArray(choices)) {
    choices.forEach((choice, i) => {
      if (isMap(choice) && choice.NextTask !== undefined) {
        findings.push(...checkTarget(choice.NextTask, childPath(childPath(childPath(properties, 'Choices'), i), 'NextTask'), names, context));
      }
    });
  }
  return findings;
}

function checkTarget(target: unknown, path: string, names: string[], context: RuleContext): Finding[] {
  if (typeof target !== 'string') {
    return [finding(RULE, 'error', path, `must be a task name, ACS::END or ACS::NEXT, not ${show(target)}`)];
  }
  if (target.includes('{{')) {
    // Chosen at run time: nothing to check here.
    return [];
  }
  if (names.includes(target) || OOS_TRANSITION_KEYWORDS.includes(target)) {
    return [];
  }
  const near = caseInsensitiveMatch([...names, ...OOS_TRANSITION_KEYWORDS], target);
  if (near !== undefined) {
    return [finding(RULE, lenient(context), path, `\`${target}\` matches \`${near}\` only when case is ignored`)];
  }
  return [finding(RULE, 'error', path,
    `\`${target}\` is neither a task of the template nor ACS::END / ACS::NEXT: the execution cannot go on from here`)];
}
