#!/bin/bash
# Re-capture every golden request frame.  See README.md in this folder.
#
#   tools/golden-capture/capture-all.sh [OUT_DIR]
#
# OUT_DIR defaults to tests/KafkaCompat.Protocol.Tests/Golden.  Each capture
# starts its own capture.py on PORT (default 19092), runs one client, then stops
# the server.  Needs kcat, /usr/bin/python3 with python3-kafka and codecs, and
# the npm packages under tools/golden-capture/.deps (see README.md).
# CAPTURE_ONLY="section..." re-captures only those sections (librdkafka-2.0.2,
# librdkafka-2.15.1, kafkajs, kafka-python, platformatic, kafka-node,
# sarama-default, kafka-python-0.10.1) and replaces only their frames.
set -u
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
OUT="${1:-$ROOT/tests/KafkaCompat.Protocol.Tests/Golden}"
PORT="${PORT:-19092}"
BOOT="127.0.0.1:$PORT"
PY=/usr/bin/python3
RDKAFKA_2151="$HERE/.deps/node_modules/@confluentinc/kafka-javascript/build/deps"
LOGDIR="${LOGDIR:-$HERE/.deps/logs}"
mkdir -p "$OUT" "$LOGDIR"
FAILED=()

# want SECTION: the section is to be captured.
want() { [ -z "${CAPTURE_ONLY:-}" ] || [[ " $CAPTURE_ONLY " == *" $1 "* ]]; }

SERVER_PID=
start_server() { # label [capture.py options...]
  local label="$1"; shift
  # A partial capture replaces this label's frames only (API names start upper case, so
  # "kafka-python-2.0.2-" does not reach "kafka-python-2.0.2-api0.10.1-...").
  [ -n "${CAPTURE_ONLY:-}" ] && rm -f "$OUT/$label-"[A-Z]*.hex
  "$PY" "$HERE/capture.py" "$PORT" --out "$OUT" --client "$label" \
      --log "$LOGDIR/requests.jsonl" "$@" 2>>"$LOGDIR/$label.server.log" &
  SERVER_PID=$!
  for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "capture server for $label did not start" >&2
  return 1
}
stop_server() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  SERVER_PID=
}
run() { # label command... (fails are reported, not fatal)
  local label="$1"; shift
  echo "== $label: $*" >&2
  if ! timeout 90 "$@" >>"$LOGDIR/$label.client.log" 2>&1; then
    echo "!! $label failed (see $LOGDIR/$label.client.log)" >&2
    FAILED+=("$label")
  fi
}

rm -f "$LOGDIR"/*.log "$LOGDIR/requests.jsonl"
[ -z "${CAPTURE_ONLY:-}" ] && rm -f "$OUT"/*.hex

# --- kcat on librdkafka 2.0.2 (Debian) --------------------------------------
if want librdkafka-2.0.2; then
L=librdkafka-2.0.2
start_server "$L" && {
  run "$L" "$HERE/drive_kcat.sh" produce "$BOOT"
  run "$L" "$HERE/drive_kcat.sh" join "$BOOT" "$OUT/$L-JoinGroup-v5.hex"
  stop_server; }
# ApiVersions fallback: serve ApiVersions only up to v2, so the v3 request gets
# error 35 and librdkafka retries with v0.
start_server "$L-avfallback" --apiversions-max 2 --only ApiVersions && {
  run "$L-avfallback" "$HERE/drive_kcat.sh" produce "$BOOT"; stop_server; }
for z in gzip snappy lz4 zstd; do
  start_server "$L-$z" --only Produce && { run "$L-$z" "$HERE/drive_kcat.sh" produce "$BOOT" -z "$z"; stop_server; }
done
fi

# --- kcat on librdkafka 2.15.1 (built by @confluentinc/kafka-javascript) -----
if want librdkafka-2.15.1; then
L=librdkafka-2.15.1
if [ -e "$RDKAFKA_2151/librdkafka.so.1" ]; then
  start_server "$L" && {
    run "$L" env RDKAFKA_LIB="$RDKAFKA_2151" "$HERE/drive_kcat.sh" produce "$BOOT"
    run "$L" env RDKAFKA_LIB="$RDKAFKA_2151" "$HERE/drive_kcat.sh" join "$BOOT" "$OUT/$L-JoinGroup-v5.hex"
    stop_server; }
  for z in gzip snappy lz4; do   # this build has no zstd
    start_server "$L-$z" --only Produce && { run "$L-$z" env RDKAFKA_LIB="$RDKAFKA_2151" "$HERE/drive_kcat.sh" produce "$BOOT" -z "$z"; stop_server; }
  done
else
  echo "!! librdkafka 2.15.1 not built: skipping" >&2; FAILED+=("$L")
fi
fi

# --- kafkajs 2.2.4 -----------------------------------------------------------
if want kafkajs; then
L=kafkajs-2.2.4
start_server "$L" && {
  run "$L" node "$HERE/drive_kafkajs.js" produce "$BOOT"
  run "$L" node "$HERE/drive_kafkajs.js" join "$BOOT" "$OUT/$L-JoinGroup-v5.hex"
  stop_server; }
fi

# --- kafka-python 2.0.2 ------------------------------------------------------
if want kafka-python; then
L=kafka-python-2.0.2
start_server "$L" && {
  run "$L" "$PY" "$HERE/drive_kafka_python.py" produce "$BOOT" none
  run "$L" "$PY" "$HERE/drive_kafka_python.py" join "$BOOT" "$OUT/$L-JoinGroup-v2.hex"
  stop_server; }
for z in gzip snappy lz4 zstd; do
  start_server "$L-$z" --only Produce && { run "$L-$z" "$PY" "$HERE/drive_kafka_python.py" produce "$BOOT" "$z"; stop_server; }
done
# Pinned to old brokers: legacy message sets (0.9: Produce v1, magic 0; 0.10.1: Produce v2, magic 1).
for api in 0.9 0.10.1; do
  for z in none gzip snappy lz4; do
    start_server "$L-api$api-$z" --only Produce && { run "$L-api$api-$z" "$PY" "$HERE/drive_kafka_python.py" produce-pinned "$BOOT" "$api" "$z"; stop_server; }
  done
done
fi

# --- @platformatic/kafka 1.35.0 ----------------------------------------------
if want platformatic; then
L=platformatic-kafka-1.35.0
start_server "$L" --api JoinGroup=0-9 --api FindCoordinator=0-6 --api SyncGroup=0-5 \
    --api Heartbeat=0-4 --api LeaveGroup=0-5 --api OffsetFetch=0-9 --api OffsetCommit=0-9 && {
  run "$L" node "$HERE/drive_platformatic.mjs" produce "$BOOT"
  run "$L" node "$HERE/drive_platformatic.mjs" join "$BOOT" "$OUT/$L-JoinGroup-v9.hex"
  stop_server; }
# Produce v11 (advertise Produce 0-11)
start_server "$L-p11" --api Produce=0-11 --only Produce && {
  run "$L-p11" node "$HERE/drive_platformatic.mjs" produce "$BOOT"; stop_server; }
fi

# --- kafka-node 5.0.0 (old: ApiVersions v0, then Produce v2 with magic 1) -----
L=kafka-node-5.0.0
if want kafka-node; then
start_server "$L" && {
  run "$L" node "$HERE/drive_kafka_node.js" produce "$BOOT" none
  run "$L" node "$HERE/drive_kafka_node.js" join "$BOOT" "$OUT/$L-JoinGroup-v0.hex"
  stop_server; }
for z in gzip snappy; do   # kafka-node has no lz4 or zstd
  start_server "$L-$z" --only Produce && { run "$L-$z" node "$HERE/drive_kafka_node.js" produce "$BOOT" "$z"; stop_server; }
done
fi

# --- sarama 1.22.1 at its default Config.Version (V0_8_2_0: Produce v0, magic 0)
L=sarama-1.22.1-default
SARAMA_BIN="$HERE/.deps/bin/drivesarama"
if want sarama-default; then
if (cd "$HERE/go" && GO111MODULE=off GOPATH="$PWD:/usr/share/gocode" GOCACHE="$HERE/.deps/go-cache" \
    go build -o "$SARAMA_BIN" drivesarama) >>"$LOGDIR/$L.build.log" 2>&1; then
  start_server "$L" && {
    run "$L" "$SARAMA_BIN" produce "$BOOT" none
    run "$L" "$SARAMA_BIN" offsets "$BOOT" "$OUT/$L-OffsetFetch-v1.hex"
    stop_server; }
  for z in gzip snappy; do   # sarama refuses lz4 below V0_10_0_0 and zstd below V2_1_0_0
    start_server "$L-$z" --only Produce && { run "$L-$z" "$SARAMA_BIN" produce "$BOOT" "$z"; stop_server; }
  done
else
  echo "!! the sarama driver did not build (see $LOGDIR/$L.build.log)" >&2; FAILED+=("$L")
fi
fi

# --- kafka-python 2.0.2 pinned to api_version (0, 10, 1): its group requests ---
L=kafka-python-2.0.2-api0.10.1
if want kafka-python-0.10.1; then
start_server "$L" && {
  run "$L" "$PY" "$HERE/drive_kafka_python.py" join-pinned "$BOOT" 0.10.1 "$OUT/$L-JoinGroup-v1.hex"
  stop_server; }
fi

# --- golden.json -------------------------------------------------------------
"$PY" "$HERE/make_golden_json.py" "$OUT" || FAILED+=("golden.json")
"$PY" "$HERE/verify_golden.py" "$OUT" >"$LOGDIR/verify.log" || { cat "$LOGDIR/verify.log" >&2; FAILED+=("verify"); }

if [ ${#FAILED[@]} -gt 0 ]; then
  echo "failed: ${FAILED[*]}" >&2
  exit 1
fi
echo "all captures done: $OUT" >&2
