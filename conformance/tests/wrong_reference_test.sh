#!/usr/bin/env bash
# The alarm scenarios must catch a runtime that gets the retry policy wrong. Starts the reference
# with a test-only switch that breaks one rule at a time and checks, end to end, that the
# scenarios about that rule fail while the run as a whole says so (exit code 1).
# Usage: wrong_reference_test.sh PATH/TO/do-conformance WORK_DIR
set -uo pipefail

cli="$1"
work="$2"
rm -rf "$work" && mkdir -p "$work"

# NAME REFERENCE_ARGUMENT RESULT_THAT_MUST_FAIL...
cases=(
  "first-retry-after-1s|--test-first-retry-ms=1000|alarm/retry-chain alarm/retry-then-success"
  "first-retry-after-3s|--test-first-retry-ms=3000|alarm/retry-chain alarm/retry-then-success"
  "jitter-of-50-percent|--test-jitter-fraction=0.5|alarm/retry-chain alarm/retry-then-success"
  "five-retries|--test-max-retries=5|alarm/retry-chain"
  "seven-retries|--test-max-retries=7|alarm/retry-chain"
)

for entry in "${cases[@]}"; do
  IFS='|' read -r name argument _ <<<"$entry"
  # The cases run at once: each takes as long as the retry chain (about 30 s at scale 0.1).
  "$cli" run --filter 'alarm/retry-*' --reference-arg="$argument" --jobs 2 \
    --report-dir "$work/$name" >"$work/$name.out" 2>&1 &
done
wait

failures=0
for entry in "${cases[@]}"; do
  IFS='|' read -r name argument must_fail <<<"$entry"
  out="$work/$name.out"
  if ! grep -q '^do-conformance: [0-9]* passed, [1-9][0-9]* failed' "$out"; then
    echo "FAIL $name ($argument): the run did not report failures:"
    sed 's/^/    /' "$out"
    failures=$((failures + 1))
    continue
  fi
  for result in $must_fail; do
    if ! grep -Eq "\] (FAIL|TIMEOUT) ${result//\//\\/}\[" "$out"; then
      echo "FAIL $name ($argument): $result did not fail:"
      sed 's/^/    /' "$out"
      failures=$((failures + 1))
    fi
  done
  echo "ok   $name: $(grep -E '\] (FAIL|TIMEOUT) ' "$out" | sed 's/.*\] //' | tr '\n' ' ')"
done

if ((failures > 0)); then
  echo "wrong_reference_test: $failures checks failed"
  exit 1
fi
echo "wrong_reference_test: every wrong reference was caught"
