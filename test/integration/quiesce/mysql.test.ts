import * as path from 'path';
import { MysqlLockMode, QuiesceScripts } from '../../../lib/quiesce-scripts';
import { describeBats } from './run-bats';

// The MySQL / MariaDB pair against a real MariaDB server: see mysql.bats for what each test does.
const socket = '/run/qtest/m1.sock';
const tcp = { host: '127.0.0.1', port: 3307 };

describeBats('QuiesceScripts.mysql() on MariaDB', path.join(__dirname, 'mysql.bats'), () => ({
  default: QuiesceScripts.mysql({ socket }),
  watchdog: QuiesceScripts.mysql({ socket, lockWaitSeconds: 2, holdTimeoutSeconds: 4 }),
  fastfail: QuiesceScripts.mysql({ socket, lockWaitSeconds: 2 }),
  backupstage: QuiesceScripts.mysql({ socket, lockMode: MysqlLockMode.BACKUP_STAGE }),
  clean: QuiesceScripts.mysql({ socket, clean: true }),
  tcp: QuiesceScripts.mysql({ ...tcp, defaultsFile: '/run/qtest/client.cnf' }),
  badpass: QuiesceScripts.mysql({ ...tcp, defaultsFile: '/run/qtest/bad.cnf' }),
  unsafe: QuiesceScripts.mysql({ ...tcp, defaultsFile: '/run/qtest/unsafe.cnf' }),
  down: QuiesceScripts.mysql({ socket: '/run/qtest/nobody.sock' }),
}), 540);
