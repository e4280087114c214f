import { formatFindings, lintTemplate, lintTemplateObject, OOS_LINT_RULES } from '../../lib/oos/lint';
import { errorsOf, Json, validTemplate } from './fixtures';

/** Each fault: what it changes in the valid template, and the one error it must cause. */
interface Fault {
  readonly what: string;
  readonly seed: (t: Json) => void;
  readonly error: string;
  readonly message?: RegExp;
}

const FAULTS: Fault[] = [
  // format-version
  { what: 'an unknown FormatVersion', seed: (t) => { t.FormatVersion = 'OOS-2020-01-01'; }, error: 'format-version FormatVersion', message: /not a format OOS knows/ },
  { what: 'no FormatVersion', seed: (t) => { delete t.FormatVersion; }, error: 'format-version FormatVersion', message: /missing/ },
  // structure
  { what: 'an empty task list', seed: (t) => { t.Tasks = []; delete t.Outputs; }, error: 'structure Tasks', message: /non-empty list of Tasks/ },
  { what: 'a misspelt task key', seed: (t) => { t.Tasks[4].OnSucess = 'ACS::END'; }, error: 'structure Tasks[4](pause).OnSucess', message: /not a task key/ },
  { what: 'a task without Action', seed: (t) => { delete t.Tasks[4].Action; }, error: 'structure Tasks[4](pause).Action', message: /needs an Action/ },
  { what: 'an unknown top-level key', seed: (t) => { t.Output = {}; }, error: 'structure Output', message: /not a top-level key/ },
  // parameters
  { what: 'a default outside AllowedValues', seed: (t) => { t.Parameters.commandType.Default = 'RunBashScript'; }, error: 'parameters Parameters.commandType.Default', message: /AllowedValues/ },
  { what: 'a default against AllowedPattern', seed: (t) => { t.Parameters.snapshotName.Default = '1-starts-with-a-digit'; }, error: 'parameters Parameters.snapshotName.Default', message: /AllowedPattern/ },
  { what: 'a default above MaxValue', seed: (t) => { t.Parameters.timeout.Default = 90000; }, error: 'parameters Parameters.timeout.Default', message: /above MaxValue 86400/ },
  { what: 'a default shorter than MinLength', seed: (t) => { t.Parameters.snapshotName.MinLength = 20; }, error: 'parameters Parameters.snapshotName.Default', message: /length 12 is below MinLength 20/ },
  { what: 'an unknown parameter type', seed: (t) => { t.Parameters.timeout.Type = 'Integer'; }, error: 'parameters Parameters.timeout.Type', message: /not an OOS parameter type/ },
  { what: 'a Boolean default that is no boolean', seed: (t) => { t.Parameters.requireAppConsistent.Default = 'always'; }, error: 'parameters Parameters.requireAppConsistent.Default', message: /not a Boolean/ },
  { what: 'MinValue above MaxValue', seed: (t) => { t.Parameters.timeout.MinValue = 100000; delete t.Parameters.timeout.Default; }, error: 'parameters Parameters.timeout.MinValue', message: /above MaxValue/ },
  { what: 'an invalid parameter name', seed: (t) => { t.Parameters['bad name'] = { Type: 'String', Default: '' }; }, error: 'parameters Parameters.bad name', message: /not a valid parameter name/ },
  // task-names
  { what: 'two tasks with one name', seed: (t) => { t.Tasks.push({ Name: 'pause', Action: 'ACS::Sleep', Properties: { Duration: 'PT1S' } }); }, error: 'task-names Tasks[5](pause).Name', message: /earlier task too/ },
  { what: 'names differing only in case', seed: (t) => { t.Tasks.push({ Name: 'Pause', Action: 'ACS::Sleep', Properties: { Duration: 'PT1S' } }); }, error: 'task-names Tasks[5](Pause).Name', message: /only in case/ },
  { what: 'a task name with a space', seed: (t) => { t.Tasks.push({ Name: 'last step', Action: 'ACS::Sleep', Properties: { Duration: 'PT1S' } }); }, error: 'task-names Tasks[5](last step).Name', message: /not a valid task name/ },
  // transitions
  { what: 'OnError to a missing task', seed: (t) => { t.Tasks[1].OnError = 'cleanUp'; }, error: 'transitions Tasks[1](waitForRunning).OnError', message: /neither a task/ },
  { what: 'a choice leading to a missing task', seed: (t) => { t.Tasks[3].Properties.Choices[0].NextTask = 'sleep'; }, error: 'transitions Tasks[3](checkResult).Properties.Choices[0].NextTask' },
  { what: 'a misspelt ACS::END', seed: (t) => { t.Tasks[4].OnSuccess = 'ACS::STOP'; }, error: 'transitions Tasks[4](pause).OnSuccess' },
  // references
  { what: 'a reference to no parameter', seed: (t) => { t.Tasks[0].Properties.Parameters.RegionId = '{{ region }}'; }, error: 'references Tasks[0](describeInstances).Properties.Parameters.RegionId', message: /not a parameter/ },
  { what: 'an output of a later task', seed: (t) => { t.Tasks[1].Properties.Parameters.InstanceIds = '{{ runSnapshot.results }}'; }, error: 'references Tasks[1](waitForRunning).Properties.Parameters.InstanceIds', message: /not run yet/ },
  { what: 'the loop item outside a loop', seed: (t) => { t.Tasks[0].Properties.Parameters.InstanceIds = ['{{ ACS::TaskLoopItem }}']; }, error: 'references Tasks[0](describeInstances).Properties.Parameters.InstanceIds[0]', message: /no Loop|not stand in a task with a Loop/ },
  { what: 'a per-item output of a looping task', seed: (t) => { t.Tasks[3].Properties.Choices[0].When['Fn::Equals'][1] = '{{ runSnapshot.result }}'; }, error: 'references Tasks[3](checkResult).Properties.Choices[0].When.Fn::Equals[1]', message: /per-item output/ },
  { what: 'an unknown built-in', seed: (t) => { t.Tasks[2].Properties.commandContent = 'echo {{ ACS::TaskId }}'; }, error: 'references Tasks[2](runSnapshot).Properties.commandContent', message: /not a built-in/ },
  { what: 'a parameter spelt in another case', seed: (t) => { t.Tasks[2].Properties.timeout = '{{ Timeout }}'; }, error: 'references Tasks[2](runSnapshot).Properties.timeout', message: /only when case is ignored/ },
  { what: 'an output that does not exist', seed: (t) => { t.Tasks[2].Loop.Items = '{{ describeInstances.ids }}'; }, error: 'references Tasks[2](runSnapshot).Loop.Items', message: /no Outputs entry `ids`/ },
  // loop
  { what: 'a loop without Items', seed: (t) => { delete t.Tasks[2].Loop.Items; }, error: 'loop Tasks[2](runSnapshot).Loop.Items', message: /missing/ },
  { what: 'an aggregate of a missing output', seed: (t) => { t.Tasks[2].Loop.Outputs.results.AggregateField = 'output'; }, error: 'loop Tasks[2](runSnapshot).Loop.Outputs.results.AggregateField', message: /not an output of this task/ },
  { what: 'a loop on a functional action', seed: (t) => { t.Tasks[4].Loop = { Items: ['a', 'b'] }; }, error: 'loop Tasks[4](pause).Loop', message: /functional action/ },
  { what: 'an unknown rate-control mode', seed: (t) => { t.Tasks[2].Loop.RateControl = { Mode: 'Parallel', Concurrency: 5 }; }, error: 'loop Tasks[2](runSnapshot).Loop.RateControl.Mode' },
  { what: 'more than 1000 items', seed: (t) => { t.Tasks[2].Loop.Items = Array.from({ length: 1001 }, (_, i) => `i-${i}`); }, error: 'loop Tasks[2](runSnapshot).Loop.Items', message: /1001 items/ },
  // outputs
  { what: 'a template output of a missing task output', seed: (t) => { t.Outputs.results.Value = '{{ runSnapshot.outputs }}'; }, error: 'outputs Outputs.results.Value', message: /no Loop.Outputs entry/ },
  { what: 'a template output without Value', seed: (t) => { delete t.Outputs.results.Value; }, error: 'outputs Outputs.results.Value', message: /missing/ },
  { what: 'a task output without ValueSelector', seed: (t) => { delete t.Tasks[0].Outputs.instanceIds.ValueSelector; }, error: 'outputs Tasks[0](describeInstances).Outputs.instanceIds.ValueSelector' },
  // action-properties
  { what: 'RunCommand without commandContent', seed: (t) => { delete t.Tasks[2].Properties.commandContent; }, error: 'action-properties Tasks[2](runSnapshot).Properties.commandContent', message: /requires `commandContent`/ },
  { what: 'a commandType RunCommand does not allow', seed: (t) => { t.Tasks[2].Properties.commandType = 'RunBashScript'; }, error: 'action-properties Tasks[2](runSnapshot).Properties.commandType', message: /not one of the values/ },
  { what: 'WaitFor with nothing to wait for', seed: (t) => { delete t.Tasks[1].Properties.DesiredValues; }, error: 'action-properties Tasks[1](waitForRunning).Properties', message: /DesiredValues, NotDesiredValues/ },
  { what: 'a misspelt action', seed: (t) => { t.Tasks[4].Action = 'ACS::Slep'; }, error: 'action-properties Tasks[4](pause).Action', message: /not an action the checker knows/ },
  { what: 'a property the action does not have', seed: (t) => { t.Tasks[2].Properties.commandTimeout = 60; }, error: 'action-properties Tasks[2](runSnapshot).Properties.commandTimeout', message: /no property/ },
  { what: 'a choice without NextTask', seed: (t) => { delete t.Tasks[3].Properties.Choices[0].NextTask; }, error: 'action-properties Tasks[3](checkResult).Properties.Choices[0].NextTask' },
  { what: 'a selector on an output RunCommand does not have', seed: (t) => { t.Tasks[2].Outputs.result.ValueSelector = 'exitCode'; }, error: 'action-properties Tasks[2](runSnapshot).Outputs.result.ValueSelector', message: /not an output of ACS::ECS::RunCommand/ },
  // content-size
  { what: 'content over 64 KB', seed: (t) => { t.Tasks[2].Properties.commandContent = `echo ${'x'.repeat(70000)}`; }, error: 'content-size', message: /more than the 65536 bytes/ },
  // ecs-api
  { what: 'an ECS API that does not exist', seed: (t) => { t.Tasks[0].Properties.API = 'DescribeInstance'; }, error: 'ecs-api Tasks[0](describeInstances).Properties.API', message: /ECS has no API `DescribeInstance`/ },
  { what: 'an ECS parameter the request does not have', seed: (t) => { t.Tasks[0].Properties.Parameters.InstanceIdList = '{{ instanceIds }}'; }, error: 'ecs-api Tasks[0](describeInstances).Properties.Parameters.InstanceIdList', message: /not a field of the DescribeInstances request/ },
  { what: 'a ValueSelector path the response does not have', seed: (t) => { t.Tasks[0].Outputs.instanceIds.ValueSelector = 'Instances.Instance[].InstanceID'; }, error: 'ecs-api Tasks[0](describeInstances).Outputs.instanceIds.ValueSelector', message: /has `InstanceId`, not `InstanceID`/ },
  { what: 'a PropertySelector that indexes a list by name', seed: (t) => { t.Tasks[1].Properties.PropertySelector = 'Instances.Instance.Status'; }, error: 'ecs-api Tasks[1](waitForRunning).Properties.PropertySelector', message: /is a list: iterate it/ },
  // jq-subset
  { what: 'a selector with a jq builtin Alibaba\'s templates never use', seed: (t) => { t.Tasks[0].Outputs.instanceIds.ValueSelector = '.Instances.Instance[] | .InstanceId // empty'; }, error: 'jq-subset Tasks[0](describeInstances).Outputs.instanceIds.ValueSelector', message: /the alternative operator `\/\/`/ },
  { what: 'a nested ECS parameter field that does not exist', seed: (t) => { t.Tasks[0].Properties.Parameters.Tag = [{ TagKey: 'app' }]; }, error: 'ecs-api Tasks[0](describeInstances).Properties.Parameters.Tag[0].TagKey' },
];

describe('oos-lint on seeded faults', () => {
  test('the valid template has no finding at all, even strict', () => {
    // GIVEN the template every fault starts from
    // WHEN it is checked strictly
    const result = lintTemplateObject(validTemplate(), { name: 'valid', strict: true });
    // THEN nothing is reported
    expect(result.findings).toEqual([]);
  });

  test.each(FAULTS.map((f) => [f.what, f] as const))('rejects %s', (_what, fault) => {
    // GIVEN the valid template with one fault
    const template = validTemplate();
    fault.seed(template);
    // WHEN it is checked as the package checks its own templates
    const result = lintTemplateObject(template, { name: 'seeded', strict: true });
    // THEN exactly the expected error is reported, with a message that says what is wrong
    expect(errorsOf(result)).toEqual([fault.error]);
    if (fault.message) {
      expect(result.findings.find((f) => f.severity === 'error')?.message).toMatch(fault.message);
    }
  });

  test('every rule is exercised by at least one fault', () => {
    const exercised = new Set(FAULTS.map((f) => f.error.split(' ')[0]));
    expect(OOS_LINT_RULES.map((r) => r.id).filter((id) => !exercised.has(id))).toEqual([]);
  });

  test('the size the caller gives is the one checked', () => {
    expect(errorsOf(lintTemplateObject(validTemplate(), { contentBytes: 70000 }))).toEqual(['content-size']);
    expect(errorsOf(lintTemplateObject(validTemplate(), { contentBytes: 65536 }))).toEqual([]);
  });

  test('a YAML syntax error is reported with its line', () => {
    const result = lintTemplate('FormatVersion: OOS-2019-06-01\nTasks:\n  - Name: a\n    Action: [unclosed\n', { name: 'broken.yml' });
    expect(result.errorCount).toBeGreaterThan(0);
    expect(result.findings[0]).toMatchObject({ rule: 'syntax', severity: 'error' });
    expect(result.findings[0].path).toMatch(/^line \d+$/);
  });

  test('published-template leniencies are warnings unless strict', () => {
    // GIVEN a reference that matches its parameter only when case is ignored
    const template = validTemplate();
    template.Tasks[2].Properties.timeout = '{{ Timeout }}';
    // WHEN checked without and with strict
    const lenientResult = lintTemplateObject(template);
    const strictResult = lintTemplateObject(template, { strict: true });
    // THEN it is a warning first, an error second
    expect(lenientResult.findings.map((f) => `${f.severity} ${f.rule}`)).toEqual(['warning references']);
    expect(strictResult.findings.map((f) => `${f.severity} ${f.rule}`)).toEqual(['error references']);
  });

  test('formatFindings names the template, the task and the field', () => {
    const template = validTemplate();
    delete template.Tasks[2].Properties.commandContent;
    template.Tasks[2].Properties.timeout = '{{ Timeout }}';
    const text = formatFindings(lintTemplateObject(template, { name: 'AppSnapshot-Linux' }));
    expect(text.split('\n')).toEqual([
      'OOS template AppSnapshot-Linux: 1 error, 1 warning',
      expect.stringMatching(/^ {2}error action-properties Tasks\[2\]\(runSnapshot\)\.Properties\.commandContent: missing: /),
      expect.stringMatching(/^ {2}warning references Tasks\[2\]\(runSnapshot\)\.Properties\.timeout: /),
    ]);
  });
});
