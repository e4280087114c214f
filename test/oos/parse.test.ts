import { lintTemplate } from '../../lib/oos/lint';
import { parseTemplateText, relaxQuotedContinuations } from '../../lib/oos/lint/parse';

const context = { name: 't', strict: false };

describe('reading OOS template text', () => {
  test('reads JSON as JSON', () => {
    expect(parseTemplateText('{"FormatVersion": "OOS-2019-06-01", "n": 1}', context)).toEqual({
      value: { FormatVersion: 'OOS-2019-06-01', n: 1 }, findings: [],
    });
  });

  test('reads the YAML 1.1 words for booleans as booleans, and y/n as strings', () => {
    const { value } = parseTemplateText('a: No\nb: on\nc: YES\nd: y\ne: "no"\nf: true\n', context);
    expect(value).toEqual({ a: false, b: true, c: true, d: 'y', e: 'no', f: true });
  });

  test('keeps 1.2 core readings for numbers and null', () => {
    const { value } = parseTemplateText('a: 0700\nb: 1_000\nc: ~\nd: .5\n', context);
    expect(value).toEqual({ a: 700, b: '1_000', c: null, d: 0.5 });
  });

  test('re-indents a quoted string continued on a line indented less than its key, with a warning', () => {
    // GIVEN the layout found in published templates
    const text = "Parameters:\n  p:\n    Description:\n      en: 'first part\n    second part'\n    Type: String\n";
    // WHEN read
    const parsed = parseTemplateText(text, context);
    // THEN the string is whole and the line is named
    expect(parsed.value).toEqual({ Parameters: { p: { Description: { en: 'first part second part' }, Type: 'String' } } });
    expect(parsed.findings).toEqual([expect.objectContaining({ rule: 'syntax', severity: 'warning', path: 'line 5' })]);
    expect(parseTemplateText(text, { name: 't', strict: true }).findings[0].severity).toBe('error');
  });

  test('does not touch block scalars while re-indenting', () => {
    const text = "a: |\n  echo 'unclosed\n  done\nb: 'x\ny'\n";
    expect(relaxQuotedContinuations(text)).toEqual({ text: "a: |\n  echo 'unclosed\n  done\nb: 'x\n  y'\n", lines: [5] });
    expect(parseTemplateText(text, context).value).toEqual({ a: "echo 'unclosed\ndone\n", b: 'x y' });
  });

  test('reports a duplicate key as an error', () => {
    const result = lintTemplate('FormatVersion: OOS-2019-06-01\nFormatVersion: OOS-2019-06-01\nTasks: []\n');
    expect(result.findings).toEqual([expect.objectContaining({ rule: 'syntax', severity: 'error' })]);
  });

  test('reports broken JSON as JSON', () => {
    const result = lintTemplate('{"FormatVersion": "OOS-2019-06-01",');
    expect(result.findings).toEqual([expect.objectContaining({ rule: 'syntax', severity: 'error', message: expect.stringMatching(/^not valid JSON/) })]);
  });

  test('refuses several YAML documents and a template that is not a mapping', () => {
    expect(lintTemplate('a: 1\n---\nb: 2\n').findings[0].message).toMatch(/2 YAML documents/);
    expect(lintTemplate('- a\n- b\n').findings[0]).toMatchObject({ rule: 'syntax', message: expect.stringMatching(/is a mapping/) });
  });
});
