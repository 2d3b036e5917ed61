#!/usr/bin/env bash
# The one test command (README, CI): installs what the tests need, builds once,
# runs every test project with a TRX logger, then the compatibility suite (compat-tests/run.sh:
# real clients against the built broker), and ends with "N passed, N failed, N skipped".
# Re-running skips what is already installed. Nothing here needs a terminal.
set -uo pipefail
cd "$(dirname "$0")"
lock=/tmp/kafkacompat-build.lock   # every build holds it (the machine has 2 cores; others build too)
export DEBIAN_FRONTEND=noninteractive

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

# Native codec libraries used through P/Invoke (on the Debian base image, but not on every machine).
missing=()
ldconfig -p | grep -q 'liblz4\.so\.1 ' || missing+=(liblz4-1)
ldconfig -p | grep -q 'libzstd\.so\.1 ' || missing+=(libzstd1)
# Real clients for tests/KafkaCompat.IntegrationTests: kcat, and kafka-python with its codecs
# (Debian's modules, run with /usr/bin/python3).
for package in kcat python3-kafka python3-snappy python3-lz4 python3-zstandard python3-xxhash; do
  installed "$package" || missing+=("$package")
done
# Node.js for kafkajs (installed below, into compat-tests/.deps/node, where compat-tests/run.sh uses it too).
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
# librdkafka 2.15.1 for Confluent.Kafka (the mirror lacks librdkafka.redist): built from the
# source inside @confluentinc/kafka-javascript into the git-ignored .deps/, once. Its configure
# enables zstd only when libzstd-dev is there (snappy, lz4 and gzip are built in).
librdkafka=.deps/librdkafka/librdkafka.so.1
if [ ! -f "$librdkafka" ]; then
  for package in libzstd-dev libssl-dev; do
    installed "$package" || missing+=("$package")
  done
fi
if ((${#missing[@]})); then
  echo "test.sh: installing ${missing[*]}"
  apt-get update -qq && apt-get install -y -qq "${missing[@]}" || { echo "test.sh: could not install ${missing[*]}"; exit 1; }
  # compat-tests/run.sh installs its own packages later: one apt-get update per test.sh run is enough.
  export KAFKACOMPAT_APT_UPDATED=1
fi
if [ ! -f "$librdkafka" ]; then
  echo "test.sh: building librdkafka 2.15.1 (npm @confluentinc/kafka-javascript@1.10.1, about 2 minutes)"
  build=.deps/librdkafka-build
  rm -rf "$build" && mkdir -p "$build" && echo '{"private":true}' >"$build/package.json"
  # CKJS_LINKING=dynamic builds the bundled librdkafka instead of downloading a prebuilt binary.
  if ! (cd "$build" && CKJS_LINKING=dynamic flock "$lock" npm install --no-audit --no-fund --loglevel=error @confluentinc/kafka-javascript@1.10.1 >npm-install.log 2>&1); then
    tail -20 "$build/npm-install.log"
    echo "test.sh: could not build librdkafka (log: $build/npm-install.log)"; exit 1
  fi
  # Copy under a temporary name first, so an interrupted copy is never taken for an install.
  mkdir -p "$(dirname "$librdkafka")" \
    && cp "$build/node_modules/@confluentinc/kafka-javascript/build/deps/librdkafka.so.1" "$librdkafka.tmp" \
    || { echo "test.sh: librdkafka.so.1 not found in $build"; exit 1; }
  mv "$librdkafka.tmp" "$librdkafka" && rm -rf "$build"
fi

compat-tests/lib/install-node-clients.sh || { echo "test.sh: could not install the JavaScript clients"; exit 1; }

results=test-results
rm -rf "$results" && mkdir -p "$results"

if ! flock "$lock" dotnet build KafkaCompat.sln -c Release -nologo -clp:ErrorsOnly; then
  echo "0 passed, 1 failed"
  exit 1
fi

status=0
for project in tests/*/*.csproj; do
  name=$(basename "$project" .csproj)
  dotnet test "$project" -c Release --no-build -nologo \
    --logger "trx;LogFileName=$name.trx" --results-directory "$results" || status=1
done

# Sum the <Counters> of every TRX file.
passed=0; failed=0; skipped=0; runs=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx" | head -1)
  get() { local v; v=$(echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'); echo "${v:-0}"; }
  passed=$((passed + $(get passed)))
  failed=$((failed + $(get failed) + $(get error) + $(get timeout) + $(get aborted)))
  skipped=$((skipped + $(get notExecuted)))
  runs=$((runs + 1))
done
expected=$(ls tests/*/*.csproj | wc -l)
if [ "$runs" -ne "$expected" ]; then
  echo "test.sh: $runs of $expected test projects produced results"
  failed=$((failed + expected - runs))
fi

# The compatibility suite against the broker just built (it installs its clients on the first run:
# a few minutes; later runs about 2). Its "compat: N passed, N failed" counts are added to the totals;
# its "unsupported" (by the client) and "broker-unsupported" cases are counted nowhere (neither
# passed, failed nor skipped: skipped here means a test the test projects did not execute), they are
# listed in compat-tests/RESULTS.md.
echo "test.sh: running compat-tests/run.sh"
COMPAT_SKIP_BROKER_BUILD=1 compat-tests/run.sh </dev/null | tee "$results/compat.txt"
compat_exit=${PIPESTATUS[0]}
compat=$(grep -E '^compat: [0-9]+ passed, [0-9]+ failed$' "$results/compat.txt" | tail -1)
if [ -z "$compat" ]; then
  echo "test.sh: compat-tests/run.sh (exit $compat_exit) printed no count line"
  failed=$((failed + 1))
else
  compat_passed=$(echo "$compat" | grep -oE '[0-9]+ passed' | grep -oE '[0-9]+')
  compat_failed=$(echo "$compat" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+')
  passed=$((passed + compat_passed))
  failed=$((failed + compat_failed))
  if [ "$compat_exit" -ne 0 ] && [ "$compat_failed" -eq 0 ]; then
    echo "test.sh: compat-tests/run.sh exited $compat_exit"
    failed=$((failed + 1))
  fi
fi

if [ "$failed" -gt 0 ] || [ "$passed" -eq 0 ]; then status=1; fi
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
