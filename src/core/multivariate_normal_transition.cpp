#include "abcsmc/core/detail/alias_table.hpp"
#include "abcsmc/core/detail/cholesky.hpp"
#include "abcsmc/core/detail/gauss_sum_1d.hpp"
#include "abcsmc/core/detail/kernel_support.hpp"
#include "abcsmc/core/detail/log_sum_exp.hpp"
#include "abcsmc/core/detmath.hpp"

#include <algorithm>
#include <array>
#include <utility>
#include <vector>

namespace abcsmc::detail {
namespace {

/// From this many particles on, one parameter's mixture density takes the fast Gauss transform
/// (O(1) per query, relative error <= 2e-13) instead of the O(n) exact sum: measured crossover
/// ~400 particles (benchmarks/README, "Master scaling").
constexpr std::size_t kFast1dMin = 512;

/// q[i] = sum_k (z[k] - y[k * m + i])^2 over a coordinate-major block of m centres. Inlined
/// into a baseline and an AVX2 copy; the AVX2 one is chosen at run time (as the exp loops do,
/// src/core/exp_loops.cpp: a flag set at static initialisation, not an ifunc, whose resolver
/// would run before the sanitizers' runtimes start). The same IEEE operations in the same order
/// (no FMA: -ffp-contract=off), so the bits do not depend on the host.
inline __attribute__((always_inline)) void squared_distances_body(const double* z, const double* y,
                                                                  std::size_t m, std::size_t d,
                                                                  double* q) {
  for (std::size_t i = 0; i < m; ++i) q[i] = 0.0;
  for (std::size_t k = 0; k < d; ++k) {
    const double zk = z[k];
    const double* yk = y + k * m;
    for (std::size_t i = 0; i < m; ++i) {
      const double t = zk - yk[i];
      q[i] += t * t;
    }
  }
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
__attribute__((target("avx2"))) void squared_distances_avx2(const double* z, const double* y,
                                                            std::size_t m, std::size_t d,
                                                            double* q) {
  squared_distances_body(z, y, m, d, q);
}
const bool kDistancesAvx2 = __builtin_cpu_supports("avx2");
#endif

void squared_distances(const double* z, const double* y, std::size_t m, std::size_t d, double* q) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
  if (kDistancesAvx2) {
    squared_distances_avx2(z, y, m, d, q);
    return;
  }
#endif
  squared_distances_body(z, y, m, d, q);
}

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
    if (fast_1d_) return log_const_ + fast_.log_sum(z[0]);
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
        // Centres are stored per block transposed (coordinate-major), so the loop runs across
        // centres: independent sums the compiler vectorises, each still adding its d squares
        // in coordinate order (the same bits as one centre at a time).
        std::array<double, kChunk> q;
        squared_distances(z, white_.data() + start * d_, m, d_, q.data());
        for (std::size_t i = 0; i < m; ++i) e[i] = lw[i] - 0.5 * q[i];
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
    transpose_blocks();
    chooser_.fit(kept_w);
    fast_1d_ = d_ == 1 && n_ >= kFast1dMin;
    fast_.fit(white_.data(), kept_w.data(), fast_1d_ ? n_ : 0);
  }

  /// white_ from row-major to blocks of kChunk centres, each block coordinate-major (a block of
  /// m centres holds coordinate k of centre i at k * m + i); one parameter: unchanged.
  void transpose_blocks() {
    if (d_ == 1) return;
    std::vector<double> blocks(white_.size());
    for (std::size_t start = 0; start < n_; start += kChunk) {
      const std::size_t m = std::min(kChunk, n_ - start);
      double* out = blocks.data() + start * d_;
      for (std::size_t i = 0; i < m; ++i) {
        for (std::size_t k = 0; k < d_; ++k) out[k * m + i] = white_[(start + i) * d_ + k];
      }
    }
    white_ = std::move(blocks);
  }

  Bandwidth bandwidth_;
  double scaling_;
  std::size_t expected_dim_;
  std::size_t d_;
  std::size_t n_ = 0;
  std::vector<double> theta_;     // n x d row-major
  std::vector<double> white_;     // L^-1 theta_j, n x d in blocks (transpose_blocks)
  std::vector<double> log_w_;     // n
  std::vector<double> chol_;      // d x d row-major lower
  std::vector<double> chol_inv_;  // d x d row-major lower
  double log_const_ = 0.0;        // -d/2 log(2 pi) - 1/2 log det(cov)
  AliasTable chooser_;
  bool fast_1d_ = false;
  GaussSum1d fast_;  // d == 1 with n >= kFast1dMin
};

}  // namespace

std::unique_ptr<Transition> make_mvn(Bandwidth bw, double scaling, std::size_t dim) {
  check_scaling(scaling);
  return std::make_unique<MultivariateNormalTransition>(bw, scaling, dim);
}

}  // namespace abcsmc::detail

namespace abcsmc {

std::unique_ptr<Transition> make_multivariate_normal_transition(Bandwidth bw, double scaling) {
  return detail::make_mvn(bw, scaling, 0);
}

}  // namespace abcsmc
