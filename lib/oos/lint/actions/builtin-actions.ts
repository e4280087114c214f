import { ActionPropertySpec, ActionSpec } from './action-spec';

/**
 * The actions built into OOS, with the properties their documentation and the published
 * templates give them. Properties not listed here are reported (leniently) as unknown.
 */

type Props = Readonly<Record<string, ActionPropertySpec>>;

const required: ActionPropertySpec = { required: true };
const optional: ActionPropertySpec = { required: false };

/** Properties of the actions that call a cloud service's API. */
const API_CALL: Props = {
  Service: required,
  API: required,
  Parameters: optional,
  // For services called ROA style (a method and a path rather than an action name).
  Method: optional,
  URI: optional,
  Headers: optional,
  Body: optional,
};

/** What ACS::WaitFor and ACS::CheckFor add to an API call: the value to read and the ones to expect. */
const POLL: Props = { ...API_CALL, PropertySelector: required, DesiredValues: optional, NotDesiredValues: optional };

function spec(name: string, kind: ActionSpec['kind'], properties: Props, more: Partial<ActionSpec> = {}): ActionSpec {
  return { name, kind, properties, loopable: true, ...more };
}

/** The built-in actions. */
export const BUILTIN_ACTIONS: readonly ActionSpec[] = [
  spec('ACS::ExecuteAPI', 'api', { ...API_CALL, Risk: optional }),
  spec('ACS::WaitFor', 'api', { ...POLL, StopRetryValues: optional }, { requireOneOf: [['DesiredValues', 'NotDesiredValues']] }),
  spec('ACS::CheckFor', 'api', POLL, { requireOneOf: [['DesiredValues', 'NotDesiredValues']] }),
  spec('ACS::Choice', 'functional', { DefaultTask: required, Choices: required }, { loopable: false }),
  spec('ACS::SelectTargets', 'functional', { ResourceType: required, Filters: required, RegionId: optional }),
  spec('ACS::TimerTrigger', 'functional', {
    Type: { required: true, allowedValues: ['cron', 'rate', 'at'] },
    Expression: required,
    EndDate: optional,
    TimeZone: optional,
  }, { loopable: false }),
  spec('ACS::EventTrigger', 'functional', {
    Product: optional, Name: optional, Content: optional, RegionId: optional, Level: optional, Tags: optional, OutputTransformer: optional,
  }, { loopable: false }),
  spec('ACS::AlarmTrigger', 'functional', {
    Namespace: optional, MetricName: optional, Statistics: optional, ComparisonOperator: optional, Threshold: optional, Times: optional,
    SilenceTime: optional, Period: optional, Interval: optional, Tags: optional, Resources: optional,
  }, { loopable: false }),
  spec('ACS::Sleep', 'functional', { Duration: required }, { loopable: false }),
  spec('ACS::Pause', 'functional', {}, { loopable: false }),
  spec('ACS::Template', 'functional', { TemplateName: required, Parameters: optional }),
  spec('ACS::Notify', 'functional', { NotifyType: optional, WebHook: optional }),
  spec('ACS::Approve', 'functional', { NotifyType: optional, WebHook: optional, Approvers: optional, MinRequiredApprovals: optional }),
  spec('ACS::Loop', 'functional', { LoopItems: required, LoopRateControl: optional, LoopTasks: required }),
  spec('ACS::GitCodeRepo', 'functional', { Platform: optional, Owner: optional, Organization: optional, Repository: optional }),
];
