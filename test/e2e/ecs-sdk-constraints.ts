/**
 * What the ECS SDK (`@alicloud/ecs20140526`) documents about each request field, read from the doc
 * comments of its request models (`dist/models/<Api>Request.d.ts`): required fields, list
 * lengths, number bounds, string lengths, the `http://` prefix rule and deprecated fields. Only the sentences below
 * are read, as the SDK words them; a field whose comment says nothing of the kind has no
 * constraint here. The ECS stand-in refuses a call that breaks one, as ECS would.
 */
import * as fs from 'fs';
import * as path from 'path';
import { EcsApiModel, FieldType } from '../../lib/oos/lint/ecs-sdk-model';

/** The constraints of one request field, with the sentences they come from. */
export interface FieldConstraint {
  readonly required: boolean;
  /** How many items a list (an array, or a JSON array in a string) holds. */
  readonly items?: { readonly min: number; readonly max: number };
  /** The bounds of a number. */
  readonly value?: { readonly min?: number; readonly max?: number };
  /** The length of a string. */
  readonly length?: { readonly min: number; readonly max: number };
  /** Must not start with `http://` or `https://`. */
  readonly noUrlPrefix: boolean;
  /** The SDK says the field is (about to be) deprecated: the package must not rely on it. */
  readonly deprecated: boolean;
  /** The SDK's sentences the constraints were read from. */
  readonly sources: readonly string[];
}

const MODELS_DIR = path.join(path.dirname(require.resolve('@alicloud/ecs20140526/package.json')), 'dist', 'models');

/** The sentences of the SDK's comments that carry a constraint, and what each means. */
const SENTENCES: ReadonlyArray<{ readonly pattern: RegExp; readonly read: (m: RegExpMatchArray) => Partial<Mutable<FieldConstraint>> }> = [
  { pattern: /This parameter is required\./, read: () => ({ required: true }) },
  { pattern: /(?:Array length|Valid values of N): (\d+) to (\d+)/, read: (m) => ({ items: { min: Number(m[1]), max: Number(m[2]) } }) },
  { pattern: /(?:consists of|can contain|specify) up to (\d+) [\w -]*?(?:IDs|instances)/, read: (m) => ({ items: { min: 0, max: Number(m[1]) } }) },
  { pattern: /Maximum value: (\d+)\./, read: (m) => ({ value: { max: Number(m[1]) } }) },
  { pattern: /Minimum value: (\d+)\./, read: (m) => ({ value: { min: Number(m[1]) } }) },
  { pattern: /must be (\d+) to (\d+) characters in length/, read: (m) => ({ length: { min: Number(m[1]), max: Number(m[2]) } }) },
  { pattern: /cannot start with `http:\/\/` or `https:\/\/`/, read: () => ({ noUrlPrefix: true }) },
  { pattern: /This parameter is (?:about to be )?deprecated/, read: () => ({ deprecated: true }) },
];

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const cache = new Map<string, ReadonlyMap<string, FieldConstraint>>();

/** The documented constraints of an API's request fields, by wire name. */
export function requestConstraints(api: EcsApiModel): ReadonlyMap<string, FieldConstraint> {
  const cached = cache.get(api.name);
  if (cached) return cached;
  const text = fs.readFileSync(path.join(MODELS_DIR, `${api.name}Request.d.ts`), 'utf8');
  // The request class alone: the file also declares its nested models, whose comments speak of them.
  const start = text.indexOf(`export declare class ${api.name}Request extends`);
  const end = text.indexOf('export declare class', start + 1);
  const body = text.slice(start, end < 0 ? undefined : end);
  const sdk = require('@alicloud/ecs20140526') as Record<string, { names(): Record<string, string> }>;
  const wireNames = sdk[`${api.name}Request`].names();
  const out = new Map<string, FieldConstraint>();
  for (const m of body.matchAll(/\/\*\*([\s\S]*?)\*\/\s*(\w+)\?:/g)) {
    const doc = m[1].replace(/^\s*\* ?/gm, '').replace(/\s+/g, ' ');
    const wire = wireNames[m[2]];
    if (wire === undefined) continue;
    const c: Mutable<FieldConstraint> = { required: false, noUrlPrefix: false, deprecated: false, sources: [] };
    for (const s of SENTENCES) {
      const found = doc.match(s.pattern);
      if (!found) continue;
      const read = s.read(found);
      if (read.value && c.value) read.value = { ...c.value, ...read.value };
      Object.assign(c, read);
      (c.sources as string[]).push(found[0]);
    }
    if (c.sources.length > 0) out.set(wire, c);
  }
  cache.set(api.name, out);
  return out;
}

/** A list as ECS takes it: an array, or a JSON array in a string. */
function listItems(value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) return value;
  if (typeof value === 'string' && value.trim().startsWith('[')) {
    try {
      const parsed = JSON.parse(value) as unknown;
      return Array.isArray(parsed) ? parsed : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** What a request breaks of its API's documented constraints, one line each (none: it is fine). */
export function constraintProblems(api: EcsApiModel, parameters: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [name, c] of requestConstraints(api)) {
    const value = parameters[name];
    const quote = `(${api.name}: "${c.sources.join('", "')}")`;
    if (value === undefined || value === null) {
      if (c.required) problems.push(`MissingParameter: ${name} is required ${quote}`);
      continue;
    }
    if (c.deprecated) problems.push(`InvalidParameter: ${name} is deprecated: use what the SDK names instead ${quote}`);
    const type: FieldType | undefined = api.request.get(name);
    const items = listItems(value);
    if (c.items && (type?.kind === 'array' || items !== undefined)) {
      const n = (items ?? [value]).length;
      if (n < c.items.min || n > c.items.max) problems.push(`InvalidParameter: ${name} lists ${n} items, not ${c.items.min} to ${c.items.max} ${quote}`);
    }
    if (c.value && type?.kind === 'scalar' && type.name === 'number') {
      const v = Number(value);
      if (!Number.isFinite(v) || (c.value.min !== undefined && v < c.value.min) || (c.value.max !== undefined && v > c.value.max)) {
        problems.push(`InvalidParameter: ${name} is ${JSON.stringify(value)} ${quote}`);
      }
    }
    if (typeof value === 'string') {
      if (c.length && (value.length < c.length.min || value.length > c.length.max)) {
        problems.push(`InvalidParameter: ${name} has ${value.length} characters, not ${c.length.min} to ${c.length.max} ${quote}`);
      }
      if (c.noUrlPrefix && /^https?:\/\//.test(value)) problems.push(`InvalidParameter: ${name} starts with http(s):// ${quote}`);
    }
  }
  return problems;
}
