import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { QUIESCE_STATE_DIR } from '../lib/plugin/script-paths';
import {
  MysqlLockMode,
  QUIESCE_OPTIONS,
  QUIESCE_SCRIPT_EXIT_CODES,
  QuiesceEngine,
  QuiesceScriptPair,
  QuiesceScripts,
  SCRIPT_LIBRARY_DIR,
  quiesceOptionVariable,
  quiesceScriptsFromPosture,
} from '../lib/quiesce-scripts';
import {
  DOCS_BEGIN, DOCS_END, QuiesceBenchReport, README_BEGIN, README_END, between, distribution, engineTables, percentile, readmeTable,
} from '../bench/quiesce/report';
import { MATRIX, MatrixEngine, matrixTable } from './integration/quiesce/configs';

const ENGINES: readonly QuiesceEngine[] = ['mysql', 'postgresql', 'redis'];

function render(engine: QuiesceEngine | 'generic', options: object = {}): QuiesceScriptPair {
  switch (engine) {
    case 'mysql':
      return QuiesceScripts.mysql(options).render();
    case 'postgresql':
      return QuiesceScripts.postgresql(options).render();
    case 'redis':
      return QuiesceScripts.redis(options).render();
    case 'generic':
      return QuiesceScripts.generic().render();
  }
}

/** The lines the factory wrote for the options (between `set -euo pipefail` and the shared parts). */
function optionLines(script: string): string[] {
  return script.split('\n').filter((l) => /^QUIESCE_[A-Z_]+=/.test(l));
}

describe('library pairs', () => {
  it.each([...ENGINES, 'generic' as const])('%s: renders a self-contained pair with the kind, a shebang and strict mode', (engine) => {
    // WHEN
    const pair = render(engine);
    // THEN
    expect(pair.kind).toBe(engine);
    for (const script of [pair.prescript, pair.postscript]) {
      expect(script.startsWith('#!/bin/bash\n')).toBe(true);
      expect(script).toContain('set -euo pipefail');
      expect(script).not.toContain('{{');
      expect(script).not.toContain('BASH_SOURCE');
      expect(script).not.toMatch(/^\. /m);
    }
  });

  it('generic: the prescript syncs and says so when it fails; the postscript has nothing to resume', () => {
    const pair = render('generic');
    expect(pair.prescript).toMatch(/^sync \|\| rc=\$\?$/m);
    expect(pair.prescript).toContain('FAILED: sync exited');
    expect(pair.postscript).toContain('nothing to resume');
  });

  it('mysql: the prescript locks through a session it opened before, reads the binary log position there; the postscript releases through it', () => {
    const pair = render('mysql');
    expect(pair.prescript).toContain('FLUSH TABLES WITH READ LOCK;');
    expect(pair.prescript).toContain('FLUSH LOCAL ENGINE LOGS;');
    expect(pair.prescript).toContain('SHOW MASTER STATUS');
    expect(pair.prescript).toMatch(/setsid "\$@"/);
    // The lock goes in one batch with what must follow it, after the session is prepared.
    expect(pair.prescript.indexOf("SELECT 'QUIESCE-READY';")).toBeLessThan(pair.prescript.indexOf('session_send "${lock_batch[@]}"'));
    expect(pair.postscript).toContain('"UNLOCK TABLES;"');
    expect(pair.postscript).toContain('"BACKUP STAGE END;"');
    expect(pair.postscript).not.toMatch(/^mysql_setup$/m);
  });

  it('postgresql: the prescript checkpoints (or starts a backup in strict mode, refusing a server without WAL archiving); the postscript stops it, waits for the archive and saves the label', () => {
    const pair = render('postgresql');
    expect(pair.prescript).toContain('-c "CHECKPOINT"');
    expect(pair.prescript).toContain('pg_backup_start(');
    expect(pair.prescript).toContain('strict mode needs WAL archiving');
    expect(pair.postscript).toContain('pg_backup_stop(false)');
    expect(pair.postscript).toContain('pg_stat_archiver');
    expect(pair.postscript).toContain('backup_label');
  });

  it('redis: the prescript pauses writes with the append-only file on, saves without it; the postscript unpauses through the session', () => {
    const pair = render('redis');
    expect(pair.prescript).toContain('wait_persistence aof_rewrite_in_progress');
    expect(pair.prescript).toContain('redis_ask "$cmd_ms" BGSAVE');
    expect(pair.prescript).toContain('"CLIENT PAUSE $((deadline_ms - NOW_MS)) WRITE"');
    expect(pair.postscript).toContain('"CLIENT UNPAUSE"');
  });

  it.each(ENGINES)('%s: with no option set, no assignment is rendered and the script keeps its own defaults', (engine) => {
    const pair = render(engine);
    expect(optionLines(pair.prescript)).toEqual([]);
    expect(optionLines(pair.postscript)).toEqual([]);
  });

  it('renders the options set, shell-quoted, in both scripts, in the documented order', () => {
    // WHEN
    const pair = render('mysql', {
      socket: '/run/mysqld/mysqld.sock',
      clean: true,
      lockWaitSeconds: 10,
      lockMode: MysqlLockMode.BACKUP_STAGE,
      holdTimeoutSeconds: 90,
    });
    // THEN
    const expected = [
      "QUIESCE_MYSQL_LOCK_MODE='backup-stage'",
      "QUIESCE_MYSQL_LOCK_WAIT_SECONDS='10'",
      "QUIESCE_MYSQL_HOLD_TIMEOUT_SECONDS='90'",
      "QUIESCE_MYSQL_CLEAN='true'",
      "QUIESCE_MYSQL_SOCKET='/run/mysqld/mysqld.sock'",
    ];
    expect(optionLines(pair.prescript)).toEqual(expected);
    expect(optionLines(pair.postscript)).toEqual(expected);
    // The assignments come before the defaults (`: "${VAR:=...}"`), so they win.
    expect(pair.prescript.indexOf("QUIESCE_MYSQL_LOCK_WAIT_SECONDS='10'")).toBeLessThan(pair.prescript.indexOf(': "${QUIESCE_MYSQL_LOCK_WAIT_SECONDS:=5}"'));
  });

  it('keeps the header comment and the shellcheck directives, drops the other comments', () => {
    const library = fs.readFileSync(path.join(SCRIPT_LIBRARY_DIR, 'mysql', 'prescript.sh'), 'utf8');
    const pair = render('mysql');
    expect(pair.prescript.split('\n').slice(0, 3)).toEqual(library.split('\n').slice(0, 3));
    expect(pair.prescript).toContain('# Rendered by ros-app-consistent-snapshot from templates/scripts/mysql/prescript.sh');
    expect(pair.prescript).not.toContain('# Clean mode: flush dirty pages');
    expect(pair.prescript).toContain('# shellcheck disable=SC1091');
  });

  it('every rendered script passes bash -n and shellcheck', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quiesce-render-'));
    try {
      const files: string[] = [];
      const variants: Array<[QuiesceEngine | 'generic', object]> = [
        ['generic', {}],
        ['mysql', {}],
        ['mysql', { lockMode: MysqlLockMode.BACKUP_STAGE, clean: true, defaultsFile: '/root/.my.cnf', host: 'db.local', port: 3306 }],
        ['postgresql', {}],
        ['postgresql', { strict: true, passwordFile: '/root/.pgpass', host: '10.0.0.5' }],
        ['redis', {}],
        ['redis', { socket: '/run/redis/redis.sock', user: 'backup', passwordFile: '/root/redis.pass' }],
      ];
      variants.forEach(([engine, options], i) => {
        const pair = render(engine, options);
        for (const [role, content] of [['prescript', pair.prescript], ['postscript', pair.postscript]]) {
          const file = path.join(dir, `${i}-${engine}-${role}.sh`);
          fs.writeFileSync(file, content);
          files.push(file);
        }
      });
      for (const file of files) {
        const syntax = spawnSync('bash', ['-n', file], { encoding: 'utf8' });
        expect({ file, status: syntax.status, stderr: syntax.stderr }).toEqual({ file, status: 0, stderr: '' });
      }
      const lint = spawnSync('shellcheck', ['-S', 'style', '-s', 'bash', ...files], { encoding: 'utf8' });
      expect({ status: lint.status, out: lint.stdout }).toEqual({ status: 0, out: '' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('option specs and the scripts', () => {
  it.each(ENGINES)('%s: every option has a shell default in the engine file equal to the spec', (engine) => {
    const shell = fs.readFileSync(path.join(SCRIPT_LIBRARY_DIR, engine, `${engine}.sh`), 'utf8');
    const defaults = new Map([...shell.matchAll(/^: "\$\{(QUIESCE_[A-Z_]+):=(.*)\}"$/gm)].map((m) => [m[1], m[2]]));
    for (const spec of QUIESCE_OPTIONS[engine]) {
      expect({ key: spec.key, value: defaults.get(quiesceOptionVariable(engine, spec.key)) }).toEqual({ key: spec.key, value: spec.shellDefault });
    }
    expect(defaults.size).toBe(QUIESCE_OPTIONS[engine].length);
  });

  it('names the shell variables after the engine and the option', () => {
    expect(quiesceOptionVariable('mysql', 'lockWaitSeconds')).toBe('QUIESCE_MYSQL_LOCK_WAIT_SECONDS');
    expect(quiesceOptionVariable('postgresql', 'osUser')).toBe('QUIESCE_POSTGRESQL_OS_USER');
    expect(quiesceOptionVariable('redis', 'passwordFile')).toBe('QUIESCE_REDIS_PASSWORD_FILE');
  });

  it('the state directory of the scripts is the one script-paths.ts names', () => {
    const common = fs.readFileSync(path.join(SCRIPT_LIBRARY_DIR, 'lib', 'common.sh'), 'utf8');
    expect(common).toContain(`: "\${QUIESCE_STATE_DIR:=${QUIESCE_STATE_DIR}}"`);
  });

  it('the exit-code table is the one common.sh implements', () => {
    const common = fs.readFileSync(path.join(SCRIPT_LIBRARY_DIR, 'lib', 'common.sh'), 'utf8');
    const fromShell = [...common.matchAll(/^\s+([A-Z_]+)\) echo (\d+) ;;/gm)].map((m) => ({ name: m[1], code: Number(m[2]) }));
    expect(common).toMatch(/^\s+\*\) echo 1 ;;/m);
    const named = QUIESCE_SCRIPT_EXIT_CODES.filter((c) => c.code !== 0 && c.code !== 1).map((c) => ({ name: c.name, code: c.code }));
    expect(fromShell).toEqual(named);
    expect(QUIESCE_SCRIPT_EXIT_CODES.map((c) => c.code)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
  });
});

describe('docs/quiesce-scripts.md', () => {
  const docs = fs.readFileSync(path.join(__dirname, '..', 'docs', 'quiesce-scripts.md'), 'utf8');
  const rows = docs.split('\n').filter((l) => l.startsWith('| `'));

  it.each(ENGINES)('%s: lists every option with its default', (engine) => {
    const section = docs.slice(docs.search(new RegExp(`^## .*QuiesceScripts\\.${engine}\\(\\)`, 'm')));
    for (const spec of QUIESCE_OPTIONS[engine]) {
      const row = section.split('\n').find((l) => l.startsWith(`| \`${spec.key}\` |`));
      expect({ key: spec.key, row: row !== undefined }).toEqual({ key: spec.key, row: true });
      if (spec.shellDefault !== '') {
        expect(row?.split('|')[2]).toContain(`\`${spec.shellDefault}\``);
      } else {
        expect(row?.split('|')[2]).toContain('none');
      }
    }
  });

  it('lists every exit status', () => {
    for (const c of QUIESCE_SCRIPT_EXIT_CODES) {
      expect(docs).toContain(`| ${c.code} | \`${c.name}\` | ${c.meaning} |`);
    }
    expect(rows.length).toBeGreaterThan(0);
  });
});

describe('validation', () => {
  it('names the option, the rule and the value', () => {
    expect(() => QuiesceScripts.mysql({ lockWaitSeconds: 0 })).toThrow('`mysql.lockWaitSeconds` must be an integer from 1 to 600, got 0');
  });

  it.each<[string, () => unknown, RegExp]>([
    ['mysql lockMode', () => QuiesceScripts.mysql({ lockMode: 'lock-all' as MysqlLockMode }), /`mysql.lockMode` must be one of ftwrl, backup-stage, got "lock-all"/],
    ['mysql lockWaitSeconds too high', () => QuiesceScripts.mysql({ lockWaitSeconds: 601 }), /`mysql.lockWaitSeconds` must be an integer from 1 to 600, got 601/],
    ['mysql lockWaitSeconds fractional', () => QuiesceScripts.mysql({ lockWaitSeconds: 1.5 }), /`mysql.lockWaitSeconds` must be an integer from 1 to 600, got 1.5/],
    ['mysql lockWaitSeconds a string', () => QuiesceScripts.mysql({ lockWaitSeconds: '5' as unknown as number }), /`mysql.lockWaitSeconds` must be an integer from 1 to 600, got "5"/],
    ['mysql holdTimeoutSeconds', () => QuiesceScripts.mysql({ holdTimeoutSeconds: 3601 }), /`mysql.holdTimeoutSeconds` must be an integer from 1 to 3600, got 3601/],
    ['mysql hold not above the lock wait', () => QuiesceScripts.mysql({ lockWaitSeconds: 10, holdTimeoutSeconds: 10 }), /`mysql.holdTimeoutSeconds` must exceed the lock wait \(10 s\), got 10/],
    ['mysql hold not above lock wait + clean', () => QuiesceScripts.mysql({ clean: true, holdTimeoutSeconds: 30 }), /`mysql.holdTimeoutSeconds` must exceed the lock wait plus the clean timeout \(35 s\), got 30/],
    ['mysql clean not a boolean', () => QuiesceScripts.mysql({ clean: 'yes' as unknown as boolean }), /`mysql.clean` must be true or false, got "yes"/],
    ['mysql cleanTimeoutSeconds', () => QuiesceScripts.mysql({ clean: true, cleanTimeoutSeconds: 0 }), /`mysql.cleanTimeoutSeconds` must be an integer from 1 to 3600, got 0/],
    ['mysql cleanTimeoutSeconds without clean', () => QuiesceScripts.mysql({ cleanTimeoutSeconds: 20 }), /`mysql.cleanTimeoutSeconds` requires `mysql.clean`, got 20/],
    ['mysql defaultsFile relative', () => QuiesceScripts.mysql({ defaultsFile: 'my.cnf' }), /`mysql.defaultsFile` must be an absolute path of letters, digits and \. _ @ \+ - \/ \(no \.\.\), got "my.cnf"/],
    ['mysql defaultsFile with ..', () => QuiesceScripts.mysql({ defaultsFile: '/root/../etc/my.cnf' }), /`mysql.defaultsFile` must be an absolute path.*got "\/root\/..\/etc\/my.cnf"/],
    ['mysql defaultsFile with a quote', () => QuiesceScripts.mysql({ defaultsFile: "/root/'x.cnf" }), /`mysql.defaultsFile` must be an absolute path.*got "\/root\/'x.cnf"/],
    ['mysql socket with a space', () => QuiesceScripts.mysql({ socket: '/run/my sql.sock' }), /`mysql.socket` must be an absolute path.*got "\/run\/my sql.sock"/],
    ['mysql host', () => QuiesceScripts.mysql({ host: '-h evil' }), /`mysql.host` must be a host name or IP address, got "-h evil"/],
    ['mysql port', () => QuiesceScripts.mysql({ host: 'db', port: 70000 }), /`mysql.port` must be an integer from 1 to 65535, got 70000/],
    ['mysql port without host', () => QuiesceScripts.mysql({ port: 3306 }), /`mysql.port` requires `mysql.host`, got 3306/],
    ['mysql socket with host', () => QuiesceScripts.mysql({ socket: '/run/m.sock', host: 'db' }), /`mysql.socket` cannot be set with `mysql.host`, got "\/run\/m.sock"/],
    ['mysql unknown option', () => QuiesceScripts.mysql({ lockWait: 5 } as object), /`mysql.lockWait` is not an option of mysql \(options: lockMode, lockWaitSeconds, .*\), got 5/],
    ['postgresql strict', () => QuiesceScripts.postgresql({ strict: 1 as unknown as boolean }), /`postgresql.strict` must be true or false, got 1/],
    ['postgresql timeoutSeconds', () => QuiesceScripts.postgresql({ timeoutSeconds: 0 }), /`postgresql.timeoutSeconds` must be an integer from 1 to 3600, got 0/],
    ['postgresql holdTimeoutSeconds without strict', () => QuiesceScripts.postgresql({ holdTimeoutSeconds: 60 }), /`postgresql.holdTimeoutSeconds` requires `postgresql.strict`, got 60/],
    ['postgresql hold not above the timeout', () => QuiesceScripts.postgresql({ strict: true, timeoutSeconds: 120 }), /`postgresql.holdTimeoutSeconds` must exceed the timeout \(120 s\), got 120/],
    ['postgresql holdTimeoutSeconds range', () => QuiesceScripts.postgresql({ strict: true, holdTimeoutSeconds: 0 }), /`postgresql.holdTimeoutSeconds` must be an integer from 1 to 3600, got 0/],
    ['postgresql host', () => QuiesceScripts.postgresql({ host: 'db host' }), /`postgresql.host` must be a host name or IP address, got "db host"/],
    ['postgresql socket directory', () => QuiesceScripts.postgresql({ host: '/var/run/../postgresql' }), /`postgresql.host` must be an absolute path.*got "\/var\/run\/..\/postgresql"/],
    ['postgresql port', () => QuiesceScripts.postgresql({ port: 0 }), /`postgresql.port` must be an integer from 1 to 65535, got 0/],
    ['postgresql user', () => QuiesceScripts.postgresql({ user: "o'brien" }), /`postgresql.user` must be a name of at most 63 letters, digits and _ \. @ - \(not starting with a digit\), got "o'brien"/],
    ['postgresql database', () => QuiesceScripts.postgresql({ database: '1db' }), /`postgresql.database` must be a name .*got "1db"/],
    ['postgresql osUser', () => QuiesceScripts.postgresql({ osUser: 'post gres' }), /`postgresql.osUser` must be a name .*got "post gres"/],
    ['postgresql passwordFile relative', () => QuiesceScripts.postgresql({ passwordFile: '.pgpass' }), /`postgresql.passwordFile` must be an absolute path.*got ".pgpass"/],
    ['postgresql passwordFile with osUser', () => QuiesceScripts.postgresql({ passwordFile: '/root/.pgpass', osUser: 'postgres' }), /`postgresql.passwordFile` cannot be set with `postgresql.osUser`, got "\/root\/.pgpass"/],
    ['postgresql backupLabelDir without strict', () => QuiesceScripts.postgresql({ backupLabelDir: '/var/backups' }), /`postgresql.backupLabelDir` requires `postgresql.strict`, got "\/var\/backups"/],
    ['postgresql backupLabelDir relative', () => QuiesceScripts.postgresql({ strict: true, backupLabelDir: 'labels' }), /`postgresql.backupLabelDir` must be an absolute path.*got "labels"/],
    ['redis host', () => QuiesceScripts.redis({ host: 'redis;reboot' }), /`redis.host` must be a host name or IP address, got "redis;reboot"/],
    ['redis port', () => QuiesceScripts.redis({ port: 65536 }), /`redis.port` must be an integer from 1 to 65535, got 65536/],
    ['redis socket relative', () => QuiesceScripts.redis({ socket: 'redis.sock' }), /`redis.socket` must be an absolute path.*got "redis.sock"/],
    ['redis socket with host', () => QuiesceScripts.redis({ socket: '/run/r.sock', host: 'localhost' }), /`redis.socket` cannot be set with `redis.host`, got "\/run\/r.sock"/],
    ['redis socket with port', () => QuiesceScripts.redis({ socket: '/run/r.sock', port: 6380 }), /`redis.socket` cannot be set with `redis.port`, got "\/run\/r.sock"/],
    ['redis user', () => QuiesceScripts.redis({ user: 'a b', passwordFile: '/root/p' }), /`redis.user` must be a name .*got "a b"/],
    ['redis user without passwordFile', () => QuiesceScripts.redis({ user: 'backup' }), /`redis.user` requires `redis.passwordFile`, got "backup"/],
    ['redis passwordFile', () => QuiesceScripts.redis({ passwordFile: '~/p' }), /`redis.passwordFile` must be an absolute path.*got "~\/p"/],
    ['redis commandTimeoutSeconds', () => QuiesceScripts.redis({ commandTimeoutSeconds: 301 }), /`redis.commandTimeoutSeconds` must be an integer from 1 to 300, got 301/],
    ['redis saveTimeoutSeconds', () => QuiesceScripts.redis({ saveTimeoutSeconds: 0 }), /`redis.saveTimeoutSeconds` must be an integer from 1 to 86400, got 0/],
    ['redis holdTimeoutSeconds', () => QuiesceScripts.redis({ holdTimeoutSeconds: 0 }), /`redis.holdTimeoutSeconds` must be an integer from 1 to 3600, got 0/],
  ])('%s', (_name, make, message) => {
    expect(make).toThrow(message);
  });

  it('accepts every option at its documented bounds', () => {
    expect(() => QuiesceScripts.mysql({ lockWaitSeconds: 600, holdTimeoutSeconds: 3600, clean: true, cleanTimeoutSeconds: 1, host: '::1', port: 1 })).not.toThrow();
    expect(() => QuiesceScripts.postgresql({ strict: true, timeoutSeconds: 1, holdTimeoutSeconds: 2, host: '/tmp', user: 'backup_user', passwordFile: '/root/.pgpass' })).not.toThrow();
    expect(() => QuiesceScripts.redis({ host: 'cache-01.internal', port: 65535, user: 'backup', passwordFile: '/etc/redis/pw', commandTimeoutSeconds: 300, saveTimeoutSeconds: 86400, holdTimeoutSeconds: 3600 })).not.toThrow();
  });
});

describe('quiesceScriptsFromPosture', () => {
  const field = 'groups[0].scripts';

  it.each(['generic', 'mysql', 'postgresql', 'redis'])('the string %s is the library pair with its defaults', (name) => {
    const fromPosture = quiesceScriptsFromPosture(name, field).render();
    expect(fromPosture).toEqual(render(name as QuiesceEngine | 'generic'));
  });

  it('a mapping with engine takes the options in camelCase', () => {
    const value = { engine: 'mysql', lockMode: 'backup-stage', lockWaitSeconds: 10, socket: '/run/mysqld/mysqld.sock' };
    expect(quiesceScriptsFromPosture(value, field).render()).toEqual(
      render('mysql', { lockMode: MysqlLockMode.BACKUP_STAGE, lockWaitSeconds: 10, socket: '/run/mysqld/mysqld.sock' }),
    );
  });

  it('a mapping with prescript and postscript reads the files relative to baseDir', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'quiesce-posture-'));
    try {
      fs.mkdirSync(path.join(dir, 'scripts'));
      fs.writeFileSync(path.join(dir, 'scripts', 'pre.sh'), '#!/bin/bash\necho pre\n');
      fs.writeFileSync(path.join(dir, 'scripts', 'post.sh'), '#!/bin/bash\necho post\n');
      const pair = quiesceScriptsFromPosture({ prescript: 'scripts/pre.sh', postscript: 'scripts/post.sh' }, field, dir).render();
      expect(pair).toEqual({ kind: 'files', prescript: '#!/bin/bash\necho pre\n', postscript: '#!/bin/bash\necho post\n' });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each<[string, unknown, RegExp]>([
    ['an unknown engine name', 'oracle', /`groups\[0\].scripts` must be one of generic, mysql, postgresql, redis, or a mapping with `engine` or with `prescript` and `postscript`, got "oracle"/],
    ['a number', 42, /`groups\[0\].scripts` must be one of generic, .*got 42/],
    ['null', null, /`groups\[0\].scripts` must be one of generic, .*got null/],
    ['a list', ['mysql'], /`groups\[0\].scripts` must be one of generic, .*got \["mysql"\]/],
    ['an unknown engine in a mapping', { engine: 'oracle' }, /`groups\[0\].scripts.engine` must be one of generic, mysql, postgresql, redis, got "oracle"/],
    ['an invalid option', { engine: 'mysql', lockWaitSeconds: 0 }, /`groups\[0\].scripts.lockWaitSeconds` must be an integer from 1 to 600, got 0/],
    ['an invalid relation', { engine: 'redis', user: 'backup' }, /`groups\[0\].scripts.user` requires `groups\[0\].scripts.passwordFile`, got "backup"/],
    ['an unknown option', { engine: 'postgresql', strictMode: true }, /`groups\[0\].scripts.strictMode` is not an option of postgresql \(options: strict, .*\), got true/],
    ['options for generic', { engine: 'generic', sync: false }, /`groups\[0\].scripts.sync` is not an option of generic \(it takes none\), got false/],
    ['files with an engine', { engine: 'mysql', prescript: 'pre.sh' }, /`groups\[0\].scripts.prescript` is not an option of mysql/],
    ['a prescript without a postscript', { prescript: 'pre.sh' }, /`groups\[0\].scripts.postscript` must be the path of a script file \(give both prescript and postscript\), got nothing/],
    ['a postscript that is not a string', { prescript: 'pre.sh', postscript: 7 }, /`groups\[0\].scripts.postscript` must be the path of a script file .*got 7/],
    ['an unknown key beside files', { prescript: 'pre.sh', postscript: 'post.sh', timeout: 5 }, /`groups\[0\].scripts.timeout` is not known here \(a mapping takes `engine` with its options, or `prescript` and `postscript`\), got 5/],
  ])('refuses %s', (_name, value, message) => {
    expect(() => quiesceScriptsFromPosture(value, field, '/')).toThrow(message);
  });

  it('refuses files that do not exist when rendered, naming the file', () => {
    const scripts = quiesceScriptsFromPosture({ prescript: 'missing-pre.sh', postscript: 'missing-post.sh' }, field, '/nonexistent');
    expect(() => scripts.render()).toThrow(/`scripts.prescript` must name a readable file, got "\/nonexistent\/missing-pre.sh"/);
  });
});

describe('the configuration matrix', () => {
  const docs = fs.readFileSync(path.join(__dirname, '..', 'docs', 'quiesce-scripts.md'), 'utf8');

  it.each(Object.keys(MATRIX) as MatrixEngine[])('%s: docs/quiesce-scripts.md lists every configuration and the options it needs', (engine) => {
    expect(docs).toContain(matrixTable(engine));
  });

  it.each(Object.keys(MATRIX) as MatrixEngine[])('%s: every configuration has a stock start, its own files, and a pair the factory accepts', (engine) => {
    const configs = MATRIX[engine];
    expect(configs[0].name).toBe('stock');
    expect(new Set(configs.map((c) => c.name)).size).toBe(configs.length);
    for (const c of configs) {
      for (const f of c.files) {
        expect(fs.existsSync(path.join(__dirname, 'integration', 'quiesce', f))).toBe(true);
      }
      expect(() => render(engine, c.pair)).not.toThrow();
    }
  });
});

describe('the benchmark results', () => {
  const report = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'bench', 'results', 'quiesce.json'), 'utf8')) as QuiesceBenchReport;
  const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  const docs = fs.readFileSync(path.join(__dirname, '..', 'docs', 'quiesce-scripts.md'), 'utf8');

  it('percentiles are nearest-rank', () => {
    const values = Array.from({ length: 20 }, (_, i) => 20 - i);
    expect(percentile([...values].sort((a, b) => a - b), 50)).toBe(10);
    expect(distribution(values)).toEqual({ p50: 10, p95: 19, max: 20 });
  });

  it('hold every engine, at least 30 windows per approach, side by side with the floor, a freeze only and the one-shot pattern', () => {
    expect(report.engines.map((e) => e.engine)).toEqual(['mysql', 'postgresql', 'redis']);
    expect(report.windowsPerApproach).toBeGreaterThanOrEqual(30);
    for (const e of report.engines) {
      expect(e.approaches.map((a) => a.approach)).toEqual(expect.arrayContaining(['floor', 'freeze-only', 'one-shot']));
      for (const a of e.approaches) {
        expect({ engine: e.engine, approach: a.approach, windows: a.windows.length }).toEqual({ engine: e.engine, approach: a.approach, windows: report.windowsPerApproach });
        expect(a.writeStallOverheadMs).toEqual(distribution(a.windows.map((w) => w.writeStallOverheadMs)));
      }
    }
  });

  it('the README table is the one the results file gives', () => {
    expect(between(readme, README_BEGIN, README_END)).toBe(readmeTable(report));
  });

  it('the tables of docs/quiesce-scripts.md are the ones the results file gives', () => {
    expect(between(docs, DOCS_BEGIN, DOCS_END)).toBe(engineTables(report, '###'));
  });
});

describe('every failure says why', () => {
  it('an unexpected failure names the command that failed, then the prescript cleans up and exits non-zero', () => {
    // GIVEN a rendered prescript whose session cannot start (mkfifo fails), state on a tmpfs
    const dir = fs.mkdtempSync('/dev/shm/quiesce-error-');
    try {
      const bin = path.join(dir, 'bin');
      fs.mkdirSync(bin);
      fs.writeFileSync(path.join(bin, 'mkfifo'), '#!/bin/sh\necho "mkfifo: no FIFOs here" >&2\nexit 1\n', { mode: 0o755 });
      const script = path.join(dir, 'prescript.sh');
      fs.writeFileSync(script, render('mysql').prescript, { mode: 0o700 });
      // WHEN
      const run = spawnSync('bash', [script], {
        encoding: 'utf8',
        env: { PATH: `${bin}:${process.env.PATH}`, QUIESCE_STATE_DIR: path.join(dir, 'state') },
      });
      // THEN
      expect(run.status).toBe(1);
      expect(run.stderr).toMatch(/prescript\(mysql\): FAILED: unexpected error: `mkfifo .*` exited 1\n/);
      expect(run.stderr).toMatch(/prescript\(mysql\): nothing is left locked\n$/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
