/**
 * What ROS does with a synthesized stack template's Rules, Conditions and functions when a stack
 * is created with given parameter values, for the functions the package's templates use, as the
 * ROS documentation describes them (see lib/ros-list-slices.ts for which facts are documented):
 *
 * - `Ref` of a parameter (a `CommaDelimitedList` split at its commas), of a pseudo parameter or a
 *   resource (kept symbolic: `{ Ref: id }`), `Fn::GetAtt` (symbolic);
 * - `Fn::Equals`, `Fn::Not`, `Fn::And`, `Fn::Or` over values and condition names, `Fn::If`;
 * - `Fn::Select: [index, list, default]` (the default when the index is outside the list);
 * - `Fn::Jq: [First | All, script, value]`, run with the real jq;
 * - `Fn::Join`.
 * Anything else (another function, another form of Fn::Select) is an error, so that a template
 * that would need more fails the test instead of being evaluated half right.
 */
import { spawnSync } from 'child_process';

/** A stack template, as far as the evaluator reads it. */
export interface RosTemplateDocument {
  Parameters?: Record<string, { Type: string; Default?: unknown }>;
  Rules?: Record<string, { RuleCondition?: unknown; Assertions: Array<{ Assert: unknown; AssertDescription?: string }> }>;
  Conditions?: Record<string, unknown>;
  Resources: Record<string, { Type: string; Condition?: string; Properties?: Record<string, unknown> }>;
}

/** What ROS would do: refuse the stack (a rule's description), or create these resources. */
export type Evaluation =
  | { readonly refused: string; readonly resources?: undefined }
  | { readonly refused?: undefined; readonly resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };

class Evaluator {
  private readonly conditions = new Map<string, boolean>();

  constructor(private readonly doc: RosTemplateDocument, private readonly parameters: Record<string, unknown>) {}

  public value(v: unknown): unknown {
    if (Array.isArray(v)) return v.map((x) => this.value(x));
    if (v === null || typeof v !== 'object') return v;
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.length === 1 && (entries[0][0] === 'Ref' || entries[0][0].startsWith('Fn::'))) {
      return this.call(entries[0][0], entries[0][1]);
    }
    return Object.fromEntries(entries.map(([k, x]) => [k, this.value(x)]));
  }

  public condition(name: string): boolean {
    const known = this.conditions.get(name);
    if (known !== undefined) return known;
    const expression = this.doc.Conditions?.[name];
    if (expression === undefined) throw new Error(`no condition ${name}`);
    const result = this.truth(expression);
    this.conditions.set(name, result);
    return result;
  }

  /** A condition expression or the name of a condition. */
  public truth(v: unknown): boolean {
    if (typeof v === 'string') return this.condition(v);
    const result = this.value(v);
    if (typeof result !== 'boolean') throw new Error(`${JSON.stringify(v)} is not a condition`);
    return result;
  }

  private call(name: string, args: unknown): unknown {
    const list = (n: number) => {
      if (!Array.isArray(args) || args.length !== n) throw new Error(`${name} takes ${n} arguments, got ${JSON.stringify(args)}`);
      return args;
    };
    switch (name) {
      case 'Ref': {
        const ref = String(args);
        if (ref in this.parameters) return this.parameters[ref];
        const p = this.doc.Parameters?.[ref];
        if (p) {
          if (p.Default === undefined) throw new Error(`parameter ${ref} has no value and no default`);
          return p.Type === 'CommaDelimitedList' ? String(p.Default).split(',') : p.Default;
        }
        if (ref.startsWith('ALIYUN::') || ref in this.doc.Resources) return { Ref: ref };
        throw new Error(`Ref to nothing: ${ref}`);
      }
      case 'Fn::GetAtt':
        return { 'Fn::GetAtt': args };
      case 'Fn::Equals': {
        const [a, b] = list(2).map((x) => this.value(x));
        return JSON.stringify(a) === JSON.stringify(b);
      }
      case 'Fn::Not':
        return !this.truth(list(1)[0]);
      case 'Fn::And':
        if (!Array.isArray(args) || args.length < 2) throw new Error('Fn::And takes at least two conditions');
        return args.every((c) => this.truth(c));
      case 'Fn::Or':
        if (!Array.isArray(args) || args.length < 2) throw new Error('Fn::Or takes at least two conditions');
        return args.some((c) => this.truth(c));
      case 'Fn::If': {
        const [c, yes, no] = list(3);
        return this.value(this.truth(c) ? yes : no);
      }
      case 'Fn::Join': {
        const [separator, items] = list(2);
        const values = this.value(items);
        if (!Array.isArray(values) || values.some((x) => typeof x === 'object')) return { 'Fn::Join': [separator, values] };
        return values.join(String(separator));
      }
      case 'Fn::Select': {
        const [index, items, fallback] = list(3);
        if (!/^\d+$/.test(String(index))) throw new Error(`only Fn::Select by a non-negative index with a default is evaluated here, not ${JSON.stringify(args)}`);
        const values = this.value(items);
        if (!Array.isArray(values)) throw new Error(`Fn::Select over ${JSON.stringify(values)}`);
        const i = Number(index);
        return i < values.length ? values[i] : this.value(fallback);
      }
      case 'Fn::Jq': {
        const [method, script, input] = list(3);
        if (method !== 'First' && method !== 'All') throw new Error(`Fn::Jq method ${String(method)}`);
        const r = spawnSync('jq', ['-c', String(script)], { input: JSON.stringify(this.value(input)), encoding: 'utf8' });
        if (r.status !== 0) throw new Error(`Fn::Jq ${String(script)}: ${r.stderr}`);
        const outputs = r.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as unknown);
        return method === 'First' ? outputs[0] ?? null : outputs;
      }
      default:
        throw new Error(`the evaluator does not evaluate ${name}`);
    }
  }
}

/** Evaluates a stack template for the given parameter values (the others take their defaults). */
export function evaluateStack(doc: RosTemplateDocument, parameters: Record<string, unknown>): Evaluation {
  const e = new Evaluator(doc, parameters);
  for (const rule of Object.values(doc.Rules ?? {})) {
    if (rule.RuleCondition !== undefined && !e.truth(rule.RuleCondition)) continue;
    for (const assertion of rule.Assertions) {
      if (!e.truth(assertion.Assert)) return { refused: assertion.AssertDescription ?? 'a rule refused the parameters' };
    }
  }
  const resources: Record<string, { Type: string; Properties: Record<string, unknown> }> = {};
  for (const [id, r] of Object.entries(doc.Resources)) {
    if (r.Condition !== undefined && !e.condition(r.Condition)) continue;
    resources[id] = { Type: r.Type, Properties: e.value(r.Properties ?? {}) as Record<string, unknown> };
  }
  return { resources };
}
