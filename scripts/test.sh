#!/bin/sh
# Builds tundra and runs every test (unit tests, pcap fixtures, the allocation check, the
# end-to-end tests CTest knows), then the hardening stages (docs/testing.md, "Sanitizers and
# fuzzing in CI"):
#   sanitize  the unit and fixture suite and the DNS64 end-to-end tests under ASan+UBSan,
#             in one clang build that also holds the fuzz targets
#   tsan      the multi-threaded tests ([concurrency]: the dynamic pool, the data plane)
#             under ThreadSanitizer
#   fuzz      every libFuzzer target for TUNDRA_CI_FUZZ_SECONDS (fuzz/run.sh)
#   static    the shipped artefacts: static amd64/arm64 builds, the arm64 tests under qemu,
#             the container images and their size budget (scripts/test-static.sh)
# Assumes install-deps.sh ran. BUILD and CMAKE_ARGS select another build for the first part.
#
# Switches (environment):
#   TUNDRA_CI_QUICK=1           the normal suite only (no sanitize, tsan, fuzz or static stage)
#   TUNDRA_CI_SANITIZE=0        skip the ASan+UBSan stage (the fuzz stage still builds its tree)
#   TUNDRA_CI_SANITIZE_DNS64=0  the ASan+UBSan stage without the DNS64 end-to-end tests
#   TUNDRA_CI_TSAN=0            skip the TSan stage
#   TUNDRA_CI_FUZZ=0            skip the fuzz stage
#   TUNDRA_CI_STATIC=0          skip the static stage
#   TUNDRA_CI_FUZZ_SECONDS=N    seconds per fuzz target (default 30)
#   TUNDRA_CI_SAN_BUILD=DIR     the ASan+UBSan and fuzz build (default build-san)
#   TUNDRA_CI_TSAN_BUILD=DIR    the TSan build (default build-tsan)
#   TUNDRA_CI_JOBS=N            build and ctest parallelism (default: the number of CPUs)
set -eu
cd "$(dirname "$0")/.."
jobs=${TUNDRA_CI_JOBS:-$(nproc)}

started=$(date +%s)
stage_started=0
summary=""
stage() {  # NAME: prints a banner and remembers when the stage began
  stage_name=$1
  stage_started=$(date +%s)
  echo "==== $stage_name"
}
stage_done() {
  seconds=$(($(date +%s) - stage_started))
  echo "==== $stage_name: $seconds s"
  summary="$summary
  $seconds s  $stage_name"
}
print_summary() {
  echo "==== scripts/test.sh: $(($(date +%s) - started)) s in all$summary"
}

stage "build and test"
scripts/build.sh
ctest --test-dir "${BUILD:-build}" --output-on-failure -j"$jobs"
stage_done

if [ "${TUNDRA_CI_QUICK:-0}" = 1 ]; then
  echo "TUNDRA_CI_QUICK=1: the sanitize, tsan, fuzz and static stages are skipped"
  print_summary
  exit 0
fi

clangxx=clang++-14
command -v "$clangxx" >/dev/null 2>&1 || clangxx=clang++
san=${TUNDRA_CI_SAN_BUILD:-build-san}
tsan=${TUNDRA_CI_TSAN_BUILD:-build-tsan}

# Sanitizer reports fail the test that caused them. The libraries are built with
# -fno-sanitize-recover=all (TUNDRA_SANITIZE); halt_on_error covers anything built without.
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1}"
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}"

if [ "${TUNDRA_CI_SANITIZE:-1}" != 0 ] || [ "${TUNDRA_CI_FUZZ:-1}" != 0 ]; then
  # One clang tree for both: TUNDRA_SANITIZE (ASan+UBSan, no recovery) and TUNDRA_FUZZ
  # (coverage instrumentation, the fuzz targets). Benchmarks are not built.
  stage "sanitize: build ($san)"
  if [ ! -f "$san/CMakeCache.txt" ]; then
    CXX=$clangxx cmake -S . -B "$san" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DTUNDRA_SANITIZE=ON -DTUNDRA_FUZZ=ON -DTUNDRA_TESTS=ON -DTUNDRA_BENCH=OFF >/dev/null
  else
    cmake -S . -B "$san" >/dev/null
  fi
  if [ "${TUNDRA_CI_SANITIZE:-1}" != 0 ]; then
    cmake --build "$san" -j"$jobs"
  fi
  stage_done
fi

if [ "${TUNDRA_CI_SANITIZE:-1}" != 0 ]; then
  stage "sanitize: unit, fixture and DNS64 end-to-end tests under ASan+UBSan"
  # -LE e2e: the root-namespace end-to-end tests stay in the normal build only; the DNS64
  # ones (label dns64) need no root and exercise the server, forwarder and cache.
  ctest --test-dir "$san" --output-on-failure -j"$jobs" -LE e2e
  if [ "${TUNDRA_CI_SANITIZE_DNS64:-1}" != 0 ]; then
    ctest --test-dir "$san" --output-on-failure -j"$jobs" -L dns64
  fi
  stage_done
fi

if [ "${TUNDRA_CI_TSAN:-1}" != 0 ]; then
  # Only what the multi-threaded tests need (tests/CMakeLists.txt: tundra_concurrency_tests).
  stage "tsan: [concurrency] tests under ThreadSanitizer ($tsan)"
  if [ ! -f "$tsan/CMakeCache.txt" ]; then
    CXX=$clangxx cmake -S . -B "$tsan" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DTUNDRA_TSAN=ON -DTUNDRA_TESTS=ON -DTUNDRA_BENCH=OFF >/dev/null
  else
    cmake -S . -B "$tsan" >/dev/null
  fi
  cmake --build "$tsan" -j"$jobs" --target tundra_concurrency_tests
  "$tsan/tests/tundra_concurrency_tests" "[concurrency]"
  stage_done
fi

if [ "${TUNDRA_CI_FUZZ:-1}" != 0 ]; then
  stage "fuzz: each target for ${TUNDRA_CI_FUZZ_SECONDS:-30} s, $jobs at a time"
  FUZZ_BUILD=$san FUZZ_JOBS=$jobs FUZZ_PARALLEL=$jobs fuzz/run.sh "${TUNDRA_CI_FUZZ_SECONDS:-30}"
  stage_done
fi

if [ "${TUNDRA_CI_STATIC:-1}" != 0 ]; then
  stage "static: amd64/arm64 static builds, arm64 tests under qemu, images (scripts/test-static.sh)"
  JOBS=$jobs scripts/test-static.sh
  stage_done
fi

print_summary
