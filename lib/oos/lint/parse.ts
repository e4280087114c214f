import * as YAML from 'yaml';
import { finding, lenient } from './template-model';
import { Finding, RuleContext } from './types';

/** The rule id of parse problems. */
export const SYNTAX_RULE = 'syntax';

/** The outcome of reading template text. */
export interface ParsedText {
  /** The parsed value, when the text could be read. */
  readonly value?: unknown;
  /** Parse errors, or warnings about text accepted leniently. */
  readonly findings: Finding[];
}

/**
 * YAML 1.1 booleans that YAML 1.2 reads as strings. Alibaba's tooling reads OOS YAML as YAML 1.1
 * does for these words (the JSON twin of a published template has `false` where its YAML has
 * `No`), but not for `y`/`n`, which stay strings there too.
 */
const YAML11_BOOLEAN: YAML.ScalarTag = {
  identify: (value) => typeof value === 'boolean',
  default: true,
  tag: 'tag:yaml.org,2002:bool',
  test: /^(?:yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF)$/,
  resolve: (text) => /^(?:yes|on)$/i.test(text),
};

const YAML_OPTIONS: YAML.ParseOptions & YAML.DocumentOptions & YAML.SchemaOptions = {
  schema: 'core',
  customTags: (tags) => [...tags, YAML11_BOOLEAN],
  merge: true,
  prettyErrors: true,
};

/**
 * Reads a template written in JSON or YAML. JSON is tried first when the text starts with `{`.
 * YAML follows the 1.2 core schema plus the YAML 1.1 words for booleans; a quoted string whose
 * continuation lines are indented less than its key (rejected by YAML 1.2, accepted by the
 * parser OOS's published templates were written for) is read after re-indenting those lines,
 * with a finding that says so.
 */
export function parseTemplateText(text: string, context: RuleContext): ParsedText {
  const body = text.replace(/^\uFEFF/, '');
  let jsonError: string | undefined;
  if (body.trimStart().startsWith('{')) {
    try {
      return { value: JSON.parse(body), findings: [] };
    } catch (e) {
      jsonError = (e as Error).message;
    }
  }
  const first = parseYaml(body);
  if (first.errors.length === 0) {
    return { value: first.value, findings: first.warnings };
  }
  const relaxed = relaxQuotedContinuations(body);
  if (relaxed.lines.length > 0) {
    const second = parseYaml(relaxed.text);
    if (second.errors.length === 0) {
      const notes = relaxed.lines.map((line) => finding(SYNTAX_RULE, lenient(context), `line ${line}`,
        'a quoted string continues on a line indented less than its key: YAML 1.2 parsers reject this, so some tools cannot read the template'));
      return { value: second.value, findings: [...notes, ...second.warnings] };
    }
  }
  const errors = jsonError !== undefined
    ? [finding(SYNTAX_RULE, 'error', '', `not valid JSON: ${jsonError}`)]
    : first.errors;
  return { findings: errors };
}

interface YamlOutcome {
  readonly value?: unknown;
  readonly errors: Finding[];
  readonly warnings: Finding[];
}

function parseYaml(text: string): YamlOutcome {
  const docs = YAML.parseAllDocuments(text, YAML_OPTIONS);
  const list = Array.isArray(docs) ? docs : [];
  if (list.length !== 1) {
    return {
      errors: [finding(SYNTAX_RULE, 'error', '', list.length === 0
        ? 'the text holds no YAML document: a template is one mapping'
        : `the text holds ${list.length} YAML documents: a template is exactly one`)],
      warnings: [],
    };
  }
  const doc = list[0];
  const describe = (e: YAML.YAMLError) => e.message.split('\n')[0];
  const where = (e: YAML.YAMLError) => (e.linePos ? `line ${e.linePos[0].line}` : '');
  return {
    value: doc.errors.length === 0 ? doc.toJS({ maxAliasCount: 1000 }) : undefined,
    errors: doc.errors.map((e) => finding(SYNTAX_RULE, 'error', where(e), `not valid YAML: ${describe(e)}`)),
    warnings: doc.warnings.map((e) => finding(SYNTAX_RULE, 'warning', where(e), describe(e))),
  };
}

/** The text with under-indented continuation lines of quoted strings indented, and those lines (1-based). */
export function relaxQuotedContinuations(text: string): { text: string; lines: number[] } {
  const lines = text.split('\n');
  const changed: number[] = [];
  let open: { quote: string; indent: number } | undefined;
  let blockIndent: number | undefined;
  lines.forEach((line, i) => {
    const indent = line.length - line.trimStart().length;
    const blank = line.trim() === '';
    if (open) {
      if (blank) {
        return;
      }
      if (indent <= open.indent) {
        lines[i] = ' '.repeat(open.indent + 2 - indent) + line;
        changed.push(i + 1);
      }
      if (closingQuote(line, 0, open.quote) >= 0) {
        open = undefined;
      }
      return;
    }
    if (blockIndent !== undefined) {
      if (blank || indent > blockIndent) {
        return;
      }
      blockIndent = undefined;
    }
    const content = line.trimStart();
    if (blank || content.startsWith('#')) {
      return;
    }
    const start = valueStart(content);
    const quote = content[start];
    if (quote === "'" || quote === '"') {
      if (closingQuote(content, start + 1, quote) < 0) {
        open = { quote, indent };
      }
    } else if (/^[|>][-+0-9]*\s*(#.*)?$/.test(content.slice(start))) {
      blockIndent = indent;
    }
  });
  return { text: lines.join('\n'), lines: changed };
}

/** Where the value of a `key: value` or `- value` line starts. */
function valueStart(content: string): number {
  let at = 0;
  while (/^-(\s|$)/.test(content.slice(at))) {
    at += 1;
    while (content[at] === ' ') {
      at += 1;
    }
  }
  const rest = content.slice(at);
  if (rest.startsWith("'") || rest.startsWith('"')) {
    return at;
  }
  const colon = rest.search(/:(\s|$)/);
  if (colon < 0) {
    return at;
  }
  let value = at + colon + 1;
  while (content[value] === ' ') {
    value += 1;
  }
  return value;
}

/** The index of the quote that closes a quoted string begun before `from`, or -1. */
function closingQuote(text: string, from: number, quote: string): number {
  for (let i = from; i < text.length; i++) {
    if (quote === '"' && text[i] === '\\') {
      i += 1;
    } else if (text[i] === quote) {
      if (quote === "'" && text[i + 1] === "'") {
        i += 1;
      } else {
        return i;
      }
    }
  }
  return -1;
}
