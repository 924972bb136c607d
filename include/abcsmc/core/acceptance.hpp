#pragma once
/// The acceptance rule, shared by the evaluator (which decides) and the wire checks (which
/// verify what a worker decided).
#include <cstdint>

#include "abcsmc/core/detmath.hpp"
#include "abcsmc/core/generation.hpp"
#include "abcsmc/core/rng.hpp"

namespace abcsmc {

/// Whether a candidate with `distance` is accepted in generation `spec`. Deterministic
/// acceptance: distance <= epsilon. Stochastic acceptance (a noise kernel, pyABC's
/// StochasticAcceptor): with probability exp(-distance / T), T = spec.epsilon (the temperature),
/// i.e. when distance <= T * E with E ~ Exp(1) from the candidate's own acceptance stream, so
/// that it does not depend on what the model drew and the master can check it.
inline bool accepts(const GenerationSpec& spec, bool stochastic, double distance,
                    std::uint64_t index, std::uint64_t attempt) {
  if (spec.calibration) return true;
  if (!stochastic) return distance <= spec.epsilon;
  Rng rng(StreamId{spec.seed, spec.t, index, attempt, StreamKind::acceptance});
  return distance <= spec.epsilon * -detmath::log(rng.uniform_pos());
}

}  // namespace abcsmc
