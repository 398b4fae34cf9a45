#!/bin/sh
# Installs what building and testing tundra needs on Debian 12 (bookworm). Run as root.
# The second group are the real programs the end-to-end tests drive (tests/e2e/); the third
# the sanitizer and fuzz stages of scripts/test.sh: clang 14, its runtimes (libFuzzer,
# ASan, UBSan, TSan: libclang-rt-14-dev) and llvm-symbolizer for readable reports (llvm).
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends \
  g++ cmake ninja-build pkg-config ca-certificates \
  catch2 libtomlplusplus-dev libfmt-dev libcli11-dev libbenchmark-dev \
  libnl-3-dev libnl-route-3-dev libasio-dev \
  iproute2 procps iputils-ping iputils-tracepath traceroute iperf3 socat curl python3 tcpdump ethtool faketime \
  nsd bind9-dnsutils knot-dnsutils python3-dnspython \
  clang-14 libclang-rt-14-dev llvm
# The static stage of scripts/test.sh needs more (scripts/test-static.sh installs it as root): the cross compiler,
# :arm64 -dev packages (multiarch), qemu-user-static, buildah/podman/runc. Install them with
# scripts/install-static-deps.sh --image amd64 arm64 (docs/deployment.md).
