/**
 * End to end on Windows (see windows-harness.ts): the synthesized Windows automation executed
 * for one instance, its two PowerShell commands run by pwsh exactly as OOS sends them, against
 * the Windows plugin manager stand-in: every plugin outcome, the plugin manager's own codes, the
 * fallbacks, what the verdict run gets to decide, and the deadline; the same outcomes and messages
 * as the Linux tests (automation.test.ts). The preflight and the verdict from the tags run for both
 * OSes in one table (preflight-verdict.test.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import { DefaultAppConsistentSnapshotStack } from '../../lib/default-stack';
import { INSTANCE_TASKS, SNAPSHOT_TAG_KEYS } from '../../lib/instance-template';
import { PLUGIN_MANAGER_TIMEOUT_MARGIN_SECONDS } from '../../lib/plugin/timeouts';
import { EXIT_CODES, ExitCodeSource, PackageExitCode, describeExitCode } from '../../lib/plugin/exit-codes';
import { OperatingSystem, PLUGIN_NAME } from '../../lib/plugin/parameters';
import { synthesize } from '../../lib/synth';
import { tempDir } from '../helpers';
import { pwshPath } from '../powershell';
import { WINDOWS_STANDIN_BIN } from '../standin/scenario';
import { INSTANCE, ROLE, Synthesized } from './harness';
import { OosTemplate, executionParameters } from './oos-runtime';
import { RosTemplateDocument, evaluateStack } from '../ros-evaluator';
import { WindowsRun, WindowsRunOptions, executeWindows, synthWindows } from './windows-harness';

const SYNTH = synthWindows();
const DEADLINE = 60;

/** An execution whose snapshot run must have happened. */
async function run(options: WindowsRunOptions = {}) {
  const r = await executeWindows(SYNTH, options);
  expect(r.snapshot).toBeDefined();
  // One result line, last, valid JSON (resultLine), whose exit code is the status pwsh -File ended with.
  expect(r.snapshot!.result.exitCode).toBe(r.snapshot!.rc);
  if (r.verdict) expect(r.verdict.result.exitCode).toBe(r.verdict.rc);
  return r;
}

/** The snapshot run stopped the instance: no verdict, the execution failed. */
function expectStoppedAtSnapshot(r: WindowsRun): void {
  expect(r.instanceExecution).toMatchObject({ status: 'Failed', failedTask: INSTANCE_TASKS.snapshot });
  expect(r.verdict).toBeUndefined();
  expect(r.execution.status).toBe('Failed');
}

describe('the Windows automation against the plugin manager stand-in', () => {
  test('success: application-consistent from the tags, the plugin given its five parameters whole, the manager its timeout', async () => {
    const description = 'Nightly snapshot of the  SQL Server tier ';
    const r = await run({ values: { snapshotDescription: description } });
    const s = r.snapshot!;
    expect(s.rc).toBe(0);
    expect(s.result).toMatchObject({ instanceId: INSTANCE, exitCode: 0, consistency: 'AppConsistent', snapshotGroupId: s.groups[0].SnapshotGroupId });
    expect(r.verdict!.result).toMatchObject({ exitCode: 0, consistency: 'AppConsistent', snapshotGroupId: s.groups[0].SnapshotGroupId });
    expect(r.execution.status).toBe('Success');
    expect(r.execution.outputs.results).toEqual([{
      instanceId: INSTANCE, snapshotGroupId: s.groups[0].SnapshotGroupId, verdict: 'AppConsistent', exitCode: 0,
      reason: expect.stringMatching(/^application-consistent: all 1 snapshots of group ssg-\w+ \(instance i-e2etest000000000001\) carry APPConsistent:True$/),
    }]);
    expect(s.runs[0].plugin).toBe(PLUGIN_NAME[OperatingSystem.WINDOWS]);
    // No disk excluded: the empty ExcludeDiskId is left out, as on Linux.
    expect(s.runs[0].params).toEqual({ RamRoleName: ROLE, EnableWriters: 'true', Name: 'e2e-nightly', Description: description });
    expect(s.groups[0]).toMatchObject({ Name: 'e2e-nightly', Description: description, Tags: [{ Key: 'APPConsistent', Value: 'True' }] });
    expect(s.managerRuns[0].timeout).toBe(DEADLINE + PLUGIN_MANAGER_TIMEOUT_MARGIN_SECONDS);
    expect(s.managerRuns[0].commandLine).toMatch(/^acs-plugin-manager\.exe --exec --plugin app-snapshot-plugin-win --timeout 90 "--params=-RamRoleName='AppSnapshot-db',-EnableWriters=true,-Name='e2e-nightly',-Description='Nightly snapshot of the  SQL Server tier '"$/);
    // The snapshots carry the posture and group tags, for retention.
    for (const snapshot of r.ecs.state.groups[0].snapshots) {
      expect(snapshot.Tags).toEqual(expect.arrayContaining([{ Key: SNAPSHOT_TAG_KEYS.posture, Value: 'E2EW' }, { Key: SNAPSHOT_TAG_KEYS.group, Value: 'db' }]));
    }
    expect(s.file('left')).toBe('');
  });

  test.each(EXIT_CODES.filter((e) => e.source === ExitCodeSource.PLUGIN && e.code !== 0).map((e) => [e.code, e.name]))(
    'the plugin fails with %i (%s): the wrapper exits with that code and names it', async (code, name) => {
      const r = await run({ fail: String(code) });
      expect(r.snapshot!.rc).toBe(code);
      expect(r.snapshot!.result).toMatchObject({ exitCode: code, consistency: 'Failed' });
      expect(r.snapshot!.result.message).toBe(`${name}: ${describeExitCode(code as number)!.meaning}`);
      expectStoppedAtSnapshot(r);
    });

  const raised = EXIT_CODES.filter((e) => e.source === ExitCodeSource.PLUGIN_MANAGER && ![233, 244, 245, 247].includes(e.code));
  test.each(raised.map((e) => [e.code, e.name]))(
    'the plugin manager fails with %i (%s): that code, its meaning and the manager\'s own line', async (code, name) => {
      const r = await run({ config: [`manager_fail=${code}`] });
      expect(r.snapshot!.rc).toBe(code);
      expect(r.snapshot!.result.message).toMatch(new RegExp(
        `^${name}: ${escape(describeExitCode(code as number)!.meaning)} \\(the plugin manager: (ExecutePlugin|ExecutePluginOnlineOrLocal) ${name}: \\S.*\\)$`));
      expect(r.snapshot!.runs).toHaveLength(0);
      expectStoppedAtSnapshot(r);
    });

  test.each([233, 240, 244, 245, 247])('a plugin returning %i, a number of the plugin manager, without its line: reported as the plugin\'s code', async (code) => {
    const r = await run({ fail: `exit:${code}` });
    expect(r.snapshot!.rc).toBe(code);
    const name = describeExitCode(code)!.name;
    expect(r.snapshot!.result).toMatchObject({ exitCode: code, consistency: 'Failed', snapshotGroupId: r.snapshot!.groups[0].SnapshotGroupId });
    expect(r.snapshot!.result.message).toBe(
      `UNDOCUMENTED: the plugin exited with code ${code}; the plugin manager uses ${code} for ${name} but printed no error line, so the code is the plugin's own, which its documentation does not list`);
    expectStoppedAtSnapshot(r);
  });

  test('an empty description is left out of the plugin\'s parameters (CreateSnapshotGroup takes 2-256 characters), as on Linux', async () => {
    const r = await run({ values: { snapshotDescription: '' } });
    expect(r.snapshot!.rc).toBe(0);
    expect(r.snapshot!.managerRuns[0].params).not.toContain('Description');
    expect(Object.keys(r.snapshot!.runs[0].params)).not.toContain('Description');
    expect(r.snapshot!.groups[0].Description).toBe('');
    expect(r.verdict!.result).toMatchObject({ exitCode: 0, consistency: 'AppConsistent' });
  });

  test('writers off, consistency not required: file-system-consistent, confirmed by the tags', async () => {
    const r = await run({ values: { enableWriters: 'false', requireAppConsistent: 'false' } });
    expect(r.snapshot!.result).toMatchObject({ exitCode: 0, consistency: 'FsConsistent' });
    expect(r.verdict!.result).toMatchObject({ exitCode: 0, consistency: 'FsConsistent' });
    expect(r.verdict!.result.message).toMatch(/^file-system-consistent: snapshot s-\w+ of disk d-e2edisk000000001 of group ssg-\w+ \(instance i-e2etest000000000001\) carries FsConsistent:True; application consistency was not required$/);
    expect(r.execution.status).toBe('Success');
  });

  test.each([
    ['writers off', { values: { enableWriters: 'false' } }],
    ['a silent fallback with writers on', { fail: 'fs-fallback' }],
  ])('%s while application consistency is required: the tags decide, APP_CONSISTENCY_NOT_OBTAINED', async (_what, options: WindowsRunOptions) => {
    const r = await run(options);
    // The plugin's log is a hint: the snapshot run ends 0 and the group is tagged for retention.
    expect(r.snapshot!.result).toMatchObject({ exitCode: 0, consistency: 'FsConsistent' });
    expect(r.ecs.calls.map((c) => c.api)).toContain('TagResources');
    expect(r.verdict!.rc).toBe(PackageExitCode.APP_CONSISTENCY_NOT_OBTAINED);
    expect(r.verdict!.result).toMatchObject({ exitCode: 120, consistency: 'FsConsistent' });
    expect(r.instanceExecution).toMatchObject({ status: 'Failed', failedTask: INSTANCE_TASKS.verdict });
  });

  test('output that names no verdict but the group: the tags decide (no NO_VERDICT)', async () => {
    const r = await run({ config: ['log_verdict=false'] });
    expect(r.snapshot!.result).toMatchObject({ exitCode: 0, consistency: 'Unknown', snapshotGroupId: r.snapshot!.groups[0].SnapshotGroupId });
    expect(r.snapshot!.result.message).toMatch(/the plugin logged no verdict; the snapshots' tags decide the verdict$/);
    expect(r.verdict!.result).toMatchObject({ exitCode: 0, consistency: 'AppConsistent' });
    expect(r.verdict!.result.message).toMatch(/; the plugin had logged no verdict, the tags decide$/);
    expect(r.execution.status).toBe('Success');
  });

  test('garbled output naming neither a group nor a verdict: NO_VERDICT, nothing can decide', async () => {
    const r = await run({ fail: 'garbled' });
    expect(r.snapshot!.rc).toBe(PackageExitCode.NO_VERDICT);
    expect(r.snapshot!.result).toMatchObject({ exitCode: 122, consistency: 'Unknown', snapshotGroupId: null });
    expect(r.snapshot!.result.message).toMatch(/\(the plugin exited 0 but named no snapshot group: the snapshots' tags cannot be read back\)$/);
    expectStoppedAtSnapshot(r);
  });

  test('no plugin manager: its own code, the plugin never runs', async () => {
    const r = await run({ path: `${path.dirname(pwshPath())}:/usr/bin:/bin` });
    expect(r.snapshot!.rc).toBe(PackageExitCode.PLUGIN_MANAGER_NOT_FOUND);
    expect(r.snapshot!.result.message).toMatch(/^PLUGIN_MANAGER_NOT_FOUND: .*\(acs-plugin-manager is not on PATH nor in a version folder of C:\\ProgramData\\aliyun\\assist\)$/);
    expect(r.snapshot!.runs).toHaveLength(0);
    expectStoppedAtSnapshot(r);
  });

  test('a plugin manager not on PATH is found in the agent\'s newest version folder', async () => {
    const bin = WINDOWS_STANDIN_BIN;
    const r = await run({
      path: `${path.dirname(pwshPath())}:/usr/bin:/bin`,
      env: 'ProgramData=/pd',
      before: `mkdir -p /pd/aliyun/assist/2.9.0.1 /pd/aliyun/assist/2.10.0.1 /pd/aliyun/assist/logs
        ln -s ${bin}/acs-plugin-manager /pd/aliyun/assist/2.10.0.1/acs-plugin-manager.exe
        printf '#!/bin/bash\\nexit 42\\n' >/pd/aliyun/assist/2.9.0.1/acs-plugin-manager.exe; chmod +x /pd/aliyun/assist/2.9.0.1/acs-plugin-manager.exe`,
    });
    expect(r.snapshot!.stdout).toContain('app-snapshot: running /pd/aliyun/assist/2.10.0.1/acs-plugin-manager.exe --exec');
    expect(r.snapshot!.result).toMatchObject({ exitCode: 0, consistency: 'AppConsistent' });
  });

  test('a plugin that hangs past the deadline is stopped at the deadline, before the manager\'s own timeout: 124, no process left', async () => {
    const started = Date.now();
    const r = await run({ fail: 'hang', timeoutMs: 150_000 });
    expect(r.snapshot!.rc).toBe(PackageExitCode.PLUGIN_TIMED_OUT);
    expect(r.snapshot!.result).toMatchObject({ exitCode: 124, consistency: 'Failed' });
    expect(r.snapshot!.result.message).toMatch(/\(stopped after 60s\)$/);
    expect(r.snapshot!.stdout).toMatch(/app-snapshot: taskkill \/T \/F ended the plugin manager and its processes \(exit 0\)/);
    expect(r.snapshot!.stdout).not.toMatch(/EXECUTE_TIMEOUT_ERR/);
    expect(r.snapshot!.file('left')).toBe('');
    expect(Date.now() - started).toBeLessThan((DEADLINE + PLUGIN_MANAGER_TIMEOUT_MARGIN_SECONDS) * 1000);
    expectStoppedAtSnapshot(r);
  }, 200_000);

  test('execution values that break the rules are refused by the templates before anything runs', () => {
    const values = (v: Record<string, unknown>) => () => executionParameters(SYNTH.parent, v);
    expect(values({ snapshotDescription: 'a,b' })).toThrow(/does not match/);
    expect(values({ snapshotDescription: "it's" })).toThrow(/does not match/);
    expect(values({ snapshotDescription: 'caf\u00e9' })).toThrow(/does not match/);
    expect(values({ snapshotDescription: 'it\u2019s' })).toThrow(/does not match/);
    expect(values({ enableWriters: 'yes' })).toThrow(/is not allowed/);
    expect(values({ snapshotDescription: 'Any printable ASCII: !#$%&()*+-./:;<=>?@[]^_`{|}~' })).not.toThrow();
  });
});

describe('the default stack\'s Windows branch, as ROS deploys it with its defaults', () => {
  test('runs end to end; its default description, which has a space, reaches the plugin whole', async () => {
    const out = tempDir('e2e-default-');
    synthesize((app) => new DefaultAppConsistentSnapshotStack(app, 'AppConsistentSnapshot'), out);
    const stack = JSON.parse(fs.readFileSync(path.join(out, 'AppConsistentSnapshot.template.json'), 'utf8')) as RosTemplateDocument;
    const deployed = evaluateStack(stack, { InstanceIds: [INSTANCE], OsType: 'Windows', RoleName: ROLE });
    if (deployed.refused !== undefined) throw new Error(deployed.refused);
    const template = (id: string) => deployed.resources[id].Properties as { TemplateName: string; Content: string };
    const parent = JSON.parse(template('AutomationTemplate').Content) as OosTemplate;
    const instance = JSON.parse(template('AutomationInstanceTemplate').Content) as OosTemplate;
    const name = (id: string) => template(id).TemplateName;
    const synth: Synthesized = { ...SYNTH, parent, instance, templates: { [name('AutomationInstanceTemplate')]: instance } };
    const r = await executeWindows(synth);
    expect(r.snapshot!.runs[0].params).toMatchObject({ Name: 'AppConsistentSnapshot', Description: 'Application-consistent snapshot', EnableWriters: 'true' });
    expect(r.verdict!.result).toMatchObject({ exitCode: 0, consistency: 'AppConsistent' });
    expect(r.execution.status).toBe('Success');
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
