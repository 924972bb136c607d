#pragma once
/// Building a Problem in code (the C++ library API), without a config file.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "abcsmc/core/model.hpp"
#include "abcsmc/core/problem.hpp"
#include "abcsmc/core/smc.hpp"

namespace abcsmc {

/// Collects models, priors and observed statistics, then builds a validated Problem:
///
///   auto problem = ProblemBuilder()
///       .model("gauss", make_model({{"y", 1}}, simulate))
///       .parameter("theta", "normal", {{"mean", 0.0}, {"sd", 1.0}})
///       .observe("y", 0.5)
///       .build();
///
/// For model selection call model() once per model; parameter() adds to the latest model.
class ProblemBuilder {
 public:
  /// Starts a model. @param prior_probability relative prior weight (normalised in build())
  ProblemBuilder& model(std::string name, std::shared_ptr<const Model> model,
                        double prior_probability = 1.0,
                        FailurePolicy on_failure = FailurePolicy::reject);
  /// Adds a parameter to the latest model (theta order = call order).
  /// @param type a prior type as in the config ("normal", "uniform", ...), with its parameters
  /// @throws ConfigError for a bad prior, or when no model was started.
  ProblemBuilder& parameter(std::string name, const std::string& type,
                            const std::map<std::string, double>& params);
  /// Adds an observed scalar statistic (distance order = call order).
  ProblemBuilder& observe(std::string name, double value);
  /// Adds an observed array statistic (matched to name[0], name[1], ...).
  ProblemBuilder& observe(std::string name, const std::vector<double>& values);
  /// @throws ConfigError when there is no model or statistic, or a model lacks a statistic.
  std::shared_ptr<Problem> build() const;

 private:
  std::vector<ModelEntry> models_;
  StatNames names_;
  std::vector<double> values_;
};

/// Settings with every default (as an empty config section gives) for `problem`: unit distance
/// weights, quantile epsilon, multivariate normal kernel. Set settings.stop before running.
SmcSettings default_settings(const Problem& problem, std::uint64_t seed);

}  // namespace abcsmc
