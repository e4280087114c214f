/** The `oos-lint` command: checks OOS templates. See docs/oos-lint.md. */
import { runOosLint } from '../lib/oos/lint/cli';

process.exitCode = runOosLint(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});
