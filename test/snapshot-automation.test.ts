import * as ros from '@alicloud/ros-cdk-core';
import { OOS_CONTENT_MAX_BYTES } from '../lib/oos/template';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { shellExitCodeFunction } from '../lib/plugin/command';
import { EXIT_CODES, ExitCodeSource, PLUGIN_MANAGER_EXIT_CODES, PackageExitCode, RESERVED_EXIT_CODES, describeExitCode } from '../lib/plugin/exit-codes';
import { PLUGIN_MANAGER_TIMEOUT_MARGIN_SECONDS } from '../lib/plugin/timeouts';
import { LINUX_PLUGIN_PARAMETERS, OperatingSystem, SNAPSHOT_DESCRIPTION_PATTERN, WINDOWS_PLUGIN_PARAMETERS } from '../lib/plugin/parameters';
import { SNAPSHOT_TAG_VALUE_PATTERN } from '../lib/instance-template';
import { SNAPSHOT_TASK_NAME, SnapshotAutomation, SnapshotAutomationProps } from '../lib/snapshot-automation';
import { REPO_ROOT, automationOf, instanceIds, loopTaskOf, newApp, templateOf, unpackedCommand } from './helpers';

const BASE: SnapshotAutomationProps = {
  os: OperatingSystem.LINUX,
  instanceIds: instanceIds(3),
  roleName: 'AppSnapshot-db',
  templateName: 'AppConsistentSnapshot-db',
};

function synth(props: Partial<SnapshotAutomationProps> = {}) {
  const stack = new ros.Stack(newApp(), 'S');
  const automation = new SnapshotAutomation(stack, 'Automation', { ...BASE, ...props });
  const { parent, instance, task: child } = automationOf(templateOf(stack));
  const run = child('runSnapshot');
  return {
    automation, resource: parent.resource, content: parent.content, task: loopTaskOf(parent.content),
    instance, child, run, command: unpackedCommand(run.Properties.commandContent as string),
  };
}

/** The `--params=` list of the generated command, parsed back into key/value pairs. */
function pluginParams(command: string): Array<[string, string]> {
  const line = command.split('\n').find((l) => l.startsWith('APP_SNAPSHOT_PLUGIN_PARAMS=') || l.startsWith('$AppSnapshotPluginParams = '));
  const list = line!.replace(/^[^']*'/, '').replace(/'$/, '');
  return list.split(',').map((pair) => {
    const m = /^-([A-Za-z]+)=(.*)$/.exec(pair);
    if (!m) throw new Error(`malformed pair ${pair}`);
    return [m[1], m[2]];
  });
}

describe('SnapshotAutomation: the OOS template resource', () => {
  test('two ALIYUN::OOS::Templates, the automation and its per-instance template, OOS-2019-06-01', () => {
    const { resource, content, instance, automation } = synth();
    expect(resource.Properties.TemplateName).toBe('AppConsistentSnapshot-db');
    expect(instance.resource.Properties.TemplateName).toBe('AppConsistentSnapshot-db-Instance');
    expect(automation.instanceTemplateName).toBe('AppConsistentSnapshot-db-Instance');
    // The automation is created after the template it runs.
    expect(resource.DependsOn).toEqual([instance.id]);
    for (const doc of [content, instance.content]) {
      expect(doc.FormatVersion).toBe('OOS-2019-06-01');
      expect(doc.RamRole).toBe('{{ OOSAssumeRole }}');
    }
    for (const r of [resource, instance.resource]) {
      expect(Buffer.byteLength(r.Properties.Content)).toBeLessThanOrEqual(OOS_CONTENT_MAX_BYTES);
    }
  });

  test('loops over the instances with RateControl and runs the per-instance template through ACS::Template', () => {
    const { task, content } = synth({ concurrency: 5, maxErrors: 2 });
    // An empty list ends the execution first (a loop over nothing is not documented), and the output is then [].
    expect(content.Tasks).toHaveLength(2);
    expect(content.Tasks[0]).toMatchObject({ Name: 'whetherAnyInstance', Action: 'ACS::Choice', Properties: { DefaultTask: SNAPSHOT_TASK_NAME, Choices: [{ When: { 'Fn::Equals': [[], '{{ instanceIds }}'] }, NextTask: 'ACS::END' }] } });
    expect(content.Outputs.results.Value).toEqual({ 'Fn::If': [{ 'Fn::Equals': [[], '{{ instanceIds }}'] }, [], `{{ ${SNAPSHOT_TASK_NAME}.results }}`] });
    expect(task.Name).toBe(SNAPSHOT_TASK_NAME);
    expect(task.Action).toBe('ACS::Template');
    expect(task.Properties.TemplateName).toBe('{{ instanceTemplateName }}');
    expect(task.Loop.Items).toBe('{{ instanceIds }}');
    expect(task.Loop.RateControl).toBe('{{ rateControl }}');
    expect(content.Parameters.rateControl.Default).toEqual({ Mode: 'Concurrency', MaxErrors: 2, Concurrency: 5 });
    expect(content.Parameters.instanceTemplateName.Default).toBe('AppConsistentSnapshot-db-Instance');
    // Each instance's result (the per-instance template's output) is collected into the execution's output.
    expect(task.Outputs.result).toEqual({ Type: 'Json', ValueSelector: '.result' });
    expect(task.Loop.Outputs.results).toEqual({ AggregateType: 'Fn::ListJoin', AggregateField: 'result' });
    expect(content.Outputs.results.Type).toBe('List');
  });

  test.each([OperatingSystem.LINUX, OperatingSystem.WINDOWS])('%s: the parent passes every per-instance parameter, the loop item as instanceId', (os) => {
    const { task, instance } = synth({ os });
    const passed = task.Properties.Parameters;
    expect(Object.keys(passed).sort()).toEqual(Object.keys(instance.content.Parameters).sort());
    expect(passed.instanceId).toBe('{{ ACS::TaskLoopItem }}');
    for (const [name, value] of Object.entries(passed)) {
      if (name !== 'instanceId') expect(value).toBe(`{{ ${name} }}`);
    }
    expect(passed.OOSAssumeRole).toBe('{{ OOSAssumeRole }}');
    // The per-instance template takes its values from the parent: no defaults to drift apart.
    const defaults = Object.entries(instance.content.Parameters as Record<string, { Default?: unknown }>).filter(([, p]) => p.Default !== undefined).map(([n]) => n);
    expect(defaults.sort()).toEqual(['OOSAssumeRole', 'regionId']);
    expect(instance.content.Parameters.instanceId.AllowedPattern).toBe('^i-[a-z0-9]{8,32}$');
  });

  test('the construct values are the OOS parameters\' defaults', () => {
    const { content } = synth({ snapshotName: 'Nightly', snapshotDescription: 'db tier', timeoutSeconds: 12, enableFsFreeze: false, excludeDiskIds: ['d-abcdefgh1234'], requireAppConsistent: false });
    const d = (name: string) => content.Parameters[name].Default;
    expect(d('instanceIds')).toEqual(instanceIds(3));
    expect(d('ramRoleName')).toBe('AppSnapshot-db');
    expect(d('snapshotName')).toBe('Nightly');
    expect(d('snapshotDescription')).toBe('db tier');
    expect(d('timeoutInSeconds')).toBe(12);
    expect(d('enableFsFreeze')).toBe('false');
    expect(d('excludeDiskId')).toBe('d-abcdefgh1234');
    expect(d('requireAppConsistent')).toBe('false');
  });

  test('the posture and group names the snapshots are tagged with: the stack\'s and the template\'s names by default', () => {
    const { content, instance } = synth();
    expect(content.Parameters.postureName).toEqual({ Type: 'String', Label: { en: 'Posture (tag app-snapshot:posture)' }, AllowedPattern: SNAPSHOT_TAG_VALUE_PATTERN, Default: 'S' });
    expect(content.Parameters.groupName).toMatchObject({ AllowedPattern: SNAPSHOT_TAG_VALUE_PATTERN, Default: 'AppConsistentSnapshot-db' });
    // The per-instance template takes them from the parent, checked by the same pattern.
    expect(instance.content.Parameters.postureName).toEqual({ Type: 'String', Label: { en: 'Posture (tag app-snapshot:posture)' }, AllowedPattern: SNAPSHOT_TAG_VALUE_PATTERN });
    const given = synth({ postureName: 'prod', groupName: 'db' }).content.Parameters;
    expect([given.postureName.Default, given.groupName.Default]).toEqual(['prod', 'db']);
    const pattern = new RegExp(SNAPSHOT_TAG_VALUE_PATTERN);
    for (const ok of ['a', '0', 'prod-db_1', 'x'.repeat(128)]) expect(pattern.test(ok)).toBe(true);
    for (const bad of ['', '-a', '_a', 'a b', 'a"b', 'a.b', 'x'.repeat(129)]) expect(pattern.test(bad)).toBe(false);
  });

  test('parameters that reach the --params= list are guarded by AllowedPattern against , and "', () => {
    const { content } = synth();
    const pattern = new RegExp(content.Parameters.snapshotDescription.AllowedPattern);
    expect(content.Parameters.snapshotDescription.AllowedPattern).toBe(SNAPSHOT_DESCRIPTION_PATTERN);
    expect(content.Parameters.snapshotDescription.MaxLength).toBe(256);
    for (const ok of ['nightly backup of db', '', 'ab', 'd'.repeat(256)]) {
      expect(pattern.test(ok)).toBe(true);
    }
    // As CreateSnapshotGroup would refuse it: 1 or more than 256 characters, an http(s):// prefix.
    for (const bad of ['a,b', 'a"b', "a'b", 'a\\b', 'a\nb', 'a', 'd'.repeat(257), 'http://x.y', 'https://x.y']) {
      expect(pattern.test(bad)).toBe(false);
    }
    const name = new RegExp(content.Parameters.snapshotName.AllowedPattern);
    for (const ok of ['ab', 'Nightly-1.db_x:y', 'n'.repeat(128)]) expect(name.test(ok)).toBe(true);
    for (const bad of ['a', '1st', '-x', 'http://x', 'n'.repeat(129), 'a b']) expect(name.test(bad)).toBe(false);
    for (const name of ['ramRoleName', 'snapshotName', 'excludeDiskId']) {
      const p = new RegExp(content.Parameters[name].AllowedPattern);
      expect(p.test('x,y')).toBe(false);
      expect(p.test('x"y')).toBe(false);
    }
    expect(content.Parameters.enableFsFreeze.AllowedValues).toEqual(['true', 'false']);
    expect(content.Parameters.timeoutInSeconds).toMatchObject({ Type: 'Number', MinValue: 1, MaxValue: 600 });
  });
});

describe('SnapshotAutomation: the command run on each instance', () => {
  test('Linux: acs-plugin-manager with app-snapshot-plugin and all eight parameters, in order, from OOS references', () => {
    const { command } = synth();
    expect(command).toContain("APP_SNAPSHOT_PLUGIN='app-snapshot-plugin'");
    // In a session of its own (so that a stop reaches the plugin's process group), with a timeout
    // beyond the wrapper's deadline; the parameters with empty values left out of the list.
    expect(command).toContain('setsid "$PLUGIN_MANAGER" --exec --plugin "$APP_SNAPSHOT_PLUGIN" --timeout="$manager_timeout" --params="$params"');
    expect(command).toContain('manager_timeout=$((APP_SNAPSHOT_DEADLINE_SECONDS + APP_SNAPSHOT_MANAGER_TIMEOUT_MARGIN_SECONDS))');
    expect(command).toContain(`APP_SNAPSHOT_MANAGER_TIMEOUT_MARGIN_SECONDS=${PLUGIN_MANAGER_TIMEOUT_MARGIN_SECONDS}`);
    expect(pluginParams(command)).toEqual([
      ['RamRoleName', '"{{ ramRoleName }}"'],
      ['EnableFsFreeze', '{{ enableFsFreeze }}'],
      ['TimeoutInSeconds', '{{ timeoutInSeconds }}'],
      ['PreScriptPath', '"/tmp/prescript.sh"'],
      ['PostScriptPath', '"/tmp/postscript.sh"'],
      ['ExcludeDiskId', '"{{ excludeDiskId }}"'],
      ['Name', '"{{ snapshotName }}"'],
      ['Description', '"{{ snapshotDescription }}"'],
    ]);
    expect(pluginParams(command).map(([k]) => k)).toEqual(LINUX_PLUGIN_PARAMETERS.map((p) => p.name));
  });

  test('the instance id comes from the per-instance template\'s parameter (the loop item), not from the metadata service', () => {
    const { command } = synth();
    expect(command).toContain("APP_SNAPSHOT_INSTANCE_ID='{{ instanceId }}'");
    expect(command).not.toMatch(/100\.100\.100\.200|meta-data/);
  });

  test('Linux: verifies the scripts against the deployed checksums before the plugin', () => {
    const sums = { prescript: 'a'.repeat(64), postscript: 'b'.repeat(64) };
    const { command } = synth({ scriptChecksums: sums });
    expect(command).toContain(`APP_SNAPSHOT_PRESCRIPT_SHA256='${sums.prescript}'`);
    expect(command.indexOf('store_ensure "$name"')).toBeLessThan(command.indexOf('--exec --plugin'));
  });

  test('each shell command carries the rows of the exit-code table it can report, and the reserved codes', () => {
    const { command, child } = synth();
    const rows = (text: string) => EXIT_CODES.filter((e) => text.includes(`    ${e.code}) echo '${e.name}|`)).map((e) => e.code);
    const packageCodes = (codes: number[]) => codes.filter((c) => describeExitCode(c)!.source === ExitCodeSource.PACKAGE);
    // The snapshot run passes every code of the plugin and of the plugin manager on.
    expect(rows(command)).toEqual(expect.arrayContaining(EXIT_CODES.filter((e) => e.source !== ExitCodeSource.PACKAGE).map((e) => e.code)));
    expect(packageCodes(rows(command))).toEqual([119, 121, 122, 123, 124, 125, 126]);
    const verdict = unpackedCommand(child('checkVerdict').Properties.commandContent as string);
    expect(rows(verdict)).toEqual([119, 120, 125, 127]);
    for (const text of [command, verdict]) {
      expect(text).toContain('reserved_exit_code() { case "$1" in 193|194) return 0 ;; esac; return 1; }');
      expect(text).toContain(`plugin_manager_exit_code() { case "$1" in ${PLUGIN_MANAGER_EXIT_CODES.map((e) => e.code).join('|')}) return 0 ;; esac; return 1; }`);
    }
  });

  test.each([193, 194, 0, 127, 255])('finish, the one way out of both Linux wrappers, never exits a code after which Cloud Assistant powers off or reboots the instance (%i)', (code) => {
    const result = fs.readFileSync(path.join(REPO_ROOT, 'templates', 'oos', 'linux-result.sh'), 'utf8');
    const script = [shellExitCodeFunction([result], true), result, `APP_SNAPSHOT_INSTANCE_ID=i-abcdefgh0001\nfinish ${code} Failed "" "the plugin said so"`].join('\n');
    const r = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
    const line = JSON.parse(r.stdout.trim().split('\n').slice(-1)[0].replace(/^APP_SNAPSHOT_RESULT /, ''));
    const reserved = (RESERVED_EXIT_CODES.linux as readonly number[]).includes(code);
    expect(r.status).toBe(reserved ? PackageExitCode.RESERVED_EXIT_CODE_REPLACED : code);
    expect(line.exitCode).toBe(r.status);
    expect(line.message).toBe(reserved
      ? `RESERVED_EXIT_CODE_REPLACED: ${describeExitCode(119)!.meaning} (the original exit code was ${code}, after which Cloud Assistant would power off or reboot the instance; the plugin said so)`
      : 'the plugin said so');
  });

  test('Windows: PowerShell with app-snapshot-plugin-win and its five parameters; no scripts', () => {
    const { command, run, content } = synth({ os: OperatingSystem.WINDOWS });
    expect(run.Properties.commandType).toBe('RunPowerShellScript');
    expect(command).toContain("$AppSnapshotPlugin = 'app-snapshot-plugin-win'");
    expect(pluginParams(command).map(([k]) => k)).toEqual(WINDOWS_PLUGIN_PARAMETERS.map((p) => p.name));
    expect(pluginParams(command)[1]).toEqual(['EnableWriters', '{{ enableWriters }}']);
    expect(command).not.toContain('/tmp/prescript.sh');
    expect(content.Parameters.enableFsFreeze).toBeUndefined();
    expect(content.Parameters.enableWriters.Default).toBe('true');
    for (const e of EXIT_CODES) {
      expect(command).toContain(`  ${e.code} = '${e.name}|`);
    }
  });
});

describe('SnapshotAutomation: bad input', () => {
  test.each<[string, Partial<SnapshotAutomationProps>, RegExp]>([
    ['a reserved template name prefix', { templateName: 'AcsSnapshots' }, /`templateName` must not start with ACS.*got "AcsSnapshots"/],
    ['a template name over 200 characters', { templateName: 'x'.repeat(201) }, /`templateName` must be 1 to 200 characters/],
    ['a template name with a dot', { templateName: 'a.b' }, /`templateName` must be 1 to 200 characters of letters, digits, `_` and `-`.*got "a.b"/],
    ['a comma in the description', { snapshotDescription: 'a,b' }, /`snapshotDescription` must not contain ",".*got "a,b"/],
    ['a quote in the description', { snapshotDescription: 'say "hi"' }, /`snapshotDescription` must not contain "\\""/],
    ['a one-character description', { snapshotDescription: 'x' }, /`snapshotDescription` must be empty \(no description\) or 2 to 256 characters not starting with http:\/\/ or https:\/\/ \(CreateSnapshotGroup's Description\), got "x"/],
    ['a description over 256 characters', { snapshotDescription: 'd'.repeat(257) }, /`snapshotDescription` must be empty \(no description\) or 2 to 256/],
    ['a description that is a URL', { snapshotDescription: 'https://wiki/backups' }, /`snapshotDescription` must be empty .*got "https:\/\/wiki\/backups"/],
    ['a snapshot name that is a URL', { snapshotName: 'http://x' }, /`snapshotName` must be 2 to 128 characters.*not with http:\/\/ or https:\/\/.*got "http:\/\/x"/],
    ['a snapshot name starting with a digit', { snapshotName: '1st' }, /`snapshotName` must be 2 to 128 characters.*got "1st"/],
    ['a snapshot name with a comma', { snapshotName: 'a,b' }, /`snapshotName` must be 2 to 128/],
    ['a timeout of 0', { timeoutSeconds: 0 }, /`timeoutSeconds` must be an integer from 1 to 600, got 0/],
    ['a fractional timeout', { timeoutSeconds: 2.5 }, /`timeoutSeconds` must be an integer from 1 to 600, got 2.5/],
    ['a malformed disk id', { excludeDiskIds: ['disk-1'] }, /`excludeDiskIds\[0\]` must be an ECS disk id.*got "disk-1"/],
    ['two excluded disks', { excludeDiskIds: ['d-abcdefgh1', 'd-abcdefgh2'] }, /`excludeDiskIds` must list at most 1 disk/],
    ['a duplicate instance', { instanceIds: ['i-abcdefgh1', 'i-abcdefgh1'] }, /`instanceIds\[1\]` must not repeat/],
    ['no instance', { instanceIds: [] }, /`instanceIds` must list at least one instance id/],
    ['fsFreeze on Windows', { os: OperatingSystem.WINDOWS, enableFsFreeze: true }, /`enableFsFreeze` applies to Linux only/],
    ['a timeout on Windows', { os: OperatingSystem.WINDOWS, timeoutSeconds: 10 }, /`timeoutSeconds` applies to Linux only/],
    ['writers off while app consistency is required', { os: OperatingSystem.WINDOWS, enableWriters: false }, /`enableWriters` must be true when application consistency is required/],
    ['writers on Linux', { enableWriters: true }, /`enableWriters` applies to Windows only/],
    ['a concurrency of 0', { concurrency: 0 }, /`concurrency` must be an integer from 1 to 1000, got 0/],
    ['a posture name with a space', { postureName: 'my posture' }, /`postureName` must be a letter or digit followed by up to 127 letters, digits, `_` or `-` \(it is the value of a snapshot tag\), got "my posture"/],
    ['a group name starting with -', { groupName: '-db' }, /`groupName` must be a letter or digit .*, got "-db"/],
    ['a group name over 128 characters', { groupName: 'g'.repeat(129) }, /`groupName` must be a letter or digit/],
    ['a template name, the default group name, over 128 characters', { templateName: 't'.repeat(129) }, /`groupName` must be a letter or digit .*; it defaults to the template name: set groupName, got "t{100,}/],
    ['more instances than one OOS loop takes', { instanceIds: Array.from({ length: 1001 }, (_, i) => `i-loop${String(i).padStart(8, '0')}`) }, /`instanceIds` must list at most 1000 instances \(an OOS loop takes at most 1000 items\): split the group, got "1001 instances"/],
  ])('refuses %s', (_, props, error) => {
    const stack = new ros.Stack(newApp(), 'S');
    expect(() => new SnapshotAutomation(stack, 'A', { ...BASE, ...props })).toThrow(error);
  });

  test('refuses a stack name that cannot be the default posture name, and says where it came from', () => {
    const stack = new ros.Stack(newApp(), 'S'.repeat(129));
    expect(() => new SnapshotAutomation(stack, 'A', BASE)).toThrow(/`postureName` must be a letter or digit .*; it defaults to the stack's name: set postureName, got "S{100,}/);
    expect(() => new SnapshotAutomation(stack, 'B', { ...BASE, postureName: 'prod' })).not.toThrow();
  });

  test('warns about an I/O pause timeout over 16 s', () => {
    const { automation } = synth({ timeoutSeconds: 30 });
    const warnings = automation.node.metadata.filter((m) => m.type === 'aliyun:ros:warning').map((m) => m.data);
    expect(warnings).toEqual([expect.stringMatching(/timeoutSeconds is 30: .* over 16 s/)]);
  });

  test('accepts writers off on Windows when application consistency is not required', () => {
    const { content } = synth({ os: OperatingSystem.WINDOWS, enableWriters: false, requireAppConsistent: false });
    expect(content.Parameters.enableWriters.Default).toBe('false');
  });
});

describe('SnapshotAutomation: Cloud Assistant command size', () => {
  test('every command of every emitted template fits 16 KB after Base64 with room for substituted values', () => {
    const { RUN_COMMAND_MAX_BASE64_BYTES, RUN_COMMAND_SUBSTITUTION_RESERVE_BYTES } = jest.requireActual('../lib/plugin/command');
    for (const os of [OperatingSystem.LINUX, OperatingSystem.WINDOWS]) {
      const stack = new ros.Stack(newApp(), 'S');
      const automation = new SnapshotAutomation(stack, 'A', { ...BASE, os });
      const commands = [automation.document, automation.instanceDocument].flatMap((d: any) => d.Tasks).filter((t: any) => t.Action === 'ACS::ECS::RunCommand');
      expect(commands.length).toBeGreaterThanOrEqual(2);
      for (const t of commands) {
        expect(Buffer.from(t.Properties.commandContent).toString('base64').length).toBeLessThanOrEqual(RUN_COMMAND_MAX_BASE64_BYTES - RUN_COMMAND_SUBSTITUTION_RESERVE_BYTES);
      }
    }
  });

  test('the Linux commands carry their static body packed, and it decodes to the wrapper files without comments', () => {
    const { withoutComments } = jest.requireActual('../lib/plugin/command');
    const stack = new ros.Stack(newApp(), 'S');
    const automation = new SnapshotAutomation(stack, 'A', BASE);
    const command: string = [automation.document, automation.instanceDocument].flatMap((d: any) => d.Tasks).find((t: any) => t.Name === 'runSnapshot').Properties.commandContent;
    const b64 = command.split("<<'APP_SNAPSHOT_BODY_EOF' | gunzip) || [ -z \"$APP_SNAPSHOT_BODY\" ]; then\n")[1].split('\nAPP_SNAPSHOT_BODY_EOF')[0];
    const body = require('zlib').gunzipSync(Buffer.from(b64, 'base64')).toString('utf8');
    const fs = require('fs');
    const path = require('path');
    const snapshot = fs.readFileSync(path.join(__dirname, '..', 'templates', 'oos', 'linux-snapshot.sh'), 'utf8');
    expect(body).toContain(withoutComments([snapshot]));
    expect(body).not.toMatch(/^\s*#(?!!)/m);
  });

  test('the files whose comments are dropped hold no here-documents or here-strings, where a # line would be data', () => {
    const fs = require('fs');
    const path = require('path');
    const dir = path.join(__dirname, '..', 'templates');
    for (const f of ['instance/script-store.sh', 'oos/linux-result.sh', 'oos/linux-preflight.sh', 'oos/linux-snapshot.sh', 'oos/linux-verdict.sh']) {
      expect(fs.readFileSync(path.join(dir, f), 'utf8')).not.toMatch(/(^|[^<])<<(?!<)/);
    }
    for (const f of fs.readdirSync(path.join(dir, 'oos')).filter((n: string) => n.endsWith('.ps1'))) {
      expect(fs.readFileSync(path.join(dir, 'oos', f), 'utf8')).not.toMatch(/@['"]\s*$/m);
    }
  });
});
