import { ValidationError } from './validation';

/**
 * When a group is snapshotted: an OOS `ACS::TimerTrigger` (the first task of a scheduled
 * template). Facts from the OOS documentation: the type is `cron`, `rate` or `at`; a cron
 * expression has six fields, seconds first (`0 0 2 ? * *`: every day at 02:00:00); the time zone
 * defaults to UTC; the end date is required, in UTC (`YYYY-MM-DD` or `YYYY-MM-DDThh:mm:ssZ`).
 */

/** The kinds of timer OOS offers. */
export type ScheduleType = 'cron' | 'rate' | 'at';

/** What a schedule renders to in a TimerTrigger task. */
export interface TimerTriggerProperties {
  readonly Type: ScheduleType;
  readonly Expression: string;
  readonly TimeZone: string;
  readonly EndDate: string;
}

/** Options every schedule takes. */
export interface ScheduleOptions {
  /**
   * IANA time zone the expression is read in.
   *
   * @default 'UTC'
   */
  readonly timeZone?: string;
  /**
   * Last moment the schedule fires, UTC, `YYYY-MM-DD` or `YYYY-MM-DDThh:mm:ssZ` (OOS requires one).
   *
   * @default '2099-12-31T23:59:59Z'
   */
  readonly endDate?: string;
}

/** The end date used when none is given: OOS requires one. */
export const DEFAULT_END_DATE = '2099-12-31T23:59:59Z';

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface CronField {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** Offset of the first name's value (JAN = 1, SUN = 0). */
  readonly nameBase?: number;
}

const FIELDS: readonly CronField[] = [
  { name: 'seconds', min: 0, max: 59 },
  { name: 'minutes', min: 0, max: 59 },
  { name: 'hours', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, nameBase: 1 },
  { name: 'day of week', min: 0, max: 6, names: DAYS, nameBase: 0 },
];

/** A parsed cron expression: the allowed values of each field (undefined: any). */
interface ParsedCron {
  readonly sets: ReadonlyArray<ReadonlySet<number> | undefined>;
}

function parseCron(field: string, expression: string): ParsedCron {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 6) {
    throw new ValidationError(field, 'must be a cron expression of 6 fields: seconds minutes hours day-of-month month day-of-week (e.g. `0 0 2 ? * *`)', expression);
  }
  const sets = parts.map((part, i) => parseCronField(field, expression, FIELDS[i], part));
  if (parts[3] !== '?' && parts[3] !== '*' && parts[5] !== '?' && parts[5] !== '*') {
    throw new ValidationError(field, 'must not restrict both day-of-month and day-of-week: use `?` in one of them', expression);
  }
  return { sets };
}

function parseCronField(field: string, expression: string, spec: CronField, part: string): ReadonlySet<number> | undefined {
  const bad = (why: string) => new ValidationError(field, `has an invalid ${spec.name} field \`${part}\`: ${why}`, expression);
  if (part === '*' || part === '?') {
    if (part === '?' && spec.name !== 'day of month' && spec.name !== 'day of week') {
      throw bad('`?` is allowed only in day-of-month and day-of-week');
    }
    return undefined;
  }
  if (/[LW#]/i.test(part)) {
    throw bad('`L`, `W` and `#` are not supported by this package (it must compute the run times to check them); list the values instead');
  }
  if (spec.name === 'day of week' && /\d/.test(part)) {
    throw bad('use day names (MON-SUN): OOS does not document whether day 1 is Sunday or Monday');
  }
  const value = (text: string): number => {
    const upper = text.toUpperCase();
    if (spec.names && spec.names.includes(upper)) {
      return spec.names.indexOf(upper) + (spec.nameBase ?? 0);
    }
    if (!/^\d+$/.test(text)) throw bad(`\`${text}\` is not a number${spec.names ? ' or a name' : ''}`);
    const n = Number(text);
    if (n < spec.min || n > spec.max) throw bad(`${n} is outside ${spec.min}-${spec.max}`);
    return n;
  };
  const out = new Set<number>();
  for (const item of part.split(',')) {
    const [range, stepText] = item.split('/');
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw bad(`the step \`${stepText}\` must be a positive integer`);
    let from: number;
    let to: number;
    if (range === '*') {
      [from, to] = [spec.min, spec.max];
    } else if (range.includes('-')) {
      const [a, b] = range.split('-');
      [from, to] = [value(a), value(b)];
      if (from > to) throw bad(`the range ${range} runs backwards`);
    } else {
      from = value(range);
      to = stepText === undefined ? from : spec.max;
    }
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

const RATE = /^([1-9]\d*)\s*(minute|minutes|hour|hours|day|days)$/i;

/** The UTC offset of a time zone at an instant, in milliseconds. */
function zoneOffsetMs(timeZone: string, instant: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit',
  }).formatToParts(new Date(instant));
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/** The instant at which the wall clock of `timeZone` shows the given time. */
function zonedToInstant(timeZone: string, y: number, mo: number, d: number, h: number, mi: number, s: number): number {
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  let guess = wall - zoneOffsetMs(timeZone, wall);
  guess = wall - zoneOffsetMs(timeZone, guess);
  return guess;
}

function checkTimeZone(field: string, timeZone: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new ValidationError(field, 'must be an IANA time zone such as Asia/Shanghai or UTC', timeZone);
  }
}

function parseEndDate(field: string, endDate: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2}):(\d{2})Z)?$/.exec(endDate);
  const t = m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +(m[4] ?? 23), +(m[5] ?? 59), +(m[6] ?? 59)) : NaN;
  if (!m || Number.isNaN(t) || new Date(t).getUTCDate() !== +m[3]) {
    throw new ValidationError(field, 'must be a UTC date `YYYY-MM-DD` or `YYYY-MM-DDThh:mm:ssZ`', endDate);
  }
  return t;
}

/** Minutes in each rate unit. */
const RATE_UNIT_MINUTES = { minute: 1, hour: 60, day: 1440 } as const;

/** A rate `N unit` (unit singular) as OOS's documented form, `N minutes` (`1 minute`). */
function rateInMinutes(expression: string): string {
  const [n, unit] = expression.split(' ');
  const minutes = Number(n) * RATE_UNIT_MINUTES[unit as keyof typeof RATE_UNIT_MINUTES];
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}

/** When a group's automation runs. */
export class Schedule {
  /**
   * A cron expression of six fields, seconds first, read in `timeZone`:
   * `Schedule.cron('0 0 2 ? * *', { timeZone: 'Asia/Shanghai' })` is every day at 02:00.
   */
  public static cron(expression: string, options: ScheduleOptions = {}, field = 'schedule'): Schedule {
    parseCron(`${field}.expression`, expression);
    return new Schedule('cron', expression.trim().replace(/\s+/g, ' '), options, field);
  }

  /** Every N minutes, hours or days: `Schedule.rate(6, 'hours')`. */
  public static rate(every: number, unit: 'minutes' | 'hours' | 'days', options: ScheduleOptions = {}, field = 'schedule'): Schedule {
    if (!Number.isInteger(every) || every < 1) {
      throw new ValidationError(`${field}.expression`, 'must repeat every whole number of minutes, hours or days (at least 1)', every);
    }
    const singular = unit.replace(/s$/, '');
    return new Schedule('rate', `${every} ${singular}`, options, field);
  }

  /** Once, at a moment given as `YYYY-MM-DDThh:mm:ssZ`. */
  public static at(moment: string, options: ScheduleOptions = {}, field = 'schedule'): Schedule {
    parseEndDate(`${field}.expression`, moment);
    return new Schedule('at', moment, options, field);
  }

  /** Parses the posture file's form: `cron(...)`, `rate(6 hours)` or `at(...)`. */
  public static parse(text: string, options: ScheduleOptions = {}, field = 'schedule'): Schedule {
    const m = /^\s*(cron|rate|at)\((.*)\)\s*$/.exec(text);
    if (!m) {
      throw new ValidationError(`${field}.expression`, 'must be cron(<6 fields>), rate(<N minutes|hours|days>) or at(<YYYY-MM-DDThh:mm:ssZ>)', text);
    }
    if (m[1] === 'cron') return Schedule.cron(m[2], options, field);
    if (m[1] === 'at') return Schedule.at(m[2].trim(), options, field);
    const r = RATE.exec(m[2].trim());
    if (!r) {
      throw new ValidationError(`${field}.expression`, 'must repeat every whole number of minutes, hours or days, e.g. rate(6 hours)', text);
    }
    const unit = `${r[2].toLowerCase().replace(/s$/, '')}s` as 'minutes' | 'hours' | 'days';
    return Schedule.rate(Number(r[1]), unit, options, field);
  }

  public readonly timeZone: string;
  public readonly endDate: string;
  private readonly endInstant: number;

  private constructor(public readonly type: ScheduleType, public readonly expression: string, options: ScheduleOptions, field: string) {
    this.timeZone = options.timeZone ?? 'UTC';
    checkTimeZone(`${field}.timeZone`, this.timeZone);
    this.endDate = options.endDate ?? DEFAULT_END_DATE;
    this.endInstant = parseEndDate(`${field}.endDate`, this.endDate);
  }

  /**
   * The properties of the TimerTrigger task. A rate is written in minutes whatever its unit:
   * Alibaba documents rate expressions only in minutes (`5 minute` in the OOS documentation,
   * `30 minutes` in a public template) and shows no hour or day unit, so `rate(6 hours)` becomes
   * `360 minutes` (`1 minute` for one). A cron expression would not be the same schedule: a rate
   * counts from the start of the execution, a cron from midnight. The words and next run times
   * ({@link describe}, {@link nextRuns}) keep the unit given.
   */
  public toTimerTrigger(): TimerTriggerProperties {
    return { Type: this.type, Expression: this.type === 'rate' ? rateInMinutes(this.expression) : this.expression, TimeZone: this.timeZone, EndDate: this.endDate };
  }

  /**
   * The next `count` run times strictly after `from`, as UTC instants. A rate schedule counts
   * from `from` (OOS counts from the start of the execution).
   */
  public nextRuns(count: number, from: Date): Date[] {
    const out: Date[] = [];
    const start = from.getTime();
    if (this.type === 'at') {
      const t = parseEndDate('at', this.expression);
      return t > start && t <= this.endInstant ? [new Date(t)] : [];
    }
    if (this.type === 'rate') {
      const [n, unit] = this.expression.split(' ');
      const ms = Number(n) * RATE_UNIT_MINUTES[unit as keyof typeof RATE_UNIT_MINUTES] * 60_000;
      for (let t = start + ms; out.length < count && t <= this.endInstant; t += ms) out.push(new Date(t));
      return out;
    }
    const { sets } = parseCron('expression', this.expression);
    const list = (i: number) => [...(sets[i] ?? new Set(Array.from({ length: FIELDS[i].max - FIELDS[i].min + 1 }, (_, k) => k + FIELDS[i].min)))].sort((a, b) => a - b);
    const [secs, mins, hours] = [list(0), list(1), list(2)];
    // Walk the days of the zone's calendar from the day of `from`, for at most ten years.
    const offset = zoneOffsetMs(this.timeZone, start);
    const day = new Date(start + offset);
    let [y, mo, d] = [day.getUTCFullYear(), day.getUTCMonth() + 1, day.getUTCDate()];
    for (let i = 0; i < 3660 && out.length < count; i++) {
      const weekday = new Date(Date.UTC(y, mo - 1, d)).getUTCDay();
      const okDay = (sets[3] === undefined || sets[3].has(d)) && (sets[4] === undefined || sets[4].has(mo)) && (sets[5] === undefined || sets[5].has(weekday));
      if (okDay) {
        for (const h of hours) {
          for (const mi of mins) {
            for (const s of secs) {
              const t = zonedToInstant(this.timeZone, y, mo, d, h, mi, s);
              if (t > start && t <= this.endInstant && out.length < count) out.push(new Date(t));
            }
          }
        }
      }
      const next = new Date(Date.UTC(y, mo - 1, d + 1));
      [y, mo, d] = [next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate()];
      if (Date.UTC(y, mo - 1, d) - 86_400_000 > this.endInstant) break;
    }
    return out;
  }

  /** The schedule in words, for reports. */
  public describe(): string {
    const tz = this.timeZone === 'UTC' ? 'UTC' : this.timeZone;
    if (this.type === 'at') return `once at ${this.expression}`;
    if (this.type === 'rate') {
      const [n, unit] = this.expression.split(' ');
      return `every ${n === '1' ? unit : `${n} ${unit}s`}, until ${this.endDate}`;
    }
    const [s, mi, h, dom, mon, dow] = this.expression.split(' ');
    const step = (f: string) => /^(?:\*|0)\/(\d+)$/.exec(f)?.[1];
    let time: string;
    if (/^\d+$/.test(h) && /^\d+$/.test(mi) && /^\d+$/.test(s)) {
      time = `at ${h.padStart(2, '0')}:${mi.padStart(2, '0')}${s === '0' ? '' : `:${s.padStart(2, '0')}`} ${tz}`;
    } else if (s === '0' && step(mi) !== undefined && h === '*') {
      time = `every ${step(mi)} minutes (${tz})`;
    } else if (s === '0' && /^\d+$/.test(mi) && step(h) !== undefined) {
      time = `every ${step(h)} hours at minute ${mi} (${tz})`;
    } else {
      time = `at seconds ${s}, minutes ${mi}, hours ${h} (${tz})`;
    }
    const days = dom === '?' || dom === '*'
      ? (dow === '?' || dow === '*' ? 'every day' : `on ${dow}`)
      : `on day ${dom} of the month`;
    const months = mon === '*' ? '' : ` in ${mon}`;
    return `${days}${months} ${time}, until ${this.endDate}`;
  }
}
