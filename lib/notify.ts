import { OosTemplateDocument } from './instance-template';
import { RESULT_LINE_PREFIX } from './instance-template';
import { ValidationError, checkPattern } from './validation';

/**
 * Alerts of the scheduled runs: after each run, one `ACS::Notify` webhook call (a DingTalk-style
 * JSON body, `msgtype: text`, as Alibaba's public templates send) whose text is one summary
 * line, then one line per instance that failed or fell back to file-system consistency (with the
 * exit code and reason of its result line) and one per step (enrollment, snapshots, retention)
 * that failed. The URL is never in a template: the template's `notifyWebhook` parameter takes
 * only a reference to an OOS encrypted parameter, `{{oos-secret:NAME}}`, which OOS resolves
 * when the run starts.
 *
 * A notification never fails or hides the run's result: every notification task jumps on, on
 * error, to the end of the run; a run whose steps failed ends with `confirmRun`, which fails the
 * execution naming the failed steps whatever happened to the notification.
 */

/** When the scheduled run sends its notification. */
export enum NotifyOn {
  /** When an instance failed or fell back, or a step failed. */
  FAILURES = 'failures',
  /** After every run: a successful run sends its summary line alone. */
  ALWAYS = 'always',
}

/** Alerts of a group's scheduled runs. */
export interface NotifyOptions {
  /**
   * The name of the OOS encrypted parameter (Parameter Store) that holds the webhook URL, such as
   * a DingTalk robot's `https://oapi.dingtalk.com/robot/send?access_token=...`. Only its name is
   * written into the template.
   */
  readonly webhookSecretParameter: string;
  /**
   * When to notify.
   *
   * @default NotifyOn.FAILURES
   */
  readonly on?: NotifyOn;
}

/** OOS encrypted parameter names, as OOS documents them: 1-180 letters, digits, `-` and `_`. */
export const SECRET_PARAMETER_NAME_PATTERN = '^[A-Za-z0-9_-]{1,180}$';

/** The prefixes OOS reserves for its own parameter names (in any case). */
export const RESERVED_PARAMETER_PREFIXES: readonly string[] = ['ALIYUN', 'ACS', 'ALIBABA', 'ALICLOUD', 'OOS'];

const RESERVED_PREFIX = new RegExp(`^(${RESERVED_PARAMETER_PREFIXES.join('|')})`, 'i');

/** The reference OOS resolves to the encrypted parameter's value. */
export function secretReference(name: string): string {
  return `{{oos-secret:${name}}}`;
}

/** The pattern of the template parameter that carries the webhook: a secret reference, nothing else. */
export const WEBHOOK_PARAMETER_PATTERN = '^\\{\\{oos-secret:[A-Za-z0-9_-]{1,180}\\}\\}$';

/**
 * Checks the construct's notify options. A posture file's `notify` is checked by the posture
 * schema (schema/posture.schema.json), which states the same rules.
 */
export function checkNotifyOptions(o: NotifyOptions): void {
  const name = o.webhookSecretParameter;
  if (typeof name !== 'string') {
    throw new ValidationError('notify.webhookSecretParameter', 'is required: the name of the OOS encrypted parameter that holds the webhook URL', name);
  }
  if (/^[a-z]+:\/\//i.test(name) || name.includes('/')) {
    throw new ValidationError('notify.webhookSecretParameter', 'must be the name of an OOS encrypted parameter, not the URL: store the URL in Parameter Store as an encrypted parameter and name it here', '(not shown)');
  }
  checkPattern('notify.webhookSecretParameter', name, SECRET_PARAMETER_NAME_PATTERN, 'must be 1 to 180 letters, digits, `-` or `_` (an OOS encrypted parameter name)');
  if (RESERVED_PREFIX.test(name)) {
    throw new ValidationError('notify.webhookSecretParameter', `must not start with ${RESERVED_PARAMETER_PREFIXES.join(', ').replace(/, (\w+)$/, ' or $1')} (reserved by OOS)`, name);
  }
  if (o.on !== undefined && !Object.values(NotifyOn).includes(o.on)) {
    throw new ValidationError('notify.on', `must be one of ${Object.values(NotifyOn).join(', ')}`, o.on);
  }
}

/** Task names the notifications add to the scheduled template. */
export const NOTIFY_TASKS = {
  report: 'reportRun',
  instances: 'listInstanceFailures',
  choose: 'whetherToNotify',
  notify: 'notifyRun',
  end: 'endRun',
  confirm: 'confirmRun',
} as const;

/** A step of the scheduled run: its task, the parameter naming the template it runs, and its name in messages. */
export interface RunStep {
  readonly task: string;
  readonly templateParameter: string;
  readonly label: string;
}

/** What the notifications are added for. */
export interface RunNotificationSpec {
  readonly notify: NotifyOptions;
  /** The steps, in order; the one whose children are the instances' runs is `snapshotStep`. */
  readonly steps: readonly RunStep[];
  readonly snapshotStep: RunStep;
  /** How the messages name the run: `<posture>/<group>`. */
  readonly runLabel: string;
}

/** Run labels: posture and group names joined by `/`. */
export const RUN_LABEL_PATTERN = '^[A-Za-z0-9_/-]{1,257}$';

const ref = (name: string) => `{{ ${name} }}`;

/** jq (over ListExecutions of the run's children): the instance results of the snapshot step, when it succeeded. */
function resultsOf(step: RunStep): string {
  return `([.Executions[] | select(.TemplateName == "${ref(step.templateParameter)}") | select(.Status == "Success") | .Outputs | tostring | fromjson? | .results[]?]) as $r`;
}

/** jq: the name of a step from its child execution's template. */
function stepLabel(steps: readonly RunStep[]): string {
  return steps.reduceRight((rest, s) => `(if .TemplateName == "${ref(s.templateParameter)}" then "${s.label}" else ${rest} end)`, '.TemplateName');
}

const FAILED_CHILDREN = '[.Executions[] | select(.Status != "Success")]';
const INSTANCE_RUNS = '[.Executions[] | select(.Parameters.instanceId != null)]';

/** The jq selectors of the notification tasks. */
export function notifySelectors(spec: RunNotificationSpec) {
  const results = resultsOf(spec.snapshotStep);
  return {
    /** reportRun: the snapshot step's execution, or this run's (which has no instance runs) when it did not start. */
    snapshotRunId: `[.Executions[] | select(.TemplateName == "${ref(spec.snapshotStep.templateParameter)}") | .ExecutionId] + ["${ref('ACS::ExecutionId')}"] | .[0]`,
    failed: `if (${FAILED_CHILDREN} | length) > 0 then "true" else "false" end`,
    summary: `${results} | (if (${FAILED_CHILDREN} | length) > 0 then "FAILED" else "succeeded" end) + ": " + ($r | length | tostring) + " snapshotted (" + ([$r[] | select(.verdict == "AppConsistent")] | length | tostring) + " application-consistent, " + ([$r[] | select(.verdict == "FsConsistent")] | length | tostring) + " file-system-consistent)"`,
    details: `${results} | [(.Executions[] | select(.Status != "Success") | "\\n" + ${stepLabel(spec.steps)} + " failed: " + (.StatusMessage | tostring)), ($r[] | select(.verdict == "FsConsistent") | "\\n" + (.instanceId | tostring) + ": fell back to file-system consistency, exit " + (.exitCode | tostring) + ", group " + (.snapshotGroupId | tostring) + ": " + (.reason | tostring))] | join("")`,
    attention: `${results} | if ((${FAILED_CHILDREN} | length) + ([$r[] | select(.verdict == "FsConsistent")] | length)) > 0 then "true" else "false" end`,
    /** listInstanceFailures: one line per failed instance run, the exit code and message read from its result line when the message carries it. */
    lines: `[${INSTANCE_RUNS}[] | (.StatusMessage | tostring) as $m | ([$m | split("${RESULT_LINE_PREFIX}") | .[1] | fromjson?] | .[0]) as $res | "\\n" + (.Parameters.instanceId | tostring) + ": failed" + (if $res == null then ": " + $m else ", exit " + ($res.exitCode | tostring) + ": " + ($res.message | tostring) end)] | join("")`,
    count: `(${INSTANCE_RUNS} | length | tostring) + (if .NextToken == null then "" else (if .NextToken == "" then "" else " or more" end) end)`,
    notify: `if ((${INSTANCE_RUNS} | length) > 0) or ("${ref(`${NOTIFY_TASKS.report}.attention`)}" == "true") or ("${ref('notifyOn')}" == "always") then "true" else "false" end`,
    /** confirmRun: the templates of the steps that did not succeed (empty: the run succeeded). */
    failedSteps: `${FAILED_CHILDREN} | map(.TemplateName) | join(" ")`,
  };
}

/** The parameters the notifications add. */
export function notifyParameters(spec: RunNotificationSpec): Record<string, Record<string, unknown>> {
  return {
    notifyWebhook: {
      Type: 'String',
      Label: { en: 'Webhook (an OOS encrypted parameter)' },
      Description: { en: 'The webhook URL as a reference to the OOS encrypted parameter that holds it, {{oos-secret:NAME}}; a URL itself is refused' },
      AllowedPattern: WEBHOOK_PARAMETER_PATTERN,
      Default: secretReference(spec.notify.webhookSecretParameter),
    },
    notifyOn: {
      Type: 'String',
      Label: { en: 'Notify' },
      Description: { en: 'failures: when an instance failed or fell back, or a step failed; always: after every run' },
      AllowedValues: Object.values(NotifyOn),
      Default: spec.notify.on ?? NotifyOn.FAILURES,
    },
    runLabel: { Type: 'String', Label: { en: 'Run label (posture/group)' }, AllowedPattern: RUN_LABEL_PATTERN, Default: spec.runLabel },
  };
}

/** The message: the summary line, then the failed instances, the failed steps and the fallbacks. */
export function notifyText(): string {
  const r = (name: string) => ref(`${NOTIFY_TASKS.report}.${name}`);
  const i = (name: string) => ref(`${NOTIFY_TASKS.instances}.${name}`);
  return `[app-snapshot] ${ref('runLabel')}: ${r('summary')}, ${i('count')} failed; execution ${ref('ACS::ExecutionId')}${i('lines')}${r('details')}`;
}

const oosCall = (api: string, parameters: Record<string, unknown>) => ({ Service: 'OOS', API: api, Parameters: parameters });
const text = (selector: string) => ({ Type: 'String', ValueSelector: selector });
const equals = (a: string, b: string) => ({ 'Fn::Equals': [a, b] });

/**
 * The notification tasks, run after the steps (which jump to the first of them on error, so that
 * a failed step is reported too). The snapshot step's instance runs are its child executions.
 */
export function notifyTasks(spec: RunNotificationSpec): Array<Record<string, unknown>> {
  const T = NOTIFY_TASKS;
  const S = notifySelectors(spec);
  const thisRun = { ParentExecutionId: ref('ACS::ExecutionId') };
  return [
    {
      Name: T.report,
      Action: 'ACS::ExecuteAPI',
      Description: { en: 'Reads the steps of this run (their status, message and results) for the notification' },
      OnError: T.confirm,
      Properties: oosCall('ListExecutions', thisRun),
      Outputs: { snapshotRunId: text(S.snapshotRunId), failed: text(S.failed), summary: text(S.summary), details: text(S.details), attention: text(S.attention) },
    },
    {
      Name: T.instances,
      Action: 'ACS::ExecuteAPI',
      Description: { en: 'Reads the instances whose run failed, with the exit code and reason of their result line' },
      OnError: T.end,
      Properties: oosCall('ListExecutions', { ParentExecutionId: ref(`${T.report}.snapshotRunId`), Status: 'Failed' }),
      Outputs: { lines: text(S.lines), count: text(S.count), notify: text(S.notify) },
    },
    {
      Name: T.choose,
      Action: 'ACS::Choice',
      Description: { en: 'Notifies on a failure or a fallback, or after every run when notifyOn is always' },
      Properties: { DefaultTask: T.notify, Choices: [{ When: equals('false', ref(`${T.instances}.notify`)), NextTask: T.end }] },
    },
    {
      Name: T.notify,
      Action: 'ACS::Notify',
      Description: { en: 'Sends the run\'s summary and failures to the webhook; a failure to send changes nothing of the run\'s result' },
      OnSuccess: T.end,
      OnError: T.end,
      Properties: {
        NotifyType: 'WebHook',
        WebHook: {
          URI: ref('notifyWebhook'),
          Headers: { 'Content-Type': 'application/json' },
          Content: { msgtype: 'text', text: { content: notifyText() } },
        },
      },
    },
    {
      Name: T.end,
      Action: 'ACS::Choice',
      Description: { en: 'Ends a run whose steps succeeded; a run with a failed step goes on to fail' },
      Properties: { DefaultTask: T.confirm, Choices: [{ When: equals('false', ref(`${T.report}.failed`)), NextTask: 'ACS::END' }] },
    },
    {
      Name: T.confirm,
      Action: 'ACS::CheckFor',
      Description: { en: 'Fails the run when one of its steps failed, naming their templates, whatever happened to the notification' },
      Properties: { ...oosCall('ListExecutions', thisRun), PropertySelector: S.failedSteps, DesiredValues: [''] },
    },
  ];
}

/**
 * The scheduled template with notifications: the notification parameters and tasks appended,
 * and each step's failure sent to the first of them instead of ending the run.
 */
export function withRunNotifications(document: OosTemplateDocument, spec: RunNotificationSpec): OosTemplateDocument {
  const stepTasks = new Set(spec.steps.map((s) => s.task));
  return {
    ...document,
    Parameters: { ...document.Parameters, ...notifyParameters(spec) },
    Tasks: [
      ...document.Tasks.map((t) => (stepTasks.has(String(t.Name)) ? { ...t, OnError: NOTIFY_TASKS.report } : t)),
      ...notifyTasks(spec),
    ],
  };
}
