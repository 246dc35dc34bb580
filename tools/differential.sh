#!/usr/bin/env bash
# The differential run: the whole suite against the reference runtime and against workerd, then
# the table of every result whose status or normalised trace differs between them
# (do-conformance compare; what is normalised is listed in harness/compare/report_diff.h).
# Writes do-conformance-reports/differential/{reference,workerd}/, differential.md and
# differential.html (both runs side by side).
# Extra arguments go to both runs, e.g. --exclude-tag slow.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cli="${BUILD_DIR:-$root/build}/bin/do-conformance"
out="$root/do-conformance-reports/differential"
mkdir -p "$out"

# Both at once: workerd runs in real time and takes as long as its longest scenario.
"$cli" run --target reference --report-dir "$out/reference" "$@" >"$out/reference.log" 2>&1 &
reference=$!
"$cli" run --target workerd --jobs 32 --report-dir "$out/workerd" \
  --expectations "$root/conformance/expectations/workerd.yaml" "$@" >"$out/workerd.log" 2>&1 &
workerd=$!
status=0
wait "$reference" || status=$?
wait "$workerd" || status=$?
tail -n 1 "$out/reference.log" "$out/workerd.log"

"$cli" compare "$out/reference/report.json" "$out/workerd/report.json" \
  --markdown "$out/differential.md" --html "$out/differential.html"
exit "$status"
