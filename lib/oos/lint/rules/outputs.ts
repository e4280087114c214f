import { checkReferencesIn, ReferenceResolver } from '../reference-resolver';
import { childPath, finding, forEachString, isFunctionCall, isMap, mapAt, show, tasksOf } from '../template-model';
import { Finding, LintRule } from '../types';

const RULE = 'outputs';

/** The types of template and task outputs. */
export const OOS_OUTPUT_TYPES = ['String', 'Number', 'Boolean', 'List', 'Json'];

/** Template outputs have a type and a value built from real task outputs; task outputs have a type and a selector. */
export const outputsRule: LintRule = {
  id: RULE,
  summary: 'template Outputs have a Type and a Value whose references are parameters or outputs of tasks; task Outputs have a Type and a ValueSelector',
  check: (template, context) => {
    const root = template.root;
    const resolver = new ReferenceResolver(root);
    const tasks = tasksOf(root);
    const findings: Finding[] = [];
    for (const [name, output] of Object.entries(mapAt(root, 'Outputs'))) {
      const path = childPath('Outputs', name);
      if (!isMap(output)) {
        findings.push(finding(RULE, 'error', path, `an output must be a mapping with Type and Value, not ${show(output)}`));
        continue;
      }
      findings.push(...checkType(output.Type, childPath(path, 'Type')));
      if (output.Value === undefined) {
        findings.push(finding(RULE, 'error', childPath(path, 'Value'), 'missing: an output without a Value reports nothing'));
      }
      forEachString(output.Value, childPath(path, 'Value'), (text, at) => {
        findings.push(...checkReferencesIn(text, at, { taskIndex: tasks.length, inLoop: false }, resolver, RULE, context));
      });
    }
    for (const task of tasks) {
      for (const [name, output] of Object.entries(mapAt(task.node, 'Outputs'))) {
        const path = childPath(childPath(task.path, 'Outputs'), name);
        if (!isMap(output)) {
          findings.push(finding(RULE, 'error', path, `a task output must be a mapping with Type and ValueSelector, not ${show(output)}`));
          continue;
        }
        if (output.Type !== undefined) {
          findings.push(...checkType(output.Type, childPath(path, 'Type')));
        }
        const selector = output.ValueSelector;
        if (!isFunctionCall(selector) && (typeof selector !== 'string' || selector.trim() === '')) {
          findings.push(finding(RULE, 'error', childPath(path, 'ValueSelector'),
            `must be a jq selector over the action's result (or a function computing the value), not ${show(selector)}: without it the output has no value`));
        }
      }
    }
    return findings;
  },
};

function checkType(type: unknown, path: string): Finding[] {
  return typeof type === 'string' && OOS_OUTPUT_TYPES.includes(type)
    ? []
    : [finding(RULE, 'error', path, `${show(type)} is not an output type (${OOS_OUTPUT_TYPES.join(', ')})`)];
}
