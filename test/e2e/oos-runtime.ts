/**
 * What OOS does with a template, reproduced for the end-to-end tests: parameter defaults and
 * execution values checked as OOS checks them, `{{ ... }}` substitution, and the execution of
 * the tasks (runTemplate). Only what this package's templates use is supported; anything else
 * is an error, so a template that would need more fails the test instead of running half-done.
 */
import { spawnSync } from 'child_process';
import { isDeepStrictEqual } from 'util';

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

/**
 * A stand-in for OOS running a whole template, for the end-to-end tests: tasks in order with
 * OnSuccess / OnError (a failed task with an OnError goes on there; the execution then ends
 * Success unless a later task fails, which OOS does not document: the templates here make their
 * last task fail whenever their work did not succeed), `{{ }}` references (a whole-value
 * reference keeps its type, as a list passed to an API), task outputs selected with jq (the real
 * jq binary, as OOS applies jq to each action's result), ACS::ExecuteAPI, ACS::CheckFor and
 * ACS::WaitFor against an API stand-in, ACS::Choice, ACS::ECS::RunCommand through a runner, and
 * ACS::Template loops over a child template. What it assumes where OOS's documentation is
 * silent: a String output takes the selector's single value, a List output all its values; a
 * loop task fails when more items failed than its MaxErrors allows, and its aggregate lists the
 * outputs of the items that succeeded; ACS::WaitFor calls its API at most Retries + 1 times
 * (Retries default 10) and does not sleep between the calls (the API stand-in counts calls, not
 * seconds).
 */

/** What a template's tasks reach outside OOS. */
export interface OosEnvironment {
  /** An API call: the response, or a thrown error for an API error. */
  callApi(service: string, api: string, parameters: Record<string, unknown>): unknown;
  /**
   * A command run on an instance through Cloud Assistant, with the task's `timeout` in seconds
   * (ACS::ECS::RunCommand's default: 600), which Cloud Assistant enforces by killing the
   * command's own process.
   */
  runCommand(task: string, instanceId: string, commandType: string, content: string, timeoutSeconds: number): Promise<{ output: string; exitCode: number }>;
  /** The templates an ACS::Template task may run, by name. */
  readonly templates?: Readonly<Record<string, OosTemplate>>;
  /** The time `{{ ACS::CurrentUTCTime }}` stands for (default: the real current time). */
  readonly now?: Date;
  /** What `{{ ACS::ExecutionId }}` stands for (default: exec-test0000000001). */
  readonly executionId?: string;
}

/** A template as the runtime reads it. */
export interface OosTemplate extends OosDocument {
  Tasks: Array<OosDocument['Tasks'][number] & {
    Outputs?: Record<string, { Type?: string; ValueSelector: string }>;
    OnError?: string;
    OnSuccess?: string;
    Retries?: number;
    Loop?: { Items: unknown; RateControl?: unknown; Outputs?: Record<string, { AggregateType: string; AggregateField: string }> };
  }>;
  Outputs?: Record<string, { Type?: string; Value: unknown }>;
}

/** How an execution ended. */
export interface Execution {
  readonly status: 'Success' | 'Failed';
  /** The task that failed, and why. */
  readonly failedTask?: string;
  readonly message?: string;
  /** The template's outputs (a failed execution has none). */
  readonly outputs: Record<string, unknown>;
  /** Each task's outputs, by task name. */
  readonly taskOutputs: Record<string, Record<string, unknown>>;
  /** The tasks run, in order. */
  readonly ran: string[];
  /** For ACS::Template loops: each item's execution, by task name. */
  readonly children: Record<string, Execution[]>;
  /** The timer trigger's properties, when the template starts with one (the run is one firing). */
  readonly trigger?: Record<string, unknown>;
}

/** Runs a jq selector over a JSON value; returns every value it yields. */
export function jq(selector: string, input: unknown): unknown[] {
  const r = spawnSync('jq', ['-c', selector], { input: JSON.stringify(input), encoding: 'utf8' });
  if (r.status !== 0) {
    throw new Error(`jq ${selector} failed: ${r.stderr.trim()}`);
  }
  return r.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l));
}

/** A task output's value from what its selector yields. */
function typedOutput(type: string | undefined, values: unknown[], where: string): unknown {
  if ((type ?? 'String') === 'List') {
    return values;
  }
  if (values.length !== 1) {
    throw new Error(`${where}: the selector yields ${values.length} values for a ${type ?? 'String'} output`);
  }
  return values[0];
}

class TemplateRun {
  public readonly taskOutputs: Record<string, Record<string, unknown>> = {};
  public readonly ran: string[] = [];
  public readonly children: Record<string, Execution[]> = {};
  /** The properties of the timer trigger that fired, if the template has one. */
  public fired?: Record<string, unknown>;

  constructor(private readonly params: Record<string, unknown>, private readonly env: OosEnvironment) {}

  /** Resolves references in a value; `item` is the loop item, if any. */
  public resolve(value: unknown, item?: unknown): unknown {
    if (typeof value === 'string') {
      const whole = /^\s*\{\{\s*([A-Za-z0-9_:.]+)\s*\}\}\s*$/.exec(value);
      if (whole) {
        return this.lookup(whole[1], item);
      }
      return value.replace(/\{\{\s*([A-Za-z0-9_:.]+)\s*\}\}/g, (_, ref: string) => {
        const v = this.lookup(ref, item);
        return typeof v === 'string' ? v : JSON.stringify(v);
      });
    }
    if (Array.isArray(value)) {
      return value.map((v) => this.resolve(v, item));
    }
    if (value !== null && typeof value === 'object') {
      if (isFunctionCall(value)) {
        const [name, args] = Object.entries(value)[0];
        return callFunction(name, this.resolve(args, item));
      }
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.resolve(v, item)]));
    }
    return value;
  }

  private lookup(ref: string, item: unknown): unknown {
    const builtins: Record<string, unknown> = {
      'ACS::RegionId': 'cn-hangzhou',
      'ACS::ExecutionId': this.env.executionId ?? 'exec-test0000000001',
      'ACS::CurrentUTCTime': formatUtcTime(this.env.now ?? new Date(), UTC_TIME_FORMAT),
    };
    if (ref === 'ACS::TaskLoopItem') {
      if (item === undefined) throw new Error('{{ ACS::TaskLoopItem }} outside a loop');
      return item;
    }
    if (ref in builtins) return builtins[ref];
    if (ref.includes('.')) {
      const [task, name] = ref.split('.');
      const outputs = this.taskOutputs[task];
      if (!outputs || !(name in outputs)) throw new Error(`{{ ${ref} }}: task ${task} has not produced ${name}`);
      return outputs[name];
    }
    if (!(ref in this.params)) throw new Error(`{{ ${ref} }} names no parameter`);
    // A default may itself be a built-in reference, such as the region's.
    const value = this.params[ref];
    return typeof value === 'string' && value.includes('{{') ? this.resolve(value, item) : value;
  }

  /** A task's outputs; OOS substitutes `{{ }}` references in selectors too (public templates rely on it). */
  public outputsOf(task: OosTemplate['Tasks'][number], result: unknown, item?: unknown): Record<string, unknown> {
    return Object.fromEntries(Object.entries(task.Outputs ?? {}).map(([name, o]) =>
      [name, typedOutput(o.Type, jq(String(this.resolve(o.ValueSelector, item)), result), `${task.Name}.${name}`)]));
  }

  /** Runs one task; returns the failure message, or undefined on success. */
  public async runTask(task: OosTemplate['Tasks'][number]): Promise<string | undefined> {
    if (task.Loop && task.Action !== 'ACS::Template') {
      return this.runLoop(task);
    }
    return this.runOnce(task);
  }

  /**
   * A loop over an API action: the task once per item (`{{ ACS::TaskLoopItem }}`), in order; an
   * empty list runs nothing and succeeds. Its outputs are the loop's aggregates.
   */
  private async runLoop(task: OosTemplate['Tasks'][number]): Promise<string | undefined> {
    const items = this.resolve(task.Loop!.Items) as unknown[];
    if (!Array.isArray(items)) throw new Error(`task ${task.Name}: the loop items are not a list`);
    if (items.length > 1000) return `${items.length} loop items, more than the 1000 an OOS loop takes`;
    const maxErrors = Number((this.resolve(task.Loop!.RateControl ?? {}) as { MaxErrors?: unknown }).MaxErrors ?? 0);
    const perItem: Array<Record<string, unknown>> = [];
    const failures: string[] = [];
    for (const item of items) {
      if (failures.length > maxErrors) break;
      const failure = await this.runOnce(task, item);
      if (failure === undefined) {
        perItem.push(this.taskOutputs[task.Name] ?? {});
      } else {
        failures.push(failure);
      }
    }
    this.taskOutputs[task.Name] = Object.fromEntries(Object.entries(task.Loop!.Outputs ?? {}).map(([name, a]) => {
      if (a.AggregateType !== 'Fn::ListJoin') throw new Error(`${a.AggregateType} is not supported here`);
      return [name, perItem.map((o) => o[a.AggregateField])];
    }));
    this.loopItems[task.Name] = items;
    return failures.length > maxErrors ? `${failures.length} of ${items.length} items failed, more than MaxErrors ${maxErrors}: ${failures[0]}` : undefined;
  }

  /** The items each looping API task ran over, by task name. */
  public readonly loopItems: Record<string, unknown[]> = {};

  private async runOnce(task: OosTemplate['Tasks'][number], item?: unknown): Promise<string | undefined> {
    const props = task.Properties;
    switch (task.Action) {
      case 'ACS::SelectTargets': {
        // OOS selects the instances itself; its result is shaped as DescribeInstances' (the
        // selectors of public templates read .Instances.Instance[]), so the stand-in answers
        // DescribeInstances filtered by the tags.
        const p = this.resolve(props, item) as { ResourceType?: string; RegionId?: string; Filters?: Array<{ Type?: string; Tags?: unknown; RegionId?: string }> };
        if (p.ResourceType !== 'ALIYUN::ECS::Instance') throw new Error(`task ${task.Name}: SelectTargets of ${String(p.ResourceType)} is not supported here`);
        const filters = p.Filters ?? [];
        if (filters.length !== 1 || filters[0].Type !== 'Tags' || !Array.isArray(filters[0].Tags)) {
          throw new Error(`task ${task.Name}: only one Tags filter is supported here`);
        }
        let response: unknown;
        try {
          response = this.env.callApi('ECS', 'DescribeInstances', { RegionId: p.RegionId, Tag: filters[0].Tags });
        } catch (e) {
          return `SelectTargets: ${(e as Error).message}`;
        }
        try {
          this.taskOutputs[task.Name] = this.outputsOf(task, response);
        } catch (e) {
          return `SelectTargets: ${(e as Error).message}`;
        }
        return undefined;
      }
      case 'ACS::TimerTrigger': {
        // The execution stands for one firing of the trigger: the tasks after it run once.
        if (this.ran[0] !== task.Name) throw new Error(`task ${task.Name}: ACS::TimerTrigger must be the template's first task`);
        this.fired = this.resolve(props, item) as Record<string, unknown>;
        return undefined;
      }
      case 'ACS::ExecuteAPI':
      case 'ACS::CheckFor':
      case 'ACS::WaitFor': {
        const parameters = this.resolve(props.Parameters ?? {}, item) as Record<string, unknown>;
        const call = () => this.env.callApi(String(props.Service), String(props.API), parameters);
        let response: unknown;
        try {
          response = call();
        } catch (e) {
          return `${props.API}: ${(e as Error).message}`;
        }
        if (task.Action !== 'ACS::ExecuteAPI') {
          const selector = String(this.resolve(props.PropertySelector, item));
          const strings = (v: unknown) => ((v ?? []) as unknown[]).map(String);
          const [desired, notDesired, stop] = [strings(props.DesiredValues), strings(props.NotDesiredValues), strings(props.StopRetryValues)];
          const judge = (values: unknown[]) => values.length > 0 && values.every((v) => (props.DesiredValues !== undefined
            ? desired.includes(String(v)) : !notDesired.includes(String(v))));
          let values = jq(selector, response);
          // ACS::WaitFor polls (Retries, default 10) until the values are the desired ones, or one
          // of them is a value to stop on; ACS::CheckFor judges once.
          const retries = task.Action === 'ACS::WaitFor' ? Number(task.Retries ?? 10) : 0;
          for (let attempt = 0; !judge(values) && attempt < retries && !values.some((v) => stop.includes(String(v))); attempt++) {
            try {
              response = call();
            } catch (e) {
              return `${props.API}: ${(e as Error).message}`;
            }
            values = jq(selector, response);
          }
          if (!judge(values)) {
            const wanted = props.DesiredValues !== undefined ? `one of the desired values ${JSON.stringify(desired)}` : `none of ${JSON.stringify(notDesired)}`;
            return `${selector} is ${JSON.stringify(values)}, not ${wanted}${task.Action === 'ACS::WaitFor' ? ` after ${retries + 1} calls` : ''}`;
          }
        }
        // A selector that fails (jq's error(...)) fails the task, with jq's message.
        try {
          this.taskOutputs[task.Name] = this.outputsOf(task, response, item);
        } catch (e) {
          return `${props.API}: ${(e as Error).message}`;
        }
        return undefined;
      }
      case 'ACS::ECS::RunCommand': {
        const r = this.resolve(props, item) as Record<string, unknown>;
        const { output, exitCode } = await this.env.runCommand(task.Name, String(r.instanceId), String(r.commandType), String(r.commandContent), Number(r.timeout ?? 600));
        if (exitCode !== 0) {
          return `the command exited with ${exitCode}; its output ends with: ${output.trimEnd().split('\n').slice(-1)[0]}`;
        }
        this.taskOutputs[task.Name] = this.outputsOf(task, { invocationOutput: output });
        return undefined;
      }
      case 'ACS::Template':
        return this.runNested(task);
      case 'ACS::Choice':
        // Judged in runTemplate, which takes the transition.
        return undefined;
      default:
        throw new Error(`task ${task.Name}: the runtime does not run ${task.Action}`);
    }
  }

  private async runNested(task: OosTemplate['Tasks'][number]): Promise<string | undefined> {
    const items = task.Loop ? this.resolve(task.Loop.Items) as unknown[] : [undefined];
    const maxErrors = Number((this.resolve(task.Loop?.RateControl ?? {}) as { MaxErrors?: unknown }).MaxErrors ?? 0);
    const perItem: Array<Record<string, unknown>> = [];
    const runs: Execution[] = [];
    let errors = 0;
    for (const item of items) {
      if (errors > maxErrors) break;
      const name = String(this.resolve(task.Properties.TemplateName, item));
      const child = this.env.templates?.[name];
      if (!child) throw new Error(`task ${task.Name}: no template ${name}`);
      const run = await runTemplate(child, this.resolve(task.Properties.Parameters ?? {}, item) as Record<string, unknown>, this.env);
      runs.push(run);
      if (run.status === 'Success') {
        perItem.push(this.outputsOf(task, run.outputs));
      } else {
        errors++;
      }
    }
    this.children[task.Name] = runs;
    const aggregates = Object.fromEntries(Object.entries(task.Loop?.Outputs ?? {}).map(([name, a]) => {
      if (a.AggregateType !== 'Fn::ListJoin') throw new Error(`${a.AggregateType} is not supported here`);
      return [name, perItem.map((o) => o[a.AggregateField])];
    }));
    this.taskOutputs[task.Name] = task.Loop ? aggregates : perItem[0] ?? {};
    return errors > maxErrors ? `${errors} of ${items.length} items failed, more than MaxErrors ${maxErrors}` : undefined;
  }

  /**
   * The task an ACS::Choice goes to: the first choice whose `When` holds (its functions
   * evaluated, as `Fn::Equals`), else the DefaultTask.
   */
  public choose(task: OosTemplate['Tasks'][number]): string {
    const props = task.Properties as { DefaultTask?: string; Choices?: Array<{ When?: unknown; NextTask?: string }> };
    if (typeof props.DefaultTask !== 'string' || !Array.isArray(props.Choices)) throw new Error(`task ${task.Name}: ACS::Choice needs DefaultTask and Choices`);
    for (const choice of props.Choices) {
      const when = this.resolve(choice.When);
      if (typeof when !== 'boolean') throw new Error(`task ${task.Name}: a When must be a condition function (Fn::Equals), got ${JSON.stringify(choice.When)}`);
      if (when) return String(choice.NextTask);
    }
    return props.DefaultTask;
  }
}

/** Runs a template with execution values, as OOS would. */
export async function runTemplate(doc: OosTemplate, values: Record<string, unknown>, env: OosEnvironment): Promise<Execution> {
  const run = new TemplateRun(executionParameters(doc, values), env);
  const names = doc.Tasks.map((t) => t.Name);
  let index = 0;
  while (index < doc.Tasks.length) {
    const task = doc.Tasks[index];
    run.ran.push(task.Name);
    const failure = await run.runTask(task);
    const next = failure === undefined ? (task.Action === 'ACS::Choice' ? run.choose(task) : task.OnSuccess) : task.OnError;
    if (failure !== undefined && next === undefined) {
      return { status: 'Failed', failedTask: task.Name, message: failure, outputs: {}, taskOutputs: run.taskOutputs, ran: run.ran, children: run.children, trigger: run.fired };
    }
    if (next === 'ACS::END') break;
    if (next !== undefined && next !== 'ACS::NEXT' && !names.includes(next)) throw new Error(`task ${task.Name}: no task ${next} to go to`);
    index = next === undefined || next === 'ACS::NEXT' ? index + 1 : names.indexOf(next);
  }
  const outputs = Object.fromEntries(Object.entries(doc.Outputs ?? {}).map(([name, o]) => [name, run.resolve(o.Value)]));
  return { status: 'Success', outputs, taskOutputs: run.taskOutputs, ran: run.ran, children: run.children, trigger: run.fired };
}

/**
 * The intrinsic functions the package's templates use, as OOS documents them (the exact output
 * formats where the documentation gives none are marked): `Fn::AddHour` shifts a UTC time by a
 * number of hours, `Fn::FormatUTCTime` formats one with strftime directives, `Fn::Eval` evaluates
 * a one-line expression (here: arithmetic only). Public templates compute "now minus N days" as
 * `Fn::FormatUTCTime: [Fn::AddHour: ['{{ ACS::CurrentUTCTime }}', Fn::Eval: ['-N*24']], format]`.
 * Any other function is an error, so that a template needing more fails the test.
 */

/** How `ACS::CurrentUTCTime` and `Fn::AddHour` write a time: ISO 8601 UTC to the second (the format is unconfirmed). */
const UTC_TIME_FORMAT = '%Y-%m-%dT%H:%M:%SZ';

/** Whether a value is one intrinsic function call, `{ 'Fn::Name': args }`. */
function isFunctionCall(value: object): boolean {
  const keys = Object.keys(value);
  return !Array.isArray(value) && keys.length === 1 && keys[0].startsWith('Fn::');
}

/** Calls an intrinsic function on its resolved arguments. */
function callFunction(name: string, args: unknown): unknown {
  const list = Array.isArray(args) ? args : [args];
  switch (name) {
    case 'Fn::AddHour': {
      const [time, hours] = list;
      const h = Number(hours);
      if (list.length !== 2 || !Number.isFinite(h)) throw new Error(`Fn::AddHour takes [time, hours], got ${JSON.stringify(args)}`);
      return formatUtcTime(new Date(parseUtcTime(time).getTime() + h * 3_600_000), UTC_TIME_FORMAT);
    }
    case 'Fn::FormatUTCTime': {
      const [time, format] = list;
      if (list.length !== 2 || typeof format !== 'string') throw new Error(`Fn::FormatUTCTime takes [time, format], got ${JSON.stringify(args)}`);
      return formatUtcTime(parseUtcTime(time), format);
    }
    case 'Fn::Eval': {
      if (list.length !== 1 || typeof list[0] !== 'string') throw new Error(`Fn::Eval takes [expression], got ${JSON.stringify(args)}`);
      return evaluateArithmetic(list[0]);
    }
    case 'Fn::Equals': {
      if (list.length !== 2) throw new Error(`Fn::Equals takes [a, b], got ${JSON.stringify(args)}`);
      return isDeepStrictEqual(list[0], list[1]);
    }
    case 'Fn::Jq': {
      // [First | All, program, value]: the program's first output, or all of them.
      const [mode, program, value] = list;
      if (list.length !== 3 || (mode !== 'First' && mode !== 'All') || typeof program !== 'string') {
        throw new Error(`Fn::Jq takes [First|All, program, value], got ${JSON.stringify(args)}`);
      }
      const out = jq(program, value);
      return mode === 'All' ? out : out[0] ?? null;
    }
    case 'Fn::Select': {
      // [index, list] or [key, object], as public templates select a loop item's field.
      const [key, from] = list;
      if (list.length !== 2) throw new Error(`Fn::Select takes [index or key, list or object], got ${JSON.stringify(args)}`);
      if (Array.isArray(from)) return from[Number(key)];
      if (from !== null && typeof from === 'object' && typeof key === 'string') return (from as Record<string, unknown>)[key];
      throw new Error(`Fn::Select: cannot select ${JSON.stringify(key)} from ${JSON.stringify(from)}`);
    }
    default:
      throw new Error(`the runtime does not evaluate ${name}`);
  }
}

/** A UTC time as OOS passes it: ISO 8601 with `Z`, seconds optional. */
function parseUtcTime(value: unknown): Date {
  const m = typeof value === 'string' ? /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?Z$/.exec(value) : null;
  if (!m) throw new Error(`${JSON.stringify(value)} is not a UTC time`);
  const [, y, mo, d, h, mi, sec] = m;
  return new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec ?? 0)));
}

/** strftime's %Y %m %d %H %M %S in UTC; any other directive is an error. */
function formatUtcTime(date: Date, format: string): string {
  const two = (n: number) => String(n).padStart(2, '0');
  const fields: Record<string, string> = {
    Y: String(date.getUTCFullYear()).padStart(4, '0'),
    m: two(date.getUTCMonth() + 1),
    d: two(date.getUTCDate()),
    H: two(date.getUTCHours()),
    M: two(date.getUTCMinutes()),
    S: two(date.getUTCSeconds()),
    '%': '%',
  };
  return format.replace(/%(.)/g, (_, c: string) => {
    if (!(c in fields)) throw new Error(`Fn::FormatUTCTime: the runtime does not support %${c}`);
    return fields[c];
  });
}

/** `+ - * /`, parentheses, unary minus and numbers; anything else is an error. */
function evaluateArithmetic(text: string): number {
  const tokens = text.match(/\d+(?:\.\d+)?|[-+*/()]|\S/g) ?? [];
  let at = 0;
  const peek = () => tokens[at];
  const expression = (): number => {
    let v = term();
    while (peek() === '+' || peek() === '-') v = tokens[at++] === '+' ? v + term() : v - term();
    return v;
  };
  const term = (): number => {
    let v = factor();
    while (peek() === '*' || peek() === '/') v = tokens[at++] === '*' ? v * factor() : v / factor();
    return v;
  };
  const factor = (): number => {
    const t = tokens[at++];
    if (t === '-') return -factor();
    if (t === '(') {
      const v = expression();
      if (tokens[at++] !== ')') throw new Error(`Fn::Eval: unbalanced parentheses in ${JSON.stringify(text)}`);
      return v;
    }
    if (t !== undefined && /^\d/.test(t)) return Number(t);
    throw new Error(`Fn::Eval: the runtime evaluates arithmetic only, not ${JSON.stringify(text)}`);
  };
  const value = expression();
  if (at !== tokens.length) throw new Error(`Fn::Eval: the runtime evaluates arithmetic only, not ${JSON.stringify(text)}`);
  return value;
}
