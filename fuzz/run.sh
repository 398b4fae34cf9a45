#!/bin/sh
# Builds the libFuzzer targets with clang, gathers their seed corpora and runs each for a
# given time (fuzz/README.md).
#
#   fuzz/run.sh SECONDS [TARGET...]      default: every target, FUZZ_PARALLEL at a time
#
# Environment:
#   FUZZ_BUILD   build directory (default build-fuzz); configured with clang,
#                -DTUNDRA_FUZZ=ON -DTUNDRA_BENCH=OFF when it has no CMakeCache.txt yet.
#                An existing build keeps its options (scripts/test.sh passes its
#                sanitizer build, which has TUNDRA_FUZZ=ON too).
#   FUZZ_CXX     the compiler for a new build (default clang++-14, else clang++)
#   FUZZ_JOBS    build parallelism (default: the number of CPUs)
#   FUZZ_ARGS    extra libFuzzer flags for every target (e.g. "-jobs=2 -workers=2")
#   FUZZ_PARALLEL  how many targets run at once (default 1; one CPU each)
#
# Per target, under FUZZ_BUILD/fuzz/:
#   corpus/TARGET/     the growing corpus (kept between runs; libFuzzer adds what it finds)
#   seeds/TARGET/      seeds regenerated on every run (pcap fixtures, DNS samples, configs,
#                      fuzz/seeds/TARGET/)
#   artifacts/TARGET/  crash-*, leak-*, timeout-*, oom-* inputs: kept; reproduce with
#                      FUZZ_BUILD/fuzz/TARGET ARTIFACT
#   logs/TARGET.log    libFuzzer's output
#   logs/TARGET.report  the lines printed below for that target
# Exits 0 when every target ran its time without a finding, 1 otherwise (after running the
# others), 2 on a usage or build error.
set -eu
cd "$(dirname "$0")/.."

ALL_TARGETS="translate_fuzz offload_fuzz dns_wire_fuzz dns64_synthesis_fuzz config_fuzz dynamic_map_fuzz"

usage() {
  echo "usage: fuzz/run.sh SECONDS [TARGET...]   (targets: $ALL_TARGETS)" >&2
  exit 2
}
[ $# -ge 1 ] || usage
seconds=$1
shift
case "$seconds" in '' | *[!0-9]*) usage ;; esac
targets=${*:-$ALL_TARGETS}
for t in $targets; do
  case " $ALL_TARGETS " in *" $t "*) ;; *) echo "fuzz/run.sh: unknown target '$t'" >&2; usage ;; esac
done

build=${FUZZ_BUILD:-build-fuzz}
jobs=${FUZZ_JOBS:-$(nproc)}

# --- configure and build ----------------------------------------------------------------
if [ ! -f "$build/CMakeCache.txt" ]; then
  cxx=${FUZZ_CXX:-}
  if [ -z "$cxx" ]; then
    if command -v clang++-14 >/dev/null 2>&1; then cxx=clang++-14; else cxx=clang++; fi
  fi
  command -v "$cxx" >/dev/null 2>&1 || { echo "fuzz/run.sh: $cxx not found (scripts/install-deps.sh)" >&2; exit 2; }
  CXX=$cxx cmake -S . -B "$build" -G Ninja -DTUNDRA_FUZZ=ON -DTUNDRA_BENCH=OFF >/dev/null
elif ! grep -q '^TUNDRA_FUZZ:BOOL=ON' "$build/CMakeCache.txt"; then
  cmake -S . -B "$build" -DTUNDRA_FUZZ=ON >/dev/null
fi
# shellcheck disable=SC2086  # word splitting of the target list is intended
cmake --build "$build" -j"$jobs" --target $targets make_corpus make_dns_corpus make_synthesis_corpus

# --- seeds ------------------------------------------------------------------------------
out="$build/fuzz"
seeds_for() {  # TARGET DIR: fills DIR with that target's seeds
  target=$1
  dir=$2
  case "$target" in
    translate_fuzz)
      # shellcheck disable=SC2046
      "$out/make_corpus" "$dir" $(find pcap-fixtures -name input.pcap | sort) >/dev/null
      ;;
    offload_fuzz)
      # translate_fuzz's seeds with a header in front: byte 0 = 3 (repair, plausible
      # header), then NEEDS_CSUM, gso_type TCPV4, TCPV6 or none by IP version, gso_size
      # 1000, csum_offset 16 (octal escapes: dash's printf has no \x).
      tmp=$(mktemp -d)
      # shellcheck disable=SC2046
      "$out/make_corpus" "$tmp" $(find pcap-fixtures -name input.pcap | sort) >/dev/null
      for f in "$tmp"/*; do
        case $(od -An -tx1 -j1 -N1 "$f" | tr -d ' ') in
          4*) gso='\001' ;; 6*) gso='\004' ;; *) gso='\000' ;;
        esac
        { printf '\003\001'"$gso"'\000\000\350\003\000\000\020\000'; tail -c +2 "$f"; } >"$dir/$(basename "$f")"
      done
      rm -rf "$tmp"
      ;;
    dns_wire_fuzz)
      "$out/make_dns_corpus" write "$dir" >/dev/null
      # dnspython's messages, if the cross-check test has run in this build.
      for f in "$build"/tests/dns64/wire_crosscheck/theirs/*; do
        if [ -f "$f" ]; then cp "$f" "$dir/theirs-$(basename "$f")"; fi  # not `[ ] &&`: an unmatched glob must not fail the loop
      done
      ;;
    dns64_synthesis_fuzz)
      "$out/make_synthesis_corpus" "$dir" >/dev/null
      # The DNS samples as queries, with the reply chunks empty (timeouts).
      tmp="$dir.samples"
      rm -rf "$tmp" && mkdir -p "$tmp"
      "$out/make_dns_corpus" write "$tmp" >/dev/null
      for f in "$tmp"/*; do
        size=$(wc -c <"$f")
        [ "$size" -lt 65536 ] || continue
        # shellcheck disable=SC2059  # octal escapes built from the size
        { printf '\100'; printf "\\$(printf %03o $((size / 256)))\\$(printf %03o $((size % 256)))"
          cat "$f"; printf '\000\000\000\000'; } >"$dir/sample-$(basename "$f")"
      done
      rm -rf "$tmp"
      ;;
    config_fuzz)
      # The first byte picks the format: 0 TOML, 1 tayga.conf, 2 and 3 auto-detected.
      n=0
      for f in tests/cli/data/*.toml tests/cli/data/*.conf examples/*.toml \
               pcap-fixtures/*/*/tundra.toml fuzz/seeds/config_fuzz/*; do
        [ -f "$f" ] || continue
        n=$((n + 1))
        case "$f" in *.conf) formats='001 003' ;; *) formats='000 002' ;; esac
        for b in $formats; do
          # shellcheck disable=SC2059  # the octal escape of the format byte
          { printf "\\$b"; cat "$f"; } >"$dir/$n-$b-$(basename "$f")"
        done
      done
      ;;
    dynamic_map_fuzz)
      for f in tests/cli/data/dynamic-map/*.map fuzz/seeds/dynamic_map_fuzz/*; do
        if [ -f "$f" ]; then cp "$f" "$dir/$(basename "$f")"; fi
      done
      ;;
  esac
}

# --- run ----------------------------------------------------------------------------------
# UBSan reports are findings: stop at the first one (the libraries are built with
# recoverable UBSan unless TUNDRA_SANITIZE is on too).
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"

# run_target TARGET: seeds, then libFuzzer; the report goes to logs/TARGET.report and the
# verdict to logs/TARGET.failed (present = a finding), so that targets can run side by side.
run_target() {
  t=$1
  corpus="$out/corpus/$t"
  seeds="$out/seeds/$t"
  artifacts="$out/artifacts/$t"
  log="$out/logs/$t.log"
  report="$out/logs/$t.report"
  rm -rf "$seeds"
  mkdir -p "$corpus" "$seeds" "$artifacts" "$out/logs"
  # Failed until shown otherwise: a step that stops this subshell (set -e) counts too.
  echo "FAIL: $t: stopped before its verdict (seeds or start-up)" >"$report"
  : >"$out/logs/$t.failed"
  seeds_for "$t" "$seeds"
  dict=""
  [ -f "fuzz/$t.dict" ] && dict="-dict=fuzz/$t.dict"
  echo "== $t: ${seconds}s, $(find "$seeds" -type f | wc -l) seeds, corpus $(find "$corpus" -type f | wc -l) inputs" >"$report"
  before=$(find "$artifacts" -type f | wc -l)
  status=0
  # shellcheck disable=SC2086
  "$out/$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" $dict ${FUZZ_ARGS:-} "$corpus" "$seeds" >"$log" 2>&1 || status=$?
  after=$(find "$artifacts" -type f | wc -l)
  done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 || true)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  echo "   ${done_line:-no DONE line} (executions: ${execs:-?})" >>"$report"
  if [ "$status" -eq 0 ] && [ "$after" -eq "$before" ]; then
    rm -f "$out/logs/$t.failed"
  else
    {
      echo "FAIL: $t exited $status; log: $log"
      grep -E 'ERROR|runtime error|SUMMARY|_fuzz: |Test unit written|Base64' "$log" | head -n 20 || true
      find "$artifacts" -type f -newer "$seeds" | while read -r a; do
        echo "artefact: $a ($(wc -c <"$a") bytes); reproduce: $out/$t $a"
        od -A x -t x1z "$a" | head -n 16
      done
    } >>"$report"
  fi
}

# FUZZ_PARALLEL targets at a time (each libFuzzer process uses one CPU).
parallel=${FUZZ_PARALLEL:-1}
running=0
for t in $targets; do
  run_target "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$parallel" ]; then
    wait
    running=0
  fi
done
wait
failed=""
for t in $targets; do
  if [ -f "$out/logs/$t.failed" ]; then
    failed="$failed $t"
    cat "$out/logs/$t.report" >&2
  else
    cat "$out/logs/$t.report"
  fi
done

if [ -n "$failed" ]; then
  echo "fuzz/run.sh: findings in:$failed" >&2
  exit 1
fi
echo "fuzz/run.sh: no findings ($targets, ${seconds}s each)"
