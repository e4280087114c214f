import { ActionSpec } from '../actions/action-spec';
import { findAction } from '../actions/catalogue';
import { caseInsensitiveMatch, childPath, finding, isLiteral, isMap, lenient, mapAt, show, TaskView, tasksOf } from '../template-model';
import { Finding, LintRule, RuleContext } from '../types';

const RULE = 'action-properties';

/** Each task's action is known and its properties are the action's: required ones set, values allowed. */
export const actionPropertiesRule: LintRule = {
  id: RULE,
  summary: 'the action is one the checker knows; required properties are set, no unknown ones, literal values among the allowed ones; ACS::Choice choices are well-formed; selectors on cloud-product actions name their outputs',
  check: (template, context) => tasksOf(template.root).flatMap((task) => {
    if (task.action === undefined) {
      return [];
    }
    const action = findAction(task.action);
    if (!action) {
      return [finding(RULE, lenient(context), childPath(task.path, 'Action'),
        `${task.action} is not an action the checker knows, so its properties are not checked (a misspelt action fails the execution)`)];
    }
    return [
      ...checkProperties(task, action, context),
      ...checkChoices(task, action),
      ...checkOutputSelectors(task, action, context),
    ];
  }),
};

function checkProperties(task: TaskView, action: ActionSpec, context: RuleContext): Finding[] {
  const findings: Finding[] = [];
  const path = childPath(task.path, 'Properties');
  const given = Object.keys(task.properties);
  for (const [name, property] of Object.entries(action.properties)) {
    if (property.required && !given.includes(name)) {
      const near = caseInsensitiveMatch(given, name);
      findings.push(near !== undefined
        ? finding(RULE, lenient(context), childPath(path, near), `${action.name} spells this property \`${name}\``)
        : finding(RULE, 'error', childPath(path, name), `missing: ${action.name} requires \`${name}\` and fails without it`));
    }
  }
  for (const group of action.requireOneOf ?? []) {
    if (!group.some((name) => given.includes(name))) {
      findings.push(finding(RULE, 'error', path, `${action.name} needs one of ${group.join(', ')}: without them it has nothing to compare the result with`));
    }
  }
  for (const name of given) {
    const property = action.properties[name];
    if (property === undefined) {
      const near = caseInsensitiveMatch(Object.keys(action.properties), name);
      if (near === undefined || !action.properties[near].required || given.includes(near)) {
        // A misspelt required property is reported above, as missing.
        findings.push(finding(RULE, lenient(context), childPath(path, name), near !== undefined
          ? `${action.name} spells this property \`${near}\``
          : `${action.name} has no property \`${name}\` (it has ${Object.keys(action.properties).join(', ') || 'none'}): the value is ignored or refused`));
      }
      continue;
    }
    const value = task.properties[name];
    const allowed = property.allowedValues;
    if (allowed && isLiteral(value) && !allowed.some((a) => a === value || String(a) === String(value))) {
      findings.push(finding(RULE, 'error', childPath(path, name), `${show(value)} is not one of the values ${action.name} allows for \`${name}\`: ${show(allowed)}`));
    }
  }
  return findings;
}

function checkChoices(task: TaskView, action: ActionSpec): Finding[] {
  const choices = task.properties.Choices;
  // A reference, function or token is only known at run time; a list is checked even if its items hold references.
  if (action.name !== 'ACS::Choice' || choices === undefined || (!Array.isArray(choices) && !isLiteral(choices))) {
    return [];
  }
  const path = childPath(childPath(task.path, 'Properties'), 'Choices');
  if (!Array.isArray(choices) || choices.length === 0) {
    return [finding(RULE, 'error', path, `must be a non-empty list of {When, NextTask}, not ${show(choices)}`)];
  }
  return choices.flatMap((choice, i) => ['When', 'NextTask']
    .filter((key) => !isMap(choice) || choice[key] === undefined)
    .map((key) => finding(RULE, 'error', childPath(childPath(path, i), key), `missing: each choice needs a When condition and the NextTask it leads to`)));
}

/** A cloud-product action returns its declared outputs: a selector must start with one of them. */
function checkOutputSelectors(task: TaskView, action: ActionSpec, context: RuleContext): Finding[] {
  const outputs = action.outputs ?? [];
  if (action.kind !== 'cloud-product' || outputs.length === 0) {
    return [];
  }
  const findings: Finding[] = [];
  for (const [name, output] of Object.entries(mapAt(task.node, 'Outputs'))) {
    const selector = isMap(output) ? output.ValueSelector : undefined;
    const head = typeof selector === 'string' ? /^\s*\.?([A-Za-z_][A-Za-z0-9_]*)/.exec(selector) : null;
    if (head && !outputs.includes(head[1])) {
      findings.push(finding(RULE, lenient(context), childPath(childPath(childPath(task.path, 'Outputs'), name), 'ValueSelector'),
        `\`${head[1]}\` is not an output of ${action.name} (${outputs.join(', ')}): the selector yields nothing`));
    }
  }
  return findings;
}
