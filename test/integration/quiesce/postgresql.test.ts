import * as path from 'path';
import { QuiesceScripts } from '../../../lib/quiesce-scripts';
import { describeBats } from './run-bats';

// The PostgreSQL pair against a real PostgreSQL server: see postgresql.bats for each test.
const local = { host: '/run/qtest', port: 5433 };
const tcp = { host: '127.0.0.1', port: 5433, user: 'quiesce', strict: true, backupLabelDir: '/run/qtest/labels' };

describeBats('QuiesceScripts.postgresql() on PostgreSQL', path.join(__dirname, 'postgresql.bats'), () => ({
  default: QuiesceScripts.postgresql(local),
  strict: QuiesceScripts.postgresql({ ...local, strict: true, backupLabelDir: '/run/qtest/labels' }),
  watchdog: QuiesceScripts.postgresql({ ...local, strict: true, timeoutSeconds: 2, holdTimeoutSeconds: 4, backupLabelDir: '/run/qtest/labels' }),
  tcp: QuiesceScripts.postgresql({ ...tcp, passwordFile: '/run/qtest/pgpass' }),
  tcpcheckpoint: QuiesceScripts.postgresql({ host: '127.0.0.1', port: 5433, user: 'quiesce', passwordFile: '/run/qtest/pgpass' }),
  badpass: QuiesceScripts.postgresql({ ...tcp, passwordFile: '/run/qtest/bad-pgpass' }),
  unsafe: QuiesceScripts.postgresql({ ...tcp, passwordFile: '/run/qtest/unsafe-pgpass' }),
  down: QuiesceScripts.postgresql({ ...local, port: 5499 }),
  hung: QuiesceScripts.postgresql({ ...local, timeoutSeconds: 2 }),
}), 540);
