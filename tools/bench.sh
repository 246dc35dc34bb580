#!/usr/bin/env bash
# The benchmark of issue #7 in one command: installs what is missing (wrk among it), builds in
# Release in build-release/, then measures the reference runtime and workerd side by side
# (tools/bench/bench.py) and writes bench-results/latest.md and latest.json (and a dated copy).
# Extra arguments go to bench.py, e.g. --seconds 5, --only fetch, --reference-threads 1.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
build="${BENCH_BUILD_DIR:-$root/build-release}"
"$root/tools/install-deps.sh"
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
# nice: the machine may be shared; two jobs: a Beast translation unit takes over 1 GiB.
nice cmake --build "$build" --parallel "${BUILD_JOBS:-2}" \
  --target do-reference do-conformance do-bench-ws
# 10,000 sockets on both ends of the RSS cell need more than the usual 1,024 descriptors.
ulimit -n "$(ulimit -Hn)"
exec python3 "$root/tools/bench/bench.py" --build-dir "$build" "$@"
