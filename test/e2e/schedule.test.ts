/**
 * End to end without the cloud (see harness.ts): the scheduled template of a group executed as
 * one firing of its timer trigger: it runs the automation by name, which runs the per-instance
 * template, whose snapshot run goes against the plugin stand-in in a throwaway root.
 */
import { Schedule } from '../../lib/schedule';
import { SCHEDULE_TASKS } from '../../lib/snapshot-schedule';
import { INSTANCE, execute, synthStack } from './harness';

const SYNTH = synthStack(undefined, 60, { schedule: Schedule.cron('0 30 1 ? * MON-FRI', { timeZone: 'Europe/Berlin', endDate: '2030-01-01' }) });

describe('one firing of the scheduled template', () => {
  test('the trigger fires, the automation runs the instance, the results come back to the scheduled execution', async () => {
    const r = await execute(SYNTH, { scheduled: true });
    expect(r.execution.status).toBe('Success');
    expect(r.execution.ran).toEqual([SCHEDULE_TASKS.trigger, SCHEDULE_TASKS.snapshot]);
    expect(r.execution.trigger).toEqual({ Type: 'cron', Expression: '0 30 1 ? * MON-FRI', TimeZone: 'Europe/Berlin', EndDate: '2030-01-01' });
    expect(r.snapshot!.rc).toBe(0);
    expect(r.execution.outputs.results).toEqual([expect.objectContaining({ instanceId: INSTANCE, verdict: 'AppConsistent', exitCode: 0 })]);
  });

  test('a failing instance fails the firing (and so anything after the snapshots, such as a clean-up)', async () => {
    const r = await execute(SYNTH, { scheduled: true, fail: '7' });
    expect(r.instanceExecution).toMatchObject({ status: 'Failed', failedTask: 'runSnapshot' });
    expect(r.execution).toMatchObject({ status: 'Failed', failedTask: SCHEDULE_TASKS.snapshot });
  });
});
