#!/bin/bash
# Runs every test. Installs what the tests need first (Debian packages through apt-get when
# they are missing, npm packages when node_modules is missing or out of date), so that this one
# command works on a fresh Debian machine. Extra arguments go to jest.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-test-deps.sh
# pwsh, for the Windows wrappers' tests, is a .NET global tool.
export PATH="$HOME/.dotnet/tools:$PATH"

npx tsc --noEmit
find templates -name '*.sh' -print0 | xargs -0 -r shellcheck -S style
mkdir -p test-results
status=0
npx jest --ci --runInBand --json --outputFile=test-results/jest.json "$@" || status=$?
node -e '
const r = require("./test-results/jest.json");
console.log(`jest: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests} skipped`);
if (r.numPendingTests > 0 || r.numTodoTests > 0) { console.error("skipped or todo tests are failures here"); process.exit(1); }
if (r.numTotalTests === 0) { console.error("no test ran"); process.exit(1); }
' || status=1
exit "$status"
