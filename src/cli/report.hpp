#pragma once
// Human-readable end-of-run summary.
#include <string>

#include "abcsmc/core/problem.hpp"
#include "abcsmc/core/smc.hpp"

namespace abcsmc::cli {

/// Generations, simulations, throughput, final epsilon and, per model and parameter, the
/// weighted posterior mean, sd and 5/50/95% quantiles of the final population.
std::string format_run_summary(const Problem& problem, const SmcResult& result,
                               const std::string& output_path);

}  // namespace abcsmc::cli
