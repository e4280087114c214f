/**
 * End to end without the cloud: synthesize the stack, take the OOS template's RunCommand task,
 * substitute its parameters as OOS would, and run it with bash as root in a throwaway root
 * (no network) against the plugin stand-in, after running the synthesized script deployment.
 */
import * as fs from 'fs';
import * as path from 'path';
import { EXIT_CODES, PackageExitCode, describeExitCode } from '../../lib/plugin/exit-codes';
import { OperatingSystem } from '../../lib/plugin/parameters';
import { QuiesceScripts } from '../../lib/quiesce-scripts';
import { AppConsistentSnapshotStack } from '../../lib/stack';
import { SNAPSHOT_TASK_NAME } from '../../lib/snapshot-automation';
import { synthesize } from '../../lib/synth';
import { runScenario } from '../standin/scenario';
import { REPO_ROOT, tempDir } from '../helpers';
import { OosDocument, instanceCommand } from './oos-runtime';

const INSTANCE = 'i-e2etest000000000001';
const ROLE = 'AppSnapshot-db';
/** Outside /tmp: the sandbox mounts a fresh /tmp, but sees the rest of the host's tree. */
const WORK = path.join(REPO_ROOT, 'test-results', 'e2e');

interface Synthesized {
  readonly document: OosDocument;
  readonly installCommand: string;
}

function synth(): Synthesized {
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
        scripts: QuiesceScripts.fromFiles(path.join(scripts, 'pre.sh'), path.join(scripts, 'post.sh')),
        snapshotName: 'e2e-nightly',
        pluginDeadlineSeconds: 60,
      },
    },
  }), out);
  const stack = JSON.parse(fs.readFileSync(path.join(out, 'E2E.template.json'), 'utf8'));
  const document = JSON.parse(stack.Resources.DbAutomationTemplate.Properties.Content) as OosDocument;
  const installCommand = Buffer.from(stack.Resources.DbScriptsInstallScripts.Properties.CommandContent, 'base64').toString('utf8');
  return { document, installCommand };
}

const SYNTH = synth();

interface RunOptions {
  /** The stand-in's `fail` setting. */
  readonly fail?: string;
  /** OOS execution values overriding the defaults. */
  readonly values?: Record<string, unknown>;
  /** Bash run after the script deployment and before the wrapper. */
  readonly before?: string;
  /** PATH for the wrapper (default: the sandbox's, with the stand-in first). */
  readonly path?: string;
  readonly timeoutMs?: number;
}

/** The wrapper's result line, parsed; fails when there is not exactly one, or it is not last. */
function resultLine(stdout: string): { instanceId: string; exitCode: number; consistency: string; snapshotGroupId: string | null; message: string } {
  const lines = stdout.trimEnd().split('\n');
  const results = lines.filter((l) => l.startsWith('APP_SNAPSHOT_RESULT '));
  expect(results).toHaveLength(1);
  expect(lines[lines.length - 1]).toBe(results[0]);
  return JSON.parse(results[0].slice('APP_SNAPSHOT_RESULT '.length));
}

async function run(options: RunOptions = {}) {
  fs.mkdirSync(WORK, { recursive: true });
  const dir = fs.mkdtempSync(path.join(WORK, 'run-'));
  const { command, commandType } = instanceCommand(SYNTH.document, SNAPSHOT_TASK_NAME, INSTANCE, options.values);
  expect(commandType).toBe('RunShellScript');
  fs.writeFileSync(path.join(dir, 'install.sh'), SYNTH.installCommand);
  fs.writeFileSync(path.join(dir, 'wrapper.sh'), command);
  try {
    const r = await runScenario(`
      make_fs /data 64
      echo "committed row" > /data/table
      write_config mounts=/data=d-e2edisk000000001 ram_role=${ROLE} fail=${options.fail ?? 'none'} hang_seconds=300 instance_id=${INSTANCE}
      bash ${dir}/install.sh > $OUT/install.log 2>&1 || { echo "script deployment failed"; cat $OUT/install.log; exit 3; }
      ${options.before ?? ''}
      ${options.path ? `PATH=${options.path} ` : ''}bash ${dir}/wrapper.sh > $OUT/stdout 2> $OUT/stderr
      echo $? > $OUT/rc
      cp /run/app-order $OUT/order 2>/dev/null
      touch /data/writable-after-run && echo yes > $OUT/writable
    `, { timeoutMs: options.timeoutMs ?? 60_000 });
    expect(r.sandboxOutput).not.toContain('script deployment failed');
    return { ...r, result: resultLine(r.stdout) };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe('the synthesized automation command against the plugin stand-in', () => {
  test('success: application-consistent, exit 0, the group id read from the plugin output, scripts in order', async () => {
    const r = await run();
    expect(r.rc).toBe(0);
    expect(r.result).toMatchObject({ instanceId: INSTANCE, exitCode: 0, consistency: 'AppConsistent' });
    expect(r.groups).toHaveLength(1);
    expect(r.result.snapshotGroupId).toBe(r.groups[0].SnapshotGroupId);
    expect(r.groups[0].Name).toBe('e2e-nightly');
    expect(r.groups[0].Tags).toContainEqual({ Key: 'APPConsistent', Value: 'True' });
    expect(r.file('order')).toBe('prescript\npostscript\n');
    expect(r.file('writable')).toBe('yes\n');
    // The plugin got exactly the eight documented parameters.
    expect(Object.keys(r.runs[0].params).sort()).toEqual(['Description', 'EnableFsFreeze', 'ExcludeDiskId', 'Name', 'PostScriptPath', 'PreScriptPath', 'RamRoleName', 'TimeoutInSeconds']);
  });

  test.each(EXIT_CODES.filter((e) => e.code >= 1 && e.code <= 255 && e.source === 'plugin').map((e) => [e.code, e.name]))(
    'the plugin fails with %i (%s): the wrapper exits with that code and names it', async (code, name) => {
      const r = await run({ fail: String(code) });
      expect(r.rc).toBe(code);
      expect(r.result.exitCode).toBe(code);
      expect(r.result.consistency).toBe('Failed');
      expect(r.result.message.startsWith(`${name}: ${describeExitCode(code as number)!.meaning}`)).toBe(true);
      expect(r.file('writable')).toBe('yes\n');
    });

  test('file-system fallback when application consistency is required: the package code, FsConsistent', async () => {
    const r = await run({ fail: 'fs-fallback' });
    expect(r.rc).toBe(PackageExitCode.APP_CONSISTENCY_NOT_OBTAINED);
    expect(r.result).toMatchObject({ exitCode: 120, consistency: 'FsConsistent' });
    expect(r.result.snapshotGroupId).toBe(r.groups[0].SnapshotGroupId);
    expect(r.groups[0].Tags).toContainEqual({ Key: 'FsConsistent', Value: 'True' });
  });

  test('file-system fallback when it is not required: exit 0, FsConsistent', async () => {
    const r = await run({ fail: 'fs-fallback', values: { requireAppConsistent: 'false' } });
    expect(r.rc).toBe(0);
    expect(r.result).toMatchObject({ exitCode: 0, consistency: 'FsConsistent' });
  });

  test('no plugin manager on the instance: its own code', async () => {
    const r = await run({ path: '/usr/sbin:/usr/bin:/sbin:/bin' });
    expect(r.rc).toBe(PackageExitCode.PLUGIN_MANAGER_NOT_FOUND);
    expect(r.result).toMatchObject({ exitCode: 121, consistency: 'Failed', snapshotGroupId: null });
    expect(r.runs).toHaveLength(0);
  });

  test('garbled plugin output with exit 0: no verdict, its own code', async () => {
    const r = await run({ fail: 'garbled' });
    expect(r.rc).toBe(PackageExitCode.NO_VERDICT);
    expect(r.result).toMatchObject({ exitCode: 122, consistency: 'Unknown' });
  });

  test('a script deleted and one altered (as after a reboot) are repaired before the plugin runs', async () => {
    const r = await run({ before: 'rm /tmp/prescript.sh; echo "echo tampered" >> /tmp/postscript.sh' });
    expect(r.rc).toBe(0);
    expect(r.result.consistency).toBe('AppConsistent');
    expect(r.result.message).toMatch(/prescript repaired; postscript repaired;/);
    expect(r.file('order')).toBe('prescript\npostscript\n');
  });

  test('scripts that cannot be repaired: refused before the plugin when application consistency is required', async () => {
    const r = await run({ before: 'rm -rf /tmp/prescript.sh /var/lib/app-consistent-snapshot' });
    expect(r.rc).toBe(PackageExitCode.SCRIPTS_UNREPAIRABLE);
    expect(r.result).toMatchObject({ exitCode: 123, consistency: 'Failed' });
    expect(r.runs).toHaveLength(0);
  });

  test('scripts that cannot be repaired, consistency not required: the plugin falls back, exit 0', async () => {
    const r = await run({ before: 'rm -rf /tmp/prescript.sh /var/lib/app-consistent-snapshot', values: { requireAppConsistent: 'false' } });
    expect(r.rc).toBe(0);
    expect(r.result).toMatchObject({ exitCode: 0, consistency: 'FsConsistent' });
    expect(r.stderr).toMatch(/WARNING: .*continuing because application consistency is not required/);
  });

  test('a plugin that hangs past the deadline is stopped; the file system is thawed and the postscript run', async () => {
    const r = await run({ fail: 'hang', timeoutMs: 150_000 });
    expect(r.rc).toBe(PackageExitCode.PLUGIN_TIMED_OUT);
    expect(r.result).toMatchObject({ exitCode: 124, consistency: 'Failed' });
    expect(r.file('writable')).toBe('yes\n');
    expect(r.file('order')).toBe('prescript\npostscript\n');
  }, 200_000);

  test('an execution value that breaks the rules is refused by the template before anything runs', () => {
    expect(() => instanceCommand(SYNTH.document, SNAPSHOT_TASK_NAME, INSTANCE, { snapshotDescription: 'a,b' })).toThrow(/does not match/);
    expect(() => instanceCommand(SYNTH.document, SNAPSHOT_TASK_NAME, INSTANCE, { requireAppConsistent: 'yes' })).toThrow(/is not allowed/);
  });
});
