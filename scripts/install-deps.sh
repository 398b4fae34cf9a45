#!/bin/sh
# Installs what building and testing tundra needs on Debian 12 (bookworm). Run as root.
set -eu
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends \
  g++ cmake ninja-build pkg-config ca-certificates \
  catch2 libtomlplusplus-dev libfmt-dev libcli11-dev libbenchmark-dev
