#!/usr/bin/env node
/** The `oos-lint` command: checks OOS templates. See docs/oos-lint.md. */
import { processIo } from '../lib/cli/command';
import { runOosLint } from '../lib/oos/lint/cli';

process.exitCode = runOosLint(process.argv.slice(2), processIo());
