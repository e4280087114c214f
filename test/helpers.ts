import { SpawnSyncReturns, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as ros from '@alicloud/ros-cdk-core';

/** A ROS template as synthesized. */
export interface RosTemplate {
  Parameters?: Record<string, Record<string, unknown>>;
  Conditions?: Record<string, unknown>;
  Resources: Record<string, { Type: string; Properties: Record<string, any>; DependsOn?: string | string[]; Condition?: string }>;
  Outputs?: Record<string, unknown>;
}

/** A fresh app writing into a private temporary directory. */
export function newApp(): ros.App {
  return new ros.App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'app-snapshot-test-')) });
}

/** Synthesizes the stack's app and returns the stack's template. */
export function templateOf(stack: ros.Stack): RosTemplate {
  const app = stack.node.root as ros.App;
  const assembly = app.synth();
  return assembly.getStackArtifact(stack.artifactId).template as RosTemplate;
}

/** The resources of a type, by logical id. */
export function resourcesOfType(t: RosTemplate, type: string): Array<[string, RosTemplate['Resources'][string]]> {
  return Object.entries(t.Resources).filter(([, r]) => r.Type === type);
}

/** The one resource of a type; fails when there is not exactly one. */
export function onlyResource(t: RosTemplate, type: string): RosTemplate['Resources'][string] {
  const found = resourcesOfType(t, type);
  if (found.length !== 1) {
    throw new Error(`expected one ${type}, found ${found.length}`);
  }
  return found[0][1];
}

/** Instance ids i-test0000000000001 ... */
export function instanceIds(n: number, prefix = 'test'): string[] {
  return Array.from({ length: n }, (_, i) => `i-${prefix}${String(i + 1).padStart(12, '0')}`);
}

/** The repository's root. */
export const REPO_ROOT = path.join(__dirname, '..');

/**
 * Runs a command of bin/ from source, as the npm scripts do (`runBin('app-snapshot', ['synth'])`).
 * `env` is added to this process's environment; a variable given as undefined is removed.
 */
export function runBin(name: string, args: readonly string[], options: { cwd?: string; env?: Record<string, string | undefined> } = {}): SpawnSyncReturns<string> {
  const env: Record<string, string | undefined> = { ...process.env, TS_NODE_PROJECT: path.join(REPO_ROOT, 'tsconfig.json'), ...options.env };
  for (const [k, v] of Object.entries(env)) if (v === undefined) delete env[k];
  return spawnSync(process.execPath, ['-r', require.resolve('ts-node/register/transpile-only'), path.join(REPO_ROOT, 'bin', `${name}.ts`), ...args], {
    cwd: options.cwd ?? REPO_ROOT, encoding: 'utf8', env,
  });
}

/** The sandbox harness (a throwaway root, see test/harness/sandbox.sh). */
export const SANDBOX = path.join(REPO_ROOT, 'test', 'harness', 'sandbox.sh');

/** A private temporary directory, removed by the caller. */
export function tempDir(prefix = 'app-snapshot-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** The ALIYUN::OOS::Template resource named `templateName`, with its logical id. */
export function templateNamed(t: RosTemplate, templateName: string): { id: string; resource: RosTemplate['Resources'][string] } {
  const found = resourcesOfType(t, 'ALIYUN::OOS::Template').filter(([, r]) => r.Properties.TemplateName === templateName);
  if (found.length !== 1) throw new Error(`expected one template named ${templateName}, found ${found.length}`);
  return { id: found[0][0], resource: found[0][1] };
}

/** Whether a task is a parent's loop over its per-instance template (ACS::Template). */
export const isLoopTask = (task: { Action?: unknown }): boolean => task.Action === 'ACS::Template';

/** A parent template's loop task: the one ACS::Template task. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function loopTaskOf(doc: { Tasks: readonly any[] }): any {
  const found = doc.Tasks.filter(isLoopTask);
  if (found.length !== 1) throw new Error(`expected one ACS::Template task, found ${found.length}`);
  return found[0];
}

/**
 * The automation of a group in a synthesized template: the template to execute (its task runs
 * ACS::Template) and the per-instance template, with their parsed contents. Fails unless the
 * stack holds exactly one of each (pass `prefix`, a logical-id prefix, to pick a group).
 */
export function automationOf(t: RosTemplate, prefix = '') {
  const templates = resourcesOfType(t, 'ALIYUN::OOS::Template').filter(([id]) => id.startsWith(prefix))
    .map(([id, r]) => ({ id, resource: r, content: JSON.parse(r.Properties.Content) }));
  const parents = templates.filter((x) => x.content.Tasks.some(isLoopTask));
  const children = templates.filter((x) => !x.content.Tasks.some(isLoopTask));
  if (parents.length !== 1 || children.length !== 1) {
    throw new Error(`expected one automation and one per-instance template, found ${parents.length} and ${children.length}`);
  }
  const task = (name: string) => children[0].content.Tasks.find((x: { Name: string }) => x.Name === name);
  return { parent: parents[0], instance: children[0], task };
}

/**
 * A command with its packed body (gzip + Base64, see packShellBody and packPowerShellBody)
 * decoded in place, for reading.
 */
export function unpackedCommand(command: string): string {
  const m = /^if ! APP_SNAPSHOT_BODY=\$\(base64 -d <<'APP_SNAPSHOT_BODY_EOF' \| gunzip\)[^\n]*\n([A-Za-z0-9+/=\n]+?)\nAPP_SNAPSHOT_BODY_EOF\n[\s\S]*?\nfi\neval "\$APP_SNAPSHOT_BODY"\n/m.exec(command)
    ?? /^\$AppSnapshotBody = @'\n([A-Za-z0-9+/=\n]+?)\n'@\n[\s\S]*?\n\. \(\[ScriptBlock\]::Create\(\$AppSnapshotSource\)\)\n/m.exec(command);
  if (!m) {
    return command;
  }
  const body = require('zlib').gunzipSync(Buffer.from(m[1].replace(/\n/g, ''), 'base64')).toString('utf8') as string;
  return command.slice(0, m.index) + body + command.slice(m.index + m[0].length);
}

/**
 * The OOS templates of templates/posture/example.posture.yaml, in the order synthesis writes them:
 * per group the per-instance snapshot template, the automation, then (tag targets) the enrollment
 * pair, (retention) the retention pair and (schedule) the scheduled template.
 */
export const EXAMPLE_OOS_TEMPLATES: readonly string[] = [
  ...['mysql-tier', 'app-tier', 'mssql-tier'].flatMap((g) => [
    `AppConsistentSnapshot-${g}-Instance`, `AppConsistentSnapshot-${g}`,
    ...(g === 'app-tier' ? [`AppConsistentSnapshot-${g}-EnrollInstance`, `AppConsistentSnapshot-${g}-Enroll`] : []),
    `AppConsistentSnapshot-${g}-RetentionInstance`, `AppConsistentSnapshot-${g}-Retention`,
    // Orphan clean-up (mysql-tier, app-tier) and copies (mysql-tier).
    ...(g !== 'mssql-tier' ? [`AppConsistentSnapshot-${g}-OrphanInstance`, `AppConsistentSnapshot-${g}-Orphans`] : []),
    ...(g === 'mysql-tier' ? [`AppConsistentSnapshot-${g}-CopyJob`, `AppConsistentSnapshot-${g}-CopyInstance`, `AppConsistentSnapshot-${g}-Copy`] : []),
    `AppConsistentSnapshot-${g}-Schedule`,
    ...(g === 'mysql-tier' ? ['RestoreTestRun', 'RestoreTestCleanup', 'RestoreTest', 'RestoreTestSchedule'].map((t) => `AppConsistentSnapshot-${g}-${t}`) : []),
  ]),
];
