#include "abcsmc/core/detail/alias_table.hpp"
#include "abcsmc/core/detail/cholesky.hpp"
#include "abcsmc/core/detail/kernel_support.hpp"
#include "abcsmc/core/detail/log_sum_exp.hpp"
#include "abcsmc/core/detmath.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <utility>
#include <vector>

#include "abcsmc/core/error.hpp"

namespace abcsmc::detail {
namespace {

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
  AliasTable chooser_;
};

}  // namespace

std::unique_ptr<Transition> make_local(std::size_t k, double k_fraction, double scaling,
                                       std::size_t dim) {
  check_scaling(scaling);
  if (k == 0 && !(k_fraction > 0.0 && k_fraction <= 1.0)) {
    throw ConfigError("transition.k_fraction must be in (0, 1], got " + num(k_fraction));
  }
  return std::make_unique<LocalTransition>(k, k_fraction, scaling, dim);
}

}  // namespace abcsmc::detail

namespace abcsmc {

std::unique_ptr<Transition> make_local_transition(std::size_t k, double k_fraction,
                                                  double scaling) {
  return detail::make_local(k, k_fraction, scaling, 0);
}

}  // namespace abcsmc
