#pragma once
/// The unit of work that user-supplied execution back ends run (MappingSampler, FutureSampler):
/// a batch of evaluation indices (dynamic) or particle slots (static), evaluated by a pure
/// function. Every built-in sampler follows the same contract: work is identified by indices,
/// the randomness by stream_for(), and results are assembled by assemble_dynamic() or
/// assemble_static(), so any back end gives the same results bit for bit.
#include <cstdint>
#include <functional>

#include "abcsmc/core/sampling.hpp"

namespace abcsmc {

/// Indices (or slots) first, first + 1, ..., first + count - 1: the contract's one block type
/// (core/sampling.hpp). `Batch` is its name from before the transports shared it, kept so that
/// back ends written against it still compile.
using Batch = WorkBlock;

/// What evaluating one batch gave.
struct BatchOutcome {
  WorkBlock batch;
  EvalLog log;                    ///< its accepted, failed and (if asked) all statistics
  std::uint64_t evaluations = 0;  ///< simulations run (static: attempts over its slots)
  std::uint64_t accepted = 0;     ///< accepted candidates in log
};

/// Evaluates one batch. Pure (a function of the batch only) and safe to call from any thread;
/// it refers to the evaluator and context of the running generation, so it must not outlive
/// the sample() call that made it.
/// @throws Error for engine faults and for model failures under the abort policy.
using BatchFunction = std::function<BatchOutcome(const WorkBlock&)>;

/// The batch function of a dynamic schedule: candidate i uses stream (seed, generation, i).
BatchFunction dynamic_batch_function(const Evaluator& evaluator, const GenerationContext& ctx,
                                     bool keep_all_stats);

/// The batch function of a static schedule: slot j is filled by attempts a = 0, 1, ... from
/// stream (seed, generation, j, a), at most `max_attempts` per slot (0 = unlimited).
BatchFunction static_batch_function(const Evaluator& evaluator, const GenerationContext& ctx,
                                    bool keep_all_stats, std::uint64_t max_attempts);
/// The same with the per-slot budgets of `request` (static_slot_budget): what MappingSampler
/// uses, so that a static round never exceeds request.max_evals.
BatchFunction static_batch_function(const Evaluator& evaluator, const GenerationContext& ctx,
                                    const SampleRequest& request);

}  // namespace abcsmc
