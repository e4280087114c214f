import { caseInsensitiveMatch, finding, lenient, mapAt, TaskView, tasksOf } from './template-model';
import { Finding, JsonMap, RuleContext } from './types';

/**
 * Resolution of OOS references (`{{ name }}`, `{{ task.output }}`, `{{ ACS::RegionId }}`), shared
 * by the rules that meet them in tasks and in template outputs.
 */

/**
 * Built-in references OOS substitutes, as its documentation and the published templates spell
 * them. OOS compares them without regard to case (published templates write `Acs::CurrentDate`).
 */
export const OOS_BUILTIN_REFERENCES: readonly string[] = [
  'ACS::RegionId',
  'ACS::AccountId',
  'ACS::ExecutionId',
  'ACS::TaskExecutionId',
  'ACS::TaskLoopItem',
  'ACS::CurrentUTCTime',
  'ACS::CurrentDate',
  'ACS::ExecuteUser',
  'ACS::OOSUtilVersion',
];

/** The built-in that stands for the current item of a task's loop. */
export const LOOP_ITEM_REFERENCE = 'ACS::TaskLoopItem';

/** The expressions between `{{` and `}}` in a string, trimmed. */
export function referencesIn(text: string): string[] {
  return [...text.matchAll(/\{\{(.*?)\}\}/gs)].map((m) => m[1].trim());
}

/** Whether a string is one reference and nothing else, e.g. `'{{ instanceIds }}'`. */
export function isWholeReference(text: string): boolean {
  return /^\s*\{\{[^{}]*\}\}\s*$/.test(text);
}

/** Where a reference stands. */
export interface ReferenceSite {
  /**
   * The tasks that have run by then are those before this index: the task's own index inside a
   * task, 0 in parameter defaults and the role, the number of tasks in template outputs.
   */
  readonly taskIndex: number;
  /** Whether that task loops (only then does the loop item exist). */
  readonly inLoop: boolean;
}

/**
 * How a reference resolves: `ok`; `case` when it matches only once case is ignored (published
 * templates rely on OOS ignoring case, the package's own must not); `unknown` when the checker
 * cannot tell (an `ACS::` name it does not know); `error` when it cannot resolve.
 */
export type Resolution =
  | { readonly status: 'ok' }
  | { readonly status: 'case' | 'unknown' | 'error'; readonly message: string };

const OK: Resolution = { status: 'ok' };

/** Why a match that needs case to be ignored is still worth a finding. */
const CASE_NOTE = ': OOS tolerates it in published templates, but a template should spell names as they are declared';

/** Resolves references against one template's parameters and tasks. */
export class ReferenceResolver {
  private readonly parameters: string[];
  private readonly tasks: TaskView[];

  constructor(root: JsonMap) {
    this.parameters = Object.keys(mapAt(root, 'Parameters'));
    this.tasks = tasksOf(root);
  }

  /** Resolves the expression of one `{{ ... }}`. */
  public resolve(expression: string, site: ReferenceSite): Resolution {
    if (/^acs::/i.test(expression)) {
      return this.resolveBuiltin(expression, site);
    }
    if (/^oos(-secret)?:/.test(expression)) {
      // A parameter of the OOS parameter store: it exists in the account, not in the template.
      return OK;
    }
    const plain = /^([A-Za-z0-9_-]+)$/.exec(expression);
    if (plain) {
      return this.resolveParameter(plain[1]);
    }
    const dotted = /^([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(expression);
    if (dotted) {
      return this.resolveTaskOutput(dotted[1], dotted[2], site);
    }
    return {
      status: 'error',
      message: `\`{{ ${expression} }}\` is not a reference OOS understands (a parameter, task.output or ACS:: built-in): OOS would fail the execution or pass the text on unresolved`,
    };
  }

  private resolveBuiltin(expression: string, site: ReferenceSite): Resolution {
    const builtin = caseInsensitiveMatch(OOS_BUILTIN_REFERENCES, expression);
    if (builtin === undefined) {
      return {
        status: 'unknown',
        message: `\`{{ ${expression} }}\` is not a built-in the checker knows (${OOS_BUILTIN_REFERENCES.join(', ')}): a misspelt built-in resolves to nothing`,
      };
    }
    if (builtin === LOOP_ITEM_REFERENCE && !site.inLoop) {
      return {
        status: 'error',
        message: `\`{{ ${expression} }}\` stands for the current loop item, but it does not stand in a task with a Loop: there is nothing to substitute`,
      };
    }
    return builtin === expression ? OK : { status: 'case', message: `\`{{ ${expression} }}\` is spelt \`${builtin}\`${CASE_NOTE}` };
  }

  private resolveParameter(name: string): Resolution {
    if (this.parameters.includes(name)) {
      return OK;
    }
    const near = caseInsensitiveMatch(this.parameters, name);
    if (near !== undefined) {
      return { status: 'case', message: `\`{{ ${name} }}\` matches the parameter \`${near}\` only when case is ignored${CASE_NOTE}` };
    }
    const task = this.findTask(name);
    if (task) {
      return { status: 'error', message: `\`{{ ${name} }}\` names the task \`${task.name}\`, not a parameter: a task's value is read as \`{{ ${task.name}.<output> }}\`` };
    }
    return { status: 'error', message: `\`{{ ${name} }}\` is not a parameter of the template: OOS cannot substitute it and the execution fails` };
  }

  private resolveTaskOutput(taskName: string, output: string, site: ReferenceSite): Resolution {
    const task = this.findTask(taskName);
    if (!task || task.name === undefined) {
      if (caseInsensitiveMatch(this.parameters, taskName) !== undefined) {
        return { status: 'unknown', message: `\`{{ ${taskName}.${output} }}\` reads a field of the parameter \`${taskName}\`, a form OOS does not document` };
      }
      return { status: 'error', message: `\`{{ ${taskName}.${output} }}\` refers to a task \`${taskName}\` that the template does not have` };
    }
    if (task.index >= site.taskIndex) {
      const when = task.index === site.taskIndex ? 'this same task' : 'a task that has not run yet at this point';
      return { status: 'error', message: `\`{{ ${taskName}.${output} }}\` reads an output of ${when}: it has no value yet here` };
    }
    const visible = Object.keys(mapAt(task.loops ? mapAt(task.node, 'Loop') : task.node, 'Outputs'));
    const where = task.loops ? 'Loop.Outputs' : 'Outputs';
    if (!visible.includes(output)) {
      const near = caseInsensitiveMatch(visible, output);
      if (near !== undefined) {
        return { status: 'case', message: `\`{{ ${taskName}.${output} }}\` matches the output \`${near}\` of \`${task.name}\` only when case is ignored${CASE_NOTE}` };
      }
      const perItem = task.loops && Object.keys(mapAt(task.node, 'Outputs')).includes(output)
        ? ` (\`${output}\` is a per-item output: a looping task exposes only its Loop.Outputs aggregates)` : '';
      return {
        status: 'error',
        message: `\`{{ ${taskName}.${output} }}\`: task \`${task.name}\` has no ${where} entry \`${output}\`${perItem}; it has ${visible.length ? visible.join(', ') : 'none'}`,
      };
    }
    if (task.name !== taskName) {
      return { status: 'case', message: `\`{{ ${taskName}.${output} }}\` matches the task \`${task.name}\` only when case is ignored${CASE_NOTE}` };
    }
    return OK;
  }

  private findTask(name: string): TaskView | undefined {
    return this.tasks.find((t) => t.name === name) ?? this.tasks.find((t) => t.name !== undefined && t.name.toLowerCase() === name.toLowerCase());
  }
}

/** The findings for the references in one string: errors, or lenient findings for `case` and `unknown`. */
export function checkReferencesIn(
  text: string, path: string, site: ReferenceSite, resolver: ReferenceResolver, rule: string, context: RuleContext,
): Finding[] {
  const findings: Finding[] = [];
  for (const expression of referencesIn(text)) {
    const resolution = resolver.resolve(expression, site);
    if (resolution.status !== 'ok') {
      findings.push(finding(rule, resolution.status === 'error' ? 'error' : lenient(context), path, resolution.message));
    }
  }
  return findings;
}
