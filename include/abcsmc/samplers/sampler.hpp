#pragma once
/// Samplers: how candidate evaluations are scheduled (pyABC's sample_until_n_accepted).
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "abcsmc/core/evaluator.hpp"
#include "abcsmc/core/generation.hpp"

namespace abcsmc {

/// What one generation asks of a sampler.
struct SampleRequest {
  std::size_t n_accept = 0;     ///< population size
  std::uint64_t max_evals = 0;  ///< budget for this generation (0 = unlimited)
  bool keep_all_stats = false;  ///< return the statistics of every candidate used (adaptive distance)
};

/// What a sampler returns.
struct Sample {
  /// Accepted candidates, sorted by (index, attempt); exactly n_accept when complete.
  std::vector<EvalResult> accepted;
  /// With keep_all_stats: statistics of every non-failed candidate that counts (dynamic: index
  /// <= the last accepted one used; static: every attempt), in (index, attempt) order.
  std::vector<Vector> all_stats;
  std::uint64_t simulations = 0;  ///< candidates that count (dynamic: last index used + 1)
  std::uint64_t failed = 0;       ///< of those, how many failed
  bool complete = false;          ///< false when the budget ran out first
};

/// Scheduling policy (DESIGN.md section 2).
enum class Scheduling { dynamic, static_blocks };

/// A way to run candidate evaluations. Implementations must keep the determinism contract:
/// dynamic ones return exactly what SingleCoreSampler returns for the same inputs; static ones
/// agree with each other at any degree of parallelism.
class Sampler {
 public:
  virtual ~Sampler() = default;
  /// Rank 0 / the master only. `spec` is the plain-data form of `ctx` (what a distributed
  /// sampler sends to its workers, which rebuild `ctx` with make_context).
  virtual Sample sample(const Evaluator& evaluator, const GenerationSpec& spec,
                        const GenerationContext& ctx, const SampleRequest& request) = 0;
  /// Runs fn(i) for i in [0, n), possibly in parallel; fn must write disjoint outputs.
  virtual void parallel_for(std::size_t n, const std::function<void(std::size_t)>& fn) {
    for (std::size_t i = 0; i < n; ++i) fn(i);
  }
  virtual std::string name() const = 0;
  virtual Scheduling scheduling() const = 0;
  virtual std::size_t workers() const { return 1; }
  virtual std::size_t batch_size() const { return 1; }
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
  std::vector<std::uint64_t> failed_index;    ///< failed candidates (index; attempt below)
  std::vector<std::uint64_t> failed_attempt;
  std::vector<IndexedStats> stats;            ///< with keep_all_stats: every non-failed one

  /// Files `r` away. Any thread, on its own log.
  void record(EvalResult&& r, bool keep_all_stats);
  /// Moves everything from `other` into this log.
  void merge(EvalLog&& other);
};

/// Builds a dynamic schedule's sample from the log of indices [0, evaluated) (any order): the
/// n smallest accepted indices, and counts up to the last of them. Shared by every dynamic
/// transport so that they agree bit for bit.
Sample assemble_dynamic(EvalLog log, const SampleRequest& request, std::uint64_t evaluated);

/// Fills static slot `slot`: attempts 0, 1, ... until one is accepted or `max_attempts` (0 =
/// unlimited) is used up. Returns true if accepted. Any thread.
bool fill_static_slot(const Evaluator& evaluator, const GenerationContext& ctx, std::uint64_t slot,
                      std::uint64_t max_attempts, bool keep_all_stats, EvalLog& log,
                      std::uint64_t& attempts);

/// Builds a static schedule's sample from the log of every attempt of every slot.
Sample assemble_static(EvalLog log, const SampleRequest& request, std::uint64_t attempts);

/// Per-slot attempt budget of a static schedule for a generation budget (0 = unlimited).
std::uint64_t static_slot_budget(const SampleRequest& request);

}  // namespace abcsmc
