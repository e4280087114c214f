import { childPath, finding, isLiteral, isMap, lenient, mapAt, show } from '../template-model';
import { Finding, JsonMap, LintRule, RuleContext } from '../types';

const RULE = 'parameters';

/** The parameter types OOS knows; a parameter without `Type` is a String. */
export const OOS_PARAMETER_TYPES = ['String', 'Number', 'Boolean', 'List', 'Json'] as const;

/** The keys of a parameter definition. */
const PARAMETER_KEYS = ['Type', 'Label', 'Description', 'Default', 'AllowedValues', 'AllowedPattern', 'MinValue', 'MaxValue',
  'MinLength', 'MaxLength', 'NoEcho', 'ConstraintDescription', 'AssociationProperty', 'AssociationPropertyMetadata'];

/** Parameter names, types and constraints are valid and every default satisfies them. */
export const parametersRule: LintRule = {
  id: RULE,
  summary: 'parameter names and types are valid, constraints well-formed, and each Default has its type and meets AllowedValues, AllowedPattern, Min/MaxValue and Min/MaxLength',
  check: (template, context) => {
    const findings: Finding[] = [];
    for (const [name, definition] of Object.entries(mapAt(template.root, 'Parameters'))) {
      const path = childPath('Parameters', name);
      if (!/^[A-Za-z0-9_-]+$/.test(name)) {
        findings.push(finding(RULE, 'error', path, `\`${name}\` is not a valid parameter name (letters, digits, \`_\` and \`-\`): it could not be referenced`));
      }
      if (!isMap(definition)) {
        findings.push(finding(RULE, 'error', path, `a parameter must be a mapping with at least a Type, not ${show(definition)}`));
        continue;
      }
      findings.push(...checkDefinition(definition, path, context));
    }
    return findings;
  },
};

function checkDefinition(definition: JsonMap, path: string, context: RuleContext): Finding[] {
  const findings: Finding[] = [];
  const at = (key: string) => childPath(path, key);
  for (const key of Object.keys(definition).filter((k) => !PARAMETER_KEYS.includes(k))) {
    findings.push(finding(RULE, lenient(context), at(key), `\`${key}\` is not a key of OOS parameters: it has no effect`));
  }
  const type = definition.Type ?? 'String';
  if (typeof type !== 'string' || !(OOS_PARAMETER_TYPES as readonly string[]).includes(type)) {
    findings.push(finding(RULE, 'error', at('Type'), `${show(type)} is not an OOS parameter type (${OOS_PARAMETER_TYPES.join(', ')})`));
    return findings;
  }
  for (const key of ['MinValue', 'MaxValue', 'MinLength', 'MaxLength']) {
    if (definition[key] !== undefined && typeof definition[key] !== 'number') {
      findings.push(finding(RULE, 'error', at(key), `must be a number, not ${show(definition[key])}`));
    }
  }
  for (const [min, max] of [['MinValue', 'MaxValue'], ['MinLength', 'MaxLength']]) {
    const low = definition[min];
    const high = definition[max];
    if (typeof low === 'number' && typeof high === 'number' && low > high) {
      findings.push(finding(RULE, 'error', at(min), `${min} ${low} is above ${max} ${high}: no value can satisfy both`));
    }
  }
  const allowed = definition.AllowedValues;
  if (allowed !== undefined && (!Array.isArray(allowed) || allowed.length === 0)) {
    findings.push(finding(RULE, 'error', at('AllowedValues'), `must be a non-empty list, not ${show(allowed)}`));
  }
  const pattern = wholeValuePattern(definition.AllowedPattern, at('AllowedPattern'), findings);
  if (!('Default' in definition) || !isLiteral(definition.Default)) {
    return findings;
  }
  const value = definition.Default;
  const mismatch = typeMismatch(type, value);
  if (mismatch) {
    findings.push(finding(RULE, mismatch.coercible ? lenient(context) : 'error', at('Default'),
      `${show(value)} is not a ${type}${mismatch.coercible ? ' (OOS may convert it)' : ''}: an execution that keeps the default gets a value of the wrong type`));
    if (!mismatch.coercible) {
      return findings;
    }
  }
  const items: unknown[] = type === 'List' && Array.isArray(value) ? value : [value];
  items.forEach((item) => {
    if (Array.isArray(allowed) && !allowed.some((a) => a === item || (isScalar(a) && isScalar(item) && String(a) === String(item)))) {
      findings.push(finding(RULE, 'error', at('Default'), `${show(item)} is not one of the AllowedValues ${show(allowed)}: the default itself would be refused`));
    }
    if (pattern && typeof item === 'string' && !pattern.test(item)) {
      findings.push(finding(RULE, 'error', at('Default'), `${show(item)} does not match the AllowedPattern ${show(definition.AllowedPattern)}: the default itself would be refused`));
    }
    findings.push(...checkBounds(definition, item, at('Default')));
  });
  return findings;
}

function checkBounds(definition: JsonMap, value: unknown, path: string): Finding[] {
  const measured = typeof value === 'number' ? { what: 'the value', size: value, keys: ['MinValue', 'MaxValue'] }
    : typeof value === 'string' ? { what: 'the length', size: value.length, keys: ['MinLength', 'MaxLength'] }
      : undefined;
  if (!measured) {
    return [];
  }
  const [minKey, maxKey] = measured.keys;
  const min = definition[minKey];
  const max = definition[maxKey];
  if (typeof min === 'number' && measured.size < min) {
    return [finding(RULE, 'error', path, `${measured.what} ${measured.size} is below ${minKey} ${min}: the default itself would be refused`)];
  }
  if (typeof max === 'number' && measured.size > max) {
    return [finding(RULE, 'error', path, `${measured.what} ${measured.size} is above ${maxKey} ${max}: the default itself would be refused`)];
  }
  return [];
}

/**
 * Whether a default does not have the parameter's type, and whether OOS could still convert it
 * (a number or boolean where a String is expected, a numeric string for a Number, a single
 * string for a List: all seen in published templates).
 */
function typeMismatch(type: string, value: unknown): { coercible: boolean } | undefined {
  switch (type) {
    case 'String':
      return typeof value === 'string' ? undefined : { coercible: isScalar(value) };
    case 'Number':
      return typeof value === 'number' ? undefined : { coercible: typeof value === 'string' && value.trim() !== '' && !isNaN(Number(value)) };
    case 'Boolean':
      return typeof value === 'boolean' ? undefined : { coercible: value === 'true' || value === 'false' };
    case 'List':
      return Array.isArray(value) ? undefined : { coercible: typeof value === 'string' };
    default:
      return undefined;
  }
}

function isScalar(value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}

/** The AllowedPattern as a RegExp over the whole value, when there is one the checker can use. */
function wholeValuePattern(pattern: unknown, path: string, findings: Finding[]): RegExp | undefined {
  if (pattern === undefined) {
    return undefined;
  }
  if (typeof pattern !== 'string') {
    findings.push(finding(RULE, 'error', path, `must be a string, not ${show(pattern)}`));
    return undefined;
  }
  try {
    return new RegExp(`^(?:${pattern})$`);
  } catch (e) {
    // Valid where OOS evaluates it, perhaps: only say the defaults went unchecked.
    findings.push(finding(RULE, 'warning', path, `the checker cannot compile this pattern (${(e as Error).message}), so the Default is not checked against it`));
    return undefined;
  }
}
