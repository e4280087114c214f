import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { exitCodeMarkdownTable } from '../lib/plugin/exit-codes';
import { parsePosture } from '../lib/posture/loader';
import { Schedule } from '../lib/schedule';
import { REPO_ROOT } from './helpers';

const README = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');

describe('README', () => {
  test('the exit-code table equals the single source', () => {
    const m = /<!-- exit-codes:begin[^>]*-->\n([\s\S]*?)\n<!-- exit-codes:end -->/.exec(README);
    expect(m).not.toBeNull();
    expect(m![1]).toBe(exitCodeMarkdownTable());
  });

  test('gives exactly the two set-up commands, and they exist', () => {
    const m = /## Set-up: the two commands\n\n```sh\n([\s\S]*?)```/.exec(README);
    const lines = m![1].trim().split('\n').map((l) => l.replace(/\s+#.*$/, ''));
    expect(lines).toEqual(['npm install && npm run synth', 'npm test']);
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8'));
    expect(pkg.scripts.synth).toBeDefined();
    expect(pkg.scripts.test).toBeDefined();
    expect(fs.readFileSync(path.join(REPO_ROOT, '.ci', 'run'), 'utf8')).toMatch(/^npm test$/m);
  });

  test('the posture file example with every key loads, its lock, copies and orphan clean-up as commented', () => {
    const block = [...README.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]).find((y) => y.startsWith('version: 1'));
    const doc = YAML.parse(block!);
    // The example lists every key of a group: the Windows-only one is left out of this Linux group.
    delete doc.groups[0].vssWriters;
    const posture = parsePosture(doc, REPO_ROOT);
    expect(posture.groups[0].options).toMatchObject({
      retention: { keepLast: 7, maxAgeDays: 30, deleteOrphans: true, orphanRetentionDays: 30 },
      lock: { days: 21, coolOffHours: 24 },
      copy: { regions: ['cn-shanghai'], retentionDays: 30, kmsKeyIds: { 'cn-shanghai': 'key-sh0001' }, maxInFlight: 4 },
    });
  });

  test('the TypeScript snippets compile against the package', () => {
    const snippets = [...README.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
    expect(snippets.length).toBeGreaterThan(0);
    const dir = path.join(REPO_ROOT, 'test-results', 'readme-snippets');
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    snippets.forEach((s, i) => fs.writeFileSync(path.join(dir, `snippet${i}.ts`), s));
    fs.writeFileSync(path.join(dir, 'tsconfig.json'), JSON.stringify({
      extends: '../../tsconfig.json',
      compilerOptions: { noEmit: true, rootDir: '../..', baseUrl: '../..', paths: { 'ros-app-consistent-snapshot': ['lib/index.ts'] }, noUnusedLocals: false },
      include: ['*.ts'],
    }));
    const r = spawnSync('npx', ['tsc', '-p', path.join(dir, 'tsconfig.json')], { cwd: REPO_ROOT, encoding: 'utf8' });
    expect(r.stdout + r.stderr).not.toMatch(/error TS/);
    expect(r.status).toBe(0);
  });
});

describe('README: common schedules', () => {
  const m = /<!-- schedules:begin[^>]*-->\n([\s\S]*?)\n<!-- schedules:end -->/.exec(README);
  const rows = (m ? m[1].split('\n').slice(2) : []).map((line) => line.split('|').slice(1, -1).map((c) => c.trim()));

  test('the table is there', () => {
    expect(rows.length).toBeGreaterThanOrEqual(6);
  });

  test.each(rows.map((r) => [r[0], r[1], r[2]]))('%s: %s is valid and reads "%s"', (_, cell, words) => {
    const value = YAML.parse(cell.replace(/^`|`$/g, ''));
    const schedule = typeof value === 'string'
      ? Schedule.parse(value)
      : Schedule.parse(value.expression, { timeZone: value.timeZone, endDate: value.endDate === undefined ? undefined : String(value.endDate) });
    expect(schedule.describe()).toBe(words);
    expect(schedule.nextRuns(1, new Date('2026-01-01T00:00:00Z'))).toHaveLength(1);
  });
});
