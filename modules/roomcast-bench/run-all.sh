#!/usr/bin/env bash
# Runs every benchmark of docs/performance.md in turn and writes what they print to
# target/bench-results.txt (about 20 minutes; SideBySide alone: about 8). Run from the repository's root, on a quiet machine:
#   bash modules/roomcast-bench/run-all.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
mvn -B -q -pl modules/roomcast-bench -am package -DskipTests -Droomcast.js.skip=true -Droomcast.browser.skip=true
OUT=target/bench-results.txt
mkdir -p target
: > "$OUT"
JAR=modules/roomcast-bench/target/roomcast-bench.jar
run() { # one benchmark: its command line, the load average, then its output
  echo "### $* ($(date -u +%H:%M:%S), load average $(cut -d' ' -f1-3 /proc/loadavg))" | tee -a "$OUT"
  "$@" 2>&1 | tee -a "$OUT"
  echo | tee -a "$OUT"
}
FAN="java -cp $JAR io.roomcast.bench.FanoutBench"
run $FAN --rooms 1 --subscribers 1000 --rate 1000
run $FAN --rooms 1 --subscribers 1000 --rate 1000 --env ROOMCAST_OUTBOUND_WRITE_DELAY=5ms
run $FAN --nodes 2 --rooms 10 --subscribers 1000 --rate 2000
run $FAN --nodes 2 --rooms 10 --subscribers 1000 --rate 10000
run $FAN --nodes 2 --rooms 10 --subscribers 1000 --rate 10000 --env ROOMCAST_OUTBOUND_WRITE_DELAY=5ms
run $FAN --rooms 1 --subscribers 1000 --rate 500
run $FAN --rooms 1 --subscribers 1000 --rate 500 --stalled 0.1
run $FAN --rooms 1 --subscribers 1000 --rate 500 --stalled 0.1 --env ROOMCAST_OUTBOUND_SLOW_CONSUMER=drop-oldest
run java -cp $JAR io.roomcast.bench.IdleBench --steps 5000,10000,19000
run java -cp $JAR io.roomcast.bench.IdleBench --nodes 6 --steps 100000
run java -cp $JAR io.roomcast.bench.SideBySide
run java -jar $JAR -rf text -rff target/jmh.txt
