// The temperature schedule of stochastic acceptance (pyABC's Temperature and its schemes).
// Every scheme is a function of the last generation's record only (no state of its own), so a
// resumed run continues it exactly.
#include <algorithm>
#include <cmath>
#include <limits>

#include "abcsmc/core/detmath.hpp"
#include "abcsmc/core/epsilon.hpp"
#include "abcsmc/core/error.hpp"

namespace abcsmc {

namespace {

/// Bisection for the root of a function decreasing over [lo, hi] whose sign changes there.
template <class F>
double bisect_decreasing(F f, double lo, double hi) {
  for (int i = 0; i < 200 && hi - lo > 1e-13 * std::max(1.0, std::abs(lo)); ++i) {
    const double mid = 0.5 * (lo + hi);
    (f(mid) > 0.0 ? lo : hi) = mid;
  }
  return 0.5 * (lo + hi);
}

/// Effective sample size of `weights` reweighted by exp(-step * distance) (step >= 0).
double reweighted_ess(const std::vector<double>& distances, const std::vector<double>& weights,
                      double step) {
  const double d_min = *std::min_element(distances.begin(), distances.end());
  double sum = 0.0, sum_sq = 0.0;
  for (std::size_t i = 0; i < distances.size(); ++i) {
    const double w = weights[i] * detmath::exp(-step * (distances[i] - d_min));
    sum += w;
    sum_sq += w * w;
  }
  return sum_sq > 0.0 ? sum * sum / sum_sq : 0.0;
}

/// pyABC's EssScheme: the inverse temperature beta in [1 / previous, 1] at which the population
/// (sampled at 1 / previous) reweighted to beta keeps target * n effective particles. pyABC
/// reweights by pdf^beta; the population already carries pdf^(1 / previous), so the weights
/// here are pdf^(beta - 1 / previous), which is what reaching beta takes.
double ess_temperature(const EpsilonSpec& spec, double previous,
                       const std::vector<double>& distances, const std::vector<double>& weights) {
  if (distances.empty()) return previous;
  const double beta_prev = 1.0 / previous;
  const double target = spec.target_relative_ess * static_cast<double>(distances.size());
  const auto excess = [&](double beta) {
    return reweighted_ess(distances, weights, beta - beta_prev) - target;
  };
  if (excess(1.0) >= 0.0) return 1.0;
  if (excess(beta_prev) <= 0.0) return previous;
  return 1.0 / bisect_decreasing(excess, beta_prev, 1.0);
}

double scheme_proposal(const EpsilonSpec& spec, TemperatureScheme scheme, std::uint32_t t,
                       std::uint32_t max_generations, double previous,
                       const std::vector<double>& distances, const std::vector<double>& weights,
                       double by_rate) {
  // Generations left including t (pyABC's t_to_go = max_nr_populations - t).
  const double to_go = static_cast<double>(max_generations) - static_cast<double>(t);
  switch (scheme) {
    case TemperatureScheme::acceptance_rate:
      return by_rate;
    case TemperatureScheme::exp_decay_fixed_iter:
      return detmath::pow(previous, (to_go - 1.0) / to_go);
    case TemperatureScheme::exp_decay_fixed_ratio:
      return spec.decay_alpha * previous;
    case TemperatureScheme::polynomial_decay_fixed_iter: {
      // The next-to-last of linspace(1, previous^(1/k), to_go + 1)^k.
      const double k = spec.decay_exponent;
      const double top = detmath::pow(previous, 1.0 / k);
      return detmath::pow(1.0 + (top - 1.0) * (to_go - 1.0) / to_go, k);
    }
    case TemperatureScheme::friel_pettitt: {
      const double beta = 1.0 / previous;
      const double step = (1.0 - beta) / to_go;
      return 1.0 / (beta + step * step);
    }
    case TemperatureScheme::ess:
      return ess_temperature(spec, previous, distances, weights);
  }
  throw Error("temperature: unknown scheme");
}

}  // namespace

double match_acceptance_rate(const std::vector<double>& distances, double target_rate) {
  return match_acceptance_rate(
      distances, std::vector<double>(distances.size(), 1.0 / static_cast<double>(distances.size())),
      target_rate);
}

bool uses_acceptance_rate(const EpsilonSpec& spec) {
  return spec.type == EpsilonSpec::Type::temperature &&
         std::find(spec.schemes.begin(), spec.schemes.end(), TemperatureScheme::acceptance_rate) !=
             spec.schemes.end();
}

double match_acceptance_rate(const std::vector<double>& distances,
                             const std::vector<double>& weights, double target_rate) {
  if (distances.empty()) throw Error("temperature: no distances to match an acceptance rate on");
  // The acceptance rate at inverse temperature exp(b), minus the target; decreasing in b.
  const auto excess = [&](double b) {
    const double beta = detmath::exp(b);
    double sum = 0.0;
    for (std::size_t i = 0; i < distances.size(); ++i) {
      sum += weights[i] * std::min(1.0, detmath::exp(-distances[i] * beta));
    }
    return sum - target_rate;
  };
  constexpr double kMinB = -100.0;  // pyABC's bound: a temperature of e^100
  if (excess(0.0) > 0.0) return 1.0;
  if (excess(kMinB) < 0.0) return detmath::exp(-kMinB);
  return 1.0 / detmath::exp(bisect_decreasing(excess, kMinB, 0.0));
}

std::optional<double> next_temperature(const EpsilonSpec& spec, std::uint32_t t,
                                       std::uint32_t max_generations, double previous,
                                       const std::vector<double>& distances,
                                       const std::vector<double>& weights, double by_rate) {
  if (!(previous > 1.0)) return std::nullopt;  // exact already: the run ends
  if (max_generations > 0 && t + 1 >= max_generations) return 1.0;
  double next = std::numeric_limits<double>::infinity();
  for (TemperatureScheme s : spec.schemes) {
    next = std::min(
        next, scheme_proposal(spec, s, t, max_generations, previous, distances, weights, by_rate));
  }
  if (std::isnan(next)) throw Error("temperature: a scheme proposed NaN");
  return std::max(std::min(next, previous), 1.0);
}

}  // namespace abcsmc
