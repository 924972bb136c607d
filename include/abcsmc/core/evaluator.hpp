#pragma once
/// One candidate evaluation: propose, simulate, measure. A pure function of the generation
/// context and the stream id, so any thread, rank or worker computes the same result.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <span>
#include <vector>

#include "abcsmc/core/generation.hpp"
#include "abcsmc/core/model_kernel.hpp"
#include "abcsmc/core/problem.hpp"
#include "abcsmc/core/rng.hpp"
#include "abcsmc/core/transition.hpp"

namespace abcsmc {

/// Result of one candidate evaluation.
struct EvalResult {
  std::uint64_t index = 0;    ///< evaluation index (dynamic) or particle slot (static)
  std::uint64_t attempt = 0;  ///< static scheduling: attempt number within the slot
  std::uint32_t model = 0;
  Vector theta;
  Vector stats;  ///< observed statistics only, in distance order
  double distance = 0.0;
  bool accepted = false;
  bool failed = false;  ///< the simulation failed (ModelError); never accepted
  /// When failed: ModelError::reason() (groups failures of one kind; no per-candidate values)
  /// and the full message (what the simulator printed, its stderr tail, exit status).
  std::string failure_reason;
  std::string failure_message;
};

class Evaluator {
 public:
  Evaluator(std::shared_ptr<const Problem> problem, double model_stay_probability);

  /// Evaluates the candidate whose randomness is stream `id`. Any thread.
  /// @throws Error for engine faults; model failures are reported in EvalResult::failed.
  EvalResult evaluate(const GenerationContext& ctx, const StreamId& id) const;

  /// Evaluates the candidates of `ids` together: proposals, then each model's simulations in
  /// batches of its Model::batch_size(), then the distances. The results, in the order of
  /// `ids`, are those evaluate() gives one by one. Any thread.
  /// @throws Error as evaluate() (for on_failure: abort, the first failed candidate in order).
  std::vector<EvalResult> evaluate_block(const GenerationContext& ctx,
                                         std::span<const StreamId> ids) const;
  /// The model and parameters the candidate of stream `id` proposes, without simulating (what
  /// evaluate() would simulate). Any thread.
  EvalResult proposal(const GenerationContext& ctx, const StreamId& id) const;
  /// The largest batch any model of the problem takes (1: every model simulates one by one,
  /// and evaluate() is the faster call).
  std::size_t batch_size() const;

  const Problem& problem() const { return *problem_; }

 private:
  /// Draws the candidate's model and theta from the context (the prior or the kernels).
  void propose(const GenerationContext& ctx, Rng& rng, EvalResult& r) const;
  /// The candidate of stream `id` (its index and attempt) with its proposal drawn from `rng`.
  EvalResult proposed(const GenerationContext& ctx, const StreamId& id, Rng& rng) const;
  /// Fills the statistics, the distance and the verdict from the model's `output` (or its
  /// ModelError in `error`).
  void measure(const GenerationContext& ctx, Vector& output, std::exception_ptr error,
               EvalResult& r) const;

  std::shared_ptr<const Problem> problem_;
  ModelKernel model_kernel_;
  std::size_t batch_size_ = 1;
};

}  // namespace abcsmc
