#include "abcsmc/samplers/single_core.hpp"

#include <algorithm>

namespace abcsmc {

Sample SingleCoreSampler::sample(const Evaluator& evaluator, const GenerationContext& ctx,
                                 const SampleRequest& request) {
  EvalLog log;
  std::uint64_t i = 0;
  SampleProgress* progress = request.progress;
  // Counts go to the progress every kFlush candidates: an atomic add per microsecond model
  // would cost a few percent.
  constexpr std::uint64_t kFlush = 64;
  std::uint64_t flushed = 0, accepted = 0, failed = 0;
  // Blocks of the models' batch size (1 for most models): candidates past the n-th accepted one
  // in the last block are evaluated but not used (assemble_dynamic cuts them).
  const std::uint64_t block = std::max<std::size_t>(1, evaluator.batch_size());
  while (log.accepted.size() < request.n_accept &&
         (request.max_evals == 0 || i < request.max_evals)) {
    if (progress != nullptr && i - flushed >= kFlush) {
      progress->add(i - flushed, accepted, failed);
      flushed = i;
      accepted = failed = 0;
      if (progress->cancelled()) break;
    }
    const std::uint64_t n = request.max_evals == 0 ? block : std::min(block, request.max_evals - i);
    i += evaluate_dynamic(evaluator, ctx, i, n, {}, [&](EvalResult&& r) {
      if (progress != nullptr) {
        progress->note(r);
        accepted += r.accepted ? 1 : 0;
        failed += r.failed ? 1 : 0;
      }
      log.record(std::move(r), request.keep_all_stats);
    });
  }
  if (progress != nullptr) {
    progress->add(i - flushed, accepted, failed);
    if (progress->cancelled()) {
      Sample cut;  // nothing of a cancelled round is used
      cut.simulations = i;
      return cut;
    }
  }
  return assemble_dynamic(std::move(log), request, i);
}

}  // namespace abcsmc
