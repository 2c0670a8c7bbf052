# `cmake --install`: the libraries (shared and static, from triad_add_library), the public
# headers in include/triad/, a CMake package (find_package(triad): triad::triad and friends)
# and pkg-config files (triad.pc, triad-<part>.pc). Every installed path is relative to the
# prefix, so `cmake --install build --prefix DIR` works wherever DIR is.
# SPDX-License-Identifier: GPL-2.0-or-later
include(CMakePackageConfigHelpers)

# The headers of optional libraries (png.h: libtriad_png, dds.h: libtriad_dds, share.h:
# libtriad_share) only with them.
set(triad_header_excludes "")
if(NOT TRIAD_HAVE_PNG)
  list(APPEND triad_header_excludes PATTERN png.h EXCLUDE)
endif()
if(NOT TRIAD_HAVE_DDS)
  list(APPEND triad_header_excludes PATTERN dds.h EXCLUDE)
endif()
if(NOT TRIAD_HAVE_SHARE)
  list(APPEND triad_header_excludes PATTERN share.h EXCLUDE)
endif()
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/triad DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}
        FILES_MATCHING PATTERN "*.h" ${triad_header_excludes})
install(FILES ${PROJECT_BINARY_DIR}/include/triad/version.h
        DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/triad)

# --- CMake package ---
set(TRIAD_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/triad)
install(EXPORT triadTargets NAMESPACE triad:: DESTINATION ${TRIAD_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/triadConfig.cmake.in
  ${PROJECT_BINARY_DIR}/triadConfig.cmake INSTALL_DESTINATION ${TRIAD_CMAKE_DIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/triadConfigVersion.cmake
  VERSION ${PROJECT_VERSION} COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/triadConfig.cmake ${PROJECT_BINARY_DIR}/triadConfigVersion.cmake
        DESTINATION ${TRIAD_CMAKE_DIR})

# --- pkg-config ---
# triad_pkg_config(<file name> <library> "<description>" "<Requires>" "<Requires.private>"
#                  "<Libs.private>")
file(RELATIVE_PATH TRIAD_PC_PREFIX ${CMAKE_INSTALL_FULL_LIBDIR}/pkgconfig ${CMAKE_INSTALL_PREFIX})
function(triad_pkg_config file lib description requires requires_private libs_private)
  set(PC_LIB ${lib})
  set(PC_DESCRIPTION ${description})
  set(PC_REQUIRES ${requires})
  set(PC_REQUIRES_PRIVATE ${requires_private})
  set(PC_LIBS_PRIVATE ${libs_private})
  configure_file(${PROJECT_SOURCE_DIR}/cmake/triad.pc.in ${PROJECT_BINARY_DIR}/pkgconfig/${file}.pc @ONLY)
  install(FILES ${PROJECT_BINARY_DIR}/pkgconfig/${file}.pc
          DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
endfunction()

# libarchive as a plain -larchive: its own .pc would ask a static link for the static
# libraries of every compressor it supports
set(opencl_pc "")
if(TRIAD_HAVE_OPENCL)
  set(opencl_pc " OpenCL")
endif()
if(TRIAD_HAVE_SOAPY)
  set(opencl_pc "${opencl_pc} SoapySDR")
endif()
set(fftw_omp_pc "")
if(FFTW3F_OMP_LIB)
  set(fftw_omp_pc "-lfftw3f_omp ")
endif()
triad_pkg_config(triad triad
  "Triad radar signal processing: recordings, the chain (FFTW; OpenCL when built with it), CFAR"
  "" "fftw3f libcjson nettle${opencl_pc}" "${fftw_omp_pc}-larchive -lm -lpthread ${OpenMP_C_FLAGS}")
triad_pkg_config(triad-fusion triad_fusion
  "Triad fusion: the multi-radar tracker and its warnings (triad/fusion.h)"
  "triad" "libcjson" "-lm")
triad_pkg_config(triad-sim triad_sim "Triad simulators: radar scenes and fusion scenarios"
  "triad triad-fusion" "libcjson" "-lm")
if(TRIAD_HAVE_PNG)
  triad_pkg_config(triad-png triad_png "Triad PNG maps and plots (triad/png.h)" "triad" "libpng" "-lm")
endif()
if(TRIAD_HAVE_DDS)
  triad_pkg_config(triad-dds triad_dds "Triad detections, tracks and warnings on Cyclone DDS"
    "triad" "CycloneDDS" "")
endif()
if(TRIAD_HAVE_SHARE)
  triad_pkg_config(triad-share triad_share
    "Triad signed sharing of warnings and tracks: the hub and the node (triad/share.h)"
    "triad triad-dds" "libsodium CycloneDDS" "")
endif()
