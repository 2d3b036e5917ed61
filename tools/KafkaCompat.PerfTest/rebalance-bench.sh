#!/usr/bin/env bash
# Rebalance time of a group on 100 partitions, 3 <-> 4 members: KIP-848 (group.protocol=consumer,
# the broker's uniform assignor) next to the classic protocol (cooperative-sticky and eager range)
# against one fresh broker (BROKER_OVERRIDES="--override name=value ..." adds broker settings). Run from the repository root after a Release build; results go to docs/performance.md.
set -euo pipefail
bs=127.0.0.1:${PORT:-19392}
data=$(mktemp -d)
PERF="dotnet tools/KafkaCompat.PerfTest/bin/Release/net10.0/kafkacompat-perf.dll"
dotnet src/KafkaCompat.Server/bin/Release/net10.0/kafkacompat.dll --override listeners=PLAINTEXT://$bs --override log.dirs=$data ${BROKER_OVERRIDES:-} > $data.log 2>&1 &
broker=$!
trap 'kill $broker; wait $broker 2>/dev/null; rm -rf $data $data.log' EXIT
sleep 3
ROUNDS=${ROUNDS:-5}
$PERF rebalance --bootstrap-server $bs --topic rebalance100 --rounds $ROUNDS --group-protocol consumer | tail -1
$PERF rebalance --bootstrap-server $bs --topic rebalance100 --rounds $ROUNDS --group-protocol classic --assignment-strategy cooperative-sticky | tail -1
$PERF rebalance --bootstrap-server $bs --topic rebalance100 --rounds $ROUNDS --group-protocol classic --assignment-strategy range | tail -1
