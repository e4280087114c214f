/**
 * The configuration matrix of the quiesce integration tests: for each engine, the ways users run
 * the server (the Debian package's configuration, as its init script starts it, and the common
 * variations) and the pair options each needs. lib/<engine>.bash starts the server of each
 * configuration by name; docs/quiesce-scripts.md lists them (a test keeps the two in step).
 */
import { MysqlQuiesceOptions, PostgresqlQuiesceOptions, RedisQuiesceOptions } from '../../../lib/quiesce-scripts';

export type MatrixEngine = 'mysql' | 'postgresql' | 'redis';

/** One configuration of the matrix. */
export interface MatrixConfig<O> {
  /** The name lib/<engine>.bash starts it by. */
  readonly name: string;
  /** How the server runs, for the documentation's table. */
  readonly server: string;
  /** The options the pair needs there. */
  readonly pair: O;
  /** The bats files run against it, in order (the last one stops the server). */
  readonly files: readonly string[];
}

export const MYSQL_CONFIGS: readonly MatrixConfig<MysqlQuiesceOptions>[] = [
  {
    name: 'stock',
    server: "the package's configuration: binary log off, root by unix socket at /run/mysqld/mysqld.sock",
    pair: {},
    files: ['mysql.bats'],
  },
  {
    name: 'binlog',
    server: 'binary log on (`log_bin = mysql-bin`)',
    pair: {},
    files: ['mysql-extra.bats', 'mysql.bats'],
  },
  {
    name: 'gtid',
    server: 'binary log on, `gtid_domain_id = 3`, `server_id = 7`, `gtid_strict_mode = ON`',
    pair: {},
    files: ['mysql.bats'],
  },
  {
    name: 'password-tcp',
    server: 'binary log on; a user `snapshot`@`127.0.0.1` with only RELOAD and BINLOG MONITOR, its password in a root-only option file, over TCP',
    pair: { host: '127.0.0.1', port: 3306, defaultsFile: '/root/.snapshot.cnf' },
    files: ['mysql.bats'],
  },
  {
    name: 'socket',
    server: 'a non-default socket and port (`socket = /run/mysqld/db.sock`, `port = 3307`)',
    pair: { socket: '/run/mysqld/db.sock' },
    files: ['mysql.bats'],
  },
  {
    name: 'timeouts',
    server: 'session timeouts shorter than the snapshot window (`wait_timeout`, `interactive_timeout`, `idle_transaction_timeout` = 2 s)',
    pair: {},
    files: ['mysql.bats'],
  },
];

export const POSTGRESQL_CONFIGS: readonly MatrixConfig<PostgresqlQuiesceOptions>[] = [
  {
    name: 'stock',
    server: "the package's `main` cluster: port 5432, peer authentication for `postgres` over /var/run/postgresql, WAL archiving off",
    pair: {},
    files: ['postgresql-noarchive.bats', 'postgresql.bats'],
  },
  {
    name: 'archive',
    server: 'WAL archiving on (`archive_mode = on`, `archive_command` copying to a directory outside the snapshot)',
    pair: {},
    files: ['postgresql-strict.bats', 'postgresql.bats'],
  },
  {
    name: 'password-tcp',
    server: 'archiving on; a user `snapshot` with only `pg_checkpoint` and EXECUTE on `pg_backup_start`/`pg_backup_stop`, password (scram-sha-256) over TCP, in a root-only password file',
    pair: { host: '127.0.0.1', user: 'snapshot', passwordFile: '/root/.pgpass' },
    files: ['postgresql-extra.bats', 'postgresql-strict.bats', 'postgresql.bats'],
  },
  {
    name: 'port',
    server: 'archiving on, a non-default port (`port = 5433`)',
    pair: { port: 5433 },
    files: ['postgresql-strict.bats', 'postgresql.bats'],
  },
  {
    name: 'timeouts',
    server: 'archiving on, session timeouts shorter than the snapshot window (`idle_session_timeout`, `idle_in_transaction_session_timeout` = 2 s)',
    pair: {},
    files: ['postgresql-strict.bats', 'postgresql.bats'],
  },
];

export const REDIS_CONFIGS: readonly MatrixConfig<RedisQuiesceOptions>[] = [
  {
    name: 'stock',
    server: "the package's /etc/redis/redis.conf: RDB snapshots (the default save points), append-only file off, 127.0.0.1:6379, no password",
    pair: {},
    files: ['redis-save.bats', 'redis.bats'],
  },
  {
    name: 'aof',
    server: 'append-only file on (`appendonly yes`, `appendfsync everysec`)',
    pair: {},
    files: ['redis-pause.bats', 'redis.bats'],
  },
  {
    name: 'nopersist',
    server: 'persistence off (`save ""`, `appendonly no`)',
    pair: {},
    files: ['redis-save.bats', 'redis.bats'],
  },
  {
    name: 'requirepass',
    server: 'append-only file on, `requirepass`; the password in a root-only file',
    pair: { passwordFile: '/root/.redis-pass' },
    files: ['redis-pause.bats', 'redis.bats'],
  },
  {
    name: 'acl',
    server: 'append-only file on; an ACL user `snapshot` with only `+ping +info +bgsave +client|pause +client|unpause`, its password in a root-only file',
    pair: { user: 'snapshot', passwordFile: '/root/.redis-pass' },
    files: ['redis-extra.bats', 'redis-pause.bats', 'redis.bats'],
  },
  {
    name: 'socket',
    server: 'append-only file on, unix socket only (`port 0`, `unixsocket /run/redis/redis-server.sock`)',
    pair: { socket: '/run/redis/redis-server.sock' },
    files: ['redis-pause.bats', 'redis.bats'],
  },
  {
    name: 'timeouts',
    server: 'append-only file on, idle clients closed after 1 s (`timeout 1`)',
    pair: {},
    files: ['redis-pause.bats', 'redis.bats'],
  },
];

/** Every engine's configurations. */
export const MATRIX: Readonly<Record<MatrixEngine, readonly MatrixConfig<object>[]>> = {
  mysql: MYSQL_CONFIGS,
  postgresql: POSTGRESQL_CONFIGS,
  redis: REDIS_CONFIGS,
};

/** The pair's options as the documentation shows them: `{}` for none. */
function optionsText(pair: object): string {
  const entries = Object.entries(pair);
  return entries.length === 0 ? 'none (the defaults)' : `\`${entries.map(([k, v]) => `${k}: ${JSON.stringify(v)}`).join(', ')}\``;
}

/** The matrix of one engine as docs/quiesce-scripts.md lists it (a test keeps the two equal). */
export function matrixTable(engine: MatrixEngine): string {
  const lines = ['| configuration | the server | the pair\'s options |', '|---|---|---|'];
  for (const c of MATRIX[engine]) {
    lines.push(`| \`${c.name}\` | ${c.server} | ${optionsText(c.pair)} |`);
  }
  return lines.join('\n');
}
