/**
 * The `jq-subset` rule: selectors keep to the jq Alibaba's public templates use, because OOS does
 * not document its jq version.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { ENROLLMENT_SELECTORS } from '../../lib/enrollment';
import { INSTANCE_SELECTORS } from '../../lib/instance-template';
import { lintTemplate, lintTemplateObject } from '../../lib/oos/lint';
import { ALLOWED_JQ_BUILTINS, jqSubsetProblems } from '../../lib/oos/lint/jq-subset';
import { RETENTION_PAGE_SELECTOR, RETENTION_SELECTORS } from '../../lib/retention';
import { SELECTED_COUNT_SELECTOR, SELECTED_IDS_SELECTOR, SELECTION_FITS_SELECTOR } from '../../lib/targets';
import { CORPUS_DIR, Json, validTemplate } from './fixtures';

const withSelector = (selector: string): Json => {
  const template = validTemplate();
  template.Tasks[0].Outputs.instanceIds.ValueSelector = selector;
  return template;
};

describe('the jq subset', () => {
  test.each([
    '.Instances.Instance[].InstanceId',
    '[.a[]? | select(.b != null and .b != "") | .b] | join(" ")',
    '.a as $x | if ($x | length) == 0 then "none" else (if $x[0] == "{{ want }}" then "ours" else "other" end) end',
    '{instanceId, ok: (.x == "y"), n: (.items | length)}',
    '{(.):null}',
    '.x | gsub("\\r$"; "") | split(":") | .[length - 1] | fromjson',
    '[range(0; length; 1) as $i | .[$i]] | sort | map(tostring) | add',
    '.|(.imageId),"{{ ACS::TaskLoopItem }}"',
    '.a | not',
    'Instances.Instance[].InstanceId',
    'invocationOutput',
  ])('allows %s', (selector) => {
    expect(jqSubsetProblems(selector)).toEqual([]);
  });

  test.each<[string, RegExp]>([
    ['.a // "x"', /alternative operator `\/\/`/],
    ['"\\(.DiskId):\\(.Category)"', /string interpolation/],
    ['error("x")', /`error\/1`/],
    ['.a | empty', /`empty\/0`/],
    ['select(IN($d[]))', /`IN\/1`/],
    ['capture("(?<a>.)")', /`capture\/1`/],
    ['ltrimstr("x") | rtrimstr("y") | startswith("z")', /`ltrimstr\/1`.*`rtrimstr\/1`.*`startswith\/1`/],
    ['any(.[]; . == 1)', /`any\/2` \(Alibaba's templates call any with 0 arguments\)/],
    ['range(0; 5)', /`range\/2`/],
    ['sort_by(.a) | reverse | last | unique', /`sort_by\/1`.*`reverse\/0`.*`last\/0`.*`unique\/0`/],
    ['if . then 1 elif . then 2 else 3 end', /`elif`/],
    ['.[2:]', /slice/],
    ['@base64', /format `@base64`/],
    ['.. | .a', /recursive descent/],
    ['.a |= 1', /assignment `\|=`/],
    ['reduce .[] as $x (0; . + $x)', /`reduce`/],
  ])('names what is outside it: %s', (selector, problem) => {
    expect(jqSubsetProblems(selector).join(', ')).toMatch(problem);
  });

  test('the allowed builtins are those counted in Alibaba\'s templates, and each exists in jq 1.6', () => {
    expect(Object.keys(ALLOWED_JQ_BUILTINS).sort()).toEqual([
      'add', 'any', 'ascii_downcase', 'contains', 'del', 'first', 'floor', 'fromjson', 'group_by', 'gsub', 'in', 'index',
      'join', 'length', 'map', 'not', 'range', 'scan', 'select', 'sort', 'split', 'test', 'tonumber', 'tostring',
    ]);
    const builtins = JSON.parse(execFileSync('jq', ['-nc', 'builtins'], { encoding: 'utf8' })) as string[];
    for (const [name, arities] of Object.entries(ALLOWED_JQ_BUILTINS)) {
      for (const arity of arities) expect(builtins).toContain(`${name}/${arity}`);
    }
  });

  test('a warning on someone else\'s template, an error in strict mode, naming the task output', () => {
    const template = withSelector('.Instances.Instance[] | .InstanceId // empty');
    const found = (strict: boolean) => lintTemplateObject(template, { strict }).findings.filter((f) => f.rule === 'jq-subset');
    expect(found(false)).toEqual([expect.objectContaining({ severity: 'warning', path: 'Tasks[0](describeInstances).Outputs.instanceIds.ValueSelector' })]);
    expect(found(true)).toEqual([expect.objectContaining({ severity: 'error' })]);
    expect(found(true)[0].message).toMatch(/uses the alternative operator `\/\/`.*, the builtin `empty\/0`, which Alibaba's public templates never do/);
  });

  test('PropertySelectors and Fn::Jq expressions are checked too', () => {
    const template = validTemplate();
    template.Tasks[0].Action = 'ACS::CheckFor';
    template.Tasks[0].Properties.PropertySelector = '.Instances.Instance[0].Status | ascii_upcase';
    template.Tasks[0].Properties.DesiredValues = ['RUNNING'];
    template.Outputs = { first: { Type: 'String', Value: { 'Fn::Jq': ['First', '.[] | tojson', '{{ describeInstances.instanceIds }}'] } } };
    const paths = lintTemplateObject(template, { strict: true }).findings.filter((f) => f.rule === 'jq-subset').map((f) => f.path);
    expect(paths).toEqual(['Tasks[0](describeInstances).Properties.PropertySelector', 'Outputs.first.Value.Fn::Jq[1]']);
  });

  test('every selector of the package keeps to it', () => {
    const selectors = {
      ...INSTANCE_SELECTORS, ...ENROLLMENT_SELECTORS, ...RETENTION_SELECTORS,
      page: RETENTION_PAGE_SELECTOR, ids: SELECTED_IDS_SELECTOR, count: SELECTED_COUNT_SELECTOR, fits: SELECTION_FITS_SELECTOR,
    };
    for (const [name, selector] of Object.entries(selectors)) {
      expect({ name, problems: jqSubsetProblems(selector) }).toEqual({ name, problems: [] });
    }
  });

  test('Alibaba\'s own templates: no error without strict (warnings where they stray, as some do)', () => {
    const file = path.join(CORPUS_DIR, 'PublicTemplates', 'YAML', 'ACS-ECS-CreateAndCopyImage.yml');
    const result = lintTemplate(fs.readFileSync(file, 'utf8'), { name: file });
    expect(result.findings.filter((f) => f.rule === 'jq-subset' && f.severity === 'error')).toEqual([]);
  });
});
