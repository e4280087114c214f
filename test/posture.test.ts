import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { OperatingSystem } from '../lib/plugin/parameters';
import { loadPostureFile, parsePosture } from '../lib/posture/loader';
import { REPO_ROOT, tempDir } from './helpers';

const GOOD_GROUP = { name: 'db', os: 'linux', instances: ['i-abcdefgh0001'] };

function parse(doc: unknown, baseDir = REPO_ROOT) {
  return parsePosture(doc, baseDir);
}

function withGroup(extra: Record<string, unknown>, base: Record<string, unknown> = GOOD_GROUP) {
  return { version: 1, groups: [{ ...base, ...extra }] };
}

describe('posture file: loading', () => {
  test('every example posture file under templates/posture loads', () => {
    const dir = path.join(REPO_ROOT, 'templates', 'posture');
    const files = fs.readdirSync(dir).filter((f) => f.endsWith('.posture.yaml'));
    expect(files.length).toBeGreaterThan(0);
    for (const f of files) {
      expect(loadPostureFile(path.join(dir, f)).groups.length).toBeGreaterThan(0);
    }
  });

  test('maps the example into construct options', () => {
    const p = loadPostureFile(path.join(REPO_ROOT, 'templates', 'posture', 'example.posture.yaml'));
    expect(p.stackName).toBe('AppSnapshotProduction');
    expect(p.postureName).toBe('production');
    const [mysql, app, mssql] = p.groups;
    expect(p.groups.map((g) => g.name)).toEqual(['mysql-tier', 'app-tier', 'mssql-tier']);
    expect(mysql.options).toMatchObject({
      os: OperatingSystem.LINUX, instanceIds: ['i-bp1mysqlprimary01', 'i-bp1mysqlprimary02'], snapshotName: 'mysql-nightly',
      requireAppConsistent: true, concurrency: 1, maxErrors: 0, retention: { keepLast: 7, maxAgeDays: 30, maxDeletesPerRun: 10 },
    });
    expect(mysql.options.scripts!.render().prescript).toContain('/var/run/mysqld/mysqld.sock');
    expect(mysql.options.schedule!.toTimerTrigger()).toMatchObject({ Type: 'cron', Expression: '0 0 2 ? * *', TimeZone: 'Asia/Shanghai' });
    expect(app.options).toMatchObject({
      os: OperatingSystem.LINUX, targetTags: { tier: 'app', env: 'prod' }, enableFsFreeze: true, timeoutSeconds: 15,
      concurrency: 5, maxErrors: 1, retention: { keepLast: 4 },
    });
    expect(app.options.schedule!.toTimerTrigger()).toMatchObject({ Type: 'rate', Expression: '360 minutes' });
    expect(mssql.options).toMatchObject({
      os: OperatingSystem.WINDOWS, existingRoleName: 'CorpWindowsRole', attachRole: false, enableWriters: true,
      excludeDiskIds: ['d-bp1tempdbscratch1'], retention: { maxAgeDays: 14, dryRun: true },
    });
  });

  test('lock, copy and orphan clean-up are read into the construct options', () => {
    const p = parse(withGroup({
      lock: { days: 14, coolOffHours: 2 },
      copy: { regions: ['cn-shanghai'], retentionDays: 90, kmsKeyIds: { 'cn-shanghai': 'key-sh01' }, requireVerified: true, maxInFlight: 2 },
      retention: { keepLast: 7, maxAgeDays: 30, deleteOrphans: true, orphanRetentionDays: 45 },
    }));
    expect(p.groups[0].options).toMatchObject({
      lock: { days: 14, coolOffHours: 2 },
      copy: { regions: ['cn-shanghai'], retentionDays: 90, kmsKeyIds: { 'cn-shanghai': 'key-sh01' }, requireVerified: true, maxInFlight: 2 },
      retention: { keepLast: 7, maxAgeDays: 30, deleteOrphans: true, orphanRetentionDays: 45 },
    });
  });

  test('the lock, copy and orphan example of docs/lock-and-copy.md loads as documented', () => {
    const doc = fs.readFileSync(path.join(REPO_ROOT, 'docs', 'lock-and-copy.md'), 'utf8');
    const example = YAML.parse(/```yaml\n([\s\S]*?)```/.exec(doc)![1]).groups[0];
    const p = parse(withGroup({ ...example, name: 'db' }));
    expect(p.groups[0].options).toMatchObject({
      retention: { keepLast: 14, maxAgeDays: 35, deleteOrphans: true, orphanRetentionDays: 35 },
      lock: { days: 30, coolOffHours: 24 },
      copy: { regions: ['cn-shanghai'], retentionDays: 35, kmsKeyIds: { 'cn-shanghai': 'key-sh0001' }, requireVerified: false, maxInFlight: 4 },
    });
  });

  test('script files resolve relative to the posture file', () => {
    const dir = tempDir('posture-');
    fs.writeFileSync(path.join(dir, 'pre.sh'), '#!/bin/bash\nsync\n');
    fs.writeFileSync(path.join(dir, 'post.sh'), '#!/bin/bash\ntrue\n');
    fs.writeFileSync(path.join(dir, 'p.yaml'), YAML.stringify(withGroup({ scripts: { prescript: 'pre.sh', postscript: 'post.sh' } })));
    const p = loadPostureFile(path.join(dir, 'p.yaml'));
    expect(p.groups[0].options.scripts!.render().prescript).toBe('#!/bin/bash\nsync\n');
  });
});

describe('posture file: restore drills', () => {
  test('the example declares a drill for its MySQL tier', () => {
    const p = loadPostureFile(path.join(REPO_ROOT, 'templates', 'posture', 'example.posture.yaml'));
    const drill = p.groups[0].options.restoreTest!;
    expect(drill).toMatchObject({ scratchInstanceId: 'i-bp1drillscratch01', maxAgeHours: 26, timeoutMinutes: 30 });
    expect(drill.check.kind).toBe('mysql');
    expect(drill.check.describe()).toEqual({ query: 'SELECT id FROM shop.orders ORDER BY id DESC LIMIT 1' });
    expect(drill.source!.instanceId).toBeUndefined();
    expect(drill.schedule!.toTimerTrigger()).toMatchObject({ Type: 'cron', Expression: '0 0 4 ? * SUN', TimeZone: 'Asia/Shanghai' });
    expect(p.groups.slice(1).map((g) => g.options.restoreTest)).toEqual([undefined, undefined]);
  });

  test('every form: a named source, each check, a check script relative to the posture file, the tag condition off', () => {
    const dir = tempDir('posture-drill-');
    try {
      fs.writeFileSync(path.join(dir, 'check.sh'), '#!/bin/bash\ntest -s "${DRILL_MOUNTS%% *}/orders.csv"\n');
      fs.writeFileSync(path.join(dir, 'p.yaml'), YAML.stringify(withGroup({
        instances: ['i-abcdefgh0001', 'i-abcdefgh0002'],
        restoreTest: { instance: 'i-scratch0000001', source: { instance: 'i-abcdefgh0002' }, check: { script: 'check.sh' }, diskDeletionTagCondition: false, schedule: 'rate(1 days)' },
      })));
      const drill = loadPostureFile(path.join(dir, 'p.yaml')).groups[0].options.restoreTest!;
      expect(drill.source!.instanceId).toBe('i-abcdefgh0002');
      expect(drill.check.describe()).toEqual({ script: path.join(dir, 'check.sh') });
      expect(drill.diskDeletionTagCondition).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    for (const [check, kind] of [['mysql', 'mysql'], ['postgresql', 'postgresql'], ['redis', 'redis'], ['generic', 'generic'], [{ engine: 'redis', query: 'EXISTS k' }, 'redis']] as const) {
      expect(parse(withGroup({ restoreTest: { instance: 'i-scratch0000001', check } })).groups[0].options.restoreTest!.check.kind).toBe(kind);
    }
  });

  test.each<[string, Record<string, unknown>, RegExp]>([
    ['no scratch instance', { check: 'mysql' }, /^`groups\[0\]\.restoreTest\.instance` is required/],
    ['the scratch instance among the group', { instance: 'i-abcdefgh0001', check: 'mysql' }, /^`groups\[0\]\.restoreTest\.instance` must not be one of the group's instances/],
    ['a malformed scratch instance', { instance: 'scratch', check: 'mysql' }, /^`groups\[0\]\.restoreTest\.instance` must be an ECS instance id/],
    ['no check', { instance: 'i-scratch0000001' }, /^`groups\[0\]\.restoreTest\.check` is required/],
    ['an unknown check', { instance: 'i-scratch0000001', check: 'oracle' }, /^`groups\[0\]\.restoreTest\.check` must be mysql, postgresql, redis, generic/],
    ['options for the generic check', { instance: 'i-scratch0000001', check: { engine: 'generic', query: 'x' } }, /^`groups\[0\]\.restoreTest\.check\.engine` must be mysql, postgresql or redis/],
    ['an unknown check option', { instance: 'i-scratch0000001', check: { engine: 'mysql', sql: 'x' } }, /^`groups\[0\]\.restoreTest\.check\.sql` is not a known key/],
    ['a query with {{', { instance: 'i-scratch0000001', check: { engine: 'mysql', query: 'SELECT {{ x }}' } }, /^`groups\[0\]\.restoreTest\.check\.query` must be one line without `\{\{`/],
    ['a source outside the group', { instance: 'i-scratch0000001', check: 'mysql', source: { instance: 'i-zzzzzzzz0001' } }, /^`groups\[0\]\.restoreTest\.source` must name one of the group's instances/],
    ['a source that is neither form', { instance: 'i-scratch0000001', check: 'mysql', source: 'newest' }, /^`groups\[0\]\.restoreTest\.source` must be random or \{instance: i-\.\.\.\}/],
    ['maxAgeHours as text', { instance: 'i-scratch0000001', check: 'mysql', maxAgeHours: '26' }, /^`groups\[0\]\.restoreTest\.maxAgeHours` must be an integer from 1 to 87600, got "26"/],
    ['maxAgeHours not whole', { instance: 'i-scratch0000001', check: 'mysql', maxAgeHours: 1.5 }, /^`groups\[0\]\.restoreTest\.maxAgeHours` must be an integer from 1 to 87600, got 1\.5/],
    ['maxAgeHours above ten years', { instance: 'i-scratch0000001', check: 'mysql', maxAgeHours: 87601 }, /^`groups\[0\]\.restoreTest\.maxAgeHours` must be an integer from 1 to 87600/],
    ['timeoutMinutes above a day', { instance: 'i-scratch0000001', check: 'mysql', timeoutMinutes: 1441 }, /^`groups\[0\]\.restoreTest\.timeoutMinutes` must be an integer from 1 to 1440/],
    ['the tag condition as text', { instance: 'i-scratch0000001', check: 'mysql', diskDeletionTagCondition: 'no' }, /^`groups\[0\]\.restoreTest\.diskDeletionTagCondition` must be a boolean, got "no"/],
    ['a database for the redis check', { instance: 'i-scratch0000001', check: { engine: 'redis', database: '0' } }, /^`groups\[0\]\.restoreTest\.check\.database` is not an option of the redis check/],
    ['a check mapping without an engine', { instance: 'i-scratch0000001', check: { query: 'SELECT 1' } }, /^`groups\[0\]\.restoreTest\.check\.engine` is required: mysql, postgresql or redis/],
    ['a script with options', { instance: 'i-scratch0000001', check: { script: 'check.sh', query: 'x' } }, /^`groups\[0\]\.restoreTest\.check\.query` is not a known key \(a check mapping takes `script` alone/],
    ['a malformed source instance', { instance: 'i-scratch0000001', check: 'mysql', source: { instance: 'db-1' } }, /^`groups\[0\]\.restoreTest\.source\.instance` must be an ECS instance id/],
    ['a scratch instance as a number', { instance: 7, check: 'mysql' }, /^`groups\[0\]\.restoreTest\.instance` must be an ECS instance id/],
    ['timeoutMinutes 0', { instance: 'i-scratch0000001', check: 'mysql', timeoutMinutes: 0 }, /^`groups\[0\]\.restoreTest\.timeoutMinutes` must be an integer from 1 to 1440/],
    ['a bad schedule', { instance: 'i-scratch0000001', check: 'mysql', schedule: 'cron(0 0 25 ? * *)' }, /^`groups\[0\]\.restoreTest\.schedule\.expression` has an invalid hours field/],
    ['an unknown key', { instance: 'i-scratch0000001', check: 'mysql', keepDisks: true }, /^`groups\[0\]\.restoreTest\.keepDisks` is not a known key/],
  ])('%s', (_name, restoreTest, message) => {
    expect(() => parse(withGroup({ restoreTest }))).toThrow(message);
  });

  test('a Windows group cannot have a drill', () => {
    expect(() => parse(withGroup({ os: 'windows', restoreTest: { instance: 'i-scratch0000001', check: 'generic' } }))).toThrow(/^`groups\[0\]\.restoreTest` applies to Linux groups only/);
  });
});

describe('posture file: bad input names the field, the rule and the value', () => {
  test.each<[string, unknown, RegExp]>([
    ['an unknown top-level key', { version: 1, groups: [GOOD_GROUP], colour: 'red' }, /`colour` is not a known key.*got "red"/],
    ['an unknown group key', withGroup({ fsfreeze: true }), /`groups\[0\]\.fsfreeze` is not a known key/],
    ['an unknown role key', withGroup({ role: { name: 'x' } }), /`groups\[0\]\.role\.name` is not a known key/],
    ['a wrong version', { version: 2, groups: [GOOD_GROUP] }, /`version` must be 1, got 2/],
    ['no groups', { version: 1, groups: [] }, /`groups` must be a non-empty list of groups, got \[\]/],
    ['an unknown OS', withGroup({ os: 'solaris' }), /`groups\[0\]\.os` must be linux or windows, got "solaris"/],
    ['a malformed instance id', withGroup({ instances: ['i-abcdefgh0001', 'host-1'] }), /`groups\[0\]\.instances\[1\]` must be an ECS instance id.*got "host-1"/],
    ['a duplicate instance id', withGroup({ instances: ['i-abcdefgh0001', 'i-abcdefgh0001'] }), /`groups\[0\]\.instances\[1\]` must not repeat/],
    ['an empty instance list', withGroup({ instances: [] }), /`groups\[0\]\.instances` must list at least one instance id, got \[\]/],
    ['an instance in two groups', { version: 1, groups: [GOOD_GROUP, { ...GOOD_GROUP, name: 'db2' }] }, /`groups\[1\]\.instances\[0\]` must belong to one group only/],
    ['a duplicate group name', { version: 1, groups: [GOOD_GROUP, { ...GOOD_GROUP, instances: ['i-abcdefgh0002'] }] }, /`groups\[1\]\.name` must be unique/],
    ['a bad group name', withGroup({ name: 'db tier' }), /`groups\[0\]\.name` must be a letter followed by up to 39.*got "db tier"/],
    ['a timeout out of range', withGroup({ timeoutSeconds: 601 }), /`groups\[0\]\.timeoutSeconds` must be an integer from 1 to 600, got 601/],
    ['a timeout given as text', withGroup({ timeoutSeconds: '30' }), /`groups\[0\]\.timeoutSeconds` must be a number, got "30"/],
    ['a malformed disk id', withGroup({ excludeDiskIds: ['d_1'] }), /`groups\[0\]\.excludeDiskIds\[0\]` must be an ECS disk id.*got "d_1"/],
    ['a comma in the snapshot description', withGroup({ snapshot: { description: 'a, b' } }), /`groups\[0\]\.snapshot\.description` must not contain ",".*got "a, b"/],
    ['a non-ASCII snapshot description on Windows', withGroup({ os: 'windows', snapshot: { description: 'caf\u00e9 nightly' } }),
      /`groups\[0\]\.snapshot\.description` must be printable ASCII on Windows, got "\u00e9" \(U\+00E9\): .*ANSI code page.*got "caf\u00e9 nightly"/],
    ['a quote in the snapshot name', withGroup({ snapshot: { name: 'say"x' } }), /`groups\[0\]\.snapshot\.name` must be 2 to 128 characters/],
    ['a reserved template name', withGroup({ templateName: 'ALIYUN-snap' }), /`groups\[0\]\.templateName` must not start with ALIYUN/],
    ['scripts on Windows', withGroup({ os: 'windows', scripts: 'generic' }), /`groups\[0\]\.scripts` apply to Linux only/],
    ['fsFreeze on Windows', withGroup({ os: 'windows', fsFreeze: true }), /`groups\[0\]\.fsFreeze` applies to Linux only .*got true/],
    ['VSS writers on Linux', withGroup({ vssWriters: true }), /`groups\[0\]\.vssWriters` applies to Windows only/],
    ['a missing script file', withGroup({ scripts: { prescript: 'nope/pre.sh', postscript: 'nope/post.sh' } }), /`groups\[0\]\.scripts\.prescript` must name a readable file, got ".*nope\/pre\.sh"/],
    ['only one script file', withGroup({ scripts: { prescript: 'pre.sh' } }), /`groups\[0\]\.scripts\.postscript` must be the path of a script file \(give both prescript and postscript\)/],
    ['an unknown script preset', withGroup({ scripts: 'oracle' }), /`groups\[0\]\.scripts` must be one of generic, .*got "oracle"/],
    ['an unknown option of a library pair', withGroup({ scripts: { engine: 'mysql', lockwait: 3 } }), /`groups\[0\]\.scripts\.lockwait`/],
    ['both created and existing role', withGroup({ role: { create: 'A', existing: 'B' } }), /`groups\[0\]\.role` must name either create or existing, not both/],
    ['a bad role name', withGroup({ role: { existing: 'bad role' } }), /`groups\[0\]\.role\.existing` must be 1 to 64 characters.*got "bad role"/],
    ['a bad stack name', { version: 1, stackName: '-x', groups: [GOOD_GROUP] }, /`stackName` must be a letter or digit/],
    ['a concurrency of 0', withGroup({ rateControl: { concurrency: 0 } }), /`groups\[0\]\.rateControl\.concurrency` must be an integer from 1 to 1000, got 0/],
    ['a lock without days', withGroup({ lock: { coolOffHours: 1 } }), /`groups\[0\]\.lock\.days` is required: how many days each snapshot stays locked/],
    ['an unknown lock key', withGroup({ lock: { days: 7, mode: 'governance' } }), /`groups\[0\]\.lock\.mode` is not a known key \(known: days, coolOffHours\)/],
    ['a lock of 0 days', withGroup({ lock: { days: 0 } }), /`groups\[0\]\.lock\.days` must be an integer from 1 to 36500, got 0/],
    ['a lock longer than maxAgeDays', withGroup({ lock: { days: 31 }, retention: { maxAgeDays: 30 } }), /`groups\[0\]\.lock\.days` must end within `retention\.maxAgeDays` \(30 days\)/],
    ['a copy without retentionDays', withGroup({ copy: { regions: ['cn-shanghai'] } }), /`groups\[0\]\.copy\.retentionDays` is required: the days ECS keeps each copy/],
    ['a copy to a malformed region', withGroup({ copy: { regions: ['Shanghai'], retentionDays: 7 } }), /`groups\[0\]\.copy\.regions\[0\]` must be a region id such as cn-shanghai, got "Shanghai"/],
    ['a KMS key given as a number', withGroup({ copy: { regions: ['cn-shanghai'], retentionDays: 7, kmsKeyIds: { 'cn-shanghai': 1 } } }), /`groups\[0\]\.copy\.kmsKeyIds\.cn-shanghai` must be a string, got 1/],
    ['orphanRetentionDays without deleteOrphans', withGroup({ retention: { keepLast: 3, orphanRetentionDays: 30 } }), /`groups\[0\]\.retention\.orphanRetentionDays` applies with deleteOrphans: true/],
  ])('refuses %s', (_, doc, error) => {
    expect(() => parse(doc)).toThrow(error);
  });

  test('a script over the size limit and a script with {{ are refused with the posture path', () => {
    const dir = tempDir('posture-');
    // Text gzip cannot shrink much: a chain of checksums.
    let big = '#!/bin/bash\n';
    for (let i = 0, h = 'seed'; i < 260; i++) { h = require('crypto').createHash('sha256').update(h).digest('hex'); big += `# ${h}\n`; }
    fs.writeFileSync(path.join(dir, 'big.sh'), big);
    fs.writeFileSync(path.join(dir, 'brace.sh'), '#!/bin/bash\necho {{ x }}\n');
    fs.writeFileSync(path.join(dir, 'ok.sh'), '#!/bin/bash\ntrue\n');
    expect(() => parse(withGroup({ scripts: { prescript: 'big.sh', postscript: 'ok.sh' } }), dir)).toThrow(/`groups\[0\]\.scripts` must fit the 16384-byte RunCommand limit/);
    expect(() => parse(withGroup({ scripts: { prescript: 'ok.sh', postscript: 'brace.sh' } }), dir)).toThrow(/`groups\[0\]\.scripts\.postscript` must not contain `\{\{`/);
  });

  test('a duplicate YAML key and invalid YAML are refused with the file named', () => {
    const dir = tempDir('posture-');
    fs.writeFileSync(path.join(dir, 'dup.yaml'), 'version: 1\nversion: 1\ngroups: []\n');
    fs.writeFileSync(path.join(dir, 'bad.yaml'), 'version: [1\n');
    expect(() => loadPostureFile(path.join(dir, 'dup.yaml'))).toThrow(/dup\.yaml: not valid YAML: .*[Mm]ap keys must be unique/);
    expect(() => loadPostureFile(path.join(dir, 'bad.yaml'))).toThrow(/bad\.yaml: not valid YAML/);
    expect(() => loadPostureFile(path.join(dir, 'missing.yaml'))).toThrow(/`APP_SNAPSHOT_CONFIG` must name a readable posture file, got ".*missing\.yaml"/);
  });
});
