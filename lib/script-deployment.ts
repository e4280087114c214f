import * as ros from '@alicloud/ros-cdk-core';
import * as ecs from '@alicloud/ros-cdk-ecs';
import { MAX_INSTANCES_PER_RUN_COMMAND, checkInstanceIds, chunk } from './instance-ids';
import { RUN_COMMAND_MAX_BASE64_BYTES, buildScriptInstallCommand, sha256Hex } from './plugin/command';
import { QuiesceScriptPair, QuiesceScripts } from './quiesce-scripts';
import { uniqueResourceId } from './logical-id';
import { ValidationError, checkIntegerRange, isResolved } from './validation';

export { RUN_COMMAND_MAX_BASE64_BYTES };

/** Properties of a {@link ScriptDeployment}. */
export interface ScriptDeploymentProps {
  /** The Linux instances to install the scripts on (ids, or a ROS list parameter). */
  readonly instanceIds: string[];
  /** The prescript/postscript pair. */
  readonly scripts: QuiesceScripts;
  /**
   * Seconds Cloud Assistant lets the installation run.
   *
   * @default 120
   */
  readonly timeoutSeconds?: number;
  /**
   * Name of the Cloud Assistant command (at most 128 characters).
   *
   * @default 'AppSnapshot-InstallScripts'
   */
  readonly commandName?: string;
}

/** Checks the content of one script; `field` names it in errors. */
export function checkScriptContent(field: string, content: string): void {
  if (content.trim().length === 0) {
    throw new ValidationError(field, 'must not be empty (the plugin runs it to quiesce the application)', content);
  }
  if (content.includes('{{')) {
    const line = content.slice(0, content.indexOf('{{')).split('\n').length;
    throw new ValidationError(field, `must not contain \`{{\` (line ${line}): OOS substitutes \`{{ ... }}\` in command content`, content.split('\n')[line - 1]);
  }
  if (content.includes('\u0000')) {
    throw new ValidationError(field, 'must be text: it contains a NUL byte', content.slice(0, 40));
  }
}

/** The scripts, their checksums and the installation command, checked against every rule. */
export interface PreparedScriptInstall {
  readonly scripts: QuiesceScriptPair;
  readonly checksums: { readonly prescript: string; readonly postscript: string };
  readonly commandContent: string;
  readonly encoded: string;
}

/**
 * Renders the scripts and the command that installs them; throws a ValidationError naming
 * `scripts.prescript`, `scripts.postscript` or `scripts` when a rule is broken.
 */
export function prepareScriptInstall(quiesce: QuiesceScripts): PreparedScriptInstall {
  const scripts = quiesce.render();
  checkScriptContent('scripts.prescript', scripts.prescript);
  checkScriptContent('scripts.postscript', scripts.postscript);
  const commandContent = buildScriptInstallCommand([
    { name: 'prescript', content: scripts.prescript },
    { name: 'postscript', content: scripts.postscript },
  ]);
  const encoded = Buffer.from(commandContent, 'utf8').toString('base64');
  if (encoded.length > RUN_COMMAND_MAX_BASE64_BYTES) {
    const scriptBytes = Buffer.byteLength(scripts.prescript) + Buffer.byteLength(scripts.postscript);
    throw new ValidationError(
      'scripts',
      `must fit the ${RUN_COMMAND_MAX_BASE64_BYTES}-byte RunCommand limit after Base64: the installation command is ${encoded.length} bytes encoded, of which the two scripts are ${scriptBytes} bytes before encoding`,
      `${scriptBytes} bytes of scripts`,
    );
  }
  return {
    scripts,
    checksums: { prescript: sha256Hex(scripts.prescript), postscript: sha256Hex(scripts.postscript) },
    commandContent,
    encoded,
  };
}

/**
 * Installs the quiesce scripts on Linux instances through Cloud Assistant: one
 * `ALIYUN::ECS::RunCommand` (RunShellScript, Base64) per 50 instances, which writes
 * `/tmp/prescript.sh` and `/tmp/postscript.sh` owned by root:root with mode 700 (each through a
 * temporary file renamed into place), keeps a persistent copy and their sha256 under
 * `/var/lib/app-consistent-snapshot/scripts` so that the automation can verify and repair them
 * after a reboot cleans `/tmp`, verifies the result, and exits non-zero on any failure.
 */
export class ScriptDeployment extends ros.Construct {
  /** The RunCommand resources, in instance order. */
  public readonly commands: ecs.RosRunCommand[] = [];
  /** The scripts as installed. */
  public readonly scripts: QuiesceScriptPair;
  /** sha256 of each installed script, as the automation verifies them. */
  public readonly checksums: { readonly prescript: string; readonly postscript: string };
  /** The shell command that installs the scripts (before Base64). */
  public readonly commandContent: string;

  constructor(scope: ros.Construct, id: string, props: ScriptDeploymentProps) {
    super(scope, id);
    checkInstanceIds('instanceIds', props.instanceIds);
    checkIntegerRange('timeoutSeconds', props.timeoutSeconds, 10, 86400);
    if (props.commandName !== undefined && props.commandName.length > 128) {
      throw new ValidationError('commandName', 'must be at most 128 characters (Cloud Assistant command name)', props.commandName);
    }
    const prepared = prepareScriptInstall(props.scripts);
    this.scripts = prepared.scripts;
    this.checksums = prepared.checksums;
    this.commandContent = prepared.commandContent;
    for (const name of ['prescript', 'postscript'] as const) {
      if (!this.scripts[name].startsWith('#!')) {
        this.node.addWarning(`scripts.${name} has no #! line: the plugin executes the file directly, so it needs an interpreter line such as #!/bin/bash`);
      }
    }
    const encoded = prepared.encoded;
    const batches = isResolved(props.instanceIds) ? chunk(props.instanceIds, MAX_INSTANCES_PER_RUN_COMMAND) : [props.instanceIds];
    batches.forEach((batch, i) => {
      const command = new ecs.RosRunCommand(this, uniqueResourceId(this, batches.length === 1 ? 'InstallScripts' : `InstallScripts${i + 1}`), {
          type: 'RunShellScript',
          contentEncoding: 'Base64',
          commandContent: encoded,
          instanceIds: batch,
          name: props.commandName ?? 'AppSnapshot-InstallScripts',
          description: `Installs /tmp/prescript.sh and /tmp/postscript.sh (${this.scripts.kind}) for app-snapshot-plugin`,
          timeout: props.timeoutSeconds ?? 120,
          sync: true,
          keepCommand: false,
        }, true);
      this.commands.push(command);
    });
  }
}
