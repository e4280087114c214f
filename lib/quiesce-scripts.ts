import * as fs from 'fs';
import * as path from 'path';
import { packagePath } from './package-root';
import { shellQuote } from './plugin/command';
import { ValidationError } from './validation';

/** The two scripts as they will be installed on the instance. */
export interface QuiesceScriptPair {
  /** A short label for logs and reports, e.g. `generic` or `files`. */
  readonly kind: string;
  /** Content of `/tmp/prescript.sh`. */
  readonly prescript: string;
  /** Content of `/tmp/postscript.sh`. */
  readonly postscript: string;
}

/** The directory holding the script library (`templates/scripts/<engine>/`). */
export const SCRIPT_LIBRARY_DIR = packagePath('templates', 'scripts');

/** How the MySQL / MariaDB prescript blocks writes. */
export enum MysqlLockMode {
  /** `FLUSH TABLES WITH READ LOCK`: MySQL and MariaDB; waits for running statements. */
  FLUSH_TABLES_WITH_READ_LOCK = 'ftwrl',
  /**
   * MariaDB 10.4+ `BACKUP STAGE START` through `BLOCK_COMMIT`: blocks commits and DDL but lets
   * running InnoDB statements continue until they commit.
   */
  BACKUP_STAGE = 'backup-stage',
}

/** Options of {@link QuiesceScripts.mysql}. */
export interface MysqlQuiesceOptions {
  /**
   * How the prescript blocks writes.
   *
   * @default MysqlLockMode.FLUSH_TABLES_WITH_READ_LOCK
   */
  readonly lockMode?: MysqlLockMode;
  /**
   * How long the lock may wait behind running statements, in seconds (1-600).
   *
   * New writes queue behind a waiting lock, so keep it short; at the bound the prescript
   * exits 4 and the queue drains. Also the connect timeout.
   *
   * @default 5
   */
  readonly lockWaitSeconds?: number;
  /**
   * How long the lock is held at most if no postscript comes, in seconds (1-3600).
   *
   * Must exceed the lock wait plus the clean timeout. A postscript after it exits 6.
   *
   * @default 60
   */
  readonly holdTimeoutSeconds?: number;
  /**
   * Flush InnoDB's dirty pages before and under the lock, so that the copy needs no redo recovery.
   *
   * Costs a longer hold: writes wait while the remaining pages are flushed.
   *
   * @default false
   */
  readonly clean?: boolean;
  /**
   * How long the clean mode may take, in seconds (1-3600); only with `clean`.
   *
   * @default 30
   */
  readonly cleanTimeoutSeconds?: number;
  /**
   * A root-only client option file with the credentials, passed as `--defaults-extra-file`.
   *
   * @default - none: the client's own defaults (root's `~/.my.cnf`, unix socket authentication)
   */
  readonly defaultsFile?: string;
  /**
   * The server's unix socket.
   *
   * @default - the client's default socket
   */
  readonly socket?: string;
  /**
   * Connect over TCP to this host instead of the socket.
   *
   * @default - the socket
   */
  readonly host?: string;
  /**
   * The TCP port, with `host`.
   *
   * @default - the client's default (3306)
   */
  readonly port?: number;
}

/** Options of {@link QuiesceScripts.postgresql}. */
export interface PostgresqlQuiesceOptions {
  /**
   * Strict mode: hold `pg_backup_start` in a background session until the postscript stops it.
   *
   * The postscript then waits until the backup's WAL is archived and saves the backup label. The
   * server must archive WAL (`archive_mode`, `archive_command`): the prescript refuses one that
   * does not. Off: `CHECKPOINT`, nothing held.
   *
   * @default false
   */
  readonly strict?: boolean;
  /**
   * The bound on each server step, in seconds (1-3600).
   *
   * Connecting, `CHECKPOINT` or `pg_backup_start`, `pg_backup_stop`, and the wait for its WAL to be
   * archived.
   *
   * @default 60
   */
  readonly timeoutSeconds?: number;
  /**
   * Strict mode: how long the backup is held at most if no postscript comes, in seconds (1-3600).
   *
   * Must exceed `timeoutSeconds`. A postscript after it exits 6.
   *
   * @default 120
   */
  readonly holdTimeoutSeconds?: number;
  /**
   * The server's socket directory (an absolute path) or host name.
   *
   * @default '/var/run/postgresql'
   */
  readonly host?: string;
  /**
   * The server's port.
   *
   * @default 5432
   */
  readonly port?: number;
  /**
   * The database user.
   *
   * @default 'postgres'
   */
  readonly user?: string;
  /**
   * The database to connect to.
   *
   * @default 'postgres'
   */
  readonly database?: string;
  /**
   * The OS user `psql` runs as, for peer authentication over the socket (`root`: run as root).
   *
   * Not with `passwordFile`.
   *
   * @default 'postgres'
   */
  readonly osUser?: string;
  /**
   * A root-only password file in `.pgpass` format; `psql` then runs as root and reads it.
   *
   * @default - none: peer authentication as `osUser`
   */
  readonly passwordFile?: string;
  /**
   * Strict mode: where the postscript saves each backup label (and tablespace map).
   *
   * @default '/var/lib/app-consistent-snapshot/postgresql'
   */
  readonly backupLabelDir?: string;
}

/** Options of {@link QuiesceScripts.redis}. */
export interface RedisQuiesceOptions {
  /**
   * The server's host.
   *
   * @default '127.0.0.1'
   */
  readonly host?: string;
  /**
   * The server's port.
   *
   * @default 6379
   */
  readonly port?: number;
  /**
   * The server's unix socket, instead of `host` and `port`.
   *
   * @default - host and port
   */
  readonly socket?: string;
  /**
   * The ACL user name, with `passwordFile`.
   *
   * @default - the default user
   */
  readonly user?: string;
  /**
   * A root-only file whose first line is the password.
   *
   * @default - no password
   */
  readonly passwordFile?: string;
  /**
   * How long each command may take, in seconds (1-300).
   *
   * A server busy with a long-running command fails the prescript (exit 4) instead of stalling it.
   *
   * @default 5
   */
  readonly commandTimeoutSeconds?: number;
  /**
   * How long waiting for a running AOF rewrite, for `BGSAVE` (append-only file off) and for the AOF
   * buffer to be written (append-only file on) may take, in seconds (1-86400).
   *
   * @default 300
   */
  readonly saveTimeoutSeconds?: number;
  /**
   * How long writes stay paused at most if no postscript comes, in seconds (1-3600).
   *
   * It is the `CLIENT PAUSE` timeout, so Redis itself resumes writes. A postscript after it exits
   * 6. Only with the append-only file on: without it nothing is paused.
   *
   * @default 60
   */
  readonly holdTimeoutSeconds?: number;
}

/** The engines of the script library that take options. */
export type QuiesceEngine = 'mysql' | 'postgresql' | 'redis';

/** One exit status of the library's scripts. */
export interface QuiesceScriptExitCode {
  /** The exit status. */
  readonly code: number;
  /** The name the scripts use for it (`fail NAME ...`). */
  readonly name: string;
  /** What it means. */
  readonly meaning: string;
}

/**
 * The exit statuses of every script of the library (`templates/scripts/lib/common.sh`
 * defines them; a test keeps the two in step). The plugin reports any non-zero status of a
 * prescript or postscript as its own code 9 or 10 and falls back to a file-system-consistent
 * snapshot.
 */
export const QUIESCE_SCRIPT_EXIT_CODES: readonly QuiesceScriptExitCode[] = [
  { code: 0, name: 'OK', meaning: 'quiesced (prescript) or resumed, or nothing to resume (postscript)' },
  { code: 1, name: 'UNEXPECTED', meaning: 'an unexpected error (a command failed); see the message above it' },
  { code: 2, name: 'CONFIG', meaning: 'an option, the credentials file or the state directory is unusable' },
  { code: 3, name: 'CONNECT', meaning: 'the server is unreachable or refused the credentials' },
  { code: 4, name: 'QUIESCE_FAILED', meaning: 'the lock, pause, checkpoint or save failed or missed its bound; nothing is left held' },
  { code: 5, name: 'BUSY', meaning: 'a hold taken by an earlier prescript is still active; it is left as it is' },
  { code: 6, name: 'LOST', meaning: 'the hold ended before the postscript ran (hold timeout, lost session, server restart): the snapshot is not application-consistent' },
  { code: 7, name: 'RELEASE_FAILED', meaning: 'the postscript could not complete the release (e.g. pg_backup_stop failed)' },
];

type OptionKind =
  | { readonly type: 'integer'; readonly min: number; readonly max: number }
  | { readonly type: 'boolean' }
  | { readonly type: 'enum'; readonly values: readonly string[] }
  | { readonly type: 'path' }
  | { readonly type: 'host' }
  | { readonly type: 'hostOrPath' }
  | { readonly type: 'name' };

/** One option of a library engine: its name, its rule and its default in the shell script. */
export interface QuiesceOptionSpec {
  /** The option's name in the factory and the posture file (camelCase). */
  readonly key: string;
  /** The rule its values follow. */
  readonly kind: OptionKind;
  /** The default the shell script applies when the option is not set ('' = none). */
  readonly shellDefault: string;
}

const PATH_PATTERN = /^\/[A-Za-z0-9._@+\/-]*$/;
const HOST_PATTERN = /^[A-Za-z0-9:]([A-Za-z0-9.:-]*[A-Za-z0-9])?$/;
const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_.@-]*$/;
const seconds = (min: number, max: number): OptionKind => ({ type: 'integer', min, max });
const PORT: OptionKind = { type: 'integer', min: 1, max: 65535 };

/** The options of each engine, in the order the documentation lists them. */
export const QUIESCE_OPTIONS: Readonly<Record<QuiesceEngine, readonly QuiesceOptionSpec[]>> = {
  mysql: [
    { key: 'lockMode', kind: { type: 'enum', values: Object.values(MysqlLockMode) }, shellDefault: 'ftwrl' },
    { key: 'lockWaitSeconds', kind: seconds(1, 600), shellDefault: '5' },
    { key: 'holdTimeoutSeconds', kind: seconds(1, 3600), shellDefault: '60' },
    { key: 'clean', kind: { type: 'boolean' }, shellDefault: 'false' },
    { key: 'cleanTimeoutSeconds', kind: seconds(1, 3600), shellDefault: '30' },
    { key: 'defaultsFile', kind: { type: 'path' }, shellDefault: '' },
    { key: 'socket', kind: { type: 'path' }, shellDefault: '' },
    { key: 'host', kind: { type: 'host' }, shellDefault: '' },
    { key: 'port', kind: PORT, shellDefault: '' },
  ],
  postgresql: [
    { key: 'strict', kind: { type: 'boolean' }, shellDefault: 'false' },
    { key: 'timeoutSeconds', kind: seconds(1, 3600), shellDefault: '60' },
    { key: 'holdTimeoutSeconds', kind: seconds(1, 3600), shellDefault: '120' },
    { key: 'host', kind: { type: 'hostOrPath' }, shellDefault: '/var/run/postgresql' },
    { key: 'port', kind: PORT, shellDefault: '5432' },
    { key: 'user', kind: { type: 'name' }, shellDefault: 'postgres' },
    { key: 'database', kind: { type: 'name' }, shellDefault: 'postgres' },
    { key: 'osUser', kind: { type: 'name' }, shellDefault: 'postgres' },
    { key: 'passwordFile', kind: { type: 'path' }, shellDefault: '' },
    { key: 'backupLabelDir', kind: { type: 'path' }, shellDefault: '/var/lib/app-consistent-snapshot/postgresql' },
  ],
  redis: [
    { key: 'host', kind: { type: 'host' }, shellDefault: '127.0.0.1' },
    { key: 'port', kind: PORT, shellDefault: '6379' },
    { key: 'socket', kind: { type: 'path' }, shellDefault: '' },
    { key: 'user', kind: { type: 'name' }, shellDefault: '' },
    { key: 'passwordFile', kind: { type: 'path' }, shellDefault: '' },
    { key: 'commandTimeoutSeconds', kind: seconds(1, 300), shellDefault: '5' },
    { key: 'saveTimeoutSeconds', kind: seconds(1, 86400), shellDefault: '300' },
    { key: 'holdTimeoutSeconds', kind: seconds(1, 3600), shellDefault: '60' },
  ],
};

/** The shell variable that carries an option into the scripts, e.g. `QUIESCE_MYSQL_LOCK_WAIT_SECONDS`. */
export function quiesceOptionVariable(engine: QuiesceEngine, key: string): string {
  return `QUIESCE_${engine.toUpperCase()}_${key.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase()}`;
}

/**
 * Which prescript/postscript pair quiesces the application before the snapshot.
 *
 * Use a pair from the library (`QuiesceScripts.mysql()`, `.postgresql()`, `.redis()`,
 * `.generic()`) or your own files (`QuiesceScripts.fromFiles()`).
 *
 * @see docs/quiesce-scripts.md
 */
export abstract class QuiesceScripts {
  /** Flush file system buffers (`sync`); nothing to undo. Fits stateless application servers. */
  public static generic(): QuiesceScripts {
    return new LibraryScripts('generic', {});
  }

  /**
   * MySQL / MariaDB: a read lock (or MariaDB's backup stages) held by a background session from
   * the prescript to the postscript, engine logs flushed, binary log position recorded.
   */
  public static mysql(options: MysqlQuiesceOptions = {}): QuiesceScripts {
    return new LibraryScripts('mysql', checkEngineOptions('mysql', options, 'mysql'));
  }

  /** PostgreSQL: `CHECKPOINT`, or in strict mode a held `pg_backup_start` (WAL archiving required). */
  public static postgresql(options: PostgresqlQuiesceOptions = {}): QuiesceScripts {
    return new LibraryScripts('postgresql', checkEngineOptions('postgresql', options, 'postgresql'));
  }

  /**
   * Redis: with the append-only file on, `CLIENT PAUSE ... WRITE` (after any AOF rewrite) until
   * the postscript; with it off, a `BGSAVE` waited for while writes go on.
   */
  public static redis(options: RedisQuiesceOptions = {}): QuiesceScripts {
    return new LibraryScripts('redis', checkEngineOptions('redis', options, 'redis'));
  }

  /**
   * Your own pair of scripts, read at synth time.
   *
   * @param prescriptPath path of the prescript on the machine that synthesizes
   * @param postscriptPath path of the postscript on the machine that synthesizes
   */
  public static fromFiles(prescriptPath: string, postscriptPath: string): QuiesceScripts {
    return new FileScripts(prescriptPath, postscriptPath);
  }

  /** Reads the scripts. Throws an error naming the file when one cannot be read. */
  public abstract render(): QuiesceScriptPair;
}

type OptionValues = Readonly<Record<string, string | number | boolean>>;

class LibraryScripts extends QuiesceScripts {
  constructor(private readonly engine: 'generic' | QuiesceEngine, private readonly options: OptionValues) {
    super();
  }

  public render(): QuiesceScriptPair {
    return {
      kind: this.engine,
      prescript: renderLibraryScript(this.engine, 'prescript', this.options),
      postscript: renderLibraryScript(this.engine, 'postscript', this.options),
    };
  }
}

class FileScripts extends QuiesceScripts {
  constructor(private readonly prescriptPath: string, private readonly postscriptPath: string) {
    super();
  }

  public render(): QuiesceScriptPair {
    return {
      kind: 'files',
      prescript: readScriptFile('prescript', this.prescriptPath),
      postscript: readScriptFile('postscript', this.postscriptPath),
    };
  }
}

/** The line of a library script that the rendered options replace. */
const OPTIONS_MARKER = '# quiesce:options';

const INCLUDE_PATTERN = /^# shellcheck source=\S+\n\. "\$\(dirname "\$\{BASH_SOURCE\[0\]\}"\)\/([^"]+)"\n/gm;

/**
 * Renders one library script as it is installed: the options set at synth time written as shell
 * assignments at the marker line, the shared files it sources inlined (so the installed script
 * is self-contained), and the comments after the header left out (the installation command has
 * a size limit; the commented source is `templates/scripts/`).
 */
function renderLibraryScript(engine: string, role: 'prescript' | 'postscript', options: OptionValues): string {
  const file = path.join(SCRIPT_LIBRARY_DIR, engine, `${role}.sh`);
  const source = fs.readFileSync(file, 'utf8');
  const markerCount = source.split('\n').filter((l) => l === OPTIONS_MARKER).length;
  if (engine !== 'generic' && markerCount !== 1) {
    throw new Error(`${file}: expected one line ${JSON.stringify(OPTIONS_MARKER)}, found ${markerCount}`);
  }
  let header = `# Rendered by ros-app-consistent-snapshot from templates/scripts/${engine}/${role}.sh (comments left out).`;
  let inlined = false;
  let text = source.replace(INCLUDE_PATTERN, (_match, rel: string) => {
    inlined = true;
    const included = fs.readFileSync(path.join(path.dirname(file), rel), 'utf8');
    return included.replace(/^# shellcheck shell=bash.*\n/, '');
  });
  text = text.replace(`${OPTIONS_MARKER}\n`, optionBlock(engine, options));
  if (inlined) {
    // The shared files set variables that not every script reads (shellcheck of the parts).
    header += '\n# shellcheck disable=SC2034';
  }
  text = stripComments(text, header);
  if (text.includes('BASH_SOURCE') || text.includes('{{')) {
    throw new Error(`${file}: the rendered script still sources a file or contains \`{{\``);
  }
  return text;
}

function optionBlock(engine: string, options: OptionValues): string {
  const lines = Object.entries(options).map(
    ([key, value]) => `${quiesceOptionVariable(engine as QuiesceEngine, key)}=${shellQuote(String(value))}`,
  );
  return `${lines.join('\n')}${lines.length > 0 ? '\n' : ''}`;
}

/**
 * Keeps the header (shebang and the comment block after it, up to the first command) and the
 * shellcheck directives; drops every other whole-line comment and blank line.
 */
function stripComments(text: string, renderedNote: string): string {
  const lines = text.split('\n');
  const out: string[] = [];
  let inHeader = true;
  for (const line of lines) {
    const isComment = /^\s*#/.test(line);
    if (inHeader) {
      if (isComment) {
        out.push(line);
        continue;
      }
      inHeader = false;
      out.push(renderedNote);
    }
    if ((isComment && !/^\s*# shellcheck /.test(line)) || line.trim() === '') {
      continue;
    }
    out.push(line);
  }
  return `${out.join('\n')}\n`;
}

function optionError(field: string, rule: string, value: unknown): Error {
  return new ValidationError(field, rule, value);
}

/** Checks one value against its rule; returns it as the scripts take it. */
function checkOption(field: string, kind: OptionKind, value: unknown): string | number | boolean {
  switch (kind.type) {
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value) || value < kind.min || value > kind.max) {
        throw optionError(field, `must be an integer from ${kind.min} to ${kind.max}`, value);
      }
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') {
        throw optionError(field, 'must be true or false', value);
      }
      return value;
    case 'enum':
      if (typeof value !== 'string' || !kind.values.includes(value)) {
        throw optionError(field, `must be one of ${kind.values.join(', ')}`, value);
      }
      return value;
    case 'path':
      if (typeof value !== 'string' || !PATH_PATTERN.test(value) || value.length > 1024 || value.split('/').includes('..')) {
        throw optionError(field, 'must be an absolute path of letters, digits and . _ @ + - / (no ..)', value);
      }
      return value;
    case 'host':
      if (typeof value !== 'string' || !HOST_PATTERN.test(value) || value.length > 253) {
        throw optionError(field, 'must be a host name or IP address', value);
      }
      return value;
    case 'hostOrPath':
      if (typeof value === 'string' && value.startsWith('/')) {
        return checkOption(field, { type: 'path' }, value);
      }
      return checkOption(field, { type: 'host' }, value);
    case 'name':
      if (typeof value !== 'string' || !NAME_PATTERN.test(value) || value.length > 63) {
        throw optionError(field, 'must be a name of at most 63 letters, digits and _ . @ - (not starting with a digit)', value);
      }
      return value;
  }
}

/**
 * Checks the options of an engine: unknown keys, each value's rule, and the rules between
 * options. `prefix` names them in errors (`mysql` or a posture path such as `groups[0].scripts`).
 * Returns the options set, in the documented order.
 */
function checkEngineOptions(engine: QuiesceEngine, options: object, prefix: string): OptionValues {
  const specs = QUIESCE_OPTIONS[engine];
  const given = options as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!specs.some((s) => s.key === key) && given[key] !== undefined) {
      throw optionError(`${prefix}.${key}`, `is not an option of ${engine} (options: ${specs.map((s) => s.key).join(', ')})`, given[key]);
    }
  }
  const values: Record<string, string | number | boolean> = {};
  for (const spec of specs) {
    if (given[spec.key] !== undefined) {
      values[spec.key] = checkOption(`${prefix}.${spec.key}`, spec.kind, given[spec.key]);
    }
  }
  checkOptionRelations(engine, values, prefix);
  return values;
}

function checkOptionRelations(engine: QuiesceEngine, v: OptionValues, prefix: string): void {
  const f = (key: string) => `${prefix}.${key}`;
  const requires = (key: string, other: string, satisfied: boolean) => {
    if (v[key] !== undefined && !satisfied) {
      throw optionError(f(key), `requires \`${f(other)}\``, v[key]);
    }
  };
  const exclusive = (a: string, b: string) => {
    if (v[a] !== undefined && v[b] !== undefined) {
      throw optionError(f(a), `cannot be set with \`${f(b)}\``, v[a]);
    }
  };
  const num = (key: string, fallback: number) => (v[key] as number | undefined) ?? fallback;
  if (engine === 'mysql') {
    exclusive('socket', 'host');
    requires('port', 'host', v.host !== undefined);
    requires('cleanTimeoutSeconds', 'clean', v.clean === true);
    const floor = num('lockWaitSeconds', 5) + (v.clean === true ? num('cleanTimeoutSeconds', 30) : 0);
    if (num('holdTimeoutSeconds', 60) <= floor) {
      throw optionError(f('holdTimeoutSeconds'), `must exceed the lock wait${v.clean === true ? ' plus the clean timeout' : ''} (${floor} s)`, num('holdTimeoutSeconds', 60));
    }
  } else if (engine === 'postgresql') {
    exclusive('passwordFile', 'osUser');
    requires('holdTimeoutSeconds', 'strict', v.strict === true);
    requires('backupLabelDir', 'strict', v.strict === true);
    if (v.strict === true && num('holdTimeoutSeconds', 120) <= num('timeoutSeconds', 60)) {
      throw optionError(f('holdTimeoutSeconds'), `must exceed the timeout (${num('timeoutSeconds', 60)} s)`, num('holdTimeoutSeconds', 120));
    }
  } else {
    exclusive('socket', 'host');
    exclusive('socket', 'port');
    requires('user', 'passwordFile', v.passwordFile !== undefined);
  }
}

const ENGINE_NAMES: readonly string[] = ['generic', 'mysql', 'postgresql', 'redis'];

/**
 * Maps the `scripts` value of a posture file to a script pair:
 * `generic` / `mysql` / `postgresql` / `redis` (the library pair with its defaults),
 * `{engine: mysql, lockWaitSeconds: 10, ...}` (with options, in camelCase), or
 * `{prescript: path, postscript: path}` (your own files, relative to `baseDir`).
 * Errors name the field path (e.g. `groups[0].scripts.lockWaitSeconds`), the rule and the value.
 */
export function quiesceScriptsFromPosture(value: unknown, field: string, baseDir: string = process.cwd()): QuiesceScripts {
  if (typeof value === 'string') {
    if (!ENGINE_NAMES.includes(value)) {
      throw optionError(field, `must be one of ${ENGINE_NAMES.join(', ')}, or a mapping with \`engine\` or with \`prescript\` and \`postscript\``, value);
    }
    return fromEngine(value, {}, field);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw optionError(field, `must be one of ${ENGINE_NAMES.join(', ')}, or a mapping with \`engine\` or with \`prescript\` and \`postscript\``, value);
  }
  const { engine, ...options } = value as Record<string, unknown>;
  if (engine !== undefined) {
    if (typeof engine !== 'string' || !ENGINE_NAMES.includes(engine)) {
      throw optionError(`${field}.engine`, `must be one of ${ENGINE_NAMES.join(', ')}`, engine);
    }
    return fromEngine(engine, options, field);
  }
  const { prescript, postscript, ...rest } = options;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) {
    throw optionError(`${field}.${unknown[0]}`, 'is not known here (a mapping takes `engine` with its options, or `prescript` and `postscript`)', rest[unknown[0]]);
  }
  for (const [key, file] of [['prescript', prescript], ['postscript', postscript]] as const) {
    if (typeof file !== 'string' || file.length === 0) {
      throw optionError(`${field}.${key}`, 'must be the path of a script file (give both prescript and postscript)', file);
    }
  }
  return QuiesceScripts.fromFiles(path.resolve(baseDir, prescript as string), path.resolve(baseDir, postscript as string));
}

function fromEngine(engine: string, options: Record<string, unknown>, field: string): QuiesceScripts {
  if (engine === 'generic') {
    const keys = Object.keys(options);
    if (keys.length > 0) {
      throw optionError(`${field}.${keys[0]}`, 'is not an option of generic (it takes none)', options[keys[0]]);
    }
    return QuiesceScripts.generic();
  }
  const e = engine as QuiesceEngine;
  return new LibraryScripts(e, checkEngineOptions(e, options, field));
}

function readScriptFile(field: string, file: string): string {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new ValidationError(`scripts.${field}`, 'must name a readable file', file);
  }
  if (!stat.isFile()) {
    throw new ValidationError(`scripts.${field}`, 'must name a regular file', file);
  }
  return fs.readFileSync(file, 'utf8');
}
