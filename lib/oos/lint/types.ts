/** Types shared by the OOS template checker, its rules and its callers. */

/** How bad a finding is: an error fails the check, a warning is reported only. */
export type Severity = 'error' | 'warning';

/** One problem found in a template. */
export interface Finding {
  /** The id of the rule that found it (`references`, `loop`, ...). */
  readonly rule: string;
  /** Whether it fails the check. */
  readonly severity: Severity;
  /** Where it is, e.g. `Tasks[2](runSnapshot).Properties.commandContent`; empty for the whole template. */
  readonly path: string;
  /** What is wrong and why it matters. */
  readonly message: string;
}

/** Options of a check. */
export interface LintOptions {
  /**
   * The template's name, used in messages.
   *
   * @default 'template'
   */
  readonly name?: string;
  /**
   * Report as errors what is otherwise only a warning because published templates do it:
   * references and names that match only when case is ignored, parameters and selectors the ECS
   * SDK model does not know, actions or keys the checker does not know. Use it for templates
   * this package writes.
   *
   * @default false
   */
  readonly strict?: boolean;
  /**
   * For `lintTemplateObject`: the size in bytes of the content as it will be sent, when the
   * caller renders the object otherwise than as compact JSON (indented, or as YAML).
   *
   * @default - the size of the object's compact JSON text
   */
  readonly contentBytes?: number;
}

/** The outcome of checking one template. */
export interface LintResult {
  /** The template's name, as given in the options. */
  readonly name: string;
  /** Every finding, in rule order. */
  readonly findings: readonly Finding[];
  /** How many findings are errors. */
  readonly errorCount: number;
  /** How many findings are warnings. */
  readonly warningCount: number;
}

/** A JSON-like mapping as the parsers return it. */
export type JsonMap = Readonly<Record<string, unknown>>;

/** A template ready for the rules. */
export interface ParsedTemplate {
  /** The template's top-level mapping. */
  readonly root: JsonMap;
  /** The size of the template's content in bytes (UTF-8), as OOS would receive it. */
  readonly contentBytes: number;
}

/** What every rule knows besides the template. */
export interface RuleContext {
  /** The template's name. */
  readonly name: string;
  /** See {@link LintOptions.strict}. */
  readonly strict: boolean;
}

/** A rule: an id, a one-line summary and a pure check. */
export interface LintRule {
  /** The id findings carry (kebab-case, as the rule's file name). */
  readonly id: string;
  /** One line: what the rule checks. */
  readonly summary: string;
  /** Returns the rule's findings for a template; never throws on a malformed template. */
  readonly check: (template: ParsedTemplate, context: RuleContext) => Finding[];
}
