#pragma once
/// The simulator interface every model type implements (built-in, plugin, external command).
#include <cstddef>
#include <string>
#include <vector>

#include "abcsmc/core/rng.hpp"
#include "abcsmc/core/types.hpp"

namespace abcsmc {

/// One named summary statistic; size > 1 for arrays (flattened as name[0], name[1], ...).
struct StatSpec {
  std::string name;
  std::size_t size = 1;
};

/// Flattens specs into names: {"y",1},{"x",2} -> "y", "x[0]", "x[1]".
StatNames flatten_stat_names(const std::vector<StatSpec>& specs);

/// Total number of values in `specs`.
std::size_t total_stat_size(const std::vector<StatSpec>& specs);

/// A stochastic simulator x = f(theta, noise) reduced to summary statistics.
class Model {
 public:
  virtual ~Model() = default;
  /// The statistics simulate() writes, in order.
  virtual std::vector<StatSpec> statistics() const = 0;
  /// Simulates at `theta` drawing all randomness from `rng`; writes total_stat_size() values to
  /// `stats` (already sized by the caller).
  /// @throws ModelError when the simulation fails.
  virtual void simulate(const Vector& theta, Rng& rng, Vector& stats) const = 0;
  /// False if one instance must not be called from several threads at once.
  virtual bool thread_safe() const { return true; }
};

}  // namespace abcsmc
