/**
 * How the restore-drill check tests run: each engine's bats file through the quiesce harness
 * (run-config.sh starts the Debian package's server in one configuration of the quiesce matrix,
 * the file makes its copies with consistent_copy), the generic file on its own, all inside the
 * throwaway root.
 */
import * as path from 'path';
import { MYSQL_CONFIGS, MatrixConfig, MatrixEngine, POSTGRESQL_CONFIGS, REDIS_CONFIGS } from '../quiesce/configs';
import { describeBatsRun, runQuiesceBats, runSandboxedBats } from '../quiesce/run-bats';
import { mysqlVariants, postgresqlVariants, redisVariants } from '../quiesce/variants';
import { QuiesceScripts } from '../../../lib/quiesce-scripts';

/** The configuration each engine's copies are made in, and the pairs it renders. */
const ENGINE_CONFIGS: Readonly<Record<MatrixEngine, { config: string; variants: () => Record<string, QuiesceScripts> }>> = {
  // The binary log on: the check finds the position the prescript recorded.
  mysql: { config: 'binlog', variants: () => mysqlVariants(configNamed(MYSQL_CONFIGS, 'binlog')) },
  postgresql: { config: 'stock', variants: () => postgresqlVariants(configNamed(POSTGRESQL_CONFIGS, 'stock')) },
  // The append-only file on: one of the copies has it cut.
  redis: { config: 'aof', variants: () => redisVariants(configNamed(REDIS_CONFIGS, 'aof')) },
};

function configNamed<O>(configs: readonly MatrixConfig<O>[], name: string): MatrixConfig<O> {
  const found = configs.find((c) => c.name === name);
  if (!found) throw new Error(`no configuration ${name} in the quiesce matrix (configs.ts)`);
  return found;
}

/** The configuration and pairs the copies of ENGINE are made with (the benchmark makes the same). */
export function restoreCopyConfig(engine: MatrixEngine): { config: string; variants: Record<string, QuiesceScripts> } {
  const { config, variants } = ENGINE_CONFIGS[engine];
  return { config, variants: variants() };
}

/** Declares the tests of ENGINE's bats file (ENGINE.bats here), run against its configuration's server. */
export function describeEngineRestoreBats(title: string, engine: MatrixEngine, timeoutSeconds: number): void {
  const file = path.join(__dirname, `${engine}.bats`);
  const { config } = ENGINE_CONFIGS[engine];
  describeBatsRun(`${title} (quiesce configuration ${config})`, [file],
    () => runQuiesceBats(engine, config, [file], restoreCopyConfig(engine).variants, timeoutSeconds), timeoutSeconds);
}

/** Declares the tests of a bats file that needs no server. */
export function describeRestoreBats(title: string, batsFile: string, timeoutSeconds: number): void {
  describeBatsRun(title, [batsFile], () => runSandboxedBats(['bats', '--tap', batsFile], {}, timeoutSeconds), timeoutSeconds);
}
