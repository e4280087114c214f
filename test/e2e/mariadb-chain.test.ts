/**
 * The whole chain once, with the MariaDB pair: the synthesized script deployment installs the
 * mysql prescript/postscript; the synthesized automation (executed as OOS would) runs the
 * snapshot command, whose plugin stand-in freezes the loop-mounted XFS holding MariaDB's data
 * directory under a sysbench write load and copies it; then a second server starts on the copy
 * and the copy is checked: CHECK TABLE clean, the transfer invariant held, no transaction rolled
 * back by recovery.
 */
import * as path from 'path';
import { QuiesceScripts } from '../../lib/quiesce-scripts';
import { REPO_ROOT } from '../helpers';
import { DISK, INSTANCE, ROLE, execute, synthStack } from './harness';

const LIB = path.join(REPO_ROOT, 'test', 'integration', 'quiesce', 'lib');

test('MariaDB under write load: deployment, automation, plugin stand-in, and a consistent restored copy', async () => {
  const synth = synthStack(QuiesceScripts.mysql({ socket: '/run/qtest/m1.sock' }), 120);
  const run = await execute(synth, {
    timeoutMs: 300_000,
    snapshotScenario: (dir) => `
      source ${LIB}/servers.bash
      source ${LIB}/loopfs.bash
      source ${LIB}/mysql.bash
      trap 'loopfs_thaw; server_stop m2 2>/dev/null; server_stop m1 2>/dev/null; loopfs_destroy; scenario_exit' EXIT
      loopfs_create 400 || exit 4
      mysql_fixture_start || { echo "MariaDB did not start" > $OUT/fixture; exit 5; }
      mkdir -p /mnt/qtest/outer/snap
      write_config mounts=$LOOPFS_DATA=${DISK} ram_role=${ROLE} instance_id=${INSTANCE} snapshot_dir=/mnt/qtest/outer/snap
      bash ${dir}/install.sh > $OUT/install.log 2>&1 || { echo "script deployment failed"; cat $OUT/install.log; exit 3; }
      mysql_load_start 25
      sleep 6
      bash ${dir}/runSnapshot.sh > $OUT/stdout 2> $OUT/stderr
      echo $? > $OUT/rc
      mysql_load_wait || echo failed > $OUT/load
      copy=$(jq -r '.Disks[0].SnapshotPath' /run/acs-plugin-standin/groups/*.json)
      echo "$copy" > $OUT/copy-path
      rm -f "$copy"/mysql/*.pid
      mariadb_start m2 "$copy/mysql" 3308 --log-bin=mysql-bin --server-id=1 || { echo "no server on the copy" > $OUT/verify; exit 6; }
      mariadb_cli m2 -e "CHECK TABLE sb.accounts" | awk '{print $4}' > $OUT/check
      mariadb_cli m2 -e "SELECT COUNT(*), SUM(balance) FROM sb.accounts" > $OUT/invariant
      sed -n 's/.*InnoDB: \\([0-9]*\\) transaction(s) which must be rolled back.*/\\1/p' $QTEST_RUN/m2.err > $OUT/rolled
      echo "$MYSQL_ACCOUNTS" > $OUT/accounts
      server_stop m2
    `,
  });
  const s = run.snapshot!;
  expect(s.file('fixture')).toBeUndefined();
  expect(s.rc).toBe(0);
  expect(s.result).toMatchObject({ instanceId: INSTANCE, exitCode: 0, consistency: 'AppConsistent' });
  expect(s.groups).toHaveLength(1);
  expect(s.groups[0].Tags).toContainEqual({ Key: 'APPConsistent', Value: 'True' });
  expect(s.file('load')).toBeUndefined();
  // The restored copy.
  expect(s.file('verify')).toBeUndefined();
  expect(s.file('check')).toBe('OK\n');
  const accounts = Number(s.file('accounts'));
  expect(s.file('invariant')).toBe(`${accounts}\t${accounts * 1000}\n`);
  expect((s.file('rolled') ?? '').trim()).toBe('');
  // The verdict from the tags confirms it, and the execution reports it.
  expect(run.verdict!.result).toMatchObject({ exitCode: 0, consistency: 'AppConsistent' });
}, 360_000);
