# Dependencies from pkg-config (Debian's FFTW and cJSON ship no CMake config). The install
# step that provides them is .ci/install-deps.
#
# The `triad` library needs FFTW, cJSON, OpenMP and threads: those are required. Everything
# else is needed only by the part that uses it, and is chosen with a cache setting
# TRIAD_WITH_<PART> = AUTO (built when found: the default), ON (required) or OFF:
#   OPENCL  the OpenCL backend in the triad library (ICD loader and headers)
#   PNG     the triad_png library: range-Doppler maps, bench plots, fusion maps (libpng)
#   DDS     the triad_dds library: detections, tracks and warnings on Cyclone DDS
#   SHARE   the triad_share library: signed sharing over DDS (libsodium, and DDS)
# Each sets TRIAD_HAVE_<PART>; the summary at the end of CMakeLists.txt says what is built.
find_package(PkgConfig REQUIRED)
find_package(OpenMP REQUIRED)
find_package(Threads REQUIRED)

pkg_check_modules(FFTW3F REQUIRED IMPORTED_TARGET fftw3f)
add_library(triad::fftw3f INTERFACE IMPORTED)
target_link_libraries(triad::fftw3f INTERFACE PkgConfig::FFTW3F)
# FFTW's OpenMP planner, for the benchmark's floor (batched, threaded transforms): the program
find_library(FFTW3F_OMP_LIB fftw3f_omp HINTS ${FFTW3F_LIBRARY_DIRS})

pkg_check_modules(CJSON REQUIRED IMPORTED_TARGET libcjson)
add_library(triad::cjson INTERFACE IMPORTED)
target_link_libraries(triad::cjson INTERFACE PkgConfig::CJSON)

# libarchive (Debian: libarchive-dev): .sigmf archives (tar) in host/io/sigmf.c
pkg_check_modules(ARCHIVE REQUIRED IMPORTED_TARGET libarchive)
add_library(triad::archive INTERFACE IMPORTED)
target_link_libraries(triad::archive INTERFACE PkgConfig::ARCHIVE)

if(TRIAD_TESTS)
  pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka)
  add_library(triad::cmocka INTERFACE IMPORTED)
  target_link_libraries(triad::cmocka INTERFACE PkgConfig::CMOCKA)
endif()

# triad_option(PART "what it is for"): the AUTO/ON/OFF cache setting TRIAD_WITH_<PART>.
macro(triad_option part doc)
  set(TRIAD_WITH_${part} AUTO CACHE STRING "${doc}: AUTO (when found), ON (required) or OFF")
  set_property(CACHE TRIAD_WITH_${part} PROPERTY STRINGS AUTO ON OFF)
  set(TRIAD_HAVE_${part} OFF)
endmacro()
# triad_found(PART found-variable "what is missing"): TRIAD_HAVE_<PART> from a find result;
# a missing dependency of a part that is ON stops the configuration.
macro(triad_found part found missing)
  if(${found})
    set(TRIAD_HAVE_${part} ON)
  else()
    set(TRIAD_WHY_NOT_${part} "${missing} not found")
    if(TRIAD_WITH_${part} STREQUAL "ON")
      message(FATAL_ERROR "TRIAD_WITH_${part}=ON but ${missing} was not found")
    endif()
  endif()
endmacro()

# --- opencl (fft) ---
# The ICD loader and headers (Debian: ocl-icd-opencl-dev, opencl-headers); the kernels are
# OpenCL C 1.2. Tests run on any device, PoCL's CPU device included (pocl-opencl-icd).
triad_option(OPENCL "The OpenCL backend")
if(TRIAD_WITH_OPENCL STREQUAL "OFF")
  set(TRIAD_WHY_NOT_OPENCL "TRIAD_WITH_OPENCL=OFF")
else()
  find_package(OpenCL QUIET)
  triad_found(OPENCL OpenCL_FOUND "OpenCL (ocl-icd-opencl-dev, opencl-headers)")
endif()
# --- end opencl (fft) ---

# --- png ---
triad_option(PNG "PNG maps and plots (triad_png)")
if(TRIAD_WITH_PNG STREQUAL "OFF")
  set(TRIAD_WHY_NOT_PNG "TRIAD_WITH_PNG=OFF")
else()
  pkg_check_modules(PNG QUIET IMPORTED_TARGET libpng)
  triad_found(PNG PNG_FOUND "libpng (libpng-dev)")
  if(TRIAD_HAVE_PNG)
    add_library(triad::libpng INTERFACE IMPORTED)
    target_link_libraries(triad::libpng INTERFACE PkgConfig::PNG)
  endif()
endif()
# --- end png ---

# --- dds ---
# Cyclone DDS: libddsc and its CMake package with idlc_generate() (Debian: cyclonedds-dev),
# the IDL compiler idlc (cyclonedds-tools).
triad_option(DDS "Cyclone DDS input and output (triad_dds)")
if(TRIAD_WITH_DDS STREQUAL "OFF")
  set(TRIAD_WHY_NOT_DDS "TRIAD_WITH_DDS=OFF")
else()
  find_package(CycloneDDS QUIET)
  triad_found(DDS CycloneDDS_FOUND "Cyclone DDS (cyclonedds-dev, cyclonedds-tools)")
endif()
# --- end dds ---

# --- share ---
# libsodium (Debian: libsodium-dev): Ed25519 signatures and BLAKE2b for host/share/; the links
# are DDS.
triad_option(SHARE "Signed sharing of warnings and tracks (triad_share)")
if(TRIAD_WITH_SHARE STREQUAL "OFF")
  set(TRIAD_WHY_NOT_SHARE "TRIAD_WITH_SHARE=OFF")
elseif(NOT TRIAD_HAVE_DDS)
  triad_found(SHARE TRIAD_HAVE_DDS "DDS (triad_dds)")
else()
  pkg_check_modules(SODIUM QUIET IMPORTED_TARGET libsodium)
  triad_found(SHARE SODIUM_FOUND "libsodium (libsodium-dev)")
  if(TRIAD_HAVE_SHARE)
    add_library(triad::sodium INTERFACE IMPORTED)
    target_link_libraries(triad::sodium INTERFACE PkgConfig::SODIUM)
  endif()
endif()
# --- end share ---
