/** The `app-snapshot` dispatcher: help, unknown commands and options, exit statuses. */
import * as fs from 'fs';
import * as path from 'path';
import { COMMANDS, CliCommand, CliIo, ExitStatus, FIRST_OWN_EXIT_STATUS, UsageError, globalUsage, parseOptions, runCli } from '../lib/cli';
import { REPO_ROOT, tempDir } from './helpers';

const EXAMPLE = path.join(REPO_ROOT, 'templates', 'posture', 'example.posture.yaml');

/** Runs the CLI in-process with the given environment; returns the status and what it printed. */
async function cli(argv: readonly string[], env: Record<string, string> = {}, commands: readonly CliCommand[] = COMMANDS) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (l) => out.push(l), err: (l) => err.push(l), env };
  const status = await runCli(argv, io, commands);
  return { status, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('app-snapshot --help', () => {
  test.each([['--help'], ['-h'], ['help']])('%s lists every command with its summary and the exit statuses', async (arg) => {
    const r = await cli([arg]);
    expect(r.status).toBe(ExitStatus.OK);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(globalUsage());
    expect(COMMANDS.map((c) => c.name)).toEqual(['synth', 'posture', 'audit', 'lint']);
    for (const c of COMMANDS) expect(r.stdout).toContain(`  ${c.name}`);
    expect(r.stdout).toContain(COMMANDS[0].summary);
    expect(r.stdout).toMatch(/Exit status: 0 done, 1 refused input or failed check \(nothing written\), 2 wrong command line/);
    expect(r.stdout).toMatch(/\nA command may add statuses of its own outcomes, from 3 on \(audit: 3 findings, 4 the ECS API could not be read\); see its --help\.$/);
  });

  test.each(COMMANDS.map((c) => [c.name]))('%s --help, -h and help %s print the command\'s usage', async (name) => {
    const usage = COMMANDS.find((c) => c.name === name)!.usage;
    expect(usage).toMatch(new RegExp(`^usage: app-snapshot ${name} `));
    expect(usage).toMatch(/Exit status: /);
    for (const argv of [[name, '--help'], [name, '--out', 'x', '-h'], ['help', name]]) {
      const r = await cli(argv);
      expect(r.status).toBe(ExitStatus.OK);
      expect(r.stdout).toBe(usage);
    }
  });

  test('a command\'s own exit statuses start after the shared ones, are distinct, and its help lists them', () => {
    const withOwn = COMMANDS.filter((c) => c.ownExitStatuses !== undefined);
    expect(withOwn.map((c) => c.name)).toEqual(['audit']);
    for (const c of withOwn) {
      const statuses = c.ownExitStatuses!.map(([n]) => n);
      expect(statuses.every((n) => n >= FIRST_OWN_EXIT_STATUS && n <= 125)).toBe(true);
      expect(new Set(statuses).size).toBe(statuses.length);
      for (const [n, meaning] of c.ownExitStatuses!) expect(c.usage).toContain(`${n} ${meaning}`);
    }
  });

  test('--version prints the package name and version', async () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
    const r = await cli(['--version']);
    expect(r.status).toBe(ExitStatus.OK);
    expect(r.stdout).toBe(`ros-app-consistent-snapshot ${version}`);
  });
});

describe('a wrong command line: exit 2 and a clear error', () => {
  test.each<[string, string[], RegExp]>([
    ['no command', [], /^error: no command given \(commands: synth, posture, audit, lint\)\nusage: app-snapshot <command>/],
    ['an unknown command', ['deploy'], /^error: unknown command "deploy" \(commands: synth, posture, audit, lint; see app-snapshot --help\)$/],
    ['an unknown global option', ['--frobnicate'], /^error: unknown option "--frobnicate" \(commands: synth, posture, audit, lint; see app-snapshot --help\)$/],
    ['help on an unknown command', ['help', 'deploy'], /^error: unknown command "deploy"/],
    ['an unknown option of synth', ['synth', '--outdir', 'x'], /^error: unknown option "--outdir" \(options: --posture, --out\) \(see --help\)$/],
    ['a positional argument to synth', ['synth', 'prod.yaml'], /^error: unexpected argument "prod.yaml" \(options: --posture, --out\) \(see --help\)$/],
    ['an option without its value', ['synth', '--posture'], /^error: --posture needs a value \(see --help\)$/],
    ['an empty value', ['posture', '--out='], /^error: --out needs a value \(see --help\)$/],
    ['an option given twice', ['posture', '--now', '2024-01-01T00:00:00Z', '--now=2024-01-02T00:00:00Z'], /^error: --now given twice \(see --help\)$/],
    ['a bad --now', ['posture', '--now', 'tomorrow'], /^error: --now must be an ISO-8601 instant/],
    ['an unknown option of lint', ['lint', '--fix', 'x.json'], /^oos-lint: unknown option --fix/],
  ])('%s', async (_, argv, message) => {
    const dir = tempDir('cli-');
    const r = await cli(argv.map((a) => (a === 'x' ? path.join(dir, 'out') : a)));
    expect(r.status).toBe(ExitStatus.USAGE);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(message);
    expect(fs.readdirSync(dir)).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('parseOptions takes --name VALUE and --name=VALUE', () => {
    expect(parseOptions(['--posture', 'a.yaml', '--out=dir'], ['posture', 'out'])).toEqual({ posture: 'a.yaml', out: 'dir' });
    expect(() => parseOptions(['-p', 'a.yaml'], ['posture'])).toThrow(UsageError);
  });
});

describe('the commands', () => {
  test('synth --posture FILE --out DIR writes the posture\'s stacks; options win over the environment', async () => {
    const out = path.join(tempDir('cli-'), 'assembly');
    const r = await cli(['synth', '--posture', EXAMPLE, '--out', out], { APP_SNAPSHOT_CONFIG: '/nonexistent.yaml', APP_SNAPSHOT_OUTDIR: '/nonexistent-out' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(ExitStatus.OK);
    expect(r.stdout).toContain(`synthesized from posture file ${EXAMPLE}:`);
    expect(r.stdout).toContain(`${out}/AppSnapshotProduction.template.json  (ROS stack template)`);
    expect(fs.existsSync(path.join(out, 'AppSnapshotProduction.template.json'))).toBe(true);
  });

  test('synth: refused input is exit 1 with the field named, and nothing is written', async () => {
    const dir = tempDir('cli-');
    const bad = path.join(dir, 'bad.yaml');
    fs.writeFileSync(bad, 'version: 1\ngroups:\n  - name: db\n    os: linux\n    instances: [i-abcdefgh0001]\n    pluginDeadlineSeconds: 0\n');
    const r = await cli(['synth', '--posture', bad, '--out', path.join(dir, 'out')]);
    expect(r.status).toBe(ExitStatus.FAILED);
    expect(r.stderr).toMatch(/^error: `groups\[0\]\.pluginDeadlineSeconds` /);
    expect(fs.readdirSync(dir)).toEqual(['bad.yaml']);
  });

  test.each([['synth'], ['posture'], ['audit']])('%s: a posture file that cannot be read is named by the option or the variable that gave it', async (name) => {
    const missing = path.join(tempDir('cli-'), 'missing.yaml');
    const byOption = await cli([name, '--posture', missing, '--out', path.join(path.dirname(missing), 'out')]);
    expect(byOption).toEqual({ status: ExitStatus.FAILED, stdout: '', stderr: `error: \`--posture\` must name a readable posture file, got ${JSON.stringify(missing)}` });
    const byVariable = await cli([name, '--out', path.join(path.dirname(missing), 'out')], { APP_SNAPSHOT_CONFIG: missing });
    expect(byVariable.stderr).toBe(`error: \`APP_SNAPSHOT_CONFIG\` must name a readable posture file, got ${JSON.stringify(missing)}`);
    expect(fs.readdirSync(path.dirname(missing))).toEqual([]);
  });

  test('lint runs the OOS template checker with its own exit statuses', async () => {
    const dir = tempDir('cli-');
    fs.writeFileSync(path.join(dir, 'bad.json'), JSON.stringify({ FormatVersion: 'OOS-2019-06-01', Tasks: [] }));
    const r = await cli(['lint', dir]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/1 checked, 1 with errors$/);
  });

  test('a command gets the arguments after its name; --help after -- is its own; its errors are exit 1', async () => {
    const seen: string[][] = [];
    const echo: CliCommand = {
      name: 'echo', summary: 'echo', usage: 'usage: app-snapshot echo',
      async run(argv, io) {
        seen.push([...argv]);
        if (argv[0] === 'fail') throw new Error('it failed\n- first problem\n- second problem');
        io.out(argv.join(' '));
        return 0;
      },
    };
    expect(await cli(['echo', 'a', '--', '--help'], {}, [echo])).toEqual({ status: 0, stdout: 'a -- --help', stderr: '' });
    expect(await cli(['echo', 'fail'], {}, [echo])).toEqual({ status: 1, stdout: '', stderr: 'error: it failed\n- first problem\n- second problem' });
    expect(seen).toEqual([['a', '--', '--help'], ['fail']]);
  });
});
