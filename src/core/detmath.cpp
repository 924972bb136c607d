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

/// a * b as a double-double (relative error ~2^-104).
DD dd_mul(DD a, DD b) {
  const DD p = two_prod(a.hi, b.hi);
  return fast_two_sum(p.hi, p.lo + (a.hi * b.lo + a.lo * b.hi));
}

/// a + b as a double-double (the accurate sum: both parts' errors kept).
DD dd_add(DD a, DD b) {
  const DD s = two_sum(a.hi, b.hi);
  const DD t = two_sum(a.lo, b.lo);
  const DD u = fast_two_sum(s.hi, s.lo + t.hi);
  return fast_two_sum(u.hi, u.lo + t.lo);
}

constexpr DD kThird = {0x1.5555555555555p-2, 0x1.5555555555555p-56};  // 1/3

/// log(x) as a double-double with relative error below 2^-100 ... 2^-70 (the series' double
/// tail dominates), for finite x > 0: x = 2^e m with m in [sqrt(1/2), sqrt(2)), s = (m - 1) /
/// (m + 1) in double-double, log m = 2 atanh(s) = 2 s + 2 s^3 (1/3 + s^2 P(s^2)), where
/// s^3 (1/3 + ...) is computed in double-double and only P (a relative contribution below
/// s^4 / 5 < 2^-12) in double; e ln 2 with ln 2 to 86 bits.
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
  const double m = std::bit_cast<double>((shifted & 0x000fffffffffffffull) + 0x3fe6a09e667f3bcdull);
  const double f = m - 1.0;  // exact
  // s = f / (2 + f) as a double-double.
  const DD d = fast_two_sum(2.0, f);
  const double s_hi = f / d.hi;
  const DD p = two_prod(s_hi, d.hi);
  const double s_lo = (((f - p.hi) - p.lo) - s_hi * d.lo) / d.hi;
  const DD s = fast_two_sum(s_hi, s_lo);
  const DD z = dd_mul(s, s);
  // P(z) = 1/5 + z/7 + ... + z^11/27, truncation < z^12 / 29 < 2^-66 relative to 1/5.
  double pz = 1.0 / 27.0;
  for (int k = 25; k >= 5; k -= 2) pz = pz * z.hi + 1.0 / k;
  const DD zp = two_prod(z.hi, pz);
  const DD q = dd_add(kThird, fast_two_sum(zp.hi, zp.lo + z.lo * pz));
  const DD s3 = dd_mul(dd_mul(s, z), q);
  const DD lm = dd_add({2.0 * s.hi, 2.0 * s.lo}, {2.0 * s3.hi, 2.0 * s3.lo});
  if (e == 0) return lm;
  const double ed = static_cast<double>(e);
  return dd_add(fast_two_sum(ed * kLn2Hi, ed * kLn2Lo), lm);  // ed * kLn2Hi exact
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

double expm1_q(double r) {
  double q = kExpm1Poly[0];
  for (std::size_t i = 1; i < kExpm1Poly.size(); ++i) q = q * r + kExpm1Poly[i];
  return q;
}

double expm1_small(double r) { return r + r * r * expm1_q(r); }

// erf and erfc: polynomial fits (Chebyshev, by mpmath at 40 digits: scripts/detmath_erf_fit.py;
// degrees chosen so the fit error is below 2^-60 relative), evaluated by Horner in u in [-1, 1]:
//   |x| <= 1       erf(x) = x + x (2/sqrt(pi) - 1 + kErfSmall(u)), u = 2 x^2 - 1
//   0.5 <= x < 4   erfc(x) = e^-x^2 erfcx(x), erfcx fitted on [0.5, 1], [1, 2], [2, 4] in x
//   x >= 4         erfc(x) = e^-x^2 (x erfcx(x)) / x, x erfcx(x) fitted in s = 1/x^2 on
//                  [1/64, 1/16] and [0, 1/64]
// e^-x^2 with x^2 split exactly (hi + lo): e^-hi (1 - lo).
constexpr std::array<double, 14> kErfSmall = {
    -5.16472878942302e-16,  1.4548169783352384e-14, -3.7910973708931526e-13,
    9.167606748998164e-12,  -2.03524938661036e-10,  4.115800597661665e-09,
    -7.511569160710623e-08, 1.2233827383524026e-06, -1.7537169441492004e-05,
    0.00021751715604160108, -0.0022854855611440673, 0.019852496688983708,
    -0.1405360890227171,    -0.16291042842564527};
constexpr std::array<double, 15> kErfcx05 = {
    1.7310702436308993e-14, -2.149720777127483e-13,  2.5250183778041673e-12,
    -2.940238691685661e-11, 3.306876440008758e-10,   -3.5801452026870127e-09,
    3.719539411742085e-08,  -3.6935621693335953e-07, 3.488573893088815e-06,
    -3.114966996112664e-05, 0.00026090055674831184,  -0.0020286884686699707,
    0.014434883221956143,   -0.09199317291394885,    0.5069376502931449};
constexpr std::array<double, 17> kErfcx1 = {
    2.0206514750441873e-13, -1.512018061489917e-12, 1.0201594788774491e-11, -7.257032617086992e-11,
    5.04654734183512e-10,   -3.405938587821499e-09, 2.2328417586062252e-08, -1.4191186135917107e-07,
    8.72304473829848e-07,   -5.171328672722121e-06, 2.947085745299996e-05,  -0.0001608111733699307,
    0.0008360838095667121,  -0.004116363162445659,  0.01903775996386935,    -0.08181145886628002,
    0.3215854164543175};
constexpr std::array<double, 20> kErfcx2 = {
    -3.32463503923892e-13,   1.6647790649164353e-12,  -6.555844952443731e-12,
    3.165046186861128e-11,   -1.539306000137148e-10,  7.206556491473509e-10,
    -3.312780752600577e-09,  1.4977112890287265e-08,  -6.646690382092543e-08,
    2.8926692938101366e-07,  -1.2333677143104898e-06, 5.146436493852072e-06,
    -2.0989464462229973e-05, 8.355413963925958e-05,   -0.00032412554449670324,
    0.0012230390523759822,   -0.00447943101837258,    0.01588437115987136,
    -0.05437226000717287,    0.17900115118138996};
constexpr std::array<double, 14> kXErfcx4 = {
    -2.309793635682103e-15, 1.4757205105852714e-14, -9.105011180371696e-14, 6.528792462106653e-13,
    -5.001106423270668e-12, 4.110486045899658e-11,  -3.67877586795831e-10,  3.6420112989622406e-09,
    -4.074810332044113e-08, 5.313283008544436e-07,  -8.46606072814448e-06,  0.00017881224046771633,
    -0.0059332423715974135, 0.5537602328010941};
constexpr std::array<double, 10> kXErfcx8 = {
    -2.0891880918218986e-15, 3.578064220898239e-14,  -6.804200429904268e-13, 1.487343475508068e-11,
    -3.7909015207691385e-10, 1.1647720697683694e-08, -4.537195457600244e-07, 2.4391475208977794e-05,
    -0.0021536728710360113,  0.5620110534395629};

constexpr double kTwoOverSqrtPiM1 = 0.1283791670955126;  // 2/sqrt(pi) - 1

template <std::size_t N>
double horner(const std::array<double, N>& c, double u) {
  double v = c[0];
  for (std::size_t i = 1; i < N; ++i) v = v * u + c[i];
  return v;
}

/// erf(x) for |x| <= 1.
double erf_small(double x) {
  const double u = 2.0 * (x * x) - 1.0;
  return x + x * (kTwoOverSqrtPiM1 + horner(kErfSmall, u));
}

/// c(u) (1 - lo) for a fit c whose constant coefficient is c.back() + c0_lo: the low part of
/// the constant and the factor 1 - lo fold into the last Horner step (one rounding, not three).
template <std::size_t N>
double fit_times(const std::array<double, N>& c, double c0_lo, double u, double lo) {
  double v = c[0];
  for (std::size_t i = 1; i + 1 < N; ++i) v = v * u + c[i];
  const double t = v * u + c0_lo;
  return c[N - 1] + (t - (c[N - 1] + t) * lo);
}

/// e^x = (hi + lo) 2^k for -746 < x < 0, hi + lo accurate to ~2^-62 (the reduction of
/// abcsmc_det_exp with the sum 1 + r + r^2 q(r) kept in double-double).
struct ScaledDD {
  DD m;
  int k;
};
ScaledDD exp_dd(double x) {
  const double shifter = 6755399441055744.0;
  const double kd = (x * 1.4426950408889634074 + shifter) - shifter;
  const double hi = x - kd * kLn2Hi;
  const double lo = kd * kLn2Lo;
  const double r = hi - lo;
  const double c = (hi - r) - lo;
  const DD em = two_sum(r, r * r * expm1_q(r) + c * (1.0 + r));
  const DD s = two_sum(1.0, em.hi);
  return {fast_two_sum(s.hi, s.lo + em.lo), static_cast<int>(kd)};
}

/// v 2^k, also for k below the normal range (two exact steps, one rounding into subnormals).
double scale2(double v, int k) {
  if (k < -1000) {
    v *= std::bit_cast<double>(static_cast<std::uint64_t>(-1000 + 1023) << 52);
    k += 1000;
  }
  return v * std::bit_cast<double>(static_cast<std::uint64_t>(k + 1023) << 52);
}

/// erfc(x) for 0.5 <= x <= 27.3: e^-x^2 (double-double, x^2 split exactly) times the fit.
double erfc_large(double x) {
  const DD x2 = two_prod(x, x);
  const ScaledDD e = exp_dd(-x2.hi);  // e^-x^2 = e (1 - x2.lo) to 2^-106
  const double lo = x2.lo;
  double f = 0.0;
  if (x < 1.0) {
    f = fit_times(kErfcx05, -5.335681035462232e-17, 4.0 * x - 3.0, lo);
  } else if (x < 2.0) {
    f = fit_times(kErfcx1, 1.7007985607722196e-17, 2.0 * x - 3.0, lo);
  } else if (x < 4.0) {
    f = fit_times(kErfcx2, -5.552119524704471e-18, x - 3.0, lo);
  } else {
    const double s = 1.0 / x2.hi;
    f = x < 8.0
            ? fit_times(kXErfcx4, 2.511185499583011e-17, (s - 0.0390625) * (1.0 / 0.0234375), lo)
            : fit_times(kXErfcx8, 3.8963562108854317e-17, 128.0 * s - 1.0, lo);
    f /= x;
  }
  return scale2(e.m.hi * f + e.m.lo * f, e.k);
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
  // e^r - 1 = r + (r^2 q(r) + c (1 + r)) kept as a double-double em, then
  // e^x - 1 = (2^k - 1) + 2^k em with 2^k - 1 exact as a double-double and the scaling exact.
  const DD em = two_sum(r, r * r * expm1_q(r) + c * (1.0 + r));
  const int k = static_cast<int>(kd);  // -55 <= k <= 58
  const double two_k = std::bit_cast<double>(static_cast<std::uint64_t>(k + 1023) << 52);
  const DD t = two_sum(two_k, -1.0);
  const DD a = two_sum(t.hi, two_k * em.hi);
  return a.hi + ((a.lo + t.lo) + two_k * em.lo);
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
  // Shift x up to y >= 10: lgamma(x) = lgamma(y) - log(x (x+1) ... (x+n-1)), with x + i, the
  // product and its logarithm in double-double (the difference cancels: lgamma(0.3) = 1.1 from
  // 13.6 - 12.5, so a rounded x + i would cost several ulp).
  DD y{x, 0.0};
  DD shift{0.0, 0.0};  // log of the product
  if (x < 10.0) {
    DD prod{x, 0.0};
    double i = 1.0;
    y = two_sum(x, i);
    while (y.hi < 10.0) {
      prod = dd_mul(prod, y);
      i += 1.0;
      y = two_sum(x, i);
    }
    shift = dd_add(log_dd(prod.hi), DD{prod.lo / prod.hi, 0.0});
  }
  // Stirling: (y - 1/2) log y - y + log(2 pi)/2 + sum B_2k / (2k (2k-1) y^(2k-1)).
  const DD l = dd_add(log_dd(y.hi), DD{y.lo / y.hi, 0.0});
  const DD a = dd_mul(dd_add(y, DD{-0.5, 0.0}), l);
  const DD b = dd_add(a, DD{-y.hi, -y.lo});
  const double w = 1.0 / y.hi;
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
  const DD c = dd_add(b, DD{0.91893853320467274178, -3.8782941580672414e-17});  // log(2 pi) / 2
  const DD r = dd_add(dd_add(c, DD{series, 0.0}), DD{-shift.hi, -shift.lo});
  return r.hi + r.lo;
}

double erf(double x) noexcept {
  if (!(x == x)) return x;
  const double ax = std::abs(x);
  if (ax <= 1.0) return erf_small(x);
  if (ax >= 6.0) return x > 0.0 ? 1.0 : -1.0;
  const double r = 1.0 - erfc_large(ax);
  return x > 0.0 ? r : -r;
}

double erfc(double x) noexcept {
  if (!(x == x)) return x;
  if (x < -6.0) return 2.0;
  if (x < -0.5) return 2.0 - erfc_large(-x);
  if (x < 0.5) return 1.0 - erf_small(x);
  if (x > 27.3) return 0.0;
  return erfc_large(x);
}

}  // namespace abcsmc::detmath
