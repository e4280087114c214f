/**
 * End to end without the cloud: the synthesized enrollment templates executed as OOS would
 * (oos-runtime.ts) over a fleet of instances (fleet-standin.ts): instances selected by tags, the
 * snapshot role attached where none is held, an instance holding another role failed with the
 * reason, and the script installation run for real, with bash as root in a throwaway root, on
 * every instance enrolled.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ros from '@alicloud/ros-cdk-core';
import { FleetEnrollment, FleetEnrollmentProps } from '../../lib/enrollment';
import { ExecutionRole } from '../../lib/execution-role';
import { OperatingSystem } from '../../lib/plugin/parameters';
import { POSTSCRIPT_PATH, PRESCRIPT_PATH } from '../../lib/plugin/script-paths';
import { QuiesceScripts } from '../../lib/quiesce-scripts';
import { Schedule } from '../../lib/schedule';
import { AppConsistentSnapshotStack } from '../../lib/stack';
import { deterministicSynthesizer, synthesize } from '../../lib/synth';
import { REPO_ROOT, tempDir } from '../helpers';
import { ScenarioResult, runScenario } from '../standin/scenario';
import { FleetInstance, FleetStandIn, FleetStandInOptions } from './fleet-standin';
import { Execution, OosTemplate, runTemplate } from './oos-runtime';

const ROLE = 'AppSnapshot-db';
const OTHER_ROLE = 'Legacy-Web';
const TAGS = { app: 'orders', tier: 'db' };
const SCRIPTS = QuiesceScripts.generic();
const EXPECTED_SCRIPTS = SCRIPTS.render();
/** Outside /tmp: the sandbox mounts a fresh /tmp, but sees the rest of the host's tree. */
const WORK = path.join(REPO_ROOT, 'test-results', 'enrollment');

interface Synthesized {
  readonly parent: OosTemplate;
  readonly instance: OosTemplate;
  readonly instanceTemplateName: string;
  /** The actions of the synthesized execution role's policy. */
  readonly executionActions: string[];
}

/** Synthesizes a stack with the enrollment and its execution role; returns the templates as deployed. */
function synth(props: Partial<FleetEnrollmentProps> = {}): Synthesized {
  const out = tempDir('enroll-synth-');
  try {
    synthesize((app) => {
      const stack = new ros.Stack(app, 'Fleet', { synthesizer: deterministicSynthesizer() });
      const enrollment = new FleetEnrollment(stack, 'Db', {
        os: OperatingSystem.LINUX, targetTags: TAGS, roleName: ROLE, templateName: 'Snapshots-db', scripts: SCRIPTS, executionRoleName: 'AppSnapshot-oos', ...props,
      } as FleetEnrollmentProps);
      new ExecutionRole(stack, 'Execution', { roleName: 'AppSnapshot-oos', templates: [enrollment.executedTemplate] });
    }, out);
    const stack = JSON.parse(fs.readFileSync(path.join(out, 'Fleet.template.json'), 'utf8'));
    const resources = Object.values(stack.Resources) as Array<{ Type: string; Properties: Record<string, any> }>;
    const template = (name: string) => resources.find((r) => r.Type === 'ALIYUN::OOS::Template' && r.Properties.TemplateName === name)!;
    const role = resources.find((r) => r.Type === 'ALIYUN::RAM::Role')!;
    return {
      parent: JSON.parse(template('Snapshots-db-Enroll').Properties.Content),
      instance: JSON.parse(template('Snapshots-db-EnrollInstance').Properties.Content),
      instanceTemplateName: 'Snapshots-db-EnrollInstance',
      executionActions: role.Properties.Policies[0].PolicyDocument.Statement[0].Action,
    };
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

const LINUX = synth();

/** A Running instance with Cloud Assistant up. */
function instance(id: string, tags: Record<string, string>, roles: string[] = []): FleetInstance {
  return { id, status: 'Running', agent: 'true', roles, tags };
}

/** What the installation left on an instance (the command run twice in one sandbox: it must be idempotent). */
interface Install {
  readonly first: { readonly rc: string | undefined; readonly stdout: string | undefined };
  readonly sandbox: ScenarioResult;
}

interface Enrollment {
  readonly execution: Execution;
  /** The per-instance executions, by instance id. */
  readonly children: Map<string, Execution>;
  readonly installs: Map<string, Install>;
}

/** Executes the enrollment template over the fleet; installations run for real, in a sandbox each. */
async function enroll(synthesized: Synthesized, fleet: FleetStandIn, values: Record<string, unknown> = {}): Promise<Enrollment> {
  fs.mkdirSync(WORK, { recursive: true });
  const dir = fs.mkdtempSync(path.join(WORK, 'run-'));
  const installs = new Map<string, Install>();
  try {
    const execution = await runTemplate(synthesized.parent, values, {
      templates: { [synthesized.instanceTemplateName]: synthesized.instance },
      callApi: (service, api, parameters) => fleet.call(service, api, parameters),
      runCommand: async (task, instanceId, commandType, content) => {
        expect({ task, commandType }).toEqual({ task: 'installScripts', commandType: 'RunShellScript' });
        // Cloud Assistant reaches only a Running instance whose agent is up.
        expect(fleet.instance(instanceId)).toMatchObject({ status: 'Running', agent: 'true' });
        const file = path.join(dir, `${instanceId}.sh`);
        fs.writeFileSync(file, content);
        const sandbox = await runScenario(`
          bash ${file} > $OUT/first.stdout 2>&1; echo $? > $OUT/first.rc
          bash ${file} > $OUT/stdout 2> $OUT/stderr; echo $? > $OUT/rc
          for s in ${PRESCRIPT_PATH} ${POSTSCRIPT_PATH}; do
            stat -c '%U:%G %a' "$s" > "$OUT/$(basename "$s").stat" && cp "$s" "$OUT/$(basename "$s")"
          done
        `);
        installs.set(instanceId, { first: { rc: sandbox.file('first.rc'), stdout: sandbox.file('first.stdout') }, sandbox });
        return { output: sandbox.stdout, exitCode: sandbox.rc ?? -1 };
      },
    });
    // The loop runs the per-instance template for the items in order: the selected ids, or the ids given.
    const items = (execution.taskOutputs.selectInstances?.instanceIds ?? values.instanceIds ?? synthesized.parent.Parameters.instanceIds?.Default ?? []) as string[];
    const children = new Map((execution.children.enrollInstances ?? []).map((child, i) => [items[i], child]));
    return { execution, children, installs };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The per-instance execution of an instance, which must have failed. */
function failedChild(e: Enrollment, id: string): Execution {
  const child = e.children.get(id);
  expect(child?.status).toBe('Failed');
  return child!;
}

/** The instances AttachInstanceRamRole was called for. */
const attachCalls = (fleet: FleetStandIn) => fleet.calls.filter((c) => c.api === 'AttachInstanceRamRole').map((c) => [c.parameters.InstanceIds, c.parameters.RamRoleName]);

/** Both scripts installed for real: root:root 0700 with the synthesized content, by a command that succeeds twice. */
function expectInstalled(install: Install | undefined): void {
  expect(install).toBeDefined();
  const { first, sandbox } = install!;
  expect({ first: first.rc?.trim(), second: sandbox.rc }).toEqual({ first: '0', second: 0 });
  expect(first.stdout).toContain('install-scripts: OK: prescript postscript installed and verified');
  expect(sandbox.stdout).toContain('install-scripts: OK: prescript postscript installed and verified');
  expect(sandbox.file('prescript.sh.stat')).toBe('root:root 700\n');
  expect(sandbox.file('postscript.sh.stat')).toBe('root:root 700\n');
  expect(sandbox.file('prescript.sh')).toBe(EXPECTED_SCRIPTS.prescript);
  expect(sandbox.file('postscript.sh')).toBe(EXPECTED_SCRIPTS.postscript);
}

/** Every API the stand-in answered, and RunCommand when a command ran, is an action of the execution role. */
function expectAllowed(synthesized: Synthesized, fleet: FleetStandIn, e: Enrollment): void {
  const used = new Set(fleet.calls.map((c) => `ecs:${c.api}`));
  if (used.has('ecs:AttachInstanceRamRole')) used.add('ram:PassRole');
  if (e.installs.size > 0) used.add('ecs:RunCommand');
  expect(synthesized.executionActions).toEqual(expect.arrayContaining([...used]));
}

describe('enrollment of a fleet selected by tags', () => {
  const fleetOf = (): FleetInstance[] => [
    instance('i-norole000000001', TAGS),
    instance('i-ours0000000001', TAGS, [ROLE]),
    instance('i-other000000001', TAGS, [OTHER_ROLE]),
    instance('i-norole000000002', TAGS),
    instance('i-untagged0000001', {}),
    instance('i-webtier0000001', { app: 'orders', tier: 'web' }),
  ];

  test('no role: attached; ours: left; another: that instance fails its role check, which names the role it holds, the others proceed within MaxErrors; the untagged are never touched', async () => {
    const fleet = new FleetStandIn({ instances: fleetOf(), roleNames: [ROLE, OTHER_ROLE] });
    const e = await enroll(LINUX, fleet, { rateControl: { Mode: 'Concurrency', Concurrency: 10, MaxErrors: 1 } });

    expect(e.execution.status).toBe('Success');
    // The selection: DescribeInstances filtered by the tags, as SelectTargets calls it.
    expect(fleet.calls[0]).toEqual({ api: 'DescribeInstances', parameters: { RegionId: 'cn-hangzhou', Tag: [{ Key: 'app', Value: 'orders' }, { Key: 'tier', Value: 'db' }] } });
    expect(e.execution.children.enrollInstances).toHaveLength(4);
    expect(e.execution.outputs.enrolled).toEqual([
      { instanceId: 'i-norole000000001', roleAttached: true },
      { instanceId: 'i-ours0000000001', roleAttached: false },
      { instanceId: 'i-norole000000002', roleAttached: true },
    ]);
    // Attached only where no role was held, one instance a call, with our role.
    expect(attachCalls(fleet)).toEqual([[['i-norole000000001'], ROLE], [['i-norole000000002'], ROLE]]);
    expect(fleet.state.instances.map((i) => [i.id, i.roles])).toEqual([
      ['i-norole000000001', [ROLE]], ['i-ours0000000001', [ROLE]], ['i-other000000001', [OTHER_ROLE]],
      ['i-norole000000002', [ROLE]], ['i-untagged0000001', []], ['i-webtier0000001', []],
    ]);
    // The instance holding another role fails at the role check (an ACS::CheckFor whose value is
    // the role it holds, the group's being desired), before anything changes.
    const other = failedChild(e, 'i-other000000001');
    expect(other.failedTask).toBe('checkRamRole');
    expect(other.message).toMatch(/is \["Legacy-Web"\], not one of the desired values \["AppSnapshot-db"\]$/);
    expect(other.ran).toEqual(['checkInstanceRunning', 'checkCloudAssistant', 'describeRamRole', 'whetherToAttach', 'checkRamRole']);
    // The instance holding the group's role went from the choice to the installation: no attachment, no check.
    expect(e.children.get('i-ours0000000001')!.ran).toEqual(['checkInstanceRunning', 'checkCloudAssistant', 'describeRamRole', 'whetherToAttach', 'installScripts']);
    expect(e.children.get('i-norole000000001')!.ran).toEqual(['checkInstanceRunning', 'checkCloudAssistant', 'describeRamRole', 'whetherToAttach', 'attachRamRole', 'checkRamRole', 'installScripts']);
    // The scripts, installed for real on each instance enrolled, and only there.
    expect([...e.installs.keys()]).toEqual(['i-norole000000001', 'i-ours0000000001', 'i-norole000000002']);
    for (const install of e.installs.values()) expectInstalled(install);
    // Neither untagged instance was named in any call, nor had a command run.
    expect(fleet.touched()).not.toContain('i-untagged0000001');
    expect(fleet.touched()).not.toContain('i-webtier0000001');
    expectAllowed(LINUX, fleet, e);
  });

  test('with MaxErrors 0 (the default) the instance holding another role fails the execution', async () => {
    const fleet = new FleetStandIn({ instances: fleetOf(), roleNames: [ROLE, OTHER_ROLE] });
    const e = await enroll(LINUX, fleet);
    expect(e.execution).toMatchObject({ status: 'Failed', failedTask: 'enrollInstances' });
    expect(e.execution.message).toMatch(/^1 of 4 items failed, more than MaxErrors 0/);
    expect(failedChild(e, 'i-other000000001').message).toMatch(/\["Legacy-Web"\], not one of the desired values \["AppSnapshot-db"\]/);
    expect(fleet.instance('i-other000000001')!.roles).toEqual([OTHER_ROLE]);
  });

  test('a newly tagged instance is enrolled by the next run; those already enrolled are left as they are', async () => {
    const fleet = new FleetStandIn({
      instances: [instance('i-first00000001', TAGS), instance('i-second0000001', TAGS, [ROLE]), instance('i-newcomer000001', { app: 'orders' })],
      roleNames: [ROLE],
    });
    const first = await enroll(LINUX, fleet);
    expect(first.execution.status).toBe('Success');
    expect(first.execution.outputs.enrolled).toEqual([
      { instanceId: 'i-first00000001', roleAttached: true }, { instanceId: 'i-second0000001', roleAttached: false }]);
    expect(fleet.instance('i-newcomer000001')!.roles).toEqual([]);
    expect(fleet.touched()).not.toContain('i-newcomer000001');

    // Between two runs, someone adds the missing tag.
    fleet.instance('i-newcomer000001')!.tags.tier = 'db';
    const callsBefore = fleet.calls.length;
    const second = await enroll(LINUX, fleet);
    expect(second.execution.status).toBe('Success');
    expect(second.execution.outputs.enrolled).toEqual([
      { instanceId: 'i-first00000001', roleAttached: false },
      { instanceId: 'i-second0000001', roleAttached: false },
      { instanceId: 'i-newcomer000001', roleAttached: true },
    ]);
    expect(fleet.calls.slice(callsBefore).filter((c) => c.api === 'AttachInstanceRamRole').map((c) => c.parameters.InstanceIds)).toEqual([['i-newcomer000001']]);
    expect(fleet.instance('i-newcomer000001')!.roles).toEqual([ROLE]);
    // The installation runs again everywhere (it is idempotent), and for the first time on the newcomer.
    expect([...second.installs.keys()]).toEqual(['i-first00000001', 'i-second0000001', 'i-newcomer000001']);
    expectInstalled(second.installs.get('i-newcomer000001'));
  });

  test('an instance that is stopped or whose agent is down fails its check and is left unchanged; the others proceed', async () => {
    const stopped = { ...instance('i-stopped0000001', TAGS), status: 'Stopped' };
    const noAgent = { ...instance('i-noagent0000001', TAGS), agent: 'false' };
    const fleet = new FleetStandIn({ instances: [stopped, noAgent, instance('i-healthy0000001', TAGS)], roleNames: [ROLE] });
    const e = await enroll(LINUX, fleet, { rateControl: { Mode: 'Concurrency', Concurrency: 10, MaxErrors: 2 } });
    expect(e.execution.status).toBe('Success');
    expect(failedChild(e, 'i-stopped0000001')).toMatchObject({ failedTask: 'checkInstanceRunning' });
    expect(failedChild(e, 'i-noagent0000001')).toMatchObject({ failedTask: 'checkCloudAssistant' });
    expect(attachCalls(fleet)).toEqual([[['i-healthy0000001'], ROLE]]);
    expect(stopped.roles).toEqual([]);
    expect(noAgent.roles).toEqual([]);
    expect([...e.installs.keys()]).toEqual(['i-healthy0000001']);
    expectInstalled(e.installs.get('i-healthy0000001'));
  });

  test.each<[string, FleetStandInOptions['attachFailure']]>([
    ['per instance in FailCount', 'results'],
    ['as an API error', 'error'],
  ])('a role attached meanwhile by someone else: AttachInstanceRamRole reports it %s, and the instance fails with ECS\'s reason', async (_, attachFailure) => {
    const fleet = new FleetStandIn({ instances: [instance('i-raced000000001', TAGS)], roleNames: [ROLE, OTHER_ROLE] }, {
      attachFailure,
      beforeAttach: (state, ids) => { state.instances.filter((i) => ids.includes(i.id)).forEach((i) => (i.roles = [OTHER_ROLE])); },
    });
    const e = await enroll(LINUX, fleet);
    expect(e.execution.status).toBe('Failed');
    const child = failedChild(e, 'i-raced000000001');
    if (attachFailure === 'error') {
      expect(child).toMatchObject({ status: 'Failed', failedTask: 'attachRamRole' });
      expect(child.message).toContain('InvalidInstance.RamRoleAttached: the instance i-raced000000001 already holds the RAM role Legacy-Web');
    } else {
      // Reported per instance: the attachment's output keeps ECS's reason, and the check after
      // it fails, naming the role the instance holds.
      expect(child).toMatchObject({ status: 'Failed', failedTask: 'checkRamRole' });
      expect(child.taskOutputs.attachRamRole.attachResult).toBe('InvalidInstance.RamRoleAttached the instance i-raced000000001 already holds the RAM role Legacy-Web');
      expect(child.message).toMatch(/is \["Legacy-Web"\], not one of the desired values \["AppSnapshot-db"\]$/);
    }
    expect(e.installs.size).toBe(0);
  });

  test('more tagged instances than one loop takes: the execution fails, naming the count, before any instance is enrolled', async () => {
    const many = Array.from({ length: 1001 }, (_, i) => instance(`i-many${String(i).padStart(10, '0')}`, TAGS));
    const fleet = new FleetStandIn({ instances: many, roleNames: [ROLE] });
    const e = await enroll(LINUX, fleet);
    expect(e.execution).toMatchObject({ status: 'Failed', failedTask: 'refuseMoreThan1000Instances' });
    expect(e.execution.message).toContain('the tags select 1001 instances, more than the 1000 one OOS loop takes: narrow the group with another tag');
    expect(fleet.calls.map((c) => c.api)).toEqual(['DescribeInstances', 'DescribeInstances']);
    expect(e.children.size).toBe(0);
  });

  test('a stack created before any instance is tagged: the execution the stack starts at creation succeeds, so the stack is created', async () => {
    // GIVEN a group selected by tags, synthesized as a stack (its enrollment runs when the stack is created)
    const out = tempDir('enroll-stack-');
    synthesize((app) => new AppConsistentSnapshotStack(app, 'Fleet', {
      groups: { db: { os: OperatingSystem.LINUX, targetTags: TAGS, roleName: ROLE, templateName: 'Snapshots-db', schedule: Schedule.cron('0 0 2 ? * *') } },
    }), out);
    const stack = JSON.parse(fs.readFileSync(path.join(out, 'Fleet.template.json'), 'utf8'));
    const resources = Object.values(stack.Resources) as Array<{ Type: string; Properties: Record<string, any> }>;
    const named = (name: string) => JSON.parse(resources.find((r) => r.Type === 'ALIYUN::OOS::Template' && r.Properties.TemplateName === name)!.Properties.Content) as OosTemplate;
    const atCreation = resources.find((r) => r.Type === 'ALIYUN::OOS::Execution' && r.Properties.TemplateName === 'Snapshots-db-Enroll')!;
    // WHEN OOS runs it, with its parameters, while no instance carries the tags
    const fleet = new FleetStandIn({ instances: [instance('i-untagged0000001', {})], roleNames: [ROLE] });
    const run = await runTemplate(named('Snapshots-db-Enroll'), atCreation.Properties.Parameters ?? {}, {
      templates: { 'Snapshots-db-EnrollInstance': named('Snapshots-db-EnrollInstance') },
      callApi: (service, api, parameters) => fleet.call(service, api, parameters),
      runCommand: async () => { throw new Error('no instance to install on'); },
    });
    // THEN it succeeds without a loop, which ROS takes as the resource created
    expect(run).toMatchObject({ status: 'Success', ran: ['selectInstances', 'whetherAnyInstance'], outputs: { enrolled: [] } });
    expect(atCreation.Properties.ResourceOptions.SuccessStatuses).toContain(run.status);
  });

  test('no instance carries the tags yet (a stack created before any is tagged): the execution succeeds, enrolling nothing, without a loop', async () => {
    const fleet = new FleetStandIn({ instances: [instance('i-untagged0000001', {})], roleNames: [ROLE] });
    const e = await enroll(LINUX, fleet);
    expect(e.execution).toMatchObject({ status: 'Success', ran: ['selectInstances', 'whetherAnyInstance'], outputs: { enrolled: [] } });
    expect(fleet.calls.map((c) => c.api)).toEqual(['DescribeInstances']);
  });
});

describe('enrollment by ids, and of Windows instances', () => {
  test('instances by id: exactly those are enrolled, without a selection by tags', async () => {
    const synthesized = synth({ targetTags: undefined, instanceIds: ['i-byid000000001', 'i-byid000000002'] });
    const fleet = new FleetStandIn({
      instances: [instance('i-byid000000001', {}), instance('i-byid000000002', TAGS, [ROLE]), instance('i-byid000000003', TAGS)],
      roleNames: [ROLE],
    });
    const e = await enroll(synthesized, fleet);
    expect(e.execution.status).toBe('Success');
    expect(e.execution.outputs.enrolled).toEqual([
      { instanceId: 'i-byid000000001', roleAttached: true }, { instanceId: 'i-byid000000002', roleAttached: false }]);
    expect(fleet.calls.some((c) => c.parameters.Tag !== undefined)).toBe(false);
    expect(fleet.touched()).not.toContain('i-byid000000003');
    expect([...e.installs.keys()]).toEqual(['i-byid000000001', 'i-byid000000002']);
    expectInstalled(e.installs.get('i-byid000000001'));
  });

  test('Windows: the role is attached, and no command runs', async () => {
    const synthesized = synth({ os: OperatingSystem.WINDOWS, scripts: undefined });
    const fleet = new FleetStandIn({ instances: [instance('i-win0000000001', TAGS), instance('i-win0000000002', TAGS, [OTHER_ROLE])], roleNames: [ROLE] });
    const e = await runTemplate(synthesized.parent, { rateControl: { Mode: 'Concurrency', Concurrency: 1, MaxErrors: 1 } }, {
      templates: { [synthesized.instanceTemplateName]: synthesized.instance },
      callApi: (service, api, parameters) => fleet.call(service, api, parameters),
      runCommand: async () => { throw new Error('no command runs on Windows enrollment'); },
    });
    expect(e.status).toBe('Success');
    expect(e.outputs.enrolled).toEqual([{ instanceId: 'i-win0000000001', roleAttached: true }]);
    expect(fleet.instance('i-win0000000001')!.roles).toEqual([ROLE]);
    expect(e.children.enrollInstances[1]).toMatchObject({ status: 'Failed', failedTask: 'checkRamRole' });
    expect(synthesized.executionActions).not.toContain('ecs:RunCommand');
  });
});
