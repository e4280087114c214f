#!/usr/bin/env node
/**
 * The deployable app. `npm run synth` writes cdk.out/<StackName>.template.json and each OOS
 * template beside it as a standalone file. With APP_SNAPSHOT_CONFIG=<posture file> the stacks
 * come from that posture file; without it, the embedded default (a parameterized stack).
 */
import { DefaultAppConsistentSnapshotStack } from '../lib/default-stack';
import { buildPostureStacks, loadPostureFile } from '../lib/posture/loader';
import { synthesize } from '../lib/synth';

function main(): number {
  const config = process.env.APP_SNAPSHOT_CONFIG;
  // CDK_OUTDIR is where the ros-cdk CLI (through cdk.json) wants the cloud assembly.
  const outdir = process.env.APP_SNAPSHOT_OUTDIR ?? process.env.CDK_OUTDIR ?? 'cdk.out';
  try {
    const posture = config ? loadPostureFile(config) : undefined;
    const files = synthesize((app) => {
      if (posture) {
        buildPostureStacks(app, posture);
      } else {
        new DefaultAppConsistentSnapshotStack(app, 'AppConsistentSnapshot');
      }
    }, outdir);
    const source = config ? `posture file ${config}` : 'the embedded default (parameterized stack)';
    console.log(`synthesized from ${source}:`);
    for (const f of files) {
      console.log(`  ${outdir}/${f.file}  (${f.kind === 'stack' ? 'ROS stack template' : 'standalone OOS template'})`);
    }
    return 0;
  } catch (e) {
    console.error(`error: ${(e as Error).message}`);
    return 1;
  }
}

process.exitCode = main();
