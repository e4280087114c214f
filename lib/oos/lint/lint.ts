import { parseTemplateText, SYNTAX_RULE } from './parse';
import { OOS_LINT_RULES } from './rules';
import { finding, isMap, show } from './template-model';
import { Finding, LintOptions, LintResult, RuleContext } from './types';

const DEFAULT_NAME = 'template';

/** Checks an OOS template given as JSON or YAML text. */
export function lintTemplate(text: string, options: LintOptions = {}): LintResult {
  const context = contextOf(options);
  const parsed = parseTemplateText(text, context);
  if (parsed.value === undefined) {
    return resultOf(context, parsed.findings);
  }
  return resultOf(context, [...parsed.findings, ...runRules(parsed.value, Buffer.byteLength(text, 'utf8'), context)]);
}

/**
 * Checks an OOS template given as an object (what a construct is about to emit). Its size is
 * `options.contentBytes`, or that of its compact JSON text; ROS tokens in it (stack parameters)
 * count at their placeholder length and are not checked against constraints.
 */
export function lintTemplateObject(template: unknown, options: LintOptions = {}): LintResult {
  const context = contextOf(options);
  const size = options.contentBytes ?? Buffer.byteLength(JSON.stringify(template) ?? '', 'utf8');
  return resultOf(context, runRules(template, size, context));
}

function runRules(value: unknown, contentBytes: number, context: RuleContext): Finding[] {
  if (!isMap(value)) {
    return [finding(SYNTAX_RULE, 'error', '', `a template is a mapping of FormatVersion, Parameters, Tasks...; this is ${show(value)}`)];
  }
  const template = { root: value, contentBytes };
  return OOS_LINT_RULES.flatMap((rule) => rule.check(template, context));
}

function contextOf(options: LintOptions): RuleContext {
  return { name: options.name ?? DEFAULT_NAME, strict: options.strict ?? false };
}

function resultOf(context: RuleContext, findings: Finding[]): LintResult {
  const errorCount = findings.filter((f) => f.severity === 'error').length;
  return { name: context.name, findings, errorCount, warningCount: findings.length - errorCount };
}

/** One finding on one line: `severity rule path: message`. */
export function formatFinding(f: Finding): string {
  return `${f.severity} ${f.rule}${f.path === '' ? '' : ` ${f.path}`}: ${f.message}`;
}

/**
 * A readable report of a result, for an exception at synthesis: a heading that names the
 * template and counts the findings, then one finding a line (errors first).
 */
export function formatFindings(result: LintResult): string {
  const count = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  const ordered = [...result.findings].sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
  return [
    `OOS template ${result.name}: ${count(result.errorCount, 'error')}, ${count(result.warningCount, 'warning')}`,
    ...ordered.map((f) => `  ${formatFinding(f)}`),
  ].join('\n');
}
