import * as ros from '@alicloud/ros-cdk-core';
import { ExecutedTemplate } from './execution-role';
import { MAX_OOS_LOOP_ITEMS, chunk } from './instance-ids';
import { OosTemplateDocument } from './instance-template';
import { templateResourceId, uniqueResourceId } from './logical-id';
import { RosOosExecution, executionFingerprint } from './oos/execution';
import { OOS_FORMAT_VERSION } from './oos/limits';
import { OOS_TEMPLATE_NAME_PATTERN, RosOosTemplate } from './oos/template';
import { NotifyOptions, RunNotificationSpec, withRunNotifications } from './notify';
import { Schedule } from './schedule';
import { renderTemplateContent } from './snapshot-automation';
import { INSTANCE_IDS_PARAMETER, TargetSelection, targetParameters } from './targets';
import { isResolved } from './validation';

/**
 * The scheduled run of a group: an OOS template whose first task is an `ACS::TimerTrigger`
 * (OOS requires the trigger first, and allows it only in the template an execution starts), and
 * whose next tasks run the group's templates through `ACS::Template` at each trigger:
 *
 * 1. `enrollInstances`  (tag targets) attaches the role and installs the scripts on instances
 *                       tagged since the last run, so that they are covered from this run on;
 * 2. `takeSnapshots`    the snapshot automation;
 * 3. `applyRetention`   (with retention) the clean-up of this group's old snapshot groups. It
 *                       runs only when the snapshots succeeded (within the rate control's
 *                       MaxErrors): a failing run never deletes older copies.
 *    `cleanOrphans`     (with retention.deleteOrphans) then the clean-up of the groups of
 *                       instances that no longer exist (lib/orphans.ts).
 * 4. `copyToRegions`    (with copy) the copies of the newest application-consistent groups to
 *                       other regions (lib/snapshot-copy.ts), after the snapshots succeeded; a
 *                       copy that fails is reported in its output, never a failure of the step.
 *
 * The schedule starts when the stack is created: one `ALIYUN::OOS::Execution` of the template
 * per shard of at most 1,000 instances (one OOS loop's limit), or one for tag targets.
 */

/** Task names of the scheduled template. */
export const SCHEDULE_TASKS = {
  trigger: 'timerTrigger',
  enroll: 'enrollInstances',
  snapshot: 'takeSnapshots',
  retention: 'applyRetention',
  orphans: 'cleanOrphans',
  copy: 'copyToRegions',
} as const;

/** What the scheduled template's name adds to the automation's. */
export const SCHEDULE_TEMPLATE_SUFFIX = '-Schedule';

/** A template the schedule runs, with its name and what it nests (for the execution role). */
export interface ScheduledTemplate {
  readonly templateName: string;
  readonly executedTemplate: ExecutedTemplate;
}

/** Properties of a {@link SnapshotSchedule}. */
export interface SnapshotScheduleProps {
  /** When to run. */
  readonly schedule: Schedule;
  /** The scheduled template's name. */
  readonly templateName: string;
  /** The instances. */
  readonly targets: TargetSelection;
  /** The snapshot automation. */
  readonly automation: ScheduledTemplate;
  /** The retention clean-up. @default - none */
  readonly retention?: ScheduledTemplate;
  /** The clean-up of the groups of instances that no longer exist. @default - none */
  readonly orphans?: ScheduledTemplate;
  /** The cross-region copies. @default - none */
  readonly copy?: ScheduledTemplate;
  /** The enrollment of tag-selected instances. @default - none */
  readonly enrollment?: ScheduledTemplate;
  /** The RAM role OOS executions assume. @default - the identity that starts them */
  readonly executionRoleName?: string;
  /** The group, for descriptions. */
  readonly groupName: string;
  /**
   * Alerts of each run (lib/notify.ts): a webhook notification of failures, fallbacks and the summary.
   *
   * @default - no alerts
   */
  readonly notify?: NotifyOptions;
  /**
   * The posture the group belongs to, for the notifications' label (`<posture>/<group>`).
   *
   * @default - the group alone
   */
  readonly postureName?: string;
}

const ref = (name: string) => `{{ ${name} }}`;

/** Whether the instance ids are more than one loop takes, so that each execution passes one shard. */
export function isSharded(targets: TargetSelection): boolean {
  return targets.instanceIds !== undefined && isResolved(targets.instanceIds) && targets.instanceIds.length > MAX_OOS_LOOP_ITEMS;
}

/**
 * Builds the scheduled template. The templates it runs take their targets from their own
 * defaults, so that a stack update that changes the instances reaches the next run; only a
 * sharded group passes each execution's shard of ids on.
 */
export function buildScheduleDocument(props: SnapshotScheduleProps): OosTemplateDocument {
  const sharded = isSharded(props.targets);
  const nameParam = (name: string, label: string, value: string) => ({
    [name]: { Type: 'String', Label: { en: label }, AllowedPattern: OOS_TEMPLATE_NAME_PATTERN, Default: value },
  });
  const parameters: Record<string, Record<string, unknown>> = {
    regionId: { Type: 'String', Label: { en: 'Region' }, AssociationProperty: 'RegionId', Default: '{{ ACS::RegionId }}' },
    ...(sharded ? targetParameters(props.targets, `The instances of group ${props.groupName}`) : {}),
    ...(props.enrollment ? nameParam('enrollmentTemplateName', 'Enrollment template', props.enrollment.templateName) : {}),
    ...nameParam('automationTemplateName', 'Snapshot template', props.automation.templateName),
    ...(props.retention ? nameParam('retentionTemplateName', 'Retention template', props.retention.templateName) : {}),
    ...(props.orphans ? nameParam('orphansTemplateName', 'Orphan clean-up template', props.orphans.templateName) : {}),
    ...(props.copy ? nameParam('copyTemplateName', 'Copy template', props.copy.templateName) : {}),
    OOSAssumeRole: { Type: 'String', Label: { en: 'RAM role OOS assumes' }, Default: props.executionRoleName ?? '' },
  };
  const passed = { regionId: ref('regionId'), ...(sharded ? { [INSTANCE_IDS_PARAMETER]: ref(INSTANCE_IDS_PARAMETER) } : {}), OOSAssumeRole: ref('OOSAssumeRole') };
  const run = (name: string, templateParam: string, description: string, outputs?: Record<string, unknown>) => ({
    Name: name,
    Action: 'ACS::Template',
    Description: { en: description },
    Properties: { TemplateName: ref(templateParam), Parameters: passed },
    ...(outputs ? { Outputs: outputs } : {}),
  });
  const t = props.schedule.toTimerTrigger();
  const tasks: Array<Record<string, unknown>> = [
    {
      Name: SCHEDULE_TASKS.trigger,
      Action: 'ACS::TimerTrigger',
      Description: { en: `Runs the tasks below ${props.schedule.describe()}` },
      Properties: { Type: t.Type, Expression: t.Expression, EndDate: t.EndDate, TimeZone: t.TimeZone },
    },
  ];
  if (props.enrollment) {
    tasks.push(run(SCHEDULE_TASKS.enroll, 'enrollmentTemplateName', 'Attaches the role and installs the scripts on the instances tagged since the last run'));
  }
  tasks.push(run(SCHEDULE_TASKS.snapshot, 'automationTemplateName', 'Takes the application-consistent snapshots of the instances',
    { results: { Type: 'List', ValueSelector: '.results[]' } }));
  if (props.retention) {
    tasks.push(run(SCHEDULE_TASKS.retention, 'retentionTemplateName', 'Deletes the snapshot groups of this group that the retention no longer keeps'));
  }
  if (props.orphans) {
    tasks.push(run(SCHEDULE_TASKS.orphans, 'orphansTemplateName', 'Deletes the old enough snapshot groups of this group whose instance no longer exists'));
  }
  if (props.copy) {
    tasks.push(run(SCHEDULE_TASKS.copy, 'copyTemplateName', 'Copies the newest application-consistent snapshot group of each instance to the other regions',
      { results: { Type: 'List', ValueSelector: '.results[]' } }));
  }
  const document: OosTemplateDocument = {
    FormatVersion: OOS_FORMAT_VERSION,
    Description: { en: `Scheduled application-consistent snapshots of group ${props.groupName}: ${props.schedule.describe()}` },
    Parameters: parameters,
    RamRole: ref('OOSAssumeRole'),
    Tasks: tasks,
    Outputs: { results: { Type: 'List', Value: ref(`${SCHEDULE_TASKS.snapshot}.results`) } },
  };
  return props.notify ? withRunNotifications(document, scheduleNotificationSpec(props)) : document;
}

/** The steps of a scheduled run and the notifications' settings (lib/notify.ts). */
function scheduleNotificationSpec(props: SnapshotScheduleProps): RunNotificationSpec {
  const snapshotStep = { task: SCHEDULE_TASKS.snapshot, templateParameter: 'automationTemplateName', label: 'snapshots' };
  const copyStep = { task: SCHEDULE_TASKS.copy, templateParameter: 'copyTemplateName', label: 'copies' };
  const steps = [
    ...(props.enrollment ? [{ task: SCHEDULE_TASKS.enroll, templateParameter: 'enrollmentTemplateName', label: 'enrollment' }] : []),
    snapshotStep,
    ...(props.retention ? [{ task: SCHEDULE_TASKS.retention, templateParameter: 'retentionTemplateName', label: 'retention' }] : []),
    ...(props.orphans ? [{ task: SCHEDULE_TASKS.orphans, templateParameter: 'orphansTemplateName', label: 'orphan clean-up' }] : []),
    ...(props.copy ? [copyStep] : []),
  ];
  return { notify: props.notify!, steps, snapshotStep, ...(props.copy ? { copyStep } : {}), runLabel: props.postureName ? `${props.postureName}/${props.groupName}` : props.groupName };
}

/** The scheduled template as executions run it, with the templates it nests (each with its own children). */
export function scheduleExecutedTemplate(document: OosTemplateDocument, props: SnapshotScheduleProps): ExecutedTemplate {
  const nested: Record<string, ExecutedTemplate> = { [ref('automationTemplateName')]: props.automation.executedTemplate };
  if (props.retention) nested[ref('retentionTemplateName')] = props.retention.executedTemplate;
  if (props.enrollment) nested[ref('enrollmentTemplateName')] = props.enrollment.executedTemplate;
  if (props.orphans) nested[ref('orphansTemplateName')] = props.orphans.executedTemplate;
  if (props.copy) nested[ref('copyTemplateName')] = props.copy.executedTemplate;
  return { document, nested };
}

/**
 * The instance ids each execution passes: shards of at most 1,000 for a sharded group, else one
 * execution that passes none (the templates' defaults hold the targets).
 */
export function scheduleShards(targets: TargetSelection): Array<string[] | undefined> {
  return isSharded(targets) ? chunk(targets.instanceIds!, MAX_OOS_LOOP_ITEMS) : [undefined];
}

/** The scheduled template (`ALIYUN::OOS::Template`) of a group. */
export class SnapshotSchedule extends ros.Construct {
  /** The template resource. */
  public readonly template: RosOosTemplate;
  /** The template document. */
  public readonly document: OosTemplateDocument;
  /** The template's name. */
  public readonly templateName: string;
  /** The template's content as deployed. */
  public readonly content: string;
  /** The template with what it nests, for the execution role. */
  public readonly executedTemplate: ExecutedTemplate;
  /** The schedule. */
  public readonly schedule: Schedule;

  constructor(scope: ros.Construct, id: string, props: SnapshotScheduleProps) {
    super(scope, id);
    this.document = buildScheduleDocument(props);
    this.templateName = props.templateName;
    this.schedule = props.schedule;
    this.executedTemplate = scheduleExecutedTemplate(this.document, props);
    this.content = renderTemplateContent('content', this.document);
    this.template = new RosOosTemplate(this, templateResourceId(this, 'Template', props.templateName), {
      templateName: props.templateName,
      content: this.content,
      standaloneDocuments: { '': this.document },
    });
  }
}

/** Properties of a {@link ScheduleExecution}. */
export interface ScheduleExecutionProps {
  /** The scheduled template to start. */
  readonly templateName: string;
  /** The shard's instance ids (undefined: the template's default targets). */
  readonly instanceIds?: string[];
  /** The scheduled template's content: a change restarts the schedule. */
  readonly templateContent: string;
  /** Which shard this is and of how many, for the description. */
  readonly shard: { readonly index: number; readonly count: number };
  readonly groupName: string;
  /** The execution's description. @default - the schedule of the group's snapshots */
  readonly description?: string;
}

/** Execution statuses in which ROS takes a started schedule as created. */
export const SCHEDULE_STARTED_STATUSES = ['Running', 'Waiting', 'Success'] as const;

/**
 * Starts the schedule when the stack is created: an `ALIYUN::OOS::Execution` of the scheduled
 * template, in Automatic mode without per-action confirmation (nobody is there to confirm at
 * 02:00), cancelled when the stack is deleted, so that deleting the stack stops the schedule.
 */
export class ScheduleExecution extends ros.Construct {
  /** The execution resource. */
  public readonly execution: RosOosExecution;

  constructor(scope: ros.Construct, id: string, props: ScheduleExecutionProps) {
    super(scope, id);
    const of = props.shard.count > 1 ? ` (instances shard ${props.shard.index + 1} of ${props.shard.count})` : '';
    // A changed schedule (the template's trigger), template name or shard replaces the execution:
    // ROS updates no property of an execution.
    const fingerprint = executionFingerprint(props.templateName, props.templateContent, props.instanceIds ?? null);
    this.execution = new RosOosExecution(this, uniqueResourceId(this, `Execution${fingerprint}`), {
      templateName: props.templateName,
      mode: 'Automatic',
      safetyCheck: 'Skip',
      description: props.description ?? `Schedule of the application-consistent snapshots of group ${props.groupName}${of}`,
      parameters: props.instanceIds !== undefined ? { [INSTANCE_IDS_PARAMETER]: props.instanceIds } : undefined,
      resourceOptions: {
        successStatuses: SCHEDULE_STARTED_STATUSES,
        failureStatuses: ['Failed', 'Cancelled'],
        cancelOnDelete: true,
      },
    });
  }
}
