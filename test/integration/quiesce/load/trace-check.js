#!/usr/bin/env node
// Reads an strace log of a quiesce script (strace -f -b execve -tt -s 256 -e trace=execve,write,read
// -e read=5) and checks that no process started while writers waited:
//   prescript:  from the write that takes the hold (FLUSH TABLES WITH READ LOCK, BACKUP STAGE
//               START, CLIENT PAUSE) to the end of the script;
//   postscript: from the start of the script to the session's answer (read on fd 5) to the
//               write that releases the hold (UNLOCK TABLES, BACKUP STAGE END, CLIENT UNPAUSE).
// Exits 0 and prints a summary when none did; exits 1 naming the processes otherwise.
//
//   node trace-check.js prescript|postscript TRACE_FILE
'use strict';
const fs = require('fs');

const [role, file] = process.argv.slice(2);
const lines = fs.readFileSync(file, 'utf8').split('\n');
const HOLD = /FLUSH TABLES WITH READ LOCK|BACKUP STAGE START|CLIENT PAUSE/;
const RELEASE = /UNLOCK TABLES|BACKUP STAGE END|CLIENT UNPAUSE/;
// The marker that follows the release in the session's answers (the postscripts' own).
const RELEASED = /QUIESCE-RELEASED-[^\\]*\\n|QUIESCE-\d+-\d+\.\\n/;

const call = /^(\d+)\s+\S+\s+(?:<\.\.\. (\w+) resumed>|(\w+)\()(.*)$/;
let mainPid = null;
let holdFrom = null;
let released = null;
let stream = '';
let execs = 0;
const violations = [];
let sawRelease = false;
const pendingRead = {};

lines.forEach((line, index) => {
  const m = call.exec(line);
  if (!m) {
    return;
  }
  const [, pid, resumed, name, rest] = m;
  const syscall = resumed ?? name;
  if (mainPid === null) {
    mainPid = pid;
  }
  if (syscall === 'execve' && !rest.includes('<unfinished')) {
    execs++;
    // The first execve is the script itself.
    const under = role === 'prescript' ? holdFrom !== null : execs > 1 && released === null;
    if (under) {
      violations.push(`line ${index + 1}: ${line.slice(0, 200)}`);
    }
    return;
  }
  if (syscall === 'write' && holdFrom === null && role === 'prescript' && HOLD.test(rest)) {
    holdFrom = index;
  }
  if (syscall === 'write' && role === 'postscript' && RELEASE.test(rest)) {
    sawRelease = true;
  }
  if (syscall === 'read') {
    let fd;
    let data = rest;
    if (name) {
      const f = /^(\d+),\s*(.*)$/.exec(rest);
      if (!f) {
        return;
      }
      [, fd, data] = f;
      if (data.includes('<unfinished')) {
        pendingRead[pid] = fd;
        return;
      }
    } else {
      fd = pendingRead[pid];
      delete pendingRead[pid];
    }
    const text = /^"((?:[^"\\]|\\.)*)"/.exec(data);
    if (fd === '5' && pid === mainPid && sawRelease && released === null && text) {
      stream += text[1];
      if (RELEASED.test(stream)) {
        released = index;
      }
    }
  }
});

const problems = [];
if (role === 'prescript' && holdFrom === null) {
  problems.push('the trace shows no write that takes a hold');
}
if (role === 'postscript' && (!sawRelease || released === null)) {
  problems.push(`the trace shows no ${sawRelease ? 'answer to the' : ''} release`);
}
if (violations.length > 0) {
  problems.push(`processes started while writers waited:\n  ${violations.join('\n  ')}`);
}
if (problems.length > 0) {
  console.error(`${role}: ${problems.join('; ')}`);
  process.exit(1);
}
console.log(`${role}: ${execs} process start(s), none while writers waited`);
