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
import { EcsStandIn, groupsFromStandIn } from './ecs-standin';
import { DISK, INSTANCE, ROLE, ResultLine, RunOptions, Synthesized, healthyCloud, readSynthesized, resultLine } from './harness';
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
  return readSynthesized(out, 'E2EW', group);
}

/** What an execution is given, as for a Linux group (harness.ts), and what only Windows runs take. */
export interface WindowsRunOptions extends Pick<RunOptions, 'fail' | 'config' | 'values' | 'timeoutMs' | 'cloud' | 'afterSnapshot' | 'scheduled' | 'secretParameters'> {
  /** Bash run in the sandbox before the snapshot command. */
  readonly before?: string;
  /** PATH of the snapshot command (default: {@link windowsPath}). */
  readonly path?: string;
  /** Environment assignments put before pwsh, e.g. `ProgramData=/pd`. */
  readonly env?: string;
  /** The RAM role attached to the instance (default: the group's role). */
  readonly role?: string;
  /** The template to execute (default: the automation, or with `scheduled` the scheduled template). */
  readonly entry?: OosTemplate;
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
    if (options.scheduled && !synth.schedule) throw new Error('the synthesized group has no schedule');
    const entry = options.entry ?? (options.scheduled ? synth.schedule! : synth.parent);
    const execution = await runTemplate(entry, options.values ?? {}, {
      templates: synth.templates,
      secretParameters: options.secretParameters,
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
          pgrep -f 'standin-plugin-run|bin-windows/acs-plugin-manager|^sleep 300$' >$OUT/left
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
    const automation = options.scheduled ? execution.children.takeSnapshots?.[0] : execution;
    const children = automation?.children.snapshotInstances ?? [];
    expect(children).toHaveLength(1);
    return { execution, instanceExecution: children[0], ...runs, ecs };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
