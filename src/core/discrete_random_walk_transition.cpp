#include "abcsmc/core/detail/alias_table.hpp"
#include "abcsmc/core/detail/kernel_support.hpp"
#include "abcsmc/core/detail/log_sum_exp.hpp"
#include "abcsmc/core/detmath.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "abcsmc/core/error.hpp"

namespace abcsmc::detail {
namespace {

constexpr int kMaxDiscreteSteps = 1000;

/// pyABC DiscreteRandomWalkTransition: each parameter moves by the sum of `steps` independent
/// steps uniform on {-1, 0, +1}. The pmf of the sum (trinomial coefficients / 3^steps) is built
/// in log space at construction. The density sums over the population's distinct values, kept
/// sorted, and only over those whose first parameter is within reach: a query costs O(log n)
/// plus the values near it, not O(n), so a generation's weights are O(n log n).
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
    std::vector<double> kept_w;
    for (Eigen::Index i = 0; i < thetas.rows(); ++i) {
      const double wi = w[static_cast<std::size_t>(i)];
      if (!(wi > 0.0)) continue;
      for (std::size_t c = 0; c < d_; ++c) {
        theta_.push_back(std::round(thetas(i, static_cast<Eigen::Index>(c))));
      }
      kept_w.push_back(wi);
    }
    n_ = kept_w.size();
    chooser_.fit(kept_w);
    group_values(kept_w);
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
    // Values are sorted by their first parameter first: those within reach form one run.
    const double first_lo = theta[0] - reach;
    const double first_hi = theta[0] + reach;
    std::size_t lo = 0, hi = log_group_w_.size();
    while (lo < hi) {
      const std::size_t mid = lo + (hi - lo) / 2;
      if (value_[mid * d_] < first_lo) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    for (std::size_t g = lo; g < log_group_w_.size() && value_[g * d_] <= first_hi; ++g) {
      double term = log_group_w_[g];
      for (std::size_t c = 0; c < d_; ++c) {
        const double delta = theta[static_cast<Eigen::Index>(c)] - value_[g * d_ + c];
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
  /// The distinct values of theta_, in lexicographic order, with their summed weights (summed
  /// in particle order, so the bits depend on the population only).
  void group_values(const std::vector<double>& w) {
    std::vector<std::size_t> order(n_);
    for (std::size_t i = 0; i < n_; ++i) order[i] = i;
    const auto less = [&](std::size_t a, std::size_t b) {
      for (std::size_t c = 0; c < d_; ++c) {
        if (theta_[a * d_ + c] != theta_[b * d_ + c])
          return theta_[a * d_ + c] < theta_[b * d_ + c];
      }
      return a < b;
    };
    std::sort(order.begin(), order.end(), less);
    value_.clear();
    log_group_w_.clear();
    std::size_t i = 0;
    while (i < n_) {
      std::size_t end = i + 1;
      double sum = w[order[i]];
      while (end < n_ &&
             std::equal(theta_.begin() + static_cast<std::ptrdiff_t>(order[i] * d_),
                        theta_.begin() + static_cast<std::ptrdiff_t>(order[i] * d_ + d_),
                        theta_.begin() + static_cast<std::ptrdiff_t>(order[end] * d_))) {
        sum += w[order[end++]];
      }
      value_.insert(value_.end(), theta_.begin() + static_cast<std::ptrdiff_t>(order[i] * d_),
                    theta_.begin() + static_cast<std::ptrdiff_t>(order[i] * d_ + d_));
      log_group_w_.push_back(detmath::log(sum));
      i = end;
    }
  }

  int steps_;
  std::vector<double> log_pmf_;  // 2 * steps + 1 values
  std::size_t expected_dim_;
  std::size_t d_;
  std::size_t n_ = 0;
  std::vector<double> theta_;        // n x d, rounded
  std::vector<double> value_;        // distinct rows of theta_, lexicographic, g x d
  std::vector<double> log_group_w_;  // log of each distinct value's total weight
  AliasTable chooser_;
};

}  // namespace

std::unique_ptr<Transition> make_discrete(int steps, std::size_t dim) {
  if (steps < 1 || steps > kMaxDiscreteSteps) {
    throw ConfigError("transition.discrete_steps must be between 1 and " +
                      std::to_string(kMaxDiscreteSteps) + ", got " + std::to_string(steps));
  }
  return std::make_unique<DiscreteRandomWalkTransition>(steps, dim);
}

}  // namespace abcsmc::detail

namespace abcsmc {

std::unique_ptr<Transition> make_discrete_random_walk_transition(int steps) {
  return detail::make_discrete(steps, 0);
}

}  // namespace abcsmc
