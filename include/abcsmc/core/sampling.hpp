#pragma once
/// The sampling contract (pyABC's sample_until_n_accepted): what a sampler is asked and
/// returns, the scheduling policies, the stream rules (stream_for) and the assemble rules that
/// make every transport agree bit for bit. Core's run_smc uses it; the in-process samplers
/// (samplers/), MPI (mpi/) and Redis (redis/) implement it. Also the worker side's problem
/// factory (ProblemFactory): what a transport's worker calls to build a run from its config.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "abcsmc/core/error.hpp"
#include "abcsmc/core/evaluator.hpp"
#include "abcsmc/core/failures.hpp"
#include "abcsmc/core/generation.hpp"
#include "abcsmc/core/progress.hpp"

namespace abcsmc {

/// A block of work, the unit every transport hands out: evaluation indices (dynamic) or
/// particle slots (static) first, first + 1, ..., first + count - 1.
struct WorkBlock {
  std::uint64_t first = 0;
  std::uint64_t count = 0;
};

/// What one generation asks of a sampler.
struct SampleRequest {
  std::size_t n_accept = 0;     ///< population size
  std::uint64_t max_evals = 0;  ///< budget for this generation (0 = unlimited)
  bool keep_all_stats =
      false;  ///< return the statistics of every candidate used (adaptive distance)
  /// The fail-fast guard's K (stop.fail_fast), for workers that must decide it themselves
  /// (an MPI static worker holding slot 0: its master sees nothing until the block is done).
  std::uint64_t fail_fast = 0;
  /// Live progress, on the master only (never sent to workers): samplers report finished
  /// candidates into it and stop handing out work once it is cancelled, returning an
  /// incomplete sample. Null: no reporting, never cancelled.
  SampleProgress* progress = nullptr;
};

/// What a sampler returns.
struct Sample {
  /// Accepted candidates, sorted by (index, attempt); exactly n_accept when complete.
  std::vector<EvalResult> accepted;
  /// With keep_all_stats: statistics of every non-failed candidate that counts (dynamic: index
  /// <= the last accepted one used; static: every attempt), in (index, attempt) order.
  std::vector<Vector> all_stats;
  /// The (index, attempt) of each of all_stats: the master re-proposes their parameters from
  /// their streams (the temperature's acceptance-rate scheme).
  std::vector<std::pair<std::uint64_t, std::uint64_t>> all_keys;
  std::uint64_t simulations = 0;  ///< candidates that count (dynamic: last index used + 1)
  std::uint64_t failed = 0;       ///< of those, how many failed
  FailureTally failures;          ///< those failures by reason (deterministic, like the rest)
  bool complete = false;          ///< false when the budget ran out first, or when cancelled
};

/// Scheduling policy (DESIGN.md section 2).
enum class Scheduling { dynamic, static_blocks };

/// A way to run candidate evaluations. Implementations must keep the determinism contract:
/// dynamic ones return exactly what SingleCoreSampler returns for the same inputs; static ones
/// agree with each other at any degree of parallelism.
class Sampler {
 public:
  virtual ~Sampler() = default;
  /// Rank 0 / the master only. In-process samplers evaluate in `ctx`; distributed ones send its
  /// plain-data spec (`*ctx.spec`) to their workers, which rebuild the context with make_context.
  virtual Sample sample(const Evaluator& evaluator, const GenerationContext& ctx,
                        const SampleRequest& request) = 0;
  virtual std::string name() const = 0;
  virtual Scheduling scheduling() const = 0;
  virtual std::size_t workers() const { return 1; }
  virtual std::size_t batch_size() const { return 1; }
  /// Processes of the run, the master's included (an MPI sampler: its ranks).
  virtual std::size_t processes() const { return 1; }

  // --- the run's lifecycle: what a program that runs samplers (the CLI) sees of any transport.
  /// Hands the run's resolved config text to the workers, which build their problem from it (the
  /// config travels, not code: DESIGN.md section 3). Call once, before the first sample().
  /// In-process samplers: nothing. Master only. @throws Error when the workers cannot be reached.
  virtual void start(const std::string& config_text) { (void)config_text; }
  /// A short note on the last round for the run's log line (" bcast=812B batch=4"), starting
  /// with a space; empty when there is nothing to say. Master only, between rounds.
  virtual std::string status() const { return {}; }
  /// A short note for the heartbeat inside a round (" (Redis server away for 12s: ...)"), or
  /// empty. Any thread.
  virtual std::string progress_status() const { return {}; }
  /// Why the run ends early.
  enum class Shutdown {
    failed,      ///< an exception left the run (on the master's thread)
    interrupted  ///< a stop signal: the process exits right after (any thread)
  };
  /// Releases the workers when the run cannot end normally. A transport that cannot release
  /// them cleanly (an MPI round in progress) ends the whole job with `exit_code` and does not
  /// return; the others return (their destructor releases the workers). Log sinks should be
  /// flushed before. In-process samplers: nothing.
  virtual void shutdown(Shutdown why, int exit_code) {
    (void)why;
    (void)exit_code;
  }
};

/// What a transport's worker builds from a run's config text: the problem, and the settings
/// that rebuild each generation's context (make_context) and its Evaluator (with
/// settings.transition.model_stay_probability).
struct WorkerProblem {
  std::shared_ptr<Problem> problem;
  ContextSettings settings;
};

/// Builds a worker's problem from the resolved config text a master sent (`source_name` names
/// it in messages, e.g. "<config from rank 0>"). Transports take one from the program that
/// starts the worker (the CLI: io's parser and builder, with the worker's consent options), so
/// that they need no config parser of their own.
/// @throws ConfigTextError when the text does not parse; ConsentRefusal when this worker may not
///         run the config's models; any other Error when the problem does not build.
using ProblemFactory =
    std::function<WorkerProblem(const std::string& config_text, const std::string& source_name)>;

/// From a ProblemFactory: the config text does not parse; what() is every message, "; "-joined.
class ConfigTextError : public ConfigError {
 public:
  using ConfigError::ConfigError;
};

/// From a ProblemFactory: the worker may not run a model of the config (it runs commands or
/// loads a plugin the worker was not started to allow); what() says which and how to allow it.
class ConsentRefusal : public ConfigError {
 public:
  using ConfigError::ConfigError;
};

/// The stream of candidate `index` (dynamic) or of slot `index`, attempt `attempt` (static).
StreamId stream_for(const GenerationContext& ctx, Scheduling scheduling, std::uint64_t index,
                    std::uint64_t attempt);

/// Statistics of one evaluated candidate, kept for adaptive distances.
struct IndexedStats {
  std::uint64_t index = 0;
  std::uint64_t attempt = 0;
  Vector stats;
};

/// What a sampler (or one of its threads/workers) keeps of the candidates it evaluated:
/// accepted ones whole, rejected ones only as far as the generation's bookkeeping needs.
struct EvalLog {
  std::vector<EvalResult> accepted;
  std::vector<std::uint64_t> failed_index;  ///< failed candidates (index; attempt below)
  std::vector<std::uint64_t> failed_attempt;
  std::vector<std::uint32_t> failed_reason;  ///< index into `reasons`
  std::vector<std::string> reasons;          ///< distinct failure reasons (clean_reason)
  /// The full message of the failure with the smallest (index, attempt) in this log.
  bool has_first_failure = false;
  std::uint64_t first_failure_index = 0;
  std::uint64_t first_failure_attempt = 0;
  std::string first_failure_message;
  std::vector<IndexedStats> stats;  ///< with keep_all_stats: every non-failed one

  /// More distinct reasons than this in one log are counted under one "other reasons" entry
  /// (a simulator that puts per-candidate values in its messages must not grow the log).
  static constexpr std::size_t kMaxReasons = 64;

  /// Files `r` away. Any thread, on its own log.
  void record(EvalResult&& r, bool keep_all_stats);
  /// Moves everything from `other` into this log.
  void merge(EvalLog&& other);
};

/// Reports a dynamic batch [first, first + count) that came back as a log (from another
/// process or a user back end) to the fail-fast guard: its failures, and one success when some
/// candidate in the guard's range did not fail. For masters of distributed samplers.
void note_log(SampleProgress& progress, const EvalLog& log, std::uint64_t first,
              std::uint64_t count);

/// Builds a dynamic schedule's sample from the log of indices [0, evaluated) (any order): the
/// n smallest accepted indices, and counts up to the last of them. Shared by every dynamic
/// transport so that they agree bit for bit.
Sample assemble_dynamic(EvalLog log, const SampleRequest& request, std::uint64_t evaluated);

/// Evaluates the dynamic candidates first, first + 1, ..., first + count - 1 in index order, in
/// blocks of evaluator.batch_size() (one by one when that is 1), and passes each result to
/// `take`. `proceed` (optional) is asked before each block: false stops there. Returns how many
/// were evaluated. Every dynamic loop (threads, single core, mappings, MPI and Redis workers)
/// goes through it, so that batches reach the models the same way on every transport.
/// @throws Error what the evaluator throws.
std::uint64_t evaluate_dynamic(const Evaluator& evaluator, const GenerationContext& ctx,
                               std::uint64_t first, std::uint64_t count,
                               const std::function<bool()>& proceed,
                               const std::function<void(EvalResult&&)>& take);

/// No attempt limit for a static slot.
inline constexpr std::uint64_t kUnlimitedAttempts = UINT64_MAX;

/// Fills static slot `slot`: attempts 0, 1, ... until one is accepted or `max_attempts`
/// (kUnlimitedAttempts: no limit; 0: none at all) is used up, or `progress` (optional) is
/// cancelled. Returns true if accepted. Any thread.
bool fill_static_slot(const Evaluator& evaluator, const GenerationContext& ctx, std::uint64_t slot,
                      std::uint64_t max_attempts, bool keep_all_stats, EvalLog& log,
                      std::uint64_t& attempts, SampleProgress* progress = nullptr);

/// The same, asking `proceed()` before each attempt: false stops the slot (unfilled). For
/// workers that must look for a cancel between attempts.
bool fill_static_slot(const Evaluator& evaluator, const GenerationContext& ctx, std::uint64_t slot,
                      std::uint64_t max_attempts, bool keep_all_stats, EvalLog& log,
                      std::uint64_t& attempts, SampleProgress* progress,
                      const std::function<bool()>& proceed);

/// Builds a static schedule's sample from the log of every attempt of every slot.
Sample assemble_static(EvalLog log, const SampleRequest& request, std::uint64_t attempts);

/// The attempts slot `slot` may use under the generation budget request.max_evals: the budget
/// shared over the n_accept slots, the first max_evals % n_accept of them one more, so that the
/// attempts of all slots together never exceed it (a slot may get none). kUnlimitedAttempts
/// when there is no budget.
std::uint64_t static_slot_budget(const SampleRequest& request, std::uint64_t slot);

}  // namespace abcsmc
