#!/usr/bin/env node
// Runs bin/oos-lint.ts without a build step: ts-node compiles it on the fly (types unchecked;
// `npx tsc --noEmit` checks them).
const path = require('path');
require('ts-node').register({ transpileOnly: true, project: path.join(__dirname, '..', 'tsconfig.json') });
require('./oos-lint.ts');
