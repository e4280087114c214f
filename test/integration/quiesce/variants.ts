/**
 * The script variants the bats files of each engine use, rendered for one configuration of the
 * matrix: `base` is the configuration's own pair; the others change one thing of it (a short
 * hold timeout for the watchdog tests, a short lock wait, ...) or are the credentials cases of
 * the extra files.
 */
import { MysqlLockMode, MysqlQuiesceOptions, PostgresqlQuiesceOptions, QuiesceScripts, RedisQuiesceOptions } from '../../../lib/quiesce-scripts';
import { MatrixConfig } from './configs';

export function mysqlVariants(config: MatrixConfig<MysqlQuiesceOptions>): Record<string, QuiesceScripts> {
  const base = config.pair;
  const tcp = { host: '127.0.0.1', port: 3306 };
  return {
    base: QuiesceScripts.mysql(base),
    watchdog: QuiesceScripts.mysql({ ...base, lockWaitSeconds: 2, holdTimeoutSeconds: 4 }),
    fastfail: QuiesceScripts.mysql({ ...base, lockWaitSeconds: 2 }),
    backupstage: QuiesceScripts.mysql({ ...base, lockMode: MysqlLockMode.BACKUP_STAGE }),
    // mysql-extra.bats
    clean: QuiesceScripts.mysql({ ...base, clean: true }),
    tcp: QuiesceScripts.mysql({ ...tcp, defaultsFile: '/root/.snapshot.cnf' }),
    badpass: QuiesceScripts.mysql({ ...tcp, defaultsFile: '/run/qtest/bad.cnf' }),
    unsafe: QuiesceScripts.mysql({ ...tcp, defaultsFile: '/run/qtest/unsafe.cnf' }),
    noprivilege: QuiesceScripts.mysql({ ...tcp, defaultsFile: '/run/qtest/reload-only.cnf' }),
  };
}

export function postgresqlVariants(config: MatrixConfig<PostgresqlQuiesceOptions>): Record<string, QuiesceScripts> {
  const base = config.pair;
  const labels = { backupLabelDir: '/run/qtest/labels' };
  const tcp = { host: '127.0.0.1', user: 'snapshot' };
  return {
    base: QuiesceScripts.postgresql(base),
    strict: QuiesceScripts.postgresql({ ...base, strict: true, ...labels }),
    watchdog: QuiesceScripts.postgresql({ ...base, strict: true, timeoutSeconds: 2, holdTimeoutSeconds: 4, ...labels }),
    hung: QuiesceScripts.postgresql({ ...base, timeoutSeconds: 2 }),
    // postgresql-extra.bats
    archivewait: QuiesceScripts.postgresql({ ...base, strict: true, timeoutSeconds: 3, ...labels }),
    badpass: QuiesceScripts.postgresql({ ...tcp, passwordFile: '/run/qtest/bad-pgpass' }),
    unsafe: QuiesceScripts.postgresql({ ...tcp, passwordFile: '/run/qtest/unsafe-pgpass' }),
    nocheckpoint: QuiesceScripts.postgresql({ host: '127.0.0.1', user: 'plain', passwordFile: '/run/qtest/plain-pgpass' }),
  };
}

export function redisVariants(config: MatrixConfig<RedisQuiesceOptions>): Record<string, QuiesceScripts> {
  const base = config.pair;
  return {
    base: QuiesceScripts.redis(base),
    watchdog: QuiesceScripts.redis({ ...base, holdTimeoutSeconds: 3 }),
    fastfail: QuiesceScripts.redis({ ...base, commandTimeoutSeconds: 2 }),
    // redis-extra.bats (the acl configuration)
    badpass: QuiesceScripts.redis({ ...base, passwordFile: '/run/qtest/redis-bad-pass' }),
    unsafe: QuiesceScripts.redis({ ...base, passwordFile: '/run/qtest/redis-unsafe-pass' }),
    nounpause: QuiesceScripts.redis({ ...base, user: 'pauseonly', passwordFile: '/root/.redis-pass' }),
  };
}
