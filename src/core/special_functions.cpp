#include "abcsmc/core/detail/special_functions.hpp"

#include <algorithm>
#include <cmath>

#include "abcsmc/core/detail/constants.hpp"
#include "abcsmc/core/detmath.hpp"

namespace abcsmc::detail {
namespace {

constexpr double kSqrt2Pi = 2.50662827463100050242;
constexpr double kEps = 1e-16;

/// Continued fraction of the incomplete beta function (modified Lentz).
double beta_cf(double a, double b, double x) {
  const double qab = a + b;
  const double qap = a + 1.0;
  const double qam = a - 1.0;
  double c = 1.0;
  double d = 1.0 - qab * x / qap;
  if (std::abs(d) < kFpMin) d = kFpMin;
  d = 1.0 / d;
  double h = d;
  for (int m = 1; m < 100000; ++m) {
    const int m2 = 2 * m;
    double aa = m * (b - m) * x / ((qam + m2) * (a + m2));
    d = 1.0 + aa * d;
    if (std::abs(d) < kFpMin) d = kFpMin;
    c = 1.0 + aa / c;
    if (std::abs(c) < kFpMin) c = kFpMin;
    d = 1.0 / d;
    h *= d * c;
    aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
    d = 1.0 + aa * d;
    if (std::abs(d) < kFpMin) d = kFpMin;
    c = 1.0 + aa / c;
    if (std::abs(c) < kFpMin) c = kFpMin;
    d = 1.0 / d;
    const double del = d * c;
    h *= del;
    if (std::abs(del - 1.0) < kEps) break;
  }
  return h;
}

}  // namespace

double log_norm_upper(double x) {
  if (x < 5.0) return detmath::log(norm_upper(x));
  if (x == kInf) return -kInf;
  // R(x) = 1 / (x + 1 / (x + 2 / (x + 3 / (x + ...)))), evaluated backwards from a fixed depth.
  double t = x;
  for (int k = 80; k >= 1; --k) t = x + k / t;
  return norm_log_pdf(x) - detmath::log(t);
}

double norm_quantile(double p) {
  if (!(p > 0.0)) return p == 0.0 ? -kInf : kNaN;
  if (!(p < 1.0)) return p == 1.0 ? kInf : kNaN;
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                                 -2.759285104469687e+02, 1.383577518672690e+02,
                                 -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                                 -1.556989798598866e+02, 6.680131188771972e+01,
                                 -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                                 -2.400758277161838e+00, -2.549732539343734e+00,
                                 4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                                 2.445134137142996e+00, 3.754408661907416e+00};
  constexpr double p_low = 0.02425;
  double x = 0.0;
  if (p < p_low) {
    const double q = std::sqrt(-2.0 * detmath::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
  } else if (p <= 1.0 - p_low) {
    const double q = p - 0.5;
    const double r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
  } else {
    const double q = std::sqrt(-2.0 * detmath::log1p(-p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
  }
  // Halley refinement. In the upper half work with the upper tail to keep relative accuracy.
  for (int it = 0; it < 2; ++it) {
    double e = 0.0;
    if (x <= 0.0) {
      e = norm_cdf(x) - p;
    } else {
      e = (1.0 - p) - norm_upper(x);  // = Phi(x) - p, to the precision p itself has
    }
    const double u = e * kSqrt2Pi * detmath::exp(0.5 * x * x);
    x = x - u / (1.0 + 0.5 * x * u);
  }
  return x;
}

double reg_lower_gamma(double a, double x, double lga) {
  if (!(x > 0.0)) return 0.0;
  if (x == kInf) return 1.0;
  const double log_front = -x + a * detmath::log(x) - lga;
  if (x < a + 1.0) {
    double ap = a;
    double del = 1.0 / a;
    double sum = del;
    for (int n = 0; n < 100000; ++n) {
      ap += 1.0;
      del *= x / ap;
      sum += del;
      if (std::abs(del) < std::abs(sum) * kEps) break;
    }
    return std::min(1.0, sum * detmath::exp(log_front));
  }
  // Continued fraction for Q(a, x) (modified Lentz).
  double bb = x + 1.0 - a;
  double cc = 1.0 / kFpMin;
  double dd = 1.0 / bb;
  double h = dd;
  for (int i = 1; i < 100000; ++i) {
    const double an = -i * (i - a);
    bb += 2.0;
    dd = an * dd + bb;
    if (std::abs(dd) < kFpMin) dd = kFpMin;
    cc = bb + an / cc;
    if (std::abs(cc) < kFpMin) cc = kFpMin;
    dd = 1.0 / dd;
    const double del = dd * cc;
    h *= del;
    if (std::abs(del - 1.0) < kEps) break;
  }
  return std::max(0.0, 1.0 - detmath::exp(log_front) * h);
}

double reg_inc_beta(double a, double b, double x, double lbeta) {
  if (!(x > 0.0)) return 0.0;
  if (!(x < 1.0)) return 1.0;
  const double log_front = a * detmath::log(x) + b * detmath::log1p(-x) - lbeta;
  if (x < (a + 1.0) / (a + b + 2.0)) return detmath::exp(log_front) * beta_cf(a, b, x) / a;
  return 1.0 - detmath::exp(log_front) * beta_cf(b, a, 1.0 - x) / b;
}

}  // namespace abcsmc::detail
