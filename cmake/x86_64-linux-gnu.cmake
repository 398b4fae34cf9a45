# Toolchain file for linux/amd64 (x86_64-linux-gnu), used by the static-amd64 preset.
#
# On an amd64 host this is the native compiler under its triplet name (Debian's g++ package
# installs x86_64-linux-gnu-g++); on another Debian host it is g++-x86-64-linux-gnu with the
# :amd64 -dev packages through multiarch, and tests run through qemu-x86_64-static.
set(_tundra_triplet x86_64-linux-gnu)
if(NOT CMAKE_HOST_SYSTEM_PROCESSOR MATCHES "^(x86_64|amd64|AMD64)$")
  set(CMAKE_SYSTEM_NAME Linux)
  set(CMAKE_SYSTEM_PROCESSOR x86_64)
  find_program(TUNDRA_QEMU_X86_64 NAMES qemu-x86_64-static qemu-x86_64)
  if(TUNDRA_QEMU_X86_64)
    set(CMAKE_CROSSCOMPILING_EMULATOR "${TUNDRA_QEMU_X86_64}")
  endif()
endif()
include("${CMAKE_CURRENT_LIST_DIR}/debian-multiarch.cmake")
