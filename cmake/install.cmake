# cmake --install <build> [--prefix P] [--strip]: what an operator gets (docs/deployment.md).
#
#   P/bin/tundra                              the binary
#   SYSCONF/tundra/tundra.toml                examples/tundra.toml, only when no file is there
#                                             (an existing configuration is never overwritten)
#   P/share/doc/tundra/examples/tundra.toml   the same example, always
#   P/lib/systemd/system/tundra.service       packaging/tundra.service, paths adjusted to P
#   P/share/doc/tundra/                       README.md and docs/*.md
#
# SYSCONF is /etc for the prefix /usr (as GNUInstallDirs has it), P/etc for any other prefix
# (/usr/local/etc for the default one). The prefix is the one in force when installing, so
# `cmake --install build --prefix /usr` works on a build configured for /usr/local.
# DESTDIR is honoured everywhere.
include(GNUInstallDirs)

# Not CMAKE_INSTALL_LIBDIR: that is multiarch (lib/x86_64-linux-gnu) on Debian, and systemd
# looks in lib/systemd/system under /usr and /usr/local.
set(TUNDRA_SYSTEMD_UNIT_DIR "lib/systemd/system" CACHE STRING
    "Where cmake --install puts tundra.service (relative to the prefix, or absolute)")

install(TARGETS tundra RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${CMAKE_SOURCE_DIR}/examples/tundra.toml DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)
file(GLOB _tundra_docs ${CMAKE_SOURCE_DIR}/docs/*.md)
install(FILES ${CMAKE_SOURCE_DIR}/README.md ${_tundra_docs} DESTINATION ${CMAKE_INSTALL_DOCDIR})

# Evaluated when installing (CMAKE_INSTALL_PREFIX is then the install-time prefix).
install(CODE "
  if(CMAKE_INSTALL_PREFIX STREQUAL \"/usr\")
    set(_conf_dir \"/etc/tundra\")
  else()
    set(_conf_dir \"\${CMAKE_INSTALL_PREFIX}/etc/tundra\")
  endif()
  set(_bin \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/tundra\")
  set(_doc \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_DOCDIR}/\")
  set(_unit_dir \"${TUNDRA_SYSTEMD_UNIT_DIR}\")
  if(NOT IS_ABSOLUTE \"\${_unit_dir}\")
    set(_unit_dir \"\${CMAKE_INSTALL_PREFIX}/\${_unit_dir}\")
  endif()

  # The example configuration, unless one is there already.
  if(EXISTS \"\$ENV{DESTDIR}\${_conf_dir}/tundra.toml\")
    message(STATUS \"Kept: \$ENV{DESTDIR}\${_conf_dir}/tundra.toml (an existing configuration is not overwritten)\")
  else()
    file(INSTALL DESTINATION \"\${_conf_dir}\" TYPE FILE FILES \"${CMAKE_SOURCE_DIR}/examples/tundra.toml\")
  endif()

  # The unit as shipped names /usr/local/bin, /etc/tundra and /usr/share/doc/tundra.
  file(READ \"${CMAKE_SOURCE_DIR}/packaging/tundra.service\" _unit)
  string(REPLACE \"/usr/local/bin/tundra\" \"\${_bin}\" _unit \"\${_unit}\")
  string(REPLACE \"/etc/tundra/\" \"\${_conf_dir}/\" _unit \"\${_unit}\")
  string(REPLACE \"/usr/share/doc/tundra/\" \"\${_doc}\" _unit \"\${_unit}\")
  file(WRITE \"${CMAKE_BINARY_DIR}/packaging/tundra.service\" \"\${_unit}\")
  file(INSTALL DESTINATION \"\${_unit_dir}\" TYPE FILE FILES \"${CMAKE_BINARY_DIR}/packaging/tundra.service\")
")
