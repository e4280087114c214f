import { USAGE as OOS_LINT_USAGE, runOosLint } from '../oos/lint/cli';
import { CliCommand } from './command';

/** `app-snapshot lint`: the `oos-lint` command under the one CLI (same options, same exit statuses). */
export const lintCommand: CliCommand = {
  name: 'lint',
  summary: 'check OOS templates, JSON or YAML (the same as the oos-lint command)',
  usage: OOS_LINT_USAGE.replace(/^usage: oos-lint/, 'usage: app-snapshot lint'),

  async run(argv, io) {
    return runOosLint(argv, { out: io.out, err: io.err });
  },
};
