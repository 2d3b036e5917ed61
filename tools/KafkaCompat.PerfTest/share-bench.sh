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
# librdkafka's "share consumer is in Preview" warning goes to stderr, dropped; a failed run prints its reason on stdout.
for round in ${ROUNDS_LIST:-1}; do
  echo "round $round classic, 1 partition:  $($PERF consume --bootstrap-server $bs --topic share1 --num-records $records --record-size 100 2>/dev/null | tail -1)"
  echo "round $round share 1 consumer, 1 partition:  $($PERF share --bootstrap-server $bs --topic share1 --partitions 1 --consumers 1 --num-records $records --record-size 100 2>/dev/null | tail -1)"
  echo "round $round share 3 consumers, 1 partition: $($PERF share --bootstrap-server $bs --topic share1 --partitions 1 --consumers 3 --num-records $records --record-size 100 2>/dev/null | tail -1)"
  echo "round $round classic, 3 partitions: $($PERF consume --bootstrap-server $bs --topic share3 --num-records $records --record-size 100 2>/dev/null | tail -1)"
  echo "round $round share 3 consumers, 3 partitions: $($PERF share --bootstrap-server $bs --topic share3 --partitions 3 --consumers 3 --num-records $records --record-size 100 2>/dev/null | tail -1)"
done
