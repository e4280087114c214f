#!/usr/bin/env node
/**
 * The `app-snapshot` command (synth, posture, audit, lint): see `app-snapshot --help` and lib/cli/.
 * `npm run synth`, `npm run posture` and `npm run audit` run it from source; installed, it is dist/bin/app-snapshot.js.
 */
import { processIo, runCli } from '../lib/cli';

void runCli(process.argv.slice(2), processIo()).then((status) => {
  process.exitCode = status;
});
