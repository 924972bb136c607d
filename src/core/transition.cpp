/// Perturbation kernels (pyABC transitions): multivariate normal KDE, local (k nearest
/// neighbours) KDE, discrete random walk for integer parameters and their aggregation.
///
/// Degenerate covariances (documented choice, applied identically by every kernel):
///  * a parameter with zero (or non-finite) sample variance, e.g. a population of one effective
///    particle or a column where all particles agree, gets the variance (|c| / 10)^2 where c is
///    the particle (or weighted mean) value, or 0.1^2 when c == 0 (pyABC's smart_cov uses |x|/10
///    for a single particle). This happens before bandwidth and scaling are applied.
///  * if the Cholesky factorisation then fails or is numerically singular (a pivot loses more than
///    12 digits of its variance, e.g. perfectly collinear parameters), the diagonal is inflated by
///    a ridge of 1e-10, 1e-8, ..., 1e-2 times itself; as a last resort the correlations are
///    dropped. All of this is deterministic and bounded.
#include "abcsmc/core/transition.hpp"
#include "abcsmc/core/detail/exp_shifted.hpp"
#include "abcsmc/core/detmath.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>
#include <sstream>
#include <utility>

#if defined(__SSE2__)
#include <emmintrin.h>
#include <immintrin.h>
#endif

#include "abcsmc/core/error.hpp"

namespace abcsmc {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kLog2Pi = 1.83787706640934548356;
constexpr std::size_t kChunk = 64;     // terms per log-sum-exp block (stack buffer)
constexpr std::size_t kStackDim = 32;  // dimensions handled without heap allocation
constexpr int kMaxDiscreteSteps = 1000;

std::string num(double x) {
  std::ostringstream os;
  os << x;
  return os.str();
}

/// Checks fit() input and returns the weights normalised to sum 1.
std::vector<double> normalised_weights(const Matrix& thetas, const Vector& weights,
                                       const char* who) {
  if (thetas.rows() == 0) throw Error(std::string(who) + ": cannot fit to an empty population");
  if (weights.size() != thetas.rows()) {
    throw Error(std::string(who) + ": " + std::to_string(thetas.rows()) + " particles but " +
                std::to_string(weights.size()) + " weights");
  }
  if (!thetas.allFinite()) throw Error(std::string(who) + ": non-finite particle parameter");
  double total = 0.0;
  for (Eigen::Index i = 0; i < weights.size(); ++i) {
    if (!(weights[i] >= 0.0) || !std::isfinite(weights[i])) {
      throw Error(std::string(who) + ": weight " + std::to_string(i) + " is " + num(weights[i]) +
                  ", but weights must be finite and >= 0");
    }
    total += weights[i];
  }
  if (!(total > 0.0)) throw Error(std::string(who) + ": all weights are zero");
  std::vector<double> w(static_cast<std::size_t>(weights.size()));
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = weights[static_cast<Eigen::Index>(i)] / total;
  return w;
}

/// Throws if a kernel built for `expected` parameters (0: any) is fitted to `cols` columns.
void check_dim(std::size_t expected, Eigen::Index cols, const char* who) {
  if (expected != 0 && static_cast<std::size_t>(cols) != expected) {
    throw Error(std::string(who) + ": particles have " + std::to_string(cols) +
                " parameters, the kernel was built for " + std::to_string(expected));
  }
}

/// Chooses particle j with probability w_j in O(1): Walker's alias method (Vose's stable
/// construction). One rng.uniform() gives both the column and the coin. A binary search on
/// cumulative weights costs ~10 unpredictable branches per proposal, which showed up as 10% of a
/// B1 run.
class ParticleChooser {
 public:
  void fit(const std::vector<double>& w) {
    const std::size_t n = w.size();
    prob_.assign(n, 1.0);
    alias_.resize(n);
    double total = 0.0;
    for (double x : w) total += x;
    std::vector<double> scaled(n);
    std::vector<std::size_t> small;
    std::vector<std::size_t> large;
    for (std::size_t i = 0; i < n; ++i) {
      alias_[i] = i;
      scaled[i] = w[i] * static_cast<double>(n) / total;
      (scaled[i] < 1.0 ? small : large).push_back(i);
    }
    while (!small.empty() && !large.empty()) {
      const std::size_t s = small.back();
      small.pop_back();
      const std::size_t l = large.back();
      prob_[s] = scaled[s];
      alias_[s] = l;
      scaled[l] = (scaled[l] + scaled[s]) - 1.0;
      if (scaled[l] < 1.0) {
        large.pop_back();
        small.push_back(l);
      }
    }
    // Columns left in either list keep probability 1 (rounding leftovers).
  }
  std::size_t choose(Rng& rng) const {
    if (prob_.empty()) throw Error("transition: propose() called before fit()");
    const double u = rng.uniform() * static_cast<double>(prob_.size());
    const std::size_t i = std::min(static_cast<std::size_t>(u), prob_.size() - 1);
    return (u - static_cast<double>(i)) < prob_[i] ? i : alias_[i];
  }

 private:
  std::vector<double> prob_;
  std::vector<std::size_t> alias_;
};

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
void exp_shifted(const double* e, double shift, double* out, std::size_t m) {
#if defined(ABCSMC_HAVE_AVX2_PATH)
  exp_shifted_by(e, shift, out, m, kHaveAvx2, true);
#else
  exp_shifted_by(e, shift, out, m, false, true);
#endif
}

/// Streaming log-sum-exp over blocks of terms; allocation-free.
class LogSumExp {
 public:
  /// Adds the terms e[0..m), m <= kChunk.
  void add(const double* e, std::size_t m) {
    double block_max = -kInf;
    for (std::size_t i = 0; i < m; ++i) block_max = std::max(block_max, e[i]);
    if (block_max == -kInf) return;
    if (block_max > max_) {
      sum_ *= detmath::exp(max_ - block_max);
      max_ = block_max;
    }
    const double shift = max_;
    std::array<double, kChunk> x;
    exp_shifted(e, shift, x.data(), m);
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
  double result() const { return sum_ > 0.0 ? max_ + detmath::log(sum_) : -kInf; }

 private:
  double max_ = -kInf;
  double sum_ = 0.0;
};

/// Small scratch buffer: on the stack up to kStackDim values, on the heap beyond.
class Scratch {
 public:
  explicit Scratch(std::size_t n) {
    if (n > kStackDim) heap_.resize(n);
  }
  double* data() { return heap_.empty() ? stack_.data() : heap_.data(); }

 private:
  std::array<double, kStackDim>
      stack_;  // uninitialised on purpose: filled before use, zeroing cost 3% of B1
  std::vector<double> heap_;
};

/// Replaces zero or non-finite variances by (|center_i| / 10)^2 (0.1^2 if center_i == 0); see
/// the file comment.
void fix_degenerate_variances(Matrix& cov, const Vector& center) {
  for (Eigen::Index i = 0; i < cov.rows(); ++i) {
    if (cov(i, i) > 0.0 && std::isfinite(cov(i, i))) continue;
    const double sd = center[i] != 0.0 ? std::abs(center[i]) / 10.0 : 0.1;
    cov.row(i).setZero();
    cov.col(i).setZero();
    cov(i, i) = sd * sd;
  }
}

/// Cholesky factor of the symmetric `cov` (its lower triangle is read) into `l`: plain loops in
/// a fixed order rather than Eigen's LLT, whose blocked and SIMD (FMA under -march=native) code
/// paths would make the factor depend on the build. Fails when a pivot is not positive and
/// finite or loses more than 12 digits of its variance (numerically singular).
bool cholesky_lower(const Matrix& cov, Matrix& l) {
  const Eigen::Index d = cov.rows();
  l = Matrix::Zero(d, d);
  for (Eigen::Index j = 0; j < d; ++j) {
    double s = cov(j, j);
    for (Eigen::Index k = 0; k < j; ++k) s -= l(j, k) * l(j, k);
    if (!(s > 0.0) || !std::isfinite(s)) return false;
    const double p = std::sqrt(s);
    if (!(p * p > 1e-12 * cov(j, j))) return false;
    l(j, j) = p;
    for (Eigen::Index i = j + 1; i < d; ++i) {
      double t = cov(i, j);
      for (Eigen::Index k = 0; k < j; ++k) t -= l(i, k) * l(j, k);
      l(i, j) = t / p;
    }
  }
  return true;
}

/// Inverse of a lower-triangular matrix by forward substitution, column by column.
Matrix lower_inverse(const Matrix& l) {
  const Eigen::Index d = l.rows();
  Matrix x = Matrix::Zero(d, d);
  for (Eigen::Index c = 0; c < d; ++c) {
    x(c, c) = 1.0 / l(c, c);
    for (Eigen::Index r = c + 1; r < d; ++r) {
      double s = 0.0;
      for (Eigen::Index k = c; k < r; ++k) s += l(r, k) * x(k, c);
      x(r, c) = -s / l(r, r);
    }
  }
  return x;
}

/// Lower Cholesky factor of `cov` (positive diagonal required), regularised as described in
/// the file comment.
Matrix regularised_cholesky(const Matrix& cov) {
  Matrix l;
  if (cholesky_lower(cov, l)) return l;
  for (double ridge = 1e-10; ridge <= 1.1e-2; ridge *= 100.0) {
    Matrix c = cov;
    for (Eigen::Index i = 0; i < c.rows(); ++i) c(i, i) *= 1.0 + ridge;
    if (cholesky_lower(c, l)) return l;
  }
  Matrix diag = Matrix::Zero(cov.rows(), cov.cols());
  for (Eigen::Index i = 0; i < cov.rows(); ++i) diag(i, i) = std::sqrt(cov(i, i));
  return diag;
}

/// Stores the lower-triangular matrix `m` row-major into `out` (d * d values).
void store_row_major(const Matrix& m, double* out) {
  const auto d = m.rows();
  for (Eigen::Index r = 0; r < d; ++r) {
    for (Eigen::Index c = 0; c < d; ++c) out[r * d + c] = c <= r ? m(r, c) : 0.0;
  }
}

/// out = l * v for a row-major lower-triangular d x d matrix `l`.
void lower_times(const double* l, const double* v, double* out, std::size_t d) {
  for (std::size_t r = 0; r < d; ++r) {
    double s = 0.0;
    for (std::size_t c = 0; c <= r; ++c) s += l[r * d + c] * v[c];
    out[r] = s;
  }
}

bool all_finite(const Vector& x) {
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i])) return false;
  }
  return true;
}

// ------------------------------------------------------------------------------------------------

/// pyABC MultivariateNormalTransition. The mixture is stored whitened: y_j = L^-1 theta_j, so
/// that log_pdf costs one O(d^2) solve plus O(n d) for the mixture.
class MultivariateNormalTransition final : public Transition {
 public:
  MultivariateNormalTransition(Bandwidth bw, double scaling, std::size_t dim)
      : bandwidth_(bw), scaling_(scaling), expected_dim_(dim), d_(dim) {}

  void fit(const Matrix& thetas, const Vector& weights) override {
    check_dim(expected_dim_, thetas.cols(), "multivariate_normal");
    const std::vector<double> w = normalised_weights(thetas, weights, "multivariate_normal");
    const auto n = thetas.rows();
    const auto d = thetas.cols();
    Vector mean = Vector::Zero(d);
    double sum_w2 = 0.0;
    for (Eigen::Index i = 0; i < n; ++i) {
      mean += w[static_cast<std::size_t>(i)] * thetas.row(i).transpose();
      sum_w2 += w[static_cast<std::size_t>(i)] * w[static_cast<std::size_t>(i)];
    }
    Matrix cov = Matrix::Zero(d, d);
    const double denom = 1.0 - sum_w2;
    if (denom > 1e-12) {
      for (Eigen::Index i = 0; i < n; ++i) {
        const Vector delta = thetas.row(i).transpose() - mean;
        cov.noalias() += w[static_cast<std::size_t>(i)] * delta * delta.transpose();
      }
      cov /= denom;
    }
    fix_degenerate_variances(cov, mean);
    const double ess = 1.0 / sum_w2;
    const double dd = static_cast<double>(d);
    const double bw = bandwidth_ == Bandwidth::silverman
                          ? detmath::pow(4.0 / (ess * (dd + 2.0)), 1.0 / (dd + 4.0))
                          : detmath::pow(ess, -1.0 / (dd + 4.0));
    cov *= scaling_ * bw * bw;
    set_kernel(thetas, w, regularised_cholesky(cov));
  }

  Vector propose(Rng& rng) const override {
    const std::size_t j = chooser_.choose(rng);
    Scratch zs(d_);
    double* z = zs.data();
    for (std::size_t k = 0; k < d_; ++k) z[k] = rng.normal();
    Vector out(static_cast<Eigen::Index>(d_));
    lower_times(chol_.data(), z, out.data(), d_);
    for (std::size_t k = 0; k < d_; ++k) out[static_cast<Eigen::Index>(k)] += theta_[j * d_ + k];
    return out;
  }

  double log_pdf(const Vector& theta) const override {
    if (n_ == 0 || static_cast<std::size_t>(theta.size()) != d_ || !all_finite(theta)) {
      return -kInf;
    }
    Scratch zs(d_);
    double* z = zs.data();
    lower_times(chol_inv_.data(), theta.data(), z, d_);
    LogSumExp lse;
    std::array<double, kChunk> e;
    for (std::size_t start = 0; start < n_; start += kChunk) {
      const std::size_t m = std::min(kChunk, n_ - start);
      const double* lw = log_w_.data() + start;
      if (d_ == 1) {
        const double z0 = z[0];
        const double* y = white_.data() + start;
        for (std::size_t i = 0; i < m; ++i) {
          const double t = z0 - y[i];
          e[i] = lw[i] - 0.5 * t * t;
        }
      } else {
        for (std::size_t i = 0; i < m; ++i) {
          const double* y = white_.data() + (start + i) * d_;
          double q = 0.0;
          for (std::size_t k = 0; k < d_; ++k) {
            const double t = z[k] - y[k];
            q += t * t;
          }
          e[i] = lw[i] - 0.5 * q;
        }
      }
      lse.add(e.data(), m);
    }
    return log_const_ + lse.result();
  }

  std::size_t dim() const override { return d_; }

 private:
  void set_kernel(const Matrix& thetas, const std::vector<double>& w, const Matrix& chol) {
    d_ = static_cast<std::size_t>(thetas.cols());
    const Matrix chol_inv = lower_inverse(chol);
    chol_.assign(d_ * d_, 0.0);
    chol_inv_.assign(d_ * d_, 0.0);
    store_row_major(chol, chol_.data());
    store_row_major(chol_inv, chol_inv_.data());
    double log_det_half = 0.0;
    for (std::size_t k = 0; k < d_; ++k) log_det_half += detmath::log(chol_[k * d_ + k]);
    log_const_ = -0.5 * static_cast<double>(d_) * kLog2Pi - log_det_half;
    // Keep particles with positive weight only: the others never contribute.
    theta_.clear();
    white_.clear();
    log_w_.clear();
    std::vector<double> kept_w;
    std::vector<double> row(d_);
    std::vector<double> white_row(d_);
    for (Eigen::Index i = 0; i < thetas.rows(); ++i) {
      const double wi = w[static_cast<std::size_t>(i)];
      if (!(wi > 0.0)) continue;
      for (std::size_t k = 0; k < d_; ++k) row[k] = thetas(i, static_cast<Eigen::Index>(k));
      lower_times(chol_inv_.data(), row.data(), white_row.data(), d_);
      theta_.insert(theta_.end(), row.begin(), row.end());
      white_.insert(white_.end(), white_row.begin(), white_row.end());
      log_w_.push_back(detmath::log(wi));
      kept_w.push_back(wi);
    }
    n_ = kept_w.size();
    chooser_.fit(kept_w);
  }

  Bandwidth bandwidth_;
  double scaling_;
  std::size_t expected_dim_;
  std::size_t d_;
  std::size_t n_ = 0;
  std::vector<double> theta_;     // n x d row-major
  std::vector<double> white_;     // n x d row-major, L^-1 theta_j
  std::vector<double> log_w_;     // n
  std::vector<double> chol_;      // d x d row-major lower
  std::vector<double> chol_inv_;  // d x d row-major lower
  double log_const_ = 0.0;        // -d/2 log(2 pi) - 1/2 log det(cov)
  ParticleChooser chooser_;
};

// ------------------------------------------------------------------------------------------------

/// pyABC LocalTransition: particle j's kernel is N(theta_j, scaling * Sigma_j), with Sigma_j the
/// unweighted sample covariance (divisor k - 1, around the neighbours' mean) of the k nearest
/// particles to theta_j (Euclidean, theta_j included, ties broken by the lower index).
class LocalTransition final : public Transition {
 public:
  LocalTransition(std::size_t k, double k_fraction, double scaling, std::size_t dim)
      : k_(k), k_fraction_(k_fraction), scaling_(scaling), expected_dim_(dim), d_(dim) {}

  void fit(const Matrix& thetas, const Vector& weights) override {
    check_dim(expected_dim_, thetas.cols(), "local");
    const std::vector<double> w = normalised_weights(thetas, weights, "local");
    const auto n_all = static_cast<std::size_t>(thetas.rows());
    d_ = static_cast<std::size_t>(thetas.cols());
    std::size_t k = k_;
    if (k == 0) {
      const auto from_fraction =
          static_cast<std::size_t>(std::llround(k_fraction_ * static_cast<double>(n_all)));
      k = std::max(d_ + 1, from_fraction);
    }
    k = std::min(k, n_all);

    theta_.clear();
    chol_.clear();
    chol_inv_.clear();
    log_term_const_.clear();
    std::vector<double> kept_w;
    std::vector<std::pair<double, std::size_t>> dist(n_all);
    std::vector<std::size_t> nb(k);
    const auto de = static_cast<Eigen::Index>(d_);
    for (std::size_t j = 0; j < n_all; ++j) {
      if (!(w[j] > 0.0)) continue;
      const auto ji = static_cast<Eigen::Index>(j);
      for (std::size_t i = 0; i < n_all; ++i) {
        double q = 0.0;  // fixed-order squared distance (no Eigen reduction)
        for (Eigen::Index c = 0; c < de; ++c) {
          const double t = thetas(static_cast<Eigen::Index>(i), c) - thetas(ji, c);
          q += t * t;
        }
        dist[i] = {q, i};
      }
      // Pairs compare by (distance, index): a strict total order, so the set is deterministic.
      std::nth_element(dist.begin(), dist.begin() + static_cast<std::ptrdiff_t>(k - 1), dist.end());
      for (std::size_t m = 0; m < k; ++m) nb[m] = dist[m].second;
      std::sort(nb.begin(), nb.end());  // fixed summation order
      Vector mean = Vector::Zero(de);
      for (std::size_t idx : nb) mean += thetas.row(static_cast<Eigen::Index>(idx)).transpose();
      mean /= static_cast<double>(k);
      Matrix cov = Matrix::Zero(de, de);
      if (k > 1) {
        for (std::size_t idx : nb) {
          const Vector delta = thetas.row(static_cast<Eigen::Index>(idx)).transpose() - mean;
          cov.noalias() += delta * delta.transpose();
        }
        cov /= static_cast<double>(k - 1);
      }
      fix_degenerate_variances(cov, thetas.row(ji).transpose());
      cov *= scaling_;
      const Matrix chol = regularised_cholesky(cov);
      const Matrix chol_inv = lower_inverse(chol);
      const std::size_t off = chol_.size();
      chol_.resize(off + d_ * d_);
      chol_inv_.resize(off + d_ * d_);
      store_row_major(chol, chol_.data() + off);
      store_row_major(chol_inv, chol_inv_.data() + off);
      double log_det_half = 0.0;
      for (std::size_t c = 0; c < d_; ++c)
        log_det_half +=
            detmath::log(chol(static_cast<Eigen::Index>(c), static_cast<Eigen::Index>(c)));
      log_term_const_.push_back(detmath::log(w[j]) - 0.5 * static_cast<double>(d_) * kLog2Pi -
                                log_det_half);
      for (std::size_t c = 0; c < d_; ++c)
        theta_.push_back(thetas(ji, static_cast<Eigen::Index>(c)));
      kept_w.push_back(w[j]);
    }
    n_ = kept_w.size();
    chooser_.fit(kept_w);
  }

  Vector propose(Rng& rng) const override {
    const std::size_t j = chooser_.choose(rng);
    Scratch zs(d_);
    double* z = zs.data();
    for (std::size_t c = 0; c < d_; ++c) z[c] = rng.normal();
    Vector out(static_cast<Eigen::Index>(d_));
    lower_times(chol_.data() + j * d_ * d_, z, out.data(), d_);
    for (std::size_t c = 0; c < d_; ++c) out[static_cast<Eigen::Index>(c)] += theta_[j * d_ + c];
    return out;
  }

  double log_pdf(const Vector& theta) const override {
    if (n_ == 0 || static_cast<std::size_t>(theta.size()) != d_ || !all_finite(theta)) {
      return -kInf;
    }
    Scratch ds(d_);
    Scratch us(d_);
    double* delta = ds.data();
    double* u = us.data();
    LogSumExp lse;
    std::array<double, kChunk> e;
    for (std::size_t start = 0; start < n_; start += kChunk) {
      const std::size_t m = std::min(kChunk, n_ - start);
      for (std::size_t i = 0; i < m; ++i) {
        const std::size_t j = start + i;
        for (std::size_t c = 0; c < d_; ++c)
          delta[c] = theta[static_cast<Eigen::Index>(c)] - theta_[j * d_ + c];
        lower_times(chol_inv_.data() + j * d_ * d_, delta, u, d_);
        double q = 0.0;
        for (std::size_t c = 0; c < d_; ++c) q += u[c] * u[c];
        e[i] = log_term_const_[j] - 0.5 * q;
      }
      lse.add(e.data(), m);
    }
    return lse.result();
  }

  std::size_t dim() const override { return d_; }

 private:
  std::size_t k_;
  double k_fraction_;
  double scaling_;
  std::size_t expected_dim_;
  std::size_t d_;
  std::size_t n_ = 0;
  std::vector<double> theta_;           // n x d
  std::vector<double> chol_;            // n blocks of d x d (row-major lower)
  std::vector<double> chol_inv_;        // n blocks of d x d
  std::vector<double> log_term_const_;  // log w_j - d/2 log(2 pi) - 1/2 log det Sigma_j
  ParticleChooser chooser_;
};

// ------------------------------------------------------------------------------------------------

/// pyABC DiscreteRandomWalkTransition: each parameter moves by the sum of `steps` independent
/// steps uniform on {-1, 0, +1}. The pmf of the sum (trinomial coefficients / 3^steps) is built
/// in log space at construction.
class DiscreteRandomWalkTransition final : public Transition {
 public:
  DiscreteRandomWalkTransition(int steps, std::size_t dim)
      : steps_(steps), expected_dim_(dim), d_(dim) {
    // log pmf of a sum of s steps, index m + s for m in [-s, s].
    std::vector<double> lp{0.0};
    const double log3 = detmath::log(3.0);
    for (int s = 1; s <= steps; ++s) {
      std::vector<double> next(static_cast<std::size_t>(2 * s + 1), -kInf);
      for (std::size_t m = 0; m < next.size(); ++m) {
        // next[m] = (lp[m - 2] + lp[m - 1] + lp[m]) / 3 with lp indexed for s - 1.
        double mx = -kInf;
        std::array<double, 3> terms{-kInf, -kInf, -kInf};
        for (std::size_t t = 0; t < 3; ++t) {
          if (m >= t && m - t < lp.size()) terms[t] = lp[m - t];
          mx = std::max(mx, terms[t]);
        }
        double sum = 0.0;
        for (double v : terms) sum += detmath::exp(v - mx);
        next[m] = mx + detmath::log(sum) - log3;
      }
      lp = std::move(next);
    }
    log_pmf_ = std::move(lp);
  }

  void fit(const Matrix& thetas, const Vector& weights) override {
    check_dim(expected_dim_, thetas.cols(), "discrete_random_walk");
    const std::vector<double> w = normalised_weights(thetas, weights, "discrete_random_walk");
    d_ = static_cast<std::size_t>(thetas.cols());
    theta_.clear();
    log_w_.clear();
    std::vector<double> kept_w;
    for (Eigen::Index i = 0; i < thetas.rows(); ++i) {
      const double wi = w[static_cast<std::size_t>(i)];
      if (!(wi > 0.0)) continue;
      for (std::size_t c = 0; c < d_; ++c) {
        theta_.push_back(std::round(thetas(i, static_cast<Eigen::Index>(c))));
      }
      log_w_.push_back(detmath::log(wi));
      kept_w.push_back(wi);
    }
    n_ = kept_w.size();
    chooser_.fit(kept_w);
  }

  Vector propose(Rng& rng) const override {
    const std::size_t j = chooser_.choose(rng);
    Vector out(static_cast<Eigen::Index>(d_));
    for (std::size_t c = 0; c < d_; ++c) {
      double v = theta_[j * d_ + c];
      for (int s = 0; s < steps_; ++s) v += static_cast<double>(rng.below(3)) - 1.0;
      out[static_cast<Eigen::Index>(c)] = v;
    }
    return out;
  }

  double log_pdf(const Vector& theta) const override {
    if (n_ == 0 || static_cast<std::size_t>(theta.size()) != d_) return -kInf;
    for (std::size_t c = 0; c < d_; ++c) {
      const double v = theta[static_cast<Eigen::Index>(c)];
      if (!std::isfinite(v) || v != std::round(v)) return -kInf;
    }
    const double reach = static_cast<double>(steps_);
    LogSumExp lse;
    std::array<double, kChunk> e;
    std::size_t m = 0;
    for (std::size_t j = 0; j < n_; ++j) {
      double term = log_w_[j];
      for (std::size_t c = 0; c < d_; ++c) {
        const double delta = theta[static_cast<Eigen::Index>(c)] - theta_[j * d_ + c];
        if (std::abs(delta) > reach) {
          term = -kInf;
          break;
        }
        term += log_pmf_[static_cast<std::size_t>(delta + reach)];
      }
      if (term == -kInf) continue;
      e[m++] = term;
      if (m == kChunk) {
        lse.add(e.data(), m);
        m = 0;
      }
    }
    lse.add(e.data(), m);
    return lse.result();
  }

  std::size_t dim() const override { return d_; }

 private:
  int steps_;
  std::vector<double> log_pmf_;  // 2 * steps + 1 values
  std::size_t expected_dim_;
  std::size_t d_;
  std::size_t n_ = 0;
  std::vector<double> theta_;
  std::vector<double> log_w_;
  ParticleChooser chooser_;
};

// ------------------------------------------------------------------------------------------------

/// pyABC AggregatedTransition: each block of parameters has its own kernel, fitted on its
/// columns with the same weights; blocks propose independently (each picks its own particle),
/// in block order, and the density is the product of the blocks' densities.
class AggregatedTransition final : public Transition {
 public:
  struct Block {
    std::vector<std::size_t> indices;
    std::unique_ptr<Transition> kernel;
  };

  AggregatedTransition(std::size_t dim, std::vector<Block> blocks)
      : dim_(dim), blocks_(std::move(blocks)) {}

  void fit(const Matrix& thetas, const Vector& weights) override {
    if (static_cast<std::size_t>(thetas.cols()) != dim_) {
      throw Error("transition: particles have " + std::to_string(thetas.cols()) +
                  " parameters, the prior has " + std::to_string(dim_));
    }
    for (auto& b : blocks_) {
      Matrix sub(thetas.rows(), static_cast<Eigen::Index>(b.indices.size()));
      for (std::size_t c = 0; c < b.indices.size(); ++c) {
        sub.col(static_cast<Eigen::Index>(c)) = thetas.col(static_cast<Eigen::Index>(b.indices[c]));
      }
      b.kernel->fit(sub, weights);
    }
  }

  Vector propose(Rng& rng) const override {
    Vector out(static_cast<Eigen::Index>(dim_));
    for (const auto& b : blocks_) {
      const Vector part = b.kernel->propose(rng);
      for (std::size_t c = 0; c < b.indices.size(); ++c) {
        out[static_cast<Eigen::Index>(b.indices[c])] = part[static_cast<Eigen::Index>(c)];
      }
    }
    return out;
  }

  double log_pdf(const Vector& theta) const override {
    if (static_cast<std::size_t>(theta.size()) != dim_) return -kInf;
    double sum = 0.0;
    for (const auto& b : blocks_) {
      Vector part(static_cast<Eigen::Index>(b.indices.size()));
      for (std::size_t c = 0; c < b.indices.size(); ++c) {
        part[static_cast<Eigen::Index>(c)] = theta[static_cast<Eigen::Index>(b.indices[c])];
      }
      const double lp = b.kernel->log_pdf(part);
      if (lp == -kInf) return -kInf;
      sum += lp;
    }
    return sum;
  }

  std::size_t dim() const override { return dim_; }

 private:
  std::size_t dim_;
  std::vector<Block> blocks_;
};

void check_scaling(double scaling) {
  if (!(scaling > 0.0) || !std::isfinite(scaling)) {
    throw ConfigError("transition.scaling must be > 0, got " + num(scaling));
  }
}

std::unique_ptr<Transition> make_mvn(Bandwidth bw, double scaling, std::size_t dim) {
  check_scaling(scaling);
  return std::make_unique<MultivariateNormalTransition>(bw, scaling, dim);
}

std::unique_ptr<Transition> make_local(std::size_t k, double k_fraction, double scaling,
                                       std::size_t dim) {
  check_scaling(scaling);
  if (k == 0 && !(k_fraction > 0.0 && k_fraction <= 1.0)) {
    throw ConfigError("transition.k_fraction must be in (0, 1], got " + num(k_fraction));
  }
  return std::make_unique<LocalTransition>(k, k_fraction, scaling, dim);
}

std::unique_ptr<Transition> make_discrete(int steps, std::size_t dim) {
  if (steps < 1 || steps > kMaxDiscreteSteps) {
    throw ConfigError("transition.discrete_steps must be between 1 and " +
                      std::to_string(kMaxDiscreteSteps) + ", got " + std::to_string(steps));
  }
  return std::make_unique<DiscreteRandomWalkTransition>(steps, dim);
}

}  // namespace

std::unique_ptr<Transition> make_multivariate_normal_transition(Bandwidth bw, double scaling) {
  return make_mvn(bw, scaling, 0);
}

std::unique_ptr<Transition> make_local_transition(std::size_t k, double k_fraction,
                                                  double scaling) {
  return make_local(k, k_fraction, scaling, 0);
}

std::unique_ptr<Transition> make_discrete_random_walk_transition(int steps) {
  return make_discrete(steps, 0);
}

std::unique_ptr<Transition> make_transition(const TransitionSpec& spec, const Prior& prior) {
  if (prior.dim() == 0) throw ConfigError("the prior has no parameters");
  std::vector<AggregatedTransition::Block> blocks;
  const std::vector<std::size_t> continuous = prior.continuous_indices();
  const std::vector<std::size_t> integer = prior.integer_indices();
  if (!continuous.empty()) {
    auto kernel = spec.type == TransitionSpec::Type::multivariate_normal
                      ? make_mvn(spec.bandwidth, spec.scaling, continuous.size())
                      : make_local(spec.k, spec.k_fraction, spec.scaling, continuous.size());
    blocks.push_back({continuous, std::move(kernel)});
  }
  if (!integer.empty()) {
    blocks.push_back({integer, make_discrete(spec.discrete_steps, integer.size())});
  }
  if (blocks.size() == 1) return std::move(blocks.front().kernel);
  return std::make_unique<AggregatedTransition>(prior.dim(), std::move(blocks));
}

bool detail::exp_shifted(const double* e, double shift, double* out, std::size_t m, ExpLoop loop) {
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

}  // namespace abcsmc
