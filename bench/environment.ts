/** What the benchmarks ran on, for their reports: the servers' and tools' versions and the machine. */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';

/** The first line a command prints (empty when it prints nothing or is missing). */
function firstLine(cmd: string, args: string[]): string {
  return (spawnSync(cmd, args, { encoding: 'utf8' }).stdout ?? '').split('\n')[0].trim();
}

/** MariaDB, PostgreSQL (the newest installed), Redis and sysbench versions, the kernel and the CPUs. */
export function benchEnvironment(): Record<string, string> {
  const pgBin = fs.readdirSync('/usr/lib/postgresql').sort().pop();
  return {
    mariadb: firstLine('mariadbd', ['--version']),
    postgresql: firstLine(`/usr/lib/postgresql/${pgBin}/bin/postgres`, ['--version']),
    redis: firstLine('redis-server', ['--version']),
    sysbench: firstLine('sysbench', ['--version']),
    kernel: os.release(),
    cpus: `${os.cpus().length} x ${os.cpus()[0]?.model ?? 'unknown'}`,
  };
}
