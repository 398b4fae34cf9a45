# Shared tail of the toolchain files: a Debian multiarch target named by _tundra_triplet.
#
# Compilers are the triplet-prefixed names (the cross packages install them, and so does the
# native g++ package for its own architecture). CMAKE_LIBRARY_ARCHITECTURE makes
# find_library() and find_package() look in /usr/lib/<triplet>, not in the host's
# directory. pkg-config is pointed at the target's .pc files and the arch-independent ones
# (Debian has no <triplet>-pkg-config wrapper for every target), so libnl resolves to the
# target's static archives.
set(CMAKE_C_COMPILER   ${_tundra_triplet}-gcc)
set(CMAKE_CXX_COMPILER ${_tundra_triplet}-g++)
set(CMAKE_LIBRARY_ARCHITECTURE ${_tundra_triplet})
set(ENV{PKG_CONFIG_LIBDIR} "/usr/lib/${_tundra_triplet}/pkgconfig:/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_PATH} "")
