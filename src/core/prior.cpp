#include "abcsmc/core/prior.hpp"

#include <algorithm>
#include <limits>
#include <utility>

#include "abcsmc/core/error.hpp"

namespace abcsmc {

void Prior::add(std::string name, std::shared_ptr<const Distribution> dist) {
  if (!dist) throw ConfigError("parameter '" + name + "' has no distribution");
  if (std::find(names_.begin(), names_.end(), name) != names_.end()) {
    throw ConfigError("parameter '" + name + "' is defined twice");
  }
  names_.push_back(std::move(name));
  dists_.push_back(std::move(dist));
}

std::vector<std::size_t> Prior::integer_indices() const {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < dists_.size(); ++i) {
    if (dists_[i]->is_integer()) out.push_back(i);
  }
  return out;
}

std::vector<std::size_t> Prior::continuous_indices() const {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < dists_.size(); ++i) {
    if (!dists_[i]->is_integer()) out.push_back(i);
  }
  return out;
}

Vector Prior::sample(Rng& rng) const {
  Vector theta(static_cast<Eigen::Index>(dim()));
  for (std::size_t i = 0; i < dists_.size(); ++i) {
    theta[static_cast<Eigen::Index>(i)] = dists_[i]->sample(rng);
  }
  return theta;
}

double Prior::log_pdf(const Vector& theta) const {
  constexpr double kMinusInf = -std::numeric_limits<double>::infinity();
  if (static_cast<std::size_t>(theta.size()) != dists_.size()) return kMinusInf;
  double sum = 0.0;
  for (std::size_t i = 0; i < dists_.size(); ++i) {
    const double lp = dists_[i]->log_pdf(theta[static_cast<Eigen::Index>(i)]);
    if (lp == kMinusInf) return kMinusInf;
    sum += lp;
  }
  return sum;
}

}  // namespace abcsmc
