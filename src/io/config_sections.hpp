#pragma once
/// The sections of the run config, each read by one function on the YAML walker (yaml_walk.hpp);
/// parse_config (config_parse.cpp) calls them in the order of its checks. Private to src/io.
#include <optional>
#include <string>
#include <vector>

#include "abcsmc/io/run_config.hpp"
#include "yaml_walk.hpp"

namespace abcsmc::io::detail {

// ---------------------------------------------------------------------------------------------
// Priors (config_priors.cpp)
// ---------------------------------------------------------------------------------------------

/// The prior of the examples in messages: {type: normal, mean: 0, sd: 1}.
std::string prior_example();

/// `parameters:` (name -> prior). Returns the specs that are valid; `names` gets every name.
std::vector<ParameterSpec> parse_parameters(Ctx& ctx, const Field& f,
                                            std::vector<std::string>& names);

// ---------------------------------------------------------------------------------------------
// Models (config_models.cpp)
// ---------------------------------------------------------------------------------------------

struct ParsedModel {
  ModelSpec spec;
  std::optional<std::vector<StatSpec>> stats;  ///< empty when the model could not be built
  std::string label;                           ///< "model gaussian_mean" / "model 'm1' (...)"
};

/// `parameters:` and `model:` of one model (top level, or one entry of `models:`).
ParsedModel parse_model_entry(Ctx& ctx, const Field& parameters, const Field& model);

/// `models:` (model selection): a list of {name, prior_probability, parameters, model}.
std::vector<ParsedModel> parse_models_list(Ctx& ctx, const Field& f);

// ---------------------------------------------------------------------------------------------
// Observed statistics (config_observed.cpp)
// ---------------------------------------------------------------------------------------------

struct ObservedEntry {
  ObservedStat stat;
  int line = 0;
  std::string origin;  ///< "observed.y" or "observed.y (from obs.csv)"
};

/// `observed:`; returns false when it has problems.
bool parse_observed(Ctx& ctx, const Field& f, std::vector<ObservedEntry>& out);

/// Every observed statistic must be produced by `model` with the same size.
void check_observed_against_model(Ctx& ctx, const std::vector<ObservedEntry>& observed,
                                  const std::string& model_label,
                                  const std::vector<StatSpec>& produced);

// ---------------------------------------------------------------------------------------------
// Distance, epsilon, transition, stop, sampler, output (config_sections.cpp)
// ---------------------------------------------------------------------------------------------

/// `distance:`; `observed` (null when observed has problems) names the statistics that
/// `weights` may have.
void parse_distance(Ctx& ctx, const Field& f, DistanceSpec& spec,
                    const std::vector<ObservedEntry>* observed);
void parse_epsilon(Ctx& ctx, const Field& f, EpsilonSpec& spec);
void parse_transition(Ctx& ctx, const Field& f, TransitionSpec& spec);
void parse_stop(Ctx& ctx, const Field& f, StopSpec& spec);
/// `population_size: {start, mean_cv, min, max, n_bootstrap}` (a map: adaptive).
void parse_adaptive_population(Ctx& ctx, const Field& f, std::size_t& start,
                               AdaptivePopulationSpec& spec);
void parse_sampler(Ctx& ctx, const Field& f, SamplerSpec& spec);
void parse_output(Ctx& ctx, const Field& f, OutputSpec& spec);

}  // namespace abcsmc::io::detail
