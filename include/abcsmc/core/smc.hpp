#pragma once
/// The ABC-SMC loop (DESIGN.md section 1): calibration, then generations until a stop rule.
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "abcsmc/core/distance.hpp"
#include "abcsmc/core/epsilon.hpp"
#include "abcsmc/core/population.hpp"
#include "abcsmc/core/problem.hpp"
#include "abcsmc/core/stopping.hpp"
#include "abcsmc/core/transition.hpp"

namespace abcsmc {

class Sampler;

struct SmcSettings {
  std::uint64_t seed = 0;
  std::size_t population_size = 1000;
  DistanceSpec distance;
  Vector distance_weights;  ///< initial weights, one per observed statistic
  EpsilonSpec epsilon;
  TransitionSpec transition;
  StopSpec stop;
  bool store_stats = true;  ///< keep particles' statistics in the records
};

/// What happened before generation 0.
struct CalibrationInfo {
  std::uint64_t simulations = 0;
  double initial_epsilon = 0.0;
  Vector distance_weights;
  double wall_seconds = 0.0;
};

/// Receives progress; implementations log and write results. Called on the master thread.
class SmcObserver {
 public:
  virtual ~SmcObserver() = default;
  virtual void on_calibration(const CalibrationInfo&) {}
  virtual void on_generation(const GenerationRecord&) {}
};

struct SmcResult {
  std::uint32_t generations = 0;        ///< complete generations
  std::string stop_reason;
  std::uint64_t total_simulations = 0;  ///< calibration included
  double wall_seconds = 0.0;
  GenerationRecord last;                ///< the final population (when generations > 0)
};

/// Runs ABC-SMC. `stop_flag`, when set by another thread or a signal handler, ends the run
/// cleanly after the current generation.
/// @throws Error on engine faults (bad kernels, every calibration run failing, ...).
SmcResult run_smc(std::shared_ptr<const Problem> problem, const SmcSettings& settings,
                  Sampler& sampler, SmcObserver* observer,
                  const std::atomic<bool>* stop_flag = nullptr);

/// Normalised importance weights of `particles` (in place), given the proposal state they were
/// drawn from; generation 0 (ctx.from_prior) gets uniform weights. Uses sampler.parallel_for.
struct GenerationContext;
void compute_weights(const Problem& problem, const GenerationContext& ctx,
                     const ModelKernel& model_kernel, std::vector<Particle>& particles,
                     Sampler& sampler);

}  // namespace abcsmc
