#pragma once
/// One generation as plain data (GenerationSpec) and the evaluation context built from it.
/// The spec is what travels to workers (MPI ranks, Redis workers): every process rebuilds the
/// same context from it with make_context, a pure function, so kernels are never serialised.
#include <cstdint>
#include <memory>
#include <vector>

#include "abcsmc/core/distance.hpp"
#include "abcsmc/core/population.hpp"
#include "abcsmc/core/problem.hpp"
#include "abcsmc/core/transition.hpp"

namespace abcsmc {

/// Everything that defines one generation's candidate evaluations.
struct GenerationSpec {
  std::uint64_t seed = 0;
  std::uint32_t t = 0;
  double epsilon = 0.0;
  bool calibration = false;  ///< prior simulations before generation 0 (always accepted)
  bool from_prior = true;    ///< generation 0: sample from the priors
  Vector distance_weights;   ///< the distance's weights for this generation
  /// The previous population (model, theta, normalised weight are used), in eval_index order;
  /// empty when from_prior.
  std::vector<Particle> previous;
};

/// What the candidate evaluations of one generation use: the spec it was built from and what
/// make_context derives from it (kernels, model probabilities, the distance). Not plain data:
/// only the spec travels; every process builds the same context from it.
struct GenerationContext {
  /// The generation (seed, t, epsilon, calibration, from_prior, ...). Shared, not copied: the
  /// previous population inside may be large. Never null in a context from make_context.
  std::shared_ptr<const GenerationSpec> spec;
  std::vector<double> model_probabilities;                     ///< previous population, per model
  std::vector<std::shared_ptr<const Transition>> transitions;  ///< per model; null = dead model
  std::shared_ptr<const Distance> distance;
};

/// Settings that do not change during a run and shape every context.
struct ContextSettings {
  DistanceSpec distance;
  TransitionSpec transition;
};

/// Builds the context of `spec` (which it keeps): model probabilities and one kernel per model
/// fitted to the previous population (a model without particles gets none: it is dead), and the
/// distance. Any rank; deterministic.
GenerationContext make_context(const Problem& problem, const ContextSettings& settings,
                               std::shared_ptr<const GenerationSpec> spec);
/// The same from a spec moved or copied in.
GenerationContext make_context(const Problem& problem, const ContextSettings& settings,
                               GenerationSpec spec);

/// Kernels per model fitted to `particles` (weights renormalised within each model).
std::vector<std::shared_ptr<const Transition>> fit_transitions(
    const Problem& problem, const TransitionSpec& spec, const std::vector<Particle>& particles);

}  // namespace abcsmc
