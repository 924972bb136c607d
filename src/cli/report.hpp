#pragma once
// Human-readable end-of-run summary.
#include <string>

#include "abcsmc/core/problem.hpp"
#include "abcsmc/core/smc.hpp"

namespace abcsmc::cli {

/// "  simulations: N in S s (R simulations/s)" for this invocation (SmcResult::
/// simulations_this_run over wall_seconds), with the whole run's total after a resume, or
/// "no simulations in this invocation" when it ran none (a complete run resumed).
std::string simulations_line(const SmcResult& result);

/// Generations, simulations, throughput, final epsilon and, per model and parameter, the
/// weighted posterior mean, sd and 5/50/95% quantiles of the final population.
std::string format_run_summary(const Problem& problem, const SmcResult& result,
                               const std::string& output_path);

}  // namespace abcsmc::cli
