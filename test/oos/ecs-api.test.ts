import * as ros from '@alicloud/ros-cdk-core';
import { lintTemplateObject } from '../../lib/oos/lint';
import { Json, validTemplate } from './fixtures';

/** The valid template with its first task (ACS::ExecuteAPI, ECS DescribeInstances) changed. */
function withCall(change: (call: Json) => void): Json {
  const template = validTemplate();
  change(template.Tasks[0]);
  return template;
}

const findingsOf = (template: Json, strict: boolean) =>
  lintTemplateObject(template, { strict }).findings.map((f) => `${f.severity} ${f.rule} ${f.path}`);

describe('ECS calls checked against @alicloud/ecs20140526', () => {
  test('a wrong API name, parameter and selector are each rejected when strict', () => {
    // GIVEN three faults in one call
    const template = withCall((call) => {
      call.Properties.API = 'DescribeInstancez';
    });
    const template2 = withCall((call) => {
      call.Properties.Parameters.InstanceIdz = '{{ instanceIds }}';
    });
    const template3 = withCall((call) => {
      call.Outputs.instanceIds.ValueSelector = '.Instances.Instance[].InstanceIdz';
    });
    // THEN each is an ecs-api error
    expect(findingsOf(template, true)).toEqual(['error ecs-api Tasks[0](describeInstances).Properties.API']);
    expect(findingsOf(template2, true)).toEqual(['error ecs-api Tasks[0](describeInstances).Properties.Parameters.InstanceIdz']);
    expect(findingsOf(template3, true)).toEqual(['error ecs-api Tasks[0](describeInstances).Outputs.instanceIds.ValueSelector']);
  });

  test('without strict, an unknown API is still an error but fields and paths are warnings', () => {
    const template = withCall((call) => {
      call.Properties.Parameters.Filter2Key = 'CreationEndTime';
      call.Outputs.instanceIds.ValueSelector = 'Instances.Instance[].Osname';
    });
    expect(findingsOf(template, false)).toEqual([
      'warning ecs-api Tasks[0](describeInstances).Properties.Parameters.Filter2Key',
      'warning ecs-api Tasks[0](describeInstances).Outputs.instanceIds.ValueSelector',
    ]);
    expect(findingsOf(withCall((call) => { call.Properties.API = 'DescribeNothing'; }), false))
      .toEqual(['error ecs-api Tasks[0](describeInstances).Properties.API']);
  });

  test('accepts RegionId everywhere and the flattened RPC forms of list and nested fields', () => {
    const template = validTemplate();
    template.Tasks.push({
      Name: 'deleteSnapshot',
      Action: 'ACS::ExecuteAPI',
      Properties: { Service: 'ECS', API: 'DeleteSnapshot', Parameters: { RegionId: '{{ regionId }}', SnapshotId: 's-1', Force: true } },
    });
    expect(findingsOf(template, true)).toEqual([]);
    const flattened = withCall((call) => {
      call.Properties.Parameters = { RegionId: '{{ regionId }}', 'Tag.1.Key': 'app', 'Tag.1.Value': 'db', 'Tag.1.Colour': 'red' };
    });
    expect(findingsOf(flattened, true)).toEqual(["error ecs-api Tasks[0](describeInstances).Properties.Parameters.Tag.1.Colour"]);
  });

  test('checks the plain head of a pipeline and skips selectors that are not plain paths', () => {
    const pipelineHead = withCall((call) => {
      call.Outputs.instanceIds.ValueSelector = '.Instances.Instancez[] | select(.Status == "Running") | .InstanceId';
    });
    expect(findingsOf(pipelineHead, true)).toEqual(['error ecs-api Tasks[0](describeInstances).Outputs.instanceIds.ValueSelector']);
    const complex = withCall((call) => {
      call.Outputs.instanceIds.ValueSelector = '[.Instances.Instance[] | {"id": .Nothing}]';
      call.Outputs.count = { Type: 'Number', ValueSelector: '.TotalCount' };
      call.Outputs.all = { Type: 'Json', ValueSelector: '.' };
    });
    expect(findingsOf(complex, true)).toEqual([]);
  });

  test('names the API as the SDK spells it when only the case differs', () => {
    const template = withCall((call) => {
      call.Properties.API = 'describeinstances';
    });
    const result = lintTemplateObject(template, { strict: false });
    expect(result.findings).toEqual([expect.objectContaining({ severity: 'warning', rule: 'ecs-api', message: expect.stringContaining('DescribeInstances') })]);
  });

  test('leaves other services alone', () => {
    const template = withCall((call) => {
      call.Properties.Service = 'VPC';
      call.Properties.API = 'DescribeVpcs';
    });
    expect(findingsOf(template, true)).toEqual([]);
  });
});

describe('templates holding ROS tokens', () => {
  test('a stack parameter as a default is not checked against constraints', () => {
    // GIVEN a default that ROS fills in at deployment
    const stack = new ros.Stack(new ros.App(), 'Stack');
    const name = new ros.RosParameter(stack, 'SnapshotName', { type: ros.RosParameterType.STRING });
    const timeout = new ros.RosParameter(stack, 'Timeout', { type: ros.RosParameterType.NUMBER });
    const template = validTemplate();
    template.Parameters.snapshotName.Default = name.valueAsString;
    template.Parameters.timeout.Default = timeout.valueAsNumber;
    // WHEN checked
    const result = lintTemplateObject(template, { strict: true });
    // THEN nothing is reported: its value is unknown at synthesis
    expect(result.findings).toEqual([]);
  });
});
