#!/usr/bin/env bash
# Share-group (KIP-932) consume throughput with librdkafka 2.15.1's share consumer, next to the classic
# consumer on the same data in the same run: RECORDS (default 1000000) values of 100 bytes preloaded into
# a 1-partition and a 3-partition topic; 1 share consumer on 1 partition, 3 on 1 partition, 3 on 3
# partitions, each a new share group reading from the start, every record accepted (explicit mode);
# ROUNDS_LIST="1 2 3" repeats the five runs. One fresh release broker on a loopback port with a temporary
# data dir; BROKER_OVERRIDES="--override name=value ..." replaces the default overrides, a 500 ms share
# heartbeat (as the integration tests use) so that all three members hold the partition within a second
# instead of the default 5 s. SERVER=path/kafkacompat.dll runs another build of the broker (a before/after
# comparison). Builds first; run from the repository root; results go to docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/../.."
flock /tmp/kafkacompat-build.lock dotnet build KafkaCompat.sln -c Release -nologo -clp:ErrorsOnly > /dev/null
bs=127.0.0.1:${PORT:-19393}
data=$(mktemp -d)
records=${RECORDS:-1000000}
PERF="dotnet tools/KafkaCompat.PerfTest/bin/Release/net10.0/kafkacompat-perf.dll"
dotnet ${SERVER:-src/KafkaCompat.Server/bin/Release/net10.0/kafkacompat.dll} --override listeners=PLAINTEXT://$bs --override log.dirs=$data \
  ${BROKER_OVERRIDES:---override group.share.heartbeat.interval.ms=500 --override group.share.min.heartbeat.interval.ms=500} > $data.log 2>&1 &
broker=$!
trap 'kill $broker; wait $broker 2>/dev/null; rm -rf $data $data.log' EXIT
sleep 3
for partitions in 1 3; do
  $PERF produce --bootstrap-server $bs --topic share$partitions --partitions $partitions --num-records $records --record-size 100 | tail -1
done
# librdkafka's "share consumer is in Preview" warning goes to stderr, dropped; a failed run prints its reason on
# stdout. Each run also prints the broker's CPU time during it (utime+stime from /proc), less noisy than
# records/s on a shared machine.
ticks=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' /proc/$broker/stat; }
run() {
  local label=$1; shift
  local before=$(cpu) line
  line=$($PERF "$@" --bootstrap-server $bs --num-records $records --record-size 100 2>/dev/null | tail -1)
  echo "round $round $label: $line; broker CPU $(awk -v t=$(( $(cpu) - before )) -v hz=$ticks 'BEGIN { printf "%.2f", t / hz }') s"
}
for round in ${ROUNDS_LIST:-1}; do
  run "classic, 1 partition" consume --topic share1
  run "share 1 consumer, 1 partition" share --topic share1 --partitions 1 --consumers 1
  run "share 3 consumers, 1 partition" share --topic share1 --partitions 1 --consumers 3
  run "classic, 3 partitions" consume --topic share3
  run "share 3 consumers, 3 partitions" share --topic share3 --partitions 3 --consumers 3
done
