/**
 * End to end on Windows, without the cloud and without Windows: synthesize a Windows group, then
 * execute its automation as OOS would (oos-runtime.ts) for one instance. The ECS API calls go to
 * the ECS stand-in; each PowerShell command is written as Cloud Assistant writes it (CRLF, no
 * byte-order mark) and run by the real pwsh (`-NoProfile -File`, through the launcher of
 * test/powershell.ts) as root in a throwaway root (no network), against the Windows plugin
 * manager stand-in (test/standin/bin-windows) and the shared plugin simulation.
 */
import * as fs from 'fs';
import * as path from 'path';
import { AppConsistentSnapshotOptions } from '../../lib/app-consistent-snapshot';
import { OperatingSystem } from '../../lib/plugin/parameters';
import { AppConsistentSnapshotStack } from '../../lib/stack';
import { synthesize } from '../../lib/synth';
import { REPO_ROOT, tempDir } from '../helpers';
import { LAUNCHER, pwshPath, writeCloudAssistantScript } from '../powershell';
import { ScenarioResult, WINDOWS_STANDIN_BIN, runScenario } from '../standin/scenario';
import { CloudState, EcsStandIn, groupsFromStandIn } from './ecs-standin';
import { DISK, INSTANCE, ROLE, ResultLine, Synthesized, healthyCloud, readSynthesized, resultLine } from './harness';
import { Execution, OosTemplate, runTemplate } from './oos-runtime';

/** Outside /tmp: the sandbox mounts a fresh /tmp, but sees the rest of the host's tree. */
const WORK = path.join(REPO_ROOT, 'test-results', 'e2e-windows');

/** The PATH a Windows command runs with: the Windows stand-ins, pwsh, the basic tools. */
export function windowsPath(): string {
  return `${WINDOWS_STANDIN_BIN}:${path.dirname(pwshPath())}:/usr/bin:/bin`;
}

/** A stack with one Windows group `db` for the one instance, synthesized as `npm run synth` does. */
export function synthWindows(group: Partial<AppConsistentSnapshotOptions> = {}): Synthesized {
  const out = tempDir('e2e-windows-synth-');
  synthesize((app) => new AppConsistentSnapshotStack(app, 'E2EW', {
    groups: {
      db: {
        os: OperatingSystem.WINDOWS,
        instanceIds: [INSTANCE],
        roleName: ROLE,
        snapshotName: 'e2e-nightly',
        pluginDeadlineSeconds: 60,
        ...group,
      },
    },
  }), out);
  return readSynthesized(out, 'E2EW');
}

export interface WindowsRunOptions {
  /** The plugin stand-in's `fail` setting. */
  readonly fail?: string;
  /** More stand-in configuration lines (`manager_fail=240`, `hang_seconds=300` ...). */
  readonly config?: readonly string[];
  /** OOS execution values overriding the automation's defaults. */
  readonly values?: Record<string, unknown>;
  /** Bash run in the sandbox before the snapshot command. */
  readonly before?: string;
  /** PATH of the snapshot command (default: {@link windowsPath}). */
  readonly path?: string;
  /** Environment assignments put before pwsh, e.g. `ProgramData=/pd`. */
  readonly env?: string;
  /** The RAM role attached to the instance (default: the group's role). */
  readonly role?: string;
  /** Changes the simulated account before the execution. */
  readonly cloud?: (cloud: CloudState) => void;
  /** Changes the simulated account after the snapshot run (what ECS would then report). */
  readonly afterSnapshot?: (cloud: CloudState) => void;
  /** The template to execute (default: the automation). */
  readonly entry?: OosTemplate;
  readonly timeoutMs?: number;
}

/** A command's run in its sandbox, with its result line and the content OOS sent. */
export type CommandRun = ScenarioResult & { readonly result: ResultLine; readonly command: string };

/** What one execution did. */
export interface WindowsRun {
  readonly execution: Execution;
  /** The per-instance execution. */
  readonly instanceExecution: Execution;
  readonly snapshot?: CommandRun;
  readonly verdict?: CommandRun;
  readonly ecs: EcsStandIn;
}

/** Executes the automation (or `options.entry`) for the one instance. */
export async function executeWindows(synth: Synthesized, options: WindowsRunOptions = {}): Promise<WindowsRun> {
  fs.mkdirSync(WORK, { recursive: true });
  const dir = fs.mkdtempSync(path.join(WORK, 'run-'));
  const role = options.role ?? ROLE;
  const cloud = healthyCloud();
  cloud.instance.roles = [role];
  options.cloud?.(cloud);
  const ecs = new EcsStandIn(cloud);
  const pwsh = pwshPath();
  writeCloudAssistantScript(path.join(dir, 'launch.ps1'), LAUNCHER);
  const runs: { snapshot?: CommandRun; verdict?: CommandRun } = {};
  const config = [`mounts=/data=${DISK}`, `ram_role=${role}`, `fail=${options.fail ?? 'none'}`, 'hang_seconds=300', `instance_id=${INSTANCE}`, ...(options.config ?? [])]
    .map((l) => `'${l}'`).join(' ');
  try {
    const execution = await runTemplate(options.entry ?? synth.parent, options.values ?? {}, {
      templates: synth.templates,
      callApi: (service, api, parameters) => ecs.call(service, api, parameters),
      runCommand: async (task, instanceId, commandType, content) => {
        expect(instanceId).toBe(INSTANCE);
        expect(commandType).toBe('RunPowerShellScript');
        writeCloudAssistantScript(path.join(dir, `${task}.ps1`), content);
        const snapshot = task === 'runSnapshot';
        const r = await runScenario(`
          mkdir -p /data && echo "committed row" >/data/table
          write_config ${config}
          ${snapshot ? options.before ?? '' : ''}
          ${snapshot ? options.env ?? '' : ''} PATH=${snapshot ? options.path ?? windowsPath() : windowsPath()} ${pwsh} -NoProfile -File ${dir}/launch.ps1 ${dir}/${task}.ps1 >$OUT/stdout 2>$OUT/stderr
          echo $? >$OUT/rc
          pgrep -f 'standin-plugin-args|bin-windows/acs-plugin-manager|^sleep 300$' >$OUT/left
        `, { timeoutMs: options.timeoutMs ?? 60_000 });
        const run: CommandRun = { ...r, result: resultLine(r.stdout), command: content };
        if (snapshot) {
          runs.snapshot = run;
          cloud.groups = groupsFromStandIn(r.groups);
          options.afterSnapshot?.(cloud);
        } else {
          runs.verdict = run;
        }
        return { output: r.stdout, exitCode: r.rc ?? -1 };
      },
    });
    const children = execution.children.snapshotInstances ?? [];
    expect(children).toHaveLength(1);
    return { execution, instanceExecution: children[0], ...runs, ecs };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Resolves the intrinsic functions of a ROS template value as ROS does at deployment, for the
 * default stack: `Ref` to a parameter (its value, else its default), `Fn::Join`, `Fn::If` on a
 * condition. Anything else is an error.
 */
export function resolveRos(value: unknown, parameters: Record<string, unknown>, conditions: Record<string, boolean>): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveRos(v, parameters, conditions));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  if (entries.length === 1 && (entries[0][0] === 'Ref' || entries[0][0].startsWith('Fn::'))) {
    const [fn, args] = entries[0];
    switch (fn) {
      case 'Ref':
        if (!(String(args) in parameters)) throw new Error(`Ref ${String(args)}: no such parameter`);
        return parameters[String(args)];
      case 'Fn::Join': {
        const [separator, items] = args as [string, unknown];
        const list = resolveRos(items, parameters, conditions);
        if (!Array.isArray(list)) throw new Error('Fn::Join of something that is not a list');
        return list.map(String).join(separator);
      }
      case 'Fn::If': {
        const [condition, yes, no] = args as [string, unknown, unknown];
        if (!(condition in conditions)) throw new Error(`Fn::If ${condition}: no such condition`);
        return resolveRos(conditions[condition] ? yes : no, parameters, conditions);
      }
      default:
        throw new Error(`resolveRos does not evaluate ${fn}`);
    }
  }
  return Object.fromEntries(entries.map(([k, v]) => [k, resolveRos(v, parameters, conditions)]));
}
