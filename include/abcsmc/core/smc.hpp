#pragma once
/// The ABC-SMC loop (DESIGN.md section 1): calibration, then generations until a stop rule.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
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

/// How a run is driven from outside the algorithm: where it resumes, and when it must stop early.
/// An early stop (stop flag, max_walltime, deadline) leaves the run resumable: none of these
/// affects what the generations contain, so a resumed run ends bit-identical to an
/// uninterrupted one.
struct SmcControl {
  /// Continue after this generation (the last complete one of an earlier run of the same
  /// problem, settings and seed, e.g. read back from its results file). Null: start afresh.
  const GenerationRecord* resume_from = nullptr;
  /// When set (by another thread or a signal handler), the run ends after the current generation.
  const std::atomic<bool>* stop_flag = nullptr;
  /// A generation is not started when it is expected to end after this instant (e.g. the end of
  /// the batch job): expected duration = kDeadlineSafety x the previous generation's wall time.
  std::optional<std::chrono::system_clock::time_point> deadline;
  static constexpr double kDeadlineSafety = 1.5;
};

struct SmcResult {
  std::uint32_t generations = 0;        ///< complete generations (resumed ones included)
  std::string stop_reason;
  /// The run stopped before a stopping rule of its settings was met (stop flag, max_walltime,
  /// deadline): resuming it continues the same run.
  bool stopped_early = false;
  std::uint64_t total_simulations = 0;  ///< calibration included
  double wall_seconds = 0.0;
  GenerationRecord last;                ///< the final population (when generations > 0)
};

/// Runs ABC-SMC (or continues it: control.resume_from). The observer sees only generations this
/// call produces.
/// @throws Error on engine faults (bad kernels, every calibration run failing, ...).
SmcResult run_smc(std::shared_ptr<const Problem> problem, const SmcSettings& settings,
                  Sampler& sampler, SmcObserver* observer, const SmcControl& control);

/// Runs ABC-SMC from the start. `stop_flag`, when set by another thread or a signal handler,
/// ends the run cleanly after the current generation.
SmcResult run_smc(std::shared_ptr<const Problem> problem, const SmcSettings& settings,
                  Sampler& sampler, SmcObserver* observer,
                  const std::atomic<bool>* stop_flag = nullptr);

/// The stopping rule of `stop` that ends the run after generation `last` (whose epsilon
/// schedule continues when `last.next_epsilon` is not NaN), or "" if the run goes on. Covers the
/// rules that depend on the run's content only: min_epsilon, max_generations, max_simulations,
/// min_acceptance_rate and the end of an epsilon list (not max_walltime).
std::string stop_rule_met(const StopSpec& stop, const GenerationRecord& last);

/// Normalised importance weights of `particles` (in place), given the proposal state they were
/// drawn from; generation 0 (ctx.from_prior) gets uniform weights. Uses sampler.parallel_for.
struct GenerationContext;
void compute_weights(const Problem& problem, const GenerationContext& ctx,
                     const ModelKernel& model_kernel, std::vector<Particle>& particles,
                     Sampler& sampler);

}  // namespace abcsmc
