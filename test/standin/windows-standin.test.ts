/**
 * The Windows plugin manager stand-in (test/standin/bin-windows), run for real as root in the
 * throwaway sandbox: how it takes its command line, splits --params= as the agent does, reports
 * its own failures and times the plugin out; and taskkill.exe's stand-in. The plugin behind it
 * is the shared simulation of test/standin/bin (see standin.test.ts).
 */
import * as fs from 'fs';
import * as path from 'path';
import { PLUGIN_MANAGER_EXIT_CODES } from '../../lib/plugin/exit-codes';
import { OperatingSystem, encodePluginParams } from '../../lib/plugin/parameters';
import { LAUNCHER, pwshPath, writeCloudAssistantScript } from '../powershell';
import { REPO_ROOT } from '../helpers';
import { ScenarioResult, WINDOWS_STANDIN_BIN, logLines, runScenario } from './scenario';

const ROLE = 'AppSnapshotRole';
const PLUGIN = 'app-snapshot-plugin-win';

/** The Windows --params= list in the package's encoding. */
function params(overrides: Record<string, string | boolean> = {}): string {
  return encodePluginParams(OperatingSystem.WINDOWS, {
    RamRoleName: ROLE, EnableWriters: true, ExcludeDiskId: '', Name: 'WinApp1', Description: 'Application-consistent snapshot', ...overrides,
  });
}

/** A Windows instance for the plugin: one "disk" (a directory: nothing is frozen on Windows) and the configuration. */
function instance(...configLines: string[]): string {
  const config = ['mounts=/data=d-windisk0000001', `ram_role=${ROLE}`, ...configLines].map((l) => `'${l}'`).join(' ');
  return `mkdir -p /data && echo seed >/data/seed.txt\nwrite_config ${config}`;
}

/** A bash word for an argument. */
const word = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

function expectRc(r: ScenarioResult, rc: number): void {
  if (r.rc !== rc) {
    throw new Error(`expected exit ${rc}, got ${r.rc}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}\n--- sandbox\n${r.sandboxOutput}`);
  }
}

/** Runs the Windows manager stand-in with these arguments (as .NET hands them over on Linux). */
const manager = (args: string[], ...config: string[]) =>
  runScenario(`${instance(...config)}\nrun_windows_manager ${args.map(word).join(' ')}`);

describe('Windows plugin manager stand-in: the command line', () => {
  test('the wrapper\'s command line: the plugin gets its five parameters, the description whole', async () => {
    const list = params();
    const r = await manager(['--exec', '--plugin', PLUGIN, '--timeout', '630', `--params=${list}`]);
    expectRc(r, 0);
    expect(r.managerRuns).toHaveLength(1);
    expect(r.managerRuns[0]).toMatchObject({
      plugin: PLUGIN, params: list, timeout: 630, exitCode: 0, error: null,
      commandLine: `acs-plugin-manager.exe --exec --plugin ${PLUGIN} --timeout 630 "--params=${list}"`,
      pluginArgs: [`-RamRoleName=${ROLE}`, '-EnableWriters=true', '-ExcludeDiskId=', '-Name=WinApp1', '-Description=Application-consistent snapshot'],
    });
    expect(r.runs[0]).toMatchObject({ plugin: PLUGIN, exitCode: 0, consistency: 'AppConsistent' });
    expect(r.runs[0].params).toEqual({ RamRoleName: ROLE, EnableWriters: 'true', ExcludeDiskId: '', Name: 'WinApp1', Description: 'Application-consistent snapshot' });
    expect(r.groups[0]).toMatchObject({ Plugin: PLUGIN, Description: 'Application-consistent snapshot', Tags: [{ Key: 'APPConsistent', Value: 'True' }] });
  });

  test.each([
    ['a value without quotes is cut at its space', '-Description=a b', undefined],
    ['a comma becomes a space even inside quotes', "-Description='a,b'", 'a b'],
    ['a backslash outside quotes is eaten', '-Description=C:\\d\\x', 'C:dx'],
    ['single quotes keep backslashes', "-Description='C:\\d\\x'", 'C:\\d\\x'],
    ['# inside a value is a character', "-Description='a #b'", 'a #b'],
  ])('--params= as the agent splits it: %s', async (_what, description, expected) => {
    const list = `-RamRoleName=${ROLE},-Name=WinApp1,${description}`;
    const r = await manager(['--exec', '--plugin', PLUGIN, `--params=${list}`]);
    if (expected === undefined) {
      expectRc(r, 255);
      expect(logLines(r.stdout).slice(-1)[0].message).toBe("Invalid --params: malformed argument 'b': expected -Key=Value");
    } else {
      expectRc(r, 0);
      expect(r.runs[0].params.Description).toBe(expected);
    }
  });

  test.each([
    ['# at the start of an argument drops the rest', `-RamRoleName=${ROLE},-Name=WinApp1,#,-Description='x'`, [`-RamRoleName=${ROLE}`, '-Name=WinApp1']],
    ['an unclosed quote drops its argument and what follows', `-RamRoleName=${ROLE},-Name=WinApp1,-Description='x,-EnableWriters=true`, [`-RamRoleName=${ROLE}`, '-Name=WinApp1']],
    ['a trailing backslash drops its argument', `-RamRoleName=${ROLE},-Name=WinApp1,-Description=x\\`, [`-RamRoleName=${ROLE}`, '-Name=WinApp1']],
  ])('shlex quirks: %s', async (_what, list, args) => {
    const r = await manager(['--exec', '--plugin', PLUGIN, `--params=${list}`]);
    expectRc(r, 0);
    expect(r.managerRuns[0].pluginArgs).toEqual(args);
  });

  test('--params= with nothing after = takes the next argument whole, --separator and --paramsV2 change the split', async () => {
    const r = await runScenario(`${instance()}
      run_windows_manager --exec --plugin ${PLUGIN} --params= ${word(`-RamRoleName=${ROLE},-Name=WinApp1`)}; cp $OUT/rc $OUT/rc1
      run_windows_manager --exec --plugin ${PLUGIN} --separator ';' ${word(`--params=-RamRoleName=${ROLE};-Name=WinApp1;-Description='a,b'`)}; cp $OUT/rc $OUT/rc2
      run_windows_manager --exec --plugin ${PLUGIN} ${word(`--paramsV2=-RamRoleName=${ROLE} -Name=WinApp1 -Description='a,b'`)}`);
    expect([r.file('rc1'), r.file('rc2'), r.file('rc')]).toEqual(['0\n', '0\n', '0\n']);
    expect(r.managerRuns.map((m) => m.pluginArgs)).toEqual([
      [`-RamRoleName=${ROLE}`, '-Name=WinApp1'],
      [`-RamRoleName=${ROLE}`, '-Name=WinApp1', '-Description=a,b'],
      [`-RamRoleName=${ROLE}`, '-Name=WinApp1', '-Description=a,b'],
    ]);
  });

  test.each([
    ['--params given twice', ['--exec', '--plugin', PLUGIN, '--params=-Name=a', '--params=-Name=b'], /--params duplicated/],
    ['a value for a flag that takes none', ['--exec=yes', '--plugin', PLUGIN], /flag --exec can't be assiged/],
    ['a flag without its value', ['--exec', '--plugin'], /--plugin must be assigned with value/],
    ['a timeout that is not a number', ['--exec', '--plugin', PLUGIN, '--timeout', 'abc', `--params=${params()}`], /Invalid timeout argument for execution "abc"/],
  ])('usage errors end with 1 before the plugin runs: %s', async (_what, args, message) => {
    const r = await manager(args);
    expectRc(r, 1);
    expect(r.stdout).toMatch(message);
    expect(r.runs).toHaveLength(0);
  });

  test.each([
    ['a double quote, which .NET and Windows may split differently', '--params=-Description=say"hi"'],
    ['a space and a trailing backslash, which 5.1 and 7 quote differently', 'C:\\Program Files\\'],
  ])('refuses an argument holding %s (98, the stand-in\'s own code), never guessing', async (_what, arg) => {
    const r = await manager(['--exec', '--plugin', PLUGIN, arg]);
    expectRc(r, 98);
    expect(r.stderr).toMatch(/\(Windows stand-in\): argument \[.*\] holds/);
    expect(r.runs).toHaveLength(0);
  });
});

describe('Windows plugin manager stand-in: its own exit codes', () => {
  test('an unknown plugin: PACKAGE_NOT_FOUND 234 with the manager\'s line', async () => {
    const r = await manager(['--exec', '--plugin', 'no-such-plugin', `--params=${params()}`]);
    expectRc(r, 234);
    expect(r.stdout).toBe('ExecutePluginOnlineOrLocal PACKAGE_NOT_FOUND: Could not found both local and online, package[no-such-plugin] version[]\n');
  });

  const injectable = PLUGIN_MANAGER_EXIT_CODES.filter((e) => ![233, 244, 245, 247].includes(e.code));
  test.each(injectable.map((e) => [e.code, e.name]))('manager_fail=%i: `<Func> %s: <tip>` on stdout, no errno suffix, the plugin never runs', async (code, name) => {
    const r = await manager(['--exec', '--plugin', PLUGIN, `--params=${params()}`], `manager_fail=${code}`);
    expectRc(r, code as number);
    expect(r.stdout).toMatch(new RegExp(`^(ExecutePlugin|ExecutePluginOnlineOrLocal) ${name}: \\S.*\\n$`));
    expect(r.runs).toHaveLength(0);
    expect(r.managerRuns[0].error).toMatch(new RegExp(` ${name}$`));
  });

  test('the codes it never raises when it executes a plugin on Windows are refused as configuration (99)', async () => {
    for (const code of [233, 244, 245, 247]) {
      const r = await manager(['--exec', '--plugin', PLUGIN, `--params=${params()}`], `manager_fail=${code}`);
      expectRc(r, 99);
    }
  });

  test('a plugin that returns one of the manager\'s numbers: the code passes through, with no manager line', async () => {
    const r = await manager(['--exec', '--plugin', PLUGIN, `--params=${params()}`], 'fail=exit:240');
    expectRc(r, 240);
    expect(r.stdout).not.toMatch(/DOWNLOAD_FAIL/);
    expect(r.runs[0]).toMatchObject({ exitCode: 240, injected: 'exit:240' });
  });

  test('the execution timeout (--timeout) kills the plugin process, not its children, and exits 247', async () => {
    const r = await runScenario(`${instance('fail=hang', 'hang_seconds=40')}
      SECONDS=0
      run_windows_manager --exec --plugin ${PLUGIN} --timeout 2 ${word(`--params=${params()}`)}
      echo $SECONDS >$OUT/elapsed
      pgrep -f '^sleep 40$' >/dev/null && echo alive >$OUT/child
      pgrep -f 'standin-plugin-run' >/dev/null || echo gone >$OUT/plugin`);
    expectRc(r, 247);
    expect(r.stdout.trimEnd().split('\n').slice(-1)[0]).toBe('ExecutePlugin EXECUTE_TIMEOUT_ERR: Execute plugin timeout, timeout[2] err: timeout');
    expect(Number(r.file('elapsed'))).toBeLessThan(10);
    expect(r.file('plugin')).toBe('gone\n');
    expect(r.file('child')).toBe('alive\n');
    expect(r.managerRuns[0]).toMatchObject({ timeout: 2, exitCode: 247 });
  });

  test('without --timeout the plugin\'s own (config.json) timeout applies, 60 s unless configured; 0 means none', async () => {
    const r = await runScenario(`${instance('fail=hang', 'hang_seconds=3', 'plugin_timeout=1')}
      run_windows_manager --exec --plugin ${PLUGIN} ${word(`--params=${params()}`)}; cp $OUT/rc $OUT/rc1
      run_windows_manager --exec --plugin ${PLUGIN} --timeout 0 ${word(`--params=${params()}`)}`);
    expect(r.file('rc1')).toBe('247\n');
    // Unlimited: the hang ends by itself after hang_seconds, as the plugin's code 6.
    expectRc(r, 6);
    expect(r.managerRuns.map((m) => m.timeout)).toEqual([1, 0]);
    const dflt = await manager(['--exec', '--plugin', PLUGIN, `--params=${params()}`]);
    expect(dflt.managerRuns[0].timeout).toBe(60);
  });
});

describe('Windows plugin manager stand-in, called by PowerShell', () => {
  const WORK = path.join(REPO_ROOT, 'test-results', 'standin-windows');

  /** Runs PowerShell text as a command file through the launcher, with the Windows stand-ins first on PATH. */
  async function powershell(text: string, ...config: string[]): Promise<ScenarioResult> {
    fs.mkdirSync(WORK, { recursive: true });
    const dir = fs.mkdtempSync(path.join(WORK, 'run-'));
    try {
      writeCloudAssistantScript(path.join(dir, 'launch.ps1'), LAUNCHER);
      writeCloudAssistantScript(path.join(dir, 'command.ps1'), text);
      return await runScenario(`${instance(...config)}
        PATH=${WINDOWS_STANDIN_BIN}:${path.dirname(pwshPath())}:/usr/bin:/bin ${pwshPath()} -NoProfile -File ${dir}/launch.ps1 ${dir}/command.ps1 >$OUT/stdout 2>$OUT/stderr
        echo $? >$OUT/rc`);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  test('the old encoding through a native call: 5.1 passes -Description="..." unescaped and the description is cut in two', async () => {
    const old = `-RamRoleName="${ROLE}",-EnableWriters=true,-ExcludeDiskId="",-Name="WinApp1",-Description="Application-consistent snapshot"`;
    const r = await powershell(`$list = '${old}'\r\n& acs-plugin-manager --exec --plugin ${PLUGIN} "--params=$list"\r\nexit $LASTEXITCODE\r\n`);
    expectRc(r, 255);
    expect(r.managerRuns[0].pluginArgs.slice(-2)).toEqual(['-Description=Application-consistent', 'snapshot']);
    expect(logLines(r.stdout).slice(-1)[0].message).toBe("Invalid --params: malformed argument 'snapshot': expected -Key=Value");
  });

  test('the new encoding arrives whole, by a native call (5.1 wraps the argument in quotes) and by one command line (Start-Process)', async () => {
    const list = params().replace(/'/g, "''");
    const r = await powershell([
      `$list = '${list}'`,
      `& acs-plugin-manager --exec --plugin ${PLUGIN} "--params=$list"`,
      `$p = Start-Process -FilePath (Get-Command acs-plugin-manager).Path -ArgumentList ('--exec --plugin ${PLUGIN} "--params={0}"' -f $list) -NoNewWindow -PassThru -Wait`,
      'exit $p.ExitCode',
    ].join('\r\n'));
    expectRc(r, 0);
    expect(r.managerRuns).toHaveLength(2);
    for (const m of r.managerRuns) {
      expect(m.pluginArgs.slice(-1)).toEqual(['-Description=Application-consistent snapshot']);
    }
    expect(r.runs.map((x) => x.params.Description)).toEqual(['Application-consistent snapshot', 'Application-consistent snapshot']);
  });

  test('an argument PowerShell 7 would quote differently from 5.1 is refused, not passed as 7 passes it', async () => {
    const r = await powershell(`& acs-plugin-manager --exec --plugin ${PLUGIN} 'C:\\Program Files\\'\r\nexit $LASTEXITCODE\r\n`);
    expectRc(r, 98);
  });
});

describe('taskkill.exe stand-in', () => {
  const tree = `bash -c 'sleep 31 & sleep 32 & wait' & root=$!
    sleep 0.3`;

  test('/PID <pid> /T /F ends the process and every process it started', async () => {
    const r = await runScenario(`${tree}
      ${WINDOWS_STANDIN_BIN}/taskkill.exe /PID $root /T /F >$OUT/stdout 2>$OUT/stderr; echo $? >$OUT/rc
      sleep 0.2
      pgrep -f '^sleep 3[12]$' >/dev/null && echo alive >$OUT/children || echo gone >$OUT/children`);
    expectRc(r, 0);
    expect(r.stdout).toMatch(/^SUCCESS: The process with PID \d+ has been terminated\.$/m);
    expect(r.stdout.match(/\(child process of PID \d+\) has been terminated/g)).toHaveLength(2);
    expect(r.file('children')).toBe('gone\n');
  });

  test('without /T only the process itself; an unknown process 128; another form 1', async () => {
    const r = await runScenario(`${tree}
      ${WINDOWS_STANDIN_BIN}/taskkill.exe /pid $root /f >/dev/null; echo $? >$OUT/rc1
      sleep 0.2
      pgrep -f '^sleep 3[12]$' | wc -l >$OUT/children
      ${WINDOWS_STANDIN_BIN}/taskkill.exe /PID 999999 /F 2>$OUT/stderr; echo $? >$OUT/rc2
      ${WINDOWS_STANDIN_BIN}/taskkill.exe /IM sleep /F 2>/dev/null; echo $? >$OUT/rc`);
    expect(r.file('rc1')).toBe('0\n');
    expect(r.file('children')).toBe('2\n');
    expect(r.file('rc2')).toBe('128\n');
    expect(r.stderr).toBe('ERROR: The process "999999" not found.\n');
    expectRc(r, 1);
  });
});
