import { checkReferencesIn, ReferenceResolver } from '../reference-resolver';
import { childPath, forEachString, isMap, mapAt, tasksOf } from '../template-model';
import { Finding, LintRule } from '../types';

const RULE = 'references';

/**
 * Every `{{ ref }}` in tasks, the role, parameter defaults and states resolves. Template outputs
 * are the `outputs` rule's.
 */
export const referencesRule: LintRule = {
  id: RULE,
  summary: 'every {{ ref }} in tasks, RamRole, parameter defaults and States is a parameter, an output of an earlier task, the loop item inside a looping task, or an ACS:: built-in',
  check: (template, context) => {
    const root = template.root;
    const resolver = new ReferenceResolver(root);
    const findings: Finding[] = [];
    const visitAt = (taskIndex: number, inLoop: boolean) => (text: string, path: string) => {
      findings.push(...checkReferencesIn(text, path, { taskIndex, inLoop }, resolver, RULE, context));
    };
    forEachString(root.RamRole, 'RamRole', visitAt(0, false));
    for (const [name, definition] of Object.entries(mapAt(root, 'Parameters'))) {
      forEachString(isMap(definition) ? definition.Default : undefined, childPath(childPath('Parameters', name), 'Default'), visitAt(0, false));
    }
    forEachString(root.States, 'States', visitAt(0, false));
    for (const task of tasksOf(root)) {
      for (const [key, value] of Object.entries(task.node)) {
        if (key !== 'Description') {
          // The loop's items are read before any iteration: the loop item does not exist there.
          forEachString(value, childPath(task.path, key), visitAt(task.index, task.loops && key !== 'Loop'));
        }
      }
    }
    return findings;
  },
};
