#pragma once
/// Particles, populations and the per-generation record written to results.
#include <cstdint>
#include <string>
#include <vector>

#include "abcsmc/core/failures.hpp"
#include "abcsmc/core/types.hpp"

namespace abcsmc {

/// One accepted particle.
struct Particle {
  std::uint64_t eval_index = 0;  ///< dynamic: evaluation index; static: particle slot
  std::uint32_t model = 0;       ///< index into the run's models
  Vector theta;                  ///< the model's parameters, in its prior's order
  Vector stats;                  ///< summary statistics (flattened)
  double distance = 0.0;
  double weight = 0.0;  ///< normalised over the population (sum 1)
};

/// Effective sample size (sum w)^2 / sum w^2.
double effective_sample_size(const std::vector<double>& weights);

/// Everything about one completed generation: what the results file stores and the log prints.
struct GenerationRecord {
  std::uint32_t t = 0;
  double epsilon = 0.0;
  std::vector<Particle> particles;      ///< sorted by eval_index
  std::uint64_t simulations = 0;        ///< candidates evaluated (indices used)
  std::uint64_t total_simulations = 0;  ///< the run's simulations up to and including this
                                        ///< generation, calibration included
  std::uint64_t failed = 0;             ///< candidates whose simulation failed
  FailureTally failures;                ///< those, by reason
  double acceptance_rate = 0.0;         ///< particles / simulations
  double ess = 0.0;
  double wall_seconds = 0.0;                ///< sampling + bookkeeping of this generation
  std::vector<double> model_probabilities;  ///< one per model
  Vector distance_weights;                  ///< the weights of the distance used in this generation
  // State for the next generation (what --resume needs):
  double next_epsilon = 0.0;  ///< NaN when the schedule has ended
  /// Particles of the next generation (adaptive population size; else the fixed size). 0 in
  /// files written before it existed: the settings' population size.
  std::uint64_t next_population_size = 0;
  Vector next_distance_weights;
};

}  // namespace abcsmc
