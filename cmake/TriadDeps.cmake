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
#   SOAPY   the SoapySDR source of the live stream in the triad library (libsoapysdr-dev)
# Each sets TRIAD_HAVE_<PART>; the summary at the end of CMakeLists.txt says what is built.
find_package(PkgConfig REQUIRED)
find_package(OpenMP REQUIRED)
find_package(Threads REQUIRED)

# triad_pkg(<name> <module> <PREFIX> REQUIRED|QUIET): a pkg-config module as the imported
# target triad::<name> (when found; <PREFIX>_FOUND says).
macro(triad_pkg name module prefix)
  pkg_check_modules(${prefix} ${ARGN} IMPORTED_TARGET ${module})
  if(${prefix}_FOUND)
    add_library(triad::${name} INTERFACE IMPORTED)
    target_link_libraries(triad::${name} INTERFACE PkgConfig::${prefix})
  endif()
endmacro()

triad_pkg(fftw3f fftw3f FFTW3F REQUIRED)
# FFTW's OpenMP planner (libfftw3f_omp, in Debian's libfftw3-dev), for the benchmark's floor
# (batched, threaded transforms, host/proc/bench_floor.c): optional, single-threaded without.
find_library(FFTW3F_OMP_LIB fftw3f_omp HINTS ${FFTW3F_LIBRARY_DIRS})
if(FFTW3F_OMP_LIB)
  add_library(triad::fftw3f_omp UNKNOWN IMPORTED)
  set_target_properties(triad::fftw3f_omp PROPERTIES IMPORTED_LOCATION ${FFTW3F_OMP_LIB})
  set(FFTW3F_OMP_LIB_FOUND TRUE)
else()
  set(FFTW3F_OMP_LIB_FOUND FALSE)
endif()

triad_pkg(cjson libcjson CJSON REQUIRED)

# libarchive (Debian: libarchive-dev): .sigmf archives (tar) in host/io/sigmf.c
triad_pkg(archive libarchive ARCHIVE REQUIRED)

# Nettle (Debian: nettle-dev): SHA-512 of SigMF data (core:sha512) in host/io/sigmf.c
triad_pkg(nettle nettle NETTLE REQUIRED)

if(TRIAD_TESTS)
  triad_pkg(cmocka cmocka CMOCKA REQUIRED)
endif()

# triad_option(PART "what it is for"): the AUTO/ON/OFF cache setting TRIAD_WITH_<PART>.
# TRIAD_LOOK_${part}: whether to look for its dependencies at all (not OFF).
macro(triad_option part doc)
  set(TRIAD_WITH_${part} AUTO CACHE STRING "${doc}: AUTO (when found), ON (required) or OFF")
  set_property(CACHE TRIAD_WITH_${part} PROPERTY STRINGS AUTO ON OFF)
  set(TRIAD_HAVE_${part} OFF)
  set(TRIAD_LOOK_${part} ON)
  if(TRIAD_WITH_${part} STREQUAL "OFF")
    set(TRIAD_LOOK_${part} OFF)
    set(TRIAD_WHY_NOT_${part} "TRIAD_WITH_${part}=OFF")
  endif()
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
if(TRIAD_LOOK_OPENCL)
  find_package(OpenCL QUIET)
  triad_found(OPENCL OpenCL_FOUND "OpenCL (ocl-icd-opencl-dev, opencl-headers)")
endif()
# --- end opencl (fft) ---

# --- soapy ---
# SoapySDR (Debian: libsoapysdr-dev): `triad run --source soapy://...`. Through pkg-config:
# its CMake package hands C++ warning options to every C file that links it.
triad_option(SOAPY "The SoapySDR live source")
if(TRIAD_WITH_SOAPY STREQUAL "OFF")
  set(TRIAD_WHY_NOT_SOAPY "TRIAD_WITH_SOAPY=OFF")
else()
  pkg_check_modules(SOAPY QUIET IMPORTED_TARGET SoapySDR)
  triad_found(SOAPY SOAPY_FOUND "SoapySDR (libsoapysdr-dev)")
  if(TRIAD_HAVE_SOAPY)
    add_library(triad::soapysdr INTERFACE IMPORTED)
    target_link_libraries(triad::soapysdr INTERFACE PkgConfig::SOAPY)
  endif()
endif()
# --- end soapy ---

# --- png ---
triad_option(PNG "PNG maps and plots (triad_png)")
if(TRIAD_LOOK_PNG)
  triad_pkg(libpng libpng PNG QUIET)
  triad_found(PNG PNG_FOUND "libpng (libpng-dev)")
endif()
# --- end png ---

# --- dds ---
# Cyclone DDS: libddsc and its CMake package with idlc_generate() (Debian: cyclonedds-dev),
# the IDL compiler idlc (cyclonedds-tools).
triad_option(DDS "Cyclone DDS input and output (triad_dds)")
if(TRIAD_LOOK_DDS)
  find_package(CycloneDDS QUIET)
  triad_found(DDS CycloneDDS_FOUND "Cyclone DDS (cyclonedds-dev, cyclonedds-tools)")
endif()
# --- end dds ---

# --- share ---
# libsodium (Debian: libsodium-dev): Ed25519 signatures and BLAKE2b for host/share/; the links
# are DDS.
triad_option(SHARE "Signed sharing of warnings and tracks (triad_share)")
if(NOT TRIAD_LOOK_SHARE)
elseif(NOT TRIAD_HAVE_DDS)
  triad_found(SHARE TRIAD_HAVE_DDS "DDS (triad_dds)")
else()
  triad_pkg(sodium libsodium SODIUM QUIET)
  triad_found(SHARE SODIUM_FOUND "libsodium (libsodium-dev)")
endif()
# --- end share ---
