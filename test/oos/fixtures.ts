import * as path from 'path';
import { Finding, LintResult } from '../../lib/oos/lint';

/** The corpus of templates Alibaba publishes, kept beside the repository (see its README). */
export const CORPUS_DIR = path.join(__dirname, '..', '..', '..', 'shared', 'oos-templates');

/** A mutable JSON object, for seeding faults. */
export type Json = any;

/**
 * A small valid template in the shape this package emits: parameters with constraints, an ECS
 * API call, a wait, a looping cloud-product action, a choice, a sleep, template outputs. Every
 * call returns a fresh copy that a test may change.
 */
export function validTemplate(): Json {
  return {
    FormatVersion: 'OOS-2019-06-01',
    Description: { en: 'Test template' },
    Parameters: {
      regionId: { Type: 'String', AssociationProperty: 'RegionId', Default: '{{ ACS::RegionId }}' },
      instanceIds: { Type: 'List', Label: { en: 'Instances' } },
      commandType: { Type: 'String', AllowedValues: ['RunShellScript', 'RunPowerShellScript'], Default: 'RunShellScript' },
      snapshotName: { Type: 'String', AllowedPattern: '[A-Za-z][A-Za-z0-9_.:-]{1,127}', MinLength: 2, MaxLength: 128, Default: 'app-snapshot' },
      timeout: { Type: 'Number', MinValue: 60, MaxValue: 86400, Default: 600 },
      requireAppConsistent: { Type: 'Boolean', Default: true },
      rateControl: { Type: 'Json', AssociationProperty: 'RateControl', Default: { Mode: 'Concurrency', MaxErrors: 0, Concurrency: 10 } },
      OOSAssumeRole: { Type: 'String', Default: '' },
    },
    RamRole: '{{ OOSAssumeRole }}',
    Tasks: [
      {
        Name: 'describeInstances',
        Action: 'ACS::ExecuteAPI',
        Properties: {
          Service: 'ECS',
          API: 'DescribeInstances',
          Parameters: { RegionId: '{{ regionId }}', InstanceIds: '{{ instanceIds }}', Tag: [{ Key: 'app', Value: 'db' }] },
        },
        Outputs: { instanceIds: { Type: 'List', ValueSelector: 'Instances.Instance[].InstanceId' } },
      },
      {
        Name: 'waitForRunning',
        Action: 'ACS::WaitFor',
        Properties: {
          Service: 'ECS',
          API: 'DescribeInstances',
          Parameters: { RegionId: '{{ regionId }}', InstanceIds: '{{ instanceIds }}' },
          PropertySelector: 'Instances.Instance[].Status',
          DesiredValues: ['Running'],
        },
        OnError: 'ACS::END',
      },
      {
        Name: 'runSnapshot',
        Action: 'ACS::ECS::RunCommand',
        Properties: {
          regionId: '{{ regionId }}',
          instanceId: '{{ ACS::TaskLoopItem }}',
          commandType: '{{ commandType }}',
          commandContent: 'echo "{{ snapshotName }} on {{ ACS::TaskLoopItem }} in {{ ACS::ExecutionId }}"',
          timeout: '{{ timeout }}',
        },
        Outputs: { result: { Type: 'String', ValueSelector: 'invocationOutput' } },
        Loop: {
          Items: '{{ describeInstances.instanceIds }}',
          RateControl: '{{ rateControl }}',
          Outputs: { results: { AggregateType: 'Fn::ListJoin', AggregateField: 'result' } },
        },
      },
      {
        Name: 'checkResult',
        Action: 'ACS::Choice',
        Properties: {
          DefaultTask: 'ACS::END',
          Choices: [{ When: { 'Fn::Equals': [true, '{{ requireAppConsistent }}'] }, NextTask: 'pause' }],
        },
      },
      {
        Name: 'pause',
        Action: 'ACS::Sleep',
        Properties: { Duration: 'PT1M' },
        OnSuccess: 'ACS::END',
      },
    ],
    Outputs: {
      results: { Type: 'List', Value: '{{ runSnapshot.results }}' },
    },
  };
}

/** The errors of a result as `rule path` lines (`rule` alone for the whole template), to compare with what a fault should cause. */
export function errorsOf(result: LintResult): string[] {
  return result.findings.filter((f: Finding) => f.severity === 'error').map((f) => (f.path === '' ? f.rule : `${f.rule} ${f.path}`));
}
