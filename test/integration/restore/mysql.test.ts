import * as path from 'path';
import { QuiesceScripts } from '../../../lib/quiesce-scripts';
import { describeBats } from '../quiesce/run-bats';

// The MySQL / MariaDB restore-drill check on real copies of a real MariaDB server: see mysql.bats.
describeBats('the restore-drill check for MySQL on MariaDB copies', path.join(__dirname, 'mysql.bats'), () => ({
  default: QuiesceScripts.mysql({ socket: '/run/qtest/m1.sock' }),
  clean: QuiesceScripts.mysql({ socket: '/run/qtest/m1.sock', clean: true }),
}), 420);
