import * as path from 'path';
import { QuiesceScripts } from '../../../lib/quiesce-scripts';
import { describeBats } from './run-bats';

// The Redis pair against a real Redis server: see redis.bats for what each test does.
const tcp = { port: 6390 };
const acl = { ...tcp, user: 'quiesce' };

describeBats('QuiesceScripts.redis() on Redis', path.join(__dirname, 'redis.bats'), () => ({
  default: QuiesceScripts.redis(tcp),
  socket: QuiesceScripts.redis({ socket: '/run/qtest/r1.sock' }),
  watchdog: QuiesceScripts.redis({ ...tcp, holdTimeoutSeconds: 3 }),
  fastfail: QuiesceScripts.redis({ ...tcp, commandTimeoutSeconds: 2 }),
  acl: QuiesceScripts.redis({ ...acl, passwordFile: '/run/qtest/redis-pass' }),
  badpass: QuiesceScripts.redis({ ...acl, passwordFile: '/run/qtest/redis-bad-pass' }),
  unsafe: QuiesceScripts.redis({ ...acl, passwordFile: '/run/qtest/redis-unsafe-pass' }),
  down: QuiesceScripts.redis({ port: 6399 }),
}), 540);
