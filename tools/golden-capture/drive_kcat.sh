#!/bin/bash
# kcat driver for the golden capture.
#
#   drive_kcat.sh produce BOOTSTRAP [extra kcat args, e.g. -z gzip]
#   drive_kcat.sh join    BOOTSTRAP WAIT_FILE
#
# Set RDKAFKA_LIB to a folder holding librdkafka.so.1 to run kcat on that
# librdkafka (e.g. the 2.15.1 build of @confluentinc/kafka-javascript);
# otherwise Debian's librdkafka 2.0.2 is used.
#
# produce: three records, key:value one per line (key-1:value-1,
#   key-2:value-2, key-3:value-3), to topic "golden" partition 0, every record
#   with the headers hk=hv then h2=v2 (kcat's -H applies to every record),
#   client id "golden-kcat", acks=all (-1), request.timeout.ms=30000 (the
#   Produce timeout), linger.ms=200 so that the three records go in one batch.
# join: balanced consumer (kcat -G) in group "golden-group" on topic "golden",
#   client id "golden-kcat", session.timeout.ms=10000; the capture server never
#   answers JoinGroup, so kcat is stopped as soon as WAIT_FILE (the captured
#   JoinGroup frame) exists, or after 60 s.
set -eu
MODE="$1"; BOOT="$2"; shift 2
if [ -n "${RDKAFKA_LIB:-}" ]; then export LD_LIBRARY_PATH="$RDKAFKA_LIB"; fi
kcat -V 2>&1 | grep -i '^Version' >&2
case "$MODE" in
produce)
  printf 'key-1:value-1\nkey-2:value-2\nkey-3:value-3\n' |
    kcat -b "$BOOT" -P -t golden -p 0 -K: -H hk=hv -H h2=v2 \
      -X client.id=golden-kcat -X acks=all -X request.timeout.ms=30000 \
      -X linger.ms=200 "$@"
  ;;
join)
  WAIT_FILE="$1"
  kcat -b "$BOOT" -G golden-group -X client.id=golden-kcat \
    -X session.timeout.ms=10000 golden >/dev/null &
  pid=$!
  for _ in $(seq 300); do
    [ -e "$WAIT_FILE" ] && break
    sleep 0.2
  done
  kill "$pid" 2>/dev/null; sleep 0.5; kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  [ -e "$WAIT_FILE" ]
  ;;
*) echo "usage: drive_kcat.sh produce|join BOOTSTRAP ..." >&2; exit 2 ;;
esac
