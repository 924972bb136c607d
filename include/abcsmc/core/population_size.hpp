#pragma once
/// Adaptive population size (pyABC's AdaptivePopulationSize; Klinger and Hasenauer 2017, "A
/// scheme for adaptive selection of population sizes in ABC-SMC"). After each generation the
/// next population size is the n at which the kernel density estimate's mean coefficient of
/// variation reaches a target: the CV is measured by a smoothed bootstrap at a range of n,
/// a power law cv = a n^(-b) is fitted to those, and it is solved for the target.
#include <cstddef>
#include <cstdint>
#include <vector>

#include "abcsmc/core/parallel.hpp"
#include "abcsmc/core/population.hpp"
#include "abcsmc/core/problem.hpp"
#include "abcsmc/core/transition.hpp"

namespace abcsmc {

/// `population_size: {start: ..., mean_cv: ..., min: ..., max: ..., n_bootstrap: ...}`.
struct AdaptivePopulationSpec {
  bool enabled = false;          ///< off: every generation has SmcSettings::population_size
  double mean_cv = 0.05;         ///< the target mean coefficient of variation (pyABC's default)
  std::size_t min = 10;          ///< bounds of the chosen size (pyABC's default minimum)
  std::size_t max = 0;           ///< 0: ten times the start size
  std::size_t n_bootstrap = 10;  ///< bootstrap replicates per tried size (pyABC's default)
};

/// The mean coefficient of variation of the kernel density estimate from `n` particles:
/// n_bootstrap times, draw n parameter vectors from the kernel fitted to `population` (split
/// over the models by their probabilities), fit the kernel again to those (equal weights) and
/// evaluate its density at every particle; per particle, sd / mean over the replicates
/// (population sd, as scipy.stats.variation); averaged with the particles' weights (pyABC's
/// calc_cv). The kernel is `spec` without the defensive mixture (the prior's share does not
/// shrink with n). Randomness from streams keyed by (seed, t, `stream_index`, replicate), so
/// the result is a function of its arguments only; replicates run on `parallel`.
double kde_coefficient_of_variation(const Problem& problem, const TransitionSpec& spec,
                                    const std::vector<Particle>& population, std::size_t n,
                                    std::size_t n_bootstrap, std::uint64_t seed, std::uint32_t t,
                                    std::uint64_t stream_index, const ParallelFor& parallel);

/// What next_population_size measured (for logs and tests).
struct PopulationSizeFit {
  std::vector<std::size_t> sizes;  ///< the n tried: current/3 to 2 current, step current/10
  std::vector<double> cvs;         ///< the CV at each
  double a = 0.0, b = 0.0;         ///< cv = a n^(-b), least squares in log-log space
  bool fitted = false;             ///< false: the fit was unusable (b <= 0, a CV <= 0, ...)
  std::size_t next = 0;            ///< the chosen size, within [min, max]
};

/// The size of generation t + 1 after generation t (`population`, normalised weights) of
/// `current` particles. Where the power law cannot be fitted the size stays `current`
/// (pyABC falls back the same way). `max` must be resolved (> 0).
PopulationSizeFit next_population_size(const Problem& problem, const TransitionSpec& spec,
                                       const AdaptivePopulationSpec& adaptive,
                                       const std::vector<Particle>& population, std::size_t current,
                                       std::uint64_t seed, std::uint32_t t,
                                       const ParallelFor& parallel);

}  // namespace abcsmc
