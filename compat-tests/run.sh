#!/usr/bin/env bash
# The compatibility suite: real Kafka clients against a freshly built broker.
#
#   compat-tests/run.sh            install what is missing, build, run every client, report
#
# Installs into git-ignored places (apt packages, compat-tests/.deps/), reuses what is there,
# builds the broker, starts two brokers on free loopback ports with temporary data dirs (the
# main one, and one with auto.create.topics.enable=false for scenario 8), runs every client's
# drivers over the one scenario list (scenarios.json), writes results.json and RESULTS.md, prints
# "compat: N passed, N failed" and exits non-zero when any scenario failed.
# COMPAT_SKIP_BROKER_BUILD=1 skips the broker build (when the caller has just built it).
# COMPAT_CLIENTS="name name..." runs only these clients (names as in the table in step 6).
# COMPAT_BROKER_DLL=path runs that broker build instead of this checkout's (implies no broker build).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
deps=$here/.deps
lock=/tmp/kafkacompat-build.lock   # builds are serialised: the machine has 2 cores
mkdir -p "$deps/logs"
cd "$here"
started_at=$(date +%s)
say() { echo "compat: $*" >&2; }
die() { say "$*"; echo "compat: 0 passed, 1 failed"; exit 1; }

# ---- 1. Debian packages ---------------------------------------------------------------
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
packages=(kcat python3-kafka python3-snappy python3-lz4 python3-zstandard python3-xxhash python3-confluent-kafka
  golang-go golang-github-shopify-sarama-dev
  libzstd-dev libssl-dev)   # so the librdkafka 2.15.1 build below gets zstd and TLS
command -v node >/dev/null || packages+=(nodejs)
command -v npm >/dev/null || packages+=(npm)
missing=()
for p in "${packages[@]}"; do installed "$p" || missing+=("$p"); done
if ((${#missing[@]})); then
  say "installing ${missing[*]}"
  # test.sh sets KAFKACOMPAT_APT_UPDATED=1 when it has just run apt-get update (once per run is enough).
  { { [ "${KAFKACOMPAT_APT_UPDATED:-0}" = 1 ] || apt-get update -qq; } \
    && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } >"$deps/logs/apt.log" 2>&1 \
    || { tail -20 "$deps/logs/apt.log"; die "apt-get install failed (log: $deps/logs/apt.log)"; }
fi

# ---- 2. librdkafka 2.15.1 (the mirror has no librdkafka.redist: built from the source inside
#         @confluentinc/kafka-javascript; reuses test.sh's build at ../.deps when it is the same) --
librdkafka=$deps/librdkafka/librdkafka.so.1
librdkafka_ok() { [ -f "$1" ] && LD_LIBRARY_PATH=$(dirname "$1") kcat -V 2>/dev/null | grep -q 'librdkafka 2\.15\.1 .*zstd'; }
if ! librdkafka_ok "$librdkafka"; then
  mkdir -p "$deps/librdkafka"
  if librdkafka_ok "$root/.deps/librdkafka/librdkafka.so.1"; then
    cp "$root/.deps/librdkafka/librdkafka.so.1" "$librdkafka.tmp" && mv "$librdkafka.tmp" "$librdkafka"
  else
    say "building librdkafka 2.15.1 (npm @confluentinc/kafka-javascript@1.10.1, about 2 minutes)"
    build=$deps/librdkafka-build
    rm -rf "$build" && mkdir -p "$build" && echo '{"private":true}' >"$build/package.json"
    # CKJS_LINKING=dynamic builds the bundled librdkafka instead of downloading a prebuilt binary.
    (cd "$build" && CKJS_LINKING=dynamic flock "$lock" npm install --no-audit --no-fund --loglevel=error \
      @confluentinc/kafka-javascript@1.10.1) >"$deps/logs/librdkafka-build.log" 2>&1 \
      || { tail -20 "$deps/logs/librdkafka-build.log"; die "librdkafka build failed"; }
    cp "$build/node_modules/@confluentinc/kafka-javascript/build/deps/librdkafka.so.1" "$librdkafka.tmp" \
      && mv "$librdkafka.tmp" "$librdkafka" && rm -rf "$build"
  fi
  librdkafka_ok "$librdkafka" || die "$librdkafka is not librdkafka 2.15.1 with zstd"
fi

# ---- 3. JavaScript clients (pinned in clients/node/package.json) -------------------------
"$here/lib/install-node-clients.sh" || die "npm install failed"

# ---- 4. Builds: sarama driver (Go, GOPATH mode on Debian's sources), Confluent.Kafka driver, broker
# wants PREFIX: some selected client's name starts with PREFIX (every client when none is selected).
wants() { [ -z "${COMPAT_CLIENTS:-}" ] || [[ " $COMPAT_CLIENTS" == *" $1"* ]]; }
if wants sarama; then
  (cd clients/go && GO111MODULE=off GOPATH=$PWD:/usr/share/gocode GOCACHE=$deps/go-cache \
    flock "$lock" go build -o "$deps/bin/saramacompat" saramacompat) >"$deps/logs/go-build.log" 2>&1 \
    || { grep -v warning "$deps/logs/go-build.log" | tail -20; die "sarama driver build failed"; }
fi
if wants confluent-kafka-dotnet; then
  flock "$lock" dotnet build clients/dotnet/ConfluentCompat.csproj -c Release -nologo -clp:ErrorsOnly -o "$deps/dotnet" \
    >"$deps/logs/dotnet-build.log" 2>&1 || { tail -20 "$deps/logs/dotnet-build.log"; die "Confluent.Kafka driver build failed"; }
fi
broker_dll=${COMPAT_BROKER_DLL:-$root/src/KafkaCompat.Server/bin/Release/net10.0/kafkacompat.dll}
if [ "${COMPAT_SKIP_BROKER_BUILD:-0}" != 1 ] && [ -z "${COMPAT_BROKER_DLL:-}" ]; then
  say "building the broker"
  (cd "$root" && flock "$lock" dotnet build KafkaCompat.sln -c Release -nologo -clp:ErrorsOnly) >"$deps/logs/broker-build.log" 2>&1 \
    || { tail -20 "$deps/logs/broker-build.log"; die "broker build failed"; }
fi
[ -f "$broker_dll" ] || die "no broker at $broker_dll"
say "installs and builds took $(($(date +%s) - started_at)) s"

# ---- 5. Brokers ------------------------------------------------------------------------
broker_pids=()
data_dirs=()
stop_brokers() {
  for pid in "${broker_pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || continue
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
  done
  broker_pids=()
  for d in "${data_dirs[@]}"; do rm -rf "$d"; done
}
trap stop_brokers EXIT
trap 'exit 130' INT TERM

free_port() { /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# start_broker NAME OVERRIDE... : starts a broker (not in a subshell, so its pid is recorded for
# stop_brokers) and sets $bootstrap once it says it started.
start_broker() {
  local name=$1 port data log pid; shift
  port=$(free_port)
  data=$(mktemp -d "${TMPDIR:-/tmp}/kafkacompat-$name.XXXXXX")
  log=$deps/logs/broker-$name.log
  data_dirs+=("$data")
  local args=(--override "listeners=PLAINTEXT://127.0.0.1:$port" --override "log.dirs=$data")
  for o in "$@"; do args+=(--override "$o"); done
  dotnet "$broker_dll" "${args[@]}" >"$log" 2>&1 &
  pid=$!
  broker_pids+=("$pid")
  for _ in $(seq 300); do
    if grep -q "KafkaCompat node 1 .*started" "$log"; then bootstrap=127.0.0.1:$port; return 0; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  tail -20 "$log" >&2
  return 1
}
# Main broker: 2 MiB records (scenario 5), auto-created topics with 3 partitions (kcat's scenario 2),
# no 3 s wait before a new group's first rebalance (scenario 7; Kafka's own test setups do the same),
# KIP-848 sessions of 6 s with heartbeats every 0.5 s (a killed member's partitions move within a case).
start_broker main message.max.bytes=2097152 num.partitions=3 group.initial.rebalance.delay.ms=0 \
  group.consumer.min.session.timeout.ms=6000 group.consumer.session.timeout.ms=6000 \
  group.consumer.min.heartbeat.interval.ms=500 group.consumer.heartbeat.interval.ms=500 || die "the main broker did not start"
main_bootstrap=$bootstrap
start_broker strict auto.create.topics.enable=false || die "the strict broker did not start"
strict_bootstrap=$bootstrap
say "brokers at $main_bootstrap (main) and $strict_bootstrap (auto-create off); logs in $deps/logs"

# ---- 6. Clients: name | command. Each runs every case of scenarios.json. ----------------
clients=(
  "confluent-kafka-dotnet|dotnet $deps/dotnet/ConfluentCompat.dll"
  "kcat-librdkafka-2.0.2|/usr/bin/python3 clients/python/kcat_driver.py"
  "kcat-librdkafka-2.15.1|env LD_LIBRARY_PATH=$deps/librdkafka /usr/bin/python3 clients/python/kcat_driver.py"
  "confluent-kafka-python|/usr/bin/python3 clients/python/confluent_python.py"
  "confluent-kafka-python-librdkafka-2.15.1|env LD_LIBRARY_PATH=$deps/librdkafka /usr/bin/python3 clients/python/confluent_python.py"
  "kafka-python|/usr/bin/python3 clients/python/kafka_python_driver.py"
  "kafka-python-api-0.10.1|env KAFKA_PYTHON_API_VERSION=0.10.1 /usr/bin/python3 clients/python/kafka_python_driver.py"
  "kafka-python-api-0.11|env KAFKA_PYTHON_API_VERSION=0.11 /usr/bin/python3 clients/python/kafka_python_driver.py"
  "kafkajs|node clients/node/kafkajs.mjs"
  "platformatic-kafka|node clients/node/platformatic.mjs"
  "sarama|$deps/bin/saramacompat"
  "sarama-default-version|env SARAMA_DEFAULT_VERSION=1 $deps/bin/saramacompat"
  "kafka-node|node clients/node/kafka-node.mjs"
)
if [ -n "${COMPAT_CLIENTS:-}" ]; then
  chosen=()
  for entry in "${clients[@]}"; do
    [[ " $COMPAT_CLIENTS " == *" ${entry%%|*} "* ]] && chosen+=("$entry")
  done
  ((${#chosen[@]})) || die "COMPAT_CLIENTS=$COMPAT_CLIENTS names no client"
  clients=("${chosen[@]}")
fi
raw=$deps/results.jsonl
exits=$deps/exits.txt
: >"$raw"
: >"$exits"
export COMPAT_BOOTSTRAP=$main_bootstrap COMPAT_STRICT_BOOTSTRAP=$strict_bootstrap COMPAT_SCENARIOS=$here/scenarios.json \
  COMPAT_RESULTS=$raw COMPAT_RUN_ID=$(date +%s) COMPAT_CASE_TIMEOUT_S=60 COMPAT_NODE_MODULES=$deps/node \
  COMPAT_LIBRDKAFKA=$librdkafka SARAMA_VERSION=$(dpkg-query -W -f='${Version}' golang-github-shopify-sarama-dev | sed 's/-[^-]*$//')
for entry in "${clients[@]}"; do
  name=${entry%%|*}
  command=${entry#*|}
  say "running $name"
  # shellcheck disable=SC2086 # the command is a word list on purpose
  COMPAT_CLIENT=$name timeout -k 10 600 env -u LD_LIBRARY_PATH $command 2>"$deps/logs/client-$name.log"
  code=$?
  grep -E '^  ' "$deps/logs/client-$name.log" | grep -v ': pass *$' >&2
  echo "$name $code" >>"$exits"
done
stop_brokers

# ---- 7. Report ---------------------------------------------------------------------------
broker_checkout=$(dirname "$broker_dll")   # git finds the checkout the broker was built in
commit=$(git -C "$broker_checkout" rev-parse --short HEAD 2>/dev/null || echo unknown)
git -C "$broker_checkout" diff --quiet HEAD -- "$(git -C "$broker_checkout" rev-parse --show-toplevel 2>/dev/null)/src" 2>/dev/null || commit="$commit+local changes"
# A run of selected clients reports beside the logs: RESULTS.md stays the matrix of a whole run.
report=$here
[ -n "${COMPAT_CLIENTS:-}" ] && report=$deps
/usr/bin/python3 lib/report.py --raw "$raw" --exits "$exits" --scenarios scenarios.json --commit "$commit" \
  --seconds $(($(date +%s) - started_at)) --json "$report/results.json" --markdown "$report/RESULTS.md"
