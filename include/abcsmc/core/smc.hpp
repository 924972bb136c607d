#pragma once
/// The ABC-SMC loop (DESIGN.md section 1): calibration, then generations until a stop rule.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>

#include "abcsmc/core/distance.hpp"
#include "abcsmc/core/epsilon.hpp"
#include "abcsmc/core/failures.hpp"
#include "abcsmc/core/model_kernel.hpp"
#include "abcsmc/core/parallel.hpp"
#include "abcsmc/core/population.hpp"
#include "abcsmc/core/population_size.hpp"
#include "abcsmc/core/problem.hpp"
#include "abcsmc/core/stopping.hpp"
#include "abcsmc/core/transition.hpp"

namespace abcsmc {

class Sampler;

struct SmcSettings {
  std::uint64_t seed = 0;
  std::size_t population_size = 1000;          ///< every generation's, or the first when adaptive
  AdaptivePopulationSpec adaptive_population;  ///< max resolved (> 0) when enabled
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
  std::uint64_t failed = 0;
  FailureTally failures;  ///< by reason, over the simulations that count
  double initial_epsilon = 0.0;
  Vector distance_weights;
  double wall_seconds = 0.0;
};

/// Where the run is inside a sampling round: what the heartbeat prints.
struct RoundProgress {
  bool calibration = false;
  std::uint32_t t = 0;          ///< the generation (when !calibration)
  std::size_t n_accept = 0;     ///< particles the round needs
  std::uint64_t evaluated = 0;  ///< candidates finished so far
  std::uint64_t accepted = 0;
  std::uint64_t failed = 0;
  double seconds = 0.0;  ///< since the round started
  /// Seconds until the round has its particles at the current rates; negative when unknown.
  double eta_seconds = -1.0;
};

/// Receives progress; implementations log and write results. on_calibration and on_generation
/// are called on the thread that runs run_smc; on_progress and on_first_failure on the
/// engine's watch thread while a round runs (so they must be thread-safe with respect to
/// each other and to the sampler, not to the other two).
class SmcObserver {
 public:
  virtual ~SmcObserver() = default;
  virtual void on_calibration(const CalibrationInfo&) {}
  virtual void on_generation(const GenerationRecord&) {}
  /// Every SmcControl::progress_interval seconds inside a round.
  virtual void on_progress(const RoundProgress&) {}
  /// The first failed candidate of the run (in time), with its full message; once per run.
  virtual void on_first_failure(const RoundProgress&, const std::string& /*message*/) {}
};

/// How a run is driven from outside the algorithm: where it resumes, and when it must stop early.
/// An early stop (stop flag, max_walltime, deadline) leaves the run resumable: none of these
/// affects what the generations contain, so a resumed run ends bit-identical to an
/// uninterrupted one.
struct SmcControl {
  /// Continue after this generation (the last complete one of an earlier run of the same
  /// problem, settings and seed, e.g. read back from its results file). Null: start afresh.
  const GenerationRecord* resume_from = nullptr;
  /// The epsilon of the generation before resume_from (NaN when resume_from is generation 0):
  /// stop.min_eps_diff compares the two.
  double resume_previous_epsilon = std::numeric_limits<double>::quiet_NaN();
  /// When set (by another thread or a signal handler), the run ends after the current generation.
  const std::atomic<bool>* stop_flag = nullptr;
  /// A generation is not started when it is expected to end after this instant (e.g. the end of
  /// the batch job): expected duration = kDeadlineSafety x the previous generation's wall time.
  /// Also checked inside a round: the round in progress is dropped when the deadline passes.
  std::optional<std::chrono::system_clock::time_point> deadline;
  static constexpr double kDeadlineSafety = 1.5;
  /// Seconds between SmcObserver::on_progress calls inside a round (0 = none).
  double progress_interval = 30.0;
  /// How often the watch thread checks the stop flag, max_walltime and the deadline inside a
  /// round, in seconds.
  double watch_interval = 0.05;
  /// Runs the master's per-particle work between rounds (importance weights), e.g. a ThreadsFor
  /// (samplers/threads.hpp) beside a ThreadsSampler. Null: sequentially. Results do not depend
  /// on it.
  const ParallelFor* parallel = nullptr;
};

struct SmcResult {
  std::uint32_t generations = 0;  ///< complete generations (resumed ones included)
  std::string stop_reason;
  /// The run stopped before a stopping rule of its settings was met (stop flag, max_walltime,
  /// deadline): resuming it continues the same run.
  bool stopped_early = false;
  /// The round an early stop cut short and dropped ("calibration", "generation 4"); "" when
  /// the run stopped between rounds. --resume redoes it (bit-identical).
  std::string interrupted;
  std::uint64_t total_simulations = 0;  ///< calibration included
  /// Simulations this call ran (a resumed run's earlier ones excluded; a cancelled round's
  /// included): with wall_seconds, this invocation's rate.
  std::uint64_t simulations_this_run = 0;
  double wall_seconds = 0.0;
  GenerationRecord last;  ///< the final population (when generations > 0)
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
/// rules that depend on the run's content only: min_epsilon, min_eps_diff, max_generations,
/// max_simulations, min_acceptance_rate and the end of an epsilon list (not max_walltime).
/// `previous_epsilon` is the epsilon of generation last.t - 1 (NaN for generation 0).
std::string stop_rule_met(const StopSpec& stop, const GenerationRecord& last,
                          double previous_epsilon);

/// Normalised importance weights of `particles` (in place), given the proposal state they were
/// drawn from; generation 0 (ctx.from_prior) gets uniform weights. The per-particle densities
/// run on `parallel` (e.g. sequential_for()); the result does not depend on it.
struct GenerationContext;
void compute_weights(const Problem& problem, const GenerationContext& ctx,
                     const ModelKernel& model_kernel, std::vector<Particle>& particles,
                     const ParallelFor& parallel);

}  // namespace abcsmc
