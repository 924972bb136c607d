#include "abcsmc/samplers/single_core.hpp"

namespace abcsmc {

Sample SingleCoreSampler::sample(const Evaluator& evaluator, const GenerationSpec& /*spec*/,
                                 const GenerationContext& ctx, const SampleRequest& request) {
  EvalLog log;
  std::uint64_t i = 0;
  while (log.accepted.size() < request.n_accept && (request.max_evals == 0 || i < request.max_evals)) {
    log.record(evaluator.evaluate(ctx, stream_for(ctx, Scheduling::dynamic, i, 0)),
               request.keep_all_stats);
    ++i;
  }
  return assemble_dynamic(std::move(log), request, i);
}

}  // namespace abcsmc
