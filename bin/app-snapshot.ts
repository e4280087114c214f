#!/usr/bin/env node
/**
 * The `app-snapshot` command (synth, posture, lint): see `app-snapshot --help` and lib/cli/.
 * `npm run synth` and `npm run posture` run it from source; installed, it is dist/bin/app-snapshot.js.
 */
import { processIo, runCli } from '../lib/cli';

void runCli(process.argv.slice(2), processIo()).then((status) => {
  process.exitCode = status;
});
