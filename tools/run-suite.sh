#!/usr/bin/env bash
# The main job: installs what is missing, builds, runs the whole suite against the reference
# runtime (started as a child on a loopback port) and writes the reports to
# do-conformance-reports/. Extra arguments go to `do-conformance run`, e.g. --target workerd.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/tools/install-deps.sh"
"$root/tools/build.sh"
exec "${BUILD_DIR:-$root/build}/bin/do-conformance" run --report-dir "$root/do-conformance-reports" "$@"
