#!/bin/sh
# Installs the programs that bench/nat64_bench.sh and the end-to-end tests (tests/e2e/)
# drive, on Debian 12 (bookworm). Run as root on a workstation or test VM; CI installs its
# own. Tayga (0.9.2) is the baseline translator; python3-matplotlib draws nat64_bench.sh's
# plot (bench/nat64_report.py, Agg backend: no display needed).
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends \
  iproute2 procps iputils-ping iputils-tracepath traceroute \
  iperf3 socat curl python3 coreutils \
  tayga \
  tcpdump ethtool \
  python3-matplotlib
# Debian's iperf3 asks whether to run a system-wide server; non-interactive keeps its default
# (no). The tests and the benchmark start their own servers inside their namespaces.
