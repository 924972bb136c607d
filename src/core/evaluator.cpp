#include "abcsmc/core/evaluator.hpp"

#include <cmath>
#include <string>

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
    : problem_(std::move(problem)),
      model_kernel_(problem_->models.size(), model_stay_probability) {}

EvalResult Evaluator::evaluate(const GenerationContext& ctx, const StreamId& id) const {
  Rng rng(id);
  EvalResult r;
  r.index = id.index;
  r.attempt = id.attempt;
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
  } else {
    int tries = 0;
    for (;; ++tries) {
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
      break;
    }
  }

  const ModelEntry& entry = models[r.model];
  const std::size_t k = problem_->stat_names.size();
  std::string failure;  // empty = the simulation succeeded
  std::string reason;
  try {
    if (entry.selection_is_identity) {
      r.stats.resize(static_cast<Eigen::Index>(k));
      entry.model->simulate(r.theta, rng, r.stats);
    } else {
      Vector all(static_cast<Eigen::Index>(entry.output_size));
      entry.model->simulate(r.theta, rng, all);
      r.stats.resize(static_cast<Eigen::Index>(k));
      for (std::size_t i = 0; i < k; ++i) {
        r.stats[static_cast<Eigen::Index>(i)] =
            all[static_cast<Eigen::Index>(entry.stat_selection[i])];
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
  } catch (const ModelError& e) {
    failure = e.what();
    reason = e.reason();
    if (failure.empty()) failure = "the simulation failed";
    if (reason.empty()) reason = failure;
  }
  if (!failure.empty()) {
    if (entry.on_failure == FailurePolicy::abort) {
      throw Error("model '" + entry.name + "' failed at theta = " + theta_text(r.theta) + " (" +
                  (ctx.spec->calibration ? std::string("calibration")
                                         : "generation " + std::to_string(ctx.spec->t)) +
                  ", candidate " + std::to_string(id.index) +
                  ") and its on_failure policy is 'abort': " + failure);
    }
    r.failed = true;
    r.failure_reason = std::move(reason);
    r.failure_message = std::move(failure);
    r.distance = std::numeric_limits<double>::infinity();
    r.accepted = false;
    return r;
  }
  r.distance = (*ctx.distance)(r.stats);
  r.accepted = ctx.spec->calibration || r.distance <= ctx.spec->epsilon;
  return r;
}

}  // namespace abcsmc
