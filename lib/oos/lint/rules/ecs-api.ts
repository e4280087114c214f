import { isApiCallAction } from '../actions/catalogue';
import { ecsSdkLabel, EcsApiModel, FieldType, findEcsApi } from '../ecs-sdk-model';
import { childPath, finding, isLiteral, isMap, lenient, mapAt, TaskView, tasksOf } from '../template-model';
import { Finding, LintRule, RuleContext } from '../types';
import { pathProblem, plainPathOf } from '../value-selector';

const RULE = 'ecs-api';

/**
 * Parameters OOS takes for every API call whatever the request model says: `RegionId` chooses
 * the endpoint (published templates pass it to APIs whose request has no such field).
 */
const CALL_PARAMETERS = ['RegionId'];

/** ECS calls name a real API, real request fields and response paths that exist. */
export const ecsApiRule: LintRule = {
  id: RULE,
  summary: 'ACS::ExecuteAPI / WaitFor / CheckFor calls to ECS name an API of the ECS SDK (@alicloud/ecs20140526), parameters that are fields of its request, and ValueSelector / PropertySelector paths that exist in its response (plain paths only)',
  check: (template, context) => tasksOf(template.root).filter(callsEcs).flatMap((task) => checkCall(task, context)),
};

function callsEcs(task: TaskView): boolean {
  const service = task.properties.Service;
  return task.action !== undefined && isApiCallAction(task.action) && typeof service === 'string' && service.toLowerCase() === 'ecs';
}

function checkCall(task: TaskView, context: RuleContext): Finding[] {
  const api = task.properties.API;
  const properties = childPath(task.path, 'Properties');
  if (typeof api !== 'string' || !isLiteral(api)) {
    return [];
  }
  const found = findEcsApi(api);
  if (!found) {
    return [finding(RULE, 'error', childPath(properties, 'API'), `ECS has no API \`${api}\` (per ${ecsSdkLabel()}): the call fails`)];
  }
  const findings: Finding[] = [];
  if (found.match === 'case') {
    findings.push(finding(RULE, lenient(context), childPath(properties, 'API'), `the ECS API is spelt \`${found.model.name}\``));
  }
  const parameters = task.properties.Parameters;
  if (isMap(parameters)) {
    for (const [name, value] of Object.entries(parameters)) {
      findings.push(...checkParameter(found.model, name, value, childPath(childPath(properties, 'Parameters'), name), context));
    }
  }
  const selectors: Array<[unknown, string]> = [[task.properties.PropertySelector, childPath(properties, 'PropertySelector')]];
  for (const [name, output] of Object.entries(mapAt(task.node, 'Outputs'))) {
    selectors.push([isMap(output) ? output.ValueSelector : undefined, childPath(childPath(childPath(task.path, 'Outputs'), name), 'ValueSelector')]);
  }
  for (const [selector, path] of selectors) {
    const steps = typeof selector === 'string' ? plainPathOf(selector) : undefined;
    const problem = steps && pathProblem(found.model.response, steps);
    if (problem) {
      findings.push(finding(RULE, lenient(context), path, `${problem}, in the ${found.model.name} response (per ${ecsSdkLabel()}): the selector yields nothing`));
    }
  }
  return findings;
}

function checkParameter(api: EcsApiModel, name: string, value: unknown, path: string, context: RuleContext): Finding[] {
  if (CALL_PARAMETERS.includes(name)) {
    return [];
  }
  const field = requestField(api.request, name);
  if (field === undefined) {
    const near = [...api.request.keys()].find((k) => k.toLowerCase() === name.toLowerCase());
    return [finding(RULE, lenient(context), path, near !== undefined
      ? `the ${api.name} request spells this parameter \`${near}\``
      : `\`${name}\` is not a field of the ${api.name} request (per ${ecsSdkLabel()}): ECS may ignore or refuse it`)];
  }
  return checkShape(api.name, value, field, path, context);
}

/**
 * The field a parameter name stands for: a field of the request, or its flattened RPC form
 * (`Tag.1.Key`, `InstanceId.2`, `SystemDisk.Category`: list positions and nested fields after dots).
 */
function requestField(fields: ReadonlyMap<string, FieldType>, name: string): FieldType | undefined {
  let current: FieldType = { kind: 'model', fields };
  for (const part of name.split('.')) {
    if (current.kind === 'map') {
      return current;
    }
    const next: FieldType | undefined = /^\d+$/.test(part)
      ? (current.kind === 'array' ? current.item : undefined)
      : (current.kind === 'model' ? current.fields.get(part) : undefined);
    if (next === undefined) {
      return undefined;
    }
    current = next;
  }
  return current;
}

/** Checks the keys of literal nested values (e.g. the `Key`/`Value` of each `Tag`) against the model. */
function checkShape(apiName: string, value: unknown, type: FieldType, path: string, context: RuleContext): Finding[] {
  if (type.kind === 'array' && Array.isArray(value)) {
    return value.flatMap((item, i) => checkShape(apiName, item, type.item, childPath(path, i), context));
  }
  if (type.kind !== 'model' || !isMap(value) || !isLiteral(value)) {
    return [];
  }
  return Object.entries(value).flatMap(([key, item]) => {
    const field = type.fields.get(key);
    return field === undefined
      ? [finding(RULE, lenient(context), childPath(path, key), `\`${key}\` is not a field here in the ${apiName} request (it has ${[...type.fields.keys()].join(', ')}): ECS may ignore or refuse it`)]
      : checkShape(apiName, item, field, childPath(path, key), context);
  });
}
