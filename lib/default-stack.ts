import * as ros from '@alicloud/ros-cdk-core';
import * as ecs from '@alicloud/ros-cdk-ecs';
import * as ram from '@alicloud/ros-cdk-ram';
import { ExecutionRole } from './execution-role';
import { MAX_INSTANCES_PER_ROLE_ATTACHMENT, MAX_INSTANCES_PER_RUN_COMMAND, MAX_OOS_LOOP_ITEMS } from './instance-ids';
import { RosAssertionRule, itemOrEmpty, moreThan, slicesOf } from './ros-list-slices';
import { RosOosTemplate, oosTemplateNameAllowedPattern } from './oos/template';
import {
  OPTIONAL_DISK_ID_PATTERN,
  OperatingSystem,
  PLUGIN_DEFAULTS,
  RAM_ROLE_NAME_PATTERN,
  SNAPSHOT_DESCRIPTION_MAX_LENGTH,
  SNAPSHOT_DESCRIPTION_PATTERN,
  SNAPSHOT_NAME_PATTERN,
  TIMEOUT_SECONDS_RANGE,
} from './plugin/parameters';
import { QuiesceScripts } from './quiesce-scripts';
import { prepareScriptInstall } from './script-deployment';
import {
  AUTOMATION_TEMPLATE_NAME_MAX_LENGTH,
  OosTemplateDocument,
  SnapshotTemplateSpec,
  automationExecutedTemplate,
  buildInstanceDocument,
  buildSnapshotTemplate,
  checkSnapshotTagValue,
  instanceTemplateNameOf,
  renderTemplateContent,
} from './snapshot-automation';
import { SNAPSHOT_POLICY_DESCRIPTION, SNAPSHOT_ROLE_DESCRIPTION, ecsTrustPolicyDocument, snapshotPolicyDocument } from './snapshot-role';
import { deterministicSynthesizer } from './synth';

/**
 * The most instances the default stack takes: one OOS loop's limit (the automation loops over
 * them all), which also bounds its resources: 10 role attachments of 100 and 20 script
 * deployments of 50, well within ROS's 200 resources per stack. A longer list is refused before
 * anything is created.
 */
export const DEFAULT_STACK_MAX_INSTANCES = MAX_OOS_LOOP_ITEMS;

/** The group name the default stack's snapshots are tagged with (`app-snapshot:group`). */
export const DEFAULT_STACK_GROUP_NAME = 'default';

/**
 * The embedded default: a stack whose every choice is a ROS parameter, so that it can be
 * deployed from the ROS console as it is, by typing the instance ids. Linux instances get the
 * generic script pair; the OS parameter picks the Linux or Windows automation.
 */
export class DefaultAppConsistentSnapshotStack extends ros.Stack {
  constructor(scope: ros.Construct, id: string, props: ros.StackProps = {}) {
    super(scope, id, {
      description: 'Application-consistent ECS snapshots: the instance RAM role and its snapshot policy, the role attachment, the quiesce scripts (Linux) and the OOS template that drives app-snapshot-plugin',
      synthesizer: deterministicSynthesizer(),
      ...props,
    });
    const flag = (name: string, description: string) =>
      new ros.RosParameter(this, name, { type: ros.RosParameterType.STRING, allowedValues: ['true', 'false'], defaultValue: 'true', description });

    const instanceIds = new ros.RosParameter(this, 'InstanceIds', {
      type: ros.RosParameterType.COMMA_DELIMITED_LIST,
      description: `ECS instances to protect, comma-separated (Running, Cloud Assistant Normal, ESSD disks with multi-attach off); at most ${DEFAULT_STACK_MAX_INSTANCES} (one OOS loop): a longer list is refused before anything is created`,
      associationProperty: 'ALIYUN::ECS::Instance::InstanceId',
      associationPropertyMetadata: { MultiSelect: true },
    });
    const osType = new ros.RosParameter(this, 'OsType', {
      type: ros.RosParameterType.STRING,
      allowedValues: [OperatingSystem.LINUX, OperatingSystem.WINDOWS],
      defaultValue: OperatingSystem.LINUX,
      description: 'OS of the instances: Linux (prescript/postscript and fsfreeze) or Windows (VSS)',
    });
    const roleName = new ros.RosParameter(this, 'RoleName', {
      type: ros.RosParameterType.STRING,
      allowedPattern: RAM_ROLE_NAME_PATTERN,
      defaultValue: 'AppConsistentSnapshotRole',
      description: 'RAM role the instances hold: created by the stack, or an existing one (see RoleMode)',
    });
    const roleMode = new ros.RosParameter(this, 'RoleMode', {
      type: ros.RosParameterType.STRING,
      allowedValues: ['Create', 'UseExisting'],
      defaultValue: 'Create',
      description: 'Create the role, or attach the snapshot policy to an existing role of that name (an instance holds only one role)',
    });
    const attachRole = flag('AttachRole', 'Attach the role to the instances (false when the existing role is already attached)');
    const snapshotName = new ros.RosParameter(this, 'SnapshotName', {
      type: ros.RosParameterType.STRING,
      allowedPattern: SNAPSHOT_NAME_PATTERN,
      defaultValue: 'AppConsistentSnapshot',
      description: 'Name of the snapshot groups (2-128 of letters, digits, . _ - :, starting with a letter, not http:// or https://)',
    });
    const snapshotDescription = new ros.RosParameter(this, 'SnapshotDescription', {
      type: ros.RosParameterType.STRING,
      allowedPattern: SNAPSHOT_DESCRIPTION_PATTERN,
      maxLength: SNAPSHOT_DESCRIPTION_MAX_LENGTH,
      defaultValue: 'Application-consistent snapshot',
      description: 'Description of the snapshot groups: empty (none), or 2-256 characters not starting with http:// or https://, without comma, quote or backslash',
    });
    const excludeDiskId = new ros.RosParameter(this, 'ExcludeDiskId', {
      type: ros.RosParameterType.STRING,
      allowedPattern: OPTIONAL_DISK_ID_PATTERN,
      defaultValue: '',
      description: 'One disk to leave out of the snapshot group (empty: none)',
    });
    const enableFsFreeze = flag('EnableFsFreeze', 'Linux: freeze the file systems while the snapshot group is created');
    const timeout = new ros.RosParameter(this, 'TimeoutInSeconds', {
      type: ros.RosParameterType.NUMBER,
      minValue: TIMEOUT_SECONDS_RANGE.min,
      maxValue: TIMEOUT_SECONDS_RANGE.max,
      defaultValue: PLUGIN_DEFAULTS.timeoutInSeconds,
      description: 'Linux: timeout of the I/O pause, seconds (the documentation warns over 16 s may not complete in time)',
    });
    const enableWriters = flag('EnableWriters', 'Windows: include VSS writers (application-consistent)');
    const requireApp = flag('RequireAppConsistent', 'Fail an instance whose snapshot fell back to file-system consistency');
    const templateName = new ros.RosParameter(this, 'AutomationTemplateName', {
      type: ros.RosParameterType.STRING,
      allowedPattern: oosTemplateNameAllowedPattern(AUTOMATION_TEMPLATE_NAME_MAX_LENGTH),
      defaultValue: 'AppConsistentSnapshot-Default',
      description: `Name of the OOS template to execute (at most ${AUTOMATION_TEMPLATE_NAME_MAX_LENGTH} of letters, digits, _ and -; no ALIYUN, ACS, ALIBABA or ALICLOUD prefix); the per-instance template it runs is named after it with -Instance. Fixed once the stack exists: ROS cannot rename a template, so a stack update that changes it fails (delete and recreate the stack to rename)`,
    });

    const executionRoleName = new ros.RosParameter(this, 'ExecutionRoleName', {
      type: ros.RosParameterType.STRING,
      allowedPattern: RAM_ROLE_NAME_PATTERN,
      defaultValue: 'AppConsistentSnapshotOosRole',
      description: 'RAM role the stack creates for OOS executions: trusted only by oos.aliyuncs.com, allowed exactly the API calls of the template',
    });

    const isLinux = new ros.RosCondition(this, 'IsLinux', { expression: ros.Fn.conditionEquals(osType.valueAsString, OperatingSystem.LINUX) });
    const createRole = new ros.RosCondition(this, 'CreateRole', { expression: ros.Fn.conditionEquals(roleMode.valueAsString, 'Create') });
    const useExisting = new ros.RosCondition(this, 'UseExistingRole', { expression: ros.Fn.conditionEquals(roleMode.valueAsString, 'UseExisting') });
    const doAttach = new ros.RosCondition(this, 'DoAttachRole', { expression: ros.Fn.conditionEquals(attachRole.valueAsString, 'true') });

    const role = new ram.RosRole(this, 'Role', {
      roleName: roleName.valueAsString,
      description: SNAPSHOT_ROLE_DESCRIPTION,
      assumeRolePolicyDocument: ecsTrustPolicyDocument(),
      policies: [{ policyName: ros.Fn.join('-', [roleName.valueAsString, 'Policy']), description: SNAPSHOT_POLICY_DESCRIPTION, policyDocument: snapshotPolicyDocument() }],
    }, true);
    role.addCondition(createRole);
    const policy = new ram.RosManagedPolicy(this, 'ExistingRolePolicy', {
      policyName: ros.Fn.join('-', [roleName.valueAsString, 'Policy']),
      description: SNAPSHOT_POLICY_DESCRIPTION,
      policyDocument: snapshotPolicyDocument(),
      roles: [roleName.valueAsString],
    }, true);
    policy.addCondition(useExisting);

    // The instance list is known at deployment only. ROS takes at most 100 instances per
    // ALIYUN::ECS::RamRoleAttachment and 50 per ALIYUN::ECS::RunCommand: the list is sliced
    // across resources, each created only when the list reaches its slice (ros-list-slices.ts),
    // up to DEFAULT_STACK_MAX_INSTANCES, and a longer list is refused by a rule before anything is
    // created. The first slice keeps the resource's logical id.
    const ids = instanceIds.valueAsList;
    new RosAssertionRule(this, 'InstanceIdsFitOneLoop', {
      assert: ros.Fn.conditionEquals('', itemOrEmpty(ids, DEFAULT_STACK_MAX_INSTANCES)),
      description: `InstanceIds must list at most ${DEFAULT_STACK_MAX_INSTANCES} instances (one OOS loop takes ${DEFAULT_STACK_MAX_INSTANCES}): deploy the others in another stack`,
    });
    const sliceConditions = new Map<number, ros.RosCondition>();
    /** `base` alone for the first slice, else `base` and the list reaching the slice. */
    const sliceCondition = (base: ros.RosCondition, from: number, name: string): ros.RosCondition => {
      if (from === 0) return base;
      let reached = sliceConditions.get(from);
      if (!reached) {
        reached = new ros.RosCondition(this, `InstanceIdsMoreThan${from}`, { expression: moreThan(ids, from) });
        sliceConditions.set(from, reached);
      }
      return new ros.RosCondition(this, `${name}${from}`, { expression: ros.Fn.conditionAnd(base.logicalId, reached.logicalId) });
    };

    // The attachment names the role through Fn::If so that, when the stack creates the role,
    // ROS orders the attachment after it.
    const attachedRoleName = ros.Fn.conditionIf(createRole.logicalId, role.attrRoleName, roleName.valueAsString);
    for (const part of slicesOf(ids, MAX_INSTANCES_PER_ROLE_ATTACHMENT, DEFAULT_STACK_MAX_INSTANCES)) {
      const attachment = new ecs.RosRamRoleAttachment(this, part.index === 0 ? 'RoleAttachment' : `RoleAttachment${part.index + 1}`, {
        instanceIds: part.items,
        ramRoleName: attachedRoleName,
      }, true);
      attachment.addCondition(sliceCondition(doAttach, part.from, 'DoAttachRoleFrom'));
    }

    const scripts = prepareScriptInstall(QuiesceScripts.generic());
    for (const part of slicesOf(ids, MAX_INSTANCES_PER_RUN_COMMAND, DEFAULT_STACK_MAX_INSTANCES)) {
      const install = new ecs.RosRunCommand(this, part.index === 0 ? 'InstallScripts' : `InstallScripts${part.index + 1}`, {
        type: 'RunShellScript',
        contentEncoding: 'Base64',
        commandContent: scripts.encoded,
        instanceIds: part.items,
        name: 'AppSnapshot-InstallScripts',
        description: 'Installs /tmp/prescript.sh and /tmp/postscript.sh (generic) for app-snapshot-plugin',
        timeout: 120,
        sync: true,
        keepCommand: false,
      }, true);
      install.addCondition(sliceCondition(isLinux, part.from, 'IsLinuxFrom'));
    }

    const common = {
      targets: { instanceIds: instanceIds.valueAsList },
      ramRoleName: roleName.valueAsString,
      snapshotName: snapshotName.valueAsString,
      snapshotDescription: snapshotDescription.valueAsString,
      excludeDiskId: excludeDiskId.valueAsString,
      enableFsFreeze: enableFsFreeze.valueAsString,
      timeoutInSeconds: timeout.valueAsNumber,
      enableWriters: enableWriters.valueAsString,
      requireAppConsistent: requireApp.valueAsString,
      concurrency: 10,
      maxErrors: 0,
      pluginDeadlineSeconds: 600,
      // The tags retention selects by: this stack is the posture, its one group `default`.
      postureName: this.stackName,
      groupName: DEFAULT_STACK_GROUP_NAME,
    };
    checkSnapshotTagValue('postureName', this.stackName, 'it is the stack\'s name');
    const instanceTemplateName = instanceTemplateNameOf(templateName.valueAsString);
    const spec = (os: OperatingSystem): SnapshotTemplateSpec => ({
      ...common,
      os,
      description: `Application-consistent snapshots of ${os} ECS instances through app-snapshot-plugin, with the exit code and consistency of each instance checked`,
      scriptChecksums: os === OperatingSystem.LINUX ? scripts.checksums : undefined,
      instanceTemplateName,
      oosAssumeRole: executionRoleName.valueAsString,
    });
    // Each template's content is the Linux or the Windows document, by OsType.
    const byOs = (build: (s: SnapshotTemplateSpec) => OosTemplateDocument) => {
      const documents = { Linux: build(spec(OperatingSystem.LINUX)), Windows: build(spec(OperatingSystem.WINDOWS)) };
      const content = ros.Fn.conditionIf(isLinux.logicalId,
        renderTemplateContent('content', documents.Linux),
        renderTemplateContent('content', documents.Windows)) as unknown as string;
      return { content, standaloneDocuments: documents };
    };
    const instance = byOs(buildInstanceDocument);
    const automation = byOs(buildSnapshotTemplate);
    new ExecutionRole(this, 'ExecutionRole', {
      roleName: executionRoleName.valueAsString,
      templates: [OperatingSystem.LINUX, OperatingSystem.WINDOWS].map((os) =>
        automationExecutedTemplate(automation.standaloneDocuments[os], instance.standaloneDocuments[os])),
    });
    const instanceTemplate = new RosOosTemplate(this, 'AutomationInstanceTemplate', {
      templateName: instanceTemplateName,
      ...instance,
    });
    const automationTemplate = new RosOosTemplate(this, 'AutomationTemplate', {
      templateName: templateName.valueAsString,
      ...automation,
    });
    automationTemplate.addRosDependency(instanceTemplate.logicalId);

    new ros.RosOutput(this, 'OosTemplateName', {
      value: templateName.valueAsString,
      description: 'Start an execution of this OOS template to snapshot the instances',
    });
  }
}
