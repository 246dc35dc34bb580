#!/usr/bin/env bash
# Every test: installs what is missing, builds, checks formatting, then runs ctest (unit tests,
# the CLI checks, and the whole suite against the reference runtime and against workerd).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
build_dir="${BUILD_DIR:-$root/build}"
"$root/tools/install-deps.sh"
"$root/tools/build.sh"
"$root/tools/check-format.sh"
npm run --prefix "$root/tools/workerd" --silent typecheck
ctest --test-dir "$build_dir" --output-on-failure --timeout 900 -j 2
