/**
 * The part of jq a selector may use when it must run on whatever jq OOS uses: OOS does not
 * document its jq version, so the package writes selectors (and checks them) with the builtins,
 * keywords and syntax Alibaba's own public templates use. The counts behind the lists are in
 * `../shared/reference/cloud-assistant-windows-ecs.md` (section 6): 612 ValueSelectors, 126
 * PropertySelectors and the `Fn::Jq` expressions of 311 templates, each builtin matched against
 * jq 1.6's `builtins`; the arities are those the templates call them with.
 *
 * Allowed besides: plain paths (`.a.b[]`, `.[n]`, `.[expr]`, `$x[n]`; at the start also without the
 * leading dot, as OOS takes them), `?`, pipes, `,`, object and
 * array construction, comparison (`== != < <= > >=`), `and` / `or`, arithmetic (`+ - * / %`),
 * `as $x`, `if ... then ... else ... end`, parentheses, string and number literals, `true`,
 * `false`, `null`, and the OOS references `{{ ... }}` (substituted before jq runs).
 * Everything else is reported: `//`, string interpolation `\(...)`, `elif`, `@format`, `..`,
 * slices `[a:b]`, assignment operators, `reduce` / `foreach` / `try` / `label` / `def`, and any
 * other builtin or arity (`error`, `IN`, `capture`, `ltrimstr`, `any/2`, `empty`, ...).
 */

/** The builtins Alibaba's public templates call, with the arities they call them with. */
export const ALLOWED_JQ_BUILTINS: Readonly<Record<string, readonly number[]>> = {
  map: [1],
  select: [1],
  tostring: [0],
  test: [1],
  length: [0],
  index: [1],
  tonumber: [0],
  floor: [0],
  scan: [1],
  sort: [0],
  not: [0],
  add: [0],
  in: [1],
  any: [0],
  fromjson: [0],
  first: [0],
  group_by: [1],
  split: [1],
  del: [1],
  join: [1],
  ascii_downcase: [0],
  contains: [1],
  range: [3],
  gsub: [2],
};

/** The keywords the templates use, and the literals. */
const ALLOWED_KEYWORDS = new Set(['as', 'if', 'then', 'else', 'end', 'and', 'or', 'true', 'false', 'null']);

/** Keywords outside the subset, with what to write instead. */
const OTHER_KEYWORDS: Readonly<Record<string, string>> = {
  elif: '`elif` (nest `if ... then ... else if ... end end` instead)',
  reduce: '`reduce`',
  foreach: '`foreach`',
  try: '`try`',
  catch: '`catch`',
  label: '`label`',
  def: '`def`',
  import: '`import`',
  include: '`include`',
};

type TokenKind = 'ident' | 'field' | 'var' | 'string' | 'number' | 'ref' | 'punct';

interface Token {
  readonly kind: TokenKind;
  readonly text: string;
}

/** Splits a selector into tokens; what no token form covers is reported in `problems`. */
function tokenize(selector: string, problems: string[]): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  const at = (k: number) => selector.charAt(k);
  while (i < selector.length) {
    const c = at(i);
    if (/\s/.test(c)) { i++; continue; }
    if (selector.startsWith('{{', i)) {
      const end = selector.indexOf('}}', i + 2);
      const stop = end < 0 ? selector.length : end + 2;
      tokens.push({ kind: 'ref', text: selector.slice(i, stop) });
      i = stop;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < selector.length && at(j) !== '"') {
        if (at(j) === '\\') {
          if (at(j + 1) === '(') problems.push('string interpolation `\\(...)` (join the parts with `+` instead)');
          j++;
        }
        j++;
      }
      tokens.push({ kind: 'string', text: selector.slice(i, j + 1) });
      i = j + 1;
      continue;
    }
    const number = /^\d+(?:\.\d+)?(?:[eE][-+]?\d+)?/.exec(selector.slice(i));
    if (number) { tokens.push({ kind: 'number', text: number[0] }); i += number[0].length; continue; }
    const ident = /^[A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)*/.exec(selector.slice(i));
    if (ident) { tokens.push({ kind: 'ident', text: ident[0] }); i += ident[0].length; continue; }
    if (c === '$') {
      const name = /^\$(__loc__|[A-Za-z_][A-Za-z0-9_]*)/.exec(selector.slice(i));
      if (!name || name[1] === '__loc__') problems.push(`\`${name ? name[0] : '$'}\``);
      tokens.push({ kind: 'var', text: name ? name[0] : '$' });
      i += name ? name[0].length : 1;
      continue;
    }
    if (c === '.') {
      if (at(i + 1) === '.') { problems.push('recursive descent `..`'); i += 2; continue; }
      const field = /^\.(?:[A-Za-z_][A-Za-z0-9_]*|"(?:[^"\\]|\\.)*")/.exec(selector.slice(i));
      if (field) {
        if (field[0].includes('\\(')) problems.push('string interpolation `\\(...)` (join the parts with `+` instead)');
        tokens.push({ kind: 'field', text: field[0] });
        i += field[0].length;
        continue;
      }
      tokens.push({ kind: 'punct', text: '.' });
      i++;
      continue;
    }
    if (c === '@') {
      const format = /^@[A-Za-z0-9_]*/.exec(selector.slice(i))![0];
      problems.push(`the format \`${format}\``);
      i += format.length;
      continue;
    }
    const operator = ['?//', '//=', '|=', '+=', '-=', '*=', '/=', '%=', '//', '==', '!=', '<=', '>=']
      .find((op) => selector.startsWith(op, i));
    if (operator) {
      if (operator === '//' || operator === '?//') problems.push('the alternative operator `//` (write `if X == null then Y else X end`)');
      else if (operator.endsWith('=') && !['==', '!=', '<=', '>='].includes(operator)) problems.push(`the assignment \`${operator}\``);
      tokens.push({ kind: 'punct', text: operator });
      i += operator.length;
      continue;
    }
    if (c === '=') { problems.push('the assignment `=`'); i++; continue; }
    if ('|,:;?()[]{}<>+-*/%'.includes(c)) { tokens.push({ kind: 'punct', text: c }); i++; continue; }
    problems.push(`the character \`${c}\``);
    i++;
  }
  return tokens;
}

/** The number of arguments of a call whose `(` is at `open`: top-level `;` plus one. */
function arityAt(tokens: readonly Token[], open: number): number {
  let depth = 0;
  let arity = 1;
  for (let k = open; k < tokens.length; k++) {
    const t = tokens[k].text;
    if (tokens[k].kind !== 'punct') continue;
    if (t === '(' || t === '[' || t === '{') depth++;
    else if (t === ')' || t === ']' || t === '}') {
      depth--;
      if (depth === 0) return arity;
    } else if (t === ';' && depth === 1) arity++;
  }
  return arity;
}

/**
 * What a jq selector uses outside the subset, one phrase each (none: it keeps to it), in order,
 * without repeats.
 */
export function jqSubsetProblems(selector: string): string[] {
  const problems: string[] = [];
  const tokens = tokenize(selector, problems);
  // What each open bracket is: `{` an object (whose keys are not calls), `[` an array or index.
  const open: Array<{ readonly bracket: string; keyNext: boolean }> = [];
  tokens.forEach((token, k) => {
    const top = open[open.length - 1];
    if (token.kind === 'punct') {
      if (token.text === '(' && top?.bracket === '{' && top.keyNext) top.keyNext = false;
      if (token.text === '{') open.push({ bracket: '{', keyNext: true });
      else if (token.text === '[' || token.text === '(') open.push({ bracket: token.text, keyNext: false });
      else if (token.text === '}' || token.text === ']' || token.text === ')') open.pop();
      else if (token.text === ',' && top?.bracket === '{') top.keyNext = true;
      else if (token.text === ':' && top?.bracket === '[') problems.push('a slice `[from:to]` (index the items, or use `range(...)` with `.[$i]`)');
      return;
    }
    if (top?.bracket === '{' && top.keyNext) {
      // An object key (`{a: ...}`, `{a}`, `{"a": ...}`, `{$x}`); `(expr)` keys are expressions.
      top.keyNext = false;
      return;
    }
    if (token.kind !== 'ident') return;
    const name = token.text;
    // OOS also takes a selector that starts with a path without its dot (`Instances.Instance[]`,
    // `invocationOutput`: most of Alibaba's selectors are written so).
    const next = tokens[k + 1];
    if (k === 0 && !ALLOWED_KEYWORDS.has(name) && (next === undefined || next.kind === 'field' || next.text === '[' || next.text === '|')
      && !(name in ALLOWED_JQ_BUILTINS)) return;
    if (ALLOWED_KEYWORDS.has(name)) return;
    if (name in OTHER_KEYWORDS) {
      problems.push(`the keyword ${OTHER_KEYWORDS[name]}`);
      return;
    }
    const arity = tokens[k + 1]?.kind === 'punct' && tokens[k + 1].text === '(' ? arityAt(tokens, k + 1) : 0;
    const allowed = ALLOWED_JQ_BUILTINS[name];
    if (!allowed || !allowed.includes(arity)) {
      problems.push(allowed
        ? `\`${name}/${arity}\` (Alibaba's templates call ${name} with ${allowed.map((a) => `${a} argument${a === 1 ? '' : 's'}`).join(' or ')})`
        : `the builtin \`${name}/${arity}\``);
    }
  });
  return [...new Set(problems)];
}
