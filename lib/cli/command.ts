/**
 * What every subcommand of the `app-snapshot` CLI is. To add one (e.g. `audit`): write
 * `lib/cli/<name>.ts` exporting a {@link CliCommand}, and list it in `COMMANDS` of lib/cli/index.ts.
 * The dispatcher prints `usage` for `app-snapshot <name> --help` and for `app-snapshot help <name>`
 * (a command never sees `--help`), and lists `summary` in `app-snapshot --help`.
 */
export interface CliCommand {
  /** The word after `app-snapshot`: lower case letters and `-`. */
  readonly name: string;
  /** One line for the list of commands. */
  readonly summary: string;
  /** The full help: a `usage:` line, what it does, each option, and its exit statuses. */
  readonly usage: string;
  /**
   * The statuses of the command's own outcomes, from {@link FIRST_OWN_EXIT_STATUS} on, each with
   * a few words for `app-snapshot --help`.
   *
   * @default - none: the shared statuses only
   */
  readonly ownExitStatuses?: ReadonlyArray<readonly [status: number, meaning: string]>;
  /**
   * Runs the command with the arguments after its name. Returns the exit status (see
   * {@link ExitStatus}); throws {@link UsageError} for a wrong command line (exit 2) and any other
   * error for refused input (exit 1): the dispatcher prints it as one `error:` line on stderr.
   */
  run(argv: readonly string[], io: CliIo): Promise<number>;
}

/** Where a command writes, and the environment it reads (given, so tests can run it in-process). */
export interface CliIo {
  /** A line on standard output. */
  readonly out: (line: string) => void;
  /** A line on standard error. */
  readonly err: (line: string) => void;
  /** The environment variables (APP_SNAPSHOT_CONFIG and the like). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

/**
 * The exit statuses every command of the CLI shares. A command may add statuses of its own
 * outcomes from {@link FIRST_OWN_EXIT_STATUS} on, listed in its usage (the audit's:
 * `AuditExitStatus` in lib/cli/audit.ts).
 */
export enum ExitStatus {
  /** Done. */
  OK = 0,
  /** Refused input or a failed check: the error is on stderr, and nothing was written. */
  FAILED = 1,
  /** A wrong command line: unknown command or option, a missing or bad option value. */
  USAGE = 2,
}

/** The first exit status a command may give one of its own outcomes. */
export const FIRST_OWN_EXIT_STATUS = 3;

/** The exit-status paragraph of a command's help. */
export const EXIT_STATUS_HELP = `Exit status: ${ExitStatus.OK} done, ${ExitStatus.FAILED} refused input or failed check (nothing written), ${ExitStatus.USAGE} wrong command line.`;

/** A wrong command line: exit status 2. */
export class UsageError extends Error {}

/**
 * Parses `--name VALUE` and `--name=VALUE` options, each at most once. Anything else (an unknown
 * option, a positional argument, a missing value) is a {@link UsageError}.
 */
export function parseOptions<K extends string>(argv: readonly string[], names: readonly K[]): Partial<Record<K, string>> {
  const values: Partial<Record<K, string>> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const m = /^--([a-z][a-z-]*)(?:=(.*))?$/s.exec(arg);
    const name = m?.[1] as K | undefined;
    if (!m || !names.includes(name!)) {
      const known = names.map((n) => `--${n}`).join(', ');
      throw new UsageError(`${arg.startsWith('-') ? 'unknown option' : 'unexpected argument'} ${JSON.stringify(arg)} (options: ${known})`);
    }
    const value = m[2] ?? argv[++i];
    if (value === undefined || value === '') {
      throw new UsageError(`--${name} needs a value`);
    }
    if (values[name!] !== undefined) {
      throw new UsageError(`--${name} given twice`);
    }
    values[name!] = value;
  }
  return values;
}

const INSTANT = /^(\d{4})-(\d{2})-(\d{2})T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/** `--now`: an ISO-8601 instant with its offset (a local time without one would be ambiguous). */
export function parseNow(text: string): Date {
  const m = INSTANT.exec(text);
  const date = new Date(text);
  const dayExists = m !== null && new Date(Date.UTC(+m[1], +m[2] - 1, +m[3])).getUTCDate() === +m[3];
  if (!m || !dayExists || Number.isNaN(date.getTime())) {
    throw new UsageError(`--now must be an ISO-8601 instant with a time zone, such as 2024-03-08T12:00:00Z or 2024-03-08T20:00:00+08:00, got ${JSON.stringify(text)}`);
  }
  return date;
}

/** The process's own standard output, standard error and environment. */
export function processIo(): CliIo {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    env: process.env,
  };
}
