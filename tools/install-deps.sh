#!/usr/bin/env bash
# Installs what do-conformance needs on a fresh Debian 12 machine, as root; safe to run again.
# Debian packages for the build and the tests, Node.js for the workerd target, and workerd itself
# from npm at the version pinned in tools/workerd/package-lock.json.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"

debian_packages=(
  cmake ninja-build g++ pkg-config clang-format
  libboost1.81-dev           # Beast and Asio; 1.74's coroutines do not build with g++ 12 in C++20
  libcpp-httplib-dev nlohmann-json3-dev libyaml-cpp-dev libsqlite3-dev libsqlitecpp-dev
  libpugixml-dev libcli11-dev libssl-dev libgtest-dev libgmock-dev
  python3-jsonschema libxml2-utils  # The report tests validate JSON and XML with real parsers.
  chromium                   # The HTML report is rendered and checked in a real browser.
  wrk                        # The load generator of tools/bench.sh.
)

missing=()
for package in "${debian_packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi

if ((${#missing[@]} > 0)); then
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps: every Debian package is already installed"
fi

# workerd, its Linux binary and the type checkers, exactly as the lockfile pins them.
lock_stamp="$here/workerd/node_modules/.package-lock.json"
if [[ ! -f "$lock_stamp" || "$here/workerd/package-lock.json" -nt "$lock_stamp" ]]; then
  echo "install-deps: installing workerd from npm (tools/workerd/package-lock.json)"
  npm ci --prefix "$here/workerd" --no-audit --no-fund --loglevel=error
else
  echo "install-deps: tools/workerd/node_modules matches the lockfile"
fi
