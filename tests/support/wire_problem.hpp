#pragma once
// A small problem and valid wire messages for it, shared by the wire validation and fuzz tests
// (tests/core/wire_check_test.cpp, tests/core/wire_fuzz_test.cpp). Core only: a hand-written
// Gaussian model, no models library.
#include <cmath>
#include <cstdint>
#include <memory>
#include <vector>

#include "abcsmc/core/error.hpp"
#include "abcsmc/core/generation.hpp"
#include "abcsmc/core/problem_builder.hpp"
#include "abcsmc/core/sampling.hpp"
#include "abcsmc/core/wire.hpp"

namespace abcsmc::test {

/// y ~ N(sum(theta), 0.5^2), z ~ theta[0] - U(0, 1); fails (ModelError) when theta[0] > 1.5,
/// so that result logs carry failures and their reasons.
class WireGauss final : public Model {
 public:
  std::vector<StatSpec> statistics() const override { return {{"y", 1}, {"z", 1}}; }
  void simulate(const Vector& theta, Rng& rng, Vector& stats) const override {
    if (theta[0] > 1.5) throw ModelError("theta[0] is too large here", "too large");
    stats[0] = theta.sum() + 0.5 * rng.normal();
    stats[1] = theta[0] - rng.uniform();
  }
};

/// One model ("one": a ~ N(0, 1)) or two (and "two": a ~ U(-2, 2), b ~ N(1, 2)).
inline std::shared_ptr<Problem> wire_problem(std::size_t n_models) {
  ProblemBuilder b;
  b.model("one", std::make_shared<WireGauss>())
      .parameter("a", "normal", {{"mean", 0.0}, {"sd", 1.0}});
  if (n_models > 1) {
    b.model("two", std::make_shared<WireGauss>())
        .parameter("a", "uniform", {{"low", -2.0}, {"high", 2.0}})
        .parameter("b", "normal", {{"mean", 1.0}, {"sd", 2.0}});
  }
  return b.observe("y", 0.5).observe("z", 0.1).build();
}

inline ContextSettings wire_settings(const Problem& problem) {
  const SmcSettings s = default_settings(problem, 1);
  return ContextSettings{s.distance, s.transition};
}

/// Generation `t` (0: from the prior; > 0: a previous population of `n_previous` particles drawn
/// from the priors, equal weights, indices 0, 3, 6, ...).
inline GenerationMessage wire_generation(const Problem& problem, std::uint32_t t,
                                         std::size_t n_previous = 20,
                                         Scheduling scheduling = Scheduling::dynamic) {
  GenerationMessage m;
  m.round = t + 1;
  m.scheduling = scheduling;
  m.batch_size = scheduling == Scheduling::dynamic ? 4 : 0;
  m.request.n_accept = 10;
  m.request.max_evals = scheduling == Scheduling::static_blocks ? 100 : 0;
  m.request.keep_all_stats = true;
  m.request.fail_fast = 50;
  m.spec.seed = 77;
  m.spec.t = t;
  m.spec.epsilon = 1.5;
  m.spec.from_prior = t == 0;
  m.spec.distance_weights = Vector::Ones(static_cast<Eigen::Index>(problem.stat_names.size()));
  if (t > 0) {
    for (std::size_t i = 0; i < n_previous; ++i) {
      Rng rng(StreamId{5, 0, i, 0, StreamKind::evaluation});
      Particle p;
      p.eval_index = 3 * i;
      p.model = static_cast<std::uint32_t>(i % problem.models.size());
      p.theta = problem.models[p.model].prior.sample(rng);
      if (p.theta[0] > 1.4) p.theta[0] = 1.4;  // where the model succeeds
      p.weight = 1.0 / static_cast<double>(n_previous);
      m.spec.previous.push_back(p);
    }
  }
  return m;
}

/// The calibration round.
inline GenerationMessage wire_calibration(const Problem& problem) {
  GenerationMessage m = wire_generation(problem, 0);
  m.round = 1;
  m.spec.calibration = true;
  m.spec.epsilon = std::numeric_limits<double>::infinity();
  return m;
}

/// What a worker sends for `block` of round `m`: dynamic, every index of the block evaluated;
/// static, each slot of the block filled as fill_static_slot does.
inline ResultMessage wire_result(const Evaluator& evaluator, const ContextSettings& settings,
                                 const GenerationMessage& m, WorkBlock block) {
  const GenerationContext ctx = make_context(evaluator.problem(), settings, m.spec);
  ResultMessage r;
  r.round = m.round;
  r.block = block;
  for (std::uint64_t i = block.first; i < block.first + block.count; ++i) {
    if (m.scheduling == Scheduling::static_blocks) {
      fill_static_slot(evaluator, ctx, i, static_slot_budget(m.request, i),
                       m.request.keep_all_stats, r.log, r.attempts);
    } else {
      r.log.record(evaluator.evaluate(ctx, stream_for(ctx, Scheduling::dynamic, i, 0)),
                   m.request.keep_all_stats);
      ++r.attempts;
    }
  }
  return r;
}

}  // namespace abcsmc::test
