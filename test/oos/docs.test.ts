import * as fs from 'fs';
import * as path from 'path';
import { OOS_LINT_RULES } from '../../lib/oos/lint';
import { SYNTAX_RULE } from '../../lib/oos/lint/parse';

describe('docs/oos-lint.md', () => {
  const doc = fs.readFileSync(path.join(__dirname, '..', '..', 'docs', 'oos-lint.md'), 'utf8');

  test('has a line for every rule and no line for a rule that does not exist', () => {
    const documented = [...doc.matchAll(/^\| `([a-z-]+)` \|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual([SYNTAX_RULE, ...OOS_LINT_RULES.map((r) => r.id)].sort());
  });

  test('every rule has an id matching its file and a summary', () => {
    const files = fs.readdirSync(path.join(__dirname, '..', '..', 'lib', 'oos', 'lint', 'rules'))
      .filter((f) => f !== 'index.ts').map((f) => f.replace(/\.ts$/, ''));
    expect(OOS_LINT_RULES.map((r) => r.id).sort()).toEqual(files.sort());
    for (const rule of OOS_LINT_RULES) {
      expect(rule.summary.length).toBeGreaterThan(20);
    }
  });
});
