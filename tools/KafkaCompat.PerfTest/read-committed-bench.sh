#!/bin/bash
# read_committed vs read_uncommitted, alternating, on topics written in transactions.
set -e
cd "$(dirname "$0")/../.."
PERF="dotnet tools/KafkaCompat.PerfTest/bin/Release/net10.0/kafkacompat-perf.dll"
port=19611; bs=127.0.0.1:$port; data=$(mktemp -d /tmp/rc-bench-XXXX)
dotnet src/KafkaCompat.Server/bin/Release/net10.0/kafkacompat.dll --override listeners=PLAINTEXT://$bs --override log.dirs=$data > $data.log 2>&1 &
pid=$!; sleep 3
$PERF produce --bootstrap-server $bs --topic tx10k --num-records 200000 --acks all --transactional-id perf-10k --transaction-records 10000 | tail -1
$PERF produce --bootstrap-server $bs --topic tx100 --num-records 200000 --acks all --transactional-id perf-100 --transaction-records 100 | tail -1
for round in 1 2 3 4 5 6; do
  for topic in tx10k tx100; do
    # Odd rounds read committed first, even rounds uncommitted first: a place in the round counts for neither.
    order="read_committed read_uncommitted"; [ $((round % 2)) = 0 ] && order="read_uncommitted read_committed"
    for iso in $order; do
      echo "$round $topic $iso $($PERF consume --bootstrap-server $bs --topic $topic --num-records 200000 --isolation-level $iso | tail -1)"
    done
  done
done
kill $pid; wait $pid 2>/dev/null || true; rm -rf $data $data.log
