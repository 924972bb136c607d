/* Deterministic elementary functions, in plain C (usable from C and C++).
 *
 * abcsmc promises the same bits for the same config and seed on any host. The platform's libm
 * cannot keep that promise: glibc chooses its exp/log/sin/cos code by CPU features at run time
 * (FMA or not), and other libms differ outright. The functions here are fixed sequences of IEEE
 * double operations (+ - * / and integer bit manipulation; no FMA, no libm, no lookup table that
 * depends on the CPU), so they give the same bits on every x86-64 or aarch64 host as long as the
 * code is compiled without floating-point contraction: GCC -ffp-contract=off (GCC contracts
 * a*b+c into an FMA by default when the target has one, e.g. with -march=native or on aarch64),
 * no -ffast-math and no -fassociative-math. Clang is told by the pragma below.
 *
 * Accuracy (measured against long double on dense grids, tests/core/detmath_test.cpp):
 *   abcsmc_det_exp    < 1 ulp        abcsmc_det_log    < 1 ulp
 *   abcsmc_det_sincos_turn: sin and cos of 2 pi t with exact argument reduction, < 2 ulp
 *
 * Plugins can use these to reproduce abcsmc's own random variates on mixed hardware
 * (abcsmc/plugin_rng.h does).
 */
#ifndef ABCSMC_DETMATH_H
#define ABCSMC_DETMATH_H

#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__clang__)
#pragma STDC FP_CONTRACT OFF
#endif

static inline uint64_t abcsmc_det_bits_(double x) {
  uint64_t u;
  memcpy(&u, &x, sizeof u);
  return u;
}

static inline double abcsmc_det_from_bits_(uint64_t u) {
  double x;
  memcpy(&x, &u, sizeof x);
  return x;
}

/* ln 2 split: the high part has 21 trailing zero bits, so k * ABCSMC_DET_LN2_HI_ is exact for
 * |k| < 2^21. */
#define ABCSMC_DET_LN2_HI_ 6.93147180369123816490e-01
#define ABCSMC_DET_LN2_LO_ 1.90821492927058770002e-10

/** e^x. Overflow above 709.78 gives +inf, underflow below -745.13 gives +0 (subnormal results
 * in between), NaN stays NaN. Error < 1 ulp. */
static inline double abcsmc_det_exp(double x) {
  if (!(x == x)) return x + x;
  if (x > 709.782712893384) return __builtin_inf();
  if (x < -745.1332191019412) return 0.0;
  /* k = round(x / ln 2) via the 1.5 * 2^52 shifter (round to nearest even). */
  const double shifter = 6755399441055744.0;
  const double t = x * 1.4426950408889634074 + shifter;
  const double kd = t - shifter;
  /* r = x - k ln2 in [-0.3466, 0.3466] (plus rounding of the shifter). */
  const double hi = x - kd * ABCSMC_DET_LN2_HI_;
  const double lo = kd * ABCSMC_DET_LN2_LO_;
  const double r = hi - lo;
  /* e^r = 1 + r + r^2 q(r), q the Taylor polynomial of (e^r - 1 - r) / r^2 up to r^12
   * (truncation < 3e-19 relative on |r| <= 0.35). */
  double q = 1.0 / 6227020800.0; /* 1/13! */
  q = q * r + 1.0 / 479001600.0; /* 1/12! */
  q = q * r + 1.0 / 39916800.0;  /* 1/11! */
  q = q * r + 1.0 / 3628800.0;   /* 1/10! */
  q = q * r + 1.0 / 362880.0;
  q = q * r + 1.0 / 40320.0;
  q = q * r + 1.0 / 5040.0;
  q = q * r + 1.0 / 720.0;
  q = q * r + 1.0 / 120.0;
  q = q * r + 1.0 / 24.0;
  q = q * r + 1.0 / 6.0;
  q = q * r + 0.5;
  /* (hi - lo) + r^2 q, then 1 + that: a single rounding dominates. */
  const double p = 1.0 + (hi - (lo - r * r * q));
  const int k = (int)kd;
  if (k > 1023) return p * 2.0 * abcsmc_det_from_bits_((uint64_t)(k - 1 + 1023) << 52);
  if (k < -1021) {
    /* Subnormal or near-subnormal result: scale in two steps. */
    return (p * abcsmc_det_from_bits_((uint64_t)(k + 1000 + 1023) << 52)) *
           abcsmc_det_from_bits_((uint64_t)(-1000 + 1023) << 52);
  }
  return p * abcsmc_det_from_bits_((uint64_t)(k + 1023) << 52);
}

/** Natural logarithm. log(+0) = -inf, log(x < 0) = NaN, log(+inf) = +inf. Error < 1 ulp. */
static inline double abcsmc_det_log(double x) {
  uint64_t u = abcsmc_det_bits_(x);
  int e = 0;
  if (u >= 0x7ff0000000000000ull || u < 0x0010000000000000ull) {
    /* +inf, NaN, negative (sign bit set), zero or subnormal. */
    if (x == 0.0) return -__builtin_inf();
    if (!(x == x) || x == __builtin_inf()) return x + x;
    if (x < 0.0) return __builtin_nan("");
    x *= 18014398509481984.0; /* 2^54: subnormal -> normal */
    u = abcsmc_det_bits_(x);
    e = -54;
  }
  /* x = 2^e * m with m in [sqrt(1/2), sqrt(2)): add the bits of 2 - sqrt(2) to the mantissa so
   * the exponent field rolls over at sqrt(2). */
  const uint64_t shifted = u + (0x3ff0000000000000ull - 0x3fe6a09e667f3bcdull);
  e += (int)(shifted >> 52) - 1023;
  const double m = abcsmc_det_from_bits_((shifted & 0x000fffffffffffffull) + 0x3fe6a09e667f3bcdull);
  const double f = m - 1.0; /* exact (Sterbenz) */
  /* log(1 + f) = 2 atanh(s), s = f / (2 + f), |s| <= 0.1716:
   *   = f - hfsq + s (hfsq + R(s^2)), hfsq = f^2 / 2, R = 2 s^2/3 + 2 s^4/5 + ... (to s^24). */
  const double s = f / (2.0 + f);
  const double z = s * s;
  double R = 2.0 / 25.0;
  R = R * z + 2.0 / 23.0;
  R = R * z + 2.0 / 21.0;
  R = R * z + 2.0 / 19.0;
  R = R * z + 2.0 / 17.0;
  R = R * z + 2.0 / 15.0;
  R = R * z + 2.0 / 13.0;
  R = R * z + 2.0 / 11.0;
  R = R * z + 2.0 / 9.0;
  R = R * z + 2.0 / 7.0;
  R = R * z + 2.0 / 5.0;
  R = R * z + 2.0 / 3.0;
  R = R * z;
  const double hfsq = 0.5 * f * f;
  const double ed = (double)e;
  return ed * ABCSMC_DET_LN2_HI_ - ((hfsq - (s * (hfsq + R) + ed * ABCSMC_DET_LN2_LO_)) - f);
}

/** sin(2 pi t) and cos(2 pi t), t in "turns". The reduction t -> quarter turns is exact (a
 * multiplication by 4 and an integer part), so there is no large-argument problem: any finite t
 * works. Error < 2 ulp. Non-finite t gives NaN. */
static inline void abcsmc_det_sincos_turn(double t, double* sin_out, double* cos_out) {
  if (!(t - t == 0.0)) {
    *sin_out = *cos_out = __builtin_nan("");
    return;
  }
  const double quarters = 4.0 * t; /* exact */
  /* q = nearest integer to quarters (|quarters| < 2^52 here; larger values are integers). */
  double qd = quarters;
  if (quarters < 4503599627370496.0 && quarters > -4503599627370496.0) {
    const double shifter = 6755399441055744.0;
    qd = (quarters + shifter) - shifter;
  }
  const double r = quarters - qd; /* exact, in [-0.5, 0.5] */
  /* q mod 4. Below 2^53 the integer conversion is exact; above, qd = M 2^E with E >= 1. */
  int quadrant = 0;
  if (qd < 9007199254740992.0 && qd > -9007199254740992.0) {
    quadrant = (int)((uint64_t)(int64_t)qd & 3u);
  } else {
    const uint64_t b = abcsmc_det_bits_(qd);
    const int ex = (int)((b >> 52) & 0x7ff) - 1075; /* qd = +-M 2^ex, ex >= 1 */
    const uint64_t m = (b & 0x000fffffffffffffull) | 0x0010000000000000ull;
    const uint64_t low = ex == 1 ? (m << 1) & 3u : 0u;
    quadrant = (int)((qd < 0.0 ? (4u - low) : low) & 3u);
  }
  /* a = r * pi/2 in [-pi/4, pi/4]; Taylor polynomials in a^2. */
  const double a = r * 1.57079632679489661923;
  const double z = a * a;
  double ps = -1.0 / 1307674368000.0; /* -1/15! */
  ps = ps * z + 1.0 / 6227020800.0;   /* 1/13! */
  ps = ps * z - 1.0 / 39916800.0;
  ps = ps * z + 1.0 / 362880.0;
  ps = ps * z - 1.0 / 5040.0;
  ps = ps * z + 1.0 / 120.0;
  ps = ps * z - 1.0 / 6.0;
  const double sn = a + a * z * ps;
  double pc = -1.0 / 6402373705728000.0; /* -1/18! */
  pc = pc * z + 1.0 / 20922789888000.0;  /* 1/16! */
  pc = pc * z - 1.0 / 87178291200.0;
  pc = pc * z + 1.0 / 479001600.0;
  pc = pc * z - 1.0 / 3628800.0;
  pc = pc * z + 1.0 / 40320.0;
  pc = pc * z - 1.0 / 720.0;
  pc = pc * z + 1.0 / 24.0;
  const double cs = 1.0 - (0.5 * z - z * z * pc);
  switch (quadrant) {
    case 0:
      *sin_out = sn;
      *cos_out = cs;
      break;
    case 1:
      *sin_out = cs;
      *cos_out = -sn;
      break;
    case 2:
      *sin_out = -sn;
      *cos_out = -cs;
      break;
    default:
      *sin_out = -cs;
      *cos_out = sn;
      break;
  }
}

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* ABCSMC_DETMATH_H */
