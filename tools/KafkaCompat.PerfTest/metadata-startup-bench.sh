#!/usr/bin/env bash
# Start-up time of a single-node server whose metadata log holds RECORDS (100,000) topic config
# changes, with and without a snapshot. The log is filled once through the admin API
# (kafkacompat-perf metadata-load) with snapshots off (metadata.log.max.record.bytes.between.snapshots
# huge, metadata.log.max.snapshot.interval.ms 0) and copied; the copy is started once untimed with
# SNAPSHOT_BYTES (1 MiB) between snapshots, so that it writes them from what it replays. Each is
# then started RUNS (3) times with its settings, timed from the process's start to the "started"
# line of its log. Run from the repository root after a Release build; results go to docs/performance.md.
set -euo pipefail
bs=127.0.0.1:${PORT:-19393}
RECORDS=${RECORDS:-100000}
RUNS=${RUNS:-3}
SERVER="dotnet src/KafkaCompat.Server/bin/Release/net10.0/kafkacompat.dll"
PERF="dotnet tools/KafkaCompat.PerfTest/bin/Release/net10.0/kafkacompat-perf.dll"
root=$(mktemp -d)
broker=
trap '[ -n "$broker" ] && kill $broker 2>/dev/null; rm -rf $root' EXIT

start() { # variant, log file; returns once the log says "started"
  set -- $1 $2 ${settings[$1]}
  $SERVER --override listeners=PLAINTEXT://$bs --override log.dirs=$root/$1 \
    --override metadata.log.max.record.bytes.between.snapshots=$3 \
    --override metadata.log.max.snapshot.interval.ms=$4 > $2 2>&1 &
  broker=$!
  until grep -qs "started:" $2; do sleep 0.01; done
}
stop() { kill $broker; wait $broker 2>/dev/null || true; broker=; }
describe() {
  meta=$root/$1/__cluster_metadata-0
  echo "$1: metadata log $(du -sh $meta | cut -f1), $(ls $meta/*.log | wc -l) segment(s), $(ls $meta/*.checkpoint 2>/dev/null | wc -l) snapshot(s) $(ls $meta/*.checkpoint 2>/dev/null | xargs -rn1 basename | tail -1)"
}

declare -A settings=([no-snapshot]="1000000000000000 0" [snapshot]="${SNAPSHOT_BYTES:-1048576} 3600000")
start no-snapshot $root/load.log
echo "load: $($PERF metadata-load --bootstrap-server $bs --topic cfg --num-records $RECORDS | tail -1)"
stop
cp -a $root/no-snapshot $root/snapshot
start snapshot $root/prime.log
stop
for variant in no-snapshot snapshot; do
  describe $variant
  for run in $(seq $RUNS); do
    t0=$(date +%s%N)
    start $variant $root/$variant-$run.log
    t1=$(date +%s%N)
    stop
    echo "$variant: start-up $(( (t1 - t0) / 1000000 )) ms"
  done
done
