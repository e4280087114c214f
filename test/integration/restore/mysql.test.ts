import { describeEngineRestoreBats } from './run-restore';

// The MySQL / MariaDB restore-drill check on real copies of a real MariaDB server: see mysql.bats.
describeEngineRestoreBats('the restore-drill check for MySQL on MariaDB copies', 'mysql', 600);
