#pragma once
/// Stopping rules (`stop:` section of the config). A rule with value 0 is off.
#include <cstddef>
#include <cstdint>

namespace abcsmc {

struct StopSpec {
  double min_epsilon = 0.0;  ///< stop once epsilon <= this
  /// Stop once epsilon moved by less than this from one generation to the next (pyABC's
  /// min_eps_diff: |eps_t - eps_(t-1)| < min_eps_diff); never after generation 0.
  double min_eps_diff = 0.0;
  std::uint32_t max_generations = 10;  ///< stop after this many generations (t = 0..max-1)
  std::uint64_t max_simulations = 0;   ///< total simulations over the run, calibration included
  double max_walltime_seconds = 0.0;   ///< stop after this much wall time
  double min_acceptance_rate = 0.0;    ///< stop once a generation's acceptance rate is below
  /// Fail fast: when the first `fail_fast` candidates of calibration or of a generation all
  /// fail, the run ends with an error (0 = off). Decided by evaluation index, so it does not
  /// depend on timing.
  std::uint64_t fail_fast = 1000;
};

/// The most simulations a generation of `n_accept` particles may take while its acceptance
/// rate stays at or above `min_acceptance_rate` (0 = no limit): a generation that has not
/// accepted n_accept candidates within them ends with the rate below the minimum, whatever
/// comes after. Lets samplers stop a hopeless generation instead of finishing it (pyABC does
/// the same with max_eval = n / min_acceptance_rate).
std::uint64_t acceptance_rate_budget(std::size_t n_accept, double min_acceptance_rate);

}  // namespace abcsmc
