import { isWholeReference } from '../reference-resolver';
import { caseInsensitiveMatch, childPath, finding, isFunctionCall, isLiteral, isMap, isRosToken, lenient, mapAt, show, TaskView, tasksOf } from '../template-model';
import { Finding, JsonMap, LintRule, RuleContext } from '../types';
import { isLoopableAction } from '../actions/catalogue';

const RULE = 'loop';

/** The most items a loop may have. */
export const LOOP_MAX_ITEMS = 1000;

/** The keys of a Loop: the documented ones, and the rate-control keys older templates put there directly. */
const LOOP_KEYS = ['Items', 'RateControl', 'Outputs', 'Mode', 'MaxErrors', 'Concurrency', 'BatchPauseOption'];
const RATE_CONTROL_KEYS = ['Mode', 'MaxErrors', 'Concurrency', 'Batch', 'ConcurrencyInBatches', 'BatchPauseOption'];
const RATE_CONTROL_MODES = ['Concurrency', 'Batch'];
/** The aggregate functions documented and used for loop outputs. */
const AGGREGATE_TYPES = ['Fn::ListJoin', 'Fn::Sum'];

/** A Loop has items, a valid rate control and outputs that aggregate the task's own outputs, on an action that can loop. */
export const loopRule: LintRule = {
  id: RULE,
  summary: `a Loop has Items (a list of at most ${LOOP_MAX_ITEMS}, a reference or a function), a rate control of mode Concurrency or Batch, Outputs aggregating the task's own outputs, and sits on an action that can loop`,
  check: (template, context) => tasksOf(template.root).filter((t) => t.loops).flatMap((task) => checkLoop(task, context)),
};

function checkLoop(task: TaskView, context: RuleContext): Finding[] {
  const path = childPath(task.path, 'Loop');
  const loop = task.node.Loop;
  if (!isMap(loop)) {
    return [finding(RULE, 'error', path, `must be a mapping with Items, not ${show(loop)}`)];
  }
  const findings: Finding[] = [];
  if (task.action !== undefined && !isLoopableAction(task.action)) {
    findings.push(finding(RULE, 'error', path, `${task.action} is a functional action, and OOS does not loop those (only API and cloud-product actions)`));
  }
  for (const key of Object.keys(loop).filter((k) => !LOOP_KEYS.includes(k))) {
    findings.push(finding(RULE, lenient(context), childPath(path, key), `\`${key}\` is not a Loop key (${LOOP_KEYS.join(', ')}): it is ignored`));
  }
  findings.push(...checkItems(loop.Items, childPath(path, 'Items')));
  if (loop.RateControl !== undefined) {
    findings.push(...checkRateControl(loop.RateControl, childPath(path, 'RateControl'), context));
  }
  findings.push(...checkAggregates(loop, task, path, context));
  return findings;
}

function checkItems(items: unknown, path: string): Finding[] {
  if (items === undefined) {
    return [finding(RULE, 'error', path, 'missing: a Loop needs the Items it iterates over')];
  }
  if (Array.isArray(items)) {
    if (items.length === 0) {
      return [finding(RULE, 'error', path, 'an empty list: the task would run for nothing')];
    }
    return items.length > LOOP_MAX_ITEMS
      ? [finding(RULE, 'error', path, `${items.length} items, more than the ${LOOP_MAX_ITEMS} OOS allows in a loop`)]
      : [];
  }
  if ((typeof items === 'string' && isWholeReference(items)) || isFunctionCall(items) || isRosToken(items)) {
    return [];
  }
  return [finding(RULE, 'error', path, `${show(items)} is not a list, a {{ reference }} to one or a function returning one: there is nothing to iterate`)];
}

function checkRateControl(rateControl: unknown, path: string, context: RuleContext): Finding[] {
  if (typeof rateControl === 'string') {
    return isWholeReference(rateControl) || isRosToken(rateControl)
      ? []
      : [finding(RULE, 'error', path, `${show(rateControl)} is neither a rate-control mapping nor a {{ reference }} to one`)];
  }
  if (isFunctionCall(rateControl)) {
    return [];
  }
  if (!isMap(rateControl)) {
    return isRosToken(rateControl) ? [] : [finding(RULE, 'error', path, `must be a mapping with Mode, not ${show(rateControl)}`)];
  }
  const findings: Finding[] = [];
  for (const key of Object.keys(rateControl).filter((k) => !RATE_CONTROL_KEYS.includes(k))) {
    findings.push(finding(RULE, lenient(context), childPath(path, key), `\`${key}\` is not a rate-control key (${RATE_CONTROL_KEYS.join(', ')})`));
  }
  const mode = rateControl.Mode;
  if (mode === undefined) {
    findings.push(finding(RULE, 'error', childPath(path, 'Mode'), `missing: the rate control needs a Mode (${RATE_CONTROL_MODES.join(' or ')})`));
  } else if (isLiteral(mode) && !RATE_CONTROL_MODES.includes(String(mode))) {
    findings.push(finding(RULE, 'error', childPath(path, 'Mode'), `${show(mode)} is not a rate-control mode (${RATE_CONTROL_MODES.join(' or ')})`));
  }
  return findings;
}

function checkAggregates(loop: JsonMap, task: TaskView, path: string, context: RuleContext): Finding[] {
  const findings: Finding[] = [];
  const taskOutputs = Object.keys(mapAt(task.node, 'Outputs'));
  for (const [name, aggregate] of Object.entries(mapAt(loop, 'Outputs'))) {
    const at = childPath(childPath(path, 'Outputs'), name);
    if (!isMap(aggregate)) {
      findings.push(finding(RULE, 'error', at, `a loop output must be a mapping with AggregateType and AggregateField, not ${show(aggregate)}`));
      continue;
    }
    const type = aggregate.AggregateType;
    if (typeof type !== 'string' || !type.startsWith('Fn::')) {
      findings.push(finding(RULE, 'error', childPath(at, 'AggregateType'), `must name an aggregate function such as ${AGGREGATE_TYPES.join(' or ')}, not ${show(type)}`));
    } else if (!AGGREGATE_TYPES.includes(type)) {
      findings.push(finding(RULE, lenient(context), childPath(at, 'AggregateType'), `${type} is not an aggregate function the checker knows (${AGGREGATE_TYPES.join(', ')})`));
    }
    const field = aggregate.AggregateField;
    if (typeof field !== 'string' || !taskOutputs.includes(field)) {
      const near = typeof field === 'string' ? caseInsensitiveMatch(taskOutputs, field) : undefined;
      const fieldPath = childPath(at, 'AggregateField');
      if (near !== undefined) {
        findings.push(finding(RULE, lenient(context), fieldPath, `\`${field}\` matches the task output \`${near}\` only when case is ignored`));
      } else if (taskOutputs.length === 0 && typeof field === 'string') {
        // Published templates aggregate fields of an action's own result that the task does not declare.
        findings.push(finding(RULE, lenient(context), fieldPath,
          `the task declares no Outputs, so the checker cannot tell whether its action's result has \`${field}\`: declare it as an output`));
      } else {
        findings.push(finding(RULE, 'error', fieldPath,
          `${show(field)} is not an output of this task (${taskOutputs.join(', ') || 'it has none'}): there is nothing to aggregate`));
      }
    }
  }
  return findings;
}
