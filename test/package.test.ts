/**
 * The package as a user gets it: `npm pack`, installed into a new project in a temporary
 * directory (offline, from the npm cache that `npm ci` of this repository fills), the README's
 * construct API example compiled with `tsc --strict` and synthesized with the user's own
 * `ros.App`, its templates compared with the same app synthesized here, and the commands run
 * from the project's node_modules/.bin. The steps run in order; a failed step is named, and the
 * steps after it fail saying which step they needed.
 */
import { SpawnSyncReturns, spawnSync } from 'child_process';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { REPO_ROOT, tempDir } from './helpers';

const PACKAGE = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as PackageJson;
/** What the user's project installs besides the package: the peers, and the compiler and node types. */
const CONSUMER_DEPENDENCIES = [...Object.keys(PACKAGE.peerDependencies ?? {}), 'typescript', '@types/node'];
const EXAMPLE_BEGIN = '<!-- construct-api-example:begin';
const EXAMPLE_END = '<!-- construct-api-example:end -->';
const NOW = '2024-03-08T12:00:00Z';

interface PackageJson {
  name: string;
  devDependencies?: Record<string, string>;
  version: string;
  private?: boolean;
  bin?: Record<string, string>;
  license?: string;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
}

type LockEntry = PackageJson & Record<string, unknown>;
interface Lockfile { lockfileVersion: number; packages: Record<string, LockEntry> }

/**
 * The README's construct API example, verbatim: the ```ts block between the example markers.
 * Fails loudly when the markers or the block are missing, or when the block does not use the
 * package the way a user would.
 */
function constructApiExample(readme: string): string {
  const begin = readme.indexOf(EXAMPLE_BEGIN);
  const end = readme.indexOf(EXAMPLE_END);
  if (begin < 0 || end < begin) {
    throw new Error(`README.md: the construct API example must sit between ${EXAMPLE_BEGIN} ... --> and ${EXAMPLE_END}`);
  }
  const block = /^```ts\n([\s\S]*?)^```$/m.exec(readme.slice(readme.indexOf('-->', begin) + 3, end));
  if (!block) {
    throw new Error('README.md: no ```ts block between the construct API example markers');
  }
  for (const [needed, why] of [[`from '${PACKAGE.name}'`, 'import the package by name'], ['new ros.App(', 'make its own ros.App'], ['.synth()', 'synthesize']]) {
    if (!block[1].includes(needed)) {
      throw new Error(`README.md: the construct API example must ${why} (${needed})`);
    }
  }
  return block[1];
}

/** Where a package required from `from` (a lockfile path) is, following node's lookup. */
function locate(packages: Lockfile['packages'], name: string, from: string): string | undefined {
  for (let base = from; ; base = base.includes('/node_modules/') ? base.slice(0, base.lastIndexOf('/node_modules/')) : '') {
    const candidate = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (!base) return undefined;
  }
}

/**
 * The user's lockfile: the packages they need, at the versions this repository's lockfile pins
 * (those are in the npm cache, since `npm ci` here fetched them), plus the packed tarball. With
 * it, `npm ci --offline` resolves nothing and so needs no registry metadata newer than the cache.
 */
function consumerLockfile(repoLock: Lockfile, root: PackageJson & { dependencies: Record<string, string> }, tarball: string, packed: PackageJson): Lockfile {
  const registry = run('npm', ['config', 'get', 'registry'], REPO_ROOT).stdout.trim().replace(/\/?$/, '/');
  const packages: Lockfile['packages'] = {};
  const visit = (at: string) => {
    if (packages[at]) return;
    const { dev: _d, devOptional: _o, peer: _p, ...entry } = repoLock.packages[at];
    // A lockfile written with omit-lockfile-registry-resolved has no tarball addresses; without
    // them npm would look for each package's registry metadata, which the cache may not hold.
    if (entry.resolved === undefined && entry.inBundle !== true) {
      const name = at.slice(at.lastIndexOf('node_modules/') + 'node_modules/'.length);
      entry.resolved = `${registry}${name}/-/${name.split('/').pop()}-${entry.version}.tgz`;
    }
    packages[at] = entry as LockEntry;
    const optional = { ...entry.optionalDependencies, ...Object.fromEntries(Object.entries(entry.peerDependenciesMeta ?? {}).filter(([, m]) => m.optional)) };
    for (const name of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies, ...entry.peerDependencies })) {
      const found = locate(repoLock.packages, name, at);
      if (found) visit(found);
      else if (!(name in optional)) throw new Error(`${name}, needed by ${at}, is not in package-lock.json`);
    }
  };
  for (const name of [...CONSUMER_DEPENDENCIES, ...Object.keys(packed.dependencies ?? {})]) {
    const found = locate(repoLock.packages, name, '');
    if (!found) throw new Error(`${name} is not in package-lock.json`);
    visit(found);
  }
  packages[`node_modules/${packed.name}`] = {
    name: undefined as unknown as string,
    version: packed.version,
    resolved: `file:../${path.basename(tarball)}`,
    integrity: `sha512-${crypto.createHash('sha512').update(fs.readFileSync(tarball)).digest('base64')}`,
    license: packed.license,
    dependencies: packed.dependencies,
    peerDependencies: packed.peerDependencies,
    bin: packed.bin,
  };
  delete (packages[`node_modules/${packed.name}`] as Partial<LockEntry>).name;
  const sorted = Object.fromEntries(Object.entries(packages).sort(([a], [b]) => a.localeCompare(b)));
  return { lockfileVersion: 3, packages: { '': { name: root.name, version: root.version, dependencies: root.dependencies }, ...sorted } } as Lockfile;
}

/** The *.template.json files of a cloud assembly, by name. */
function templates(dir: string): Record<string, string> {
  return Object.fromEntries(fs.readdirSync(dir).filter((f) => f.endsWith('.template.json')).sort().map((f) => [f, fs.readFileSync(path.join(dir, f), 'utf8')]));
}

/** Runs a command; fails with the command, its status and its output unless it exits with `status`. */
function run(command: string, args: readonly string[], cwd: string, env: Record<string, string | undefined> = {}, status = 0): SpawnSyncReturns<string> {
  const fullEnv: Record<string, string | undefined> = { ...process.env, ...env };
  for (const k of ['APP_SNAPSHOT_CONFIG', 'APP_SNAPSHOT_OUTDIR', 'CDK_OUTDIR', 'NODE_PATH', 'TS_NODE_PROJECT']) if (!(k in env)) delete fullEnv[k];
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', env: fullEnv, maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== status) {
    throw new Error(`\`${[command, ...args].join(' ')}\` in ${cwd} exited ${r.status ?? r.signal} (expected ${status})\n${r.stdout}\n${r.stderr}`.trim());
  }
  return r;
}

describe('what the README says of the package', () => {
  test('the peer dependency table gives package.json\'s ranges and the versions the lockfile tests', () => {
    const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    const lock = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package-lock.json'), 'utf8')) as Lockfile;
    const table = /\| peer dependency \| range \| tested with \|\n\|[-|]+\|\n((?:\|.*\|\n)+)/.exec(readme);
    expect(table).not.toBeNull();
    const rows = table![1].trim().split('\n').map((l) => l.split('|').slice(1, -1).map((c) => c.trim()));
    expect(rows.map(([name, range, tested]) => [name.replace(/`/g, ''), /`([^`]+)`/.exec(range)![1], tested])).toEqual(
      Object.entries(PACKAGE.peerDependencies ?? {}).map(([name, range]) => [name, range, lock.packages[`node_modules/${name}`].version]),
    );
    expect(PACKAGE.devDependencies).toMatchObject(PACKAGE.peerDependencies!);
  });

  test('the construct API example is found between its markers, and a missing one fails loudly', () => {
    expect(constructApiExample(fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8'))).toMatch(/^import \* as ros from '@alicloud\/ros-cdk-core';/);
    expect(() => constructApiExample('## The construct API\n```ts\nconst x = 1;\n```\n')).toThrow(/must sit between <!-- construct-api-example:begin/);
    expect(() => constructApiExample(`${EXAMPLE_BEGIN} -->\n\`\`\`sh\nls\n\`\`\`\n${EXAMPLE_END}`)).toThrow(/no ```ts block between the construct API example markers/);
    expect(() => constructApiExample(`${EXAMPLE_BEGIN} -->\n\`\`\`ts\nimport { X } from './lib';\n\`\`\`\n${EXAMPLE_END}`)).toThrow(/must import the package by name/);
  });
});

describe('the package in a fresh project (npm pack, npm ci --offline, tsc --strict, synth, the commands)', () => {
  const work = tempDir('package-test-');
  const app = path.join(work, 'app');
  const bin = (name: string) => path.join(app, 'node_modules', '.bin', name);
  const installed = path.join(app, 'node_modules', PACKAGE.name);
  let tarball = '';
  let packedFiles: string[] = [];
  let failed: string | undefined;

  /** Runs one step; a failure names it, and later steps fail naming it too. */
  function step(name: string, body: () => void): void {
    if (failed) throw new Error(`step "${name}" not run: step "${failed}" failed before it`);
    try {
      body();
    } catch (e) {
      failed = name;
      throw new Error(`step "${name}" failed: ${(e as Error).message}`);
    }
  }

  afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

  test('1. npm pack: the build, templates, schema and docs; nothing of the tests', () => step('npm pack', () => {
    const r = run('npm', ['pack', '--json', '--pack-destination', work], REPO_ROOT);
    const [report] = JSON.parse(r.stdout.slice(r.stdout.indexOf('['))) as Array<{ filename: string; files: Array<{ path: string }> }>;
    tarball = path.join(work, report.filename);
    packedFiles = report.files.map((f) => f.path).sort();
    for (const needed of ['package.json', 'README.md', 'dist/lib/index.js', 'dist/lib/index.d.ts', 'dist/lib/package-root.js', 'dist/bin/app-snapshot.js',
      'dist/bin/oos-lint.js', 'dist/lib/oos/lint/actions/cloud-product-actions.json', 'schema/posture.schema.json', 'templates/posture/example.posture.yaml',
      'templates/scripts/mysql/prescript.sh', 'templates/oos/linux-snapshot.sh', 'templates/oos/windows-snapshot.ps1', 'docs/quiesce-scripts.md']) {
      expect([needed, packedFiles.includes(needed)]).toEqual([needed, true]);
    }
    expect(packedFiles.filter((f) => /^(test|bench|dist\/test|dist\/bench)\//.test(f) || (/\.ts$/.test(f) && !/\.d\.ts$/.test(f)))).toEqual([]);
  }));

  test('2. npm ci --offline of the tarball, its peers and typescript: one ROS CDK, the commands in node_modules/.bin', () => step('install', () => {
    fs.mkdirSync(app);
    const repoLock = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package-lock.json'), 'utf8')) as Lockfile;
    const pinned = (name: string) => repoLock.packages[`node_modules/${name}`].version;
    const root = {
      name: 'my-backups', version: '1.0.0', private: true,
      dependencies: { [PACKAGE.name]: `file:../${path.basename(tarball)}`, ...Object.fromEntries(CONSUMER_DEPENDENCIES.map((d) => [d, pinned(d)])) },
    };
    const packed = JSON.parse(run('tar', ['-xOzf', tarball, 'package/package.json'], work).stdout) as PackageJson;
    expect(packed.private).toBeUndefined();
    expect(Object.keys(packed.peerDependencies ?? {}).sort()).toEqual(['@alicloud/ros-cdk-core', '@alicloud/ros-cdk-ecs', '@alicloud/ros-cdk-ram', 'constructs']);
    // The audit's SDK and credential chain are the package's own dependencies, not the user's to add.
    expect(packed.dependencies).toMatchObject({ '@alicloud/credentials': expect.any(String), '@alicloud/ecs20140526': expect.any(String), '@alicloud/openapi-core': expect.any(String) });
    fs.writeFileSync(path.join(app, 'package.json'), `${JSON.stringify(root, null, 2)}\n`);
    fs.writeFileSync(path.join(app, 'package-lock.json'), `${JSON.stringify(consumerLockfile(repoLock, root, tarball, packed), null, 2)}\n`);
    try {
      run('npm', ['ci', '--offline', '--no-audit', '--no-fund'], app);
    } catch (e) {
      throw new Error(`${(e as Error).message}\n(an ENOTCACHED error means the npm cache lacks a package: \`npm ci\` in the repository fills it)`);
    }
    const copies = (dir: string): string[] => (fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }) : []).flatMap((e) => {
      const full = path.join(dir, e.name);
      if (!e.isDirectory()) return [];
      if (e.name === 'node_modules') return copies(full);
      const here = full.endsWith(path.join('@alicloud', 'ros-cdk-core')) ? [path.relative(app, full)] : [];
      return [...here, ...copies(path.join(full, 'node_modules')), ...(e.name.startsWith('@') ? copies(full) : [])];
    });
    expect(copies(path.join(app, 'node_modules'))).toEqual([path.join('node_modules', '@alicloud', 'ros-cdk-core')]);
    for (const name of ['app-snapshot', 'oos-lint']) {
      expect(fs.readFileSync(bin(name), 'utf8').startsWith('#!/usr/bin/env node\n')).toBe(true);
    }
  }));

  test('3. the README\'s construct API example compiles with tsc --strict', () => step('compile', () => {
    fs.writeFileSync(path.join(app, 'app.ts'), constructApiExample(fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8')));
    fs.writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2020', module: 'commonjs', strict: true, esModuleInterop: true, types: ['node'], outDir: '.' },
      files: ['app.ts'],
    }));
    run(bin('tsc'), ['-p', '.'], app);
  }));

  test('4. synthesized with the user\'s ros.App, its templates are byte-identical to the same app synthesized here', () => step('synth', () => {
    // GIVEN the script files the example names, in both places
    const repoApp = path.join(work, 'repo-app');
    for (const dir of [app, repoApp]) {
      fs.mkdirSync(path.join(dir, 'scripts'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'scripts', 'db-pre.sh'), '#!/bin/bash\nmysql -e "FLUSH TABLES"\n');
      fs.writeFileSync(path.join(dir, 'scripts', 'db-post.sh'), '#!/bin/bash\ntrue\n');
    }
    // WHEN the compiled app runs in the user's project, and the example runs here from source
    run(process.execPath, ['app.js'], app);
    const example = fs.readFileSync(path.join(app, 'app.ts'), 'utf8');
    fs.writeFileSync(path.join(repoApp, 'app.ts'), example.split(`from '${PACKAGE.name}'`).join(`from ${JSON.stringify(path.join(REPO_ROOT, 'lib'))}`));
    run(process.execPath, ['-r', require.resolve('ts-node/register/transpile-only'), 'app.ts'], repoApp,
      { NODE_PATH: path.join(REPO_ROOT, 'node_modules'), TS_NODE_PROJECT: path.join(REPO_ROOT, 'tsconfig.json') });
    // THEN the same templates, byte for byte
    const mine = templates(path.join(app, 'cdk.out'));
    expect(Object.keys(mine)).toEqual(['Backups.template.json']);
    expect(mine).toEqual(templates(path.join(repoApp, 'cdk.out')));
  }));

  test('5. app-snapshot from node_modules/.bin: synth of the embedded default and of a posture (identical to here), refused input; audit --help and --policy', () => step('app-snapshot synth and audit', () => {
    const r = run(bin('app-snapshot'), ['synth'], app);
    expect(r.stdout).toContain('synthesized from the embedded default (parameterized stack)');
    expect(Object.keys(templates(path.join(app, 'cdk.out')))).toEqual(['AppConsistentSnapshot.template.json']);
    const posture = path.join(installed, 'templates', 'posture', 'example.posture.yaml');
    run(bin('app-snapshot'), ['synth', '--posture', posture, '--out', 'posture.out'], app);
    const here = path.join(work, 'repo-posture.out');
    run(process.execPath, ['-r', require.resolve('ts-node/register/transpile-only'), path.join(REPO_ROOT, 'bin', 'app-snapshot.ts'), 'synth', '--posture', posture, '--out', here], REPO_ROOT);
    expect(fs.readdirSync(path.join(app, 'posture.out')).filter((f) => f.endsWith('.json')).sort()).toEqual(fs.readdirSync(here).filter((f) => f.endsWith('.json')).sort());
    expect(templates(path.join(app, 'posture.out'))).toEqual(templates(here));
    fs.writeFileSync(path.join(app, 'bad.yaml'), 'version: 1\ngroups:\n  - name: db\n    os: linux\n    instances: [i-abcdefgh0001]\n    timeoutSeconds: "30"\n');
    const bad = run(bin('app-snapshot'), ['synth', '--posture', 'bad.yaml', '--out', 'bad.out'], app, {}, 1);
    expect(bad.stderr).toMatch(/^error: `groups\[0\]\.timeoutSeconds` must be a number \(in bad\.yaml\), got "30"$/m);
    expect(fs.existsSync(path.join(app, 'bad.out'))).toBe(false);
    expect(run(bin('app-snapshot'), ['deploy'], app, {}, 2).stderr).toMatch(/^error: unknown command "deploy"/);
    expect(run(bin('app-snapshot'), ['--help'], app).stdout).toMatch(/^usage: app-snapshot <command>/);
    // The audit loads the ECS SDK and the credential chain from the user's node_modules.
    expect(run(bin('app-snapshot'), ['audit', '--help'], app).stdout).toMatch(/^usage: app-snapshot audit .*\n[\s\S]*Exit status: 0 every group complies/);
    expect(JSON.parse(run(bin('app-snapshot'), ['audit', '--policy'], app).stdout).Statement[0].Action).toEqual(['ecs:DescribeInstances', 'ecs:DescribeSnapshotGroups']);
    const refused = run(bin('app-snapshot'), ['audit', '--posture', 'bad.yaml', '--region', 'cn-hangzhou', '--out', 'audit.out'], app, {}, 1);
    expect(refused.stderr).toMatch(/^error: `groups\[0\]\.timeoutSeconds` must be a number \(in bad\.yaml\), got "30"$/m);
    expect(fs.existsSync(path.join(app, 'audit.out'))).toBe(false);
  }));

  test('6. oos-lint from node_modules/.bin checks the standalone OOS templates', () => step('oos-lint', () => {
    const files = fs.readdirSync(path.join(app, 'posture.out')).filter((f) => f.endsWith('.oos.json')).map((f) => path.join('posture.out', f));
    expect(files.length).toBeGreaterThan(0);
    expect(run(bin('oos-lint'), ['--strict', ...files], app).stdout).toMatch(new RegExp(`^${files.length} checked, 0 with errors$`, 'm'));
    fs.writeFileSync(path.join(app, 'broken.oos.json'), JSON.stringify({ FormatVersion: 'OOS-2019-06-01', Tasks: [] }));
    expect(run(bin('oos-lint'), ['broken.oos.json'], app, {}, 1).stdout).toMatch(/1 checked, 1 with errors/);
  }));

  test('7. app-snapshot posture from node_modules/.bin: the report of the package\'s example and of a posture', () => step('app-snapshot posture', () => {
    const example = run(bin('app-snapshot'), ['posture', '--out', 'report', '--now', NOW], app);
    expect(example.stdout).toContain('reporting the example posture');
    const report = JSON.parse(fs.readFileSync(path.join(app, 'report', 'posture.json'), 'utf8'));
    expect(report.groups.map((g: { name: string }) => g.name)).toEqual(['mysql-tier', 'app-tier', 'mssql-tier']);
    fs.copyFileSync(path.join(installed, 'templates', 'posture', 'example.posture.yaml'), path.join(app, 'prod.posture.yaml'));
    run(bin('app-snapshot'), ['posture', '--posture', 'prod.posture.yaml', '--out', 'report2', '--previous', 'report/posture.json', '--now', NOW], app);
    expect(fs.readdirSync(path.join(app, 'report2')).sort()).toEqual(['posture-diff.json', 'posture-diff.md', 'posture.json', 'posture.md']);
    expect(JSON.parse(fs.readFileSync(path.join(app, 'report2', 'posture-diff.json'), 'utf8')).summary).toMatch(/no change/i);
  }));
});
