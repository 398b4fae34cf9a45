#!/bin/sh
# Builds the static tundra for ARCH (amd64 or arm64) with the static-ARCH preset
# (CMakePresets.json), checks that it is static and resolves no names, and writes the
# stripped binary to dist/ARCH/tundra. Prints its sizes. Assumes
# scripts/install-static-deps.sh ARCH ran.
#
#   scripts/build-static.sh amd64|arm64
#
#   BUILD=DIR   build directory (default build-static-ARCH, the preset's own)
#   TESTS=OFF   do not build the tests (the image's builder stage does not need them)
#   JOBS=N      parallel compile jobs (default 2)
set -eu
cd "$(dirname "$0")/.."

arch=${1:-}
case $arch in
  amd64 | arm64) ;;
  *) echo "usage: $0 amd64|arm64" >&2; exit 2 ;;
esac
build=${BUILD:-build-static-$arch}

cmake --preset "static-$arch" -B "$build" -DTUNDRA_TESTS="${TESTS:-ON}" >/dev/null
cmake --build "$build" -j "${JOBS:-2}"

binary=$build/tundra
stripped=$build/tundra-stripped
# A static executable has no program interpreter and needs no shared library.
if readelf -lW "$binary" | grep -q 'Requesting program interpreter' || readelf -dW "$binary" | grep -q '(NEEDED)'; then
  echo "build-static: $binary is not static:" >&2
  readelf -dW "$binary" | grep '(NEEDED)' >&2 || true
  exit 1
fi
# Nothing of tundra's own calls the name service (NSS does not work in a static binary in
# an empty image). libnl-3.a's own getaddrinfo/getprotoby* callers are only its
# address-printing helpers, which tundra never calls.
nm=$(sed -n 's/^CMAKE_NM:FILEPATH=//p' "$build/CMakeCache.txt")
resolvers='getaddrinfo|gethostbyname|gethostbyaddr|getnameinfo|getpwnam|getpwuid|getgrnam|getgrgid|getgrouplist|getservbyname|getprotobyname|getprotobynumber'
if found=$(find "$build" -name 'libtundra_*.a' -exec "${nm:-nm}" -u {} + 2>/dev/null | grep -Ew "U ($resolvers)(_r)?"); then
  echo "build-static: tundra's own code calls the name service, which a static binary cannot use:" >&2
  echo "$found" >&2
  exit 1
fi

mkdir -p "dist/$arch"
cp "$stripped" "dist/$arch/tundra"
size=$(wc -c <"dist/$arch/tundra")
gz=$(gzip -9 -n -c "dist/$arch/tundra" | wc -c)
machine=$(readelf -hW "dist/$arch/tundra" | sed -n 's/^ *Machine: *//p')
echo "build-static: dist/$arch/tundra ($machine, static): $size bytes stripped, $gz bytes gzip -9"
