#!/usr/bin/env bats
# The Redis pair against a real Redis server in one configuration of the matrix (the Debian
# package's /etc/redis/redis.conf, started by its init script; see lib/redis.bash): what every
# configuration shares, run after redis-pause.bats or redis-save.bats. Variants rendered by
# redis.test.ts: base (the configuration's options), fastfail (base, command timeout 2 s).
# The last test stops the server.

bats_require_minimum_version 1.5.0

setup() {
  . "$BATS_TEST_DIRNAME/lib/bats-helpers.bash"
  . "$BATS_TEST_DIRNAME/lib/redis.bash"
}

teardown() {
  rcli DEL busy >/dev/null 2>&1 || true
  post base >/dev/null 2>&1 || true
  rcli CLIENT UNPAUSE >/dev/null 2>&1 || true
  rm -rf "$QUIESCE_STATE/redis"
}

probe_write() { rcli SET probe "$(ms)"; }

@test "a long-running command: the prescript fails within its command timeout, saying why, and no pause stays" {
  bg_run long rcli EVAL "local e = tonumber(redis.call('TIME')[1]) + 5; while tonumber(redis.call('TIME')[1]) < e do redis.call('INCR', 'busy') end" 0
  sleep 1
  # A 2 s command timeout.
  check_prescript_fails fastfail 4 "did not answer" 1500 6000
  bg_wait long 15
  # The script ran to its end (with `timeout 1` Redis may close its connection before the reply).
  [ "$(rcli GET busy)" -gt 0 ]
  assert_probe_write_ms 0 1500 "write after the long one took"
}

@test "server down: the prescript fails fast with exit 3, saying why, and leaves nothing behind" {
  redis_server_stop
  check_prescript_fails base 3 "cannot use the Redis server" 0 5000
}
