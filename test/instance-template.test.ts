import * as fs from 'fs';
import * as path from 'path';
import { DefaultAppConsistentSnapshotStack } from '../lib/default-stack';
import { INSTANCE_SELECTORS, INSTANCE_TASKS, SNAPSHOT_TAG_KEYS } from '../lib/instance-template';
import { lintTemplateObject } from '../lib/oos/lint';
import { EXIT_CODES, ExitCodeSource, PackageExitCode, describeExitCode } from '../lib/plugin/exit-codes';
import { OperatingSystem } from '../lib/plugin/parameters';
import { buildPostureStacks, loadPostureFile } from '../lib/posture/loader';
import { buildInstanceDocument, checkAutomationOptions, snapshotTemplateSpec } from '../lib/snapshot-automation';
import {
  MAX_PLUGIN_DEADLINE_SECONDS,
  MAX_RUN_COMMAND_TIMEOUT_SECONDS,
  PLUGIN_MANAGER_TIMEOUT_MARGIN_SECONDS,
  PLUGIN_STOP_GRACE_SECONDS,
  RECOVERY_POSTSCRIPT_SECONDS,
  RECOVERY_THAW_SECONDS,
  VERDICT_TIMEOUT_SECONDS,
  WRAPPER_OVERHEAD_SECONDS,
  checkSnapshotRunTimeout,
  pluginManagerTimeoutSeconds,
} from '../lib/plugin/timeouts';
import { synthesize } from '../lib/synth';
import { EXAMPLE_OOS_TEMPLATES, REPO_ROOT, instanceIds, tempDir, unpackedCommand } from './helpers';

const EXAMPLE = path.join(REPO_ROOT, 'templates', 'posture', 'example.posture.yaml');

type Task = { Name: string; Action: string; Properties: Record<string, any>; Outputs?: Record<string, any>; OnError?: string; OnSuccess?: string };

function instanceDocument(os: OperatingSystem) {
  return buildInstanceDocument(snapshotTemplateSpec({ os, instanceIds: instanceIds(1), roleName: 'R', templateName: 'T' }, 'S')) as unknown as { Tasks: Task[]; Outputs: any; Parameters: any };
}

/** The ECS API calls (ExecuteAPI / CheckFor) of a template, as `Action API`. */
const ecsCalls = (doc: { Tasks: Task[] }) => doc.Tasks.filter((t) => t.Properties.Service === 'ECS').map((t) => `${t.Action} ${t.Properties.API}`);

const EXPECTED_CALLS = [
  'ACS::CheckFor DescribeInstances',
  'ACS::CheckFor DescribeCloudAssistantStatus',
  'ACS::ExecuteAPI DescribeInstanceRamRole',
  'ACS::ExecuteAPI DescribeDisks',
  'ACS::ExecuteAPI DescribeSnapshotGroups',
  'ACS::ExecuteAPI TagResources',
  'ACS::ExecuteAPI DescribeSnapshots',
];

describe('the per-instance template', () => {
  test.each([OperatingSystem.LINUX, OperatingSystem.WINDOWS])('%s: the tasks in order, each stopping the instance when it fails', (os) => {
    const doc = instanceDocument(os);
    expect(doc.Tasks.map((t) => `${t.Name} ${t.Action}`)).toEqual([
      `${INSTANCE_TASKS.checkRunning} ACS::CheckFor`,
      `${INSTANCE_TASKS.checkAgent} ACS::CheckFor`,
      `${INSTANCE_TASKS.ramRole} ACS::ExecuteAPI`,
      `${INSTANCE_TASKS.disks} ACS::ExecuteAPI`,
      `${INSTANCE_TASKS.snapshot} ACS::ECS::RunCommand`,
      `${INSTANCE_TASKS.group} ACS::ExecuteAPI`,
      `${INSTANCE_TASKS.anySnapshot} ACS::Choice`,
      `${INSTANCE_TASKS.tag} ACS::ExecuteAPI`,
      `${INSTANCE_TASKS.snapshots} ACS::ExecuteAPI`,
      `${INSTANCE_TASKS.verdict} ACS::ECS::RunCommand`,
    ]);
    // No transition: each task goes on to the next, and a failing one ends the instance's execution.
    expect(doc.Tasks.filter((t) => t.OnError !== undefined || t.OnSuccess !== undefined)).toEqual([]);
    const task = (name: string) => doc.Tasks.find((t) => t.Name === name)!;
    expect(task(INSTANCE_TASKS.checkRunning).Properties).toMatchObject({ PropertySelector: INSTANCE_SELECTORS.instanceStatus, DesiredValues: ['Running'] });
    expect(task(INSTANCE_TASKS.checkAgent).Properties).toMatchObject({ PropertySelector: INSTANCE_SELECTORS.agentStatus, DesiredValues: ['true'] });
    // Every call is filtered by the instance, but the tagging, which takes the snapshots of the
    // instance's group as read back (one call per snapshot).
    for (const t of doc.Tasks.filter((x) => x.Properties.Service === 'ECS' && x.Name !== INSTANCE_TASKS.tag)) {
      expect(JSON.stringify(t.Properties.Parameters)).toContain('{{ instanceId }}');
    }
    // A group the read back did not find has no snapshot: the tagging loop is skipped.
    expect(task(INSTANCE_TASKS.anySnapshot).Properties).toEqual({
      DefaultTask: INSTANCE_TASKS.tag,
      Choices: [{ When: { 'Fn::Equals': [[], `{{ ${INSTANCE_TASKS.group}.snapshotIds }}`] }, NextTask: INSTANCE_TASKS.snapshots }],
    });
    const tag = task(INSTANCE_TASKS.tag) as Task & { Loop: Record<string, unknown> };
    expect(tag.Properties.Parameters).toEqual({
      RegionId: '{{ regionId }}',
      ResourceType: 'snapshot',
      ResourceId: ['{{ ACS::TaskLoopItem }}'],
      Tag: [{ Key: SNAPSHOT_TAG_KEYS.posture, Value: '{{ postureName }}' }, { Key: SNAPSHOT_TAG_KEYS.group, Value: '{{ groupName }}' }],
    });
    expect(tag.Loop).toEqual({ Items: `{{ ${INSTANCE_TASKS.group}.snapshotIds }}`, RateControl: { Mode: 'Concurrency', MaxErrors: 0, Concurrency: 1 } });
    expect(SNAPSHOT_TAG_KEYS).toEqual({ posture: 'app-snapshot:posture', group: 'app-snapshot:group' });
    // The facts flow from the reads into the commands, and the group id from the snapshot run into the reads back.
    const run = task(INSTANCE_TASKS.snapshot).Properties.commandContent as string;
    expect(run).toContain(`{{ ${INSTANCE_TASKS.ramRole}.roleNames }}`);
    expect(run).toContain(`{{ ${INSTANCE_TASKS.disks}.disks }}`);
    expect(task(INSTANCE_TASKS.group).Properties.Parameters.SnapshotGroupId).toEqual([`{{ ${INSTANCE_TASKS.snapshot}.snapshotGroupId }}`]);
    expect(task(INSTANCE_TASKS.snapshots).Properties.Parameters.SnapshotIds).toBe(`{{ ${INSTANCE_TASKS.group}.snapshotIds }}`);
    const verdict = task(INSTANCE_TASKS.verdict).Properties.commandContent as string;
    for (const ref of ['runSnapshot.snapshotGroupId', 'runSnapshot.logVerdict', 'describeSnapshotGroup.group', 'describeSnapshotGroup.members', 'describeSnapshots.snapshots', 'describeDisks.disks']) {
      expect(verdict).toContain(`{{ ${ref} }}`);
    }
    // The instance's result is the verdict run's result line.
    expect(doc.Outputs).toEqual({ result: { Type: 'Json', Value: `{{ ${INSTANCE_TASKS.verdict}.result }}` } });
    expect(task(INSTANCE_TASKS.verdict).Outputs!.result).toEqual({ Type: 'Json', ValueSelector: INSTANCE_SELECTORS.result });
  });

  test('values read from the API enter the commands as quoted here-documents, never inside shell quotes', () => {
    const doc = instanceDocument(OperatingSystem.LINUX);
    const commands = doc.Tasks.filter((t) => t.Action === 'ACS::ECS::RunCommand').map((t) => t.Properties.commandContent as string);
    for (const command of commands) {
      for (const m of command.matchAll(/\{\{ (\w+\.\w+) \}\}/g)) {
        const line = command.slice(0, m.index!).split('\n').slice(-1)[0];
        expect(`${line}|${m[1]}`).toBe(`|${m[1]}`);
        expect(command.slice(m.index! + m[0].length).startsWith('\nAPP_SNAPSHOT_FACT\n')).toBe(true);
      }
    }
  });

  test('Windows: the same facts as PowerShell here-strings, the preflight and verdict scripts, the exit-code rows each reports', () => {
    const doc = instanceDocument(OperatingSystem.WINDOWS);
    const [run, verdict] = doc.Tasks.filter((t) => t.Action === 'ACS::ECS::RunCommand').map((t) => unpackedCommand(t.Properties.commandContent as string));
    expect(run).toContain("$AppSnapshotDisks = @'\n{{ describeDisks.disks }}\n'@");
    expect(run).toContain("$AppSnapshotAttachedRoles = @'\n{{ describeRamRole.roleNames }}\n'@");
    expect(run.indexOf('function Invoke-Preflight')).toBeLessThan(run.indexOf('\nInvoke-Preflight $AppSnapshotInstanceId'));
    expect(run.indexOf('\nInvoke-Preflight $AppSnapshotInstanceId')).toBeLessThan(run.indexOf('\n$pluginManager = Find-PluginManager'));
    expect(verdict).toContain("$AppSnapshotSnapshots = @'\n{{ describeSnapshots.snapshots }}\n'@");
    expect(verdict).toContain('Stop-Package 127');
    // The rows a command can print (see snapshot-automation.test.ts): the preflight's and every
    // plugin code in the snapshot run, the verdict's own in the verdict run.
    for (const e of EXIT_CODES.filter((x) => x.source !== ExitCodeSource.PACKAGE || x.code === PackageExitCode.PREFLIGHT_FAILED)) expect(run).toContain(`  ${e.code} = '${e.name}|`);
    for (const code of [PackageExitCode.APP_CONSISTENCY_NOT_OBTAINED, PackageExitCode.SNAPSHOTS_NOT_CONFIRMED]) expect(verdict).toContain(`  ${code} = '${describeExitCode(code)!.name}|`);
  });

  test('Linux: the preflight runs before the plugin manager is even looked for', () => {
    const run = unpackedCommand(instanceDocument(OperatingSystem.LINUX).Tasks.find((t) => t.Name === INSTANCE_TASKS.snapshot)!.Properties.commandContent as string);
    expect(run.indexOf('\npreflight_check "$APP_SNAPSHOT_INSTANCE_ID"')).toBeGreaterThan(0);
    expect(run.indexOf('\npreflight_check "$APP_SNAPSHOT_INSTANCE_ID"')).toBeLessThan(run.indexOf('command -v acs-plugin-manager'));
    expect(run).toContain(`fail_package ${PackageExitCode.PREFLIGHT_FAILED} `);
  });
});

describe('every OOS template the package emits', () => {
  const out = tempDir('emitted-');
  const files = synthesize((app) => {
    new DefaultAppConsistentSnapshotStack(app, 'D');
    buildPostureStacks(app, loadPostureFile(EXAMPLE));
  }, out).filter((f) => f.kind === 'oos-template').map((f) => f.file);
  const read = (file: string) => JSON.parse(fs.readFileSync(path.join(out, file), 'utf8'));

  test('are the default stack\'s and the posture example\'s, Linux and Windows, each automation with its per-instance template', () => {
    expect(files).toEqual([
      'D.AutomationInstanceTemplate-Linux.oos.json', 'D.AutomationInstanceTemplate-Windows.oos.json',
      'D.AutomationTemplate-Linux.oos.json', 'D.AutomationTemplate-Windows.oos.json',
      ...EXAMPLE_OOS_TEMPLATES.map((t) => `AppSnapshotProduction.${t}.oos.json`),
    ]);
  });

  test('the per-instance ones hold the preflight and verdict calls, the others run them; all pass the checker in strict mode', () => {
    for (const file of files) {
      const doc = read(file);
      expect(lintTemplateObject(doc, { name: file, strict: true })).toMatchObject({ errorCount: 0, warningCount: 0 });
      // The enrollment, retention, orphan, copy, scheduled and restore-drill templates are tested in their own files.
      if (/-(Enroll|EnrollInstance|Retention|RetentionInstance|Orphans|OrphanInstance|Copy|CopyInstance|CopyJob|Schedule|RestoreTest|RestoreTestRun|RestoreTestCleanup|RestoreTestSchedule)\.oos\.json$/.test(file)) continue;
      if (/Instance/.test(file)) {
        // The MySQL tier locks its application-consistent groups (test/snapshot-lock.test.ts).
        expect(ecsCalls(doc)).toEqual(/mysql-tier/.test(file) ? [...EXPECTED_CALLS, 'ACS::ExecuteAPI LockSnapshot'] : EXPECTED_CALLS);
      } else {
        // A tag-targeted group selects its instances first.
        expect(doc.Tasks.map((t: Task) => t.Action)).toEqual(/app-tier/.test(file) ? ['ACS::SelectTargets', 'ACS::Choice', 'ACS::CheckFor', 'ACS::Template'] : ['ACS::Choice', 'ACS::Template']);
      }
    }
  });

  test('a wrong API, parameter or selector seeded into an emitted per-instance template is each rejected', () => {
    const seed = (change: (doc: { Tasks: Task[] }) => void) => {
      const doc = read('D.AutomationInstanceTemplate-Linux.oos.json');
      change(doc);
      return lintTemplateObject(doc, { name: 'seeded', strict: true }).findings.map((f) => `${f.rule} ${f.path}: ${f.message}`);
    };
    const disks = (doc: { Tasks: Task[] }) => doc.Tasks.find((t) => t.Name === INSTANCE_TASKS.disks)!;
    expect(seed((d) => { disks(d).Properties.API = 'DescribeDisk'; })).toEqual([expect.stringMatching(/^ecs-api Tasks\[3\]\(describeDisks\)\.Properties\.API: ECS has no API `DescribeDisk`/)]);
    expect(seed((d) => { disks(d).Properties.Parameters.InstanceIds = '{{ instanceId }}'; })).toEqual([expect.stringMatching(/^ecs-api .*Parameters\.InstanceIds: `InstanceIds` is not a field of the DescribeDisks request/)]);
    expect(seed((d) => { disks(d).Outputs!.disks.ValueSelector = '.Disks.Disks | length'; })).toEqual([expect.stringMatching(/^ecs-api .*Outputs\.disks\.ValueSelector: `Disks` has no field `Disks` \(it has Disk\)/)]);
    expect(seed((d) => { d.Tasks[0].Properties.PropertySelector = '.Instances.Instance[].State'; })).toEqual([expect.stringMatching(/^ecs-api .*PropertySelector: .*has no field `State`/)]);
  });
});

describe('the RunCommand tasks\' timeouts against the wrapper\'s deadline', () => {
  const specFor = (pluginDeadlineSeconds: number, os = OperatingSystem.LINUX) => snapshotTemplateSpec({ os, instanceIds: instanceIds(1), roleName: 'R', templateName: 'T', pluginDeadlineSeconds }, 'S');
  const task = (doc: { Tasks: Task[] }, name: string) => doc.Tasks.find((t) => t.Name === name)!;

  test.each([60, 600, MAX_PLUGIN_DEADLINE_SECONDS].flatMap((d) => [OperatingSystem.LINUX, OperatingSystem.WINDOWS].map((os) => [d, os] as const)))(
    'deadline %i s (%s): Cloud Assistant\'s timeout covers the deadline, the stop, the thaw, the postscript and the checks; the plugin manager\'s lies between', (deadline, os) => {
    const doc = buildInstanceDocument(specFor(deadline, os)) as unknown as { Tasks: Task[] };
    const timeout = task(doc, INSTANCE_TASKS.snapshot).Properties.timeout as number;
    const recovery = PLUGIN_STOP_GRACE_SECONDS + RECOVERY_THAW_SECONDS + RECOVERY_POSTSCRIPT_SECONDS;
    expect(timeout).toBeGreaterThanOrEqual(deadline + recovery + WRAPPER_OVERHEAD_SECONDS);
    expect(timeout).toBeLessThanOrEqual(MAX_RUN_COMMAND_TIMEOUT_SECONDS);
    expect(pluginManagerTimeoutSeconds(deadline)).toBeGreaterThan(deadline);
    expect(pluginManagerTimeoutSeconds(deadline)).toBeLessThan(timeout);
    expect(task(doc, INSTANCE_TASKS.verdict).Properties.timeout).toBe(VERDICT_TIMEOUT_SECONDS);
    // The wrapper gets the deadline itself; the margin and the recovery bounds are in its body.
    const command = unpackedCommand(task(doc, INSTANCE_TASKS.snapshot).Properties.commandContent);
    if (os === OperatingSystem.LINUX) {
      expect(command).toContain(`APP_SNAPSHOT_DEADLINE_SECONDS='${deadline}'`);
      expect(command).toContain(`APP_SNAPSHOT_MANAGER_TIMEOUT_MARGIN_SECONDS=${PLUGIN_MANAGER_TIMEOUT_MARGIN_SECONDS}`);
      expect(command).toContain(`APP_SNAPSHOT_RECOVERY_POSTSCRIPT_SECONDS=${RECOVERY_POSTSCRIPT_SECONDS}`);
    } else {
      // Windows: no thaw or postscript to wait for (VSS; the wrapper ends the manager's process tree at once).
      expect(command).toContain(`$AppSnapshotDeadlineSeconds = '${deadline}'`);
      expect(command).toContain(`$PluginManagerTimeoutMarginSeconds = ${PLUGIN_MANAGER_TIMEOUT_MARGIN_SECONDS}`);
    }
  });

  test('a task timeout without room for the stop, the thaw and the postscript is refused at synth, naming the field', () => {
    // deadline + 120 s, as the package once set it: Cloud Assistant could kill the wrapper in its recovery.
    expect(() => checkSnapshotRunTimeout('Tasks.runSnapshot.Properties.timeout', 720, 600))
      .toThrow(/`Tasks.runSnapshot.Properties.timeout` must be at least 765 s: the plugin deadline \(600 s\), 15 s to stop the plugin, 30 s to thaw, 60 s for the postscript and 60 s for the wrapper's checks.*got 720/);
    expect(() => checkSnapshotRunTimeout('Tasks.runSnapshot.Properties.timeout', 86_401, 86_236)).toThrow(/must be at most 86400 s/);
    expect(() => checkSnapshotRunTimeout('Tasks.runSnapshot.Properties.timeout', 765, 600)).not.toThrow();
  });

  test('a deadline whose command timeout would pass 86,400 s is refused, naming pluginDeadlineSeconds', () => {
    expect(MAX_PLUGIN_DEADLINE_SECONDS + PLUGIN_STOP_GRACE_SECONDS + RECOVERY_THAW_SECONDS + RECOVERY_POSTSCRIPT_SECONDS + WRAPPER_OVERHEAD_SECONDS).toBe(MAX_RUN_COMMAND_TIMEOUT_SECONDS);
    expect(() => checkAutomationOptions(OperatingSystem.LINUX, { pluginDeadlineSeconds: MAX_PLUGIN_DEADLINE_SECONDS + 1 }))
      .toThrow(new RegExp(`\`pluginDeadlineSeconds\` must be an integer from 60 to ${MAX_PLUGIN_DEADLINE_SECONDS}, got ${MAX_PLUGIN_DEADLINE_SECONDS + 1}`));
    expect(() => checkAutomationOptions(OperatingSystem.LINUX, { pluginDeadlineSeconds: MAX_PLUGIN_DEADLINE_SECONDS })).not.toThrow();
  });
});
