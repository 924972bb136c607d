#pragma once
/// Deterministic transcendental functions for everything whose bits the determinism contract
/// promises (random variates, prior densities, kernels, weights, distances, built-in models).
///
/// The platform libm is not used on those paths: glibc selects its exp/log/sin/cos/pow code by
/// CPU features at run time (FMA or not), so two hosts of one cluster would compute different
/// bits. These are fixed sequences of IEEE operations (+ - * / sqrt and bit manipulation, no
/// FMA), compiled with -ffp-contract=off. exp, log and sincos_turn are the inline C functions of
/// abcsmc/detmath.h (shared with abcsmc/plugin_rng.h); the rest lives in src/core/detmath.cpp.
/// Measured accuracy (tests/core/detmath_test.cpp, against long double on dense grids) is given
/// per function. Reporting, estimates and I/O keep using <cmath>.
#include "abcsmc/detmath.h"

namespace abcsmc::detmath {

/// e^x, error < 1 ulp; +inf above 709.78, +0 below -745.13.
inline double exp(double x) noexcept { return abcsmc_det_exp(x); }

/// Natural logarithm, error < 1 ulp; log(0) = -inf, log(x < 0) = NaN.
inline double log(double x) noexcept { return abcsmc_det_log(x); }

/// sin(2 pi t) and cos(2 pi t) with exact argument reduction, error < 2 ulp.
struct SinCos {
  double sin;  ///< sin(2 pi t)
  double cos;  ///< cos(2 pi t)
};
inline SinCos sincos_turn(double t) noexcept {
  SinCos out{};
  abcsmc_det_sincos_turn(t, &out.sin, &out.cos);
  return out;
}

/// log(1 + x), error < 1.5 ulp; -1 -> -inf, x < -1 -> NaN.
double log1p(double x) noexcept;

/// e^x - 1, error < 1.5 ulp.
double expm1(double x) noexcept;

/// x^y through a double-double logarithm, error < 2 ulp for finite results. Special cases as
/// C's pow (x^0 = 1, 1^y = 1, 0^y, inf, negative x with integer y; negative x with non-integer y
/// is NaN).
double pow(double x, double y) noexcept;

/// log Gamma(x) for x > 0 (NaN for x <= 0 or NaN, +inf for x = +inf). Stirling's series with a
/// double-double log above 10, the recurrence below: absolute error < 4e-16 * max(1, |result|)
/// (the relative error is larger only close to the roots x = 1 and x = 2).
double lgamma(double x) noexcept;

/// Error function, error < 2 ulp.
double erf(double x) noexcept;

/// Complementary error function, relative error < 4 ulp over the whole range (underflows to 0
/// above 27.3).
double erfc(double x) noexcept;

}  // namespace abcsmc::detmath
