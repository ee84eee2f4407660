#!/usr/bin/env bash
# Runs roomcast's fuzz tests in fuzzing mode (Jazzer, coverage-guided) for a while each.
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [Class#method ...]
# Default: 600 seconds for every target below. A finding stops that target with exit code 77 and
# leaves crash-* (the input) in target/fuzz/; copy it to the test's *Inputs/<method>/ folder so the
# normal test run replays it from then on.
set -euo pipefail
seconds=${1:-600}
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(FramesFuzzTest#binaryMessagesDecodeOrAreRefused FramesFuzzTest#jsonMessagesDecodeOrAreRefused
           HandshakeFuzzTest#handshakeHeadersAreJudgedWithoutFailing ForwardedForFuzzTest#forwardedForLinesAreWalkedFromTheRight)
fi
root=$(cd "$(dirname "$0")/.." && pwd)
server=$root/modules/roomcast-server
cd "$root"
# -am: the worktree's own modules, never SNAPSHOTs that another build installed.
mvn -B -q -ntp -pl modules/roomcast-server -am test-compile \
  org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath \
  -Dmdep.outputFile=target/fuzz-classpath.txt -Dmdep.includeScope=test
# A copy of the compiled classes, so a build during a long run cannot change them under the fuzzer.
snapshot=$server/target/fuzz/classes
rm -rf "$snapshot" && mkdir -p "$snapshot"
cp=""
i=0
for entry in "$server/target/test-classes" "$server/target/classes" $(tr ':' ' ' < "$server/target/fuzz-classpath.txt"); do
  if [ -d "$entry" ]; then
    i=$((i + 1)); cp -r "$entry" "$snapshot/$i"; entry=$snapshot/$i
  fi
  cp="${cp:+$cp:}$entry"
done
status=0
for target in "${targets[@]}"; do
  class=${target%%#*}
  method=${target##*#}
  out=$server/target/fuzz/$class/$method
  mkdir -p "$out/corpus"
  echo "== fuzzing $class#$method for ${seconds}s (log: $out/fuzz.log)"
  if (cd "$out" && java -cp "$cp" com.code_intelligence.jazzer.Jazzer \
        --target_class="io.roomcast.server.$class" --target_method="$method" \
        --instrumentation_includes='io.roomcast.**:com.google.protobuf.**' \
        -max_total_time="$seconds" corpus > fuzz.log 2>&1); then
    echo "   no finding: $(grep -E '^Done [0-9]+ runs' "$out/fuzz.log" | tail -1)"
  else
    status=$?
    echo "   FINDING (exit $status):"; grep -A12 '== Java Exception' "$out/fuzz.log" | head -20
  fi
done
exit $status
