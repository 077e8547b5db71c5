#!/usr/bin/env bash
# The whole suite, failing on the first failing level: typecheck, lint, builds, size budgets,
# then one jest run (core, server, components, miniprogram-simulate, browser e2e).
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)
bash scripts/ensure-chromium.sh
echo "== typecheck"; npm run -s typecheck
echo "== lint"; npm run -s lint
echo "== build (weapp, h5, functions)"; npm run -s build
echo "== size"; npm run -s size
echo "== jest"
mkdir -p test-results
status=0
npx jest --ci --json --outputFile=test-results/jest.json "$@" || status=$?
node -e '
const r = require("./test-results/jest.json");
console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed`);
' || status=1
echo "suite took $(( $(date +%s) - start )) s"
exit $status
