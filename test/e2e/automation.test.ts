/**
 * End to end without the cloud (see harness.ts): the synthesized automation executed for one
 * instance whose preflight passes, the snapshot run against the plugin stand-in for every
 * plugin outcome, and the verdict run on the groups the stand-in created.
 */
import { SNAPSHOT_TAG_KEYS } from '../../lib/instance-template';
import { EXIT_CODES, PackageExitCode, describeExitCode } from '../../lib/plugin/exit-codes';
import { executionParameters } from './oos-runtime';
import { INSTANCE, Run, RunOptions, execute, synthStack } from './harness';

const SYNTH = synthStack();

/** An execution; the snapshot run's sandbox results at top level, as the tests read them. */
async function run(options: RunOptions = {}) {
  const r: Run = await execute(SYNTH, options);
  expect(r.snapshot).toBeDefined();
  return { ...r.snapshot!, run: r };
}

describe('the synthesized automation command against the plugin stand-in', () => {
  test('success: application-consistent, exit 0, the group id read from the plugin output, scripts in order, confirmed by the tags', async () => {
    const r = await run();
    expect(r.rc).toBe(0);
    expect(r.run.execution.status).toBe('Success');
    expect(r.run.verdict!.result).toMatchObject({ exitCode: 0, consistency: 'AppConsistent', snapshotGroupId: r.groups[0].SnapshotGroupId });
    // The execution's output lists the instance's group id, verdict and reason.
    expect(r.run.execution.outputs.results).toEqual([{
      instanceId: INSTANCE, snapshotGroupId: r.groups[0].SnapshotGroupId, verdict: 'AppConsistent', exitCode: 0,
      reason: expect.stringMatching(/^application-consistent: all 1 snapshots of group ssg-\w+ \(instance i-e2etest000000000001\) carry APPConsistent:True$/),
    }]);
    expect(r.result).toMatchObject({ instanceId: INSTANCE, exitCode: 0, consistency: 'AppConsistent' });
    expect(r.groups).toHaveLength(1);
    expect(r.result.snapshotGroupId).toBe(r.groups[0].SnapshotGroupId);
    expect(r.groups[0].Name).toBe('e2e-nightly');
    expect(r.groups[0].Tags).toContainEqual({ Key: 'APPConsistent', Value: 'True' });
    // Every snapshot of the group now carries the posture (the stack) and the group, for retention.
    const snapshots = r.run.ecs.state.groups.find((g) => g.SnapshotGroupId === r.groups[0].SnapshotGroupId)!.snapshots;
    expect(snapshots).toHaveLength(1);
    for (const s of snapshots) {
      expect(s.Tags).toEqual(expect.arrayContaining([{ Key: SNAPSHOT_TAG_KEYS.posture, Value: 'E2E' }, { Key: SNAPSHOT_TAG_KEYS.group, Value: 'db' }]));
    }
    expect(r.file('order')).toBe('prescript\npostscript\n');
    expect(r.file('writable')).toBe('yes\n');
    // The plugin got the documented parameters but the empty ones (no disk excluded, no
    // description), which are left out.
    expect(Object.keys(r.runs[0].params).sort()).toEqual(['EnableFsFreeze', 'Name', 'PostScriptPath', 'PreScriptPath', 'RamRoleName', 'TimeoutInSeconds']);
  });

  test.each(EXIT_CODES.filter((e) => e.code >= 1 && e.code <= 255 && e.source === 'plugin').map((e) => [e.code, e.name]))(
    'the plugin fails with %i (%s): the wrapper exits with that code and names it', async (code, name) => {
      const r = await run({ fail: String(code) });
      expect(r.rc).toBe(code);
      expect(r.result.exitCode).toBe(code);
      expect(r.result.consistency).toBe('Failed');
      expect(r.result.message.startsWith(`${name}: ${describeExitCode(code as number)!.meaning}`)).toBe(true);
      expect(r.file('writable')).toBe('yes\n');
      // The instance stops at the snapshot run: no verdict is read, and the execution fails.
      expect(r.run.instanceExecution).toMatchObject({ status: 'Failed', failedTask: 'runSnapshot' });
      expect(r.run.verdict).toBeUndefined();
      expect(r.run.execution.status).toBe('Failed');
    });

  test('file-system fallback when application consistency is required: the tags decide, the package code, FsConsistent', async () => {
    const r = await run({ fail: 'fs-fallback' });
    // The snapshot run hands over to the verdict run, which reads the tags.
    expect(r.rc).toBe(0);
    expect(r.result).toMatchObject({ exitCode: 0, consistency: 'FsConsistent', snapshotGroupId: r.groups[0].SnapshotGroupId });
    expect(r.run.verdict!.result).toMatchObject({ exitCode: 120, consistency: 'FsConsistent', snapshotGroupId: r.groups[0].SnapshotGroupId });
    expect(r.run.verdict!.rc).toBe(PackageExitCode.APP_CONSISTENCY_NOT_OBTAINED);
    expect(r.run.instanceExecution).toMatchObject({ status: 'Failed', failedTask: 'checkVerdict' });
    expect(r.groups[0].Tags).toContainEqual({ Key: 'FsConsistent', Value: 'True' });
  });

  describe('the plugin logs no verdict (its wording is not confirmed): the tags read back from ECS decide', () => {
    test('tagged APPConsistent: application-consistent, exit 0', async () => {
      const r = await run({ config: ['log_verdict=false'] });
      expect(r.rc).toBe(0);
      expect(r.result).toMatchObject({ exitCode: 0, consistency: 'Unknown', snapshotGroupId: r.groups[0].SnapshotGroupId });
      expect(r.result.message).toMatch(/the plugin logged no verdict; the snapshots' tags decide the verdict/);
      expect(r.run.verdict!.result).toMatchObject({ exitCode: 0, consistency: 'AppConsistent' });
      expect(r.run.verdict!.result.message).toMatch(/the plugin had logged no verdict, the tags decide$/);
      expect(r.run.execution.status).toBe('Success');
    });

    test('tagged FsConsistent with application consistency required: 120 from the tags', async () => {
      const r = await run({ fail: 'fs-fallback', config: ['log_verdict=false'] });
      expect(r.rc).toBe(0);
      expect(r.run.verdict!.result).toMatchObject({ exitCode: 120, consistency: 'FsConsistent' });
    });

    test('tagged FsConsistent, not required: exit 0, FsConsistent', async () => {
      const r = await run({ fail: 'fs-fallback', config: ['log_verdict=false'], values: { requireAppConsistent: 'false' } });
      expect(r.run.verdict!.result).toMatchObject({ exitCode: 0, consistency: 'FsConsistent' });
      expect(r.run.execution.status).toBe('Success');
    });
  });

  test.each([193, 194])('the plugin exits %i, after which Cloud Assistant would power off or reboot the instance: the wrapper exits 119 and names it', async (code) => {
    const r = await run({ fail: `exit:${code}` });
    expect(r.rc).toBe(PackageExitCode.RESERVED_EXIT_CODE_REPLACED);
    expect(r.result).toMatchObject({ exitCode: 119, consistency: 'Failed' });
    expect(r.result.message).toMatch(new RegExp(`^RESERVED_EXIT_CODE_REPLACED: .*\\(the original exit code was ${code}, after which Cloud Assistant would power off or reboot the instance; UNDOCUMENTED: the plugin exited with code ${code}`));
    expect(r.run.instanceExecution).toMatchObject({ status: 'Failed', failedTask: 'runSnapshot' });
  });

  describe("the plugin manager's own codes (232-247) and the plugin's", () => {
    test("the manager's own failure (DOWNLOAD_FAIL, 240): its code, and its error line kept in the result", async () => {
      const r = await run({ config: ['manager_fail=240'] });
      expect(r.rc).toBe(240);
      expect(r.result).toMatchObject({ exitCode: 240, consistency: 'Failed', snapshotGroupId: null });
      expect(r.result.message).toMatch(/^DOWNLOAD_FAIL: the plugin package could not be downloaded .*\(the plugin manager: ExecutePluginOnlineOrLocal DOWNLOAD_FAIL: Downloading package failed, package\[app-snapshot-plugin\]: context deadline exceeded\)$/);
      expect(r.runs).toHaveLength(0);
    });

    test('the plugin returning 240 itself (no error line of the manager): the plugin\'s own, undocumented code', async () => {
      const r = await run({ fail: 'exit:240' });
      expect(r.rc).toBe(240);
      expect(r.result.message).toMatch(/^UNDOCUMENTED: the plugin exited with code 240; the plugin manager uses 240 for DOWNLOAD_FAIL but printed no error line, so the code is the plugin's own/);
    });

    test('the manager is given --timeout: the deadline plus 30 s, so that it never stops the plugin first', async () => {
      const r = await run();
      expect(r.runs[0].argv).toContain('--timeout=90');
    });

    test('an agent that ignores --timeout (older than 499) stops a hung plugin at its own timeout (247): the wrapper thaws and runs the postscript', async () => {
      const r = await run({ fail: 'hang', config: ['timeout_flag=ignored', 'plugin_timeout=3'] });
      expect(r.rc).toBe(247);
      expect(r.result).toMatchObject({ exitCode: 247, consistency: 'Failed' });
      expect(r.result.message).toMatch(/^EXECUTE_TIMEOUT_ERR: .*\(the plugin manager: ExecutePlugin EXECUTE_TIMEOUT_ERR: Execute plugin timeout, timeout\[3\] err: timeout\)$/);
      expect(r.file('order')).toBe('prescript\npostscript\n');
      expect(r.file('writable')).toBe('yes\n');
      expect(r.file('plugin-processes') ?? '').toBe('');
    });
  });

  test('an empty description is left out of the plugin\'s parameters (CreateSnapshotGroup takes 2-256 characters)', async () => {
    const r = await run({ values: { snapshotDescription: '' } });
    expect(r.rc).toBe(0);
    expect(Object.keys(r.runs[0].params)).not.toContain('Description');
    expect(r.groups[0].Description).toBe('');
    const described = await run({ values: { snapshotDescription: 'Nightly' } });
    expect(described.runs[0].params.Description).toBe('Nightly');
  });

  test('file-system fallback when it is not required: exit 0, FsConsistent, confirmed by the tags', async () => {
    const r = await run({ fail: 'fs-fallback', values: { requireAppConsistent: 'false' } });
    expect(r.rc).toBe(0);
    expect(r.result).toMatchObject({ exitCode: 0, consistency: 'FsConsistent' });
    expect(r.run.verdict!.result).toMatchObject({ exitCode: 0, consistency: 'FsConsistent' });
    expect(r.run.verdict!.result.message).toMatch(/^file-system-consistent: snapshot s-\w+ of disk d-e2edisk000000001 of group ssg-\w+ \(instance i-e2etest000000000001\) carries FsConsistent:True; application consistency was not required$/);
  });

  test('no plugin manager on the instance: its own code', async () => {
    const r = await run({ path: '/usr/sbin:/usr/bin:/sbin:/bin' });
    expect(r.rc).toBe(PackageExitCode.PLUGIN_MANAGER_NOT_FOUND);
    expect(r.result).toMatchObject({ exitCode: 121, consistency: 'Failed', snapshotGroupId: null });
    expect(r.runs).toHaveLength(0);
  });

  test('garbled plugin output with exit 0: no group id and no verdict, so nothing decides: its own code', async () => {
    const r = await run({ fail: 'garbled' });
    expect(r.rc).toBe(PackageExitCode.NO_VERDICT);
    expect(r.result).toMatchObject({ exitCode: 122, consistency: 'Unknown', snapshotGroupId: null });
    expect(r.result.message).toMatch(/named no snapshot group: the snapshots' tags cannot be read back/);
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

  test('a plugin that hangs past the deadline is stopped, in its own process group too; the file system is thawed and the postscript run', async () => {
    const r = await run({ fail: 'hang', timeoutMs: 150_000 });
    expect(r.rc).toBe(PackageExitCode.PLUGIN_TIMED_OUT);
    expect(r.result).toMatchObject({ exitCode: 124, consistency: 'Failed' });
    expect(r.file('writable')).toBe('yes\n');
    expect(r.file('order')).toBe('prescript\npostscript\n');
    // The plugin manager ran the plugin in a process group of its own: stopping the manager
    // alone would have left it running.
    expect(r.file('plugin-processes') ?? '').toBe('');
    expect(r.stdout).toMatch(/Received signal 15, abort and resume I\/O/);
  }, 200_000);

  test('an execution value that breaks the rules is refused by the templates before anything runs', () => {
    expect(() => executionParameters(SYNTH.parent, { snapshotDescription: 'a,b' })).toThrow(/does not match/);
    expect(() => executionParameters(SYNTH.parent, { requireAppConsistent: 'yes' })).toThrow(/is not allowed/);
    expect(() => executionParameters(SYNTH.parent, { instanceTemplateName: 'x.y' })).toThrow(/does not match/);
    expect(() => executionParameters(SYNTH.parent, { postureName: 'a"b' })).toThrow(/does not match/);
    expect(() => executionParameters(SYNTH.parent, { groupName: '-db' })).toThrow(/does not match/);
    // The per-instance template checks what it is given too, should it be executed by hand.
    const given = executionParameters(SYNTH.parent);
    const childValues = (changes: Record<string, unknown>) => ({
      ...Object.fromEntries(Object.keys(SYNTH.instance.Parameters).map((k) => [k, k === 'instanceId' ? INSTANCE : given[k]])),
      ...changes,
    });
    expect(() => executionParameters(SYNTH.instance, childValues({}))).not.toThrow();
    expect(() => executionParameters(SYNTH.instance, childValues({ snapshotDescription: 'a,b' }))).toThrow(/does not match/);
    expect(() => executionParameters(SYNTH.instance, childValues({ instanceId: 'i-x' }))).toThrow(/does not match/);
  });
});
