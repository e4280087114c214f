import { Finding, JsonMap, RuleContext, Severity } from './types';

/**
 * Read-only views of a parsed OOS template for the rules: they tolerate any shape (the
 * `structure` rule reports malformed ones) so that each rule can stay a short pure function.
 */

/** Whether a value is a mapping (not a list, not null). */
export function isMap(value: unknown): value is JsonMap {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The mapping under `key`, or an empty one when absent or not a mapping. */
export function mapAt(parent: JsonMap, key: string): JsonMap {
  const value = parent[key];
  return isMap(value) ? value : {};
}

/** Builds a finding. */
export function finding(rule: string, severity: Severity, path: string, message: string): Finding {
  return { rule, severity, path, message };
}

/**
 * The severity of a finding that published templates are known to contain (so it is only a
 * warning by default) but that the package's own templates must not (an error when strict).
 */
export function lenient(context: RuleContext): Severity {
  return context.strict ? 'error' : 'warning';
}

/** A path one key deeper: `a.b`, or `a` at the top. */
export function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') {
    return `${path}[${key}]`;
  }
  return path === '' ? key : `${path}.${key}`;
}

/** One entry of `Tasks`, with what the rules keep asking about it. */
export interface TaskView {
  /** Position in `Tasks`. */
  readonly index: number;
  /** The task's `Name` when it is a string. */
  readonly name?: string;
  /** The task mapping (empty when the entry is not a mapping). */
  readonly node: JsonMap;
  /** `Tasks[i](name)`, the prefix of every finding about the task. */
  readonly path: string;
  /** The `Action` when it is a string. */
  readonly action?: string;
  /** The `Properties` mapping (empty when absent or malformed). */
  readonly properties: JsonMap;
  /** Whether the task has a `Loop`. */
  readonly loops: boolean;
}

/** The tasks of a template, in order. */
export function tasksOf(root: JsonMap): TaskView[] {
  const tasks = root.Tasks;
  if (!Array.isArray(tasks)) {
    return [];
  }
  return tasks.map((entry, index) => {
    const node = isMap(entry) ? entry : {};
    const name = typeof node.Name === 'string' ? node.Name : undefined;
    return {
      index,
      name,
      node,
      path: name === undefined ? `Tasks[${index}]` : `Tasks[${index}](${name})`,
      action: typeof node.Action === 'string' ? node.Action : undefined,
      properties: mapAt(node, 'Properties'),
      loops: node.Loop !== undefined,
    };
  });
}

/** Calls `visit` for every string in a value (mapping keys excluded), with its path. */
export function forEachString(value: unknown, path: string, visit: (text: string, path: string) => void): void {
  if (typeof value === 'string') {
    visit(value, path);
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => forEachString(item, childPath(path, i), visit));
  } else if (isMap(value)) {
    for (const [key, item] of Object.entries(value)) {
      forEachString(item, childPath(path, key), visit);
    }
  }
}

/** Finds a key of `names` equal to `wanted` once case is ignored. */
export function caseInsensitiveMatch(names: Iterable<string>, wanted: string): string | undefined {
  const lower = wanted.toLowerCase();
  for (const name of names) {
    if (name.toLowerCase() === lower) {
      return name;
    }
  }
  return undefined;
}

/** Whether a mapping is an intrinsic function call such as `{ 'Fn::Select': [...] }`. */
export function isFunctionCall(value: unknown): boolean {
  return isMap(value) && Object.keys(value).length === 1 && Object.keys(value)[0].startsWith('Fn::');
}

/**
 * Whether a value is a ROS token: a stack parameter or attribute resolved at deployment, found in
 * templates built by constructs. ros-cdk-core decides, but is loaded only for values that can be
 * tokens (strings naming a token, the huge negative numbers that encode one, resolvable objects),
 * so that checking template files does not pay for it.
 */
export function isRosToken(value: unknown): boolean {
  const candidate = (typeof value === 'string' && value.includes('Token['))
    || (typeof value === 'number' && value < -1e280)
    || (isMap(value) && typeof value.resolve === 'function');
  if (!candidate) {
    return false;
  }
  const ros = require('@alicloud/ros-cdk-core') as typeof import('@alicloud/ros-cdk-core');
  return ros.Token.isUnresolved(value);
}

/**
 * Whether a value is known when the template is written: not an OOS reference (`{{ x }}`), not an
 * intrinsic function, not a ROS token standing for a stack parameter. Only such values can be
 * checked against allowed values, patterns and ranges.
 */
export function isLiteral(value: unknown): boolean {
  if (isRosToken(value)) {
    return false;
  }
  if (typeof value === 'string') {
    return !value.includes('{{');
  }
  if (Array.isArray(value)) {
    return value.every(isLiteral);
  }
  if (isMap(value)) {
    return !isFunctionCall(value) && Object.values(value).every(isLiteral);
  }
  return true;
}

/** The readable form of a value in a message. */
export function show(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) {
    return String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
