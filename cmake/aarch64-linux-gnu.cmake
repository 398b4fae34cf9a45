# Toolchain file for linux/arm64 (aarch64-linux-gnu), used by the static-arm64 preset.
#
# On an amd64 Debian host this is a cross build: g++-aarch64-linux-gnu, and the :arm64
# -dev packages through multiarch (`dpkg --add-architecture arm64`; scripts/install-static-deps.sh).
# On an arm64 host the same names (aarch64-linux-gnu-g++, /usr/lib/aarch64-linux-gnu) are the
# native ones, and this file builds natively.
#
# Tests of a cross build run through CMAKE_CROSSCOMPILING_EMULATOR (qemu-aarch64-static):
# CTest prepends it to every test whose command is a target, and Catch2's test discovery
# uses it too, so nothing depends on binfmt_misc being registered.
set(_tundra_triplet aarch64-linux-gnu)
if(NOT CMAKE_HOST_SYSTEM_PROCESSOR MATCHES "^(aarch64|arm64)$")
  set(CMAKE_SYSTEM_NAME Linux)
  set(CMAKE_SYSTEM_PROCESSOR aarch64)
  find_program(TUNDRA_QEMU_AARCH64 NAMES qemu-aarch64-static qemu-aarch64)
  if(TUNDRA_QEMU_AARCH64)
    set(CMAKE_CROSSCOMPILING_EMULATOR "${TUNDRA_QEMU_AARCH64}")
  endif()
endif()
include("${CMAKE_CURRENT_LIST_DIR}/debian-multiarch.cmake")
