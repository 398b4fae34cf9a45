#!/bin/sh
# Builds tundra and runs every test (unit tests, pcap fixtures, the allocation check).
# Assumes install-deps.sh ran. BUILD and CMAKE_ARGS select another build (e.g. sanitizers).
set -eu
cd "$(dirname "$0")/.."
scripts/build.sh
ctest --test-dir "${BUILD:-build}" --output-on-failure -j"$(nproc)"
