/* Triad — the complex sample type of the public API, the same in C and C++ (as FFTW's
 * fftwf_complex and liquid-dsp's liquid_float_complex are):
 *   C:    float _Complex (<complex.h>'s float complex)
 *   C++:  std::complex<float>
 * Both are two floats, real part first (C11 6.2.5p13, C++11 [complex.numbers]p4), so an array
 * of either is the bytes of a cf32_le buffer and can be passed where the API takes
 * triad_cf32 * or a raw cf32_le CPI. SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef TRIAD_COMPLEX_H
#define TRIAD_COMPLEX_H

#ifdef __cplusplus
#include <complex>
typedef std::complex<float> triad_cf32;
#else
#include <complex.h>
typedef float _Complex triad_cf32;
#endif

#endif
