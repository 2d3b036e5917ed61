#!/usr/bin/env bash
# The one test command (README, CI): installs what the tests need, builds once,
# runs every test project with a TRX logger, and ends with "N passed, N failed".
# Re-running skips what is already installed.
set -uo pipefail
cd "$(dirname "$0")"

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
fi
if [ ! -f "$librdkafka" ]; then
  echo "test.sh: building librdkafka 2.15.1 (npm @confluentinc/kafka-javascript@1.10.1, about 2 minutes)"
  build=.deps/librdkafka-build
  rm -rf "$build" && mkdir -p "$build" && echo '{"private":true}' >"$build/package.json"
  # CKJS_LINKING=dynamic builds the bundled librdkafka instead of downloading a prebuilt binary.
  if ! (cd "$build" && CKJS_LINKING=dynamic npm install --no-audit --no-fund --loglevel=error @confluentinc/kafka-javascript@1.10.1 >npm-install.log 2>&1); then
    tail -20 "$build/npm-install.log"
    echo "test.sh: could not build librdkafka (log: $build/npm-install.log)"; exit 1
  fi
  # Copy under a temporary name first, so an interrupted copy is never taken for an install.
  mkdir -p "$(dirname "$librdkafka")" \
    && cp "$build/node_modules/@confluentinc/kafka-javascript/build/deps/librdkafka.so.1" "$librdkafka.tmp" \
    || { echo "test.sh: librdkafka.so.1 not found in $build"; exit 1; }
  mv "$librdkafka.tmp" "$librdkafka" && rm -rf "$build"
fi

results=test-results
rm -rf "$results" && mkdir -p "$results"

if ! dotnet build KafkaCompat.sln -c Release -nologo -clp:ErrorsOnly; then
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
if [ "$failed" -gt 0 ] || [ "$passed" -eq 0 ]; then status=1; fi
echo "$passed passed, $failed failed, $skipped skipped"
exit $status
