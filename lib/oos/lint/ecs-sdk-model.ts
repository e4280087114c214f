/**
 * The ECS API as the official SDK (`@alicloud/ecs20140526`) models it: for each API a request
 * class and a response-body class whose static `names()` map field names to wire names and
 * `types()` give each field's type (a primitive name, a nested class, or an array/map of one).
 * Loaded on first use: the SDK takes most of a second to load.
 */

/** A model class of the SDK. */
interface ModelClass {
  names(): Record<string, string>;
  types(): Record<string, unknown>;
}

/** A field's type: a scalar, a nested model, a list of a type, or a free-form map. */
export type FieldType =
  | { readonly kind: 'scalar'; readonly name: string }
  | { readonly kind: 'model'; readonly fields: ReadonlyMap<string, FieldType> }
  | { readonly kind: 'array'; readonly item: FieldType }
  | { readonly kind: 'map' };

/** One API: the fields of its request and of its response body, by wire name. */
export interface EcsApiModel {
  /** The API's name as the SDK spells it. */
  readonly name: string;
  readonly request: ReadonlyMap<string, FieldType>;
  readonly response: ReadonlyMap<string, FieldType>;
}

let sdk: Record<string, unknown> | undefined;
let apiNamesByLowerCase: Map<string, string> | undefined;

function loadSdk(): Record<string, unknown> {
  if (!sdk) {
    sdk = require('@alicloud/ecs20140526') as Record<string, unknown>;
  }
  return sdk;
}

function isModelClass(value: unknown): value is ModelClass {
  return typeof value === 'function'
    && typeof (value as unknown as ModelClass).names === 'function'
    && typeof (value as unknown as ModelClass).types === 'function';
}

/** The names of every API the SDK models, by lower-cased name. */
function apiNames(): Map<string, string> {
  if (!apiNamesByLowerCase) {
    const exports = loadSdk();
    apiNamesByLowerCase = new Map(Object.keys(exports)
      .filter((key) => key.endsWith('Request') && isModelClass(exports[key]) && isModelClass(exports[`${key.slice(0, -'Request'.length)}ResponseBody`]))
      .map((key) => key.slice(0, -'Request'.length))
      .map((api) => [api.toLowerCase(), api]));
  }
  return apiNamesByLowerCase;
}

/** Every API name the ECS SDK models, sorted. */
export function ecsApiNames(): string[] {
  return [...apiNames().values()].sort();
}

/** The SDK's name and version, for messages. */
export function ecsSdkLabel(): string {
  const { name, version } = require('@alicloud/ecs20140526/package.json') as { name: string; version: string };
  return `${name} ${version}`;
}

/**
 * Finds an API: `exact` when spelt as the SDK spells it, `case` when only the case differs,
 * `undefined` when the SDK has no such API.
 */
export function findEcsApi(name: string): { readonly match: 'exact' | 'case'; readonly model: EcsApiModel } | undefined {
  const canonical = apiNames().get(name.toLowerCase());
  if (canonical === undefined) {
    return undefined;
  }
  const exports = loadSdk();
  const model: EcsApiModel = {
    name: canonical,
    request: fieldsOf(exports[`${canonical}Request`] as ModelClass, new Map()),
    response: fieldsOf(exports[`${canonical}ResponseBody`] as ModelClass, new Map()),
  };
  return { match: canonical === name ? 'exact' : 'case', model };
}

const fieldCache = new Map<ModelClass, Map<string, FieldType>>();

/** A model's fields by wire name (the SDK's models are trees, but a cycle would not hang this). */
function fieldsOf(model: ModelClass, seen: Map<ModelClass, Map<string, FieldType>>): Map<string, FieldType> {
  const cached = fieldCache.get(model) ?? seen.get(model);
  if (cached) {
    return cached;
  }
  const fields = new Map<string, FieldType>();
  seen.set(model, fields);
  const names = model.names();
  const types = model.types();
  for (const [field, wire] of Object.entries(names)) {
    fields.set(wire, typeOf(types[field], seen));
  }
  fieldCache.set(model, fields);
  return fields;
}

function typeOf(type: unknown, seen: Map<ModelClass, Map<string, FieldType>>): FieldType {
  if (isModelClass(type)) {
    return { kind: 'model', fields: fieldsOf(type, seen) };
  }
  if (typeof type === 'object' && type !== null) {
    const described = type as { type?: unknown; itemType?: unknown };
    if (described.type === 'array') {
      return { kind: 'array', item: typeOf(described.itemType, seen) };
    }
    return { kind: 'map' };
  }
  return typeof type === 'string' && type !== 'any' ? { kind: 'scalar', name: type } : { kind: 'map' };
}
