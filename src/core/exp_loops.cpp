/// The kernels' exp loops and the log-sum-exp built on them (detail/exp_shifted.hpp,
/// detail/log_sum_exp.hpp): every mixture density of the perturbation kernels sums its terms here.
#include "abcsmc/core/detail/exp_shifted.hpp"
#include "abcsmc/core/detail/log_sum_exp.hpp"
#include "abcsmc/core/detmath.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>

#if defined(__SSE2__)
#include <emmintrin.h>
#include <immintrin.h>
#endif

namespace abcsmc::detail {
namespace {

// exp for log-sum-exp terms. Branch-free and independent of the platform's libm (results stay
// bit-identical across nodes): Cody-Waite reduction x = n ln2 + r, |r| <= ln2 / 2, a degree-13
// Taylor polynomial (truncation error < 2e-16 relative) and 2^n built in the exponent bits;
// relative error a few ulp. Arguments are clamped to >= -708 (exp(-708) ~ 3e-308): they are
// terms relative to the largest one, which contributes 1, so this is exact to double precision.
// The SSE2 path does the same IEEE operations in the same order as the scalar one.
constexpr double kExpLog2e = 1.4426950408889634074;
constexpr double kExpLn2Hi = 6.93147180369123816490e-01;
constexpr double kExpLn2Lo = 1.90821492927058770002e-10;
constexpr double kExpShifter = 0x1.8p52;
constexpr double kExpMin = -708.0;
constexpr std::array<double, 14> kExpPoly = {1.0 / 6227020800.0,
                                             1.0 / 479001600.0,
                                             1.0 / 39916800.0,
                                             1.0 / 3628800.0,
                                             1.0 / 362880.0,
                                             1.0 / 40320.0,
                                             1.0 / 5040.0,
                                             1.0 / 720.0,
                                             1.0 / 120.0,
                                             1.0 / 24.0,
                                             1.0 / 6.0,
                                             0.5,
                                             1.0,
                                             1.0};

inline double exp_scalar(double x) {
  const double xc = x < kExpMin ? kExpMin : x;
  const double t = xc * kExpLog2e + kExpShifter;  // n = round(x / ln2) in the low mantissa bits
  const double n = t - kExpShifter;
  const double r = (xc - n * kExpLn2Hi) - n * kExpLn2Lo;
  double p = kExpPoly[0];
  for (std::size_t k = 1; k < kExpPoly.size(); ++k) p = p * r + kExpPoly[k];
  const std::uint64_t bits = (std::bit_cast<std::uint64_t>(t) + 1023u) << 52;
  return p * std::bit_cast<double>(bits);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define ABCSMC_HAVE_AVX2_PATH 1
/// AVX2 twin of the SSE2 loop below: the same IEEE operations in the same order, four lanes
/// instead of two, and no FMA (no contraction), so results are bit-identical on every node
/// whichever path it takes. Chosen at run time, so the binary still runs on older CPUs.
struct Avx2ExpConstants {
  __m256d shift, min, log2e, shifter, hi, lo;
  __m256i bias;
};

/// Range reduction x -> (t, r) of exp_scalar, four lanes.
__attribute__((target("avx2"))) inline void avx2_exp_reduce(const Avx2ExpConstants& k, __m256d x,
                                                            __m256d& t, __m256d& r) {
  x = _mm256_max_pd(_mm256_sub_pd(x, k.shift), k.min);
  t = _mm256_add_pd(_mm256_mul_pd(x, k.log2e), k.shifter);
  const __m256d n = _mm256_sub_pd(t, k.shifter);
  r = _mm256_sub_pd(_mm256_sub_pd(x, _mm256_mul_pd(n, k.hi)), _mm256_mul_pd(n, k.lo));
}

/// Scales the polynomial by 2^n, four lanes.
__attribute__((target("avx2"))) inline void avx2_exp_store(const Avx2ExpConstants& k, __m256d p,
                                                           __m256d t, double* out) {
  const __m256i bits = _mm256_slli_epi64(_mm256_add_epi64(_mm256_castpd_si256(t), k.bias), 52);
  _mm256_storeu_pd(out, _mm256_mul_pd(p, _mm256_castsi256_pd(bits)));
}

__attribute__((target("avx2"))) std::size_t exp_shifted_avx2(const double* e, double shift,
                                                             double* out, std::size_t m) {
  const Avx2ExpConstants k{_mm256_set1_pd(shift),     _mm256_set1_pd(kExpMin),
                           _mm256_set1_pd(kExpLog2e), _mm256_set1_pd(kExpShifter),
                           _mm256_set1_pd(kExpLn2Hi), _mm256_set1_pd(kExpLn2Lo),
                           _mm256_set1_epi64x(1023)};
  // Two independent vectors per iteration: the degree-13 Horner chain is latency-bound, so
  // interleaving two chains nearly doubles throughput (lane results are unchanged).
  std::size_t i = 0;
  for (; i + 8 <= m; i += 8) {
    __m256d t0, r0, t1, r1;
    avx2_exp_reduce(k, _mm256_loadu_pd(e + i), t0, r0);
    avx2_exp_reduce(k, _mm256_loadu_pd(e + i + 4), t1, r1);
    __m256d p0 = _mm256_set1_pd(kExpPoly[0]);
    __m256d p1 = p0;
    for (std::size_t j = 1; j < kExpPoly.size(); ++j) {
      const __m256d c = _mm256_set1_pd(kExpPoly[j]);
      p0 = _mm256_add_pd(_mm256_mul_pd(p0, r0), c);
      p1 = _mm256_add_pd(_mm256_mul_pd(p1, r1), c);
    }
    avx2_exp_store(k, p0, t0, out + i);
    avx2_exp_store(k, p1, t1, out + i + 4);
  }
  for (; i + 4 <= m; i += 4) {
    __m256d t0, r0;
    avx2_exp_reduce(k, _mm256_loadu_pd(e + i), t0, r0);
    __m256d p0 = _mm256_set1_pd(kExpPoly[0]);
    for (std::size_t j = 1; j < kExpPoly.size(); ++j) {
      p0 = _mm256_add_pd(_mm256_mul_pd(p0, r0), _mm256_set1_pd(kExpPoly[j]));
    }
    avx2_exp_store(k, p0, t0, out + i);
  }
  return i;
}

const bool kHaveAvx2 = __builtin_cpu_supports("avx2");
#endif

/// out[i] = exp(e[i] - shift) for i < m, by the AVX2 loop (use_avx2), then SSE2 (use_sse2), then
/// scalar for what is left.
void exp_shifted_by(const double* e, double shift, double* out, std::size_t m, bool use_avx2,
                    bool use_sse2) {
  std::size_t i = 0;
#if defined(ABCSMC_HAVE_AVX2_PATH)
  if (use_avx2) i = exp_shifted_avx2(e, shift, out, m);
#else
  (void)use_avx2;
#endif
#if defined(__SSE2__)
  if (use_sse2) {
    const __m128d vshift = _mm_set1_pd(shift);
    const __m128d vmin = _mm_set1_pd(kExpMin);
    const __m128d vlog2e = _mm_set1_pd(kExpLog2e);
    const __m128d vshifter = _mm_set1_pd(kExpShifter);
    const __m128d vhi = _mm_set1_pd(kExpLn2Hi);
    const __m128d vlo = _mm_set1_pd(kExpLn2Lo);
    const __m128i bias = _mm_set1_epi64x(1023);
    for (; i + 2 <= m; i += 2) {
      __m128d x = _mm_sub_pd(_mm_loadu_pd(e + i), vshift);
      x = _mm_max_pd(x, vmin);  // x < min ? min : x, as in exp_scalar
      const __m128d t = _mm_add_pd(_mm_mul_pd(x, vlog2e), vshifter);
      const __m128d n = _mm_sub_pd(t, vshifter);
      const __m128d r = _mm_sub_pd(_mm_sub_pd(x, _mm_mul_pd(n, vhi)), _mm_mul_pd(n, vlo));
      __m128d p = _mm_set1_pd(kExpPoly[0]);
      for (std::size_t k = 1; k < kExpPoly.size(); ++k) {
        p = _mm_add_pd(_mm_mul_pd(p, r), _mm_set1_pd(kExpPoly[k]));
      }
      const __m128i bits = _mm_slli_epi64(_mm_add_epi64(_mm_castpd_si128(t), bias), 52);
      _mm_storeu_pd(out + i, _mm_mul_pd(p, _mm_castsi128_pd(bits)));
    }
  }
#else
  (void)use_sse2;
#endif
  for (; i < m; ++i) out[i] = exp_scalar(e[i] - shift);
}

/// out[i] = exp(e[i] - shift) for i < m: the fastest loop this CPU has.
void exp_shifted_best(const double* e, double shift, double* out, std::size_t m) {
#if defined(ABCSMC_HAVE_AVX2_PATH)
  exp_shifted_by(e, shift, out, m, kHaveAvx2, true);
#else
  exp_shifted_by(e, shift, out, m, false, true);
#endif
}

}  // namespace

void LogSumExp::add(const double* e, std::size_t m) {
  double block_max = -kInf;
  for (std::size_t i = 0; i < m; ++i) block_max = std::max(block_max, e[i]);
  if (block_max == -kInf) return;
  if (block_max > max_) {
    sum_ *= detmath::exp(max_ - block_max);
    max_ = block_max;
  }
  const double shift = max_;
  std::array<double, kChunk> x;
  exp_shifted_best(e, shift, x.data(), m);
  // Four independent partial sums (fixed order, so deterministic) hide the add latency.
  double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
  std::size_t i = 0;
  for (; i + 4 <= m; i += 4) {
    s0 += x[i];
    s1 += x[i + 1];
    s2 += x[i + 2];
    s3 += x[i + 3];
  }
  for (; i < m; ++i) s0 += x[i];
  sum_ += (s0 + s1) + (s2 + s3);
}

bool exp_shifted(const double* e, double shift, double* out, std::size_t m, ExpLoop loop) {
#if defined(ABCSMC_HAVE_AVX2_PATH)
  const bool have_avx2 = kHaveAvx2;
#else
  const bool have_avx2 = false;
#endif
#if defined(__SSE2__)
  const bool have_sse2 = true;
#else
  const bool have_sse2 = false;
#endif
  switch (loop) {
    case ExpLoop::best:
      exp_shifted_by(e, shift, out, m, have_avx2, have_sse2);
      return true;
    case ExpLoop::avx2:
      if (!have_avx2) return false;
      exp_shifted_by(e, shift, out, m, true, false);
      return true;
    case ExpLoop::sse2:
      if (!have_sse2) return false;
      exp_shifted_by(e, shift, out, m, false, true);
      return true;
    case ExpLoop::scalar:
      exp_shifted_by(e, shift, out, m, false, false);
      return true;
  }
  return false;
}

}  // namespace abcsmc::detail
