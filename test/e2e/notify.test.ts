/**
 * End to end without the cloud: the alerts of a scheduled run. The scheduled template of a group
 * with `notify` is executed as one firing of its trigger (oos-runtime.ts), its instance's
 * snapshot run against the plugin stand-in in a throwaway root, and its ACS::Notify task POSTs to
 * a webhook receiver on loopback that records what arrives. The webhook URL exists only in the
 * runtime's store of encrypted parameters, as it would in OOS's Parameter Store.
 */
import { SNAPSHOT_TAG_KEYS } from '../../lib/instance-template';
import { NOTIFY_TASKS, NotifyOn } from '../../lib/notify';
import { Schedule } from '../../lib/schedule';
import { SCHEDULE_TASKS } from '../../lib/snapshot-schedule';
import { EcsStandIn, ecsTime } from './ecs-standin';
import { INSTANCE, RunOptions, Synthesized, execute, healthyCloud, synthStack } from './harness';
import { executeWindows, synthWindows } from './windows-harness';
import { runTemplate } from './oos-runtime';
import { WebhookReceiver as Receiver } from './webhook-receiver';

const SECRET = 'e2e-dingtalk-webhook';

const receiver = new Receiver();
beforeAll(() => receiver.start());
afterAll(() => receiver.stop());
beforeEach(() => { receiver.received.length = 0; receiver.status = 200; });

const synth = (on: NotifyOn, more: Record<string, unknown> = {}) => synthStack(undefined, 60, {
  schedule: Schedule.rate(1, 'days'),
  notify: { webhookSecretParameter: SECRET, on },
  postureName: 'prod',
  ...more,
});
const FAILURES = synth(NotifyOn.FAILURES);
const ALWAYS = synth(NotifyOn.ALWAYS);
const WITH_RETENTION = synth(NotifyOn.FAILURES, { retention: { keepLast: 1 } });

const run = (s: Synthesized, o: RunOptions = {}, url = receiver.url) => execute(s, { scheduled: true, secretParameters: { [SECRET]: url }, ...o });
/** The text of each message received. */
const texts = () => receiver.texts();
/** The parts of an execution that are the run's result. */
const result = (e: { status: string; failedTask?: string; message?: string; outputs: unknown }) => ({ status: e.status, failedTask: e.failedTask, message: e.message, outputs: e.outputs });

describe('the synthesized template', () => {
  test('carries the secret parameter reference, never a URL, and accepts nothing else for it', () => {
    const params = FAILURES.schedule!.Parameters;
    expect(params.notifyWebhook.Default).toBe(`{{oos-secret:${SECRET}}}`);
    expect(new RegExp(params.notifyWebhook.AllowedPattern!).test('https://oapi.dingtalk.com/robot/send?access_token=x')).toBe(false);
    // No URL anywhere (a description may name the `http://` prefix a rule refuses).
    expect(JSON.stringify(FAILURES.stack)).not.toMatch(/https?:\/\/(?!oos\.|ecs\.)[^\s"\\]/);
    expect(JSON.stringify(FAILURES.stack)).not.toContain('127.0.0.1');
  });
});

describe('a successful run', () => {
  test('on failures: nothing is sent, the run succeeds as without alerts', async () => {
    const r = await run(FAILURES);
    expect(r.execution.status).toBe('Success');
    expect(r.execution.ran).toEqual([SCHEDULE_TASKS.trigger, SCHEDULE_TASKS.snapshot, NOTIFY_TASKS.report, NOTIFY_TASKS.instances, NOTIFY_TASKS.choose, NOTIFY_TASKS.end]);
    expect(receiver.received).toEqual([]);
  });

  test('on always: exactly the summary line, as DingTalk text JSON', async () => {
    const r = await run(ALWAYS);
    expect(r.execution.status).toBe('Success');
    expect(r.execution.outputs.results).toEqual([expect.objectContaining({ instanceId: INSTANCE, verdict: 'AppConsistent' })]);
    expect(receiver.received).toHaveLength(1);
    expect(receiver.received[0]).toMatchObject({ path: '/robot/send?access_token=e2e-token', contentType: 'application/json', body: { msgtype: 'text' } });
    expect(texts()).toEqual([`[app-snapshot] prod/db: succeeded: 1 snapshotted (1 application-consistent, 0 file-system-consistent), 0 failed; execution ${r.execution.executionId}`]);
  });
});

describe('each failure path sends exactly its message', () => {
  test('a failed instance: its exit code and reason, and the failed snapshot step; the run still fails', async () => {
    const r = await run(FAILURES, { fail: '7' });
    expect(r.snapshot!.result.exitCode).toBe(7);
    expect(r.execution).toMatchObject({ status: 'Failed', failedTask: NOTIFY_TASKS.confirm });
    expect(r.execution.message).toContain('AppConsistentSnapshot-db');
    expect(r.execution.ran).toContain(NOTIFY_TASKS.notify);
    expect(texts()).toEqual([[
      `[app-snapshot] prod/db: FAILED: 0 snapshotted (0 application-consistent, 0 file-system-consistent), 1 failed; execution ${r.execution.executionId}`,
      `${INSTANCE}: failed, exit 7: ${r.snapshot!.result.message}`,
      `snapshots failed: snapshotInstances: 1 of 1 items failed, more than MaxErrors 0`,
    ].join('\n')]);
  });

  test('a fallback where application consistency is required: the verdict from the tags fails the instance with 120', async () => {
    const r = await run(FAILURES, { fail: 'fs-fallback' });
    // The snapshot run hands over; the verdict run reads the tags and exits 120.
    expect(r.snapshot!.result).toMatchObject({ exitCode: 0, consistency: 'FsConsistent' });
    expect(r.verdict!.result).toMatchObject({ exitCode: 120, consistency: 'FsConsistent' });
    expect(r.execution).toMatchObject({ status: 'Failed', failedTask: NOTIFY_TASKS.confirm });
    expect(texts()).toHaveLength(1);
    expect(texts()[0].split('\n')[1]).toBe(`${INSTANCE}: failed, exit 120: ${r.verdict!.result.message}`);
  });

  test('a fallback that is accepted: the run succeeds and the fallback is reported with its group and reason', async () => {
    const s = synth(NotifyOn.FAILURES, { requireAppConsistent: false });
    const r = await run(s, { fail: 'fs-fallback' });
    expect(r.execution.status).toBe('Success');
    const line = r.execution.outputs.results as Array<{ snapshotGroupId: string; reason: string }>;
    expect(texts()).toEqual([[
      `[app-snapshot] prod/db: succeeded: 1 snapshotted (0 application-consistent, 1 file-system-consistent), 0 failed; execution ${r.execution.executionId}`,
      `${INSTANCE}: fell back to file-system consistency, exit 0, group ${line[0].snapshotGroupId}: ${line[0].reason}`,
    ].join('\n')]);
  });

  test('a failed retention: the snapshots are reported done, the retention failure named, the run fails', async () => {
    const old = ecsTime(new Date(Date.now() - 3 * 86_400_000));
    const r = await run(WITH_RETENTION, {
      cloud: (c) => { c.refuse = { DeleteSnapshotGroup: 'Forbidden.RAM: User not authorized to operate on the specified resource.' }; },
      afterSnapshot: (c) => c.groups.push({
        SnapshotGroupId: 'ssg-e2eolder0000001', InstanceId: INSTANCE, Status: 'accomplished', CreationTime: old,
        snapshots: [{ SnapshotId: 's-e2eolder0000001', DiskId: 'd-e2edisk000000001', Status: 'accomplished', Tags: [{ Key: 'APPConsistent', Value: 'True' }, { Key: SNAPSHOT_TAG_KEYS.posture, Value: 'prod' }, { Key: SNAPSHOT_TAG_KEYS.group, Value: 'db' }] }],
      }),
    });
    expect(r.execution.ran).toContain(SCHEDULE_TASKS.retention);
    expect(r.execution).toMatchObject({ status: 'Failed', failedTask: NOTIFY_TASKS.confirm });
    const [summary, ...lines] = texts()[0].split('\n');
    expect(summary).toBe(`[app-snapshot] prod/db: FAILED: 1 snapshotted (1 application-consistent, 0 file-system-consistent), 0 failed; execution ${r.execution.executionId}`);
    expect(lines).toHaveLength(1);
    expect(lines).toEqual(["retention failed: retainInstances: 1 of 1 items failed, more than MaxErrors 0"]);
  });
});

describe('a Windows group alerts the same way', () => {
  test('a failed instance: its exit code and reason, and the failed snapshot step; the run still fails', async () => {
    const windows = synthWindows({ schedule: Schedule.rate(1, 'days'), notify: { webhookSecretParameter: SECRET, on: NotifyOn.FAILURES }, postureName: 'prod' });
    const r = await executeWindows(windows, { scheduled: true, secretParameters: { [SECRET]: receiver.url }, fail: '7' });
    expect(r.snapshot!.result.exitCode).toBe(7);
    expect(r.execution).toMatchObject({ status: 'Failed', failedTask: NOTIFY_TASKS.confirm });
    expect(texts()).toEqual([[
      `[app-snapshot] prod/db: FAILED: 0 snapshotted (0 application-consistent, 0 file-system-consistent), 1 failed; execution ${r.execution.executionId}`,
      `${INSTANCE}: failed, exit 7: ${r.snapshot!.result.message}`,
      `snapshots failed: snapshotInstances: 1 of 1 items failed, more than MaxErrors 0`,
    ].join('\n')]);
  });
});

describe('a receiver that is down or answers 500 changes nothing of the run\'s result', () => {
  test.each([
    ['a failed run', FAILURES, { fail: '7' }],
    ['a successful run that notifies', ALWAYS, {}],
  ] as Array<[string, Synthesized, RunOptions]>)('%s', async (_, s, o) => {
    const ok = await run(s, o);
    receiver.status = 500;
    const refused = await run(s, o);
    const down = await run(s, o, 'http://127.0.0.1:9/robot/send?access_token=e2e-token');
    expect(receiver.received).toHaveLength(2);
    for (const e of [refused, down]) {
      expect(result(e.execution)).toEqual(result(ok.execution));
      expect(e.execution.notifications![0].error).toBeDefined();
    }
    expect(ok.execution.notifications![0].error).toBeUndefined();
  });
});

describe('a run over no instance (the loops guarded by ACS::Choice)', () => {
  test('the steps end without a loop, the run succeeds and the summary says 0 snapshotted', async () => {
    // GIVEN the scheduled template of a group with retention, its steps given an empty id list
    const s = synth(NotifyOn.ALWAYS, { retention: { keepLast: 1 } });
    const templates = Object.fromEntries(Object.entries(s.templates).map(([name, t]) => [name,
      t.Parameters.instanceIds ? { ...t, Parameters: { ...t.Parameters, instanceIds: { ...t.Parameters.instanceIds, Default: [] } } } : t]));
    // WHEN one firing of its trigger runs (nothing may reach an instance)
    const e = await runTemplate(s.schedule!, {}, {
      templates,
      secretParameters: { [SECRET]: receiver.url },
      callApi: (service, api, parameters) => new EcsStandIn(healthyCloud()).call(service, api, parameters),
      runCommand: async () => { throw new Error('no instance to run on'); },
    });
    // THEN no step ran a loop, the run succeeded, and the one message names no instance
    expect(e.status).toBe('Success');
    for (const step of [SCHEDULE_TASKS.snapshot, SCHEDULE_TASKS.retention]) {
      expect(e.children[step]).toHaveLength(1);
      expect(e.children[step][0]).toMatchObject({ status: 'Success', children: {} });
    }
    expect(texts()).toEqual([`[app-snapshot] prod/db: succeeded: 0 snapshotted (0 application-consistent, 0 file-system-consistent), 0 failed; execution ${e.executionId}`]);
  });
});
