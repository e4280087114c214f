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
    await expect(seen({ 'Fn::Jq': ['.', {}] })).rejects.toThrow(/does not evaluate Fn::Jq/);
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
