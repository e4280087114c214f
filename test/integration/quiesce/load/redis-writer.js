#!/usr/bin/env node
// A steady write load for Redis: one connection, one command at a time, alternating
// SET key:<(n / 2) % keys> <n> (n even) and INCR counter (n odd), for a given number of seconds.
// Every state Redis can be in is therefore "the first m commands applied", which
// redis-check.js tells from a copy (the writer first deletes what an earlier run left). With a
// log file it writes "start_us latency_us" per command (wall clock, microseconds), like the other
// loads.
//
//   QTEST_REDIS_TARGET=PORT|SOCKET_PATH [QTEST_REDIS_ADMIN_PASSWORD=...] node redis-writer.js SECONDS [LOG_FILE] [KEYS]
'use strict';
const net = require('net');
const fs = require('fs');

const target = process.env.QTEST_REDIS_TARGET || '6379';
const password = process.env.QTEST_REDIS_ADMIN_PASSWORD || '';
const [seconds, logFile, keys] = [Number(process.argv[2]), process.argv[3], Number(process.argv[4] || 1000)];
const hrStart = process.hrtime.bigint();
const wallStartUs = Date.now() * 1000;
const nowUs = () => Math.floor(Number(process.hrtime.bigint() - hrStart) / 1000) + wallStartUs;
const log = logFile ? fs.createWriteStream(logFile) : undefined;
const until = Date.now() + seconds * 1000;

const resp = (...args) => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(String(a))}\r\n${a}\r\n`).join('')}`;

let n = 0;
let sentAt = 0;
let pending = '';
// Replies to the commands before the first logged one (AUTH, the clean-up) are not logged.
let preamble = password !== '' ? 2 : 1;
const socket = target.startsWith('/') ? net.connect({ path: target }, start) : net.connect({ host: '127.0.0.1', port: Number(target) }, start);
socket.setNoDelay(true);
socket.setEncoding('utf8');

function start() {
  if (password !== '') {
    socket.write(resp('AUTH', password));
  }
  socket.write(resp('DEL', 'counter', ...Array.from({ length: keys }, (_, j) => `key:${j}`)));
}

function send() {
  if (Date.now() >= until) {
    socket.end();
    if (log) log.end();
    console.log(`redis-writer: ${n} writes`);
    return;
  }
  sentAt = nowUs();
  socket.write(n % 2 === 0 ? resp('SET', `key:${(n / 2) % keys}`, n) : resp('INCR', 'counter'));
}

socket.on('data', (chunk) => {
  pending += chunk;
  // Every reply to AUTH, DEL, SET or INCR is one line (+OK or :<n>); an error reply fails the load.
  while (pending.includes('\r\n')) {
    const line = pending.slice(0, pending.indexOf('\r\n'));
    pending = pending.slice(line.length + 2);
    if (line.startsWith('-')) {
      console.error(`redis-writer: error reply ${line}`);
      process.exit(1);
    }
    if (preamble > 0) {
      preamble--;
      if (preamble > 0) {
        continue;
      }
    } else {
      if (log) log.write(`${sentAt} ${nowUs() - sentAt}\n`);
      n++;
    }
    send();
  }
});
socket.on('error', (e) => {
  console.error(`redis-writer: ${e.message}`);
  process.exit(1);
});
