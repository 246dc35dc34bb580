#!/usr/bin/env bash
# Checks the do-conformance command line as a user meets it: exit codes, and messages that name
# what is wrong. Usage: cli_test.sh PATH/TO/do-conformance WORK_DIR
set -uo pipefail

cli="$1"
work="$2"
here="$(cd "$(dirname "$0")" && pwd)"
rm -rf "$work" && mkdir -p "$work"
failures=0

expect_exit() {  # NAME WANTED_CODE COMMAND...
  local name="$1" wanted="$2"
  shift 2
  "$@" >"$work/$name.out" 2>&1
  local code=$?
  if [[ "$code" != "$wanted" ]]; then
    echo "FAIL $name: exit code $code, wanted $wanted; output:"
    sed 's/^/    /' "$work/$name.out"
    failures=$((failures + 1))
  else
    echo "ok   $name (exit $code)"
  fi
}

expect_output() {  # NAME REGEX
  if ! grep -Eq -- "$2" "$work/$1.out"; then
    echo "FAIL $1: output lacks /$2/; output:"
    sed 's/^/    /' "$work/$1.out"
    failures=$((failures + 1))
  fi
}

expect_exit version 0 "$cli" --version
expect_output version '^do-conformance [0-9]+\.[0-9]+\.[0-9]+'

expect_exit list 0 "$cli" run --list --filter 'fetch/hello*'
expect_output list '^fetch/hello\[2026-11-24\]$'

expect_exit malformed-scenario 2 "$cli" run --scenarios "$here/testdata/malformed" \
  --report-dir "$work/malformed"
expect_output malformed-scenario "bad-step\.yaml:3: field 'steps\[0\]\.fetch\.path': is required"

expect_exit nothing-selected 4 "$cli" run --filter 'no/such/scenario' --report-dir "$work/none"
expect_exit empty-folder 4 "$cli" run --scenarios "$here/testdata/empty" --report-dir "$work/e"

# Port 1 on loopback: nothing listens there, so the target is unreachable.
expect_exit unreachable 3 "$cli" run --target http://127.0.0.1:1 --filter 'fetch/hello*' \
  --report-dir "$work/unreachable"
expect_output unreachable 'unreachable'

expect_exit bad-target 2 "$cli" run --target ftp://example --report-dir "$work/bad"
expect_exit unknown-option 2 "$cli" run --no-such-option

# A broken reference binary: the harness says the target could not start, with exit code 3.
expect_exit target-fails-to-start 3 "$cli" run --reference-binary /bin/false \
  --filter 'fetch/hello*' --report-dir "$work/false"
expect_output target-fails-to-start 'exited before it was ready'

# The reports of a real run exist and name every result.
expect_exit reports 0 "$cli" run --filter 'fetch/*' --report-dir "$work/reports"
for report in report.json junit.xml; do
  if [[ ! -s "$work/reports/$report" ]]; then
    echo "FAIL reports: $report was not written"
    failures=$((failures + 1))
  fi
done
expect_output reports '^do-conformance: [0-9]+ passed, 0 failed'

if ((failures > 0)); then
  echo "cli_test: $failures checks failed"
  exit 1
fi
echo "cli_test: every check passed"
