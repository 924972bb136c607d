#pragma once
/// Stopping rules (`stop:` section of the config). A rule with value 0 is off.
#include <cstdint>

namespace abcsmc {

struct StopSpec {
  double min_epsilon = 0.0;            ///< stop once epsilon <= this
  std::uint32_t max_generations = 10;  ///< stop after this many generations (t = 0..max-1)
  std::uint64_t max_simulations = 0;   ///< total simulations over the run, calibration included
  double max_walltime_seconds = 0.0;   ///< stop after this much wall time
  double min_acceptance_rate = 0.0;    ///< stop once a generation's acceptance rate is below
};

}  // namespace abcsmc
