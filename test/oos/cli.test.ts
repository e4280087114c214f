import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { EXIT_USAGE, runOosLint } from '../../lib/oos/lint/cli';
import { runBin } from '../helpers';
import { CORPUS_DIR, validTemplate } from './fixtures';

/** Runs the real command from source (the test of the package runs its build from node_modules/.bin). */
function oosLint(...args: string[]) {
  const run = runBin('oos-lint', args);
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('the oos-lint command', () => {
  let dir: string;
  beforeAll(() => {
    // GIVEN a directory with a good JSON template, a good YAML one in a subdirectory, a bad one
    // and a file that is not a template
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oos-lint-'));
    fs.mkdirSync(path.join(dir, 'good', 'nested'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'good', 'snapshot.json'), JSON.stringify(validTemplate(), null, 2));
    fs.writeFileSync(path.join(dir, 'good', 'nested', 'snapshot.yaml'), stringify(validTemplate()));
    fs.writeFileSync(path.join(dir, 'good', 'notes.txt'), 'not a template');
    const bad = validTemplate();
    bad.Tasks[1].OnError = 'cleanUp';
    fs.writeFileSync(path.join(dir, 'bad.yml'), stringify(bad));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('exits 0 with the closing line when no template has an error', () => {
    const run = oosLint(path.join(dir, 'good'));
    expect(run.status).toBe(0);
    expect(run.stdout.trim().split('\n')).toEqual(['2 checked, 0 with errors']);
  });

  test('exits 1 and names the file, rule and path of each error', () => {
    const run = oosLint(path.join(dir, 'good'), path.join(dir, 'bad.yml'));
    expect(run.status).toBe(1);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^${path.join(dir, 'bad.yml').replace(/[.\\]/g, '\\$&')}: error transitions Tasks\\[1\\]\\(waitForRunning\\)\\.OnError: `));
    expect(lines[lines.length - 1]).toBe('3 checked, 1 with errors');
  });

  test('--json prints a machine-readable report', () => {
    const run = oosLint('--json', path.join(dir, 'bad.yml'));
    expect(run.status).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ checked: 1, withErrors: 1, strict: false });
    expect(report.files[0].findings).toEqual([
      expect.objectContaining({ rule: 'transitions', severity: 'error', path: 'Tasks[1](waitForRunning).OnError' }),
    ]);
  });

  test('--strict fails a published template that passes by default', () => {
    // (corpus.test.ts shows it passes by default)
    const file = path.join(CORPUS_DIR, 'CloudProductActions', 'ECS', 'YAML', 'ACS__ECS__RunCommand.yml');
    const strict = oosLint('--strict', file);
    expect(strict.status).toBe(1);
    expect(strict.stdout).toMatch(/1 checked, 1 with errors\n$/);
  });

  test('exits 2 on usage errors', () => {
    const run = oosLint();
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^oos-lint: no file or directory given\nusage: oos-lint/);
  });

  test('refuses unknown options and missing paths as usage errors', () => {
    // In-process: the argument handling is the same code, without a process to start per case.
    const run = (...args: string[]) => {
      const err: string[] = [];
      const status = runOosLint(args, { out: () => undefined, err: (line) => err.push(line) });
      return { status, err: err.join('\n') };
    };
    expect(run('--frobnicate', dir)).toEqual({ status: EXIT_USAGE, err: expect.stringMatching(/unknown option --frobnicate/) });
    expect(run(path.join(dir, 'missing.json'))).toEqual({ status: EXIT_USAGE, err: expect.stringMatching(/no such file or directory/) });
    expect(run('--', path.join(dir, 'good'))).toEqual({ status: 0, err: '' });
  });
});
