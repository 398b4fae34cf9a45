#!/bin/sh
# Installs what scripts/build-static.sh needs to build the static tundra for each ARCH
# (amd64, arm64) on this Debian 12 host: natively for the host's own architecture, else
# with the cross compiler and the target's -dev packages through multiarch. Run as root.
# The Dockerfile's builder stage runs it too, so the image is built from the same packages.
#
#   scripts/install-static-deps.sh [--image] ARCH...
#
#   TESTS=OFF  leave out what the static test builds need (Catch2, python3, qemu-user-static)
#   --image    also buildah, podman, runc and iproute2/dnsutils for scripts/test-static.sh
#
# Adding a foreign architecture (`dpkg --add-architecture arm64`) has a side effect: a
# "Multi-Arch: same" library must have the same version for both architectures, so apt
# may upgrade some of the host's libraries (libc6, libstdc++6, ...) to the mirror's version
# at the same time. Nothing is done when every package is already installed.
set -eu

image=0
if [ "${1:-}" = "--image" ]; then
  image=1
  shift
fi
if [ $# -eq 0 ]; then
  echo "usage: $0 [--image] amd64|arm64..." >&2
  exit 2
fi

host=$(dpkg --print-architecture)
pkgs="cmake ninja-build pkg-config binutils gzip libcli11-dev libasio-dev libtomlplusplus-dev"
foreign=""
for arch in "$@"; do
  case $arch in
    amd64) triplet=x86-64-linux-gnu ;;
    arm64) triplet=aarch64-linux-gnu ;;
    *) echo "$0: unknown architecture '$arch' (amd64 or arm64)" >&2; exit 2 ;;
  esac
  if [ "$arch" = "$host" ]; then
    pkgs="$pkgs g++"
  else
    pkgs="$pkgs g++-$triplet"
    [ "${TESTS:-ON}" = OFF ] || pkgs="$pkgs qemu-user-static"
    foreign="$foreign $arch"
  fi
  # libnl's static archives, and fmt's CMake package (used header-only) for the target.
  pkgs="$pkgs libnl-3-dev:$arch libnl-route-3-dev:$arch libfmt-dev:$arch"
done
[ "${TESTS:-ON}" = OFF ] || pkgs="$pkgs catch2 python3"
[ $image -eq 0 ] || pkgs="$pkgs buildah podman runc iproute2 iputils-ping bind9-dnsutils"

missing=""
for p in $pkgs; do
  case $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true) in
    "install ok installed") ;;
    *) missing="$missing $p" ;;
  esac
done
if [ -z "$missing" ]; then
  echo "install-static-deps: everything is installed"
  exit 0
fi
echo "install-static-deps: installing$missing"

export DEBIAN_FRONTEND=noninteractive
for arch in $foreign; do
  dpkg --print-foreign-architectures | grep -qx "$arch" || dpkg --add-architecture "$arch"
done
apt-get update -q
# shellcheck disable=SC2086  # word splitting of the package list is intended
apt-get install -y -q --no-install-recommends $pkgs
