#!/usr/bin/env node
/**
 * `npm run audit`: the audit of a posture against the live account (lib/cli/audit.ts,
 * docs/audit.md). A thin entry until the package's one CLI takes it as a subcommand.
 */
import { runAudit } from '../lib/cli/audit';

runAudit(process.argv.slice(2)).then((status) => { process.exitCode = status; }, (e: Error) => {
  process.stderr.write(`error: ${e.message}\n`);
  process.exitCode = 3;
});
