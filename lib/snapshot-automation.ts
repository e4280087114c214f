import * as ros from '@alicloud/ros-cdk-core';
import { checkLoopSize } from './instance-ids';
import { templateResourceId } from './logical-id';
import { OosTemplateDocument, SNAPSHOT_TAG_VALUE_PATTERN, buildInstanceTemplate } from './instance-template';
import { OOS_CONTENT_MAX_BYTES, OOS_TEMPLATE_NAME_PATTERN, RosOosTemplate, checkOosTemplateName } from './oos/template';
import { OOS_FORMAT_VERSION } from './oos/limits';
import { ExecutedTemplate } from './execution-role';
import { requiredActions } from './oos/required-actions';
import { toJsonWithTokens } from './oos/token-json';
import { RUN_COMMAND_MAX_BASE64_BYTES, RUN_COMMAND_SUBSTITUTION_RESERVE_BYTES } from './plugin/command';
import {
  DISK_ID_PATTERN,
  OPTIONAL_DISK_ID_PATTERN,
  INSTANCE_ID_PATTERN,
  MAX_EXCLUDED_DISKS,
  OperatingSystem,
  PLUGIN_DEFAULTS,
  RAM_ROLE_NAME_PATTERN,
  SNAPSHOT_DESCRIPTION_MAX_LENGTH,
  SNAPSHOT_DESCRIPTION_PATTERN,
  SNAPSHOT_NAME_PATTERN,
  SNAPSHOT_NAME_RULE,
  TIMEOUT_SECONDS_RANGE,
  TIMEOUT_SECONDS_WARNING,
  snapshotDescriptionProblem,
} from './plugin/parameters';
import { MAX_PLUGIN_DEADLINE_SECONDS, MIN_PLUGIN_DEADLINE_SECONDS } from './plugin/timeouts';
import { TargetProps, TargetSelection, checkTargets, loopGuardTasks, loopItems, noInstanceCondition, targetParameters, targetTasks, targetsOf } from './targets';
import { ValidationError, checkIntegerRange, checkPattern, checkUnique, isResolved } from './validation';

export { OosTemplateDocument };

/** The name of the parent's task that runs the per-instance template for each instance. */
export const SNAPSHOT_TASK_NAME = 'snapshotInstances';

/** What the per-instance template's name adds to the automation's template name. */
export const INSTANCE_TEMPLATE_SUFFIX = '-Instance';

/** The longest automation template name: its per-instance template's name must fit OOS's 200. */
export const AUTOMATION_TEMPLATE_NAME_MAX_LENGTH = 200 - INSTANCE_TEMPLATE_SUFFIX.length;

/**
 * Throws unless `name` is a valid OOS template name that leaves room for `suffix` (the longest
 * that templates named after it add; `named` says which they are, for the message).
 */
export function checkTemplateNameRoom(field: string, name: string, suffix: string, named: string): void {
  checkOosTemplateName(field, name);
  const longest = 200 - suffix.length;
  if (isResolved(name) && name.length > longest) {
    throw new ValidationError(field, `must be at most ${longest} characters (${named} named after it with \`${suffix}\`, and OOS allows 200)`, name);
  }
}

/** Throws unless `name` is a valid OOS template name that leaves room for the per-instance suffix. */
export function checkAutomationTemplateName(field: string, name: string): void {
  checkTemplateNameRoom(field, name, INSTANCE_TEMPLATE_SUFFIX, 'the per-instance template is');
}

/** Options of the OOS automation shared by the construct and the composition. */
export interface SnapshotAutomationOptions {
  /**
   * Name of the snapshot groups (2-128 of letters, digits, `.` `_` `-` `:`, starting with a letter).
   *
   * @default 'AppConsistentSnapshot'
   */
  readonly snapshotName?: string;
  /**
   * Description of the snapshot groups: empty, or 2 to 256 characters not starting with
   * `http://` or `https://` (CreateSnapshotGroup), without `,` `"` `'` `\\`. An empty one is
   * not passed to the plugin at all.
   *
   * @default - none
   */
  readonly snapshotDescription?: string;
  /**
   * Freeze the file systems while the snapshot group is created (Linux only).
   *
   * @default true
   */
  readonly enableFsFreeze?: boolean;
  /**
   * Timeout of the I/O pause, seconds (Linux only). The documentation warns that over 16 s the
   * freeze may not complete in time.
   *
   * @default 30
   */
  readonly timeoutSeconds?: number;
  /**
   * Include the VSS writers, which makes Windows snapshots application-consistent (Windows only).
   *
   * @default true
   */
  readonly enableWriters?: boolean;
  /**
   * Disks to leave out of the snapshot group. The plugin takes one id (its separator for
   * several is undocumented, and `,` would break its parameter list).
   *
   * @default - every ESSD of the instance
   */
  readonly excludeDiskIds?: string[];
  /**
   * Fail an instance whose snapshot fell back to file-system consistency.
   *
   * @default true
   */
  readonly requireAppConsistent?: boolean;
  /**
   * How many instances run at once.
   *
   * @default 10
   */
  readonly concurrency?: number;
  /**
   * How many failed instances the execution tolerates before it stops.
   *
   * @default 0
   */
  readonly maxErrors?: number;
  /**
   * Seconds the wrapper gives the plugin before it stops it, thaws the file systems and runs
   * the postscript (60 to 86,235: the command's Cloud Assistant timeout adds 165 s for that and
   * stays within 86,400). The plugin manager gets 30 s more, Cloud Assistant 165 s more.
   *
   * @default 600
   */
  readonly pluginDeadlineSeconds?: number;
}

/** Properties of a {@link SnapshotAutomation}. */
export interface SnapshotAutomationProps extends SnapshotAutomationOptions, TargetProps {
  /** OS of the instances. */
  readonly os: OperatingSystem;
  /**
   * Accept more instance ids than one OOS loop takes (1,000): the template then has no default
   * list, and each execution must pass at most 1,000 ids (the scheduled executions pass one
   * shard each).
   *
   * @default false
   */
  readonly sharded?: boolean;
  /** The RAM role attached to the instances (the plugin's RamRoleName). */
  readonly roleName: string;
  /** Name of the OOS template (at most 200 of `[A-Za-z0-9_-]`, no ALIYUN/ACS/ALIBABA/ALICLOUD prefix). */
  readonly templateName: string;
  /**
   * sha256 of the installed scripts, from the ScriptDeployment (Linux): the wrapper verifies
   * the scripts against them and repairs them from the persistent copy.
   *
   * @default - the checksums recorded on the instance
   */
  readonly scriptChecksums?: { readonly prescript: string; readonly postscript: string };
  /**
   * The template's description.
   *
   * @default - a description naming the OS
   */
  readonly description?: string;
  /**
   * The RAM role OOS executions assume by default (the `OOSAssumeRole` parameter).
   *
   * @default - none: executions run with the identity that starts them
   */
  readonly executionRoleName?: string;
  /**
   * The posture the snapshots belong to: every snapshot of a group the automation creates is
   * tagged `app-snapshot:posture` with it (a letter or digit, then up to 127 letters, digits,
   * `_` or `-`). Retention deletes only groups tagged with its own posture and group.
   *
   * @default - the stack's name
   */
  readonly postureName?: string;
  /**
   * The application group the snapshots belong to, tagged `app-snapshot:group` on every
   * snapshot (same rule as `postureName`).
   *
   * @default - the template name
   */
  readonly groupName?: string;
}

/**
 * Everything the OOS template document is built from, each value resolved or a ROS token.
 * Flags are the strings `true` / `false`: OOS substitutes them into the command's text.
 */
export interface SnapshotTemplateSpec {
  readonly os: OperatingSystem;
  readonly description: string;
  readonly targets: TargetSelection;
  readonly ramRoleName: string;
  readonly snapshotName: string;
  readonly snapshotDescription: string;
  readonly excludeDiskId: string;
  readonly enableFsFreeze: string;
  readonly timeoutInSeconds: number;
  readonly enableWriters: string;
  readonly requireAppConsistent: string;
  readonly concurrency: number;
  readonly maxErrors: number;
  readonly pluginDeadlineSeconds: number;
  readonly scriptChecksums?: { readonly prescript: string; readonly postscript: string };
  /** The name of the per-instance template (the default of the parent's `instanceTemplateName`). */
  readonly instanceTemplateName: string;
  /** The RAM role OOS executions assume by default (`''`: the caller's identity). */
  readonly oosAssumeRole: string;
  /** The value of the `app-snapshot:posture` tag of the snapshots. */
  readonly postureName: string;
  /** The value of the `app-snapshot:group` tag of the snapshots. */
  readonly groupName: string;
}

const flag = (b: boolean) => (b ? 'true' : 'false');
const ref = (name: string) => `{{ ${name} }}`;

/**
 * The OOS parameters, shared by the parent and the per-instance template. The parent has the
 * instance list, the rate control and the per-instance template's name, with the construct's
 * values as defaults; the per-instance template has one `instanceId` and takes every value from
 * the parent (no defaults but the region and the role).
 */
function automationParameters(spec: SnapshotTemplateSpec, scope: 'parent' | 'instance'): Record<string, Record<string, unknown>> {
  const linux = spec.os === OperatingSystem.LINUX;
  const parent = scope === 'parent';
  const def = (value: unknown) => (parent ? { Default: value } : {});
  const flagParam = (label: string, value: string) => ({ Type: 'String', Label: { en: label }, AllowedValues: ['true', 'false'], ...def(value) });
  const parameters = leadingParameters(spec.targets, 'ECS instances to snapshot (Running, Cloud Assistant Normal, the snapshot role attached)', scope);
  Object.assign(parameters, {
    ramRoleName: { Type: 'String', Label: { en: 'RAM role of the instances' }, AllowedPattern: RAM_ROLE_NAME_PATTERN, ...def(spec.ramRoleName) },
    snapshotName: { Type: 'String', Label: { en: 'Snapshot group name' }, AllowedPattern: SNAPSHOT_NAME_PATTERN, ...def(spec.snapshotName) },
    snapshotDescription: {
      Type: 'String',
      Label: { en: 'Snapshot group description' },
      Description: { en: 'Empty, or 2 to 256 characters not starting with http:// or https://' },
      AllowedPattern: SNAPSHOT_DESCRIPTION_PATTERN,
      MaxLength: SNAPSHOT_DESCRIPTION_MAX_LENGTH,
      ...def(spec.snapshotDescription),
    },
    excludeDiskId: {
      Type: 'String',
      Label: { en: 'Disk to exclude' },
      AllowedPattern: OPTIONAL_DISK_ID_PATTERN,
      ...def(spec.excludeDiskId),
    },
  });
  if (linux) {
    parameters.enableFsFreeze = flagParam('Freeze file systems', spec.enableFsFreeze);
    parameters.timeoutInSeconds = {
      Type: 'Number',
      Label: { en: 'I/O pause timeout (seconds)' },
      MinValue: TIMEOUT_SECONDS_RANGE.min,
      MaxValue: TIMEOUT_SECONDS_RANGE.max,
      ...def(spec.timeoutInSeconds),
    };
  } else {
    parameters.enableWriters = flagParam('Include VSS writers', spec.enableWriters);
  }
  parameters.requireAppConsistent = flagParam('Fail unless application-consistent', spec.requireAppConsistent);
  Object.assign(parameters, snapshotTagParameters(spec, parent));
  return { ...parameters, ...trailingParameters(spec, scope) };
}

/** What the parent of a per-instance template loops over, how, and as whom. */
export interface PerInstanceLoopSpec {
  readonly targets: TargetSelection;
  readonly concurrency: number;
  readonly maxErrors: number;
  /** The per-instance template's name (the default of the parent's `instanceTemplateName`). */
  readonly instanceTemplateName: string;
  /** The RAM role OOS executions assume by default (`''`: the caller's identity). */
  readonly oosAssumeRole: string;
}

/**
 * The first OOS parameters of a parent (the region, and the instances: `what` describes them)
 * or of its per-instance template (the region, one `instanceId`).
 */
export function leadingParameters(targets: TargetSelection, what: string, scope: 'parent' | 'instance'): Record<string, Record<string, unknown>> {
  return {
    regionId: { Type: 'String', Label: { en: 'Region' }, AssociationProperty: 'RegionId', Default: '{{ ACS::RegionId }}' },
    ...(scope === 'parent'
      ? targetParameters(targets, what)
      : { instanceId: { Type: 'String', Label: { en: 'Instance' }, AssociationProperty: 'ALIYUN::ECS::Instance::InstanceId', AllowedPattern: INSTANCE_ID_PATTERN } }),
  };
}

/**
 * The last OOS parameters: of a parent, the rate control and the per-instance template's name;
 * of both, the role OOS assumes.
 */
export function trailingParameters(spec: PerInstanceLoopSpec, scope: 'parent' | 'instance'): Record<string, Record<string, unknown>> {
  return {
    ...(scope === 'parent' ? {
      rateControl: {
        Type: 'Json',
        Label: { en: 'Rate control' },
        AssociationProperty: 'RateControl',
        Default: { Mode: 'Concurrency', MaxErrors: spec.maxErrors, Concurrency: spec.concurrency },
      },
      instanceTemplateName: {
        Type: 'String',
        Label: { en: 'Per-instance template' },
        Description: { en: 'The OOS template run for each instance (created with this one)' },
        AllowedPattern: OOS_TEMPLATE_NAME_PATTERN,
        Default: spec.instanceTemplateName,
      },
    } : {}),
    OOSAssumeRole: { Type: 'String', Label: { en: 'RAM role OOS assumes' }, Default: spec.oosAssumeRole },
  };
}

/**
 * The posture and group names the snapshots are tagged with (and retention selects by), as OOS
 * parameters; with the spec's values as defaults when `withDefaults`.
 */
export function snapshotTagParameters(spec: { readonly postureName: string; readonly groupName: string }, withDefaults: boolean): Record<string, Record<string, unknown>> {
  const param = (label: string, value: string) => ({
    Type: 'String',
    Label: { en: label },
    AllowedPattern: SNAPSHOT_TAG_VALUE_PATTERN,
    ...(withDefaults ? { Default: value } : {}),
  });
  return {
    postureName: param('Posture (tag app-snapshot:posture)', spec.postureName),
    groupName: param('Group (tag app-snapshot:group)', spec.groupName),
  };
}

/** The rule of {@link SNAPSHOT_TAG_VALUE_PATTERN}, for error messages. */
export const SNAPSHOT_TAG_VALUE_RULE = 'must be a letter or digit followed by up to 127 letters, digits, `_` or `-` (it is the value of a snapshot tag)';

/**
 * Throws unless a posture or group name fits {@link SNAPSHOT_TAG_VALUE_PATTERN}; `defaultNote`
 * says where a defaulted value came from, so that the error explains a value nobody typed.
 */
export function checkSnapshotTagValue(field: string, value: string, defaultNote?: string): void {
  checkPattern(field, value, SNAPSHOT_TAG_VALUE_PATTERN, defaultNote ? `${SNAPSHOT_TAG_VALUE_RULE}; ${defaultNote}` : SNAPSHOT_TAG_VALUE_RULE);
}

/**
 * The parameters a parent passes to its per-instance template: each its own, the loop item as
 * `instanceId`, and the values in `computed` (such as a function of the parent's).
 */
export function childParameters(instanceParameters: Record<string, unknown>, computed: Record<string, unknown> = {}): Record<string, unknown> {
  return Object.fromEntries(Object.keys(instanceParameters).map((name) =>
    [name, name in computed ? computed[name] : name === 'instanceId' ? '{{ ACS::TaskLoopItem }}' : ref(name)]));
}

/** What a parent template of a per-instance template is built from. */
export interface PerInstanceParentSpec {
  readonly description: string;
  readonly targets: TargetSelection;
  /** The parent's parameters (with `rateControl` and `instanceTemplateName`). */
  readonly parameters: Record<string, Record<string, unknown>>;
  /** The name and description of the task that runs the per-instance template for each instance. */
  readonly taskName: string;
  readonly taskDescription: string;
  /** What it passes to each run (see {@link childParameters}). */
  readonly passed: Record<string, unknown>;
  /** jq over each run's outputs: the instance's result. @default '.result' */
  readonly resultSelector?: string;
  /** The name of the template output listing the results. @default 'results' */
  readonly outputName?: string;
}

/** The name of a parent's task that ends the execution when there is no instance to loop over. */
export const ANY_INSTANCE_TASK_NAME = 'whetherAnyInstance';

/**
 * A parent template: it selects the instances (by tags) or takes their ids, loops over them with
 * the rate control and runs the per-instance template for each through `ACS::Template`; its
 * output `results` lists each instance's `result`. What OOS does with a loop over an empty list
 * is not documented, so an empty selection (tags no instance carries yet) or list ends the
 * execution first ({@link loopGuardTasks}), and the output is then `[]` (`Fn::If`, which
 * Alibaba's templates also use to name a task that may not have run).
 */
export function buildPerInstanceParent(spec: PerInstanceParentSpec): OosTemplateDocument {
  return {
    FormatVersion: OOS_FORMAT_VERSION,
    Description: { en: spec.description },
    Parameters: spec.parameters,
    RamRole: ref('OOSAssumeRole'),
    Tasks: [
      ...targetTasks(spec.targets),
      ...loopGuardTasks(spec.targets, ANY_INSTANCE_TASK_NAME, spec.taskName),
      {
        Name: spec.taskName,
        Action: 'ACS::Template',
        Description: { en: spec.taskDescription },
        Properties: { TemplateName: ref('instanceTemplateName'), Parameters: spec.passed },
        Loop: {
          Items: loopItems(spec.targets),
          RateControl: ref('rateControl'),
          Outputs: { results: { AggregateType: 'Fn::ListJoin', AggregateField: 'result' } },
        },
        Outputs: { result: { Type: 'Json', ValueSelector: spec.resultSelector ?? '.result' } },
      },
    ],
    Outputs: { [spec.outputName ?? 'results']: { Type: 'List', Value: { 'Fn::If': [noInstanceCondition(spec.targets), [], ref(`${spec.taskName}.results`)] } } },
  };
}

/**
 * Builds the parent OOS template: it loops over the instances with the rate control and runs
 * the per-instance template ({@link buildInstanceDocument}) for each through `ACS::Template`,
 * collecting each instance's result (instance, group id, verdict, reason, exit code).
 */
export function buildSnapshotTemplate(spec: SnapshotTemplateSpec): OosTemplateDocument {
  return buildPerInstanceParent({
    description: spec.description,
    targets: spec.targets,
    parameters: automationParameters(spec, 'parent'),
    taskName: SNAPSHOT_TASK_NAME,
    taskDescription: 'Runs the per-instance template (preflight, snapshot, verdict) for each instance',
    passed: childParameters(automationParameters(spec, 'instance')),
  });
}

/** The automation as executions run it: the template, and the per-instance template it runs by `{{ instanceTemplateName }}`. */
export function automationExecutedTemplate(document: OosTemplateDocument, instanceDocument: OosTemplateDocument): ExecutedTemplate {
  return { document, nested: { [ref('instanceTemplateName')]: instanceDocument } };
}

/** The RAM actions an execution of the automation needs: those of the per-instance template it runs. */
export function automationRequiredActions(document: OosTemplateDocument, instanceDocument: OosTemplateDocument): string[] {
  const { nested } = automationExecutedTemplate(document, instanceDocument);
  return requiredActions(document, nested);
}

/** Builds the per-instance OOS template the parent runs for each instance. */
export function buildInstanceDocument(spec: SnapshotTemplateSpec): OosTemplateDocument {
  return buildInstanceTemplate({
    os: spec.os,
    description: `${spec.description}: one instance (preflight, snapshot, verdict from the tags)`,
    parameters: automationParameters(spec, 'instance'),
    pluginDeadlineSeconds: spec.pluginDeadlineSeconds,
    scriptChecksums: spec.scriptChecksums,
  });
}

/** Checks the automation options that are resolved; `prefix` names the fields in errors. */
export function checkAutomationOptions(os: OperatingSystem, o: SnapshotAutomationOptions, prefix = ''): void {
  const f = (name: string) => `${prefix}${name}`;
  if (o.snapshotName !== undefined) {
    checkPattern(f('snapshotName'), o.snapshotName, SNAPSHOT_NAME_PATTERN, SNAPSHOT_NAME_RULE);
  }
  if (o.snapshotDescription !== undefined && isResolved(o.snapshotDescription)) {
    const problem = snapshotDescriptionProblem(o.snapshotDescription);
    if (problem) {
      throw new ValidationError(f('snapshotDescription'), problem, o.snapshotDescription);
    }
  }
  checkIntegerRange(f('timeoutSeconds'), o.timeoutSeconds, TIMEOUT_SECONDS_RANGE.min, TIMEOUT_SECONDS_RANGE.max);
  checkIntegerRange(f('concurrency'), o.concurrency, 1, 1000);
  checkIntegerRange(f('maxErrors'), o.maxErrors, 0, 1000);
  checkIntegerRange(f('pluginDeadlineSeconds'), o.pluginDeadlineSeconds, MIN_PLUGIN_DEADLINE_SECONDS, MAX_PLUGIN_DEADLINE_SECONDS);
  if (o.excludeDiskIds !== undefined && isResolved(o.excludeDiskIds)) {
    o.excludeDiskIds.forEach((d, i) =>
      checkPattern(`${f('excludeDiskIds')}[${i}]`, d, DISK_ID_PATTERN, 'must be an ECS disk id of the form `d-` followed by 8 to 32 lowercase letters or digits'));
    checkUnique(f('excludeDiskIds'), o.excludeDiskIds);
    if (o.excludeDiskIds.length > MAX_EXCLUDED_DISKS) {
      throw new ValidationError(f('excludeDiskIds'),
        `must list at most ${MAX_EXCLUDED_DISKS} disk: the plugin's ExcludeDiskId takes one id (its separator for several is undocumented and \`,\` would break its parameter list)`,
        o.excludeDiskIds);
    }
  }
  if (os === OperatingSystem.WINDOWS) {
    if (o.enableFsFreeze !== undefined) {
      throw new ValidationError(f('enableFsFreeze'), 'applies to Linux only (Windows pauses I/O through VSS)', o.enableFsFreeze);
    }
    if (o.timeoutSeconds !== undefined) {
      throw new ValidationError(f('timeoutSeconds'), 'applies to Linux only (the Windows plugin takes no I/O pause timeout)', o.timeoutSeconds);
    }
    if (o.enableWriters === false && o.requireAppConsistent !== false) {
      throw new ValidationError(f('enableWriters'),
        'must be true when application consistency is required (without VSS writers Windows snapshots are only file-system-consistent); set requireAppConsistent: false to accept that', o.enableWriters);
    }
  } else if (o.enableWriters !== undefined) {
    throw new ValidationError(f('enableWriters'), 'applies to Windows only (Linux quiesces through the prescript and postscript)', o.enableWriters);
  }
}

/**
 * Resolves the options into a template spec, with the documented defaults; `stackName` is the
 * default posture name.
 */
export function snapshotTemplateSpec(props: SnapshotAutomationProps, stackName: string): SnapshotTemplateSpec {
  return {
    os: props.os,
    description: props.description ?? `Application-consistent snapshots of ${props.os} ECS instances through app-snapshot-plugin, with the exit code and consistency of each instance checked`,
    targets: targetsOf(props),
    ramRoleName: props.roleName,
    snapshotName: props.snapshotName ?? 'AppConsistentSnapshot',
    snapshotDescription: props.snapshotDescription ?? '',
    excludeDiskId: (props.excludeDiskIds ?? [])[0] ?? '',
    enableFsFreeze: flag(props.enableFsFreeze ?? PLUGIN_DEFAULTS.enableFsFreeze),
    timeoutInSeconds: props.timeoutSeconds ?? PLUGIN_DEFAULTS.timeoutInSeconds,
    enableWriters: flag(props.enableWriters ?? PLUGIN_DEFAULTS.enableWriters),
    requireAppConsistent: flag(props.requireAppConsistent ?? true),
    concurrency: props.concurrency ?? 10,
    maxErrors: props.maxErrors ?? 0,
    pluginDeadlineSeconds: props.pluginDeadlineSeconds ?? 600,
    scriptChecksums: props.scriptChecksums,
    instanceTemplateName: instanceTemplateNameOf(props.templateName),
    oosAssumeRole: props.executionRoleName ?? '',
    postureName: props.postureName ?? stackName,
    groupName: props.groupName ?? props.templateName,
  };
}

/** The per-instance template's name: the automation's with {@link INSTANCE_TEMPLATE_SUFFIX} (a ROS join for a parameter). */
export function instanceTemplateNameOf(templateName: string): string {
  return isResolved(templateName) ? `${templateName}${INSTANCE_TEMPLATE_SUFFIX}` : ros.Fn.join('', [templateName, INSTANCE_TEMPLATE_SUFFIX]);
}

/** The template content as text, checked against the OOS size limit. */
export function renderTemplateContent(field: string, document: OosTemplateDocument): string {
  for (const task of document.Tasks) {
    const command = (task.Properties as Record<string, unknown> | undefined)?.commandContent;
    if (task.Action === 'ACS::ECS::RunCommand' && typeof command === 'string') {
      const encoded = Buffer.from(command, 'utf8').toString('base64').length;
      // Room is kept for the values OOS substitutes, when the command has any.
      const budget = RUN_COMMAND_MAX_BASE64_BYTES - (command.includes('{{') ? RUN_COMMAND_SUBSTITUTION_RESERVE_BYTES : 0);
      if (encoded > budget) {
        throw new ValidationError(`${field}.Tasks.${String(task.Name)}.commandContent`,
          budget === RUN_COMMAND_MAX_BASE64_BYTES
            ? `must be at most ${budget} bytes after Base64 (Cloud Assistant's limit)`
            : `must be at most ${budget} bytes after Base64 (Cloud Assistant's ${RUN_COMMAND_MAX_BASE64_BYTES} less ${RUN_COMMAND_SUBSTITUTION_RESERVE_BYTES} kept for the values OOS substitutes)`, `${encoded} bytes`);
      }
    }
  }
  const content = toJsonWithTokens(document, 2);
  if (isResolved(content)) {
    const bytes = Buffer.byteLength(content, 'utf8');
    if (bytes > OOS_CONTENT_MAX_BYTES) {
      throw new ValidationError(field, `must be at most ${OOS_CONTENT_MAX_BYTES} bytes (OOS template content limit)`, `${bytes} bytes`);
    }
  }
  return content;
}

/** What a {@link PerInstanceTemplatePair} is made of. */
export interface PerInstanceTemplatePairProps {
  /** The name of the template to execute. */
  readonly templateName: string;
  /** The name of the per-instance template it runs (the default of its `instanceTemplateName`). */
  readonly instanceTemplateName: string;
  readonly document: OosTemplateDocument;
  readonly instanceDocument: OosTemplateDocument;
}

/**
 * Two `ALIYUN::OOS::Template` resources: a template to execute, which loops over instances and
 * runs the other, the per-instance template, by `{{ instanceTemplateName }}` (`ACS::Template`).
 * The first is created after (and deleted before) the template it runs. The snapshot automation
 * and retention are both made this way.
 */
export abstract class PerInstanceTemplatePair extends ros.Construct {
  /** The template resource to execute. */
  public readonly template: RosOosTemplate;
  /** The per-instance template resource. */
  public readonly instanceTemplate: RosOosTemplate;
  /** The document of the template to execute. */
  public readonly document: OosTemplateDocument;
  /** The per-instance template document. */
  public readonly instanceDocument: OosTemplateDocument;
  /** The name of the template to execute. */
  public readonly templateName: string;
  /** The per-instance template's name. */
  public readonly instanceTemplateName: string;
  /** The RAM actions an execution needs (for the role OOS assumes), derived from both templates. */
  public readonly requiredActions: string[];

  /** The template executions run, with the per-instance template it nests (for the execution role's actions). */
  public get executedTemplate(): ExecutedTemplate {
    return automationExecutedTemplate(this.document, this.instanceDocument);
  }

  protected constructor(scope: ros.Construct, id: string, props: PerInstanceTemplatePairProps) {
    super(scope, id);
    this.document = props.document;
    this.instanceDocument = props.instanceDocument;
    this.templateName = props.templateName;
    this.instanceTemplateName = props.instanceTemplateName;
    this.requiredActions = automationRequiredActions(this.document, this.instanceDocument);
    this.instanceTemplate = new RosOosTemplate(this, templateResourceId(this, 'InstanceTemplate', this.instanceTemplateName), {
      templateName: this.instanceTemplateName,
      content: renderTemplateContent('content', this.instanceDocument),
      standaloneDocuments: { '': this.instanceDocument },
    });
    this.template = new RosOosTemplate(this, templateResourceId(this, 'Template', this.templateName), {
      templateName: this.templateName,
      content: renderTemplateContent('content', this.document),
      standaloneDocuments: { '': this.document },
    });
    // Created after (and deleted before) the template it runs.
    this.template.addRosDependency(this.instanceTemplate.logicalId);
  }
}

/**
 * Checks the props of a {@link SnapshotAutomation} to be created in `scope` and resolves them
 * into its template spec. Throws a ValidationError naming the prop.
 */
export function validateSnapshotAutomationProps(scope: ros.Construct, props: SnapshotAutomationProps): SnapshotTemplateSpec {
  checkAutomationTemplateName('templateName', props.templateName);
  checkTargets(targetsOf(props));
  if (!props.sharded && props.instanceIds !== undefined) {
    checkLoopSize('instanceIds', props.instanceIds);
  }
  checkPattern('roleName', props.roleName, RAM_ROLE_NAME_PATTERN, 'must be 1 to 64 characters of letters, digits, `.` and `-` (RAM role name)');
  checkAutomationOptions(props.os, props);
  const stackName = ros.Stack.of(scope).stackName;
  checkSnapshotTagValue('postureName', props.postureName ?? stackName, props.postureName === undefined ? `it defaults to the stack's name: set postureName` : undefined);
  checkSnapshotTagValue('groupName', props.groupName ?? props.templateName, props.groupName === undefined ? 'it defaults to the template name: set groupName' : undefined);
  return snapshotTemplateSpec(props, stackName);
}

/**
 * The OOS automation: two `ALIYUN::OOS::Template` resources (`OOS-2019-06-01`). The per-instance
 * template (named after the automation's with `-Instance`) checks the instance (Running, Cloud
 * Assistant up), reads its RAM role and disks, runs on it a wrapper that checks those facts
 * (preflight), verifies and repairs the quiesce scripts (Linux), runs the app-snapshot plugin
 * and maps its exit code, then reads the snapshot group back, tags its snapshots with the
 * posture and group names (`app-snapshot:posture`, `app-snapshot:group`: what retention checks),
 * reads the snapshots' tags and judges them on the instance. The automation template loops over
 * the instances with rate control and runs the per-instance template for each (`ACS::Template`);
 * its output lists each instance's group id, verdict and reason. The construct's values are the
 * OOS parameters' defaults.
 */
export class SnapshotAutomation extends PerInstanceTemplatePair {
  constructor(scope: ros.Construct, id: string, props: SnapshotAutomationProps) {
    const spec = validateSnapshotAutomationProps(scope, props);
    super(scope, id, {
      templateName: props.templateName,
      instanceTemplateName: spec.instanceTemplateName,
      document: buildSnapshotTemplate(spec),
      instanceDocument: buildInstanceDocument(spec),
    });
    if (props.os === OperatingSystem.LINUX && props.timeoutSeconds !== undefined && props.timeoutSeconds > TIMEOUT_SECONDS_WARNING) {
      this.node.addWarning(`timeoutSeconds is ${props.timeoutSeconds}: the documentation warns that an I/O pause over ${TIMEOUT_SECONDS_WARNING} s may not complete in time`);
    }
  }
}
