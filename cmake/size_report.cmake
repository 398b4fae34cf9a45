# cmake -DBINARY=... -DSTRIPPED=... -DSTRIP=... -DARCH=... -P size_report.cmake
# Writes a stripped copy of BINARY to STRIPPED and prints the three sizes the release cares
# about: as linked, stripped, and stripped then gzip -9 (what a compressed image layer or a
# download costs). Run by the tundra_stripped target of a TUNDRA_STATIC build.
foreach(var BINARY STRIPPED STRIP ARCH)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "size_report.cmake: -D${var}= is required")
  endif()
endforeach()

execute_process(COMMAND "${STRIP}" --strip-all -o "${STRIPPED}" "${BINARY}" RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${STRIP} failed on ${BINARY}")
endif()
file(ARCHIVE_CREATE OUTPUT "${STRIPPED}.gz" PATHS "${STRIPPED}" FORMAT raw COMPRESSION GZip
     COMPRESSION_LEVEL 9)
file(SIZE "${BINARY}" linked)
file(SIZE "${STRIPPED}" stripped)
file(SIZE "${STRIPPED}.gz" compressed)
file(REMOVE "${STRIPPED}.gz")
message("tundra (static, ${ARCH}): ${linked} bytes as linked, ${stripped} stripped, "
        "${compressed} stripped + gzip -9  ->  ${STRIPPED}")
