// Stochastic SIR epidemic (Gillespie's direct method).
#include <cassert>
#include <cmath>
#include <string>

#include "abcsmc/core/detmath.hpp"
#include "abcsmc/core/error.hpp"
#include "abcsmc/models/simulators.hpp"

namespace abcsmc {

SirModel::SirModel(std::int64_t population, std::int64_t infected, double t_end,
                   std::int64_t observations, std::size_t beta_index, std::size_t gamma_index)
    : population_(population),
      infected_(infected),
      t_end_(t_end),
      observations_(observations),
      beta_index_(beta_index),
      gamma_index_(gamma_index) {
  if (population < 1) throw ConfigError("sir: population must be >= 1");
  if (infected < 0 || infected > population)
    throw ConfigError("sir: infected must be in [0, population]");
  if (!(std::isfinite(t_end) && t_end > 0.0)) throw ConfigError("sir: t_end must be > 0");
  if (observations < 1) throw ConfigError("sir: observations must be >= 1");
  if (beta_index > 1 || gamma_index > 1 || beta_index == gamma_index)
    throw ConfigError("sir: beta and gamma must be parameters 0 and 1");
}

std::vector<StatSpec> SirModel::statistics() const {
  return {{"infected", static_cast<std::size_t>(observations_)}};
}

void SirModel::simulate(const Vector& theta, Rng& rng, Vector& stats) const {
  assert(theta.size() == 2 && stats.size() == observations_);
  double beta = theta[static_cast<Eigen::Index>(beta_index_)];
  double gamma = theta[static_cast<Eigen::Index>(gamma_index_)];
  if (!std::isfinite(beta) || !std::isfinite(gamma)) {
    throw ModelError("sir: rates must be finite, got beta = " + std::to_string(beta) +
                         ", gamma = " + std::to_string(gamma),
                     "sir: rates must be finite");
  }
  beta = beta > 0.0 ? beta : 0.0;
  gamma = gamma > 0.0 ? gamma : 0.0;

  const double contact = beta / static_cast<double>(population_);
  const double n_obs = static_cast<double>(observations_);
  std::int64_t s = population_ - infected_;
  std::int64_t i = infected_;
  double t = 0.0;
  std::int64_t k = 0;  // next observation: time t_end * (k + 1) / observations
  // Each event moves one individual S -> I or I -> R, so there are at most 2 * population.
  while (k < observations_) {
    const double rate_infection = contact * static_cast<double>(s) * static_cast<double>(i);
    const double rate_recovery = gamma * static_cast<double>(i);
    const double total = rate_infection + rate_recovery;
    if (!(total > 0.0)) break;  // absorbing: no infected, or both rates zero
    t += -detmath::log(rng.uniform_pos()) / total;
    // Observations before the event see the state before it.
    while (k < observations_ && t_end_ * static_cast<double>(k + 1) / n_obs < t) {
      stats[k++] = static_cast<double>(i);
    }
    if (k == observations_) break;
    const double u = rng.uniform() * total;
    bool infection;
    if (rate_recovery <= 0.0) {
      infection = true;
    } else if (rate_infection <= 0.0) {
      infection = false;
    } else {
      infection = u < rate_infection;
    }
    if (infection) {
      --s;
      ++i;
    } else {
      --i;
    }
  }
  for (; k < observations_; ++k) stats[k] = static_cast<double>(i);
}

}  // namespace abcsmc
