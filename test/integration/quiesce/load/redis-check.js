#!/usr/bin/env node
// Checks a copy of a Redis server that redis-writer.js wrote to: its data must be the state after
// exactly the first m of the writer's commands (m from MIN to MAX), every key of the writer
// agreeing with the counter, and the 20000 keys loaded before intact. Prints a JSON verdict.
//
//   node redis-check.js PORT KEYS MIN MAX
'use strict';
const { execFileSync } = require('child_process');

const [port, keys, min, max] = process.argv.slice(2).map(Number);
const cli = (...args) => execFileSync('redis-cli', ['-p', String(port), ...args], { encoding: 'utf8' }).replace(/\n$/, '');

const counter = Number(cli('GET', 'counter') || 0);
const values = cli('MGET', ...Array.from({ length: keys }, (_, j) => `key:${j}`)).split('\n');
const pop = Number(cli('EVAL', "local n = 0 for i = 1, 20000 do if redis.call('GET', 'pop:' .. i) == tostring(i) then n = n + 1 end end return n", '0'));

// After the first m commands (m >= 0), key j holds 2i for the largest i <= floor((m - 1) / 2)
// with i % keys == j, or nothing; counter holds floor(m / 2).
function expectedKey(m, j) {
  if (m <= 0) return '';
  const last = Math.floor((m - 1) / 2);
  if (last < j) return '';
  return String(2 * (last - ((last - j) % keys)));
}
const candidates = [2 * counter, 2 * counter + 1].filter((m) => Math.floor(m / 2) === counter);
const matching = candidates.filter((m) => values.every((v, j) => v === expectedKey(m, j)));
const commands = matching.length > 0 ? matching[0] : null;
const consistent = commands !== null && pop === 20000 && commands >= min && commands <= max;
console.log(JSON.stringify({ consistent, commands, minCommands: min, maxCommands: max, counter, populatedKeysIntact: pop === 20000 }));
