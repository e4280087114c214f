import { jqSubsetProblems } from '../jq-subset';
import { childPath, finding, isMap, isRosToken, lenient, mapAt, tasksOf } from '../template-model';
import { Finding, LintRule, RuleContext } from '../types';

const RULE = 'jq-subset';

/**
 * Selectors keep to the jq that Alibaba's public templates use (see ../jq-subset.ts): OOS does not
 * document its jq version, so a builtin or construct they never use may not exist, or behave
 * otherwise, where the template runs. A warning on a template of someone else's, an error in
 * strict mode (the package's own templates).
 */
export const jqSubsetRule: LintRule = {
  id: RULE,
  summary: 'ValueSelector, PropertySelector and Fn::Jq expressions use only the jq builtins, keywords and syntax of Alibaba\'s public templates (OOS does not document its jq version)',
  check: (template, context) => {
    const findings: Finding[] = [];
    for (const task of tasksOf(template.root)) {
      check(task.properties.PropertySelector, childPath(childPath(task.path, 'Properties'), 'PropertySelector'), context, findings);
      for (const [name, output] of Object.entries(mapAt(task.node, 'Outputs'))) {
        if (isMap(output)) check(output.ValueSelector, childPath(childPath(childPath(task.path, 'Outputs'), name), 'ValueSelector'), context, findings);
      }
    }
    forEachJq(template.root, '', (expression, path) => check(expression, path, context, findings));
    return findings;
  },
};

function check(selector: unknown, path: string, context: RuleContext, findings: Finding[]): void {
  if (typeof selector !== 'string' || isRosToken(selector)) return;
  const problems = jqSubsetProblems(selector);
  if (problems.length > 0) {
    findings.push(finding(RULE, lenient(context), path,
      `uses ${problems.join(', ')}, which Alibaba's public templates never do: OOS does not document its jq version, so it may not run there`));
  }
}

/** Calls `visit` with the expression of every `Fn::Jq: [method, expression, value]` in a value. */
function forEachJq(value: unknown, path: string, visit: (expression: unknown, path: string) => void): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => forEachJq(item, childPath(path, i), visit));
  } else if (isMap(value)) {
    for (const [key, item] of Object.entries(value)) {
      if (key === 'Fn::Jq' && Array.isArray(item) && item.length >= 2) visit(item[1], childPath(childPath(path, key), 1));
      forEachJq(item, childPath(path, key), visit);
    }
  }
}
