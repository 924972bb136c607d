#pragma once
/// The priors' special functions (src/core/special_functions.cpp): the standard normal's density,
/// tails and quantile, the regularised incomplete gamma and beta functions, and the safeguarded
/// quantile solver of the distributions without a closed-form inverse. Internal to abcsmc_core:
/// the API is the priors (distribution.hpp); these are declared here for them and their tests.
/// All of them use detmath, not libm (the determinism contract covers prior densities).
#include <cmath>
#include <limits>

#include "abcsmc/core/detmath.hpp"

namespace abcsmc::detail {

inline constexpr double kLogSqrt2Pi = 0.91893853320467274178;  // log(sqrt(2 pi))
inline constexpr double kSqrt1_2 = 0.70710678118654752440;     // 1 / sqrt(2)
/// Floor of the modified Lentz continued fractions; also the quantile solver's "at zero".
inline constexpr double kFpMin = 1e-300;

/// a * log(x) with the convention 0 * log(0) = 0: the priors' (a - 1) * log(x) terms.
inline double xlogy(double a, double x) { return a == 0.0 ? 0.0 : a * detmath::log(x); }

// ------------------------------------------------------------------------------------------------
// Standard normal helpers.

/// log phi(z), the standard normal log density.
inline double norm_log_pdf(double z) { return -0.5 * z * z - kLogSqrt2Pi; }
/// Phi(z) = P(Z <= z), accurate in the lower tail.
inline double norm_cdf(double z) { return 0.5 * detmath::erfc(-z * kSqrt1_2); }
/// Q(z) = P(Z > z), accurate in the upper tail.
inline double norm_upper(double z) { return 0.5 * detmath::erfc(z * kSqrt1_2); }

/// log Q(x), accurate (no underflow) for any x: erfc below 5, Laplace's continued fraction for
/// the Mills ratio R(x) = Q(x) / phi(x) above.
double log_norm_upper(double x);

/// Inverse of Phi: Acklam's rational approximation refined by one Halley step on erfc, which
/// gives full double precision. p <= 0 -> -inf, p >= 1 -> +inf.
double norm_quantile(double p);

// ------------------------------------------------------------------------------------------------
// Regularised incomplete gamma and beta functions (Numerical Recipes style).

/// P(a, x) = gamma(a, x) / Gamma(a); `lga` = lgamma(a).
double reg_lower_gamma(double a, double x, double lga);

/// I_x(a, b); `lbeta` = log B(a, b).
double reg_inc_beta(double a, double b, double x, double lbeta);

// ------------------------------------------------------------------------------------------------
// Quantiles without a closed form.

/// Smallest x in [lo, hi] with cdf(x) >= p for a continuous distribution: safeguarded Newton
/// (using the density) with bisection, geometric bisection on wide positive brackets. Requires
/// cdf(lo) <= p <= cdf(hi). Bounded number of iterations.
template <class Cdf, class LogPdf>
double solve_quantile(double p, double lo, double hi, double x, const Cdf& cdf,
                      const LogPdf& log_pdf) {
  if (!(x > lo && x < hi)) x = 0.5 * (lo + hi);
  for (int it = 0; it < 2000; ++it) {
    const double f = cdf(x) - p;
    if (f == 0.0) return x;
    if (f < 0.0) {
      lo = x;
    } else {
      hi = x;
    }
    if (!(hi - lo > 2.0 * std::numeric_limits<double>::epsilon() * std::abs(hi))) break;
    double next = x - f / detmath::exp(log_pdf(x));
    if (!(next > lo && next < hi)) {
      if (lo > 0.0 && hi / lo > 16.0) {
        next = std::sqrt(lo) * std::sqrt(hi);
      } else if (lo <= 0.0 && hi > 0.0 && hi > 16.0 * -lo && lo >= -kFpMin) {
        next = hi / 16.0;  // walk down towards a support boundary at 0 geometrically
      } else {
        next = 0.5 * (lo + hi);
      }
    } else if (std::abs(next - x) <= 4.0 * std::numeric_limits<double>::epsilon() * std::abs(x)) {
      return next;
    }
    x = next;
  }
  return hi;
}

}  // namespace abcsmc::detail
