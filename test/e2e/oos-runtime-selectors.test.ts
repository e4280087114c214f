/**
 * The OOS runtime stand-in's rules for task output selectors that the enrollment template relies
 * on: `{{ }}` references are substituted in a ValueSelector (as in Alibaba's public templates,
 * e.g. ACS-ECS-BulkyDescribeDisks and ACS-ECS-RevokeSecurityGroupRules), and a selector that
 * fails (jq `error(...)`) fails its ACS::ExecuteAPI task with jq's message.
 */
import { OosTemplate, runTemplate } from './oos-runtime';

const env = (response: unknown) => ({
  callApi: () => response,
  runCommand: async () => { throw new Error('no commands here'); },
});

const template = (selector: string, loop?: string[]): OosTemplate => ({
  Parameters: { regionId: { Type: 'String', Default: 'cn-hangzhou' }, wanted: { Type: 'String', Default: 'b' } },
  Tasks: [{
    Name: 'read',
    Action: 'ACS::ExecuteAPI',
    Properties: { Service: 'ECS', API: 'DescribeSomething', Parameters: { RegionId: '{{ regionId }}' } },
    Outputs: { picked: { Type: 'List', ValueSelector: selector } },
    ...(loop ? { Loop: { Items: loop, Outputs: { all: { AggregateType: 'Fn::ListJoin', AggregateField: 'picked' } } } } : {}),
  }],
  Outputs: { picked: { Type: 'List', Value: loop ? '{{ read.all }}' : '{{ read.picked }}' } },
});

describe('task output selectors in the runtime', () => {
  test('parameters are substituted in a ValueSelector', async () => {
    const run = await runTemplate(template('.Items[] | select(. == "{{ wanted }}")'), {}, env({ Items: ['a', 'b', 'c'] }));
    expect(run).toMatchObject({ status: 'Success', outputs: { picked: ['b'] } });
  });

  test('the loop item is substituted in the selector of a looping task', async () => {
    const run = await runTemplate(template('"{{ ACS::TaskLoopItem }}:\\(.Items | length)"', ['x', 'y']), {}, env({ Items: [1, 2] }));
    expect(run).toMatchObject({ status: 'Success', outputs: { picked: [['x:2'], ['y:2']] } });
  });

  test('a selector that raises an error fails the task with the message', async () => {
    const run = await runTemplate(template('if .Items == [] then error("nothing for {{ wanted }}") else .Items[] end'), {}, env({ Items: [] }));
    expect(run.status).toBe('Failed');
    expect(run.failedTask).toBe('read');
    expect(run.message).toMatch(/^DescribeSomething: .*jq: error \(at <stdin>:0\): nothing for b$/s);
  });
});
