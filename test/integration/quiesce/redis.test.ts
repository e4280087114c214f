import { REDIS_CONFIGS } from './configs';
import { describeMatrix } from './run-bats';
import { redisVariants } from './variants';

// The Redis pair against a real Redis server, in every configuration of the matrix: see
// redis.bats, redis-pause.bats, redis-save.bats and redis-extra.bats.
describeMatrix('redis', REDIS_CONFIGS, redisVariants, 600);
