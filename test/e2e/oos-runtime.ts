/**
 * What OOS does with a template, reproduced for the end-to-end tests: parameter defaults and
 * execution values checked as OOS checks them, `{{ ... }}` substitution, and the execution of
 * the tasks (runTemplate). Only what this package's templates use is supported; anything else
 * is an error, so a template that would need more fails the test instead of running half-done.
 */
import { spawnSync } from 'child_process';

/** An OOS template document, as far as these tests read it. */
export interface OosDocument {
  Parameters: Record<string, { Type: string; Default?: unknown; AllowedValues?: unknown[]; AllowedPattern?: string; MinValue?: number; MaxValue?: number }>;
  Tasks: Array<{ Name: string; Action: string; Properties: Record<string, unknown>; Loop?: { Items: unknown }; Retries?: number }>;
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
 * OnSuccess / OnError, `{{ }}` references (a whole-value reference keeps its type, as a list
 * passed to an API), task outputs selected with jq (the real jq binary, as OOS applies jq to
 * each action's result), ACS::ExecuteAPI and ACS::CheckFor against an API stand-in,
 * ACS::ECS::RunCommand through a runner, ACS::Template loops over a child template,
 * ACS::Choice (`Fn::Equals`, with `ACS::END` or a task as the next task), ACS::WaitFor (the call
 * repeated until its value is desired, at most `Retries` more times (OOS's default 10), failing
 * at once on a `StopRetryValues` value; the delays between tries are not waited here), ACS::Notify (a webhook
 * POST), and OOS's own ListExecutions answered from the run's executions (each has an id,
 * `{{ ACS::ExecutionId }}`, a nested one its parent's id). What it assumes where
 * OOS's documentation is silent: a String output takes the selector's single value, a List
 * output all its values; a loop task fails when more items failed than its MaxErrors allows, and
 * its aggregate lists the outputs of the items that succeeded. What OOS does with a loop over an
 * empty list is not documented: here it FAILS the task, so that a template whose list can be
 * empty must guard the loop with ACS::Choice (`Fn::Equals: [[], list]`), as Alibaba's templates
 * do. `Fn::If` evaluates the branch it takes only (Alibaba's templates name, in an output, a task
 * the execution may have skipped).
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
  /** What the top-level execution's `{{ ACS::ExecutionId }}` stands for (default: exec-test0000000001, then one per nested execution). */
  readonly executionId?: string;
  /** The account's OOS encrypted parameters, by name: what `{{oos-secret:NAME}}` resolves to. */
  readonly secretParameters?: Readonly<Record<string, string>>;
}

/**
 * An execution as OOS's ListExecutions describes it: the runtime records every execution it
 * runs (a nested template's with its parent's id), and answers ListExecutions from them.
 */
export interface ExecutionRecord {
  readonly ExecutionId: string;
  readonly ParentExecutionId: string;
  readonly TemplateName: string;
  Status: 'Running' | 'Success' | 'Failed';
  StatusMessage: string;
  readonly Parameters: Record<string, unknown>;
  Outputs: string;
}

/** The executions of one top-level run, and the next id to give. */
interface ExecutionTree {
  readonly records: ExecutionRecord[];
  next: number;
}

/** A template as the runtime reads it. */
export interface OosTemplate extends OosDocument {
  Tasks: Array<OosDocument['Tasks'][number] & {
    Outputs?: Record<string, { Type?: string; ValueSelector: string }>;
    OnError?: string;
    OnSuccess?: string;
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
  /** This execution's id (`{{ ACS::ExecutionId }}`). */
  readonly executionId?: string;
  /** Every execution of the run (this one and those nested in it), as ListExecutions lists them. */
  readonly executions?: readonly ExecutionRecord[];
  /** The ACS::Notify calls the run made, in order, with how each ended. */
  readonly notifications?: ReadonlyArray<{ readonly task: string; readonly uri: string; readonly body: unknown; readonly error?: string }>;
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

  public readonly notifications: Array<{ task: string; uri: string; body: unknown; error?: string }> = [];

  constructor(private readonly params: Record<string, unknown>, private readonly env: OosEnvironment,
    public readonly executionId: string, private readonly tree: ExecutionTree) {}

  /** Resolves references in a value; `item` is the loop item, if any. */
  public resolve(value: unknown, item?: unknown): unknown {
    if (typeof value === 'string') {
      const whole = /^\s*\{\{\s*([A-Za-z0-9_:.-]+)\s*\}\}\s*$/.exec(value);
      if (whole) {
        return this.lookup(whole[1], item);
      }
      return value.replace(/\{\{\s*([A-Za-z0-9_:.-]+)\s*\}\}/g, (_, ref: string) => {
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
        if (name === 'Fn::If') {
          // Only the branch taken is resolved: the other may name a task the execution skipped.
          if (!Array.isArray(args) || args.length !== 3) throw new Error(`Fn::If takes [condition, then, else], got ${JSON.stringify(args)}`);
          const condition = this.resolve(args[0], item);
          if (typeof condition !== 'boolean') throw new Error(`Fn::If: the condition is ${JSON.stringify(condition)}, not true or false`);
          return this.resolve(condition ? args[1] : args[2], item);
        }
        return callFunction(name, this.resolve(args, item));
      }
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.resolve(v, item)]));
    }
    return value;
  }

  private lookup(ref: string, item: unknown): unknown {
    const builtins: Record<string, unknown> = {
      'ACS::RegionId': 'cn-hangzhou',
      'ACS::ExecutionId': this.executionId,
      'ACS::CurrentUTCTime': formatUtcTime(this.env.now ?? new Date(), UTC_TIME_FORMAT),
    };
    if (ref === 'ACS::TaskLoopItem') {
      if (item === undefined) throw new Error('{{ ACS::TaskLoopItem }} outside a loop');
      return item;
    }
    if (ref in builtins) return builtins[ref];
    if (ref.startsWith('oos-secret:')) {
      // OOS resolves an encrypted parameter given as a value (whether it does so for every
      // action, ACS::Notify included, is not confirmed).
      const name = ref.slice('oos-secret:'.length);
      const value = this.env.secretParameters?.[name];
      if (value === undefined) throw new Error(`{{ ${ref} }}: the account has no encrypted parameter ${name}`);
      return value;
    }
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
   * empty list fails the task (see above). Its outputs are the loop's aggregates.
   */
  private async runLoop(task: OosTemplate['Tasks'][number]): Promise<string | undefined> {
    const items = this.resolve(task.Loop!.Items) as unknown[];
    const refused = loopItemsProblem(task.Name, items);
    if (refused) return refused;
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

  /** The task an ACS::Choice chose, for runTemplate to go to. */
  public nextTask?: string;

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
      case 'ACS::CheckFor': {
        const parameters = this.resolve(props.Parameters ?? {}, item) as Record<string, unknown>;
        let response: unknown;
        try {
          response = props.Service === 'OOS' ? this.callOos(String(props.API), parameters) : this.env.callApi(String(props.Service), String(props.API), parameters);
        } catch (e) {
          return `${props.API}: ${(e as Error).message}`;
        }
        if (task.Action === 'ACS::CheckFor') {
          const values = jq(String(this.resolve(props.PropertySelector, item)), response);
          // OOS substitutes references in every property, the desired values among them.
          const desired = (this.resolve(props.DesiredValues, item) as unknown[]).map(String);
          if (values.length === 0 || !values.every((v) => desired.includes(String(v)))) {
            return `${props.PropertySelector} is ${JSON.stringify(values)}, not one of the desired values ${JSON.stringify(desired)}`;
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
      case 'ACS::WaitFor': {
        const parameters = this.resolve(props.Parameters ?? {}, item) as Record<string, unknown>;
        const desired = (this.resolve(props.DesiredValues ?? [], item) as unknown[]).map(String);
        const stop = (this.resolve(props.StopRetryValues ?? [], item) as unknown[]).map(String);
        const tries = 1 + (task.Retries ?? 10);
        let values: unknown[] = [];
        for (let attempt = 1; attempt <= tries; attempt++) {
          let response: unknown;
          try {
            response = this.env.callApi(String(props.Service), String(props.API), parameters);
          } catch (e) {
            return `${props.API}: ${(e as Error).message}`;
          }
          values = jq(String(this.resolve(props.PropertySelector, item)), response);
          if (values.some((v) => stop.includes(String(v)))) {
            return `${props.PropertySelector} is ${JSON.stringify(values)}, one of the values that stop the wait ${JSON.stringify(stop)}`;
          }
          if (values.length > 0 && values.every((v) => desired.includes(String(v)))) {
            try {
              this.taskOutputs[task.Name] = this.outputsOf(task, response, item);
            } catch (e) {
              return `${props.API}: ${(e as Error).message}`;
            }
            return undefined;
          }
        }
        return `${props.PropertySelector} is still ${JSON.stringify(values)} after ${tries} tries, not one of the desired values ${JSON.stringify(desired)}`;
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
      case 'ACS::Choice': {
        // The first choice whose When holds, else the default (OOS documents Fn::Equals among the conditions).
        const p = props as { DefaultTask?: unknown; Choices?: Array<{ When?: unknown; NextTask?: unknown }> };
        if (typeof p.DefaultTask !== 'string' || !Array.isArray(p.Choices)) throw new Error(`task ${task.Name}: ACS::Choice needs DefaultTask and Choices`);
        const chosen = p.Choices.find((c) => {
          if (typeof c.NextTask !== 'string') throw new Error(`task ${task.Name}: each choice needs a NextTask`);
          return condition(this.resolve(c.When, item));
        });
        this.nextTask = String(chosen?.NextTask ?? p.DefaultTask);
        return undefined;
      }
      case 'ACS::Notify':
        return this.notify(task.Name, this.resolve(props) as Record<string, unknown>);
      default:
        throw new Error(`task ${task.Name}: the runtime does not run ${task.Action}`);
    }
  }

  /**
   * ACS::Notify with `NotifyType: WebHook`: an HTTP POST of the JSON Content with the Headers to
   * the URI. A connection error or a status other than 2xx fails the task.
   */
  private async notify(task: string, p: Record<string, unknown>): Promise<string | undefined> {
    if (p.NotifyType !== 'WebHook') throw new Error(`task ${task}: the runtime sends WebHook notifications only`);
    const hook = p.WebHook as { URI: string; Headers?: Record<string, string>; Content: unknown };
    const record: { task: string; uri: string; body: unknown; error?: string } = { task, uri: hook.URI, body: hook.Content };
    this.notifications.push(record);
    try {
      const response = await fetch(hook.URI, { method: 'POST', headers: hook.Headers, body: JSON.stringify(hook.Content), signal: AbortSignal.timeout(5000) });
      await response.arrayBuffer();
      if (response.status < 200 || response.status > 299) record.error = `the webhook answered HTTP ${response.status}`;
    } catch (e) {
      record.error = `the webhook could not be reached: ${(e as Error).message}`;
    }
    return record.error === undefined ? undefined : `Notify: ${record.error}`;
  }

  /** OOS's own API, answered from the executions of this run. */
  private callOos(api: string, p: Record<string, unknown>): unknown {
    if (api !== 'ListExecutions') throw new Error(`the runtime answers OOS ListExecutions only, not ${api}`);
    const known = ['RegionId', 'ParentExecutionId', 'ExecutionId', 'Status', 'TemplateName', 'MaxResults', 'NextToken'];
    const unknown = Object.keys(p).filter((k) => !known.includes(k));
    if (unknown.length > 0) throw new Error(`ListExecutions: the runtime does not take ${unknown.join(', ')}`);
    const found = this.tree.records.filter((r) => (p.ParentExecutionId === undefined || r.ParentExecutionId === p.ParentExecutionId)
      && (p.ExecutionId === undefined || r.ExecutionId === p.ExecutionId)
      && (p.Status === undefined || r.Status === p.Status)
      && (p.TemplateName === undefined || r.TemplateName === p.TemplateName));
    return { RequestId: `oos-req-${this.tree.next}`, Executions: found.map((r) => ({ ...r })) };
  }

  /**
   * An ACS::Template task, looped or not. A loop runs at most `Concurrency` items at once (the
   * rate control's; 1 without), each started in order as another ends, and starts no new item
   * once more items failed than its MaxErrors allows; runs and aggregates keep the items' order.
   * Items run at once interleave at their tasks (each task is awaited), as OOS runs them side by side.
   */
  private async runNested(task: OosTemplate['Tasks'][number]): Promise<string | undefined> {
    const items = task.Loop ? this.resolve(task.Loop.Items) as unknown[] : [undefined];
    const refused = task.Loop ? loopItemsProblem(task.Name, items) : undefined;
    if (refused) return refused;
    const rate = this.resolve(task.Loop?.RateControl ?? {}) as { MaxErrors?: unknown; Concurrency?: unknown };
    const maxErrors = Number(rate.MaxErrors ?? 0);
    const concurrency = Math.max(1, Number(rate.Concurrency ?? 1));
    const runs: Array<Execution | undefined> = new Array(items.length);
    let errors = 0;
    let next = 0;
    const worker = async () => {
      while (next < items.length && errors <= maxErrors) {
        const index = next++;
        const item = items[index];
        const name = String(this.resolve(task.Properties.TemplateName, item));
        const child = this.env.templates?.[name];
        if (!child) throw new Error(`task ${task.Name}: no template ${name}`);
        const run = await runTemplate(child, this.resolve(task.Properties.Parameters ?? {}, item) as Record<string, unknown>, this.env,
          { tree: this.tree, parentId: this.executionId, templateName: name });
        runs[index] = run;
        if (run.status !== 'Success') errors++;
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
    const ran = runs.filter((r): r is Execution => r !== undefined);
    const perItem = ran.filter((r) => r.status === 'Success').map((r) => this.outputsOf(task, r.outputs));
    this.children[task.Name] = ran;
    const aggregates = Object.fromEntries(Object.entries(task.Loop?.Outputs ?? {}).map(([name, a]) => {
      if (a.AggregateType !== 'Fn::ListJoin') throw new Error(`${a.AggregateType} is not supported here`);
      return [name, perItem.map((o) => o[a.AggregateField])];
    }));
    this.taskOutputs[task.Name] = task.Loop ? aggregates : perItem[0] ?? {};
    return errors > maxErrors ? `${errors} of ${items.length} items failed, more than MaxErrors ${maxErrors}` : undefined;
  }
}

/** Why a loop cannot run over its items: not a list, empty (see TemplateRun), or more than 1,000. */
function loopItemsProblem(task: string, items: unknown): string | undefined {
  if (!Array.isArray(items)) throw new Error(`task ${task}: the loop items are not a list`);
  if (items.length === 0) return `the loop of task ${task} has no items: OOS documents no behaviour for an empty loop, guard it with ACS::Choice`;
  if (items.length > 1000) return `${items.length} loop items, more than the 1000 an OOS loop takes`;
  return undefined;
}

/**
 * Runs a template with execution values, as OOS would. `nested` places a nested template's
 * execution under its parent's. Assumed where OOS is silent: a task whose OnError names another
 * task does not by itself fail the execution (its status is that of the path it ends on).
 */
export async function runTemplate(doc: OosTemplate, values: Record<string, unknown>, env: OosEnvironment,
  nested?: { readonly tree: ExecutionTree; readonly parentId: string; readonly templateName: string }): Promise<Execution> {
  const tree = nested?.tree ?? { records: [], next: 1 };
  const generated = `exec-test${String(tree.next++).padStart(10, '0')}`;
  const executionId = nested === undefined ? env.executionId ?? generated : generated;
  const parameters = executionParameters(doc, values);
  const record: ExecutionRecord = {
    ExecutionId: executionId, ParentExecutionId: nested?.parentId ?? '', TemplateName: nested?.templateName ?? '', Status: 'Running', StatusMessage: '', Parameters: parameters, Outputs: '{}',
  };
  tree.records.push(record);
  const run = new TemplateRun(parameters, env, executionId, tree);
  const names = doc.Tasks.map((t) => t.Name);
  const ended = (e: Omit<Execution, 'executionId' | 'executions' | 'notifications'>): Execution => {
    record.Status = e.status;
    record.StatusMessage = e.status === 'Failed' ? `${e.failedTask}: ${e.message}` : '';
    record.Outputs = JSON.stringify(e.outputs);
    return { ...e, executionId, executions: tree.records, notifications: run.notifications };
  };
  let index = 0;
  while (index < doc.Tasks.length) {
    const task = doc.Tasks[index];
    run.ran.push(task.Name);
    run.nextTask = undefined;
    const failure = await run.runTask(task);
    const next = failure === undefined ? run.nextTask ?? task.OnSuccess : task.OnError;
    if (failure !== undefined && next === undefined) {
      return ended({ status: 'Failed', failedTask: task.Name, message: failure, outputs: {}, taskOutputs: run.taskOutputs, ran: run.ran, children: run.children, trigger: run.fired });
    }
    if (next === 'ACS::END') break;
    if (next !== undefined && next !== 'ACS::NEXT' && !names.includes(next)) throw new Error(`task ${task.Name}: no task ${next} to go to`);
    index = next === undefined || next === 'ACS::NEXT' ? index + 1 : names.indexOf(next);
  }
  const outputs = Object.fromEntries(Object.entries(doc.Outputs ?? {}).map(([name, o]) => [name, run.resolve(o.Value)]));
  return ended({ status: 'Success', outputs, taskOutputs: run.taskOutputs, ran: run.ran, children: run.children, trigger: run.fired });
}

/** An ACS::Choice condition, once evaluated (`Fn::Equals` gives a boolean). */
function condition(when: unknown): boolean {
  if (typeof when !== 'boolean') throw new Error(`an ACS::Choice condition must evaluate to true or false, not ${JSON.stringify(when)}`);
  return when;
}

/**
 * The intrinsic functions the package's templates use, as OOS documents them (the exact output
 * formats where the documentation gives none are marked): `Fn::Equals` compares two values,
 * `Fn::If` takes one of two (see TemplateRun.resolve), `Fn::Select` picks an item of a list or a
 * field of an object, `Fn::AddHour` shifts a UTC time by a
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
    case 'Fn::Equals': {
      // Values compared as OOS substitutes them: a whole-value reference keeps its type (a list).
      if (list.length !== 2) throw new Error(`Fn::Equals takes [a, b], got ${JSON.stringify(args)}`);
      return JSON.stringify(list[0]) === JSON.stringify(list[1]);
    }
    case 'Fn::Select': {
      // [index, list] or [key, object], as Alibaba's templates pick a field of a loop item.
      const [key, from] = list;
      if (list.length !== 2) throw new Error(`Fn::Select takes [index or key, list or object], got ${JSON.stringify(args)}`);
      if (Array.isArray(from)) {
        const i = Number(key);
        if (!Number.isInteger(i) || i < 0 || i >= from.length) throw new Error(`Fn::Select: no item ${JSON.stringify(key)} in ${JSON.stringify(from)}`);
        return from[i];
      }
      if (from !== null && typeof from === 'object' && typeof key === 'string' && key in from) return (from as Record<string, unknown>)[key];
      throw new Error(`Fn::Select: no field ${JSON.stringify(key)} in ${JSON.stringify(from)}`);
    }
    case 'Fn::Eval': {
      if (list.length !== 1 || typeof list[0] !== 'string') throw new Error(`Fn::Eval takes [expression], got ${JSON.stringify(args)}`);
      return evaluateArithmetic(list[0]);
    }
    case 'Fn::Jq': {
      // [First | All, program, value]: a jq program over a value, its first output or all of them.
      const [mode, program, value] = list;
      if (list.length !== 3 || (mode !== 'First' && mode !== 'All') || typeof program !== 'string') {
        throw new Error(`Fn::Jq takes [First|All, program, value], got ${JSON.stringify(args)}`);
      }
      const out = jq(program, value);
      return mode === 'All' ? out : out[0] ?? null;
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
