/** The posture file's JSON Schema: the examples, its completeness, and the loader's use of it. */
import * as fs from 'fs';
import * as path from 'path';
import Ajv from 'ajv';
import * as YAML from 'yaml';
import { NotifyOn, RESERVED_PARAMETER_PREFIXES, SECRET_PARAMETER_NAME_PATTERN, checkNotifyOptions } from '../lib/notify';
import { MAX_RPO_HOURS, POSTURE_VERSION, parsePosture } from '../lib/posture/loader';
import { NOT_SHOWN, POSTURE_SCHEMA_FILE, postureSchema, validatePostureDocument } from '../lib/posture/schema';
import {
  OperatingSystem, SNAPSHOT_DESCRIPTION_MAX_LENGTH, SNAPSHOT_DESCRIPTION_MIN_LENGTH, SNAPSHOT_NAME_PATTERN, SNAPSHOT_NAME_RULE, snapshotDescriptionPattern, snapshotDescriptionProblem,
} from '../lib/plugin/parameters';
import { QUIESCE_OPTIONS } from '../lib/quiesce-scripts';
import { INSTANCE_ID_PATTERN } from '../lib/plugin/parameters';
import { RESTORE_TEST_LIMITS } from '../lib/restore-drill';
import { RestoreCheck } from '../lib/restore-check';
import { REPO_ROOT } from './helpers';

type Node = Record<string, any>;

const SCHEMA: Node = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'schema', 'posture.schema.json'), 'utf8'));
const EXAMPLES_DIR = path.join(REPO_ROOT, 'templates', 'posture');
const EXAMPLES = fs.readdirSync(EXAMPLES_DIR).filter((f) => f.endsWith('.posture.yaml')).sort();
const GOOD_GROUP = { name: 'db', os: 'linux', instances: ['i-abcdefgh0001'] };
const withGroup = (extra: Record<string, unknown>) => ({ version: 1, groups: [{ ...GOOD_GROUP, ...extra }] });

/** Every schema object below `node`, with its JSON pointer. */
function walk(node: unknown, at = '#'): Array<[string, Node]> {
  if (node === null || typeof node !== 'object') return [];
  const here: Array<[string, Node]> = Array.isArray(node) ? [] : [[at, node as Node]];
  return [...here, ...Object.entries(node as Node).filter(([k]) => k !== 'x-rule').flatMap(([k, v]) => walk(v, `${at}/${k}`))];
}

const resolve = (s: Node): Node => (typeof s.$ref === 'string' ? { ...resolve(SCHEMA.definitions[s.$ref.replace('#/definitions/', '')]), ...s } : s);

describe('the schema file', () => {
  test('is the file the loader uses, shipped with the package', () => {
    expect(POSTURE_SCHEMA_FILE).toBe(path.join(REPO_ROOT, 'schema', 'posture.schema.json'));
    expect(postureSchema()).toEqual(SCHEMA);
    expect(JSON.parse(fs.readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')).files).toContain('schema/');
  });

  test('a plain draft-07 validator (no package code) accepts it and checks a document with it', () => {
    expect(SCHEMA.$schema).toBe('http://json-schema.org/draft-07/schema#');
    const validate = new Ajv({ strict: false }).compile(SCHEMA);
    expect(validate(withGroup({}))).toBe(true);
    expect(validate(withGroup({ timeoutSeconds: '30' }))).toBe(false);
  });

  test('every key has a description', () => {
    // Keys are declared outside conditions; `if`/`then` only refer to them.
    const undocumented = walk(SCHEMA).filter(([at]) => !at.includes('/allOf/'))
      .flatMap(([at, node]) => Object.entries((node.properties ?? {}) as Node).map(([key, s]) => [`${at}/properties/${key}`, s] as const))
      .filter(([, s]) => s !== true && typeof resolve(s).description !== 'string')
      .map(([at]) => at);
    expect(undocumented).toEqual([]);
  });

  test('every keyword ajv has no words of its own for carries an x-rule message', () => {
    const needRule = ['not', 'anyOf', 'minProperties', 'maxProperties'];
    const missing = walk(SCHEMA).flatMap(([at, node]) => needRule.filter((k) => k in node && !(node['x-rule'] ?? {})[k]).map((k) => `${at}/${k}`))
      // `not` inside `if` only tests; it never reports.
      .filter((at) => !/\/if\/not$/.test(at));
    expect(missing).toEqual([]);
  });

  test('the version is the loader\'s', () => {
    expect(SCHEMA.properties.version.const).toBe(POSTURE_VERSION);
  });

  test('the library pairs and their options are the script library\'s (QUIESCE_OPTIONS), with their types', () => {
    const engines = ['generic', ...Object.keys(QUIESCE_OPTIONS)];
    expect(SCHEMA.definitions.libraryScripts.properties.engine.enum).toEqual(engines);
    expect(SCHEMA.definitions.scripts.then.enum).toEqual(engines);
    expect(Object.keys(SCHEMA.definitions.genericOptions.properties)).toEqual(['engine']);
    for (const [engine, specs] of Object.entries(QUIESCE_OPTIONS)) {
      const inSchema = SCHEMA.definitions[`${engine}Options`].properties as Node;
      const { engine: _engine, ...options } = inSchema;
      const expected = Object.fromEntries(specs.map((s) => [s.key, s.kind.type === 'integer' ? { type: 'number' }
        : s.kind.type === 'boolean' ? { type: 'boolean' }
          : s.kind.type === 'enum' ? { enum: [...s.kind.values] } : { type: 'string' }]));
      const actual = Object.fromEntries(Object.entries(options).map(([k, v]) => [k, v.enum ? { enum: v.enum } : { type: v.type }]));
      expect([engine, actual]).toEqual([engine, expected]);
    }
  });
});

describe('notify and rpoHours: the schema states the constructs\' rules', () => {
  const withNotify = (notify: unknown) => ({ ...withGroup({ schedule: 'rate(1 day)' }), notify });
  const schemaError = (doc: unknown): string | undefined => {
    try {
      validatePostureDocument(JSON.parse(JSON.stringify(doc)));
      return undefined;
    } catch (e) {
      return (e as Error).message;
    }
  };
  const constructError = (name: string): string | undefined => {
    try {
      checkNotifyOptions({ webhookSecretParameter: name });
      return undefined;
    } catch (e) {
      return (e as Error).message;
    }
  };

  test('the secret parameter\'s pattern, the values of on and the largest rpoHours are the code\'s', () => {
    const webhook = SCHEMA.definitions.notifyWebhook.properties.secretParameter;
    expect(webhook.pattern).toBe(SECRET_PARAMETER_NAME_PATTERN);
    expect(SCHEMA.definitions.notify.properties.on.enum).toEqual(Object.values(NotifyOn));
    expect(SCHEMA.definitions.group.properties.rpoHours.maximum).toBe(MAX_RPO_HOURS);
    expect(SCHEMA.definitions.group.properties.rpoHours.exclusiveMinimum).toBe(0);
  });

  test.each<[string, boolean]>([
    ...RESERVED_PARAMETER_PREFIXES.flatMap((p) => [p, p.toLowerCase(), p[0] + p.slice(1).toLowerCase()].map((x): [string, boolean] => [`${x}-hook`, false])),
    ['hook', true], ['my-oos-hook', true], ['team_ALIYUN_hook', true], ['a'.repeat(180), true], ['a'.repeat(181), false], ['bad name', false], ['', false],
  ])('%s: the schema and the construct agree (accepted: %s)', (name, accepted) => {
    const bySchema = schemaError(withNotify({ webhook: { secretParameter: name } }));
    const byConstruct = constructError(name);
    expect([bySchema === undefined, byConstruct === undefined]).toEqual([accepted, accepted]);
    if (!accepted && /^(aliyun|acs|alibaba|alicloud|oos)/i.test(name)) {
      expect(bySchema).toMatch(/^`notify\.webhook\.secretParameter` must not start with ALIYUN, ACS, ALIBABA, ALICLOUD or OOS \(reserved by OOS\)/);
    }
  });

  test.each<[string, unknown]>([
    ['notify as the URL', 'https://oapi.dingtalk.com/robot/send?access_token=s3cr3t'],
    ['webhook as the URL', { webhook: 'https://oapi.dingtalk.com/robot/send?access_token=s3cr3t' }],
    ['secretParameter as the URL', { webhook: { secretParameter: 'https://oapi.dingtalk.com/robot/send?access_token=s3cr3t' } }],
    ['the URL under a key of its own', { webhook: { secretParameter: 'hook', url: 'https://oapi.dingtalk.com/robot/send?access_token=s3cr3t' } }],
    ['the URL beside webhook', { webhook: { secretParameter: 'hook' }, url: 'https://oapi.dingtalk.com/robot/send?access_token=s3cr3t' }],
  ])('%s: refused, the field named, the value never shown (x-secret)', (_, notify) => {
    const message = schemaError(withNotify(notify));
    expect(message).toMatch(/^`notify(\.[a-zA-Z]+)*` .*, got "\(not shown\)"$/);
    expect(message).toContain(NOT_SHOWN);
    expect(message).not.toContain('s3cr3t');
  });

  test('a value that is not under x-secret is shown', () => {
    expect(schemaError(withNotify({ webhook: { secretParameter: 'hook' }, on: 'never' }))).toBe('`notify.on` must be one of failures, always, got "never"');
  });

  test.each<[unknown, RegExp]>([
    [0, /^`groups\[0\]\.rpoHours` must be a number of hours above 0 and at most 8784 .*, got 0$/],
    [-1, /above 0 and at most 8784 .*, got -1$/],
    [MAX_RPO_HOURS + 0.5, /above 0 and at most 8784 .*, got 8784\.5$/],
    ['24', /^`groups\[0\]\.rpoHours` must be a number, got "24"$/],
  ])('rpoHours %j is refused', (rpoHours, message) => {
    expect(schemaError(withGroup({ schedule: 'rate(1 day)', rpoHours }))).toMatch(message);
  });

  test.each([0.5, 26, MAX_RPO_HOURS])('rpoHours %j is taken', (rpoHours) => {
    expect(parsePosture(withGroup({ schedule: 'rate(1 day)', rpoHours }), REPO_ROOT).groups[0].rpoHours).toBe(rpoHours);
  });
});

describe('restoreTest: the schema states the drill\'s keys, types and bounds, the constructs the rest', () => {
  const drill = () => SCHEMA.definitions.restoreTest;

  test('its keys are the drill\'s options (instance for scratchInstanceId), no other', () => {
    expect(drill().additionalProperties).toBe(false);
    expect(Object.keys(drill().properties)).toEqual(['instance', 'check', 'schedule', 'source', 'maxAgeHours', 'timeoutMinutes', 'diskDeletionTagCondition']);
    expect(drill().required).toEqual(['instance', 'check']);
    expect(SCHEMA.definitions.group.properties.restoreTest).toEqual({ $ref: '#/definitions/restoreTest' });
    // The same forms of schedule as the group's.
    expect(resolve(drill().properties.schedule).$ref).toBe('#/definitions/schedule');
  });

  test('the instance pattern and the bounds are the code\'s (INSTANCE_ID_PATTERN, RESTORE_TEST_LIMITS)', () => {
    expect(drill().properties.instance.pattern).toBe(INSTANCE_ID_PATTERN);
    expect(SCHEMA.definitions.restoreSourceInstance.properties.instance.pattern).toBe(INSTANCE_ID_PATTERN);
    for (const key of ['maxAgeHours', 'timeoutMinutes'] as const) {
      const { type, minimum, maximum } = drill().properties[key];
      expect([key, type, minimum, maximum]).toEqual([key, 'integer', RESTORE_TEST_LIMITS[key].min, RESTORE_TEST_LIMITS[key].max]);
    }
  });

  test('the checks are the check library\'s: a name, an engine with options, or a script', () => {
    expect(SCHEMA.definitions.restoreCheck.then.enum).toEqual(['mysql', 'postgresql', 'redis', 'generic']);
    expect(SCHEMA.definitions.restoreCheckEngine.properties.engine.enum).toEqual(['mysql', 'postgresql', 'redis']);
    for (const kind of SCHEMA.definitions.restoreCheck.then.enum as Array<'mysql' | 'postgresql' | 'redis' | 'generic'>) {
      expect(RestoreCheck[kind]().kind).toBe(kind);
    }
    expect(Object.keys(SCHEMA.definitions.restoreCheckEngine.properties)).toEqual(['engine', 'query', 'database', 'dataDir']);
    expect(Object.keys(SCHEMA.definitions.restoreCheckScript.properties)).toEqual(['script']);
  });

  test('the loader has no key or type check of its own for it: a schema error comes first, even behind a construct rule of an earlier group', () => {
    // groups[0]'s drill breaks a construct rule (the scratch instance is one of the group's), groups[1]'s the schema.
    const doc = {
      version: 1,
      groups: [
        { ...GOOD_GROUP, restoreTest: { instance: 'i-abcdefgh0001', check: 'mysql' } },
        { name: 'b', os: 'linux', instances: ['i-abcdefgh0002'], restoreTest: { instance: 'i-scratch0000001', check: 'mysql', keepDisks: true } },
      ],
    };
    expect(() => parsePosture(doc, REPO_ROOT)).toThrow(/^`groups\[1\]\.restoreTest\.keepDisks` is not a known key \(known: instance, check, schedule, source, maxAgeHours, timeoutMinutes, diskDeletionTagCondition\), got true$/);
  });
});

describe('snapshot.name and snapshot.description: the rules are lib/plugin/parameters.ts\'s alone', () => {
  const fields = () => resolve(SCHEMA.definitions.group.properties.snapshot).properties as Record<string, Node>;

  test('the schema repeats no value rule of theirs (types only), and its descriptions state the same bounds', () => {
    for (const [name, field] of Object.entries(fields())) {
      expect([name, Object.keys(field).sort()]).toEqual([name, ['description', 'type']]);
    }
    expect(fields().name.description).toContain(SNAPSHOT_NAME_RULE.match(/^must be (\d+ to \d+) characters/)![1]);
    expect(fields().description.description).toContain(`${SNAPSHOT_DESCRIPTION_MIN_LENGTH} to ${SNAPSHOT_DESCRIPTION_MAX_LENGTH} characters not starting with http:// or https://`);
  });

  test.each<[string, Record<string, string>, string | undefined]>([
    ['a name of letters, digits and `:` `-`', { name: 'nightly:db-1' }, undefined],
    ['no description', { description: '' }, undefined],
    ['a 2-character description', { description: 'ab' }, undefined],
    ['a 1-character name', { name: 'a' }, 'snapshot.name'],
    ['a name starting with a digit', { name: '1nightly' }, 'snapshot.name'],
    ['a 1-character description', { description: 'x' }, 'snapshot.description'],
    ['a description starting with https://', { description: 'https://example.com/db' }, 'snapshot.description'],
    ['a 257-character description', { description: 'y'.repeat(SNAPSHOT_DESCRIPTION_MAX_LENGTH + 1) }, 'snapshot.description'],
  ])('%s: the posture loader agrees with the pattern and check of parameters.ts', (_, snapshot, refusedField) => {
    const byRules = (snapshot.name === undefined || new RegExp(SNAPSHOT_NAME_PATTERN).test(snapshot.name))
      && (snapshot.description === undefined || (snapshotDescriptionProblem(snapshot.description, OperatingSystem.LINUX) === undefined
        && new RegExp(snapshotDescriptionPattern(OperatingSystem.LINUX)).test(snapshot.description)));
    expect(byRules).toBe(refusedField === undefined);
    const load = () => parsePosture(withGroup({ snapshot }), REPO_ROOT);
    if (refusedField === undefined) expect(load).not.toThrow();
    else expect(load).toThrow(new RegExp(`^\`groups\\[0\\]\\.${refusedField.replace('.', '\\.')}\` must .*CreateSnapshotGroup's`));
  });
});

describe('the example posture files', () => {
  test('there are examples', () => {
    expect(EXAMPLES.length).toBeGreaterThan(0);
  });

  test.each(EXAMPLES)('%s starts with the yaml-language-server comment naming the shipped schema', (file) => {
    const first = fs.readFileSync(path.join(EXAMPLES_DIR, file), 'utf8').split('\n')[0];
    const m = /^# yaml-language-server: \$schema=(\S+)$/.exec(first);
    expect(m).not.toBeNull();
    // A relative path: templates/ and schema/ keep their places in the repository and in the package.
    expect(m![1]).toBe('../../schema/posture.schema.json');
    expect(path.resolve(EXAMPLES_DIR, m![1])).toBe(POSTURE_SCHEMA_FILE);
  });

  test.each(EXAMPLES)('%s is valid against the schema (a plain validator, as an editor would check it)', (file) => {
    const doc = YAML.parse(fs.readFileSync(path.join(EXAMPLES_DIR, file), 'utf8'));
    const validate = new Ajv({ strict: false, allErrors: true }).compile(SCHEMA);
    expect(validate(doc) ? [] : validate.errors).toEqual([]);
    expect(() => validatePostureDocument(doc)).not.toThrow();
  });
});

describe('the loader checks the schema first, in the loader\'s words', () => {
  test('a key or type error is found before any construct rule, even in a later group', () => {
    // groups[0] breaks a construct rule (the range), groups[1] the schema (a misspelt key)
    const doc = { version: 1, groups: [{ ...GOOD_GROUP, timeoutSeconds: 0 }, { name: 'b', os: 'linux', instances: ['i-abcdefgh0002'], fsfreeze: true }] };
    expect(() => parsePosture(doc, REPO_ROOT)).toThrow(/^`groups\[1\]\.fsfreeze` is not a known key \(known: name, os, instances, targets, .*\), got true$/);
  });

  test.each<[string, unknown, RegExp]>([
    ['not a mapping', ['version: 1'], /^`` must be a mapping, got \["version: 1"\]$/],
    ['no version', { groups: [GOOD_GROUP] }, /^`version` must be 1, got nothing$/],
    ['groups as a mapping', { version: 1, groups: { db: GOOD_GROUP } }, /^`groups` must be a non-empty list of groups, got \{"db":/],
    ['a group without a name', { version: 1, groups: [{ os: 'linux', instances: ['i-abcdefgh0001'] }] }, /^`groups\[0\]\.name` is required, got nothing$/],
    ['a group without an OS', { version: 1, groups: [{ name: 'db', instances: ['i-abcdefgh0001'] }] }, /^`groups\[0\]\.os` is required \(linux or windows\), got nothing$/],
    ['an OS in capitals', withGroup({ os: 'Linux' }), /^`groups\[0\]\.os` must be linux or windows, got "Linux"$/],
    ['an instance id that is a number', withGroup({ instances: [12] }), /^`groups\[0\]\.instances\[0\]` must be a string, got 12$/],
    ['a tag key that looks like an index', withGroup({ instances: undefined, targets: { tags: { 7: 7 } } }), /^`groups\[0\]\.targets\.tags\.7` must be a string \(quote numbers/],
    ['neither create nor existing', withGroup({ role: { attach: false } }), /^`groups\[0\]\.role` must name the role to create \(create: NAME\) or the existing role \(existing: NAME\), got \{"attach":false\}$/],
    ['a role word other than create', withGroup({ role: 'existing' }), /^`groups\[0\]\.role` must be create, or a mapping with create or existing \(and attach\), got "existing"$/],
    ['an account without its region', { ...withGroup({}), account: { id: '1234567890123456' } }, /^`account` must give both id \(the account id\) and region \(e\.g\. cn-hangzhou\) to scope the roles, got \{"id":"1234567890123456"\}$/],
    ['an account id as a YAML number', { ...withGroup({}), account: { id: 1234567890123456, region: 'cn-hangzhou' } }, /^`account\.id` must be a quoted string: a 16-digit account id loses digits as a YAML number, got 1234567890123456$/],
    ['a schedule as a number', withGroup({ schedule: 5 }), /^`groups\[0\]\.schedule` must be an expression such as cron\(0 0 2 \? \* \*\), or a mapping with expression, timeZone and endDate, got 5$/],
    ['a library option of the wrong type', withGroup({ scripts: { engine: 'mysql', lockWaitSeconds: '5' } }), /^`groups\[0\]\.scripts\.lockWaitSeconds` must be a number, got "5"$/],
    ['an option of another library pair', withGroup({ scripts: { engine: 'redis', lockMode: 'ftwrl' } }), /^`groups\[0\]\.scripts\.lockMode` is not an option of redis \(known: host, port, socket, user, passwordFile, commandTimeoutSeconds, saveTimeoutSeconds, holdTimeoutSeconds\), got "ftwrl"$/],
    ['options for generic', withGroup({ scripts: { engine: 'generic', sync: false } }), /^`groups\[0\]\.scripts\.sync` is not an option of generic \(it takes none\), got false$/],
    ['a retention flag as text', withGroup({ schedule: 'rate(1 day)', retention: { keepLast: 3, dryRun: 'yes' } }), /^`groups\[0\]\.retention\.dryRun` must be a boolean, got "yes"$/],
  ])('%s', (_, doc, message) => {
    const clean = JSON.parse(JSON.stringify(doc));
    expect(() => parsePosture(clean, REPO_ROOT)).toThrow(message);
  });

  test('a rule that depends on the group is the loader\'s, after the schema, which states it in words: a Windows description must be printable ASCII', () => {
    // GIVEN a description that is a string (the schema's type) but not ASCII
    const windows = withGroup({ os: 'windows', snapshot: { description: 'caf\u00e9 nightly' } });
    // THEN the schema takes it, the loader refuses it for a Windows group naming the field, the rule and the value
    expect(() => validatePostureDocument(JSON.parse(JSON.stringify(windows)))).not.toThrow();
    expect(() => parsePosture(windows, REPO_ROOT)).toThrow(/^`groups\[0\]\.snapshot\.description` must be printable ASCII on Windows, got "\u00e9" \(U\+00E9\): .*ANSI code page.*, got "caf\u00e9 nightly"$/);
    // AND takes it for a Linux group
    expect(parsePosture(withGroup({ snapshot: { description: 'caf\u00e9 nightly' } }), REPO_ROOT).groups[0].options.snapshotDescription).toBe('caf\u00e9 nightly');
    // AND the schema's description (what an editor shows) says so
    expect(SCHEMA.definitions.snapshot.properties.description.description).toMatch(/in a Windows group printable ASCII only/);
  });
});
