/// Deterministic log1p, expm1, pow, lgamma, erf and erfc (see abcsmc/core/detmath.hpp). Only
/// + - * / sqrt, exact operations (floor, comparisons) and bit manipulation; double-double
/// arithmetic uses Dekker's splitting (no FMA), so the results do not depend on the CPU.
#include "abcsmc/core/detmath.hpp"

#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

namespace abcsmc::detmath {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kLn2Hi = ABCSMC_DET_LN2_HI_;
constexpr double kLn2Lo = ABCSMC_DET_LN2_LO_;

struct DD {
  double hi, lo;
};

/// a + b = s + err exactly (Knuth).
DD two_sum(double a, double b) {
  const double s = a + b;
  const double bb = s - a;
  return {s, (a - (s - bb)) + (b - bb)};
}

/// a + b = s + err exactly, |a| >= |b| (Dekker).
DD fast_two_sum(double a, double b) {
  const double s = a + b;
  return {s, b - (s - a)};
}

/// a = hi + lo with 26-bit halves (Veltkamp); |a| < 2^995.
DD split(double a) {
  const double c = 134217729.0 * a;  // 2^27 + 1
  const double hi = c - (c - a);
  return {hi, a - hi};
}

/// a * b = p + err exactly (Dekker), without FMA.
DD two_prod(double a, double b) {
  const double p = a * b;
  const DD as = split(a);
  const DD bs = split(b);
  const double err = ((as.hi * bs.hi - p) + as.hi * bs.lo + as.lo * bs.hi) + as.lo * bs.lo;
  return {p, err};
}

/// log(x) as a double-double with relative error ~2^-60, for finite x > 0.
DD log_dd(double x) {
  std::uint64_t u = std::bit_cast<std::uint64_t>(x);
  int e = 0;
  if (u < 0x0010000000000000ull) {  // subnormal
    x *= 18014398509481984.0;       // 2^54
    u = std::bit_cast<std::uint64_t>(x);
    e = -54;
  }
  const std::uint64_t shifted = u + (0x3ff0000000000000ull - 0x3fe6a09e667f3bcdull);
  e += static_cast<int>(shifted >> 52) - 1023;
  const double m =
      std::bit_cast<double>((shifted & 0x000fffffffffffffull) + 0x3fe6a09e667f3bcdull);
  const double f = m - 1.0;  // exact
  // s = f / (2 + f) as a double-double.
  const DD d = fast_two_sum(2.0, f);
  const double s_hi = f / d.hi;
  const DD p = two_prod(s_hi, d.hi);
  const double s_lo = (((f - p.hi) - p.lo) - s_hi * d.lo) / d.hi;
  // log(1 + f) = 2 atanh(s) = 2 s + 2 s^3 (1/3 + s^2/5 + ...).
  const double z = s_hi * s_hi;
  double t = 1.0 / 27.0;
  for (int k = 25; k >= 3; k -= 2) t = t * z + 1.0 / k;
  const double tail = 2.0 * s_hi * z * t + 2.0 * s_lo * (1.0 + z);
  const double ed = static_cast<double>(e);
  const DD a = two_sum(ed * kLn2Hi, 2.0 * s_hi);
  return fast_two_sum(a.hi, a.lo + (tail + ed * kLn2Lo));
}

bool is_integer(double y) { return std::floor(y) == y; }
bool is_odd_integer(double y) {
  if (!is_integer(y) || std::abs(y) >= 9007199254740992.0) return false;
  const double h = 0.5 * y;
  return std::floor(h) != h;
}

/// Taylor coefficients 1 / (n + 2)!, n = 0..15, for expm1(r) = r + r^2 q(r), highest first.
constexpr std::array<double, 16> expm1_coefficients() {
  std::array<double, 16> c{};
  double f = 1.0;
  for (int n = 2; n <= 17; ++n) {
    f *= n;
    c[static_cast<std::size_t>(17 - n)] = 1.0 / f;
  }
  return c;
}
constexpr std::array<double, 16> kExpm1Poly = expm1_coefficients();

double expm1_small(double r) {
  double q = kExpm1Poly[0];
  for (std::size_t i = 1; i < kExpm1Poly.size(); ++i) q = q * r + kExpm1Poly[i];
  return r + r * r * q;
}

/// Taylor coefficients (-1)^n / (n! (2n + 1)), n = 0..21, highest first: erf(x) =
/// 2/sqrt(pi) x sum_n c_n x^2n.
constexpr std::array<double, 22> erf_coefficients() {
  std::array<double, 22> c{};
  double f = 1.0;
  for (int n = 0; n < 22; ++n) {
    if (n > 0) f *= n;
    const double v = 1.0 / (f * (2 * n + 1));
    c[static_cast<std::size_t>(21 - n)] = (n % 2 == 0) ? v : -v;
  }
  return c;
}
constexpr std::array<double, 22> kErfPoly = erf_coefficients();
constexpr double kTwoOverSqrtPi = 1.12837916709551257390;

/// erf(x) for |x| <= 1 by its Taylor series.
double erf_series(double x) {
  const double z = x * x;
  double s = kErfPoly[0];
  for (std::size_t i = 1; i < kErfPoly.size(); ++i) s = s * z + kErfPoly[i];
  return kTwoOverSqrtPi * x * s;
}

/// erfc(x) for x >= 0.5: the even part of Laplace's continued fraction, evaluated bottom-up at a
/// fixed depth that converges to double precision at that x; e^-x^2 with x^2 split exactly.
double erfc_cf(double x) {
  const int depth = x >= 4.0 ? 24 : x >= 2.0 ? 50 : x >= 1.0 ? 100 : x >= 0.75 ? 200 : 400;
  const DD x2 = two_prod(x, x);
  const double b0 = 2.0 * x2.hi + 1.0;
  double t = b0 + 4.0 * depth;
  for (int n = depth; n >= 1; --n) {
    t = (b0 + 4.0 * (n - 1)) - static_cast<double>((2 * n - 1) * (2 * n)) / t;
  }
  const double g = abcsmc_det_exp(-x2.hi) * (1.0 - x2.lo);
  return (kTwoOverSqrtPi * x) * g / t;
}

}  // namespace

double log1p(double x) noexcept {
  if (!(x == x)) return x;
  if (x == kInf) return kInf;
  if (x <= -1.0) return x == -1.0 ? -kInf : kNaN;
  if (std::abs(x) < 0x1p-54) return x;
  const double u = 1.0 + x;
  const double c = x > 1.0 ? 1.0 - (u - x) : x - (u - 1.0);  // 1 + x = u + c exactly
  const DD l = log_dd(u);
  return l.hi + (l.lo + c / u);
}

double expm1(double x) noexcept {
  if (!(x == x)) return x;
  if (x > 709.782712893384) return kInf;
  if (x < -38.0) return -1.0;
  if (std::abs(x) < 0x1p-54) return x;
  if (x > 40.0) return abcsmc_det_exp(x);
  if (std::abs(x) <= 0.34657359027997264) return expm1_small(x);
  const double shifter = 6755399441055744.0;
  const double kd = (x * 1.4426950408889634074 + shifter) - shifter;
  const double hi = x - kd * kLn2Hi;
  const double lo = kd * kLn2Lo;
  const double r = hi - lo;
  const double c = (hi - r) - lo;
  const double em = expm1_small(r) + c * (1.0 + r);
  const int k = static_cast<int>(kd);  // -55 <= k <= 58
  const double two_k = std::bit_cast<double>(static_cast<std::uint64_t>(k + 1023) << 52);
  if (k <= 52) return em * two_k + (two_k - 1.0);
  return (em + 1.0) * two_k - 1.0;
}

double pow(double x, double y) noexcept {
  if (y == 0.0 || x == 1.0) return 1.0;
  if (!(x == x) || !(y == y)) return x + y;
  double sign = 1.0;
  if (std::signbit(x)) {
    if (std::abs(y) != kInf && !is_integer(y)) return kNaN;
    if (is_odd_integer(y)) sign = -1.0;
    x = -x;
  }
  if (std::abs(y) == kInf) {
    if (x == 1.0) return 1.0;
    return (x < 1.0) == (y > 0.0) ? 0.0 : kInf;
  }
  if (x == 0.0) return sign * (y > 0.0 ? 0.0 : kInf);
  if (x == kInf) return sign * (y > 0.0 ? kInf : 0.0);
  if (y == 1.0) return sign * x;
  if (y == 2.0) return x * x;
  if (y == -1.0) return sign / x;
  if (y == 0.5) return std::sqrt(x);
  const DD l = log_dd(x);
  const double approx = y * l.hi;
  if (approx > 710.0) return sign * kInf;
  if (approx < -746.0) return sign * 0.0;
  const DD p = two_prod(y, l.hi);
  const double p_lo = p.lo + y * l.lo;
  const DD q = fast_two_sum(p.hi, p_lo);
  const double e = abcsmc_det_exp(q.hi);
  return sign * (e + e * q.lo);
}

double lgamma(double x) noexcept {
  if (!(x > 0.0)) return kNaN;
  if (x == kInf) return kInf;
  // Shift x up to y >= 10: lgamma(x) = lgamma(y) - log(x (x+1) ... (x+n-1)).
  double y = x;
  double shift = 0.0;  // log of the product
  if (y < 10.0) {
    shift = abcsmc_det_log(y);
    double prod = 1.0;
    y += 1.0;
    while (y < 10.0) {
      prod *= y;
      y += 1.0;
    }
    shift += abcsmc_det_log(prod);
  }
  // Stirling: (y - 1/2) log y - y + log(2 pi)/2 + sum B_2k / (2k (2k-1) y^(2k-1)).
  const DD l = log_dd(y);
  const double ym = y - 0.5;
  const DD a = two_prod(ym, l.hi);
  const DD b = two_sum(a.hi, -y);
  const double w = 1.0 / y;
  const double w2 = w * w;
  double series = -3617.0 / 122400.0;
  series = series * w2 + 1.0 / 156.0;
  series = series * w2 - 691.0 / 360360.0;
  series = series * w2 + 1.0 / 1188.0;
  series = series * w2 - 1.0 / 1680.0;
  series = series * w2 + 1.0 / 1260.0;
  series = series * w2 - 1.0 / 360.0;
  series = series * w2 + 1.0 / 12.0;
  series *= w;
  const DD c = two_sum(b.hi, 0.91893853320467274178);  // log(2 pi) / 2
  const double low = ((b.lo + a.lo + ym * l.lo) + c.lo - 3.8782941580672414e-17) + series;
  return (c.hi + (low - shift));
}

double erf(double x) noexcept {
  if (!(x == x)) return x;
  const double ax = std::abs(x);
  if (ax <= 1.0) return erf_series(x);
  if (ax >= 6.0) return x > 0.0 ? 1.0 : -1.0;
  const double r = 1.0 - erfc_cf(ax);
  return x > 0.0 ? r : -r;
}

double erfc(double x) noexcept {
  if (!(x == x)) return x;
  if (x < -6.0) return 2.0;
  if (x <= 0.5) {
    if (x < -1.0) return 2.0 - erfc_cf(-x);
    return 1.0 - erf_series(x);
  }
  if (x > 27.3) return 0.0;
  return erfc_cf(x);
}

}  // namespace abcsmc::detmath
