import * as fs from 'fs';
import * as path from 'path';
import { buildPostureStacks, parsePosture } from '../lib/posture/loader';
import { PACKING_BUDGET } from '../lib/posture/stacks';
import { ROS_MAX_RESOURCES, ROS_TEMPLATE_MAX_BYTES, synthesize } from '../lib/synth';
import { instanceIds, tempDir } from './helpers';

interface Synth {
  readonly stacks: Record<string, { Resources: Record<string, { Type: string; Properties: Record<string, any>; DependsOn?: string | string[] }> }>;
  readonly bytes: Record<string, number>;
  readonly dependencies: Record<string, string[]>;
}

function synth(doc: object): Synth {
  const out = tempDir('posture-stacks-');
  try {
    const files = synthesize((app) => { buildPostureStacks(app, parsePosture(doc, out)); }, out);
    const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8'));
    const stacks: Synth['stacks'] = {};
    const bytes: Synth['bytes'] = {};
    const dependencies: Synth['dependencies'] = {};
    for (const f of files.filter((x) => x.kind === 'stack')) {
      const name = f.file.replace(/\.template\.json$/, '');
      const body = fs.readFileSync(path.join(out, f.file), 'utf8');
      stacks[name] = JSON.parse(body);
      bytes[name] = Buffer.byteLength(body);
      dependencies[name] = (manifest.artifacts[name]?.dependencies ?? []).filter((d: string) => !d.endsWith('.assets')).sort();
    }
    return { stacks, bytes, dependencies };
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}

const resources = (s: Synth, type: string) => Object.entries(s.stacks).flatMap(([stack, t]) =>
  Object.entries(t.Resources).filter(([, r]) => r.Type === type).map(([id, r]) => ({ stack, id, r })));

function expectWithinLimits(s: Synth): void {
  for (const [name, t] of Object.entries(s.stacks)) {
    expect({ name, resources: Object.keys(t.Resources).length <= ROS_MAX_RESOURCES }).toEqual({ name, resources: true });
    expect({ name, bytes: s.bytes[name] <= ROS_TEMPLATE_MAX_BYTES * PACKING_BUDGET }).toEqual({ name, bytes: true });
  }
}

describe('a posture that fits one stack', () => {
  test('gives one stack named after the posture, with everything in it', () => {
    const s = synth({ version: 1, stackName: 'Small', groups: [{ name: 'db', os: 'linux', instances: instanceIds(3), schedule: 'cron(0 0 2 ? * *)' }] });
    expect(Object.keys(s.stacks)).toEqual(['Small']);
    expect(resources(s, 'ALIYUN::ECS::RamRoleAttachment')).toHaveLength(1);
    expect(resources(s, 'ALIYUN::OOS::Execution')).toHaveLength(1);
  });
});

describe('a fleet too large for one stack', () => {
  const ids = instanceIds(2500, 'big');
  const doc = {
    version: 1,
    stackName: 'Fleet',
    groups: [
      { name: 'db', os: 'linux', scripts: 'mysql', instances: ids, schedule: 'cron(0 0 2 ? * *)' },
      { name: 'web', os: 'linux', targets: { tags: { tier: 'web' } }, schedule: 'rate(6 hours)' },
    ],
  };
  const s = synth(doc);

  test('is split into a core stack and fleet stacks, each within the ROS limits', () => {
    expect(Object.keys(s.stacks).sort()).toEqual(['Fleet', 'Fleet-Fleet1', 'Fleet-Fleet2', 'Fleet-Fleet3']);
    expectWithinLimits(s);
    // The roles and templates are in the core stack only.
    expect(resources(s, 'ALIYUN::OOS::Template').every((x) => x.stack === 'Fleet')).toBe(true);
    expect(resources(s, 'ALIYUN::RAM::Role').every((x) => x.stack === 'Fleet')).toBe(true);
  });

  test('covers every instance exactly once: role attachment (100 each), scripts (50 each), schedule shard (1,000 each)', () => {
    const covered = (type: string, prop: string, most: number) => {
      const lists = resources(s, type).filter((x) => x.r.Properties[prop]).map((x) => x.r.Properties[prop] as string[]);
      lists.forEach((l) => expect(l.length).toBeLessThanOrEqual(most));
      return lists.flat().sort();
    };
    const all = [...ids].sort();
    expect(covered('ALIYUN::ECS::RamRoleAttachment', 'InstanceIds', 100)).toEqual(all);
    expect(covered('ALIYUN::ECS::RunCommand', 'InstanceIds', 50)).toEqual(all);
    const shards = resources(s, 'ALIYUN::OOS::Execution').filter((x) => x.r.Properties.Parameters?.instanceIds);
    expect(shards.map((x) => x.r.Properties.Parameters.instanceIds.length)).toEqual([1000, 1000, 500]);
    expect(shards.flatMap((x) => x.r.Properties.Parameters.instanceIds).sort()).toEqual(all);
  });

  test('each fleet stack depends on the core stack, and a shard starts after its instances are enrolled', () => {
    for (const name of ['Fleet-Fleet1', 'Fleet-Fleet2', 'Fleet-Fleet3']) {
      expect(s.dependencies[name]).toEqual(['Fleet']);
      const t = s.stacks[name];
      const [execution] = Object.values(t.Resources).filter((r) => r.Type === 'ALIYUN::OOS::Execution');
      const enrolled = Object.entries(t.Resources).filter(([, r]) => r.Type !== 'ALIYUN::OOS::Execution').map(([id]) => id).sort();
      expect([execution.DependsOn].flat().sort()).toEqual(enrolled);
    }
  });

  test('the same posture gives byte-identical stacks', () => {
    expect(synth(doc)).toEqual(s);
  });
});

describe('10,000 instances', () => {
  test('by id, a scheduled MySQL tier synthesizes within every limit, every instance covered once', () => {
    const ids = instanceIds(10000, 'ten');
    const s = synth({ version: 1, stackName: 'Ten', groups: [{ name: 'db', os: 'linux', scripts: 'mysql', instances: ids, schedule: 'cron(0 0 2 ? * *)' }] });
    expectWithinLimits(s);
    expect(Object.keys(s.stacks)).toHaveLength(11);
    const all = [...ids].sort();
    for (const [type, prop] of [['ALIYUN::ECS::RamRoleAttachment', 'InstanceIds'], ['ALIYUN::ECS::RunCommand', 'InstanceIds']]) {
      expect(resources(s, type).flatMap((x) => x.r.Properties[prop] as string[]).sort()).toEqual(all);
    }
    const shards = resources(s, 'ALIYUN::OOS::Execution').map((x) => x.r.Properties.Parameters.instanceIds as string[]);
    expect(shards.map((x) => x.length)).toEqual(Array(10).fill(1000));
  });
});

describe('many groups', () => {
  test('are packed in order over several core stacks when their templates do not fit one', () => {
    const groups = Array.from({ length: 12 }, (_, i) => ({ name: `tier${i + 1}`, os: 'linux', instances: instanceIds(2, `t${i}`), schedule: 'cron(0 0 2 ? * *)' }));
    const s = synth({ version: 1, stackName: 'Many', groups });
    const names = Object.keys(s.stacks).sort();
    expect(names.length).toBeGreaterThan(1);
    expect(names[0]).toBe('Many');
    expect(names.filter((n) => n.startsWith('Many-Core'))).toHaveLength(names.length - 1 - names.filter((n) => n.includes('Fleet')).length);
    expectWithinLimits(s);
    // Every group's automation template exists exactly once.
    const templates = resources(s, 'ALIYUN::OOS::Template').map((x) => x.r.Properties.TemplateName).filter((n: string) => /^AppConsistentSnapshot-tier\d+$/.test(n));
    expect(templates.sort()).toEqual(groups.map((g) => `AppConsistentSnapshot-${g.name}`).sort());
  });
});
