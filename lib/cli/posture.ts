import * as fs from 'fs';
import * as path from 'path';
import { packagePath } from '../package-root';
import { loadPostureFile } from '../posture/loader';
import { buildPostureReport, stableJson } from '../posture/report';
import { diffReports, parsePreviousReport, renderDiffMarkdown } from '../posture/report-diff';
import { renderReportMarkdown } from '../posture/report-markdown';
import { CliCommand, EXIT_STATUS_HELP, ExitStatus, parseNow, parseOptions } from './command';
import { loadPostureArgument } from './posture-file';

/** The posture reported when none is given: the package's example. */
export const EXAMPLE_POSTURE = 'templates/posture/example.posture.yaml';

const DEFAULT_OUT = 'posture-report';

/**
 * `app-snapshot posture`: writes a report of what a posture protects (posture.json, posture.md)
 * and, given the JSON report of an earlier run, the difference (posture-diff.md,
 * posture-diff.json) for a pull-request comment. Everything is computed before anything is
 * written: on any error the output directory is left as it was. See docs/posture-report.md.
 */
export const postureCommand: CliCommand = {
  name: 'posture',
  summary: 'write the posture report (posture.json, posture.md) and, with --previous, the difference',
  usage: `usage: app-snapshot posture [--posture FILE] [--out DIR] [--previous OLD.json] [--now ISO-8601]
Reports what a posture protects: per group its targets, scripts, schedule and next runs,
retention, rate control and the roles' permissions, read from the synthesized stacks.
  --posture FILE      the posture file (default: $APP_SNAPSHOT_CONFIG, else the package's ${EXAMPLE_POSTURE})
  --out DIR           where posture.json and posture.md go (default: ${DEFAULT_OUT}/)
  --previous FILE     an earlier posture.json: also write posture-diff.md and posture-diff.json
  --now INSTANT       count the next run times from this instant, e.g. 2024-03-08T12:00:00Z (default: now)
${EXIT_STATUS_HELP}`,

  async run(argv, io) {
    const args = parseOptions(argv, ['posture', 'out', 'previous', 'now']);
    const postureFile = args.posture ?? io.env.APP_SNAPSHOT_CONFIG ?? EXAMPLE_POSTURE;
    const useExample = args.posture === undefined && io.env.APP_SNAPSHOT_CONFIG === undefined;
    const out = args.out ?? DEFAULT_OUT;
    const now = args.now !== undefined ? parseNow(args.now) : new Date();
    if (useExample) {
      io.out(`no --posture or APP_SNAPSHOT_CONFIG: reporting the example posture ${EXAMPLE_POSTURE}`);
    }
    // The previous report is checked before the (slower) synthesis.
    let previousText: string | undefined;
    if (args.previous !== undefined) {
      try {
        previousText = fs.readFileSync(args.previous, 'utf8');
      } catch {
        throw new Error(`previous report ${args.previous}: cannot be read`);
      }
    }
    const previous = previousText === undefined ? undefined : parsePreviousReport(previousText, args.previous!);
    // The example is the package's own file, found from any working directory.
    const posture = useExample ? loadPostureFile(packagePath(EXAMPLE_POSTURE)) : loadPostureArgument(postureFile, args.posture !== undefined);
    const report = buildPostureReport(posture, { now, nowSource: args.now !== undefined ? 'option' : 'clock', postureFile });
    const files: Record<string, string> = {
      'posture.json': stableJson(report),
      'posture.md': renderReportMarkdown(report),
    };
    const diff = previous === undefined ? undefined : diffReports(previous, report);
    if (diff) {
      files['posture-diff.json'] = stableJson(diff);
      files['posture-diff.md'] = renderDiffMarkdown(diff);
    }
    fs.mkdirSync(out, { recursive: true });
    for (const [name, text] of Object.entries(files)) {
      fs.writeFileSync(path.join(out, name), text);
    }
    if (!diff) {
      // A diff left by an earlier run would not belong to this report.
      for (const stale of ['posture-diff.json', 'posture-diff.md']) fs.rmSync(path.join(out, stale), { force: true });
    }
    io.out(`reported ${report.groups.length} group(s) of posture ${report.postureName} from ${postureFile}:`);
    for (const name of Object.keys(files)) io.out(`  ${path.join(out, name)}`);
    if (diff) io.out(`changes: ${diff.summary}`);
    return ExitStatus.OK;
  },
};
