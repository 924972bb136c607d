#pragma once
/// Independent product prior over named parameters.
#include <memory>
#include <string>
#include <vector>

#include "abcsmc/core/distribution.hpp"
#include "abcsmc/core/types.hpp"

namespace abcsmc {

/// Prior over a parameter vector: independent distributions, one per named parameter.
class Prior {
 public:
  Prior() = default;
  /// Adds a parameter; order of calls defines the index in theta.
  void add(std::string name, std::shared_ptr<const Distribution> dist);

  std::size_t dim() const { return names_.size(); }
  const std::vector<std::string>& names() const { return names_; }
  const Distribution& distribution(std::size_t i) const { return *dists_[i]; }
  /// Indices of integer-valued parameters (ascending).
  std::vector<std::size_t> integer_indices() const;
  /// Indices of continuous parameters (ascending).
  std::vector<std::size_t> continuous_indices() const;

  /// Draws theta (parameter i from distribution i, in index order).
  Vector sample(Rng& rng) const;
  /// Sum of the parameters' log densities; -inf outside the support.
  double log_pdf(const Vector& theta) const;

 private:
  std::vector<std::string> names_;
  std::vector<std::shared_ptr<const Distribution>> dists_;
};

}  // namespace abcsmc
