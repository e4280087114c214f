import * as fs from 'fs';
import Ajv, { ErrorObject, ValidateFunction } from 'ajv';
import { packagePath } from '../package-root';
import { ValidationError } from '../validation';

/** The JSON Schema of posture files, shipped with the package (`schema/posture.schema.json`). */
export const POSTURE_SCHEMA_FILE = packagePath('schema', 'posture.schema.json');

/**
 * The schema's own keyword for messages: `{ <JSON Schema keyword>: <rule> }` on the schema a
 * keyword failed in. For `required` it is either on the missing key's schema (the key is named)
 * or on the object's (the object is named). Without it, the rule is worded from the keyword.
 */
const RULE_KEYWORD = 'x-rule';

/**
 * The schema's keyword for input that may hold a secret (a webhook URL written where the name of
 * the parameter holding it belongs): `true` on a schema whose keywords fail with the value shown
 * as `(not shown)`, as errors end up in CI logs.
 */
const SECRET_KEYWORD = 'x-secret';

/** What an error shows instead of a value that may hold a secret. */
export const NOT_SHOWN = '(not shown)';

type SchemaNode = {
  [key: string]: unknown;
  properties?: Record<string, SchemaNode | boolean>;
  [RULE_KEYWORD]?: Record<string, string>;
  [SECRET_KEYWORD]?: boolean;
};

let validator: ValidateFunction | undefined;

/** The compiled schema (compiled once; strict, so an unknown keyword or a type mix-up in the schema fails loudly). */
function postureValidator(): ValidateFunction {
  if (!validator) {
    // strictRequired is off: `if: {required: [...]}` names keys the `properties` beside it declare;
    // union types (a string or a mapping) are how the schema spells short forms.
    const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictRequired: false, allowUnionTypes: true });
    ajv.addKeyword({ keyword: RULE_KEYWORD, schemaType: 'object' });
    ajv.addKeyword({ keyword: SECRET_KEYWORD, schemaType: 'boolean' });
    validator = ajv.compile(JSON.parse(fs.readFileSync(POSTURE_SCHEMA_FILE, 'utf8')) as object);
  }
  return validator;
}

/** The schema of posture files, parsed. */
export function postureSchema(): SchemaNode {
  return postureValidator().schema as SchemaNode;
}

/**
 * Checks a parsed posture document against the schema: keys and types. Throws the first problem
 * as a ValidationError naming the field path (e.g. `groups[0].timeoutSeconds`), the rule and
 * the value.
 */
export function validatePostureDocument(doc: unknown): void {
  const validate = postureValidator();
  if (!validate(doc)) {
    throw toValidationError(reportedError(validate.errors ?? []), doc);
  }
}

/**
 * The error to report among all of them: an unknown key first (a misspelt key explains the rest,
 * e.g. a role without `create`), else the first in the schema's order. Left out: `if` (it only
 * says that its `then` failed, whose error is listed) and the branches of a failed `anyOf`
 * (the `anyOf` error carries the message).
 */
function reportedError(errors: readonly ErrorObject[]): ErrorObject {
  const failedBranches = errors.filter((e) => e.keyword === 'anyOf').map((e) => `${e.schemaPath}/`);
  const meaningful = errors.filter((e) => e.keyword !== 'if' && !failedBranches.some((b) => e.schemaPath.startsWith(b)));
  const reported = meaningful.find((e) => e.keyword === 'additionalProperties') ?? meaningful[0];
  if (!reported) {
    throw new Error(`posture schema: validation failed without an error to report (${JSON.stringify(errors)})`);
  }
  return reported;
}

function ruleFor(schema: unknown, keyword: string): string | undefined {
  return schema !== null && typeof schema === 'object' ? (schema as SchemaNode)[RULE_KEYWORD]?.[keyword] : undefined;
}

function toValidationError(error: ErrorObject, doc: unknown): ValidationError {
  const field = fieldPath(error.instancePath, doc);
  const parent = error.parentSchema as SchemaNode | undefined;
  const child = (key: string) => (field ? `${field}.${key}` : key);
  const shown = (value: unknown) => (parent?.[SECRET_KEYWORD] === true && value !== undefined ? NOT_SHOWN : value);
  switch (error.keyword) {
    case 'required': {
      // On the object that requires the key, the rule is about the object: it is named.
      const onObject = ruleFor(parent, 'required');
      if (onObject !== undefined) {
        return new ValidationError(field, onObject, shown(error.data));
      }
      const missing = (error.params as { missingProperty: string }).missingProperty;
      return new ValidationError(child(missing), ruleFor(parent?.properties?.[missing], 'required') ?? 'is required', undefined);
    }
    case 'additionalProperties': {
      const key = (error.params as { additionalProperty: string }).additionalProperty;
      // Keys declared `true` here are described by another part of the schema (e.g. `engine`).
      const known = Object.entries(parent?.properties ?? {}).filter(([, s]) => s !== true).map(([k]) => k);
      const rule = ruleFor(parent, 'additionalProperties') ?? 'is not a known key';
      return new ValidationError(child(key), known.length > 0 ? `${rule} (known: ${known.join(', ')})` : rule, shown((error.data as Record<string, unknown>)[key]));
    }
    default:
      return new ValidationError(field, ruleFor(parent, error.keyword) ?? genericRule(error), shown(error.data));
  }
}

const TYPE_WORDS: Readonly<Record<string, string>> = {
  string: 'a string', number: 'a number', integer: 'an integer', boolean: 'a boolean', array: 'a list', object: 'a mapping', null: 'null',
};

function oneOf(values: readonly unknown[]): string {
  const words = values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
  return words.length === 2 ? `${words[0]} or ${words[1]}` : `one of ${words.join(', ')}`;
}

/** The rule of a failed keyword that the schema gives no message for. */
function genericRule(error: ErrorObject): string {
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'type':
      return `must be ${String(p.type).split(',').map((t) => TYPE_WORDS[t] ?? t).join(' or ')}`;
    case 'enum':
      return `must be ${oneOf(p.allowedValues as unknown[])}`;
    case 'const':
      return `must be ${oneOf([p.allowedValue])}`;
    case 'minItems':
      return `must list at least ${String(p.limit)}`;
    case 'maxItems':
      return `must list at most ${String(p.limit)}`;
    case 'minLength':
      return p.limit === 1 ? 'must not be empty' : `must be at least ${String(p.limit)} characters`;
    default:
      // A keyword the schema uses without an x-rule: ajv's own words.
      return error.message ?? `breaks the schema's ${error.keyword} rule`;
  }
}

/** `/groups/0/targets/tags/tier` as the loader names it: `groups[0].targets.tags.tier`. */
function fieldPath(pointer: string, doc: unknown): string {
  if (pointer === '') {
    return '';
  }
  let field = '';
  let node: unknown = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    field += Array.isArray(node) ? `[${key}]` : field ? `.${key}` : key;
    node = (node as Record<string, unknown> | undefined)?.[key];
  }
  return field;
}
