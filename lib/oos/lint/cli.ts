import * as fs from 'fs';
import * as path from 'path';
import { formatFinding, lintTemplate } from './lint';
import { LintResult } from './types';

/** Exit status: no error found. */
export const EXIT_OK = 0;
/** Exit status: at least one template has an error. */
export const EXIT_FINDINGS = 1;
/** Exit status: the command line is wrong or a path cannot be read. */
export const EXIT_USAGE = 2;

/** The extensions of files read when a directory is given. */
const TEMPLATE_EXTENSIONS = ['.json', '.yml', '.yaml'];

export const USAGE = `usage: oos-lint [--json] [--strict] <file|dir>...
Checks OOS templates (JSON or YAML); directories are searched for ${TEMPLATE_EXTENSIONS.join(', ')} files.
  --json    print a machine-readable report instead of one line per finding
  --strict  report as errors what published templates get only warnings for
Exit status: ${EXIT_OK} no error, ${EXIT_FINDINGS} errors found, ${EXIT_USAGE} usage error.`;

/** Where the command writes. */
export interface CliOutput {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

/** Runs `oos-lint` with the arguments after the command name; returns the exit status. */
export function runOosLint(args: readonly string[], output: CliOutput): number {
  const options = { json: false, strict: false };
  const paths: string[] = [];
  for (const [i, arg] of args.entries()) {
    if (arg === '--') {
      paths.push(...args.slice(i + 1));
      break;
    } else if (arg === '--json') {
      options.json = true;
    } else if (arg === '--strict') {
      options.strict = true;
    } else if (arg === '--help' || arg === '-h') {
      output.out(USAGE);
      return EXIT_OK;
    } else if (arg.startsWith('-')) {
      output.err(`oos-lint: unknown option ${arg}\n${USAGE}`);
      return EXIT_USAGE;
    } else {
      paths.push(arg);
    }
  }
  if (paths.length === 0) {
    output.err(`oos-lint: no file or directory given\n${USAGE}`);
    return EXIT_USAGE;
  }
  const missing = paths.filter((p) => !fs.existsSync(p));
  if (missing.length > 0) {
    output.err(`oos-lint: no such file or directory: ${missing.join(', ')}`);
    return EXIT_USAGE;
  }
  const files = paths.flatMap((p) => (fs.statSync(p).isDirectory() ? templatesUnder(p) : [p]));
  const results = files.map((file) => lintTemplate(fs.readFileSync(file, 'utf8'), { name: file, strict: options.strict }));
  const withErrors = results.filter((r) => r.errorCount > 0).length;
  if (options.json) {
    output.out(JSON.stringify(jsonReport(results, withErrors, options.strict), null, 2));
  } else {
    for (const result of results) {
      for (const f of result.findings) {
        output.out(`${result.name}: ${formatFinding(f)}`);
      }
    }
    output.out(`${results.length} checked, ${withErrors} with errors`);
  }
  return withErrors > 0 ? EXIT_FINDINGS : EXIT_OK;
}

/** The template files below a directory, in a stable order. */
function templatesUnder(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        return templatesUnder(full);
      }
      return TEMPLATE_EXTENSIONS.includes(path.extname(entry.name).toLowerCase()) ? [full] : [];
    });
}

function jsonReport(results: readonly LintResult[], withErrors: number, strict: boolean) {
  return {
    checked: results.length,
    withErrors,
    strict,
    files: results.map((r) => ({ file: r.name, errorCount: r.errorCount, warningCount: r.warningCount, findings: r.findings })),
  };
}
