#include "abcsmc/core/smc.hpp"

#include <chrono>
#include <cmath>
#include <limits>

#include "abcsmc/core/error.hpp"
#include "abcsmc/core/evaluator.hpp"
#include "abcsmc/core/generation.hpp"
#include "abcsmc/samplers/sampler.hpp"

namespace abcsmc {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::vector<double> model_probabilities(std::size_t n_models, const std::vector<Particle>& particles) {
  std::vector<double> p(n_models, 0.0);
  for (const auto& x : particles) p[x.model] += x.weight;
  return p;
}

}  // namespace

void compute_weights(const Problem& problem, const GenerationContext& ctx,
                     const ModelKernel& model_kernel, std::vector<Particle>& particles,
                     Sampler& sampler) {
  const std::size_t n = particles.size();
  if (n == 0) return;
  std::vector<double> log_w(n, 0.0);
  if (!ctx.from_prior) {
    const std::size_t n_models = problem.models.size();
    sampler.parallel_for(n, [&](std::size_t i) {
      const Particle& p = particles[i];
      const ModelEntry& entry = problem.models[p.model];
      // pyABC: w = pi(m) pi(theta|m) / (sum_m' p_{t-1}(m') K(m|m') * K_m(theta)).
      double model_factor = 1.0;
      if (n_models > 1) {
        model_factor = 0.0;
        for (std::size_t from = 0; from < n_models; ++from) {
          model_factor += ctx.model_probabilities[from] * model_kernel.pmf(p.model, from);
        }
      }
      log_w[i] = std::log(entry.prior_probability) + entry.prior.log_pdf(p.theta) -
                 std::log(model_factor) - ctx.transitions[p.model]->log_pdf(p.theta);
    });
  }
  // Normalise in index order (a fixed reduction order keeps results bit-identical).
  double max_log = -std::numeric_limits<double>::infinity();
  for (double lw : log_w) max_log = std::max(max_log, lw);
  if (!std::isfinite(max_log)) throw Error("importance weights are all zero or not finite");
  double total = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    particles[i].weight = std::exp(log_w[i] - max_log);
    total += particles[i].weight;
  }
  for (auto& p : particles) p.weight /= total;
}

SmcResult run_smc(std::shared_ptr<const Problem> problem, const SmcSettings& settings,
                  Sampler& sampler, SmcObserver* observer, const std::atomic<bool>* stop_flag) {
  const auto run_start = Clock::now();
  const std::size_t n_models = problem->models.size();
  const Evaluator evaluator(problem, settings.transition.model_stay_probability);
  const ModelKernel model_kernel(n_models, settings.transition.model_stay_probability);
  const ContextSettings context_settings{settings.distance, settings.transition};
  // The master's adaptive distance; each generation's context gets a frozen copy of its weights.
  auto distance = std::make_shared<Distance>(settings.distance.type, settings.distance.p,
                                             settings.distance.scale, problem->observed,
                                             settings.distance_weights);
  SmcResult result;

  // --- calibration: prior simulations for the first epsilon and the distance scales -----------
  double epsilon = 0.0;
  {
    const auto start = Clock::now();
    CalibrationInfo info;
    const bool needed = needs_calibration(settings.epsilon) || distance->adaptive();
    std::vector<double> distances;
    if (needed) {
      GenerationSpec spec;
      spec.seed = settings.seed;
      spec.calibration = true;
      spec.from_prior = true;
      spec.epsilon = std::numeric_limits<double>::infinity();
      spec.distance_weights = distance->weights();
      const GenerationContext ctx = make_context(*problem, context_settings, spec);
      SampleRequest req;
      req.n_accept = settings.epsilon.calibration_size > 0 ? settings.epsilon.calibration_size
                                                           : settings.population_size;
      req.keep_all_stats = true;
      Sample s = sampler.sample(evaluator, spec, ctx, req);
      distance->adapt(s.all_stats);
      for (const auto& st : s.all_stats) distances.push_back((*distance)(st));
      info.simulations = s.simulations;
      result.total_simulations += s.simulations;
    }
    epsilon = initial_epsilon(settings.epsilon, distances);
    info.initial_epsilon = epsilon;
    info.distance_weights = distance->weights();
    info.wall_seconds = seconds_since(start);
    if (observer) observer->on_calibration(info);
  }

  // --- generations ---------------------------------------------------------------------------
  std::vector<Particle> previous;  // the last population: the next generation's proposal
  for (std::uint32_t t = 0;; ++t) {
    const auto gen_start = Clock::now();
    GenerationSpec spec;
    spec.seed = settings.seed;
    spec.t = t;
    spec.epsilon = epsilon;
    spec.from_prior = t == 0;
    spec.distance_weights = distance->weights();
    spec.previous = std::move(previous);
    const GenerationContext ctx = make_context(*problem, context_settings, spec);

    SampleRequest req;
    req.n_accept = settings.population_size;
    req.keep_all_stats = distance->adaptive();
    if (settings.stop.max_simulations > 0) {
      if (result.total_simulations >= settings.stop.max_simulations) {
        result.stop_reason = "max_simulations reached";
        break;
      }
      req.max_evals = settings.stop.max_simulations - result.total_simulations;
    }
    Sample s = sampler.sample(evaluator, spec, ctx, req);
    result.total_simulations += s.simulations;
    if (!s.complete) {
      result.stop_reason = "max_simulations reached during generation " + std::to_string(t) +
                           " (" + std::to_string(s.accepted.size()) + " of " +
                           std::to_string(req.n_accept) + " accepted; generation not recorded)";
      break;
    }

    GenerationRecord rec;
    rec.t = t;
    rec.epsilon = epsilon;
    rec.simulations = s.simulations;
    rec.failed = s.failed;
    rec.distance_weights = distance->weights();
    rec.particles.reserve(s.accepted.size());
    for (auto& r : s.accepted) {
      Particle p;
      p.eval_index = r.index;
      p.model = r.model;
      p.theta = std::move(r.theta);
      p.distance = r.distance;
      p.stats = std::move(r.stats);
      rec.particles.push_back(std::move(p));
    }
    compute_weights(*problem, ctx, model_kernel, rec.particles, sampler);
    std::vector<double> weights(rec.particles.size());
    for (std::size_t i = 0; i < weights.size(); ++i) weights[i] = rec.particles[i].weight;
    rec.ess = effective_sample_size(weights);
    rec.acceptance_rate = static_cast<double>(rec.particles.size()) / static_cast<double>(s.simulations);
    rec.model_probabilities = model_probabilities(n_models, rec.particles);

    // State for generation t + 1: adapt the distance on every candidate of this generation,
    // recompute this population's distances under it, then take the next epsilon (pyABC order).
    distance->adapt(s.all_stats);
    std::vector<double> new_distances(rec.particles.size());
    for (std::size_t i = 0; i < new_distances.size(); ++i) new_distances[i] = (*distance)(rec.particles[i].stats);
    const auto next = next_epsilon(settings.epsilon, t + 1, new_distances, weights);
    rec.next_epsilon = next ? *next : std::numeric_limits<double>::quiet_NaN();
    rec.next_distance_weights = distance->weights();
    previous = rec.particles;
    if (!settings.store_stats) {
      for (auto& p : rec.particles) p.stats.resize(0);
    }
    rec.wall_seconds = seconds_since(gen_start);
    if (observer) observer->on_generation(rec);
    result.generations = t + 1;

    // --- stopping rules ----------------------------------------------------------------------
    const StopSpec& stop = settings.stop;
    std::string reason;
    if (epsilon <= stop.min_epsilon) {
      reason = "min_epsilon reached";
    } else if (stop.max_generations > 0 && t + 1 >= stop.max_generations) {
      reason = "max_generations reached";
    } else if (stop.max_simulations > 0 && result.total_simulations >= stop.max_simulations) {
      reason = "max_simulations reached";
    } else if (stop.max_walltime_seconds > 0 && seconds_since(run_start) >= stop.max_walltime_seconds) {
      reason = "max_walltime reached";
    } else if (rec.acceptance_rate < stop.min_acceptance_rate) {
      reason = "acceptance rate below min_acceptance_rate";
    } else if (!next) {
      reason = "epsilon schedule exhausted";
    } else if (stop_flag && stop_flag->load()) {
      reason = "stop requested";
    }
    epsilon = next ? *next : epsilon;
    result.last = std::move(rec);
    if (!reason.empty()) {
      result.stop_reason = reason;
      break;
    }
  }
  result.wall_seconds = seconds_since(run_start);
  return result;
}

}  // namespace abcsmc
