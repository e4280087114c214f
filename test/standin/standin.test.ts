/**
 * The acs-plugin-manager stand-in, run for real as root in the throwaway sandbox, against
 * loop-mounted ext4 file systems it freezes and copies.
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { PLUGIN_EXIT_CODES, PLUGIN_MANAGER_EXIT_CODES } from '../../lib/plugin/exit-codes';
import {
  encodePluginParams,
  OperatingSystem,
  PLUGIN_NAME,
  pluginParameters,
  PluginParameterValue,
  SNAPSHOT_NAME_PATTERN,
} from '../../lib/plugin/parameters';
import { POSTSCRIPT_PATH, PRESCRIPT_PATH } from '../../lib/plugin/script-paths';
import { isLogLine, logLines, runScenario, ScenarioResult, STANDIN_BIN } from './scenario';

const ROLE = 'AppSnapshotRole';

/** A valid Linux --params= list in the project's encoding, with overrides and omissions. */
function linuxParams(overrides: Record<string, PluginParameterValue> = {}, omit: string[] = []): string {
  const values: Record<string, PluginParameterValue> = {
    RamRoleName: ROLE,
    EnableFsFreeze: true,
    TimeoutInSeconds: 30,
    PreScriptPath: PRESCRIPT_PATH,
    PostScriptPath: POSTSCRIPT_PATH,
    ExcludeDiskId: '',
    Name: 'LinuxApp1',
    Description: 'LinuxApp',
    ...overrides,
  };
  omit.forEach((key) => delete values[key]);
  return encodePluginParams(OperatingSystem.LINUX, values);
}

/** A scenario prelude: one loop-mounted file system with a file on it, the config, the scripts. */
function instance(...configLines: string[]): string {
  const config = ['mounts=/mnt/data', `ram_role=${ROLE}`, ...configLines].map((l) => `'${l}'`).join(' ');
  return [
    'make_fs /mnt/data',
    'echo "seed data" >/mnt/data/seed.txt',
    `write_config ${config}`,
    'install_scripts',
  ].join('\n');
}

const messages = (r: ScenarioResult): string[] => logLines(r.stdout).map((l) => l.message);
const hasMessage = (r: ScenarioResult, text: string): boolean => messages(r).some((m) => m.includes(text));
const lastMessage = (r: ScenarioResult): string | undefined => messages(r).slice(-1)[0];
const timeOf = (r: ScenarioResult, text: string): string => {
  const line = logLines(r.stdout).find((l) => l.message.includes(text));
  if (!line) {
    throw new Error(`no log line with '${text}' in:\n${r.stdout}`);
  }
  return line.time;
};

/** Fails with the scenario's output, so a broken scenario explains itself. */
function expectRc(r: ScenarioResult, rc: number): void {
  if (r.rc !== rc) {
    throw new Error(`expected exit ${rc}, got ${r.rc}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}\n--- sandbox\n${r.sandboxOutput}`);
  }
}

/** The milestones of a Linux run, in order. */
const MILESTONES = [
  'Start app-snapshot-plugin',
  'Check PreScript',
  'Run PreScript',
  'PreScript Done',
  'Freeze Write Request Done',
  'Create SnapshotGroup ssg-',
  'Finish SnapshotGroup=ssg-',
  'Prepare to Thaw FileSystem or Applications',
  'Thaw Write Request Done',
  'PostScript Done',
  'Tag snapshots with',
  'snapshots successfully',
] as const;

type Milestone = (typeof MILESTONES)[number];

/** Where each injected failure ends a run: the last milestone it reaches, and what is left. */
const INJECTED: Record<number, { last: Milestone; group: 'none' | 'failed' | 'untagged' }> = {
  1: { last: 'Start app-snapshot-plugin', group: 'none' },
  2: { last: 'Start app-snapshot-plugin', group: 'none' },
  3: { last: 'Start app-snapshot-plugin', group: 'none' },
  13: { last: 'Start app-snapshot-plugin', group: 'none' },
  16: { last: 'Start app-snapshot-plugin', group: 'none' },
  11: { last: 'PreScript Done', group: 'none' },
  4: { last: 'Freeze Write Request Done', group: 'none' },
  14: { last: 'Freeze Write Request Done', group: 'none' },
  5: { last: 'Create SnapshotGroup ssg-', group: 'failed' },
  6: { last: 'Create SnapshotGroup ssg-', group: 'failed' },
  7: { last: 'Create SnapshotGroup ssg-', group: 'failed' },
  255: { last: 'Create SnapshotGroup ssg-', group: 'failed' },
  12: { last: 'Prepare to Thaw FileSystem or Applications', group: 'untagged' },
  10: { last: 'Thaw Write Request Done', group: 'untagged' },
  8: { last: 'PostScript Done', group: 'untagged' },
  15: { last: 'PostScript Done', group: 'untagged' },
};

describe('acs-plugin-manager stand-in', () => {
  test.each([
    [OperatingSystem.LINUX, 'LINUX_SPEC'],
    [OperatingSystem.WINDOWS, 'WINDOWS_SPEC'],
  ])('its %s parameter table matches lib/plugin/parameters.ts', (os, variable) => {
    const script = fs.readFileSync(path.join(STANDIN_BIN, 'acs-plugin-manager'), 'utf8');
    const spec = new RegExp(`^readonly ${variable}='([^']*)'$`, 'm').exec(script)?.[1];
    const expected = pluginParameters(os).map((p) => `${p.name}:${p.type}:${p.required ? 1 : 0}`);
    expect(spec?.split(' ')).toEqual(expected);
  });

  test('its bash is shellcheck-clean', () => {
    const files = [path.join(STANDIN_BIN, 'acs-plugin-manager'), path.join(__dirname, 'fixtures', 'scenario-lib.sh')];
    const r = spawnSync('shellcheck', ['-S', 'style', ...files], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  test('happy path: scripts in order, file system frozen during the copy, copy equals the content at freeze time', async () => {
    // GIVEN a writer that appends a numbered line every few milliseconds, recording outside the
    // file system when each write has completed
    const r = await runScenario(
      `${instance('copy_delay=1.5')}
      (i=0; while [[ ! -e /run/stop-writer ]]; do
         i=$((i + 1)); echo "$i" >>/mnt/data/counter.log
         echo "$i $(date '+%Y-%m-%d %H:%M:%S.%7N')" >>/run/writer.log; sleep 0.02
       done) &
      writer=$!
      sleep 0.3
      run_linux
      sleep 0.3; touch /run/stop-writer; wait "$writer"
      cp /run/writer.log /run/order "$OUT/"
      cp /mnt/data/counter.log "$OUT/counter.final"
      snap=$(jq -r '.Disks[0].SnapshotPath' "$STATE"/groups/*.json)
      cp "$snap/counter.log" "$OUT/counter.copy"
      cmp /mnt/data/seed.txt "$snap/seed.txt" && echo same >"$OUT/seed-compare"
      probe_writable /mnt/data`,
      { params: linuxParams() },
    );

    // THEN the run succeeds, application-consistent, with the plugin's lines in order
    expectRc(r, 0);
    const order = MILESTONES.map((m) => messages(r).findIndex((msg) => msg.includes(m)));
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(lastMessage(r)).toBe('Take AppConsistent snapshots successfully');
    expect(messages(r)).toContain('Tag snapshots with AppConistent');
    expect(r.stdout).toMatch(/^\[time="[^"]+"\]\[message="Finish SnapshotGroup=ssg-[a-z0-9]{20} Creation, TotalCost=\d+\.\d{7}s, QueryCost=\d+\.\d{7}s"\]$/m);
    expect(r.stdout).toContain('[requestor="\n"]');
    const other = r.stdout.split('\n').filter((l) => l !== '' && !isLogLine(l));
    expect(other).toEqual(['[requestor="', '"]']);

    // the prescript ran before the freeze, the postscript after the thaw
    const scripts = (r.file('order') ?? '').trim().split('\n').map((l) => l.split(' '));
    expect(scripts.map((s) => s[0])).toEqual(['prescript', 'postscript']);
    const stamp = (s: string[]): string => `${s[1]} ${s[2]}`;
    expect(stamp(scripts[0]) < timeOf(r, 'Freeze Write Request Done')).toBe(true);
    expect(stamp(scripts[1]) > timeOf(r, 'Thaw Write Request Done')).toBe(true);

    // the copy holds lines 1..K: exactly the file at freeze time; write K+1 completed only once
    // the thaw had begun, although the writer writes every few milliseconds
    const copy = (r.file('counter.copy') ?? '').trim().split('\n');
    const final = (r.file('counter.final') ?? '').trim().split('\n');
    const k = copy.length;
    expect(k).toBeGreaterThan(1);
    expect(copy).toEqual(final.slice(0, k));
    expect(final.length).toBeGreaterThan(k + 1);
    const writes = new Map((r.file('writer.log') ?? '').trim().split('\n').map((l) => [l.split(' ')[0], l.slice(l.indexOf(' ') + 1)]));
    const firstBlocked = writes.get(String(k + 1)) ?? '';
    expect(firstBlocked >= timeOf(r, 'Prepare to Thaw')).toBe(true);
    expect(r.file('seed-compare')?.trim()).toBe('same');

    // the group is recorded with the tag, and the mount is writable again
    expect(r.groups).toHaveLength(1);
    const group = r.groups[0];
    expect(r.stdout).toContain(`Finish SnapshotGroup=${group.SnapshotGroupId} Creation`);
    expect(group).toMatchObject({ Name: 'LinuxApp1', Description: 'LinuxApp', Status: 'accomplished', Tags: [{ Key: 'APPConsistent', Value: 'True' }] });
    expect(group.Disks.map((d) => d.MountPoint)).toEqual(['/mnt/data']);
    expect(r.runs[0]).toMatchObject({ exitCode: 0, consistency: 'AppConsistent', snapshotGroupId: group.SnapshotGroupId, injected: null });
    expect(r.runs[0].params).toMatchObject({ RamRoleName: ROLE, EnableFsFreeze: 'true', Name: 'LinuxApp1' });
    expect(r.file('probe-after')?.trim()).toBe('writable');
  });

  test('the documented command line, as the shell passes it (quotes removed), is accepted', async () => {
    const r = await runScenario(`${instance()}
      acs-plugin-manager --exec --plugin app-snapshot-plugin --params=-RamRoleName="${ROLE}",-EnableFsFreeze=true,-TimeoutInSeconds=30,-PreScriptPath="/tmp/prescript.sh",-PostScriptPath="/tmp/postscript.sh",-ExcludeDiskId="",-Name="LinuxApp1",-Description="LinuxApp" >"$OUT/stdout" 2>"$OUT/stderr"
      echo $? >"$OUT/rc"`);
    expectRc(r, 0);
    expect(lastMessage(r)).toBe('Take AppConsistent snapshots successfully');
    expect(r.runs[0].argv).toContain(`--params=-RamRoleName=${ROLE},-EnableFsFreeze=true,-TimeoutInSeconds=30,-PreScriptPath=/tmp/prescript.sh,-PostScriptPath=/tmp/postscript.sh,-ExcludeDiskId=,-Name=LinuxApp1,-Description=LinuxApp`);
  });

  describe('falls back to a file-system-consistent snapshot, still exit 0, when the scripts are not right', () => {
    test.each([
      ['the prescript is missing', 'rm /tmp/prescript.sh', linuxParams()],
      ['the postscript is missing', 'rm /tmp/postscript.sh', linuxParams()],
      ['the prescript has mode 755', 'chmod 755 /tmp/prescript.sh', linuxParams()],
      ['the postscript has mode 600', 'chmod 600 /tmp/postscript.sh', linuxParams()],
      ['the prescript has mode 4700', 'chmod 4700 /tmp/prescript.sh', linuxParams()],
      ['the prescript is owned by nobody', 'chown 65534 /tmp/prescript.sh', linuxParams()],
      ['the postscript group is not root', 'chown 0:65534 /tmp/postscript.sh', linuxParams()],
      ['the prescript is a symbolic link', 'mv /tmp/prescript.sh /root/pre.sh && ln -s /root/pre.sh /tmp/prescript.sh', linuxParams()],
      ['the prescript is a directory', 'rm /tmp/prescript.sh && mkdir -m 700 /tmp/prescript.sh', linuxParams()],
      ['the prescript is not at the fixed path', 'cp -p /tmp/prescript.sh /root/prescript.sh', linuxParams({ PreScriptPath: '/root/prescript.sh' })],
      ['no PreScriptPath is given', ':', linuxParams({}, ['PreScriptPath'])],
    ])('%s', async (_what, change, params) => {
      const r = await runScenario(`${instance()}\n${change}\nrun_linux\ncp /run/order "$OUT/" 2>/dev/null\nprobe_writable /mnt/data`, { params });
      expectRc(r, 0);
      expect(lastMessage(r)).toBe('Take FsConsistent snapshots successfully');
      expect(messages(r)).toContain('Tag snapshots with FsConsistent');
      expect(logLines(r.stdout).some((l) => l.level === 'warning' && l.message.endsWith('take FsConsistent snapshots'))).toBe(true);
      expect(hasMessage(r, 'Run PreScript')).toBe(false);
      expect(r.file('order')).toBeUndefined();
      // the file system is still frozen for the snapshot
      expect(hasMessage(r, 'Freeze Write Request Done')).toBe(true);
      expect(r.groups[0].Tags).toEqual([{ Key: 'FsConsistent', Value: 'True' }]);
      expect(r.runs[0].consistency).toBe('FsConsistent');
      expect(r.file('probe-after')?.trim()).toBe('writable');
    });

    test('script_paths=any lets scripts at other paths run', async () => {
      const r = await runScenario(
        `${instance('script_paths=any')}\ncp -p /tmp/prescript.sh /root/prescript.sh\nrun_linux\ncp /run/order "$OUT/"`,
        { params: linuxParams({ PreScriptPath: '/root/prescript.sh' }) },
      );
      expectRc(r, 0);
      expect(lastMessage(r)).toBe('Take AppConsistent snapshots successfully');
      expect(r.file('order')).toMatch(/^prescript .*\npostscript /);
    });
  });

  test('a failing prescript: the run goes on file-system-consistent, skips the postscript and ends 9', async () => {
    const r = await runScenario(`${instance()}\necho 3 >/run/prescript.status\nrun_linux\ncp /run/order "$OUT/"\nprobe_writable /mnt/data`, {
      params: linuxParams(),
    });
    expectRc(r, 9);
    expect(hasMessage(r, `PreScript ${PRESCRIPT_PATH} exited 3: take FsConsistent snapshots`)).toBe(true);
    expect(hasMessage(r, 'Freeze Write Request Done')).toBe(true);
    expect(messages(r)).toContain('Tag snapshots with FsConsistent');
    expect(hasMessage(r, 'successfully')).toBe(false);
    expect(r.file('order')?.trim().split('\n').map((l) => l.split(' ')[0])).toEqual(['prescript']);
    expect(r.groups[0]).toMatchObject({ Status: 'accomplished', Tags: [{ Key: 'FsConsistent', Value: 'True' }] });
    expect(r.file('probe-after')?.trim()).toBe('writable');
  });

  test('a failing postscript ends 10, after the thaw, with the snapshots untagged', async () => {
    const r = await runScenario(`${instance()}\necho 1 >/run/postscript.status\nrun_linux\nprobe_writable /mnt/data`, { params: linuxParams() });
    expectRc(r, 10);
    expect(messages(r).indexOf('Thaw Write Request Done')).toBeLessThan(messages(r).findIndex((m) => m.startsWith('PostScript')));
    expect(hasMessage(r, `PostScript ${POSTSCRIPT_PATH} exited 1`)).toBe(true);
    expect(hasMessage(r, 'Tag snapshots')).toBe(false);
    expect(r.groups[0]).toMatchObject({ Status: 'accomplished', Tags: [] });
    expect(r.file('probe-after')?.trim()).toBe('writable');
  });

  describe('injected failures end with the documented code at their step', () => {
    const codes = PLUGIN_EXIT_CODES.filter((c) => c.code !== 0).map((c) => [c.code, c.name] as const);

    test('every documented failure code has a place in the run', () => {
      expect(Object.keys(INJECTED).map(Number).sort((a, b) => a - b)).toEqual(codes.map(([c]) => c).filter((c) => c !== 9));
    });

    test.each(codes.filter(([c]) => c !== 9))('%i %s', async (code) => {
      const r = await runScenario(`${instance(`fail=${code}`)}\nrun_linux\nprobe_writable /mnt/data`, { params: linuxParams() });
      expectRc(r, code);
      const where = INJECTED[code];
      const reached = MILESTONES.indexOf(where.last);
      // pairs, so that a failure names the milestone
      expect(MILESTONES.map((m) => [m, hasMessage(r, m)])).toEqual(MILESTONES.map((m, i) => [m, i <= reached]));
      expect(logLines(r.stdout).slice(-1)[0]?.level).toBe('error');
      expect(r.runs[0]).toMatchObject({ exitCode: code, injected: String(code) });
      if (where.group === 'none') {
        expect(r.groups).toHaveLength(0);
      } else {
        expect(r.groups).toHaveLength(1);
        expect(r.groups[0].Status).toBe(where.group === 'failed' ? 'failed' : 'accomplished');
        expect(r.groups[0].Tags).toEqual([]);
      }
      expect(r.file('probe-after')?.trim()).toBe('writable');
    });

    test('9 PRESCRIPT_FAILED: the prescript is not run, the snapshot is file-system-consistent', async () => {
      const r = await runScenario(`${instance('fail=9')}\nrun_linux\ncp /run/order "$OUT/" 2>/dev/null\nprobe_writable /mnt/data`, { params: linuxParams() });
      expectRc(r, 9);
      expect(hasMessage(r, 'PreScript could not be run: take FsConsistent snapshots')).toBe(true);
      expect(r.file('order')).toBeUndefined();
      expect(messages(r)).toContain('Tag snapshots with FsConsistent');
      expect(hasMessage(r, 'successfully')).toBe(false);
      expect(r.groups[0].Tags).toEqual([{ Key: 'FsConsistent', Value: 'True' }]);
      expect(r.file('probe-after')?.trim()).toBe('writable');
    });
  });

  describe('the RAM role', () => {
    test('no role attached: 13 before anything runs', async () => {
      const r = await runScenario(
        'make_fs /mnt/data\nwrite_config mounts=/mnt/data\ninstall_scripts\nrun_linux\ncp /run/order "$OUT/" 2>/dev/null',
        { params: linuxParams() },
      );
      expectRc(r, 13);
      expect(lastMessage(r)).toBe('No RAM role is attached to the instance');
      expect(r.file('order')).toBeUndefined();
    });

    test('another role attached: 13', async () => {
      const r = await runScenario(`${instance()}\nrun_linux`, { params: linuxParams({ RamRoleName: 'SomeOtherRole' }) });
      expectRc(r, 13);
      expect(lastMessage(r)).toContain('RAM role SomeOtherRole is not attached');
    });
  });

  describe('rejects a malformed --params= list with 255 before touching anything', () => {
    const valid = linuxParams();
    test.each([
      ['an unknown key', `${valid},-Foo="x"`, /unknown parameter 'Foo'/],
      ['a key of the Windows plugin', `${valid},-EnableWriters=true`, /unknown parameter 'EnableWriters'/],
      ['no RamRoleName', valid.replace(`-RamRoleName="${ROLE}",`, ''), /required parameter 'RamRoleName' is missing/],
      ['no Name', valid.replace('-Name="LinuxApp1",', ''), /required parameter 'Name' is missing/],
      ['an empty Name', valid.replace('-Name="LinuxApp1"', '-Name=""'), /required parameter 'Name' is missing/],
      ['a pair without the leading dash', valid.replace('-Name=', 'Name='), /malformed pair 'Name="LinuxApp1"'/],
      ['a pair without =', `${valid},-Name`, /malformed pair '-Name'/],
      ['an empty pair', `${valid},`, /malformed pair ''/],
      ['an empty list', '', /required parameter '\w+' is missing/],
      ['an unbalanced quote', valid.replace('-Name="LinuxApp1"', '-Name="LinuxApp1'), /unbalanced quote/],
      ['a quote inside a bare value', valid.replace('-Name="LinuxApp1"', '-Name=Linux"App1'), /unbalanced quote/],
      ['a comma inside a quoted value', valid.replace('-Description="LinuxApp"', '-Description="Linux,App"'), /unbalanced quote/],
      ['a non-boolean EnableFsFreeze', valid.replace('EnableFsFreeze=true', 'EnableFsFreeze=yes'), /EnableFsFreeze' must be true or false/],
      ['a quoted boolean', valid.replace('EnableFsFreeze=true', 'EnableFsFreeze="true"'), /must not be quoted/],
      ['a non-integer TimeoutInSeconds', valid.replace('TimeoutInSeconds=30', 'TimeoutInSeconds=30s'), /TimeoutInSeconds' must be a positive integer/],
      ['a zero TimeoutInSeconds', valid.replace('TimeoutInSeconds=30', 'TimeoutInSeconds=0'), /must be a positive integer/],
      ['a negative TimeoutInSeconds', valid.replace('TimeoutInSeconds=30', 'TimeoutInSeconds=-5'), /must be a positive integer/],
      ['a key given twice', `${valid},-Name="Again"`, /'Name' is given twice/],
    ])('%s', async (_what, params, reason) => {
      const r = await runScenario(`${instance()}\nrun_linux\ncp /run/order "$OUT/" 2>/dev/null\nprobe_writable /mnt/data`, { params });
      expectRc(r, 255);
      const lines = logLines(r.stdout);
      expect(lines.slice(-1)[0]).toMatchObject({ level: 'error' });
      expect(lines.slice(-1)[0].message).toMatch(/^Invalid --params: /);
      expect(lines.slice(-1)[0].message).toMatch(reason);
      expect(hasMessage(r, 'Prepare to Freeze')).toBe(false);
      expect(r.file('order')).toBeUndefined();
      expect(r.groups).toHaveLength(0);
      expect(r.runs[0].exitCode).toBe(255);
      expect(r.file('probe-after')?.trim()).toBe('writable');
    });

    test('a Linux key on the Windows plugin', async () => {
      const params = `${encodePluginParams(OperatingSystem.WINDOWS, { RamRoleName: ROLE, Name: 'WinApp1' })},-EnableFsFreeze=true`;
      const r = await runScenario(`${instance()}\nrun_windows`, { params });
      expectRc(r, 255);
      expect(lastMessage(r)).toMatch(/unknown parameter 'EnableFsFreeze' for app-snapshot-plugin-win/);
    });
  });

  describe('the snapshot group name is checked as CreateSnapshotGroup would (4 when refused)', () => {
    test.each(['LinuxApp1', 'a', 'ab', '1abc', 'app_snap.2:x-y', 'has space', 'x'.repeat(128), 'x'.repeat(129), 'https://x'])(
      '%s',
      async (name) => {
        const expected = new RegExp(SNAPSHOT_NAME_PATTERN).test(name) ? 0 : 4;
        const r = await runScenario(`${instance()}\nrun_linux\nprobe_writable /mnt/data`, { params: linuxParams({ Name: name }) });
        expectRc(r, expected);
        expect(r.file('probe-after')?.trim()).toBe('writable');
      },
    );
  });

  describe('the snapshot group description is checked as CreateSnapshotGroup would (2-256, no http(s)://; 4 when refused)', () => {
    test.each<[string, string | undefined, number]>([
      ['left out', undefined, 0],
      ['two characters', 'ab', 0],
      ['256 characters', 'd'.repeat(256), 0],
      ['given empty', '', 4],
      ['one character', 'a', 4],
      ['257 characters', 'd'.repeat(257), 4],
      ['a URL', 'http://example.com', 4],
    ])('%s', async (_what, description, expected) => {
      const params = description === undefined ? linuxParams({}, ['Description']) : linuxParams({ Description: description });
      const r = await runScenario(`${instance()}\nrun_linux`, { params });
      expectRc(r, expected);
      if (expected === 4) expect(lastMessage(r)).toMatch(/InvalidDescription.Malformed/);
      if (expected === 0) expect(r.groups[0].Description).toBe(description ?? '');
    });
  });

  describe('thaw is guaranteed', () => {
    test('when the copy fails (4)', async () => {
      const r = await runScenario(
        `${instance('snapshot_dir=/srv/small')}
        mkdir -p /srv/small && mount -t tmpfs -o size=1m small /srv/small
        head -c 4M /dev/urandom >/mnt/data/big
        run_linux
        probe_writable /mnt/data`,
        { params: linuxParams() },
      );
      expectRc(r, 4);
      expect(lastMessage(r)).toMatch(/copying the disks failed/);
      expect(r.groups[0].Status).toBe('failed');
      expect(r.file('probe-after')?.trim()).toBe('writable');
    });

    test.each([
      // TERM: the plugin thaws and exits 143, which the plugin manager passes on; KILL: the
      // plugin cannot trap it (its watchdog thaws), and the manager reports a plugin killed by a
      // signal as 255 (Go's ExitCode() -1 given to os.Exit).
      ['TERM', 143],
      ['KILL', 255],
    ])('when the plugin process gets SIG%s mid-freeze', async (signal, rc) => {
      const r = await runScenario(
        `${instance('copy_delay=30')}
        start_plugin --exec --plugin app-snapshot-plugin "--params=$PARAMS"
        wait_for_line 'Freeze Write Request Done'
        probe_writable /mnt/data during
        kill -${signal} "$(plugin_pid "$PLUGIN_PID")"
        finish_plugin
        probe_writable /mnt/data after`,
        { params: linuxParams() },
      );
      expectRc(r, rc);
      expect(r.file('probe-during')?.trim()).toBe('frozen');
      expect(r.file('probe-after')?.trim()).toBe('writable');
      if (signal === 'TERM') {
        expect(lastMessage(r)).toBe('Received signal 15, abort and resume I/O');
      }
    });

    test('when the plugin process gets SIGKILL mid-freeze and its parent does not reap it (a zombie)', async () => {
      // the plugin part started directly by a parent that then becomes a sleep, which never
      // reaps its children
      const r = await runScenario(
        `${instance('copy_delay=30')}
        (acs-plugin-manager --standin-plugin-run app-snapshot-plugin "$PARAMS" -- >"$OUT/stdout" 2>"$OUT/stderr" &
         echo $! >/run/plugin.pid; exec sleep 20) &
        holder=$!
        wait_for_line 'Freeze Write Request Done'
        pid=$(</run/plugin.pid)
        kill -KILL "$pid"
        probe_writable /mnt/data after
        awk '{print $3}' "/proc/$pid/stat" >"$OUT/state-after-kill"
        kill "$holder"`,
        { params: linuxParams() },
      );
      expect(r.file('state-after-kill')?.trim()).toBe('Z');
      expect(r.file('probe-after')?.trim()).toBe('writable');
    });

    test('when the freeze outlasts TimeoutInSeconds: the copy is abandoned and the run ends 6', async () => {
      const r = await runScenario(`${instance('copy_delay=20')}\nSECONDS=0\nrun_linux\necho $SECONDS >"$OUT/elapsed"\nprobe_writable /mnt/data`, {
        params: linuxParams({ TimeoutInSeconds: 1 }),
      });
      expectRc(r, 6);
      expect(hasMessage(r, 'Freeze timeout 1s reached, thaw FileSystem')).toBe(true);
      expect(lastMessage(r)).toMatch(/did not finish within TimeoutInSeconds=1/);
      expect(Number(r.file('elapsed'))).toBeLessThan(10);
      expect(r.groups[0].Status).toBe('failed');
      expect(r.file('probe-after')?.trim()).toBe('writable');
    });
  });

  describe('hang', () => {
    test('a caller that kills the plugin manager leaves the plugin running in its own process group, frozen until its freeze timer', async () => {
      const r = await runScenario(
        `${instance('fail=hang')}
        SECONDS=0
        timeout 2 acs-plugin-manager --exec --plugin app-snapshot-plugin "--params=$PARAMS" >"$OUT/stdout" 2>"$OUT/stderr" &
        caller=$!
        wait_for_line 'Create SnapshotGroup'
        plugin=$(plugin_pid "$(child_pid "$caller")")
        wait "$caller"; echo $? >"$OUT/rc"
        kill -0 "$plugin" && echo alive >"$OUT/plugin-after-caller"
        [[ $(awk '{print $5}' "/proc/$plugin/stat") == "$plugin" ]] && echo own >"$OUT/plugin-group"
        probe_writable /mnt/data during
        wait_for_line 'Freeze timeout 8s reached'
        probe_writable /mnt/data after
        kill "$plugin"
        while [[ -e /proc/$plugin ]]; do sleep 0.05; done`,
        { params: linuxParams({ TimeoutInSeconds: 8 }) },
      );
      expectRc(r, 124);
      expect(r.file('plugin-after-caller')?.trim()).toBe('alive');
      expect(r.file('plugin-group')?.trim()).toBe('own');
      expect(r.file('probe-during')?.trim()).toBe('frozen');
      expect(r.file('probe-after')?.trim()).toBe('writable');
    });

    test('a hang is bounded by hang_seconds (then 6), and the freeze timer thaws while it hangs', async () => {
      const r = await runScenario(
        `${instance('fail=hang', 'hang_seconds=4')}
        SECONDS=0
        start_plugin --exec --plugin app-snapshot-plugin "--params=$PARAMS"
        wait_for_line 'Freeze timeout 1s reached'
        probe_writable /mnt/data during
        finish_plugin
        echo $SECONDS >"$OUT/elapsed"`,
        { params: linuxParams({ TimeoutInSeconds: 1 }) },
      );
      expectRc(r, 6);
      expect(r.file('probe-during')?.trim()).toBe('writable');
      expect(Number(r.file('elapsed'))).toBeGreaterThanOrEqual(3);
      expect(lastMessage(r)).toBe('Create SnapshotGroup request timed out');
    });
  });

  test('log_verdict=false: a complete, tagged run that logs no `Take ... successfully` line (its wording is not confirmed)', async () => {
    const r = await runScenario(`${instance('log_verdict=false')}\nrun_linux`, { params: linuxParams() });
    expectRc(r, 0);
    expect(r.stdout).not.toMatch(/successfully/);
    expect(r.stdout).toMatch(/Finish SnapshotGroup=ssg-/);
    expect(r.groups[0].Tags).toEqual([{ Key: 'APPConsistent', Value: 'True' }]);
  });

  test('garbled: noise instead of log lines, no verdict, exit 0', async () => {
    const r = await runScenario(`${instance('fail=garbled')}\nrun_linux`, { params: linuxParams() });
    expectRc(r, 0);
    expect(r.stdout.trim().length).toBeGreaterThan(0);
    expect(logLines(r.stdout)).toEqual([]);
    expect(r.stdout).not.toMatch(/successfully|Finish SnapshotGroup/);
    expect(r.groups[0].Tags).toEqual([{ Key: 'APPConsistent', Value: 'True' }]);
  });

  test('a second run while one is in progress ends 16; the first completes', async () => {
    const r = await runScenario(
      `${instance('copy_delay=2')}
      acs-plugin-manager --exec --plugin app-snapshot-plugin "--params=$PARAMS" >"$OUT/first" 2>&1 &
      first=$!
      wait_for_line 'Freeze Write Request Done' "$OUT/first"
      run_linux
      wait "$first"; echo $? >"$OUT/first-rc"`,
      { params: linuxParams() },
    );
    expectRc(r, 16);
    expect(lastMessage(r)).toMatch(/A previous snapshot is still being created/);
    expect(r.file('first-rc')?.trim()).toBe('0');
    expect(r.file('first')).toMatch(/Take AppConsistent snapshots successfully/);
  });

  test('ExcludeDiskId leaves a disk out of the group but its file system is still frozen', async () => {
    const r = await runScenario(
      `make_fs /mnt/a; make_fs /mnt/b
      echo a >/mnt/a/file; echo b >/mnt/b/file
      write_config 'mounts=/mnt/a=d-diska0001 /mnt/b=d-diskb0001' ram_role=${ROLE}
      install_scripts
      run_linux`,
      { params: linuxParams({ ExcludeDiskId: 'd-diskb0001' }) },
    );
    expectRc(r, 0);
    expect(hasMessage(r, 'Freeze Write Request Done, mount points /mnt/a /mnt/b')).toBe(true);
    expect(r.groups[0].Disks.map((d) => d.DiskId)).toEqual(['d-diska0001']);
    expect(r.groups[0].ExcludeDiskId).toBe('d-diskb0001');
  });

  test('excluding every disk ends 1', async () => {
    const r = await runScenario(
      `make_fs /mnt/a\nwrite_config mounts=/mnt/a=d-diska0001 ram_role=${ROLE}\ninstall_scripts\nrun_linux`,
      { params: linuxParams({ ExcludeDiskId: 'd-diska0001' }) },
    );
    expectRc(r, 1);
    expect(lastMessage(r)).toBe('All attached ESSD Disks were excluded');
  });

  test('EnableFsFreeze=false copies without freezing', async () => {
    const r = await runScenario(`${instance()}\nrun_linux`, { params: linuxParams({ EnableFsFreeze: false }) });
    expectRc(r, 0);
    expect(hasMessage(r, 'Freeze Write Request Done')).toBe(false);
    expect(lastMessage(r)).toBe('Take AppConsistent snapshots successfully');
  });

  test('snapshot group ids are ssg- plus 20 lowercase alphanumerics, one per run, the same for the same run number', async () => {
    const twice = `${instance()}\nrun_linux\nrun_linux`;
    const [a, b] = await Promise.all([runScenario(twice, { params: linuxParams() }), runScenario(twice, { params: linuxParams() })]);
    const ids = (r: ScenarioResult): string[] => r.groups.map((g) => g.SnapshotGroupId);
    expect(ids(a)).toHaveLength(2);
    ids(a).forEach((id) => expect(id).toMatch(/^ssg-[a-z0-9]{20}$/));
    expect(ids(a)[0]).not.toBe(ids(a)[1]);
    expect(ids(b)).toEqual(ids(a));
  });

  describe('Windows plugin (simulated VSS, no freeze, no scripts)', () => {
    const winParams = (enableWriters: boolean): string =>
      encodePluginParams(OperatingSystem.WINDOWS, { RamRoleName: ROLE, EnableWriters: enableWriters, ExcludeDiskId: '', Name: 'APPSnapshot-1', Description: 'AppSnapshot' });

    test.each([
      [true, 'AppConsistent', 'APPConsistent'],
      [false, 'FsConsistent', 'FsConsistent'],
    ])('EnableWriters=%s gives %s', async (writers, consistency, tag) => {
      const r = await runScenario(`${instance()}\nrun_windows\ncp /run/order "$OUT/" 2>/dev/null`, { params: winParams(writers) });
      expectRc(r, 0);
      expect(lastMessage(r)).toBe(`Take ${consistency} snapshots successfully`);
      expect(hasMessage(r, 'Freeze Write Request Done')).toBe(false);
      expect(r.file('order')).toBeUndefined();
      expect(r.groups[0]).toMatchObject({ Plugin: PLUGIN_NAME[OperatingSystem.WINDOWS], Tags: [{ Key: tag, Value: 'True' }] });
    });
  });

  describe('the plugin manager (as the agent\'s acspluginmanager.go does it)', () => {
    test.each(PLUGIN_MANAGER_EXIT_CODES.filter((e) => e.code >= 232 && e.code <= 246 && e.code !== 233).map((e) => [e.code, e.name]))(
      'its own failure %i: the error line `<Func> %s[.<errno>]: <tip>` on stdout, the plugin not run', async (code, name) => {
        const r = await runScenario(`${instance(`manager_fail=${code}`)}\nrun_linux`, { params: linuxParams() });
        expectRc(r, code as number);
        expect(r.stdout.trim()).toMatch(new RegExp(`^[A-Za-z]+ ${name}(\\.[A-Za-z]+)?: \\S`));
        expect(r.runs).toHaveLength(0);
      });

    test('the plugin\'s own exit code passes through, whatever it is (here 193, and 240 without the manager\'s line)', async () => {
      for (const code of [193, 240]) {
        const r = await runScenario(`${instance(`fail=exit:${code}`)}\nrun_linux`, { params: linuxParams() });
        expectRc(r, code);
        expect(r.stdout).not.toMatch(/^[A-Za-z]+ [A-Z_]+(\.[A-Za-z]+)?: /m);
        expect(lastMessage(r)).toBe(`Plugin exited with code ${code}`);
        expect(r.groups[0]).toMatchObject({ Status: 'accomplished', Tags: [{ Key: 'APPConsistent', Value: 'True' }] });
      }
    });

    test.each([
      ['--timeout 2', '', '--timeout 2'],
      ['--timeout=2', '', '--timeout=2'],
      ["the plugin's config.json timeout (2)", 'plugin_timeout=2', ''],
    ])('past its execution timeout (%s) it kills the plugin process only and exits 247; the plugin\'s watchdog thaws', async (_what, config, flag) => {
      const r = await runScenario(
        `${instance('fail=hang', ...(config ? [config] : []))}
        SECONDS=0
        start_plugin --exec --plugin app-snapshot-plugin ${flag} "--params=$PARAMS"
        plugin=$(plugin_pid "$PLUGIN_PID")
        finish_plugin
        echo $SECONDS >"$OUT/elapsed"
        [[ -e /proc/$plugin ]] || echo gone >"$OUT/plugin-after"
        probe_writable /mnt/data after`,
        { params: linuxParams() },
      );
      expectRc(r, 247);
      expect(r.stdout.trim().split('\n').slice(-1)[0]).toBe('ExecutePlugin EXECUTE_TIMEOUT_ERR: Execute plugin timeout, timeout[2] err: timeout');
      expect(Number(r.file('elapsed'))).toBeGreaterThanOrEqual(2);
      expect(Number(r.file('elapsed'))).toBeLessThan(10);
      expect(r.file('plugin-after')?.trim()).toBe('gone');
      expect(r.file('probe-after')?.trim()).toBe('writable');
      // Killed, not ended: the plugin never finished its group.
      expect(r.groups[0].Status).toBe('progressing');
    });

    test('an agent older than version 499 ignores --timeout (an unknown flag): the config.json timeout applies', async () => {
      const r = await runScenario(
        `${instance('fail=hang', 'plugin_timeout=2', 'timeout_flag=ignored')}\nrun_plugin --exec --plugin app-snapshot-plugin --timeout=100 "--params=$PARAMS"`,
        { params: linuxParams() },
      );
      expectRc(r, 247);
      expect(r.stdout).toMatch(/EXECUTE_TIMEOUT_ERR: Execute plugin timeout, timeout\[2\]/);
    });

    test('a --timeout that is not a number is a command-line error (1), and nothing runs', async () => {
      const r = await runScenario(`${instance()}\nrun_plugin --exec --plugin app-snapshot-plugin --timeout=soon "--params=$PARAMS"`, { params: linuxParams() });
      expectRc(r, 1);
      expect(r.stdout).toMatch(/Invalid timeout argument for execution "soon"/);
      expect(r.runs).toHaveLength(0);
    });
  });

  describe('other acs-plugin-manager invocations', () => {
    test('an unknown plugin: PACKAGE_NOT_FOUND, non-zero', async () => {
      const r = await runScenario(`${instance()}\nrun_plugin --exec --plugin no-such-plugin "--params=$PARAMS"`, { params: linuxParams() });
      expectRc(r, 234);
      expect(r.stdout).toMatch(/PACKAGE_NOT_FOUND: Could not found both local and online, package\[no-such-plugin\]/);
      expect(r.runs).toHaveLength(0);
    });

    test('--list names the Linux plugin', async () => {
      const r = await runScenario('run_plugin --list');
      expectRc(r, 0);
      expect(r.stdout).toMatch(/^Name\s+Version\s+Publisher\s+OsType\s+Arch\s+PluginType$/m);
      expect(r.stdout).toMatch(/^app-snapshot-plugin\s+\S+\s+aliyun\s+linux\s+all\s+Once$/m);
    });

    test('no action prints the usage', async () => {
      const r = await runScenario('run_plugin');
      expectRc(r, 0);
      expect(r.stdout).toMatch(/Usage: acs-plugin-manager/);
    });
  });

  describe('configuration errors are the stand-in\'s own code 99', () => {
    test.each([
      ['an unknown key', "write_config mounts=/mnt/data bogus=1 ram_role=x"],
      ['a bad fail value', 'write_config mounts=/mnt/data fail=17'],
      ['a state dir on the frozen file system', 'write_config mounts=/mnt/data state_dir=/mnt/data/state ram_role=x'],
    ])('%s', async (_what, config) => {
      const r = await runScenario(`make_fs /mnt/data\ninstall_scripts\n${config}\nrun_linux\nprobe_writable /mnt/data`, {
        params: linuxParams({ RamRoleName: 'x' }),
      });
      expectRc(r, 99);
      expect(r.stderr).toMatch(/configuration error/);
      expect(r.file('probe-after')?.trim()).toBe('writable');
    });
  });
});
