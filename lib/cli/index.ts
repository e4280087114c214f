/**
 * The `app-snapshot` command: one dispatcher over the subcommands of lib/cli/ (see
 * {@link CliCommand} in ./command for what a subcommand is and how to add one).
 */
import * as fs from 'fs';
import { PACKAGE_NAME, packagePath } from '../package-root';
import { auditCommand } from './audit';
import { CliCommand, CliIo, EXIT_STATUS_HELP, ExitStatus, FIRST_OWN_EXIT_STATUS, UsageError } from './command';
import { lintCommand } from './lint';
import { postureCommand } from './posture';
import { synthCommand } from './synth';

export * from './command';

/** The subcommands, in the order `--help` lists them. */
export const COMMANDS: readonly CliCommand[] = [synthCommand, postureCommand, auditCommand, lintCommand];

/** The text of `app-snapshot --help`. */
export function globalUsage(commands: readonly CliCommand[] = COMMANDS): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  const own = commands.filter((c) => c.ownExitStatuses?.length).map((c) => `${c.name}: ${c.ownExitStatuses!.map(([n, meaning]) => `${n} ${meaning}`).join(', ')}`);
  return [
    'usage: app-snapshot <command> [options]',
    '       app-snapshot <command> --help     the command\'s options',
    '       app-snapshot --version',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    EXIT_STATUS_HELP,
    ...(own.length > 0 ? [`A command may add statuses of its own outcomes, from ${FIRST_OWN_EXIT_STATUS} on (${own.join('; ')}); see its --help.`] : []),
  ].join('\n');
}

function isHelp(arg: string): boolean {
  return arg === '--help' || arg === '-h';
}

/**
 * Runs `app-snapshot` with the arguments after the program name; returns the exit status.
 * Errors are printed on stderr after `error: ` (one line, or the list of problems of a failed
 * synthesis): exit 2 for a wrong command line (with a pointer to --help), 1 for anything else.
 */
export async function runCli(argv: readonly string[], io: CliIo, commands: readonly CliCommand[] = COMMANDS): Promise<number> {
  const [first, ...rest] = argv;
  const names = commands.map((c) => c.name).join(', ');
  if (first === undefined) {
    io.err(`error: no command given (commands: ${names})`);
    io.err(globalUsage(commands));
    return ExitStatus.USAGE;
  }
  if (isHelp(first) || (first === 'help' && rest.length === 0)) {
    io.out(globalUsage(commands));
    return ExitStatus.OK;
  }
  if (first === '--version') {
    const { version } = JSON.parse(fs.readFileSync(packagePath('package.json'), 'utf8')) as { version: string };
    io.out(`${PACKAGE_NAME} ${version}`);
    return ExitStatus.OK;
  }
  const wanted = first === 'help' ? rest[0] : first;
  const command = commands.find((c) => c.name === wanted);
  if (!command) {
    const what = wanted.startsWith('-') ? 'unknown option' : 'unknown command';
    io.err(`error: ${what} ${JSON.stringify(wanted)} (commands: ${names}; see app-snapshot --help)`);
    return ExitStatus.USAGE;
  }
  const end = rest.indexOf('--');
  if (first === 'help' || (end < 0 ? rest : rest.slice(0, end)).some(isHelp)) {
    io.out(command.usage);
    return ExitStatus.OK;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`error: ${e.message} (see --help)`);
      return ExitStatus.USAGE;
    }
    io.err(`error: ${(e as Error).message}`);
    return ExitStatus.FAILED;
  }
}
