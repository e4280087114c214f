import * as path from 'path';
import { QuiesceScripts } from '../../../lib/quiesce-scripts';
import { describeBats } from '../quiesce/run-bats';

// The Redis restore-drill check on real copies of a real Redis server: see redis.bats.
describeBats('the restore-drill check for Redis on Redis copies', path.join(__dirname, 'redis.bats'), () => ({
  default: QuiesceScripts.redis({ port: 6390 }),
}), 300);
