/**
 * End to end without the cloud: synthesize a stack, then execute its automation template as OOS
 * would (oos-runtime.ts), for one instance: the ECS API calls go to the ECS stand-in, and the
 * two commands run with bash as root in a throwaway root (no network): the snapshot run after
 * the synthesized script deployment, against the plugin stand-in; the verdict run on what the
 * template read back from the ECS stand-in, which holds the groups the plugin stand-in created.
 */
import * as fs from 'fs';
import * as path from 'path';
import { AppConsistentSnapshotOptions } from '../../lib/app-consistent-snapshot';
import { OperatingSystem } from '../../lib/plugin/parameters';
import { QuiesceScripts } from '../../lib/quiesce-scripts';
import { AppConsistentSnapshotStack } from '../../lib/stack';
import { synthesize } from '../../lib/synth';
import { REPO_ROOT, templateNamed, tempDir } from '../helpers';
import { ScenarioResult, runScenario } from '../standin/scenario';
import { CloudState, EcsStandIn, groupsFromStandIn } from './ecs-standin';
import { Execution, OosTemplate, runTemplate } from './oos-runtime';

export const INSTANCE = 'i-e2etest000000000001';
export const ROLE = 'AppSnapshot-db';
export const DISK = 'd-e2edisk000000001';
/** Outside /tmp: the sandbox mounts a fresh /tmp, but sees the rest of the host's tree. */
const WORK = path.join(REPO_ROOT, 'test-results', 'e2e');

/** The synthesized automation: the template to execute, the per-instance one, the script deployment. */
export interface Synthesized {
  readonly parent: OosTemplate;
  readonly instance: OosTemplate;
  readonly instanceTemplateName: string;
  readonly installCommand: string;
  /** The automation template's name. */
  readonly templateName: string;
  /** The scheduled template, when the group has a schedule. */
  readonly schedule?: OosTemplate;
  /** Every OOS template of the stack, by template name (what ACS::Template tasks may run). */
  readonly templates: Record<string, OosTemplate>;
  /** The whole synthesized stack template. */
  readonly stack: { Resources: Record<string, { Type: string; Properties: Record<string, any>; DependsOn?: string | string[] }> };
}

export function synthStack(quiesce?: QuiesceScripts, pluginDeadlineSeconds = 60, group: Partial<AppConsistentSnapshotOptions> = {}): Synthesized {
  const scripts = tempDir('e2e-scripts-');
  // Scripts that leave a trace of the order they ran in, on tmpfs (/run): never the frozen disk.
  fs.writeFileSync(path.join(scripts, 'pre.sh'), '#!/bin/bash\necho prescript >> /run/app-order\n');
  fs.writeFileSync(path.join(scripts, 'post.sh'), '#!/bin/bash\necho postscript >> /run/app-order\n');
  const out = tempDir('e2e-synth-');
  synthesize((app) => new AppConsistentSnapshotStack(app, 'E2E', {
    groups: {
      db: {
        os: OperatingSystem.LINUX,
        instanceIds: [INSTANCE],
        roleName: ROLE,
        scripts: quiesce ?? QuiesceScripts.fromFiles(path.join(scripts, 'pre.sh'), path.join(scripts, 'post.sh')),
        snapshotName: 'e2e-nightly',
        pluginDeadlineSeconds,
        ...group,
      },
    },
  }), out);
  const stack = JSON.parse(fs.readFileSync(path.join(out, 'E2E.template.json'), 'utf8'));
  const templateName = (group.templateName ?? 'AppConsistentSnapshot-db');
  const named = (name: string) => stack.Resources[templateNamed(stack, name).id];
  const parent = JSON.parse(named(templateName).Properties.Content) as OosTemplate;
  const instance = JSON.parse(named(`${templateName}-Instance`).Properties.Content) as OosTemplate;
  const scheduled = group.schedule ? named(`${templateName}-Schedule`) : undefined;
  return {
    parent,
    instance,
    instanceTemplateName: `${templateName}-Instance`,
    installCommand: Buffer.from(stack.Resources.DbScriptsInstallScripts.Properties.CommandContent, 'base64').toString('utf8'),
    templateName,
    schedule: scheduled ? JSON.parse(scheduled.Properties.Content) as OosTemplate : undefined,
    templates: Object.fromEntries(Object.values(stack.Resources as Record<string, { Type: string; Properties: Record<string, any> }>)
      .filter((r) => r.Type === 'ALIYUN::OOS::Template')
      .map((r) => [r.Properties.TemplateName as string, JSON.parse(r.Properties.Content) as OosTemplate])),
    stack,
  };
}

/** A wrapper's result line, parsed. */
export interface ResultLine {
  readonly instanceId: string;
  readonly exitCode: number;
  readonly consistency: string;
  readonly snapshotGroupId: string | null;
  readonly message: string;
}

/** The wrapper's result line; fails when there is not exactly one, or it is not last. */
export function resultLine(stdout: string): ResultLine {
  const lines = stdout.trimEnd().split('\n');
  const results = lines.filter((l) => l.startsWith('APP_SNAPSHOT_RESULT '));
  expect(results).toHaveLength(1);
  expect(lines[lines.length - 1]).toBe(results[0]);
  return JSON.parse(results[0].slice('APP_SNAPSHOT_RESULT '.length));
}

/** A cloud where every preflight rule holds: Running, agent up, the role attached, one ESSD. */
export function healthyCloud(): CloudState {
  return {
    instance: { id: INSTANCE, status: 'Running', agent: 'true', roles: [ROLE] },
    disks: [{ DiskId: DISK, Category: 'cloud_essd', MultiAttach: 'Disabled', attachedTo: [INSTANCE] }],
    groups: [],
  };
}

export interface RunOptions {
  /** The stand-in's `fail` setting. */
  readonly fail?: string;
  /** More lines of the stand-in's configuration (`KEY=value`). */
  readonly config?: readonly string[];
  /** OOS execution values overriding the automation's defaults. */
  readonly values?: Record<string, unknown>;
  /** Bash run after the script deployment and before the wrapper. */
  readonly before?: string;
  /** PATH for the wrapper (default: the sandbox's, with the stand-in first). */
  readonly path?: string;
  readonly timeoutMs?: number;
  /** Changes the simulated account before the execution. */
  readonly cloud?: (cloud: CloudState) => void;
  /** Changes the simulated account after the snapshot run (what ECS would then report). */
  readonly afterSnapshot?: (cloud: CloudState) => void;
  /**
   * The whole scenario of the snapshot run instead of the default one (a small file system and
   * the stand-in configured for it): bash, given the directory holding install.sh and
   * runSnapshot.sh; it must write $OUT/stdout and $OUT/rc.
   */
  readonly snapshotScenario?: (dir: string) => string;
  /** Execute the scheduled template (one firing of its trigger) instead of the automation. */
  readonly scheduled?: boolean;
  /** The account's OOS encrypted parameters (what `{{oos-secret:NAME}}` resolves to). */
  readonly secretParameters?: Record<string, string>;
}

/** What one execution did. */
export interface Run {
  /** The automation's execution, and the per-instance one. */
  readonly execution: Execution;
  readonly instanceExecution: Execution;
  /** The snapshot run in its sandbox (absent when the template stopped before it). */
  readonly snapshot?: ScenarioResult & { readonly result: ResultLine };
  /** The verdict run (absent when the template stopped before it). */
  readonly verdict?: { readonly rc: number | undefined; readonly stdout: string; readonly stderr: string; readonly result: ResultLine; readonly command: string };
  readonly ecs: EcsStandIn;
}

/** Executes the automation for the one instance. */
export async function execute(synth: Synthesized, options: RunOptions = {}): Promise<Run> {
  fs.mkdirSync(WORK, { recursive: true });
  const dir = fs.mkdtempSync(path.join(WORK, 'run-'));
  const cloud = healthyCloud();
  options.cloud?.(cloud);
  const ecs = new EcsStandIn(cloud);
  let snapshot: Run['snapshot'];
  let verdict: Run['verdict'];
  try {
    if (options.scheduled && !synth.schedule) throw new Error('the synthesized group has no schedule');
    const entry = options.scheduled ? synth.schedule! : synth.parent;
    const execution = await runTemplate(entry, options.values ?? {}, {
      templates: synth.templates,
      secretParameters: options.secretParameters,
      callApi: (service, api, parameters) => ecs.call(service, api, parameters),
      runCommand: async (task, instanceId, commandType, content) => {
        expect(instanceId).toBe(INSTANCE);
        expect(commandType).toBe('RunShellScript');
        fs.writeFileSync(path.join(dir, `${task}.sh`), content);
        if (task === 'runSnapshot') {
          fs.writeFileSync(path.join(dir, 'install.sh'), synth.installCommand);
          const r = await runScenario(options.snapshotScenario ? options.snapshotScenario(dir) : `
            make_fs /data 64
            echo "committed row" > /data/table
            write_config mounts=/data=${DISK} ram_role=${ROLE} fail=${options.fail ?? 'none'} hang_seconds=300 instance_id=${INSTANCE} ${(options.config ?? []).join(' ')}
            bash ${dir}/install.sh > $OUT/install.log 2>&1 || { echo "script deployment failed"; cat $OUT/install.log; exit 3; }
            ${options.before ?? ''}
            ${options.path ? `PATH=${options.path} ` : ''}bash ${dir}/runSnapshot.sh > $OUT/stdout 2> $OUT/stderr
            echo $? > $OUT/rc
            grep -l -- '--standin-plugin-ru[n]' /proc/[0-9]*/cmdline > $OUT/plugin-processes 2>/dev/null
            cp /run/app-order $OUT/order 2>/dev/null
            touch /data/writable-after-run && echo yes > $OUT/writable
          `, { timeoutMs: options.timeoutMs ?? 60_000 });
          expect(r.sandboxOutput).not.toContain('script deployment failed');
          snapshot = { ...r, result: resultLine(r.stdout) };
          cloud.groups = groupsFromStandIn(r.groups);
          options.afterSnapshot?.(cloud);
          return { output: r.stdout, exitCode: r.rc ?? -1 };
        }
        const r = await runScenario(`bash ${dir}/${task}.sh > $OUT/stdout 2> $OUT/stderr; echo $? > $OUT/rc`);
        verdict = { rc: r.rc, stdout: r.stdout, stderr: r.stderr, result: resultLine(r.stdout), command: content };
        return { output: r.stdout, exitCode: r.rc ?? -1 };
      },
    });
    const automation = options.scheduled ? execution.children.takeSnapshots?.[0] : execution;
    const children = automation?.children.snapshotInstances ?? [];
    expect(children).toHaveLength(1);
    return { execution, instanceExecution: children[0], snapshot, verdict, ecs };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
