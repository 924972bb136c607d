// Gaussian built-in simulators: gaussian_mean (B1, B3), gaussian_linear, gaussian_mixture.
#include <cassert>
#include <cmath>

#include "abcsmc/core/error.hpp"
#include "abcsmc/models/simulators.hpp"

namespace abcsmc {

namespace {

bool positive_finite(double x) { return std::isfinite(x) && x > 0.0; }

}  // namespace

// --- gaussian_mean ---------------------------------------------------------------------------

GaussianMeanModel::GaussianMeanModel(std::int64_t n, double sigma) : n_(n), sigma_(sigma) {
  if (n < 1) throw ConfigError("gaussian_mean: n must be >= 1");
  if (!positive_finite(sigma)) throw ConfigError("gaussian_mean: sigma must be > 0");
}

std::vector<StatSpec> GaussianMeanModel::statistics() const { return {{"y", 1}}; }

void GaussianMeanModel::simulate(const Vector& theta, Rng& rng, Vector& stats) const {
  assert(theta.size() == 1 && stats.size() == 1);
  const double mu = theta[0];
  double sum = 0.0;
  for (std::int64_t i = 0; i < n_; ++i) sum += mu + sigma_ * rng.normal();
  stats[0] = sum / static_cast<double>(n_);
}

// --- gaussian_linear -------------------------------------------------------------------------

GaussianLinearModel::GaussianLinearModel(std::size_t dim, std::int64_t n, double sigma)
    : dim_(dim), n_(n), sigma_(sigma) {
  if (dim < 1) throw ConfigError("gaussian_linear: needs at least 1 parameter");
  if (n < 1) throw ConfigError("gaussian_linear: n must be >= 1");
  if (!positive_finite(sigma)) throw ConfigError("gaussian_linear: sigma must be > 0");
}

std::vector<StatSpec> GaussianLinearModel::statistics() const { return {{"x", dim_}}; }

void GaussianLinearModel::simulate(const Vector& theta, Rng& rng, Vector& stats) const {
  const auto d = static_cast<Eigen::Index>(dim_);
  assert(theta.size() == d && stats.size() == d);
  for (Eigen::Index j = 0; j < d; ++j) stats[j] = 0.0;
  // Draw order: repetition by repetition, each a full d-vector z.
  for (std::int64_t r = 0; r < n_; ++r) {
    for (Eigen::Index j = 0; j < d; ++j) stats[j] += theta[j] + sigma_ * rng.normal();
  }
  const double inv_n = 1.0 / static_cast<double>(n_);
  for (Eigen::Index j = 0; j < d; ++j) stats[j] *= inv_n;
}

// --- gaussian_mixture ------------------------------------------------------------------------

GaussianMixtureModel::GaussianMixtureModel(std::size_t dim, double weight, double scale_broad,
                                           double scale_narrow)
    : dim_(dim), weight_(weight), scale_broad_(scale_broad), scale_narrow_(scale_narrow) {
  if (dim < 1) throw ConfigError("gaussian_mixture: needs at least 1 parameter");
  if (!(weight > 0.0 && weight < 1.0))
    throw ConfigError("gaussian_mixture: weight must be in (0, 1)");
  if (!positive_finite(scale_broad)) throw ConfigError("gaussian_mixture: scale_broad must be > 0");
  if (!positive_finite(scale_narrow))
    throw ConfigError("gaussian_mixture: scale_narrow must be > 0");
}

std::vector<StatSpec> GaussianMixtureModel::statistics() const { return {{"x", dim_}}; }

void GaussianMixtureModel::simulate(const Vector& theta, Rng& rng, Vector& stats) const {
  const auto d = static_cast<Eigen::Index>(dim_);
  assert(theta.size() == d && stats.size() == d);
  const double scale = rng.uniform() < weight_ ? scale_broad_ : scale_narrow_;
  for (Eigen::Index j = 0; j < d; ++j) stats[j] = theta[j] + scale * rng.normal();
}

}  // namespace abcsmc
