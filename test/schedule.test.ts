import { DEFAULT_END_DATE, Schedule } from '../lib/schedule';

const iso = (ds: Date[]) => ds.map((d) => d.toISOString());

describe('Schedule', () => {
  test('cron: every day at 02:00 Shanghai time, as UTC instants', () => {
    const s = Schedule.cron('0 0 2 ? * *', { timeZone: 'Asia/Shanghai' });
    expect(iso(s.nextRuns(3, new Date('2026-11-24T00:00:00Z')))).toEqual([
      '2026-11-24T18:00:00.000Z', '2026-11-25T18:00:00.000Z', '2026-11-26T18:00:00.000Z',
    ]);
    expect(s.toTimerTrigger()).toEqual({ Type: 'cron', Expression: '0 0 2 ? * *', TimeZone: 'Asia/Shanghai', EndDate: DEFAULT_END_DATE });
    expect(s.describe()).toBe(`every day at 02:00 Asia/Shanghai, until ${DEFAULT_END_DATE}`);
  });

  test('cron across a daylight-saving change keeps the wall-clock time', () => {
    const s = Schedule.cron('0 30 1 ? * SUN', { timeZone: 'Europe/Berlin' });
    expect(iso(s.nextRuns(2, new Date('2026-03-28T12:00:00Z')))).toEqual([
      '2026-03-29T00:30:00.000Z', // 01:30 CET (UTC+1), before the change at 02:00
      '2026-04-04T23:30:00.000Z', // 01:30 CEST (UTC+2)
    ]);
  });

  test('cron lists, ranges, steps and month names', () => {
    const s = Schedule.cron('0 0/30 9-10 ? JAN,FEB MON-FRI');
    expect(iso(s.nextRuns(5, new Date('2027-01-01T00:00:00Z')))).toEqual([
      '2027-01-01T09:00:00.000Z', '2027-01-01T09:30:00.000Z', '2027-01-01T10:00:00.000Z', '2027-01-01T10:30:00.000Z', '2027-01-04T09:00:00.000Z',
    ]);
    expect(Schedule.cron('0 0 3 1 * ?').describe()).toMatch(/^on day 1 of the month at 03:00 UTC/);
  });

  test('rate and at', () => {
    const r = Schedule.parse('rate(6 hours)');
    // Emitted in the only unit Alibaba documents for a rate: minutes; the words keep the hours.
    expect(r.toTimerTrigger().Expression).toBe('360 minutes');
    expect(iso(r.nextRuns(2, new Date('2026-01-01T00:00:00Z')))).toEqual(['2026-01-01T06:00:00.000Z', '2026-01-01T12:00:00.000Z']);
    expect(r.describe()).toBe(`every 6 hours, until ${DEFAULT_END_DATE}`);
    const a = Schedule.parse('at(2027-05-01T00:00:00Z)');
    expect(iso(a.nextRuns(3, new Date('2026-01-01T00:00:00Z')))).toEqual(['2027-05-01T00:00:00.000Z']);
  });

  test.each([
    ['rate(1 minute)', '1 minute', 'every minute'],
    ['rate(15 minutes)', '15 minutes', 'every 15 minutes'],
    ['rate(1 hour)', '60 minutes', 'every hour'],
    ['rate(6 hours)', '360 minutes', 'every 6 hours'],
    ['rate(1 day)', '1440 minutes', 'every day'],
    ['rate(2 days)', '2880 minutes', 'every 2 days'],
  ])('%s is emitted as %s, described as %s, with the same run times', (text, emitted, words) => {
    const s = Schedule.parse(text);
    expect(s.toTimerTrigger()).toMatchObject({ Type: 'rate', Expression: emitted });
    expect(s.toTimerTrigger().Expression).toMatch(/^[1-9]\d* minutes?$/);
    expect(s.describe()).toBe(`${words}, until ${DEFAULT_END_DATE}`);
    const minutes = Number(emitted.split(' ')[0]);
    const from = new Date('2026-01-01T00:00:00Z');
    expect(iso(s.nextRuns(2, from))).toEqual([1, 2].map((k) => new Date(from.getTime() + k * minutes * 60_000).toISOString()));
  });

  test('the end date stops the runs', () => {
    const s = Schedule.cron('0 0 0 ? * *', { endDate: '2026-01-02' });
    expect(iso(s.nextRuns(5, new Date('2025-12-31T12:00:00Z')))).toEqual(['2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z']);
  });

  test.each<[string, () => unknown, RegExp]>([
    ['five fields', () => Schedule.cron('0 2 * * *'), /`schedule.expression` must be a cron expression of 6 fields.*got "0 2 \* \* \*"/],
    ['an hour of 24', () => Schedule.cron('0 0 24 ? * *'), /invalid hours field `24`: 24 is outside 0-23/],
    ['a backwards range', () => Schedule.cron('0 0 5-3 ? * *'), /the range 5-3 runs backwards/],
    ['both day fields restricted', () => Schedule.cron('0 0 2 1 * MON'), /must not restrict both day-of-month and day-of-week/],
    ['L', () => Schedule.cron('0 0 2 L * ?'), /`L`, `W` and `#` are not supported/],
    ['a numeric day of week', () => Schedule.cron('0 0 2 ? * 1'), /use day names \(MON-SUN\)/],
    ['? in the hours', () => Schedule.cron('0 0 ? ? * *'), /`\?` is allowed only in day-of-month and day-of-week/],
    ['an unknown time zone', () => Schedule.cron('0 0 2 ? * *', { timeZone: 'Mars/Olympus' }), /`schedule.timeZone` must be an IANA time zone.*got "Mars\/Olympus"/],
    ['a malformed end date', () => Schedule.cron('0 0 2 ? * *', { endDate: '2026-02-30' }), /`schedule.endDate` must be a UTC date/],
    ['an unknown form', () => Schedule.parse('daily'), /must be cron\(<6 fields>\), rate\(/],
    ['a rate of 0', () => Schedule.parse('rate(0 hours)'), /must repeat every whole number/],
    ['a rate in weeks', () => Schedule.parse('rate(1 week)'), /must repeat every whole number of minutes, hours or days/],
  ])('refuses %s', (_, make, error) => {
    expect(make).toThrow(error);
  });

  test('errors name the posture field when given one', () => {
    expect(() => Schedule.parse('cron(0 0 2 * *)', {}, 'groups[1].schedule')).toThrow(/`groups\[1\]\.schedule\.expression`/);
  });
});
