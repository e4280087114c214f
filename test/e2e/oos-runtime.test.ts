/**
 * The OOS runtime stand-in's own rules for loops over API actions, ACS::SelectTargets, the time
 * functions and references in selectors (the templates' end-to-end tests rely on them).
 */
import { OVER_LIMIT_TASK_NAME, loopGuardTasks, targetTasks } from '../../lib/targets';
import { OosTemplate, runTemplate } from './oos-runtime';

type Call = { api: string; parameters: Record<string, unknown> };

function fleet(count: number, calls: Call[]) {
  const instances = Array.from({ length: count }, (_, i) => ({ InstanceId: `i-fleet${String(i).padStart(8, '0')}`, Tags: { Tag: [{ TagKey: 'tier', TagValue: i % 2 === 0 ? 'db' : 'web' }] } }));
  return {
    callApi: (_service: string, api: string, parameters: Record<string, unknown>) => {
      calls.push({ api, parameters });
      if (api === 'DescribeInstances') {
        const want = parameters.Tag as Array<{ Key: string; Value: string }>;
        const found = instances.filter((inst) => want.every((t) => inst.Tags.Tag.some((x) => x.TagKey === t.Key && x.TagValue === t.Value)));
        return { Instances: { Instance: found } };
      }
      if (api === 'DeleteSnapshotGroup') {
        if (parameters.SnapshotGroupId === 'ssg-broken') throw new Error('OperationDenied');
        return { RequestId: 'r' };
      }
      throw new Error(`no ${api}`);
    },
    runCommand: async () => { throw new Error('no commands here'); },
  };
}

const selectTemplate = (): OosTemplate => ({
  Parameters: { regionId: { Type: 'String', Default: 'cn-hangzhou' }, targetTags: { Type: 'Json', Default: [{ Key: 'tier', Value: 'db' }] } },
  Tasks: targetTasks({ tags: { tier: 'db' } }) as unknown as OosTemplate['Tasks'],
  Outputs: { ids: { Type: 'List', Value: '{{ selectInstances.instanceIds }}' } },
});

describe('ACS::SelectTargets in the runtime', () => {
  test('selects the instances carrying the tags, through DescribeInstances filtered by them', async () => {
    const calls: Call[] = [];
    const run = await runTemplate(selectTemplate(), {}, fleet(6, calls));
    expect(run.status).toBe('Success');
    expect(run.outputs.ids).toEqual(['i-fleet00000000', 'i-fleet00000002', 'i-fleet00000004']);
    expect(calls).toEqual([{ api: 'DescribeInstances', parameters: { RegionId: 'cn-hangzhou', Tag: [{ Key: 'tier', Value: 'db' }] } }]);
  });

  test('a parent refuses, naming the count, when the tags select more than one loop takes (an ACS::CheckFor that cannot pass, no jq error())', async () => {
    const guarded = (): OosTemplate => ({
      ...selectTemplate(),
      Tasks: [
        ...targetTasks({ tags: { tier: 'db' } }),
        ...loopGuardTasks({ tags: { tier: 'db' } }, 'whetherAnyInstance', 'done'),
        { Name: 'done', Action: 'ACS::ExecuteAPI', Properties: { Service: 'ECS', API: 'DescribeInstances', Parameters: { RegionId: '{{ regionId }}', Tag: '{{ targetTags }}' } } },
      ] as unknown as OosTemplate['Tasks'],
    });
    const run = await runTemplate(guarded(), {}, fleet(2004, []));
    expect(run).toMatchObject({ status: 'Failed', failedTask: OVER_LIMIT_TASK_NAME });
    expect(run.message).toContain('the tags select 1002 instances, more than the 1000 one OOS loop takes: narrow the group with another tag');
    const fits = await runTemplate(guarded(), {}, fleet(2000, []));
    expect(fits).toMatchObject({ status: 'Success', ran: ['selectInstances', 'whetherAnyInstance', 'done'] });
    const none = await runTemplate(guarded(), { targetTags: [{ Key: 'tier', Value: 'none' }] }, fleet(10, []));
    expect(none).toMatchObject({ status: 'Success', ran: ['selectInstances', 'whetherAnyInstance'] });
  });
});

describe('loops over API actions in the runtime', () => {
  const deleting = (items: string[], maxErrors = 0): OosTemplate => ({
    Parameters: { regionId: { Type: 'String', Default: 'cn-hangzhou' }, ids: { Type: 'List', Default: items } },
    Tasks: [{
      Name: 'deleteGroups',
      Action: 'ACS::ExecuteAPI',
      Properties: { Service: 'ECS', API: 'DeleteSnapshotGroup', Parameters: { RegionId: '{{ regionId }}', SnapshotGroupId: '{{ ACS::TaskLoopItem }}' } },
      Loop: { Items: '{{ ids }}', RateControl: { Mode: 'Concurrency', Concurrency: 1, MaxErrors: maxErrors } },
    }],
  });

  test('runs the action once per item, with the item substituted', async () => {
    const calls: Call[] = [];
    const run = await runTemplate(deleting(['ssg-a', 'ssg-b']), {}, fleet(0, calls));
    expect(run.status).toBe('Success');
    expect(calls.map((c) => c.parameters.SnapshotGroupId)).toEqual(['ssg-a', 'ssg-b']);
  });

  test('an empty list fails the task (OOS documents no behaviour for it), so that an unguarded loop is caught', async () => {
    const calls: Call[] = [];
    const run = await runTemplate(deleting([]), {}, fleet(0, calls));
    expect(run).toMatchObject({ status: 'Failed', failedTask: 'deleteGroups' });
    expect(run.message).toMatch(/has no items: .*guard it with ACS::Choice/);
    expect(calls).toEqual([]);
  });

  test('guarded by ACS::Choice with Fn::Equals [[], list], as Alibaba\'s templates do: nothing runs, the execution succeeds, Fn::If picks the output', async () => {
    const guarded = (items: string[]): OosTemplate => {
      const doc = deleting(items);
      return {
        ...doc,
        Tasks: [
          { Name: 'whetherToDelete', Action: 'ACS::Choice', Properties: { DefaultTask: 'deleteGroups', Choices: [{ When: { 'Fn::Equals': [[], '{{ ids }}'] }, NextTask: 'ACS::END' }] } },
          ...doc.Tasks,
        ],
        Outputs: { deleted: { Type: 'List', Value: { 'Fn::If': [{ 'Fn::Equals': [[], '{{ ids }}'] }, [], '{{ ids }}'] } } },
      };
    };
    const calls: Call[] = [];
    const none = await runTemplate(guarded([]), {}, fleet(0, calls));
    expect(none).toMatchObject({ status: 'Success', ran: ['whetherToDelete'], outputs: { deleted: [] } });
    expect(calls).toEqual([]);
    const some = await runTemplate(guarded(['ssg-a']), {}, fleet(0, calls));
    expect(some).toMatchObject({ status: 'Success', ran: ['whetherToDelete', 'deleteGroups'], outputs: { deleted: ['ssg-a'] } });
    expect(calls.map((c) => c.parameters.SnapshotGroupId)).toEqual(['ssg-a']);
  });

  test('a failed item fails the task beyond MaxErrors, and not within it', async () => {
    const failed = await runTemplate(deleting(['ssg-broken', 'ssg-b']), {}, fleet(0, []));
    expect(failed.status).toBe('Failed');
    expect(failed.message).toContain('OperationDenied');
    const tolerated = await runTemplate(deleting(['ssg-broken', 'ssg-b'], 1), {}, fleet(0, []));
    expect(tolerated.status).toBe('Success');
  });
});

describe('time functions and ACS::CurrentUTCTime in the runtime', () => {
  const NOW = new Date(Date.UTC(2024, 4, 10, 8, 30, 45));
  /** A template whose one task passes `value` to an API, so that the runtime resolves it. */
  const passing = (value: unknown, parameters: OosTemplate['Parameters'] = {}): OosTemplate => ({
    Parameters: { regionId: { Type: 'String', Default: 'cn-hangzhou' }, ...parameters },
    Tasks: [{ Name: 'call', Action: 'ACS::ExecuteAPI', Properties: { Service: 'ECS', API: 'Echo', Parameters: { RegionId: '{{ regionId }}', Value: value } } }],
  });
  const seen = async (value: unknown, values: Record<string, unknown> = {}, parameters: OosTemplate['Parameters'] = {}) => {
    const calls: Call[] = [];
    const run = await runTemplate(passing(value, parameters), values, {
      now: NOW,
      callApi: (_s, api, p) => { calls.push({ api, parameters: p }); return {}; },
      runCommand: async () => { throw new Error('no commands here'); },
    });
    if (run.status !== 'Success') throw new Error(run.message);
    return calls[0].parameters.Value;
  };

  test('ACS::CurrentUTCTime is the injected time, ISO 8601 UTC', async () => {
    expect(await seen('{{ ACS::CurrentUTCTime }}')).toBe('2024-05-10T08:30:45Z');
  });

  test('the public idiom for "now minus N days": FormatUTCTime(AddHour(now, Eval(-N*24)), format)', async () => {
    const cutoff = { 'Fn::FormatUTCTime': [{ 'Fn::AddHour': ['{{ ACS::CurrentUTCTime }}', { 'Fn::Eval': ['-{{ days }}*24'] }] }, '%Y-%m-%dT%H:%MZ'] };
    const days = { days: { Type: 'Number', Default: 30 } };
    expect(await seen(cutoff, {}, days)).toBe('2024-04-10T08:30Z');
    expect(await seen(cutoff, { days: 0 }, days)).toBe('2024-05-10T08:30Z');
    // Across a leap day and a year.
    expect(await seen(cutoff, { days: 366 }, days)).toBe('2023-05-10T08:30Z');
    expect(await seen({ 'Fn::FormatUTCTime': ['2024-03-01T00:15Z', '%Y-%m-%dT00:00Z'] })).toBe('2024-03-01T00:00Z');
  });

  test('Fn::Eval evaluates arithmetic only; unknown functions and directives are errors', async () => {
    expect(await seen({ 'Fn::Eval': ['-(2+3)*24/2'] })).toBe(-60);
    await expect(seen({ 'Fn::Eval': ['process.exit(1)'] })).rejects.toThrow(/arithmetic only/);
    await expect(seen({ 'Fn::FormatUTCTime': ['{{ ACS::CurrentUTCTime }}', '%s'] })).rejects.toThrow(/does not support %s/);
    await expect(seen({ 'Fn::AddHour': ['yesterday', 1] })).rejects.toThrow(/"yesterday" is not a UTC time/);
    await expect(seen({ 'Fn::Base64Decode': ['eA=='] })).rejects.toThrow(/does not evaluate Fn::Base64Decode/);
  });

  test('references in a ValueSelector are substituted before jq runs, as public templates rely on', async () => {
    const doc: OosTemplate = {
      Parameters: { regionId: { Type: 'String', Default: 'cn-hangzhou' }, want: { Type: 'String', Default: 'b' } },
      Tasks: [{
        Name: 'read', Action: 'ACS::ExecuteAPI', Properties: { Service: 'ECS', API: 'List', Parameters: { RegionId: '{{ regionId }}' } },
        Outputs: { found: { Type: 'List', ValueSelector: '.Items[] | select(.Name == "{{ want }}") | .Id' } },
      }],
      Outputs: { found: { Type: 'List', Value: '{{ read.found }}' } },
    };
    const env = { callApi: () => ({ Items: [{ Name: 'a', Id: 1 }, { Name: 'b', Id: 2 }] }), runCommand: async () => ({ output: '', exitCode: 0 }) };
    expect((await runTemplate(doc, {}, env)).outputs.found).toEqual([2]);
    expect((await runTemplate(doc, { want: 'a' }, env)).outputs.found).toEqual([1]);
  });
});

describe('ACS::Choice, ACS::WaitFor, OnError and the functions the restore drill uses, in the runtime', () => {
  type Task = OosTemplate['Tasks'][number];
  const api = (name: string, api: string, more: Partial<Task> = {}): Task => ({
    Name: name, Action: 'ACS::ExecuteAPI', Properties: { Service: 'ECS', API: api, Parameters: { RegionId: '{{ regionId }}' } }, ...more,
  });
  const template = (tasks: Task[], parameters: OosTemplate['Parameters'] = {}): OosTemplate => ({
    Parameters: { regionId: { Type: 'String', Default: 'cn-hangzhou' }, ...parameters }, Tasks: tasks,
  });
  const recording = (answer: (api: string, n: number) => unknown = () => ({})) => {
    const calls: string[] = [];
    return {
      calls,
      env: {
        callApi: (_s: string, name: string) => {
          calls.push(name);
          return answer(name, calls.filter((c) => c === name).length);
        },
        runCommand: async () => ({ output: '', exitCode: 0 }),
      },
    };
  };

  test('ACS::Choice takes the first choice whose When holds, else the DefaultTask; an empty list compares equal to []', async () => {
    const doc = (list: string[]) => template([
      { Name: 'guard', Action: 'ACS::Choice', Properties: { DefaultTask: 'work', Choices: [{ When: { 'Fn::Equals': [[], '{{ items }}'] }, NextTask: 'empty' }] } },
      api('work', 'Work', { OnSuccess: 'ACS::END' }),
      api('empty', 'Empty'),
    ], { items: { Type: 'List', Default: list } });
    const full = recording();
    expect((await runTemplate(doc(['a']), {}, full.env)).ran).toEqual(['guard', 'work']);
    expect(full.calls).toEqual(['Work']);
    const none = recording();
    expect((await runTemplate(doc([]), {}, none.env)).ran).toEqual(['guard', 'empty']);
    expect(none.calls).toEqual(['Empty']);
  });

  test('ACS::Choice refuses a When that is not a condition, and a NextTask that names no task', async () => {
    const bad = template([{ Name: 'guard', Action: 'ACS::Choice', Properties: { DefaultTask: 'nowhere', Choices: [{ When: 'yes', NextTask: 'nowhere' }] } }]);
    await expect(runTemplate(bad, {}, recording().env)).rejects.toThrow(/an ACS::Choice condition must evaluate to true or false, not "yes"/);
    const lost = template([{ Name: 'guard', Action: 'ACS::Choice', Properties: { DefaultTask: 'nowhere', Choices: [] } }]);
    await expect(runTemplate(lost, {}, recording().env)).rejects.toThrow(/no task nowhere to go to/);
  });

  const waiting = (retries?: number, more: Record<string, unknown> = {}) => template([{
    Name: 'wait', Action: 'ACS::WaitFor', ...(retries !== undefined ? { Retries: retries } : {}),
    Properties: { Service: 'ECS', API: 'DescribeDisks', Parameters: { RegionId: '{{ regionId }}' }, PropertySelector: '.Disks.Disk[].Status', DesiredValues: ['Available'], ...more },
    Outputs: { status: { Type: 'String', ValueSelector: '.Disks.Disk[0].Status' } },
  }]);
  const disk = (becomesAvailableAt: number, otherwise = 'Creating') => (_api: string, n: number) => ({ Disks: { Disk: [{ Status: n >= becomesAvailableAt ? 'Available' : otherwise }] } });

  test('ACS::WaitFor calls its API until the value is a desired one, at most Retries + 1 times (default 10)', async () => {
    const soon = recording(disk(4));
    const run = await runTemplate(waiting(), {}, soon.env);
    expect(run.status).toBe('Success');
    expect(run.taskOutputs.wait.status).toBe('Available');
    expect(soon.calls).toHaveLength(4);
    const never = recording(disk(100));
    const failed = await runTemplate(waiting(), {}, never.env);
    expect(failed).toMatchObject({ status: 'Failed', failedTask: 'wait' });
    expect(failed.message).toContain('is still ["Creating"] after 11 tries, not one of the desired values ["Available"]');
    expect(never.calls).toHaveLength(11);
    const bounded = recording(disk(100));
    expect((await runTemplate(waiting(2), {}, bounded.env)).status).toBe('Failed');
    expect(bounded.calls).toHaveLength(3);
  });

  test('ACS::WaitFor stops at once on a StopRetryValue', async () => {
    const stopped = recording(disk(100, 'Error'));
    const run = await runTemplate(waiting(30, { StopRetryValues: ['Error'] }), {}, stopped.env);
    expect(run.status).toBe('Failed');
    expect(stopped.calls).toHaveLength(1);
  });

  test('a failed task with OnError goes on there; without it the execution fails at that task', async () => {
    const failing = (api: string) => { if (api === 'Break') throw new Error('Forbidden.RAM'); return {}; };
    const withCleanup = recording(failing);
    const run = await runTemplate(template([api('work', 'Break', { OnError: 'cleanup' }), api('more', 'More', { OnError: 'cleanup' }), api('cleanup', 'Cleanup')]), {}, withCleanup.env);
    expect(run.ran).toEqual(['work', 'cleanup']);
    expect(withCleanup.calls).toEqual(['Break', 'Cleanup']);
    const without = recording(failing);
    const stopped = await runTemplate(template([api('work', 'Break'), api('cleanup', 'Cleanup')]), {}, without.env);
    expect(stopped).toMatchObject({ status: 'Failed', failedTask: 'work' });
    expect(stopped.message).toContain('Forbidden.RAM');
  });

  test('Fn::Jq runs the real jq over a value (First or All); Fn::Select takes an index or a key', async () => {
    const value = async (v: unknown) => {
      const r = recording();
      let got: unknown;
      const env = { ...r.env, callApi: (_s: string, _a: string, p: Record<string, unknown>) => { got = p.Value; return {}; } };
      await runTemplate(template([{ Name: 'call', Action: 'ACS::ExecuteAPI', Properties: { Service: 'ECS', API: 'Echo', Parameters: { RegionId: '{{ regionId }}', Value: v } } }],
        { ids: { Type: 'List', Default: ['i-b', 'i-a'] } }), {}, env);
      return got;
    };
    expect(await value({ 'Fn::Jq': ['First', 'sort | .[0]', '{{ ids }}'] })).toBe('i-a');
    expect(await value({ 'Fn::Jq': ['All', '.[]', '{{ ids }}'] })).toEqual(['i-b', 'i-a']);
    expect(await value({ 'Fn::Select': [1, '{{ ids }}'] })).toBe('i-a');
    expect(await value({ 'Fn::Select': ['DiskId', { DiskId: 'd-1', InstanceId: 'i-1' }] })).toBe('d-1');
    await expect(value({ 'Fn::Jq': ['Some', '.', '{{ ids }}'] })).rejects.toThrow(/Fn::Jq takes/);
  });

  test('ACS::ECS::RunCommand hands its timeout (default 600 s) to the runner', async () => {
    const seen: number[] = [];
    const env = { callApi: () => ({}), runCommand: async (_t: string, _i: string, _c: string, _x: string, timeout: number) => { seen.push(timeout); return { output: '', exitCode: 0 }; } };
    const run = (timeout?: unknown) => runTemplate(template([{
      Name: 'cmd', Action: 'ACS::ECS::RunCommand',
      Properties: { regionId: '{{ regionId }}', instanceId: 'i-1', commandType: 'RunShellScript', commandContent: 'true', ...(timeout !== undefined ? { timeout } : {}) },
    }], { seconds: { Type: 'Number', Default: 30 } }), {}, env);
    await run();
    await run({ 'Fn::Eval': ['{{ seconds }} + 120'] });
    expect(seen).toEqual([600, 150]);
  });
});
