/**
 * Least privilege, read off the synthesized stacks: no wildcard action anywhere; each execution
 * role allows exactly the API calls of the OOS templates its group's executions run (derived
 * here from the templates' synthesized content, not from the constructs); with the account and
 * region known, every write is scoped to them.
 */
import * as fs from 'fs';
import * as path from 'path';
import { DefaultAppConsistentSnapshotStack } from '../lib/default-stack';
import { requiredActions } from '../lib/oos/required-actions';
import { isReadAction } from '../lib/policy-scope';
import { buildPostureStacks, loadPostureFile, parsePosture } from '../lib/posture/loader';
import { synthesize } from '../lib/synth';
import { REPO_ROOT, instanceIds, tempDir } from './helpers';

type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;

function synthStacks(build: Parameters<typeof synthesize>[0]): Resources[] {
  const out = tempDir('least-privilege-');
  try {
    return synthesize(build, out).filter((f) => f.kind === 'stack')
      .map((f) => JSON.parse(fs.readFileSync(path.join(out, f.file), 'utf8')).Resources as Resources);
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

/** Every policy statement of every RAM resource, with the resource it belongs to. */
function statements(resources: Resources): Array<{ id: string; Action: string[]; Resource: string[] }> {
  return Object.entries(resources).flatMap(([id, r]) => {
    if (r.Type === 'ALIYUN::RAM::Role') {
      return (r.Properties.Policies ?? []).flatMap((p: any) => p.PolicyDocument.Statement.map((s: any) => ({ id, ...s })));
    }
    if (r.Type === 'ALIYUN::RAM::ManagedPolicy') {
      return r.Properties.PolicyDocument.Statement.map((s: any) => ({ id, ...s }));
    }
    return [];
  });
}

const SCOPED = {
  version: 1,
  stackName: 'Scoped',
  account: { id: '1234567890123456', region: 'cn-shanghai' },
  groups: [
    { name: 'db', os: 'linux', scripts: 'mysql', instances: instanceIds(2), schedule: 'cron(0 0 2 ? * *)' },
    { name: 'app', os: 'linux', targets: { tags: { tier: 'app' } } },
    { name: 'win', os: 'windows', instances: instanceIds(1, 'win'), role: { existing: 'CorpRole' } },
  ],
};

const cases: Array<[string, () => Resources[]]> = [
  ['the embedded default', () => synthStacks((app) => { new DefaultAppConsistentSnapshotStack(app, 'AppConsistentSnapshot'); })],
  ['the example posture', () => synthStacks((app) => { buildPostureStacks(app, loadPostureFile(path.join(REPO_ROOT, 'templates/posture/example.posture.yaml'))); })],
  ['a scoped posture', () => synthStacks((app) => { buildPostureStacks(app, parsePosture(SCOPED, REPO_ROOT)); })],
];

describe.each(cases)('%s', (name, build) => {
  const stacks = build();

  test('asks for no wildcard action', () => {
    const all = stacks.flatMap(statements);
    expect(all.length).toBeGreaterThan(0);
    expect(all.flatMap((s) => s.Action).filter((a) => a.includes('*'))).toEqual([]);
  });

  // The embedded default's contents are chosen by a condition and named by parameters: its
  // execution role is checked against its templates in default-stack.test.ts.
  const derivable = name !== 'the embedded default';
  test(derivable ? 'each execution role allows exactly what its templates call' : 'its execution role is checked in default-stack.test.ts', () => {
    if (!derivable) {
      expect(Object.keys(stacks[0]).filter((id) => /ExecutionRole/.test(id))).toEqual(['ExecutionRoleRole']);
      return;
    }
    let checked = 0;
    for (const resources of stacks) {
      // Each template's content (both branches of a content chosen by a condition).
      const templates = Object.entries(resources).filter(([, r]) => r.Type === 'ALIYUN::OOS::Template').flatMap(([id, r]) => {
        const c = r.Properties.Content;
        return typeof c === 'string' ? [{ id, name: r.Properties.TemplateName as unknown, doc: JSON.parse(c) }] : [];
      });
      const roles = Object.entries(resources).filter(([id, r]) => r.Type === 'ALIYUN::RAM::Role' && /ExecutionRole/.test(id));
      for (const [id, role] of roles) {
        const group = id.replace(/ExecutionRoleRole$/, '');
        const mine = templates.filter((t) => t.id.startsWith(group));
        const byName = (name: unknown) => mine.filter((t) => t.name === name);
        // A nested template is named by a parameter whose default is its name; each template
        // resolves the names of its own children.
        const scoped = (doc: any, depth = 0): any => ({
          document: doc,
          nested: depth > 3 ? {} : Object.fromEntries(Object.entries(doc.Parameters ?? {})
            .filter(([name]) => /TemplateName$/.test(name))
            .flatMap(([name, p]: [string, any]) => byName(p.Default).map((t) => [`{{ ${name} }}`, scoped(t.doc, depth + 1)]))),
        });
        const expected = new Set<string>();
        for (const t of mine) {
          const { document, nested } = scoped(t.doc);
          requiredActions(document, nested).forEach((a) => expected.add(a));
        }
        const allowed = statements({ [id]: role }).flatMap((s) => s.Action);
        expect({ id, allowed: [...allowed].sort() }).toEqual({ id, allowed: [...expected].sort() });
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(0);
  });
});

test('with the account and region, every write is allowed in that region and account only', () => {
  const all = synthStacks((app) => { buildPostureStacks(app, parsePosture(SCOPED, REPO_ROOT)); }).flatMap(statements);
  for (const s of all) {
    const writes = s.Action.filter((a) => !isReadAction(a));
    if (writes.length > 0) {
      expect({ id: s.id, writes, resources: s.Resource.every((r) => /^acs:(ecs:cn-shanghai|ram:):1234567890123456:/.test(r)) }).toEqual({ id: s.id, writes, resources: true });
    }
  }
  expect(all.some((s) => s.Action.includes('ecs:CreateSnapshotGroup'))).toBe(true);
});

test.each([
  [{ id: 1234567890123456, region: 'cn-shanghai' }, /`account.id` must be a quoted string/],
  [{ id: '12x', region: 'cn-shanghai' }, /`account.id` must be the account id/],
  [{ id: '123' }, /`account` must give both id .* and region/],
  [{ id: '123', region: 'Shanghai' }, /`account.region` must be a region id such as cn-hangzhou, got "Shanghai"/],
])('a bad account is refused with the field, the rule and the value (%#)', (account, error) => {
  expect(() => parsePosture({ ...SCOPED, account }, REPO_ROOT)).toThrow(error);
});
