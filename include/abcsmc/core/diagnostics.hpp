#pragma once
/// Warnings a user should see after a generation (issue 14): weights carried by a few particles
/// (a low ESS), a model that lost all its particles, an integer value that lost its particles.
/// Each warning names the setting to change. Pure bookkeeping over GenerationRecords, so that
/// the CLI only logs what it returns.
#include <cstddef>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "abcsmc/core/population.hpp"
#include "abcsmc/core/problem.hpp"
#include "abcsmc/core/transition.hpp"

namespace abcsmc {

/// Watches the generations of one run.
class GenerationWatch {
 public:
  /// An ESS below `ess_fraction` of the population is reported (0.1: pyABC users' rule of thumb;
  /// the 50-dimensional run fell to 0.4%).
  GenerationWatch(const Problem& problem, const TransitionSpec& transition,
                  double ess_fraction = 0.1);

  /// The warnings for `rec` (compared with the generation checked before it), each one line.
  std::vector<std::string> check(const GenerationRecord& rec, std::size_t population_size);

 private:
  const Problem& problem_;
  TransitionSpec transition_;
  double ess_fraction_;
  bool first_ = true;
  std::vector<double> model_probabilities_;
  /// (model, parameter index) -> value -> weight, for integer parameters.
  std::map<std::pair<std::size_t, std::size_t>, std::map<long long, double>> integer_weights_;
};

}  // namespace abcsmc
