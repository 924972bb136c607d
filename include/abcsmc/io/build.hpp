#pragma once
/// Turns a validated RunConfig into the engine's objects.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "abcsmc/core/problem.hpp"
#include "abcsmc/core/smc.hpp"
#include "abcsmc/io/results.hpp"
#include "abcsmc/io/run_config.hpp"

namespace abcsmc::io {

/// The simulator of one model spec (builtin, plugin or command, with its delay), for a model
/// whose parameters are `parameter_names` in theta order; one that is not thread_safe() comes
/// wrapped in a SerialisedModel (safe to call from several threads). Any rank.
/// @throws ConfigError when it cannot be built (message without file/line).
std::unique_ptr<Model> build_model(const ModelSpec& spec,
                                   const std::vector<std::string>& parameter_names);

/// Models, priors and observed data of `config`. @throws ConfigError.
std::shared_ptr<Problem> build_problem(const RunConfig& config);

/// The distance's starting weight of each flattened observed statistic: the weight of its own
/// name ("x[1]"), else of its array ("x"), else 1.
Vector distance_weights(const DistanceSpec& spec, const std::vector<ObservedStat>& observed);

/// Algorithm settings of `config` with the given resolved seed.
SmcSettings build_settings(const RunConfig& config, const Problem& problem, std::uint64_t seed);

/// Results header for a run of `config` (sampler fields are left for the caller).
RunHeader build_header(const RunConfig& config, const Problem& problem, std::uint64_t seed);

}  // namespace abcsmc::io
