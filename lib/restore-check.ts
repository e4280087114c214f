import * as fs from 'fs';
import * as path from 'path';
import { TEMPLATES_DIR, packShellBody, shellFact, shellQuote } from './plugin/command';
import { ValidationError } from './validation';

/**
 * What a restore drill checks on the scratch instance once the restored disks are attached: a
 * check of the script library under `templates/checks/` (one file per engine, all sharing
 * `templates/checks/lib/drill.sh`), with its options. See docs/restore-drills.md.
 */

/** The engines the library checks, and `generic` (file systems only, or a script of yours). */
export type RestoreCheckKind = 'mysql' | 'postgresql' | 'redis' | 'generic';

/** The directory of the check library. */
export const CHECKS_DIR = path.join(TEMPLATES_DIR, 'checks');

/** The first word of the check's result line. */
export const DRILL_RESULT_PREFIX = 'APP_SNAPSHOT_DRILL_RESULT';

/** The verdicts a check gives. */
export const DRILL_VERDICTS = ['restorable', 'restorable after crash recovery', 'not restorable'] as const;

/** Options every engine's check takes. */
export interface EngineRestoreCheckOptions {
  /**
   * The data directory as it is on the group's instances; on the restored file systems the check
   * looks for it under every mount point, by the end of the path (a disk mounted at
   * `/var/lib/mysql` itself holds it at its root).
   *
   * @default - MySQL `/var/lib/mysql`, Redis `/var/lib/redis`, PostgreSQL the one data directory found
   */
  readonly dataDir?: string;
  /**
   * MySQL and PostgreSQL: a query that must succeed and return at least one row; Redis: a
   * command whose reply must be neither empty, nil nor 0 (`EXISTS orders:last`).
   *
   * @default - none: the engine's own checks only
   */
  readonly query?: string;
  /**
   * MySQL and PostgreSQL: the database the query runs in.
   *
   * @default - MySQL none (qualify the tables), PostgreSQL `postgres`
   */
  readonly database?: string;
}

/** Limits of the check options. */
export const RESTORE_CHECK_LIMITS = { queryMaxLength: 2048, scriptMaxBytes: 8 * 1024 } as const;

const DATA_DIR_PATTERN = '^/[A-Za-z0-9._/-]{0,255}$';
const DATABASE_PATTERN = '^[A-Za-z0-9_$-]{1,64}$';

/** Which check a drill runs on the scratch instance. */
export abstract class RestoreCheck {
  /** MySQL / MariaDB: every InnoDB table checked, the binary log position found, the query. */
  public static mysql(options: EngineRestoreCheckOptions = {}): RestoreCheck {
    return new EngineCheck('mysql', options);
  }

  /** PostgreSQL: recovery finished, amcheck on every B-tree index where available, the query. */
  public static postgresql(options: EngineRestoreCheckOptions = {}): RestoreCheck {
    return new EngineCheck('postgresql', options);
  }

  /** Redis: the data loads, the keys are counted, the command answers. */
  public static redis(options: Omit<EngineRestoreCheckOptions, 'database'> = {}): RestoreCheck {
    return new EngineCheck('redis', options);
  }

  /** File-system checks only. */
  public static generic(): RestoreCheck {
    return new ScriptCheck();
  }

  /**
   * The file-system checks, then your script (bash, at most 8 KB, read at synth), run as root
   * with the restored mount points in `DRILL_MOUNTS`: exit 0 when the data is good, anything else
   * (with a last line saying why) when it is not.
   */
  public static fromFile(file: string): RestoreCheck {
    return new ScriptCheck(file);
  }

  /** The library check that runs. */
  public abstract readonly kind: RestoreCheckKind;

  /** The options as the report shows them (a script by its path). */
  public abstract describe(): Readonly<Record<string, string>>;

  /** Throws a ValidationError (naming `field`) for an option that breaks its rule. */
  public abstract validate(field: string): void;

  /** The check's variables, by name, as the check file reads them. */
  public abstract variables(): Readonly<Record<string, string>>;
}

class EngineCheck extends RestoreCheck {
  constructor(public readonly kind: RestoreCheckKind, private readonly options: EngineRestoreCheckOptions) {
    super();
  }

  public describe(): Readonly<Record<string, string>> {
    return Object.fromEntries(Object.entries(this.options).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]));
  }

  public validate(field: string): void {
    const o = this.options;
    const known = this.kind === 'redis' ? ['dataDir', 'query'] : ['dataDir', 'query', 'database'];
    for (const key of Object.keys(o)) {
      if (!known.includes(key)) throw new ValidationError(`${field}.${key}`, `is not an option of the ${this.kind} check (${known.join(', ')})`, (o as Record<string, unknown>)[key]);
    }
    if (o.dataDir !== undefined && (typeof o.dataDir !== 'string' || !new RegExp(DATA_DIR_PATTERN).test(o.dataDir) || o.dataDir.includes('..'))) {
      throw new ValidationError(`${field}.dataDir`, 'must be an absolute path of letters, digits, `.` `_` `-` `/` without `..`', o.dataDir);
    }
    if (o.database !== undefined && (typeof o.database !== 'string' || !new RegExp(DATABASE_PATTERN).test(o.database))) {
      throw new ValidationError(`${field}.database`, 'must be 1 to 64 letters, digits, `_` `$` `-`', o.database);
    }
    if (o.query !== undefined) checkText(`${field}.query`, o.query, RESTORE_CHECK_LIMITS.queryMaxLength);
  }

  public variables(): Readonly<Record<string, string>> {
    return {
      DRILL_DATA_DIR: this.options.dataDir ?? '',
      DRILL_QUERY: this.options.query ?? '',
      DRILL_DATABASE: this.options.database ?? '',
    };
  }
}

class ScriptCheck extends RestoreCheck {
  public readonly kind = 'generic';

  constructor(private readonly file?: string) {
    super();
  }

  public describe(): Readonly<Record<string, string>> {
    return this.file === undefined ? {} : { script: this.file };
  }

  public validate(field: string): void {
    if (this.file !== undefined) this.script(field);
  }

  public variables(): Readonly<Record<string, string>> {
    return { DRILL_USER_CHECK: this.file === undefined ? '' : Buffer.from(this.script('script'), 'utf8').toString('base64') };
  }

  private script(field: string): string {
    let text: string;
    try {
      text = fs.readFileSync(this.file!, 'utf8');
    } catch {
      throw new ValidationError(`${field}.script`, 'must name a readable file', this.file);
    }
    if (Buffer.byteLength(text, 'utf8') > RESTORE_CHECK_LIMITS.scriptMaxBytes) {
      throw new ValidationError(`${field}.script`, `must be at most ${RESTORE_CHECK_LIMITS.scriptMaxBytes} bytes (it travels inside the drill's command)`, this.file);
    }
    if (text.includes('{{')) {
      throw new ValidationError(`${field}.script`, 'must not contain `{{` (OOS substitutes it in a command)', this.file);
    }
    return text;
  }
}

/** Text that travels in a command: no `{{` (OOS would substitute it), no NUL, bounded. */
function checkText(field: string, value: unknown, max: number): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) {
    throw new ValidationError(field, `must be a text of 1 to ${max} characters`, value);
  }
  if (value.includes('{{') || /[\0\r\n]/.test(value)) {
    throw new ValidationError(field, 'must be one line without `{{` (OOS substitutes it in a command)', value);
  }
}

/** The values the drill template substitutes into the check's command (OOS references). */
export interface DrillCheckFacts {
  /** `DISK_ID[:SERIAL]` per restored disk, space-separated. */
  readonly disks: string;
  readonly deadlineSeconds: string;
  readonly startedAt: string;
  readonly executionId: string;
  readonly groupId: string;
  readonly sourceInstanceId: string;
}

/** The check file of a kind, with its shared library. */
function checkFiles(kind: RestoreCheckKind): string[] {
  const engine = fs.readFileSync(path.join(CHECKS_DIR, `${kind}.sh`), 'utf8');
  // The library goes first in the body; the engine file's line that sources it goes.
  const include = /^# shellcheck source=lib\/drill\.sh\n\. "\$\(dirname "\$\{BASH_SOURCE\[0\]\}"\)\/lib\/drill\.sh"\n/m;
  if (!include.test(engine)) throw new Error(`templates/checks/${kind}.sh: it must source lib/drill.sh as the library's files do`);
  return [fs.readFileSync(path.join(CHECKS_DIR, 'lib', 'drill.sh'), 'utf8'), engine.replace(include, '').replace(/^#!.*\n/, '')];
}

/**
 * The command the drill runs on the scratch instance: a header with the check's options (from
 * the construct, quoted) and the facts OOS substitutes (ids and numbers that the template's
 * parameters and selectors guard), then the check library and the engine's file, packed.
 */
export function buildDrillCheckCommand(check: RestoreCheck, facts: DrillCheckFacts): string {
  const options = Object.entries(check.variables()).map(([name, value]) => `${name}=${shellQuote(value)}`);
  return packShellBody([
    '#!/bin/bash',
    `# Generated by ros-app-consistent-snapshot: the restore drill's ${check.kind} check (templates/checks/${check.kind}.sh).`,
    `DRILL_ENGINE=${shellQuote(check.kind === 'generic' && check.describe().script !== undefined ? 'script' : check.kind)}`,
    ...options,
    `DRILL_DEADLINE_SECONDS=${shellQuote(facts.deadlineSeconds)}`,
    `DRILL_STARTED_AT=${shellQuote(facts.startedAt)}`,
    `DRILL_EXECUTION_ID=${shellQuote(facts.executionId)}`,
    `DRILL_GROUP_ID=${shellQuote(facts.groupId)}`,
    `DRILL_SOURCE_INSTANCE_ID=${shellQuote(facts.sourceInstanceId)}`,
    shellFact('DRILL_DISK_IDS', facts.disks),
  ], checkFiles(check.kind));
}
