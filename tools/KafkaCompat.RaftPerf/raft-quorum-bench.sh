#!/usr/bin/env bash
# KRaft quorum timings (issue 12) with three voters over loopback TCP in one process: commit latency
# at controller.quorum.append.linger.ms 25 (Kafka's default) and 0, one append at a time and in
# bursts; election time after the leader is killed and after it resigns. Run from the repository
# root after a Release build; results go to docs/performance.md.
set -euo pipefail
R="dotnet tools/KafkaCompat.RaftPerf/bin/Release/net10.0/kafkacompat-raftperf.dll"
SEQ=${SEQ:-200}
BURSTS=${BURSTS:-3000}
ROUNDS=${ROUNDS:-20}
for linger in 25 0; do
  $R commit --linger-ms $linger --appends $SEQ --burst 1
  $R commit --linger-ms $linger --appends $BURSTS --burst 100
done
$R elect --rounds $ROUNDS | tail -1
$R elect --rounds $ROUNDS --graceful | tail -1
