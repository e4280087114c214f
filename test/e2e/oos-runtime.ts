/**
 * What OOS does to a template before it runs a task, reproduced for the end-to-end tests:
 * parameter defaults and execution values, then `{{ ... }}` substitution in the task's
 * properties. Only what this package's templates use is supported; anything else is an error,
 * so a template that would need more fails the test instead of running half-substituted.
 */

/** An OOS template document, as far as these tests read it. */
export interface OosDocument {
  Parameters: Record<string, { Type: string; Default?: unknown; AllowedValues?: unknown[]; AllowedPattern?: string; MinValue?: number; MaxValue?: number }>;
  Tasks: Array<{ Name: string; Action: string; Properties: Record<string, unknown>; Loop?: { Items: unknown } }>;
}

/** The parameter values of an execution: the defaults overridden by `values`, each checked as OOS checks it. */
export function executionParameters(doc: OosDocument, values: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(values)) {
    if (!(key in doc.Parameters)) throw new Error(`unknown parameter ${key}`);
  }
  for (const [name, p] of Object.entries(doc.Parameters)) {
    const v = name in values ? values[name] : p.Default;
    if (v === undefined) throw new Error(`parameter ${name} has no value and no default`);
    if (p.AllowedValues && !p.AllowedValues.includes(v)) throw new Error(`parameter ${name}: ${JSON.stringify(v)} is not allowed`);
    if (p.AllowedPattern && typeof v === 'string' && !new RegExp(p.AllowedPattern).test(v)) {
      throw new Error(`parameter ${name}: ${JSON.stringify(v)} does not match ${p.AllowedPattern}`);
    }
    if (p.Type === 'Number' && (typeof v !== 'number' || (p.MinValue !== undefined && v < p.MinValue) || (p.MaxValue !== undefined && v > p.MaxValue))) {
      throw new Error(`parameter ${name}: ${JSON.stringify(v)} is not a number in range`);
    }
    out[name] = v;
  }
  return out;
}

/** Substitutes `{{ name }}` and `{{ ACS::... }}` references in a string, as OOS does. */
export function substitute(text: string, params: Record<string, unknown>, builtins: Record<string, string>): string {
  const result = text.replace(/\{\{\s*([A-Za-z0-9_:.]+)\s*\}\}/g, (_, ref: string) => {
    if (ref.startsWith('ACS::')) {
      if (!(ref in builtins)) throw new Error(`built-in ${ref} is not available here`);
      return builtins[ref];
    }
    if (!(ref in params)) throw new Error(`reference {{ ${ref} }} names no parameter`);
    const v = params[ref];
    return typeof v === 'string' ? v : JSON.stringify(v);
  });
  if (result.includes('{{')) throw new Error('a {{ remained after substitution');
  return result;
}

/** The command OOS would send to one instance for the RunCommand task `taskName`. */
export function instanceCommand(doc: OosDocument, taskName: string, instanceId: string, values: Record<string, unknown> = {}): { command: string; commandType: string } {
  const task = doc.Tasks.find((t) => t.Name === taskName);
  if (!task || task.Action !== 'ACS::ECS::RunCommand') throw new Error(`no ACS::ECS::RunCommand task ${taskName}`);
  const params = executionParameters(doc, values);
  const builtins = { 'ACS::TaskLoopItem': instanceId, 'ACS::RegionId': 'cn-hangzhou', 'ACS::ExecutionId': 'exec-test0000000001' };
  return {
    command: substitute(String(task.Properties.commandContent), params, builtins),
    commandType: substitute(String(task.Properties.commandType), params, builtins),
  };
}
