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
///
/// Each kernel has its own file (multivariate_normal_transition.cpp, local_transition.cpp,
/// discrete_random_walk_transition.cpp) on the shared pieces in abcsmc/core/detail/:
/// kernel_support.hpp (fit checks, the variance rule above), cholesky.hpp (the ridge above),
/// alias_table.hpp (choosing a particle) and log_sum_exp.hpp (mixture densities). This file
/// combines them per prior.
#include "abcsmc/core/transition.hpp"
#include "abcsmc/core/detail/kernel_support.hpp"

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "abcsmc/core/error.hpp"

namespace abcsmc::detail {
namespace {

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

}  // namespace
}  // namespace abcsmc::detail

namespace abcsmc {

std::unique_ptr<Transition> make_transition(const TransitionSpec& spec, const Prior& prior) {
  if (prior.dim() == 0) throw ConfigError("the prior has no parameters");
  std::vector<detail::AggregatedTransition::Block> blocks;
  const std::vector<std::size_t> continuous = prior.continuous_indices();
  const std::vector<std::size_t> integer = prior.integer_indices();
  if (!continuous.empty()) {
    auto kernel =
        spec.type == TransitionSpec::Type::multivariate_normal
            ? detail::make_mvn(spec.bandwidth, spec.scaling, continuous.size())
            : detail::make_local(spec.k, spec.k_fraction, spec.scaling, continuous.size());
    blocks.push_back({continuous, std::move(kernel)});
  }
  if (!integer.empty()) {
    blocks.push_back({integer, detail::make_discrete(spec.discrete_steps, integer.size())});
  }
  std::unique_ptr<Transition> kernel =
      blocks.size() == 1
          ? std::move(blocks.front().kernel)
          : std::make_unique<detail::AggregatedTransition>(prior.dim(), std::move(blocks));
  if (spec.defensive == 0.0) return kernel;
  return detail::make_defensive(std::move(kernel), prior, spec.defensive);
}

}  // namespace abcsmc
