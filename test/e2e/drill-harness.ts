/**
 * End to end for restore drills, without the cloud: the synthesized drill templates executed as
 * OOS would (oos-runtime.ts) against the ECS stand-in and its disk life cycle, and the check
 * command run for real, as root, in a throwaway root that stands for the scratch instance: each
 * disk the stand-in shows attached to the scratch instance is a loop device made from the image
 * of the snapshot it was created from, with the disk's serial number in a sysfs tree of its own
 * (APP_SNAPSHOT_DRILL_SYSFS). Cloud Assistant's timeout is enforced as it is: the command's own
 * process is killed. After each check the harness records whatever the check left behind (mounts,
 * processes, state).
 */
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { SNAPSHOT_TAG_KEYS } from '../../lib/instance-template';
import { DRILL_DISK_TAG_KEYS, RESTORE_TEST_SUFFIXES, RESTORE_TEST_TASKS } from '../../lib/restore-drill';
import { REPO_ROOT } from '../helpers';
import { CloudGroup, CloudState, EcsStandIn, ecsTime } from './ecs-standin';
import { INSTANCE, Synthesized, healthyCloud } from './harness';
import { Execution, runTemplate } from './oos-runtime';

export const SCRATCH = 'i-e2escratch000000001';
export const SCRATCH_ZONE = 'cn-hangzhou-k';
const SANDBOX = path.join(REPO_ROOT, 'test', 'harness', 'sandbox.sh');
/** Outside /tmp: the sandbox mounts a fresh /tmp, but sees the rest of the host's tree. */
export const DRILL_WORK = path.join(REPO_ROOT, 'test-results', 'e2e-drill');

/** The snapshot images: a small ext4 file system holding a file, and one whose superblock is zeroed. */
export interface Images {
  readonly good: string;
  readonly damaged: string;
}

/** Makes the images (mkfs.ext4 fills a file system from a directory without mounting it). */
export function makeImages(): Images {
  fs.mkdirSync(DRILL_WORK, { recursive: true });
  const content = fs.mkdtempSync(path.join(DRILL_WORK, 'content-'));
  fs.writeFileSync(path.join(content, 'orders.csv'), 'id,total\n1,42\n');
  const good = path.join(DRILL_WORK, 'good.img');
  const damaged = path.join(DRILL_WORK, 'damaged.img');
  run('mkfs.ext4', ['-q', '-F', '-d', content, good, '16M']);
  fs.copyFileSync(good, damaged);
  const fd = fs.openSync(damaged, 'r+');
  fs.writeSync(fd, Buffer.alloc(4096), 0, 4096, 0);
  fs.closeSync(fd);
  fs.rmSync(content, { recursive: true, force: true });
  return { good, damaged };
}

function run(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
}

type Tag = { Key: string; Value: string };

/** The tags the automation leaves on a group's snapshots (posture `E2E`, the stack's name, and group `db`). */
export const OUR_TAGS: Tag[] = [{ Key: SNAPSHOT_TAG_KEYS.posture, Value: 'E2E' }, { Key: SNAPSHOT_TAG_KEYS.group, Value: 'db' }];

/** A snapshot group of INSTANCE with two snapshots, created `hoursAgo` before `now`. */
export function snapshotGroup(id: string, now: Date, hoursAgo: number, tags: Tag[] = [...OUR_TAGS, { Key: 'APPConsistent', Value: 'True' }]): CloudGroup {
  return {
    SnapshotGroupId: id,
    InstanceId: INSTANCE,
    Status: 'accomplished',
    CreationTime: ecsTime(new Date(now.getTime() - hoursAgo * 3_600_000)),
    snapshots: [0, 1].map((i) => ({ SnapshotId: `s-${id.slice(4)}${i}`, DiskId: `d-e2edisk00000000${i}`, Status: 'accomplished', Tags: tags.map((t) => ({ ...t })) })),
  };
}

/** The account with the group's instance and the scratch instance (Running, in its zone). */
export function drillCloud(now: Date, groups: CloudGroup[]): CloudState {
  return {
    ...healthyCloud(),
    others: [{ id: SCRATCH, status: 'Running', agent: 'true', roles: [], zoneId: SCRATCH_ZONE }],
    groups,
    now,
  };
}

/** What the scratch instance looked like after a check. */
export interface CheckRun {
  readonly exitCode: number;
  readonly output: string;
  /** Mounts, processes or state the check left on the scratch instance (one line each). */
  readonly leftovers: string[];
  readonly killedAtTimeout: boolean;
}

/** Options of one drill execution. */
export interface DrillRunOptions {
  readonly values?: Record<string, unknown>;
  /** Which image each snapshot's disk holds (default: the good one). */
  readonly imageOf?: (snapshotId: string) => string;
  /** Throws at the check, as if the execution stopped there (an interrupted execution). */
  readonly interruptAtCheck?: boolean;
  /** Executes the scheduled drill (`<name>-RestoreTestSchedule`, one firing of its timer) instead. */
  readonly scheduled?: boolean;
  /** The account's OOS encrypted parameters (the webhook of the alerts). */
  readonly secretParameters?: Readonly<Record<string, string>>;
}

/** One drill execution and what it did. */
export interface DrillRun {
  readonly execution: Execution;
  /** Its ACS::ExecutionId (each execution has its own; the scheduled run's when scheduled). */
  readonly executionId: string;
  /** The drill proper's execution (runDrill), when it ran. */
  readonly drill?: Execution;
  readonly checks: CheckRun[];
  readonly calls: string[];
}

/** The drill disks the stand-in still holds. */
export function drillDisks(ecs: EcsStandIn): string[] {
  return ecs.state.disks.filter((d) => (d.Tags ?? []).some((t) => t.Key === DRILL_DISK_TAG_KEYS.drill)).map((d) => d.DiskId);
}

/**
 * Runs the check on the scratch instance stand-in: the disks the stand-in shows attached to it
 * become loop devices made from their snapshots' images; the command runs with Cloud Assistant's
 * timeout (the command's own process is killed at it); then whatever is left is recorded and the
 * loop devices are detached.
 */
async function runCheck(ecs: EcsStandIn, content: string, timeoutSeconds: number, images: Images, imageOf?: (snapshotId: string) => string): Promise<CheckRun> {
  fs.mkdirSync(DRILL_WORK, { recursive: true });
  const dir = fs.mkdtempSync(path.join(DRILL_WORK, 'check-'));
  const attached = ecs.state.disks.filter((d) => d.attachedTo.includes(SCRATCH) && d.SourceSnapshotId !== undefined);
  fs.writeFileSync(path.join(dir, 'check.sh'), content);
  const attach = attached.map((d) => {
    const image = (imageOf ?? (() => images.good))(d.SourceSnapshotId!);
    return `cp --reflink=auto ${image} /tmp/${d.DiskId}.img; dev=$(losetup -f --show /tmp/${d.DiskId}.img); echo $dev >> /tmp/devices
      mkdir -p /run/drill-sys/block/\${dev#/dev/}; echo ${d.SerialNumber ?? d.DiskId.slice(2)} > /run/drill-sys/block/\${dev#/dev/}/serial`;
  }).join('\n');
  const script = `set -u
${attach}
export APP_SNAPSHOT_DRILL_SYSFS=/run/drill-sys APP_SNAPSHOT_DRILL_WATCHDOG_GRACE_SECONDS=2
# Cloud Assistant runs the command and, at its timeout, kills that process only.
bash /drill/check.sh > /drill/out 2>&1 &
pid=$!
( sleep ${timeoutSeconds}; kill -KILL $pid 2>/dev/null && touch /drill/killed ) &
timer=$!
wait $pid; echo $? > /drill/rc
kill $timer 2>/dev/null; pkill -P $timer 2>/dev/null
# After a kill, the check's watchdog cleans up by itself (after the check's deadline and grace).
[ -e /drill/killed ] && sleep 5
: > /drill/leftovers
grep ' /run/app-snapshot-drill/' /proc/mounts >> /drill/leftovers
ls -A /run/app-snapshot-drill 2>/dev/null | sed 's/^/state: /' >> /drill/leftovers
for p in /proc/[0-9]*; do
  c=$(tr '\\0' ' ' < $p/cmdline 2>/dev/null)
  case "$c" in *app-snapshot-drill*|*drill-watchdog*) echo "process: $c" >> /drill/leftovers ;; esac
done
while read -r dev; do losetup -d $dev; done < /tmp/devices 2>/dev/null
exit 0
`;
  fs.writeFileSync(path.join(dir, 'run.sh'), script);
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn('bash', [SANDBOX, '--bind', `${dir}:/drill`, '--', 'bash', '/drill/run.sh'], { stdio: 'ignore' });
      child.on('error', reject);
      child.on('exit', () => resolve());
    });
    const read = (f: string) => (fs.existsSync(path.join(dir, f)) ? fs.readFileSync(path.join(dir, f), 'utf8') : '');
    return {
      exitCode: Number(read('rc').trim() || -1),
      output: read('out'),
      leftovers: read('leftovers').split('\n').filter((l) => l !== ''),
      killedAtTimeout: fs.existsSync(path.join(dir, 'killed')),
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

let executions = 0;

/** Executes the drill template (`<name>-RestoreTest`) once, at `now`. */
export async function executeDrill(synth: Synthesized, ecs: EcsStandIn, images: Images, now: Date, options: DrillRunOptions = {}): Promise<DrillRun> {
  const checks: CheckRun[] = [];
  const before = ecs.calls.length;
  ecs.state.now = now;
  executions += 1;
  const executionId = `exec-drill${String(executions).padStart(10, '0')}`;
  const name = `${synth.templateName}${options.scheduled ? RESTORE_TEST_SUFFIXES.schedule : RESTORE_TEST_SUFFIXES.drill}`;
  const execution = await runTemplate(synth.templates[name], options.values ?? {}, {
    now,
    executionId,
    secretParameters: options.secretParameters,
    templates: synth.templates,
    callApi: (service, api, parameters) => ecs.call(service, api, parameters),
    runCommand: async (_task, instanceId, commandType, content, timeoutSeconds) => {
      expect(instanceId).toBe(SCRATCH);
      expect(commandType).toBe('RunShellScript');
      if (options.interruptAtCheck) throw new Error('the execution stopped here (interrupted)');
      const check = await runCheck(ecs, content, timeoutSeconds, images, options.imageOf);
      checks.push(check);
      return { output: check.output, exitCode: check.exitCode };
    },
  });
  // The scheduled drill runs the drill template, which runs the drill proper: both tasks are runDrill.
  const drill = options.scheduled ? execution.children[RESTORE_TEST_TASKS.run]?.[0]?.children[RESTORE_TEST_TASKS.run]?.[0] : execution.children[RESTORE_TEST_TASKS.run]?.[0];
  return { execution, executionId, drill, checks, calls: ecs.calls.slice(before).map((c) => c.api) };
}
