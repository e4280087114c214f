import { describeEngineRestoreBats } from './run-restore';

// The Redis restore-drill check on real copies of a real Redis server: see redis.bats.
describeEngineRestoreBats('the restore-drill check for Redis on Redis copies', 'redis', 420);
