# Dependencies from pkg-config (Debian's FFTW and cJSON ship no CMake config). The install
# step that provides them is .ci/install-deps.
find_package(PkgConfig REQUIRED)
find_package(OpenMP REQUIRED)
find_package(Threads REQUIRED)

pkg_check_modules(FFTW3F REQUIRED IMPORTED_TARGET fftw3f)
add_library(triad::fftw3f INTERFACE IMPORTED)
target_link_libraries(triad::fftw3f INTERFACE PkgConfig::FFTW3F)
# FFTW's OpenMP planner, for the benchmark's floor (batched, threaded transforms)
find_library(FFTW3F_OMP_LIB fftw3f_omp HINTS ${FFTW3F_LIBRARY_DIRS} REQUIRED)

pkg_check_modules(CJSON REQUIRED IMPORTED_TARGET libcjson)
add_library(triad::cjson INTERFACE IMPORTED)
target_link_libraries(triad::cjson INTERFACE PkgConfig::CJSON)

# libarchive (Debian: libarchive-dev): .sigmf archives (tar) in host/io/sigmf.c
pkg_check_modules(ARCHIVE REQUIRED IMPORTED_TARGET libarchive)
add_library(triad::archive INTERFACE IMPORTED)
target_link_libraries(triad::archive INTERFACE PkgConfig::ARCHIVE)

pkg_check_modules(PNG REQUIRED IMPORTED_TARGET libpng)
add_library(triad::png INTERFACE IMPORTED)
target_link_libraries(triad::png INTERFACE PkgConfig::PNG)

if(TRIAD_TESTS)
  pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka)
  add_library(triad::cmocka INTERFACE IMPORTED)
  target_link_libraries(triad::cmocka INTERFACE PkgConfig::CMOCKA)
endif()

# --- opencl (fft) ---
# The ICD loader and headers (Debian: ocl-icd-opencl-dev, opencl-headers); the kernels are
# OpenCL C 1.2. Tests run on any device, PoCL's CPU device included (pocl-opencl-icd).
find_package(OpenCL REQUIRED)
# --- end opencl (fft) ---

# --- dds ---
# Cyclone DDS: libddsc and its CMake package with idlc_generate() (Debian: cyclonedds-dev),
# the IDL compiler idlc (cyclonedds-tools).
find_package(CycloneDDS REQUIRED)
# --- end dds ---

# --- share ---
# libsodium (Debian: libsodium-dev): Ed25519 signatures and BLAKE2b for host/share/.
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
add_library(triad::sodium INTERFACE IMPORTED)
target_link_libraries(triad::sodium INTERFACE PkgConfig::SODIUM)
# --- end share ---
