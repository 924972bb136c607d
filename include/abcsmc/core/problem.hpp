#pragma once
/// The inference problem: candidate models with their priors, and the observed data.
#include <memory>
#include <string>
#include <vector>

#include "abcsmc/core/model.hpp"
#include "abcsmc/core/prior.hpp"
#include "abcsmc/core/types.hpp"

namespace abcsmc {

/// What a failed simulation does to the run (config `model.on_failure`).
enum class FailurePolicy {
  reject,  ///< count the candidate as failed (never accepted) and go on
  abort,   ///< stop the run: the evaluator throws Error with the model's message
};

/// One candidate model (a run without model selection has exactly one).
struct ModelEntry {
  std::string name;
  Prior prior;
  /// Called from several threads at once by the samplers, so it must be thread_safe():
  /// ProblemBuilder and io::build_problem wrap one that is not (serialise_if_needed); a
  /// hand-built entry must do the same.
  std::shared_ptr<const Model> model;
  double prior_probability = 1.0;  ///< normalised over the problem's models
  FailurePolicy on_failure = FailurePolicy::reject;
  /// For each observed statistic, its position in the model's flattened output.
  std::vector<std::size_t> stat_selection;
  /// True when stat_selection is 0, 1, ..., k-1 over all model outputs (no copy needed).
  bool selection_is_identity = true;
  /// Total size of the model's flattened output (set by bind_statistics).
  std::size_t output_size = 0;
};

struct Problem {
  std::vector<ModelEntry> models;
  StatNames stat_names;  ///< observed statistics, flattened, in distance order
  Vector observed;

  /// Fills each model's stat_selection from its statistics() and stat_names.
  /// @throws ConfigError when a model does not produce an observed statistic.
  void bind_statistics();
};

}  // namespace abcsmc
