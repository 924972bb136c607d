#include "abcsmc/samplers/single_core.hpp"

namespace abcsmc {

Sample SingleCoreSampler::sample(const Evaluator& evaluator, const GenerationSpec& /*spec*/,
                                 const GenerationContext& ctx, const SampleRequest& request) {
  EvalLog log;
  std::uint64_t i = 0;
  SampleProgress* progress = request.progress;
  while (log.accepted.size() < request.n_accept && (request.max_evals == 0 || i < request.max_evals)) {
    if (progress != nullptr && progress->cancelled()) break;
    EvalResult r = evaluator.evaluate(ctx, stream_for(ctx, Scheduling::dynamic, i, 0));
    if (progress != nullptr) {
      progress->note(r);
      progress->add(1, r.accepted ? 1 : 0, r.failed ? 1 : 0);
    }
    log.record(std::move(r), request.keep_all_stats);
    ++i;
  }
  return assemble_dynamic(std::move(log), request, i);
}

}  // namespace abcsmc
