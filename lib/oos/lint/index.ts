/** The OOS template checker: rules, entry points and report formatting. */
export { lintTemplate, lintTemplateObject, formatFindings, formatFinding } from './lint';
export { OOS_LINT_RULES } from './rules';
export { Finding, LintOptions, LintResult, LintRule, ParsedTemplate, RuleContext, Severity } from './types';
