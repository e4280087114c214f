import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { DefaultAppConsistentSnapshotStack } from '../lib/default-stack';
import { buildPostureStacks, loadPostureFile } from '../lib/posture/loader';
import { OperatingSystem } from '../lib/plugin/parameters';
import { AppConsistentSnapshotStack } from '../lib/stack';
import { ROS_MAX_RESOURCES, ROS_TEMPLATE_MAX_BYTES, checkRosLimits, lintOosDocument, synthesize } from '../lib/synth';
import { EXAMPLE_OOS_TEMPLATES, REPO_ROOT, instanceIds, runBin, templateNamed, tempDir } from './helpers';

const EXAMPLE = path.join(REPO_ROOT, 'templates', 'posture', 'example.posture.yaml');

/** Every file of a directory with its bytes, by relative path. */
function snapshotDir(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of fs.readdirSync(dir, { recursive: true }) as string[]) {
    const p = path.join(dir, f);
    if (fs.statSync(p).isFile()) out[f] = fs.readFileSync(p, 'utf8');
  }
  return out;
}

describe('synthesize', () => {
  test('is deterministic: two synths of the default and of a posture give byte-identical files', () => {
    for (const build of [
      (app: any) => new DefaultAppConsistentSnapshotStack(app, 'AppConsistentSnapshot'),
      (app: any) => buildPostureStacks(app, loadPostureFile(EXAMPLE)),
    ]) {
      const [a, b] = [tempDir('synth-a-'), tempDir('synth-b-')];
      synthesize(build, a);
      synthesize(build, b);
      const [sa, sb] = [snapshotDir(a), snapshotDir(b)];
      expect(Object.keys(sa).filter((f) => f.endsWith('.json')).length).toBeGreaterThanOrEqual(2);
      expect(sb).toEqual(sa);
    }
  });

  test('writes each OOS template also as a standalone file, equal to the stack\'s content', () => {
    const out = tempDir('synth-');
    const files = synthesize((app) => buildPostureStacks(app, loadPostureFile(EXAMPLE)), out);
    const oosFiles = files.filter((f) => f.kind === 'oos-template').map((f) => f.file);
    expect(oosFiles).toEqual(EXAMPLE_OOS_TEMPLATES.map((t) => `AppSnapshotProduction.${t}.oos.json`));
    const stack = JSON.parse(fs.readFileSync(path.join(out, 'AppSnapshotProduction.template.json'), 'utf8'));
    const content = JSON.parse(templateNamed(stack, 'AppConsistentSnapshot-app-tier').resource.Properties.Content);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'AppSnapshotProduction.AppConsistentSnapshot-app-tier.oos.json'), 'utf8'))).toEqual(content);
    const instanceContent = JSON.parse(templateNamed(stack, 'AppConsistentSnapshot-app-tier-Instance').resource.Properties.Content);
    expect(JSON.parse(fs.readFileSync(path.join(out, 'AppSnapshotProduction.AppConsistentSnapshot-app-tier-Instance.oos.json'), 'utf8'))).toEqual(instanceContent);
  });

  test('standalone files of the parameterized default leave out the defaults that are stack parameters', () => {
    const out = tempDir('synth-');
    synthesize((app) => new DefaultAppConsistentSnapshotStack(app, 'AppConsistentSnapshot'), out);
    const linux = JSON.parse(fs.readFileSync(path.join(out, 'AppConsistentSnapshot.AutomationTemplate-Linux.oos.json'), 'utf8'));
    expect(linux.Parameters.instanceIds.Default).toBeUndefined();
    expect(linux.Parameters.ramRoleName.Default).toBeUndefined();
    expect(linux.Parameters.regionId.Default).toBe('{{ ACS::RegionId }}');
    expect(linux.Parameters.instanceTemplateName.Default).toBeUndefined();
    const instance = JSON.parse(fs.readFileSync(path.join(out, 'AppConsistentSnapshot.AutomationInstanceTemplate-Linux.oos.json'), 'utf8'));
    expect(instance.Tasks.find((t: { Name: string }) => t.Name === 'runSnapshot').Properties.commandType).toBe('RunShellScript');
  });

  test('nothing is written when a construct refuses its input', () => {
    const out = tempDir('synth-');
    fs.writeFileSync(path.join(out, 'previous.template.json'), '{}');
    expect(() => synthesize((app) => new AppConsistentSnapshotStack(app, 'S', {
      groups: { g: { os: OperatingSystem.LINUX, instanceIds: ['not-an-id'] } },
    }), out)).toThrow(/`instanceIds\[0\]` must be an ECS instance id/);
    expect(fs.readdirSync(out)).toEqual(['previous.template.json']);
  });

  test(`refuses a stack over ${ROS_MAX_RESOURCES} resources, and nothing is written`, () => {
    const out = path.join(tempDir('synth-'), 'cdk.out');
    const build = (app: any) => {
      const stack = new AppConsistentSnapshotStack(app, 'Big');
      for (let g = 0; g < 41; g++) {
        stack.addGroup(`g${g}`, { os: OperatingSystem.LINUX, instanceIds: instanceIds(1, `g${String(g).padStart(3, '0')}`) });
      }
    };
    expect(() => synthesize(build, out)).toThrow(/stack Big: the template is \d+ bytes, over the ROS limit of 524288 bytes \(512 KB\)[^]*stack Big: the template has 246 resources, over the limit of 200: split the groups over several stacks/);
    expect(fs.existsSync(out)).toBe(false);
  });

  test('refuses a template over 512 KB and over 200 resources, naming the sizes', () => {
    const body = JSON.stringify({ Resources: Object.fromEntries(Array.from({ length: 201 }, (_, i) => [`R${i}`, { Type: 'X', Properties: { pad: 'x'.repeat(2700) } }])) });
    const problems = checkRosLimits('Huge', body);
    expect(problems).toEqual([
      expect.stringMatching(new RegExp(`stack Huge: the template is \\d+ bytes, over the ROS limit of ${ROS_TEMPLATE_MAX_BYTES} bytes`)),
      expect.stringMatching(/201 resources, over the limit of 200/),
    ]);
    expect(checkRosLimits('Small', JSON.stringify({ Resources: { A: { Type: 'X' } } }))).toEqual([]);
  });

  test('a check of the OOS templates that finds a problem fails the synth with its name', () => {
    const out = tempDir('synth-');
    expect(() => synthesize((app) => buildPostureStacks(app, loadPostureFile(EXAMPLE)), out,
      (name) => (name.endsWith('mssql-tier') ? ['seeded finding'] : []),
    )).toThrow(/synthesis failed, nothing was written:\n- seeded finding/);
    expect(fs.readdirSync(out)).toEqual([]);
  });
});

describe('app-snapshot synth (npm run synth)', () => {
  const run = (env: Record<string, string>, args: readonly string[] = []) => runBin('app-snapshot', ['synth', ...args], { env: { APP_SNAPSHOT_CONFIG: undefined, ...env } });

  test('without configuration, synthesizes the parameterized default', () => {
    const out = path.join(tempDir('app-'), 'cdk.out');
    const r = run({ APP_SNAPSHOT_OUTDIR: out });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('synthesized from the embedded default (parameterized stack)');
    const t = JSON.parse(fs.readFileSync(path.join(out, 'AppConsistentSnapshot.template.json'), 'utf8'));
    expect(t.Parameters.InstanceIds.Type).toBe('CommaDelimitedList');
  });

  test('with APP_SNAPSHOT_CONFIG, synthesizes the posture file', () => {
    const out = path.join(tempDir('app-'), 'cdk.out');
    const r = run({ APP_SNAPSHOT_OUTDIR: out, APP_SNAPSHOT_CONFIG: EXAMPLE });
    expect(r.status).toBe(0);
    expect(fs.existsSync(path.join(out, 'AppSnapshotProduction.template.json'))).toBe(true);
  });

  test('cdk.json runs the same app for the ros-cdk CLI, which passes CDK_OUTDIR', () => {
    const cdk = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'cdk.json'), 'utf8'));
    const out = path.join(tempDir('cli-'), 'assembly');
    const r = spawnSync('sh', ['-c', cdk.app], { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, CDK_OUTDIR: out } });
    expect(r.status).toBe(0);
    expect(fs.existsSync(path.join(out, 'AppConsistentSnapshot.template.json'))).toBe(true);
    expect(fs.existsSync(path.join(out, 'manifest.json'))).toBe(true);
  });

  test('a bad posture file: exit 1, the field named on stderr, nothing written', () => {
    const dir = tempDir('app-');
    const out = path.join(dir, 'cdk.out');
    fs.writeFileSync(path.join(dir, 'bad.yaml'), 'version: 1\ngroups:\n  - name: db\n    os: linux\n    instances: [i-abcdefgh0001]\n    timeoutSeconds: 0\n');
    const r = run({ APP_SNAPSHOT_OUTDIR: out, APP_SNAPSHOT_CONFIG: path.join(dir, 'bad.yaml') });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: `groups\[0\]\.timeoutSeconds` must be an integer from 1 to 600 \(in .*bad\.yaml\), got 0/);
    expect(fs.existsSync(out)).toBe(false);
  });
});

describe('the OOS template checker at synth', () => {
  test('every OOS template the package emits passes it strictly', () => {
    const out = tempDir('synth-');
    const seen: string[] = [];
    synthesize((app) => { new DefaultAppConsistentSnapshotStack(app, 'D'); buildPostureStacks(app, loadPostureFile(EXAMPLE)); }, out, (name, doc) => {
      seen.push(name);
      expect(lintOosDocument(name, doc)).toEqual([]);
      return [];
    });
    expect(seen).toEqual([
      'D/AutomationInstanceTemplate-Linux', 'D/AutomationInstanceTemplate-Windows', 'D/AutomationTemplate-Linux', 'D/AutomationTemplate-Windows',
      ...EXAMPLE_OOS_TEMPLATES.map((t) => `AppSnapshotProduction/${t}`),
    ]);
  });

  test('a finding fails the synth naming the template, the task and the field', () => {
    const out = tempDir('synth-');
    synthesize((app) => buildPostureStacks(app, loadPostureFile(EXAMPLE)), out);
    const good = JSON.parse(fs.readFileSync(path.join(out, 'AppSnapshotProduction.AppConsistentSnapshot-app-tier-Instance.oos.json'), 'utf8'));
    good.Tasks[4].Properties.instanceId = '{{ noSuchParameter }}';
    const problems: string[] = lintOosDocument('S/seeded', good);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/OOS template S\/seeded: 1 error/);
    expect(problems[0]).toMatch(/Tasks\[4\]\(runSnapshot\)\.Properties\.instanceId/);
  });
});
