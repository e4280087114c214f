import { DefaultAppConsistentSnapshotStack } from '../default-stack';
import { buildPostureStacks } from '../posture/loader';
import { synthesize } from '../synth';
import { CliCommand, EXIT_STATUS_HELP, ExitStatus, parseOptions } from './command';
import { loadPostureArgument } from './posture-file';

/** The stack the embedded default is synthesized as. */
export const DEFAULT_STACK_NAME = 'AppConsistentSnapshot';

/** `app-snapshot synth`: what `npm run synth` does in this repository. */
export const synthCommand: CliCommand = {
  name: 'synth',
  summary: 'synthesize a posture file (or the embedded default) into ROS stacks and standalone OOS templates',
  usage: `usage: app-snapshot synth [--posture FILE] [--out DIR]
Builds the stacks of a posture file or, with none, the embedded default (a parameterized stack to
deploy from the ROS console as it is); checks every stack against the ROS limits and every OOS
template with oos-lint (strict); then writes DIR/<Stack>.template.json and each OOS template as
DIR/<Stack>.<Template>.oos.json, replacing DIR. On refused input or a failed check it prints the
field, the rule and the value, and writes nothing.
  --posture FILE   the posture file (default: $APP_SNAPSHOT_CONFIG; without either, the embedded default)
  --out DIR        the output directory (default: $APP_SNAPSHOT_OUTDIR, else $CDK_OUTDIR, else cdk.out)
${EXIT_STATUS_HELP}`,

  async run(argv, io) {
    const options = parseOptions(argv, ['posture', 'out']);
    const config = options.posture ?? io.env.APP_SNAPSHOT_CONFIG;
    // CDK_OUTDIR is where the ros-cdk CLI (through cdk.json) wants the cloud assembly.
    const outdir = options.out ?? io.env.APP_SNAPSHOT_OUTDIR ?? io.env.CDK_OUTDIR ?? 'cdk.out';
    const posture = config ? loadPostureArgument(config, options.posture !== undefined) : undefined;
    const files = synthesize((app) => {
      if (posture) {
        buildPostureStacks(app, posture);
      } else {
        new DefaultAppConsistentSnapshotStack(app, DEFAULT_STACK_NAME);
      }
    }, outdir);
    io.out(`synthesized from ${config ? `posture file ${config}` : 'the embedded default (parameterized stack)'}:`);
    for (const f of files) {
      io.out(`  ${outdir}/${f.file}  (${f.kind === 'stack' ? 'ROS stack template' : 'standalone OOS template'})`);
    }
    return ExitStatus.OK;
  },
};
