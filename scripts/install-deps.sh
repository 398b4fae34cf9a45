#!/bin/sh
# Installs what building and testing tundra needs on Debian 12 (bookworm). Run as root.
# The second group are the real programs the end-to-end tests drive (tests/e2e/).
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends \
  g++ cmake ninja-build pkg-config ca-certificates \
  catch2 libtomlplusplus-dev libfmt-dev libcli11-dev libbenchmark-dev \
  libnl-3-dev libnl-route-3-dev libasio-dev \
  iproute2 procps iputils-ping iputils-tracepath traceroute iperf3 socat curl python3 tcpdump \
  nsd bind9-dnsutils knot-dnsutils python3-dnspython
