import * as ros from '@alicloud/ros-cdk-core';
import { checkLoopSize } from './instance-ids';
import { INSTANCE_SELECTORS, OosTemplateDocument } from './instance-template';
import { OOS_FORMAT_VERSION } from './oos/limits';
import { checkOosTemplateName } from './oos/template';
import { INSTANCE_ID_PATTERN, OperatingSystem, RAM_ROLE_NAME_PATTERN } from './plugin/parameters';
import { QuiesceScripts } from './quiesce-scripts';
import { prepareScriptInstall } from './script-deployment';
import { PerInstanceTemplatePair, buildPerInstanceParent, childParameters, leadingParameters, trailingParameters } from './snapshot-automation';
import { TargetProps, TargetSelection, checkTargets, targetsOf } from './targets';
import { ValidationError, checkIntegerRange, checkPattern, isResolved } from './validation';

/**
 * Enrollment of instances selected by tags. ROS resources that attach the role and install the
 * scripts (ALIYUN::ECS::RamRoleAttachment, ALIYUN::ECS::RunCommand) need instance ids when the
 * stack is deployed; instances selected by tags are only known when a template runs. So OOS
 * enrolls them: a parent template selects the instances (by tags, or ids) and runs, for each, a
 * per-instance template that
 * 1. `checkInstanceRunning`  ACS::CheckFor DescribeInstances: Status is Running;
 * 2. `checkCloudAssistant`   ACS::CheckFor DescribeCloudAssistantStatus: the agent is up;
 * 3. `describeRamRole`       ACS::ExecuteAPI DescribeInstanceRamRole: the role the instance holds,
 *                            judged by a selector: none (`attach`), ours (`keep`), another
 *                            (`conflict`);
 * 4. `whetherToAttach`       ACS::Choice on that: `attach` goes to 5, `keep` to 7 (Windows: the
 *                            end), `conflict` to 6;
 * 5. `attachRamRole`         ACS::ExecuteAPI AttachInstanceRamRole, for this instance (one call, no
 *                            loop); its output `attachResult` keeps what ECS reported;
 * 6. `checkRamRole`          ACS::CheckFor DescribeInstanceRamRole: the instance holds the group's
 *                            role, else it fails naming the role it holds (an instance holds one
 *                            role, so one holding another cannot be enrolled; the others go on);
 *                            after 5 it confirms the attachment;
 * 7. `installScripts`        ACS::ECS::RunCommand (Linux only): the same installation command as
 *                            the ScriptDeployment's, which is idempotent.
 * Both templates are run again at the start of every scheduled run, so an instance tagged later
 * is enrolled, then snapshotted, by the next run (see docs/fleets.md).
 */

/** The name of the parent's task that runs the per-instance enrollment for each instance. */
export const ENROLL_TASK_NAME = 'enrollInstances';

/** What the enrollment templates' names add to the automation template's name. */
export const ENROLL_TEMPLATE_SUFFIX = '-Enroll';
export const ENROLL_INSTANCE_TEMPLATE_SUFFIX = '-EnrollInstance';

/** The longest automation template name that leaves room for the enrollment suffixes (OOS allows 200). */
export const ENROLLED_AUTOMATION_TEMPLATE_NAME_MAX_LENGTH = 200 - ENROLL_INSTANCE_TEMPLATE_SUFFIX.length;

/** Task names of the per-instance enrollment template. */
export const ENROLLMENT_TASKS = {
  checkRunning: 'checkInstanceRunning',
  checkAgent: 'checkCloudAssistant',
  ramRole: 'describeRamRole',
  choose: 'whetherToAttach',
  attach: 'attachRamRole',
  checkRole: 'checkRamRole',
  install: 'installScripts',
} as const;

/** jq: the role names the instance holds (DescribeInstanceRamRole). */
const HELD_ROLES = '[.InstanceRamRoleSets.InstanceRamRoleSet[]? | select(.RamRoleName != null and .RamRoleName != "") | .RamRoleName]';

/**
 * The jq selectors of the per-instance enrollment template, in the builtins and syntax of
 * Alibaba's public templates (no `error()`: a task that must fail is an `ACS::CheckFor`). OOS
 * substitutes the references first; the parameters' patterns keep them to letters, digits, `.`
 * and `-`, which cannot end a jq string.
 */
export const ENROLLMENT_SELECTORS = {
  instanceStatus: INSTANCE_SELECTORS.instanceStatus,
  agentStatus: INSTANCE_SELECTORS.agentStatus,
  /** DescribeInstanceRamRole: `attach` (no role), `keep` (the group's) or `conflict` (another). */
  roleAction: `${HELD_ROLES} as $held | if ($held | length) == 0 then "attach" else (if ($held | map(select(. != "{{ ramRoleName }}")) | length) == 0 then "keep" else "conflict" end) end`,
  /** DescribeInstanceRamRole: the role names held, space-separated (checkRamRole wants the group's). */
  heldRoles: `${HELD_ROLES} | join(" ")`,
  /** AttachInstanceRamRole: `attached`, or ECS's code and message for the instance it did not attach. */
  attachResult: 'if .FailCount == null or .FailCount == 0 then "attached" else ([.AttachInstanceRamRoleResults.AttachInstanceRamRoleResult[]? | select(.Success != true) | .Code + " " + .Message] | join("; ")) end',
  /** The parent's per-instance result, from the per-instance template's outputs. */
  result: '{instanceId, roleAttached: (.roleAction == "attach")}',
} as const;

/** Everything the enrollment documents are built from, each value resolved or a ROS token. */
export interface EnrollmentSpec {
  readonly os: OperatingSystem;
  readonly description: string;
  readonly targets: TargetSelection;
  /** The snapshot role the instances must hold. */
  readonly ramRoleName: string;
  readonly concurrency: number;
  readonly maxErrors: number;
  /** The name of the per-instance template (the default of the parent's `instanceTemplateName`). */
  readonly instanceTemplateName: string;
  /** The RAM role OOS executions assume by default (`''`: the caller's identity). */
  readonly oosAssumeRole: string;
  /** Linux: the command that installs the quiesce scripts ({@link prepareScriptInstall}); Windows: none. */
  readonly installCommand?: string;
  /** Seconds Cloud Assistant lets the installation run. */
  readonly installTimeoutSeconds: number;
}

/** The two enrollment documents. */
export interface EnrollmentDocuments {
  /** The template to execute: selects the instances and runs `instance` for each. */
  readonly parent: OosTemplateDocument;
  /** The per-instance template. */
  readonly instance: OosTemplateDocument;
}

const ref = (name: string) => `{{ ${name} }}`;

const REGION_PARAMETER = { Type: 'String', Label: { en: 'Region' }, AssociationProperty: 'RegionId', Default: '{{ ACS::RegionId }}' };

/** An ECS call of the per-instance template; `check` adds the selector and desired values of an ACS::CheckFor. */
function ecsTask(name: string, description: string, api: string, parameters: Record<string, unknown>,
  check?: { readonly selector: string; readonly desired: string }, more: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    Name: name,
    Action: check ? 'ACS::CheckFor' : 'ACS::ExecuteAPI',
    Description: { en: description },
    Properties: {
      Service: 'ECS',
      API: api,
      Parameters: { RegionId: ref('regionId'), ...parameters },
      ...(check ? { PropertySelector: check.selector, DesiredValues: [check.desired] } : {}),
    },
    ...more,
  };
}

function buildInstanceDocument(spec: EnrollmentSpec): OosTemplateDocument {
  const T = ENROLLMENT_TASKS;
  const S = ENROLLMENT_SELECTORS;
  const instance = ref('instanceId');
  const tasks: Array<Record<string, unknown>> = [
    ecsTask(T.checkRunning, 'The instance must be Running: a stopped instance runs no command', 'DescribeInstances',
      { InstanceIds: [instance] }, { selector: S.instanceStatus, desired: 'Running' }),
    ecsTask(T.checkAgent, 'The Cloud Assistant agent must be up: without it no command reaches the instance', 'DescribeCloudAssistantStatus',
      { InstanceId: [instance] }, { selector: S.agentStatus, desired: 'true' }),
    ecsTask(T.ramRole, 'Reads the RAM role the instance holds: none (attach the group\'s), the group\'s (keep it) or another (the instance fails, naming it)',
      'DescribeInstanceRamRole', { InstanceIds: [instance] }, undefined, {
        Outputs: { roleAction: { Type: 'String', ValueSelector: S.roleAction } },
      }),
    {
      Name: T.choose,
      Action: 'ACS::Choice',
      Description: { en: 'Attaches the role when the instance holds none; goes on when it holds the group\'s; checks (and fails) when it holds another' },
      Properties: {
        DefaultTask: T.checkRole,
        Choices: [
          { When: { 'Fn::Equals': ['attach', ref(`${T.ramRole}.roleAction`)] }, NextTask: T.attach },
          { When: { 'Fn::Equals': ['keep', ref(`${T.ramRole}.roleAction`)] }, NextTask: spec.os === OperatingSystem.LINUX ? T.install : 'ACS::END' },
        ],
      },
    },
    ecsTask(T.attach, 'Attaches the group\'s role to the instance, which holds none',
      'AttachInstanceRamRole', { RamRoleName: ref('ramRoleName'), InstanceIds: [instance] }, undefined, {
        Outputs: { attachResult: { Type: 'String', ValueSelector: S.attachResult } },
      }),
    ecsTask(T.checkRole, 'The instance must hold the group\'s role: an instance holds one role at a time, so one holding another cannot be enrolled (detach it, or make it the group\'s role); after an attachment, this confirms it',
      'DescribeInstanceRamRole', { InstanceIds: [instance] }, { selector: S.heldRoles, desired: ref('ramRoleName') }),
  ];
  if (spec.os === OperatingSystem.LINUX) {
    if (spec.installCommand === undefined) {
      throw new ValidationError('scripts', 'must be given for Linux instances (enrollment installs the quiesce scripts)', spec.installCommand);
    }
    tasks.push({
      Name: T.install,
      Action: 'ACS::ECS::RunCommand',
      Description: { en: 'Installs /tmp/prescript.sh and /tmp/postscript.sh (root:root, 0700) with their persistent copy: the ScriptDeployment\'s command, idempotent' },
      Properties: {
        regionId: ref('regionId'),
        instanceId: instance,
        commandType: 'RunShellScript',
        commandContent: spec.installCommand,
        timeout: spec.installTimeoutSeconds,
      },
    });
  } else if (spec.installCommand !== undefined) {
    throw new ValidationError('scripts', 'apply to Linux only (Windows quiesces through VSS: enrollment attaches the role only)', '(scripts)');
  }
  return {
    FormatVersion: OOS_FORMAT_VERSION,
    Description: { en: `${spec.description}: one instance` },
    Parameters: {
      regionId: REGION_PARAMETER,
      instanceId: { Type: 'String', Label: { en: 'Instance' }, AssociationProperty: 'ALIYUN::ECS::Instance::InstanceId', AllowedPattern: INSTANCE_ID_PATTERN },
      ramRoleName: { Type: 'String', Label: { en: 'RAM role of the instances' }, AllowedPattern: RAM_ROLE_NAME_PATTERN },
      OOSAssumeRole: { Type: 'String', Label: { en: 'RAM role OOS assumes' }, Default: spec.oosAssumeRole },
    },
    RamRole: ref('OOSAssumeRole'),
    Tasks: tasks,
    Outputs: {
      instanceId: { Type: 'String', Value: instance },
      roleAction: { Type: 'String', Value: ref(`${T.ramRole}.roleAction`) },
    },
  };
}

function buildParentDocument(spec: EnrollmentSpec, instance: OosTemplateDocument): OosTemplateDocument {
  return buildPerInstanceParent({
    description: spec.description,
    targets: spec.targets,
    parameters: {
      ...leadingParameters(spec.targets, 'ECS instances to enroll (the snapshot role attached where none is, the quiesce scripts installed on Linux)', 'parent'),
      ramRoleName: { Type: 'String', Label: { en: 'RAM role of the instances' }, AllowedPattern: RAM_ROLE_NAME_PATTERN, Default: spec.ramRoleName },
      ...trailingParameters(spec, 'parent'),
    },
    taskName: ENROLL_TASK_NAME,
    taskDescription: 'Runs the per-instance enrollment for each instance',
    passed: childParameters(instance.Parameters),
    resultSelector: ENROLLMENT_SELECTORS.result,
    outputName: 'enrolled',
  });
}

/**
 * Builds the enrollment documents: the parent (instances by tags through ACS::SelectTargets, or
 * by ids; a loop of ACS::Template with the rate control; each enrolled instance's id and whether
 * its role was attached now as output `enrolled`) and the per-instance template.
 */
export function buildEnrollmentDocuments(spec: EnrollmentSpec): EnrollmentDocuments {
  const instance = buildInstanceDocument(spec);
  return { parent: buildParentDocument(spec, instance), instance };
}

/** Properties of a {@link FleetEnrollment}. */
export interface FleetEnrollmentProps extends TargetProps {
  /** OS of the instances: Linux gets the role and the scripts, Windows the role only. */
  readonly os: OperatingSystem;
  /** The snapshot role the instances must hold (attached where they hold none). */
  readonly roleName: string;
  /**
   * The name of the snapshot automation's template: the enrollment templates are named after it
   * with `-Enroll` and `-EnrollInstance` (so it may have at most 185 characters).
   */
  readonly templateName: string;
  /**
   * The quiesce scripts to install (Linux; refused for Windows): the same installation command
   * as a ScriptDeployment's.
   *
   * @default - none (Windows)
   */
  readonly scripts?: QuiesceScripts;
  /**
   * How many instances are enrolled at once.
   *
   * @default 10
   */
  readonly concurrency?: number;
  /**
   * How many instances may fail before the execution stops.
   *
   * @default 0
   */
  readonly maxErrors?: number;
  /**
   * Seconds Cloud Assistant lets the script installation run.
   *
   * @default 120
   */
  readonly installTimeoutSeconds?: number;
  /**
   * The RAM role OOS executions assume by default (the `OOSAssumeRole` parameter).
   *
   * @default - none: executions run with the identity that starts them
   */
  readonly executionRoleName?: string;
  /**
   * The parent template's description.
   *
   * @default - a description naming the OS
   */
  readonly description?: string;
}

/** A template name with a suffix (a ROS join for a parameter). */
function suffixed(templateName: string, suffix: string): string {
  return isResolved(templateName) ? `${templateName}${suffix}` : ros.Fn.join('', [templateName, suffix]);
}

/** Checks the props that are resolved. */
function checkEnrollmentProps(props: FleetEnrollmentProps): void {
  checkOosTemplateName('templateName', props.templateName);
  if (isResolved(props.templateName) && props.templateName.length > ENROLLED_AUTOMATION_TEMPLATE_NAME_MAX_LENGTH) {
    throw new ValidationError('templateName',
      `must be at most ${ENROLLED_AUTOMATION_TEMPLATE_NAME_MAX_LENGTH} characters (the enrollment template is named after it with \`${ENROLL_INSTANCE_TEMPLATE_SUFFIX}\`, and OOS allows 200)`, props.templateName);
  }
  checkTargets(targetsOf(props));
  if (props.instanceIds !== undefined) {
    checkLoopSize('instanceIds', props.instanceIds);
  }
  checkPattern('roleName', props.roleName, RAM_ROLE_NAME_PATTERN, 'must be 1 to 64 characters of letters, digits, `.` and `-` (RAM role name)');
  checkIntegerRange('concurrency', props.concurrency, 1, 1000);
  checkIntegerRange('maxErrors', props.maxErrors, 0, 1000);
  checkIntegerRange('installTimeoutSeconds', props.installTimeoutSeconds, 10, 86400);
  // Scripts for Linux only, and always for Linux: buildEnrollmentDocuments checks that.
  if (props.os === OperatingSystem.WINDOWS && props.installTimeoutSeconds !== undefined) {
    throw new ValidationError('installTimeoutSeconds', 'applies to Linux only (nothing is installed on Windows)', props.installTimeoutSeconds);
  }
}

/**
 * Enrollment of a group's instances by OOS: two `ALIYUN::OOS::Template` resources, named after
 * the automation's template with `-Enroll` (the one to execute) and `-EnrollInstance`. For each
 * instance selected (by tags at each run, or by ids) the per-instance template checks it is
 * Running with Cloud Assistant up, attaches the snapshot role when it holds none (an instance
 * holding another role fails, naming both), and on Linux installs the quiesce scripts with the
 * ScriptDeployment's command. The construct's values are the OOS parameters' defaults.
 */
export class FleetEnrollment extends PerInstanceTemplatePair {
  /** sha256 of the installed scripts (Linux), for the automation's `scriptChecksums`. */
  public readonly scriptChecksums?: { readonly prescript: string; readonly postscript: string };

  constructor(scope: ros.Construct, id: string, props: FleetEnrollmentProps) {
    checkEnrollmentProps(props);
    const install = props.scripts !== undefined ? prepareScriptInstall(props.scripts) : undefined;
    const templateName = suffixed(props.templateName, ENROLL_TEMPLATE_SUFFIX);
    const instanceTemplateName = suffixed(props.templateName, ENROLL_INSTANCE_TEMPLATE_SUFFIX);
    const documents = buildEnrollmentDocuments({
      os: props.os,
      description: props.description ?? `Enrolls ${props.os} ECS instances in application-consistent snapshots: the snapshot role attached where none is${props.os === OperatingSystem.LINUX ? ', the quiesce scripts installed' : ''}`,
      targets: targetsOf(props),
      ramRoleName: props.roleName,
      concurrency: props.concurrency ?? 10,
      maxErrors: props.maxErrors ?? 0,
      instanceTemplateName,
      oosAssumeRole: props.executionRoleName ?? '',
      installCommand: install?.commandContent,
      installTimeoutSeconds: props.installTimeoutSeconds ?? 120,
    });
    super(scope, id, { templateName, instanceTemplateName, document: documents.parent, instanceDocument: documents.instance });
    this.scriptChecksums = install?.checksums;
  }
}
