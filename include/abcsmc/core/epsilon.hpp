#pragma once
/// Epsilon schedules (pyABC QuantileEpsilon / ListEpsilon / ConstantEpsilon).
#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace abcsmc {

/// `epsilon:` section of the config.
struct EpsilonSpec {
  enum class Type { quantile, list, constant };
  Type type = Type::quantile;
  double alpha = 0.5;                ///< quantile: which weighted quantile of distances
  bool weighted = true;              ///< quantile: use particle weights
  std::optional<double> initial;     ///< quantile: first epsilon; empty = from calibration
  std::size_t calibration_size = 0;  ///< prior simulations for the first epsilon; 0 = population
  std::vector<double> values;        ///< list
  double value = 0.0;                ///< constant
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
std::optional<double> next_epsilon(const EpsilonSpec& spec, std::uint32_t t,
                                   const std::vector<double>& distances,
                                   const std::vector<double>& weights);

}  // namespace abcsmc
