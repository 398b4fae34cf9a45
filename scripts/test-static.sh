#!/usr/bin/env bash
# The shipped artefacts, built and checked as CI does (scripts/test.sh runs this):
#
#  1. installs what it needs (scripts/install-static-deps.sh --image amd64 arm64; nothing
#     when it is all there already);
#  2. builds linux/arm64 (static-arm64 preset, cross) with its tests, runs the unit tests
#     under qemu-aarch64-static through CTest's emulator (no binfmt needed), and replays
#     every pcap fixture through the arm64 tundra under qemu;
#  3. builds linux/amd64 (static-amd64 preset), the binary alone: the amd64 tests already
#     ran in the native build;
#  4. builds the Dockerfile's `prebuilt` image for both with buildah, offline, exports one
#     docker-archive tar per architecture to dist/ (what RouterOS imports), prints the
#     sizes, and fails when the arm64 image is over 3 MB compressed;
#  5. runs the amd64 image with podman (runc, lowered ulimits): `version`, `check` from
#     TUNDRA_* variables and from a mounted tundra.toml, then the translator and the DNS64
#     in the container, in a network namespace of their own: a ping crosses the
#     translator both ways, dig gets ipv4only.arpa synthesized, `tundra show stats` answers.
#
# Steps that cannot work on this host are skipped with a line saying why (no root, no
# /dev/net/tun, no network namespaces); everything else failing fails the script.
#
#   WORK=DIR          container storage and scratch (default build-static-image)
#   BUILD_ARM64=DIR   the arm64 build (default build-static-arm64, the preset's)
#   BUILD_AMD64=DIR   the amd64 build (default build-static-amd64)
#   JOBS=N            parallel compile jobs (default 2)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

work=${WORK:-build-static-image}
mkdir -p "$work"
work=$(cd "$work" && pwd)
storage=()  # buildah/podman options, set in step 4
start=$(date +%s)
step_start=$start
timings=()
step() {
  local now
  now=$(date +%s)
  [[ -z ${step_name:-} ]] || timings+=("$(printf '%-52s %4d s' "$step_name" $((now - step_start)))")
  step_name=$1
  step_start=$now
  echo
  echo "=== test-static: $1"
}
skip() { echo "test-static: SKIP: $*"; }
die() {
  echo "test-static: FAIL: $*" >&2
  exit 1
}

# --- 1. packages ------------------------------------------------------------------------
step "install packages"
if [[ $(id -u) -eq 0 ]]; then
  scripts/install-static-deps.sh --image amd64 arm64
else
  skip "not root: not installing packages (scripts/install-static-deps.sh --image amd64 arm64)"
fi

# --- 2. arm64: build, unit tests under qemu, fixtures under qemu --------------------------
step "build linux/arm64 (static, with tests)"
arm64_build=${BUILD_ARM64:-build-static-arm64}
BUILD=$arm64_build JOBS=${JOBS:-2} scripts/build-static.sh arm64
arm64_build=$(cd "$arm64_build" && pwd)
qemu=$(command -v qemu-aarch64-static) || die "qemu-aarch64-static is missing"

step "arm64 unit tests under qemu-aarch64-static"
# e2e: namespaces and the host's programs; dns-wire: python runs the test binary itself;
# fixture: bash runs tundra itself (replayed below through the emulator instead).
# The kill -9 test needs a writer that finishes a 150 KB write within 30 ms, which an
# emulated CPU does not: it is a test of timing, and it runs in the native build.
ctest --test-dir "$arm64_build" --output-on-failure -j "${JOBS:-2}" --timeout 300 -LE 'e2e|dns-wire|fixture' \
  -E 'kill -9 while dynamic.map is being written'

step "arm64 pcap fixtures under qemu-aarch64-static"
wrappers=$work/qemu-arm64
mkdir -p "$wrappers"
for tool in tundra compare_pcap; do
  path=$arm64_build/$tool
  [[ $tool == tundra ]] || path=$arm64_build/tests/fixtures/$tool
  printf '#!/bin/sh\nexec %s %s "$@"\n' "$qemu" "$path" >"$wrappers/$tool"
  chmod +x "$wrappers/$tool"
done
fixtures=$(find pcap-fixtures -mindepth 3 -maxdepth 3 -name tundra.toml | sort)
count=$(echo "$fixtures" | wc -l)
if ! echo "$fixtures" | xargs -P "${JOBS:-2}" -I{} sh -c '
    dir=$(dirname "$1")
    out="$2/fixtures/${dir#pcap-fixtures/}"
    if ! log=$(bash tests/fixtures/run_fixture.sh "$3/tundra" "$3/compare_pcap" "$PWD/$dir" "$out" 2>&1); then
      printf "%s\n" "$log" >&2
      echo "test-static: fixture failed on arm64: $dir" >&2
      exit 1
    fi' _ {} "$work" "$wrappers"; then
  die "pcap fixtures failed on arm64"
fi
echo "test-static: $count pcap fixtures pass on arm64"

# --- 3. amd64: the binary ----------------------------------------------------------------
step "build linux/amd64 (static, binary only)"
BUILD=${BUILD_AMD64:-build-static-amd64} TESTS=OFF JOBS=${JOBS:-2} scripts/build-static.sh amd64

step "cmake --install (amd64) into a staging directory"
stage=$work/install-stage
rm -rf "$stage"
DESTDIR=$stage cmake --install "${BUILD_AMD64:-build-static-amd64}" --prefix /usr --strip >/dev/null
for f in usr/bin/tundra etc/tundra/tundra.toml usr/share/doc/tundra/examples/tundra.toml \
         usr/lib/systemd/system/tundra.service usr/share/doc/tundra/deployment.md; do
  [[ -f $stage/$f ]] || die "cmake --install did not install /$f"
done
grep -q '^ExecStart=/usr/bin/tundra run -c /etc/tundra/tundra.toml$' "$stage/usr/lib/systemd/system/tundra.service" ||
  die "the installed unit does not run /usr/bin/tundra with /etc/tundra/tundra.toml"
"$stage/usr/bin/tundra" check -c "$stage/etc/tundra/tundra.toml" >/dev/null ||
  die "the installed example configuration does not load"
echo "test-static: cmake --install: binary, example configuration, unit and docs where docs/deployment.md says"

# --- 4. images ---------------------------------------------------------------------------
step "prebuilt images (buildah, offline) and docker-archive tars"
if [[ $(id -u) -ne 0 ]] || ! command -v buildah >/dev/null; then
  skip "images: needs root and buildah"
  images=0
else
  images=1
  # Container storage of its own (vfs: works on any filesystem; the image is two files),
  # and runc with ulimits this sandbox can set (docs/deployment.md, "Testing the image").
  cat >"$work/containers.conf" <<'EOF'
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
[engine]
runtime = "runc"
EOF
  export CONTAINERS_CONF=$work/containers.conf
  storage=(--root "$work/storage" --runroot "$work/runroot" --storage-driver vfs)
  # Where containers cannot be built at all (a CI sandbox without the kernel features
  # buildah needs), say so and skip the images rather than fail the whole stage.
  if ! probe=$(buildah "${storage[@]}" from --name tundra-probe scratch 2>&1); then
    images=0
    skip "images: buildah cannot create even an empty container on this host: $(tail -1 <<<"$probe")"
  else
    buildah "${storage[@]}" rm tundra-probe >/dev/null
  fi
fi
if [[ $images -eq 1 ]]; then
  for arch in amd64 arm64; do
    # --timestamp 0: the same binary gives the same image, byte for byte.
    buildah "${storage[@]}" build --quiet --pull=never --timestamp 0 --target prebuilt \
      --platform "linux/$arch" --build-arg TARGETARCH="$arch" -t "localhost/tundra:$arch" -f Dockerfile . >/dev/null
    got=$(buildah "${storage[@]}" inspect --format '{{.OCIv1.Architecture}}' "localhost/tundra:$arch")
    [[ $got == "$arch" ]] || die "image localhost/tundra:$arch says architecture '$got'"
    rm -f "dist/tundra-$arch.tar"
    buildah "${storage[@]}" push --quiet "localhost/tundra:$arch" \
      "docker-archive:$repo/dist/tundra-$arch.tar:localhost/tundra:$arch" >/dev/null
  done
  # The archive holds the arm64 binary, and it runs (under qemu: no binfmt needed).
  # The layer: the archive's one regular file ending in .tar (layer.tar may be a symlink to it).
  layer=$(tar -tvf dist/tundra-arm64.tar | awk '$1 ~ /^-/ && $NF ~ /\.tar$/ { print $NF; exit }')
  entry=$(tar -xOf dist/tundra-arm64.tar "$layer" | tar -t | grep -E '^(\./)?tundra$')
  tar -xOf dist/tundra-arm64.tar "$layer" | tar -xO "$entry" >"$work/tundra-from-arm64-image"
  chmod +x "$work/tundra-from-arm64-image"
  "$qemu" "$work/tundra-from-arm64-image" version | grep -q '^tundra ' ||
    die "the tundra in dist/tundra-arm64.tar does not run"

  echo
  printf '%-8s %12s %12s %14s %14s\n' arch binary binary.gz image.tar image.tar.gz
  for arch in amd64 arm64; do
    bin=$(wc -c <"dist/$arch/tundra")
    bingz=$(gzip -9 -n -c "dist/$arch/tundra" | wc -c)
    tarb=$(wc -c <"dist/tundra-$arch.tar")
    targz=$(gzip -9 -n -c "dist/tundra-$arch.tar" | wc -c)
    printf '%-8s %12d %12d %14d %14d\n' "$arch" "$bin" "$bingz" "$tarb" "$targz"
    if [[ $arch == arm64 ]]; then arm64_compressed=$targz; fi
  done
  limit=3000000
  ((arm64_compressed <= limit)) ||
    die "the arm64 image is $arm64_compressed bytes compressed, over the $limit-byte budget"
  echo "test-static: arm64 image $arm64_compressed bytes compressed (budget $limit)"
fi

# --- 5. run the amd64 image --------------------------------------------------------------
step "run the amd64 image (podman)"
netns=""
container=""
cleanup() {
  [[ -z $container ]] || podman "${storage[@]}" rm -f -t 2 "$container" >/dev/null 2>&1 || true
  [[ -z $netns ]] || ip netns del "$netns" 2>/dev/null || true
}
trap cleanup EXIT
if [[ $images -eq 0 ]] || ! command -v podman >/dev/null; then
  skip "running the image: needs root, buildah and podman"
else
  image=localhost/tundra:amd64
  prun() { podman "${storage[@]}" run --rm --pull=never "$@"; }

  # podman's own failures (125: the engine, 126/127: the command) mean containers cannot
  # run on this host: skip. Anything else the container says is checked below.
  rc=0
  out=$(prun "$image" version 2>&1) || rc=$?
  if ((rc >= 125 && rc <= 127)); then
    podman_ok=0
    skip "running the image: podman cannot run a container on this host (status $rc): $(tail -1 <<<"$out")"
  else
    podman_ok=1
  fi
fi
if [[ $images -eq 1 ]] && command -v podman >/dev/null && [[ $podman_ok -eq 1 ]]; then
  [[ $out == "tundra "* ]] || die "tundra version in the container said: $out"
  echo "test-static: container: $out"

  # Configuration from TUNDRA_* variables, checked by the same loader as a file.
  out=$(prun -e TUNDRA_POOL4=10.99.0.0/24 -e TUNDRA_ADDR4=10.99.0.1 -e TUNDRA_DNS64_UPSTREAM=192.0.2.53 \
    "$image" check 2>&1) || die "tundra check from TUNDRA_* variables failed: $out"
  grep -q '^dynamic-pool = "10.99.0.0/24"' <<<"$out" || die "check ignored TUNDRA_POOL4: $out"
  grep -q '^upstream = \["192.0.2.53:53"\]' <<<"$out" || die "check ignored TUNDRA_DNS64_UPSTREAM: $out"
  if out=$(prun -e TUNDRA_POOL=10.99.0.0/24 -e TUNDRA_ADDR4=10.99.0.1 "$image" check 2>&1); then
    die "an unknown TUNDRA_ variable was accepted"
  fi
  grep -q 'TUNDRA_POOL: unknown variable; did you mean TUNDRA_POOL4?' <<<"$out" ||
    die "unexpected message for an unknown variable: $out"
  echo "test-static: container: configuration from TUNDRA_* variables, and their errors, as documented"

  # A mounted tundra.toml wins over the variables.
  out=$(prun -v "$repo/examples/tundra.toml:/etc/tundra/tundra.toml:ro" -e TUNDRA_POOL4=10.99.0.0/24 \
    "$image" check 2>&1) || die "tundra check of a mounted tundra.toml failed: $out"
  grep -q '^dynamic-pool = "192.168.255.0/24"' <<<"$out" || die "the mounted tundra.toml was not used: $out"
  echo "test-static: container: a mounted /etc/tundra/tundra.toml is the configuration"

  if [[ ! -c /dev/net/tun ]]; then
    skip "translator in the container: no /dev/net/tun on this host"
  elif ! ip netns add "tundra-static-$$" 2>/dev/null; then
    skip "translator in the container: cannot create a network namespace here"
  else
    netns=tundra-static-$$
    nsx() { ip netns exec "$netns" "$@"; }
    # The namespace is the container's network: an IPv6-only client (2001:db8:1::1) and
    # an IPv4 host (198.51.100.1) on its loopback; the translator's TUN routes between them.
    nsx ip link set lo up
    nsx ip addr add 198.51.100.1/32 dev lo
    nsx ip -6 addr add 2001:db8:1::1/128 dev lo nodad
    container=tundra-static-smoke-$$
    podman "${storage[@]}" run -d --pull=never --name "$container" --network "ns:/run/netns/$netns" \
      --cap-add NET_ADMIN --device /dev/net/tun \
      -e TUNDRA_POOL4=192.168.255.0/24 -e TUNDRA_WORKERS=2 \
      -e TUNDRA_DNS64_LISTEN=127.0.0.1:53 -e TUNDRA_DNS64_UPSTREAM=127.0.0.1:5399 \
      -e TUNDRA_HTTP_LISTEN=127.0.0.1:8080 "$image" >/dev/null
    healthy=0
    for _ in $(seq 50); do
      if nsx bash -c 'exec 3<>/dev/tcp/127.0.0.1/8080 && printf "GET /health HTTP/1.0\r\n\r\n" >&3 && grep -q "^OK" <&3' 2>/dev/null; then
        healthy=1
        break
      fi
      sleep 0.2
    done
    if [[ $healthy -ne 1 ]]; then
      podman "${storage[@]}" logs "$container" >&2 || true
      die "the container never reported /health OK"
    fi
    if ! nsx ping -6 -c 3 -i 0.2 -W 2 -I 2001:db8:1::1 64:ff9b::198.51.100.1 >/dev/null; then
      podman "${storage[@]}" logs "$container" >&2 || true
      die "ping 64:ff9b::198.51.100.1 did not cross the translator in the container"
    fi
    echo "test-static: container: ping 2001:db8:1::1 -> 64:ff9b::198.51.100.1 crossed the translator both ways"
    aaaa=$(nsx dig +short +time=2 +tries=2 @127.0.0.1 ipv4only.arpa AAAA | sort | tr '\n' ' ')
    [[ $aaaa == "64:ff9b::c000:aa 64:ff9b::c000:ab " ]] || die "dig ipv4only.arpa AAAA answered '$aaaa'"
    echo "test-static: container: the DNS64 answers ipv4only.arpa AAAA with $aaaa"
    stats=$(podman "${storage[@]}" exec "$container" /tundra show stats --csv)
    grep -Eq '^translated_6to4,[1-9]' <<<"$stats" || die "tundra show stats: nothing translated: $stats"
    grep -Eq '^translated_4to6,[1-9]' <<<"$stats" || die "tundra show stats: nothing translated back: $stats"
    echo "test-static: container: tundra show stats counts the translated packets"
    podman "${storage[@]}" stop -t 5 "$container" >/dev/null
    code=$(podman "${storage[@]}" inspect --format '{{.State.ExitCode}}' "$container")
    [[ $code == 0 ]] || die "the container exited with $code after SIGTERM"
    echo "test-static: container: stopped cleanly (exit 0)"
  fi
fi

step "done"
echo
echo "test-static: timings"
printf '  %s\n' "${timings[@]}"
echo "  total $(($(date +%s) - start)) s"
