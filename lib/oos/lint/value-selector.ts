import { FieldType } from './ecs-sdk-model';

/**
 * The plain-path subset of the jq selectors OOS applies to an API's result:
 * `Instances.Instance[].InstanceId`, `.Invocation.InvocationResults.InvocationResult[0].Output`,
 * `.` — and the leading path of a pipeline (`.Disks.Disk[] | select(...)`). Anything else (jq
 * functions, object construction, comparisons, variables) is left unchecked.
 */

/** One step of a path: a field name, then any number of `[]` / `[n]` on it. */
export interface PathStep {
  readonly field: string;
  readonly indexes: number;
}

const NAME = '[A-Za-z_][A-Za-z0-9_]*';
const INDEX = '\\[-?\\d*\\]';
const STEP = `${NAME}(?:${INDEX})*`;
const PLAIN_PATH = new RegExp(`^\\.?(?:${STEP}(?:\\.${STEP})*)?$`);

/** The steps of a selector's plain path, or undefined when it is not one the checker reads. */
export function plainPathOf(selector: string): PathStep[] | undefined {
  const head = selector.split('|')[0].trim();
  if (!PLAIN_PATH.test(head) || (head !== selector.trim() && head === '')) {
    return undefined;
  }
  const body = head.startsWith('.') ? head.slice(1) : head;
  return body === '' ? [] : body.split('.').map((step) => ({ field: step.split('[')[0], indexes: step.split('[').length - 1 }));
}

/** Why a path does not exist in a response, or undefined when it does. */
export function pathProblem(response: ReadonlyMap<string, FieldType>, steps: readonly PathStep[]): string | undefined {
  let current: FieldType = { kind: 'model', fields: response };
  let walked = '';
  for (const step of steps) {
    if (current.kind === 'map') {
      return undefined;
    }
    if (current.kind !== 'model') {
      return current.kind === 'array'
        ? `\`${walked}\` is a list: iterate it (\`${walked}[]\`) before reading \`${step.field}\``
        : `\`${walked}\` is a ${current.name}: it has no field \`${step.field}\``;
    }
    const next = current.fields.get(step.field);
    if (next === undefined) {
      const near = [...current.fields.keys()].find((k) => k.toLowerCase() === step.field.toLowerCase());
      const place = walked === '' ? 'the response' : `\`${walked}\``;
      return near !== undefined
        ? `${place} has \`${near}\`, not \`${step.field}\` (names are case-sensitive in jq)`
        : `${place} has no field \`${step.field}\` (it has ${[...current.fields.keys()].join(', ')})`;
    }
    walked = walked === '' ? step.field : `${walked}.${step.field}`;
    current = next;
    for (let i = 0; i < step.indexes; i++) {
      if (current.kind !== 'array') {
        return current.kind === 'map' ? undefined : `\`${walked}\` is not a list: it cannot be indexed with []`;
      }
      current = current.item;
      walked += '[]';
    }
  }
  return undefined;
}
