#include "abcsmc/core/evaluator.hpp"

#include "abcsmc/core/detmath.hpp"

#include <algorithm>
#include <cmath>
#include <exception>
#include <string>

#include "abcsmc/core/acceptance.hpp"
#include "abcsmc/core/error.hpp"
#include "abcsmc/core/value_range.hpp"

namespace abcsmc {

namespace {

// A proposal that keeps landing outside the prior support (or on dead models) means the
// kernel and prior disagree badly; failing loudly beats spinning forever (pyABC loops).
constexpr int kMaxProposalTries = 1000000;

std::size_t sample_categorical(const std::vector<double>& p, Rng& rng) {
  const double u = rng.uniform();
  double cum = 0.0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    cum += p[i];
    if (u < cum) return i;
  }
  // Rounding: return the last model with positive probability.
  for (std::size_t i = p.size(); i-- > 0;) {
    if (p[i] > 0.0) return i;
  }
  return 0;
}

std::string theta_text(const Vector& theta) {
  std::string out = "(";
  for (Eigen::Index i = 0; i < theta.size(); ++i) {
    if (i > 0) out += ", ";
    out += number_text(theta[i]);
  }
  return out + ")";
}

}  // namespace

Evaluator::Evaluator(std::shared_ptr<const Problem> problem, double model_stay_probability)
    : problem_(std::move(problem)), model_kernel_(problem_->models.size(), model_stay_probability) {
  for (const ModelEntry& entry : problem_->models) {
    batch_size_ = std::max(batch_size_, entry.model->batch_size());
  }
}

void Evaluator::propose(const GenerationContext& ctx, Rng& rng, EvalResult& r) const {
  const auto& models = problem_->models;
  const std::size_t n_models = models.size();
  if (ctx.spec->from_prior) {
    std::size_t m = 0;
    if (n_models > 1) {
      std::vector<double> p(n_models);
      for (std::size_t i = 0; i < n_models; ++i) p[i] = models[i].prior_probability;
      m = sample_categorical(p, rng);
    }
    r.model = static_cast<std::uint32_t>(m);
    r.theta = models[m].prior.sample(rng);
    return;
  }
  for (int tries = 0;; ++tries) {
    if (tries == kMaxProposalTries) {
      throw Error("generation " + std::to_string(ctx.spec->t) + ": " + std::to_string(tries) +
                  " proposals in a row fell outside the prior support; the transition kernel "
                  "does not fit the prior (try transition.scaling < 1)");
    }
    std::size_t m = 0;
    if (n_models > 1) {
      m = model_kernel_.sample(sample_categorical(ctx.model_probabilities, rng), rng);
      if (!ctx.transitions[m]) continue;  // dead model: propose again (pyABC does the same)
    }
    r.theta = ctx.transitions[m]->propose(rng);
    if (models[m].prior.log_pdf(r.theta) == -std::numeric_limits<double>::infinity()) continue;
    r.model = static_cast<std::uint32_t>(m);
    return;
  }
}

void Evaluator::measure(const GenerationContext& ctx, Vector& output, std::exception_ptr error,
                        EvalResult& r) const {
  const ModelEntry& entry = problem_->models[r.model];
  const std::size_t k = problem_->stat_names.size();
  std::string failure;  // empty = the simulation succeeded
  std::string reason;
  if (error) {
    try {
      std::rethrow_exception(error);
    } catch (const ModelError& e) {
      failure = e.what();
      reason = e.reason();
      if (failure.empty()) failure = "the simulation failed";
      if (reason.empty()) reason = failure;
    }
  } else {
    if (entry.selection_is_identity) {
      r.stats = std::move(output);
    } else {
      r.stats.resize(static_cast<Eigen::Index>(k));
      for (std::size_t i = 0; i < k; ++i) {
        r.stats[static_cast<Eigen::Index>(i)] =
            output[static_cast<Eigen::Index>(entry.stat_selection[i])];
      }
    }
    if (!r.stats.allFinite()) {
      for (std::size_t i = 0; i < k; ++i) {
        const double v = r.stats[static_cast<Eigen::Index>(i)];
        if (!std::isfinite(v)) {
          failure = "statistic '" + problem_->stat_names[i] + "' is " + number_text(v);
          reason = failure;
          break;
        }
      }
    }
  }
  if (!failure.empty()) {
    if (entry.on_failure == FailurePolicy::abort) {
      throw Error("model '" + entry.name + "' failed at theta = " + theta_text(r.theta) + " (" +
                  (ctx.spec->calibration ? std::string("calibration")
                                         : "generation " + std::to_string(ctx.spec->t)) +
                  ", candidate " + std::to_string(r.index) +
                  ") and its on_failure policy is 'abort': " + failure);
    }
    r.failed = true;
    r.failure_reason = std::move(reason);
    r.failure_message = std::move(failure);
    r.distance = std::numeric_limits<double>::infinity();
    r.accepted = false;
    return;
  }
  r.distance = (*ctx.distance)(r.stats);
  r.accepted = accepts(*ctx.spec, ctx.distance->stochastic(), r.distance, r.index, r.attempt);
}

EvalResult Evaluator::proposed(const GenerationContext& ctx, const StreamId& id, Rng& rng) const {
  EvalResult r;
  r.index = id.index;
  r.attempt = id.attempt;
  propose(ctx, rng, r);
  return r;
}

EvalResult Evaluator::evaluate(const GenerationContext& ctx, const StreamId& id) const {
  Rng rng(id);
  EvalResult r = proposed(ctx, id, rng);
  const ModelEntry& entry = problem_->models[r.model];
  Vector output(static_cast<Eigen::Index>(entry.output_size));
  std::exception_ptr error;
  try {
    entry.model->simulate(r.theta, rng, output);
  } catch (const ModelError&) {
    error = std::current_exception();
  }
  measure(ctx, output, error, r);
  return r;
}

EvalResult Evaluator::proposal(const GenerationContext& ctx, const StreamId& id) const {
  Rng rng(id);
  return proposed(ctx, id, rng);
}

std::size_t Evaluator::batch_size() const { return batch_size_; }

std::vector<EvalResult> Evaluator::evaluate_block(const GenerationContext& ctx,
                                                  std::span<const StreamId> ids) const {
  const std::size_t n = ids.size();
  std::vector<EvalResult> out(n);
  std::vector<Rng> rngs;
  rngs.reserve(n);
  std::vector<Vector> outputs(n);
  // Proposals first, each from its own stream; then each model's simulations in batches; then
  // the distances. Every candidate draws only from its own stream in the same order as in
  // evaluate(), so the results are the same whatever the block.
  for (std::size_t i = 0; i < n; ++i) {
    rngs.emplace_back(ids[i]);
    out[i] = proposed(ctx, ids[i], rngs[i]);
  }
  std::vector<SimulationJob> jobs;
  std::vector<std::size_t> of_job;
  std::vector<std::exception_ptr> errors(n);
  for (std::size_t m = 0; m < problem_->models.size(); ++m) {
    const ModelEntry& entry = problem_->models[m];
    const std::size_t size = std::max<std::size_t>(1, entry.model->batch_size());
    jobs.clear();
    of_job.clear();
    for (std::size_t i = 0; i < n; ++i) {
      if (out[i].model != m) continue;
      outputs[i].resize(static_cast<Eigen::Index>(entry.output_size));
      jobs.push_back(SimulationJob{&out[i].theta, &rngs[i], &outputs[i], {}});
      of_job.push_back(i);
    }
    for (std::size_t first = 0; first < jobs.size(); first += size) {
      const std::size_t count = std::min(size, jobs.size() - first);
      entry.model->simulate_batch(std::span<SimulationJob>(jobs.data() + first, count));
    }
    for (std::size_t j = 0; j < jobs.size(); ++j) errors[of_job[j]] = jobs[j].error;
  }
  for (std::size_t i = 0; i < n; ++i) measure(ctx, outputs[i], errors[i], out[i]);
  return out;
}

}  // namespace abcsmc
