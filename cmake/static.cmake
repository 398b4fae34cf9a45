# TUNDRA_STATIC=ON: the shipped binary, one fully static executable (glibc, libstdc++,
# libnl-3, libnl-route-3) that runs in a FROM scratch image. Included by the top-level
# CMakeLists.txt before the subdirectories; the static-* presets (CMakePresets.json) turn
# it on and add the size flags. See docs/deployment.md.
#
# - Libraries resolve to their .a archives. Debian ships libnl-3.a and libnl-route-3.a;
#   fmt, CLI11 and Asio are used header-only; toml++ (Debian ships only a shared library) is
#   compiled header-only by cli/CMakeLists.txt when TUNDRA_STATIC is on.
# - Every executable is linked -static, the tests too, so the arm64 tests exercise the same
#   link as the shipped binary.
# - Nothing in tundra resolves names (addresses are parsed with inet_pton, users and groups
#   are read from /etc/passwd and /etc/group directly): glibc's NSS does not work in a static
#   binary without the shared libraries of the glibc it was linked with. The linker still
#   warns about getaddrinfo/getprotobyname in libnl-3.a (used only by libnl's own
#   address-printing helpers, which tundra does not call).
# - After `tundra` is linked, tundra-stripped is written beside it and the sizes are
#   printed (cmake/size_report.cmake).
if(TUNDRA_SANITIZE OR TUNDRA_TSAN OR TUNDRA_FUZZ)
  message(FATAL_ERROR "TUNDRA_STATIC cannot be combined with TUNDRA_SANITIZE, TUNDRA_TSAN or TUNDRA_FUZZ")
endif()

set(CMAKE_FIND_LIBRARY_SUFFIXES .a)
add_link_options(-static)

add_custom_command(
  OUTPUT ${CMAKE_BINARY_DIR}/tundra-stripped
  COMMAND ${CMAKE_COMMAND} -DBINARY=$<TARGET_FILE:tundra> -DSTRIPPED=${CMAKE_BINARY_DIR}/tundra-stripped
          -DSTRIP=${CMAKE_STRIP} -DARCH=${CMAKE_SYSTEM_PROCESSOR}
          -P ${CMAKE_CURRENT_LIST_DIR}/size_report.cmake
  DEPENDS tundra ${CMAKE_CURRENT_LIST_DIR}/size_report.cmake
  COMMENT "Stripping tundra and measuring it"
  VERBATIM)
add_custom_target(tundra_stripped ALL DEPENDS ${CMAKE_BINARY_DIR}/tundra-stripped)
