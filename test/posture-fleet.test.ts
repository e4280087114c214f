/** Posture files: targets by ids or tags, schedules, the posture name. */
import { parsePosture } from '../lib/posture/loader';
import { REPO_ROOT } from './helpers';

const ID = 'i-abcdefgh0001';
const posture = (...groups: Array<Record<string, unknown>>) => ({ version: 1, groups });
const parse = (doc: unknown) => parsePosture(doc, REPO_ROOT);

describe('targets', () => {
  test('instances, targets.instances and targets.tags', () => {
    const p = parse(posture(
      { name: 'a', os: 'linux', instances: [ID] },
      { name: 'b', os: 'linux', targets: { instances: ['i-abcdefgh0002'] } },
      { name: 'c', os: 'windows', targets: { tags: { tier: 'sql', env: 'prod' } } },
    ));
    expect(p.groups.map((g) => [g.options.instanceIds, g.options.targetTags])).toEqual([
      [[ID], undefined], [['i-abcdefgh0002'], undefined], [undefined, { tier: 'sql', env: 'prod' }],
    ]);
  });

  test.each<[string, Record<string, unknown>, RegExp]>([
    ['neither', { name: 'a', os: 'linux' }, /`groups\[0\].targets` is required: targets.instances .* or targets.tags/],
    ['both forms', { name: 'a', os: 'linux', instances: [ID], targets: { instances: [ID] } }, /`groups\[0\].instances` must not be given together with targets/],
    ['ids and tags', { name: 'a', os: 'linux', targets: { instances: [ID], tags: { a: 'b' } } }, /`groups\[0\].targets` must name either instances or tags, not both/],
    ['an unknown key', { name: 'a', os: 'linux', targets: { hosts: [ID] } }, /`groups\[0\].targets.hosts` is not a known key/],
    ['a number as tag value', { name: 'a', os: 'linux', targets: { tags: { tier: 3 } } }, /`groups\[0\].targets.tags.tier` must be a string \(quote numbers/],
    ['a reserved tag key', { name: 'a', os: 'linux', targets: { tags: { 'acs:x': 'y' } } }, /`groups\[0\].targets.tags` must have keys .*got "acs:x"/],
    ['a bad id', { name: 'a', os: 'linux', targets: { instances: ['bad'] } }, /`groups\[0\].targets.instances\[0\]` must be an ECS instance id/],
    ['a bad id (short form)', { name: 'a', os: 'linux', instances: ['bad'] }, /`groups\[0\].instances\[0\]` must be an ECS instance id/],
  ])('%s is refused with the field, the rule and the value', (_, group, error) => {
    expect(() => parse(posture(group))).toThrow(error);
  });

  test('two groups whose tags select the same instances for certain are refused', () => {
    expect(() => parse(posture(
      { name: 'a', os: 'linux', targets: { tags: { tier: 'db' } } },
      { name: 'b', os: 'linux', targets: { tags: { tier: 'db', env: 'prod' } } },
    ))).toThrow(/`groups\[1\].targets.tags` must not select instances that groups\[0\] selects too/);
    // Different values can not select the same instance.
    expect(parse(posture(
      { name: 'a', os: 'linux', targets: { tags: { tier: 'db' } } },
      { name: 'b', os: 'linux', targets: { tags: { tier: 'web' } } },
    )).groups).toHaveLength(2);
  });

  test('an id in two groups is refused, named in the form the file used', () => {
    expect(() => parse(posture({ name: 'a', os: 'linux', instances: [ID] }, { name: 'b', os: 'linux', targets: { instances: [ID] } })))
      .toThrow(/`groups\[1\].targets.instances\[0\]` must belong to one group only \(it is in groups\[0\]/);
  });
});

describe('schedule', () => {
  test('the short form and the long form', () => {
    const p = parse(posture(
      { name: 'a', os: 'linux', instances: [ID], schedule: 'cron(0 0 2 ? * *)' },
      { name: 'b', os: 'linux', instances: ['i-abcdefgh0002'], schedule: { expression: 'rate(6 hours)', timeZone: 'Asia/Tokyo', endDate: '2030-12-31' } },
    ));
    expect(p.groups[0].options.schedule!.toTimerTrigger()).toEqual({ Type: 'cron', Expression: '0 0 2 ? * *', TimeZone: 'UTC', EndDate: '2099-12-31T23:59:59Z' });
    expect(p.groups[1].options.schedule!.toTimerTrigger()).toEqual({ Type: 'rate', Expression: '360 minutes', TimeZone: 'Asia/Tokyo', EndDate: '2030-12-31' });
  });

  test.each<[unknown, RegExp]>([
    ['cron(0 0 2 * *)', /`groups\[0\].schedule.expression` must be a cron expression of 6 fields.*got "0 0 2 \* \*"/],
    ['cron(0 0 25 ? * *)', /`groups\[0\].schedule.expression` has an invalid hours field `25`: 25 is outside 0-23/],
    ['every day', /`groups\[0\].schedule.expression` must be cron\(<6 fields>\), rate\(<N minutes\|hours\|days>\) or at/],
    ['rate(0 hours)', /`groups\[0\].schedule.expression` must repeat every whole number/],
    [{ expression: 'cron(0 0 2 ? * *)', timeZone: 'Mars/Olympus' }, /`groups\[0\].schedule.timeZone` must be an IANA time zone/],
    [{ expression: 'cron(0 0 2 ? * *)', endDate: '2030-02-30' }, /`groups\[0\].schedule.endDate` must be a UTC date/],
    [{ timeZone: 'UTC' }, /`groups\[0\].schedule.expression` is required/],
    [{ expression: 'cron(0 0 2 ? * *)', every: 1 }, /`groups\[0\].schedule.every` is not a known key/],
  ])('a bad schedule %j is refused with the field, the rule and the value', (schedule, error) => {
    expect(() => parse(posture({ name: 'a', os: 'linux', instances: [ID], schedule }))).toThrow(error);
  });

  test('more than 1,000 ids need a schedule', () => {
    const ids = Array.from({ length: 1001 }, (_, i) => `i-big${String(i).padStart(10, '0')}`);
    expect(() => parse(posture({ name: 'a', os: 'linux', instances: ids }))).toThrow(/`groups\[0\].instances` must list at most 1000 instances without a schedule/);
    expect(parse(posture({ name: 'a', os: 'linux', instances: ids, schedule: 'rate(1 day)' })).groups[0].options.instanceIds).toHaveLength(1001);
  });
});

describe('posture name', () => {
  test('defaults to the stack name, and is checked as a tag value', () => {
    expect(parse({ ...posture({ name: 'a', os: 'linux', instances: [ID] }), stackName: 'Prod' }).postureName).toBe('Prod');
    expect(parse({ ...posture({ name: 'a', os: 'linux', instances: [ID] }), postureName: 'prod-backup' }).postureName).toBe('prod-backup');
    expect(() => parse({ ...posture({ name: 'a', os: 'linux', instances: [ID] }), postureName: 'has space' }))
      .toThrow(/`postureName` must be a letter or digit followed by up to 127 .*got "has space"/);
  });
});
