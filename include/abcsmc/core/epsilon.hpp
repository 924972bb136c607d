#pragma once
/// Epsilon schedules (pyABC QuantileEpsilon / ListEpsilon / ConstantEpsilon).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace abcsmc {

/// `epsilon:` section of the config.
/// A temperature scheme (pyABC's TemperatureScheme classes): proposes the next temperature.
enum class TemperatureScheme {
  acceptance_rate,        ///< the T at which the next generation is predicted to accept target_rate
  exp_decay_fixed_iter,   ///< T_prev^((n - t - 1) / (n - t)): 1 after the last generation
  exp_decay_fixed_ratio,  ///< alpha * T_prev
  polynomial_decay_fixed_iter,  ///< linear in T^(1/exponent) down to 1 at the last generation
  friel_pettitt,                ///< 1/T steps of ((1 - 1/T_prev) / (n - t))^2 (Friel, Pettitt)
  ess,                          ///< the reweighted population keeps target_relative_ess
};

struct EpsilonSpec {
  /// temperature: stochastic acceptance with a noise-kernel distance (pyABC's Temperature);
  /// the "epsilon" of each generation is its temperature T >= 1, exact inference at T = 1.
  enum class Type { quantile, list, constant, temperature };
  Type type = Type::quantile;
  double alpha = 0.5;                ///< quantile: which weighted quantile of distances
  bool weighted = true;              ///< quantile: use particle weights
  std::optional<double> initial;     ///< quantile: first epsilon; empty = from calibration
  std::size_t calibration_size = 0;  ///< prior simulations for the first epsilon; 0 = population
  std::vector<double> values;        ///< list
  double value = 0.0;                ///< constant
  // temperature (pyABC's defaults). `initial` empty: matched to target_rate on the calibration
  // sample (pyABC's AcceptanceRateScheme as its initial temperature).
  std::vector<TemperatureScheme> schemes{TemperatureScheme::acceptance_rate,
                                         TemperatureScheme::exp_decay_fixed_iter};
  double target_rate = 0.3;          ///< the initial temperature's acceptance rate
  double decay_alpha = 0.5;          ///< exp_decay_fixed_ratio
  double decay_exponent = 3.0;       ///< polynomial_decay_fixed_iter
  double target_relative_ess = 0.8;  ///< ess
};

/// Weighted quantile as pyABC: interpolate alpha on (cumsum(w) - w/2) over sorted points.
/// `weights` need not be normalised. Ties are ordered by position (stable), so the result is
/// a pure function of the inputs in their given order.
double weighted_quantile(const std::vector<double>& points, const std::vector<double>& weights,
                         double alpha);

/// Whether the schedule needs a calibration sample of prior simulations before generation 0.
bool needs_calibration(const EpsilonSpec& spec);

/// Epsilon for generation 0. `calibration_distances` are the calibration sample's distances.
double initial_epsilon(const EpsilonSpec& spec, const std::vector<double>& calibration_distances);

/// Epsilon for generation t >= 1 from the previous population's distances (recomputed with the
/// current distance) and normalised weights. Returns empty when a list schedule is exhausted.
/// Not for the temperature (next_temperature).
std::optional<double> next_epsilon(const EpsilonSpec& spec, std::uint32_t t,
                                   const std::vector<double>& distances,
                                   const std::vector<double>& weights);

/// The temperature at which a fraction `target_rate` of `distances` (noise-kernel distances of
/// prior samples, equally weighted) would be accepted: mean(exp(-d / T)) = target_rate, found by
/// bisection on log(1 / T) in [-100, 0] as pyABC's match_acceptance_rate; 1 when even T = 1
/// accepts more.
double match_acceptance_rate(const std::vector<double>& distances, double target_rate);

/// The same with normalised `weights` (sum w_i exp(-d_i / T) = target_rate): pyABC's
/// AcceptanceRateScheme after generation 0, the last generation's candidates weighted by
/// next proposal density / their own proposal density.
double match_acceptance_rate(const std::vector<double>& distances,
                             const std::vector<double>& weights, double target_rate);

/// Whether the schedule has the acceptance_rate scheme (the master then keeps every candidate).
bool uses_acceptance_rate(const EpsilonSpec& spec);

/// The temperature of generation t >= 1 (pyABC's Temperature): the last generation
/// (t + 1 >= max_generations) gets 1; otherwise the smallest of the schemes' proposals, at most
/// `previous` and at least 1. `distances` and `weights` are generation t - 1's (ess). Empty
/// once generation t - 1 ran at temperature 1 (the run is exact: it ends there, as pyABC's
/// minimum_epsilon of 1 for temperatures). `by_rate` is the acceptance_rate scheme's
/// proposal (match_acceptance_rate on generation t - 1's candidates), inf when not computed.
std::optional<double> next_temperature(const EpsilonSpec& spec, std::uint32_t t,
                                       std::uint32_t max_generations, double previous,
                                       const std::vector<double>& distances,
                                       const std::vector<double>& weights, double by_rate);

}  // namespace abcsmc
