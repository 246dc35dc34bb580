#!/usr/bin/env bash
# Configures and builds do-conformance into build/ (or $BUILD_DIR). Two jobs: the machines this
# suite runs on have two cores, and a Beast translation unit takes over 1 GiB to compile.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
build_dir="${BUILD_DIR:-$root/build}"

cmake -S "$root" -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}" >/dev/null
cmake --build "$build_dir" --parallel "${BUILD_JOBS:-2}"
