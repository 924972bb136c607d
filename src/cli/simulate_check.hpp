#pragma once
// `abcsmc validate CONFIG --simulate [N]`: a config check plus N simulations per model.
#include <cstddef>
#include <string>

namespace abcsmc::cli {

/// Default N of `validate --simulate` without a number.
constexpr std::size_t kDefaultSimulations = 20;

/// Checks `config` like `validate`, then runs each model `simulations` times at parameters drawn
/// from its prior (one at a time, in this process) and prints to stdout, per model: the time
/// per simulation (median, max), the statistics it gives against those the config observes,
/// the failures by reason with the first failure's full message, and a rough estimate of a
/// generation's and the run's duration.
/// @return 0 when the models simulate; 1 when every simulation of a model failed, or a model
///         whose on_failure is `abort` failed at all (a run would stop); 2 for config errors.
int validate_simulate_command(const std::string& config, std::size_t simulations);

}  // namespace abcsmc::cli
