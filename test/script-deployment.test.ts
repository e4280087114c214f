import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as ros from '@alicloud/ros-cdk-core';
import { buildScriptCheckCommand, sha256Hex } from '../lib/plugin/command';
import { PERSISTENT_SCRIPT_DIR, POSTSCRIPT_PATH, PRESCRIPT_PATH } from '../lib/plugin/script-paths';
import { QuiesceScripts } from '../lib/quiesce-scripts';
import { RUN_COMMAND_MAX_BASE64_BYTES, ScriptDeployment } from '../lib/script-deployment';
import { SANDBOX, instanceIds, newApp, resourcesOfType, tempDir, templateOf, unpackedCommand } from './helpers';

/** Writes a pair of script files and returns their paths. */
function scriptFiles(pre: string, post: string): [string, string] {
  const dir = tempDir('scripts-');
  fs.writeFileSync(path.join(dir, 'pre.sh'), pre);
  fs.writeFileSync(path.join(dir, 'post.sh'), post);
  return [path.join(dir, 'pre.sh'), path.join(dir, 'post.sh')];
}

/** Content that stresses the here-document: quotes, $, backticks, a line like a delimiter, no final newline. */
const TRICKY_PRE = "#!/bin/bash\n# quotes ' \" and $HOME `date` \\ backslash\nEOF\nAPP_SNAPSHOT_PRESCRIPT_EOF\necho pre >&2";
const TRICKY_POST = '#!/bin/bash\nprintf "%s\\n" "post: $((1 + 2))" >&2\n\n\n';

function deploy(pre: string, post: string, ids = instanceIds(2)) {
  const stack = new ros.Stack(newApp(), 'S');
  const [p, q] = scriptFiles(pre, post);
  const d = new ScriptDeployment(stack, 'Scripts', { instanceIds: ids, scripts: QuiesceScripts.fromFiles(p, q) });
  return { stack, deployment: d };
}

/** Runs a bash script as root inside the throwaway root; `setup` runs first in the same shell. */
function runInSandbox(files: Record<string, string>, script: string) {
  const dir = tempDir('sandbox-io-');
  for (const [name, content] of Object.entries(files)) {
    fs.writeFileSync(path.join(dir, name), content);
  }
  fs.writeFileSync(path.join(dir, 'test.sh'), script);
  const r = spawnSync(SANDBOX, ['--bind', `${dir}:/io`, '--', 'bash', '/io/test.sh'], { encoding: 'utf8' });
  fs.rmSync(dir, { recursive: true, force: true });
  return r;
}

describe('ScriptDeployment: the resource', () => {
  test('a Base64 RunShellScript on the instances, synchronous, whose decoded content installs both scripts', () => {
    const { stack, deployment } = deploy(TRICKY_PRE, TRICKY_POST);
    const [[, cmd]] = resourcesOfType(templateOf(stack), 'ALIYUN::ECS::RunCommand');
    expect(cmd.Properties.Type).toBe('RunShellScript');
    expect(cmd.Properties.ContentEncoding).toBe('Base64');
    expect(cmd.Properties.Sync).toBe(true);
    expect(cmd.Properties.InstanceIds).toEqual(instanceIds(2));
    const decoded = Buffer.from(cmd.Properties.CommandContent, 'base64').toString('utf8');
    expect(decoded).toBe(deployment.commandContent);
    expect(decoded.startsWith('#!/bin/bash\n')).toBe(true);
    expect(unpackedCommand(decoded)).toContain(`PRESCRIPT_PATH='${PRESCRIPT_PATH}'`);
    expect(decoded).toContain(`stage_payload prescript ${sha256Hex(TRICKY_PRE)} 0 ${Buffer.byteLength(TRICKY_PRE)}`);
    expect(decoded.trimEnd().endsWith('install_staged')).toBe(true);
    expect(deployment.checksums.prescript).toBe(sha256Hex(TRICKY_PRE));
  });

  test('splits 120 instances into RunCommands of at most 50', () => {
    const { stack } = deploy('#!/bin/bash\ntrue\n', '#!/bin/bash\ntrue\n', instanceIds(120));
    const found = resourcesOfType(templateOf(stack), 'ALIYUN::ECS::RunCommand');
    expect(found.map(([, r]) => r.Properties.InstanceIds.length)).toEqual([50, 50, 20]);
  });

  test('refuses scripts over the 16 KB RunCommand limit, naming the sizes', () => {
    // Text gzip cannot shrink much: a chain of checksums.
    let big = '#!/bin/bash\n';
    for (let i = 0, h = 'seed'; i < 260; i++) { h = sha256Hex(h); big += `# ${h}\n`; }
    expect(() => deploy(big, '#!/bin/bash\ntrue\n')).toThrow(new RegExp(`\`scripts\` must fit the ${RUN_COMMAND_MAX_BASE64_BYTES}-byte RunCommand limit after Base64: the installation command is \\d+ bytes encoded`));
  });

  test('refuses {{ in a script, naming the line', () => {
    expect(() => deploy('#!/bin/bash\necho ok\necho "{{ x }}"\n', '#!/bin/bash\ntrue\n'))
      .toThrow(/`scripts.prescript` must not contain `\{\{` \(line 3\).*got "echo \\"\{\{ x \}\}\\""/);
  });

  test('refuses an empty script and a missing file', () => {
    expect(() => deploy('#!/bin/bash\ntrue\n', '  \n')).toThrow(/`scripts.postscript` must not be empty/);
    const stack = new ros.Stack(newApp(), 'S');
    expect(() => new ScriptDeployment(stack, 'D', { instanceIds: instanceIds(1), scripts: QuiesceScripts.fromFiles('/nonexistent/pre.sh', '/nonexistent/post.sh') }))
      .toThrow(/`scripts.prescript` must name a readable file, got "\/nonexistent\/pre.sh"/);
  });

  test('warns about a script without #! line', () => {
    const { deployment } = deploy('sync\n', '#!/bin/bash\ntrue\n');
    const warnings = deployment.node.metadata.filter((m) => m.type === 'aliyun:ros:warning').map((m) => m.data);
    expect(warnings).toEqual([expect.stringMatching(/scripts.prescript has no #! line/)]);
  });
});

describe('ScriptDeployment: the decoded command run as root in a throwaway root', () => {
  const { deployment } = deploy(TRICKY_PRE, TRICKY_POST);
  const check = buildScriptCheckCommand(deployment.checksums);
  const files = { 'install.sh': deployment.commandContent, 'check.sh': check, 'pre.expected': TRICKY_PRE, 'post.expected': TRICKY_POST };
  const verifyInstalled = `
    for s in ${PRESCRIPT_PATH}:pre ${POSTSCRIPT_PATH}:post; do
      f=\${s%%:*}; e=/io/\${s##*:}.expected
      [ -f "$f" ] && [ ! -L "$f" ] || { echo "$f not a regular file"; exit 10; }
      [ "$(stat -c '%U:%G %a' "$f")" = "root:root 700" ] || { echo "$f: $(stat -c '%U:%G %a' "$f")"; exit 11; }
      cmp "$f" "$e" || { echo "$f differs"; exit 12; }
    done
    [ "$(stat -c '%U:%G %a' ${PERSISTENT_SCRIPT_DIR})" = "root:root 700" ] || exit 13
    (cd ${PERSISTENT_SCRIPT_DIR} && sha256sum --check --quiet SHA256SUMS) || exit 14
    cmp ${PERSISTENT_SCRIPT_DIR}/prescript.sh /io/pre.expected || exit 15
  `;

  test('installs both scripts root:root 0700 with identical content, and the checksummed persistent copy', () => {
    const r = runInSandbox(files, `set -u\numask 022\nbash /io/install.sh || exit 1\n${verifyInstalled}\necho VERIFIED`);
    expect(r.stderr).toContain('script-store: prescript: installed /tmp/prescript.sh');
    expect(r.stdout).toContain('install-scripts: OK: prescript postscript installed and verified');
    expect(r.stdout).toContain('VERIFIED');
    expect(r.status).toBe(0);
  });

  test('replaces a planted symlink and a foreign-owned file instead of following or keeping them', () => {
    const r = runInSandbox(files, `set -u
      echo secret > /root/target; ln -s /root/target ${PRESCRIPT_PATH}
      echo junk > ${POSTSCRIPT_PATH}; chown nobody: ${POSTSCRIPT_PATH}; chmod 777 ${POSTSCRIPT_PATH}
      bash /io/install.sh || exit 1
      [ "$(cat /root/target)" = secret ] || { echo "symlink target was written"; exit 20; }
      ${verifyInstalled}
      echo VERIFIED`);
    expect(r.stdout).toContain('VERIFIED');
    expect(r.status).toBe(0);
  });

  test.each([['mktemp', 193], ['head', 194], ['sha256sum', 193], ['head', 7]])(
    'a tool (%s) failing with %i under set -e: the installation exits 1, never with a code after which Cloud Assistant powers off or reboots the instance', (tool, code) => {
      const r = runInSandbox(files, `mkdir -p /run/fake && printf '#!/bin/sh\\nexit ${code}\\n' > /run/fake/${tool} && chmod 755 /run/fake/${tool}
        PATH=/run/fake:$PATH bash /io/install.sh; echo "status=$?"`);
      expect(r.stdout).toMatch(/^status=1$/m);
    });

  test('a second run (a stack update) is idempotent', () => {
    const r = runInSandbox(files, `bash /io/install.sh >/dev/null 2>&1 || exit 1; bash /io/install.sh || exit 2\n${verifyInstalled}\necho VERIFIED`);
    expect(r.stdout).toContain('VERIFIED');
    expect(r.status).toBe(0);
  });

  test('the persistent copy repairs a deleted prescript and an altered postscript (as after a reboot)', () => {
    const r = runInSandbox(files, `set -u
      bash /io/install.sh >/dev/null 2>&1 || exit 1
      rm ${PRESCRIPT_PATH}
      echo 'echo tampered' >> ${POSTSCRIPT_PATH}
      bash /io/check.sh || exit 2
      ${verifyInstalled}
      chmod 755 ${PRESCRIPT_PATH}
      bash /io/check.sh || exit 3
      [ "$(stat -c %a ${PRESCRIPT_PATH})" = 700 ] || exit 4
      echo VERIFIED`);
    expect(r.stderr).toMatch(/prescript: \/tmp\/prescript.sh is missing; repairing from the persistent copy/);
    expect(r.stderr).toMatch(/postscript: \/tmp\/postscript.sh has altered content \(sha256 differs\); repairing/);
    expect(r.stderr).toMatch(/prescript: \/tmp\/prescript.sh has mode 755, not 700; repairing/);
    expect(r.stdout).toContain('VERIFIED');
    expect(r.status).toBe(0);
  });

  test('a tampered persistent copy is not used for repair: the check fails', () => {
    const r = runInSandbox(files, `bash /io/install.sh >/dev/null 2>&1 || exit 1
      rm ${PRESCRIPT_PATH}; echo 'echo evil' >> ${PERSISTENT_SCRIPT_DIR}/prescript.sh
      bash /io/check.sh; echo "check=$?"; [ ! -e ${PRESCRIPT_PATH} ] && echo STILL_MISSING`);
    expect(r.stderr).toMatch(/the persistent copy \/var\/lib\/app-consistent-snapshot\/scripts\/prescript.sh has altered content/);
    expect(r.stdout).toContain('check=1');
    expect(r.stdout).toContain('STILL_MISSING');
  });

  test('exits non-zero with the reason when the persistent directory cannot be created', () => {
    const r = runInSandbox(files, `mkdir -p /var/lib; touch /var/lib/app-consistent-snapshot; bash /io/install.sh; echo "install=$?"`);
    expect(r.stdout).toContain('install=1');
    expect(r.stderr).toMatch(/install-scripts: FAILED/);
  });
});
