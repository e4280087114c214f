import * as path from 'path';
import { QuiesceScripts } from '../../../lib/quiesce-scripts';
import { describeBats } from '../quiesce/run-bats';

// The PostgreSQL restore-drill check on real copies of a real PostgreSQL server: see postgresql.bats.
describeBats('the restore-drill check for PostgreSQL on PostgreSQL copies', path.join(__dirname, 'postgresql.bats'), () => ({
  default: QuiesceScripts.postgresql({ host: '/run/qtest', port: 5433 }),
}), 420);
