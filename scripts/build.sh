#!/bin/sh
# Builds tundra into ${BUILD:-build}; the binary is build/tundra. Assumes install-deps.sh ran.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo ${CMAKE_ARGS:-}
cmake --build "$BUILD"
