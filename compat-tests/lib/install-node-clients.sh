#!/usr/bin/env bash
# Installs the pinned JavaScript clients (compat-tests/clients/node/package.json) into the
# git-ignored compat-tests/.deps/node unless they are there already. compat-tests/run.sh drives
# them; test.sh runs this before the test projects, whose integration tests drive kafkajs too.
set -uo pipefail
compat=$(cd "$(dirname "$0")/.." && pwd)
deps=$compat/.deps
lock=/tmp/kafkacompat-build.lock   # npm builds are serialised with the other builds (2 cores)
if cmp -s "$compat/clients/node/package.json" "$deps/node/package.json" && [ -d "$deps/node/node_modules/kafkajs" ]; then
  exit 0
fi
echo "compat: installing the JavaScript clients" >&2
mkdir -p "$deps/node" "$deps/logs" && cp "$compat/clients/node/package.json" "$deps/node/package.json.new"
if ! (cd "$deps/node" && mv package.json.new package.json && flock "$lock" npm install --no-audit --no-fund --loglevel=error) >"$deps/logs/npm.log" 2>&1; then
  rm -f "$deps/node/package.json"
  tail -20 "$deps/logs/npm.log" >&2
  echo "compat: npm install failed (log: $deps/logs/npm.log)" >&2
  exit 1
fi
