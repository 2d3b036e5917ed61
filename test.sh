#!/usr/bin/env bash
# The one test command (README, CI): installs what the tests need, builds once,
# runs every test project with a TRX logger, and ends with "N passed, N failed".
# Re-running skips what is already installed.
set -uo pipefail
cd "$(dirname "$0")"

# Native codec libraries used through P/Invoke (on the Debian base image, but not on every machine).
missing=()
ldconfig -p | grep -q 'liblz4\.so\.1 ' || missing+=(liblz4-1)
ldconfig -p | grep -q 'libzstd\.so\.1 ' || missing+=(libzstd1)
if ((${#missing[@]})); then
  echo "test.sh: installing ${missing[*]}"
  apt-get update -qq && apt-get install -y -qq "${missing[@]}" || { echo "test.sh: could not install ${missing[*]}"; exit 1; }
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
