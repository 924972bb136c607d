#include "abcsmc/core/generation.hpp"

#include <utility>

#include "abcsmc/core/error.hpp"

namespace abcsmc {

std::vector<std::shared_ptr<const Transition>> fit_transitions(
    const Problem& problem, const TransitionSpec& spec, const std::vector<Particle>& particles) {
  std::vector<std::shared_ptr<const Transition>> out(problem.models.size());
  for (std::size_t m = 0; m < problem.models.size(); ++m) {
    std::vector<const Particle*> mine;
    double total = 0.0;
    for (const auto& p : particles) {
      if (p.model == m) {
        mine.push_back(&p);
        total += p.weight;
      }
    }
    if (mine.empty() || total <= 0.0) continue;  // dead model
    const auto d = static_cast<Eigen::Index>(problem.models[m].prior.dim());
    Matrix thetas(static_cast<Eigen::Index>(mine.size()), d);
    Vector w(static_cast<Eigen::Index>(mine.size()));
    for (std::size_t i = 0; i < mine.size(); ++i) {
      thetas.row(static_cast<Eigen::Index>(i)) = mine[i]->theta.transpose();
      w[static_cast<Eigen::Index>(i)] = mine[i]->weight / total;
    }
    auto kernel = make_transition(spec, problem.models[m].prior);
    kernel->fit(thetas, w);
    out[m] = std::move(kernel);
  }
  return out;
}

GenerationContext make_context(const Problem& problem, const ContextSettings& settings,
                               std::shared_ptr<const GenerationSpec> shared) {
  if (!shared) throw Error("make_context: no generation spec");
  GenerationContext ctx;
  ctx.spec = std::move(shared);
  const GenerationSpec& spec = *ctx.spec;
  if (!spec.from_prior) {
    ctx.model_probabilities.assign(problem.models.size(), 0.0);
    for (const auto& p : spec.previous) ctx.model_probabilities[p.model] += p.weight;
    ctx.transitions = fit_transitions(problem, settings.transition, spec.previous);
  }
  ctx.distance =
      std::make_shared<Distance>(settings.distance.type, settings.distance.p,
                                 settings.distance.scale, problem.observed, spec.distance_weights);
  return ctx;
}

GenerationContext make_context(const Problem& problem, const ContextSettings& settings,
                               GenerationSpec spec) {
  return make_context(problem, settings, std::make_shared<const GenerationSpec>(std::move(spec)));
}

}  // namespace abcsmc
