import { describeEngineRestoreBats } from './run-restore';

// The PostgreSQL restore-drill check on real copies of a real PostgreSQL server: see postgresql.bats.
describeEngineRestoreBats('the restore-drill check for PostgreSQL on PostgreSQL copies', 'postgresql', 600);
