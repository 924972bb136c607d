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

/// log(1 + x), error < 1 ulp (measured 0.50); -1 -> -inf, x < -1 -> NaN.
double log1p(double x) noexcept;

/// e^x - 1, error < 1.5 ulp (measured 0.94).
double expm1(double x) noexcept;

/// x^y through a double-double logarithm (relative error ~2^-70), error < 2 ulp for finite
/// results (measured 1.24; 0.70 with |y log x| = 690). Special cases as
/// C's pow (x^0 = 1, 1^y = 1, 0^y, inf, negative x with integer y; negative x with non-integer y
/// is NaN).
double pow(double x, double y) noexcept;

/// log Gamma(x) for x > 0 (NaN for x <= 0 or NaN, +inf for x = +inf). Stirling's series with a
/// double-double log above 10, the recurrence below in double-double: absolute error
/// < 4e-16 * max(1, |result|) (measured 1.1e-16; the relative error is larger only close to the
/// roots x = 1 and x = 2).
double lgamma(double x) noexcept;

/// Error function, error < 2 ulp (measured 1.28). Polynomial fits, e^-x^2 in double-double.
double erf(double x) noexcept;

/// Complementary error function, error < 3 ulp over the whole range (measured 2.66; underflows
/// to 0 above 27.3). About 3x libm's time (~70 ns), no loop whose length depends on x.
double erfc(double x) noexcept;

}  // namespace abcsmc::detmath
