#include "abcsmc/core/smc.hpp"
#include "abcsmc/core/detmath.hpp"

#include <chrono>
#include <cmath>
#include <condition_variable>
#include <limits>
#include <mutex>
#include <thread>

#include "abcsmc/core/error.hpp"
#include "abcsmc/core/evaluator.hpp"
#include "abcsmc/core/generation.hpp"
#include "abcsmc/core/sampling.hpp"

namespace abcsmc {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

RoundProgress round_progress(const SampleProgress& progress, bool calibration, std::uint32_t t) {
  const SampleProgress::Snapshot snap = progress.snapshot();
  RoundProgress p;
  p.calibration = calibration;
  p.t = t;
  p.n_accept = progress.n_accept();
  p.evaluated = snap.evaluated;
  p.accepted = snap.accepted;
  p.failed = snap.failed;
  p.seconds = snap.seconds;
  if (snap.accepted > 0 && snap.seconds > 0.0) {
    const double per_second = static_cast<double>(snap.accepted) / snap.seconds;
    const double left = static_cast<double>(p.n_accept) - static_cast<double>(snap.accepted);
    p.eta_seconds = std::max(0.0, left / per_second);
  }
  return p;
}

/// Runs beside one sampling round on its own thread: cancels the round when the stop flag is
/// set, max_walltime is reached or the deadline passes (rules that need no finished
/// generation), reports the run's first failure, and calls the heartbeat.
class RoundWatch {
 public:
  RoundWatch(SampleProgress& progress, const SmcControl& control, const StopSpec& stop,
             Clock::time_point run_start, SmcObserver* observer, bool calibration, std::uint32_t t,
             bool& first_failure_reported)
      : progress_(progress),
        control_(control),
        stop_(stop),
        run_start_(run_start),
        observer_(observer),
        calibration_(calibration),
        t_(t),
        first_failure_reported_(first_failure_reported) {
    check_stops();  // a stop already due cancels the round before any work, whatever the timing
    thread_ = std::thread([this] { watch(); });
  }

  ~RoundWatch() {
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      done_ = true;
    }
    wake_.notify_all();
    thread_.join();
    report_first_failure();  // a round too short for the watch thread to see it
  }

  RoundWatch(const RoundWatch&) = delete;
  RoundWatch& operator=(const RoundWatch&) = delete;

 private:
  void watch() {
    auto last_beat = Clock::now();
    const auto tick = std::chrono::duration_cast<Clock::duration>(
        std::chrono::duration<double>(std::max(0.001, control_.watch_interval)));
    std::unique_lock<std::mutex> lock(mutex_);
    while (!wake_.wait_for(lock, tick, [this] { return done_; })) {
      check_stops();
      report_first_failure();
      if (observer_ != nullptr && control_.progress_interval > 0.0 &&
          seconds_since(last_beat) >= control_.progress_interval) {
        last_beat = Clock::now();
        observer_->on_progress(round_progress(progress_, calibration_, t_));
      }
    }
  }

  void check_stops() {
    if (progress_.cancelled()) return;
    if (control_.stop_flag != nullptr && control_.stop_flag->load()) {
      progress_.cancel(CancelCause::stop_requested);
    } else if (stop_.max_walltime_seconds > 0 &&
               seconds_since(run_start_) >= stop_.max_walltime_seconds) {
      progress_.cancel(CancelCause::walltime);
    } else if (control_.deadline && std::chrono::system_clock::now() >= *control_.deadline) {
      progress_.cancel(CancelCause::deadline);
    }
  }

  void report_first_failure() {
    if (first_failure_reported_) return;
    if (auto message = progress_.take_first_failure()) {
      first_failure_reported_ = true;
      if (observer_ != nullptr)
        observer_->on_first_failure(round_progress(progress_, calibration_, t_), *message);
    }
  }

  SampleProgress& progress_;
  const SmcControl& control_;
  const StopSpec& stop_;
  const Clock::time_point run_start_;
  SmcObserver* observer_;
  const bool calibration_;
  const std::uint32_t t_;
  bool& first_failure_reported_;  // written by this watch only while its round runs
  std::mutex mutex_;
  std::condition_variable wake_;
  bool done_ = false;
  std::thread thread_;
};

std::string round_name(bool calibration, std::uint32_t t) {
  return calibration ? std::string("calibration") : "generation " + std::to_string(t);
}

/// The error for a round whose first `fail_fast` candidates all failed.
[[noreturn]] void throw_all_failed(const SampleProgress& progress, bool calibration,
                                   std::uint32_t t) {
  std::string text = "the first " + std::to_string(progress.fail_fast()) + " candidates of " +
                     round_name(calibration, t) +
                     " all failed: the model fails wherever the run looks, so it would never "
                     "finish (stop.fail_fast: " +
                     std::to_string(progress.fail_fast()) +
                     "; a larger value gives a rarely succeeding model more tries, 0 turns the "
                     "check off)";
  const auto messages = progress.guard_messages();
  for (std::size_t i = 0; i < messages.size(); ++i) {
    text += "\n  failure " + std::to_string(i + 1) + ": " + messages[i];
  }
  throw Error(text);
}

/// The stop reason of an early stop inside a round (the round itself: SmcResult::interrupted).
std::string cancel_reason(CancelCause cause) {
  switch (cause) {
    case CancelCause::stop_requested:
      return "stop requested";
    case CancelCause::walltime:
      return "max_walltime reached";
    case CancelCause::deadline:
      return "deadline reached";
    default:
      return "cancelled";
  }
}

std::vector<double> model_probabilities(std::size_t n_models,
                                        const std::vector<Particle>& particles) {
  std::vector<double> p(n_models, 0.0);
  for (const auto& x : particles) p[x.model] += x.weight;
  return p;
}

/// sum_m' p_{t-1}(m') K(m | m'): the probability that generation `ctx` proposes model m (1 with
/// a single model).
double model_factor(const Problem& problem, const GenerationContext& ctx,
                    const ModelKernel& model_kernel, std::size_t m) {
  if (problem.models.size() <= 1) return 1.0;
  double f = 0.0;
  for (std::size_t from = 0; from < problem.models.size(); ++from) {
    f += ctx.model_probabilities[from] * model_kernel.pmf(m, from);
  }
  return f;
}

}  // namespace

void compute_weights(const Problem& problem, const GenerationContext& ctx,
                     const ModelKernel& model_kernel, std::vector<Particle>& particles,
                     const ParallelFor& parallel) {
  const std::size_t n = particles.size();
  if (n == 0) return;
  std::vector<double> log_w(n, 0.0);
  if (!ctx.spec->from_prior) {
    parallel.run(n, [&](std::size_t i) {
      const Particle& p = particles[i];
      const ModelEntry& entry = problem.models[p.model];
      // pyABC: w = pi(m) pi(theta|m) / (sum_m' p_{t-1}(m') K(m|m') * K_m(theta)).
      log_w[i] = detmath::log(entry.prior_probability) + entry.prior.log_pdf(p.theta) -
                 detmath::log(model_factor(problem, ctx, model_kernel, p.model)) -
                 ctx.transitions[p.model]->log_pdf(p.theta);
    });
  }
  // Normalise in index order (a fixed reduction order keeps results bit-identical).
  double max_log = -std::numeric_limits<double>::infinity();
  for (double lw : log_w) max_log = std::max(max_log, lw);
  if (!std::isfinite(max_log)) throw Error("importance weights are all zero or not finite");
  double total = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    particles[i].weight = detmath::exp(log_w[i] - max_log);
    total += particles[i].weight;
  }
  for (auto& p : particles) p.weight /= total;
}

namespace {

/// log q(m, theta), the density with which the generation of `ctx` proposes model m and theta
/// (the prior for generation 0; the model kernel and the model's transition after it), as
/// pyABC's transition_pd (the prior's support is not renormalised).
double log_proposal(const Problem& problem, const GenerationContext& ctx,
                    const ModelKernel& model_kernel, std::uint32_t m, const Vector& theta) {
  const ModelEntry& entry = problem.models[m];
  if (ctx.spec->from_prior) {
    return detmath::log(entry.prior_probability) + entry.prior.log_pdf(theta);
  }
  if (!ctx.transitions[m]) return -std::numeric_limits<double>::infinity();
  return detmath::log(model_factor(problem, ctx, model_kernel, m)) +
         ctx.transitions[m]->log_pdf(theta);
}

/// pyABC's AcceptanceRateScheme after a generation: the temperature at which generation
/// `next` would accept target_rate of its candidates, predicted from this generation's
/// candidates (`s.all_keys`, their parameters proposed again from their streams) weighted by
/// next proposal density / their own. Infinite (no proposal) without candidates.
double rate_temperature(const Problem& problem, const Evaluator& evaluator,
                        const ModelKernel& model_kernel, const GenerationContext& ctx,
                        const GenerationContext& next, Scheduling scheduling, const Sample& s,
                        const Distance& distance, double target_rate, const ParallelFor& parallel) {
  const std::size_t n = s.all_keys.size();
  if (n == 0) return std::numeric_limits<double>::infinity();
  std::vector<double> log_w(n), d(n);
  parallel.run(n, [&](std::size_t i) {
    const auto [index, attempt] = s.all_keys[i];
    const EvalResult r = evaluator.proposal(ctx, stream_for(ctx, scheduling, index, attempt));
    log_w[i] = log_proposal(problem, next, model_kernel, r.model, r.theta) -
               log_proposal(problem, ctx, model_kernel, r.model, r.theta);
    d[i] = distance(s.all_stats[i]);
  });
  double top = -std::numeric_limits<double>::infinity();
  for (double lw : log_w) {
    if (std::isfinite(lw)) top = std::max(top, lw);
  }
  if (!std::isfinite(top)) return std::numeric_limits<double>::infinity();
  std::vector<double> w(n);
  double total = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    w[i] = std::isfinite(log_w[i]) ? detmath::exp(log_w[i] - top) : 0.0;
    total += w[i];
  }
  for (double& x : w) x /= total;
  return match_acceptance_rate(d, w, target_rate);
}

}  // namespace

std::string stop_rule_met(const StopSpec& stop, const GenerationRecord& last,
                          double previous_epsilon) {
  if (last.epsilon <= stop.min_epsilon) return "min_epsilon reached";
  // NaN (no previous generation) compares false: never after generation 0, as pyABC.
  if (std::abs(last.epsilon - previous_epsilon) < stop.min_eps_diff) return "min_eps_diff reached";
  if (stop.max_generations > 0 && last.t + 1 >= stop.max_generations)
    return "max_generations reached";
  if (stop.max_simulations > 0 && last.total_simulations >= stop.max_simulations) {
    return "max_simulations reached";
  }
  if (last.acceptance_rate < stop.min_acceptance_rate)
    return "acceptance rate below min_acceptance_rate";
  if (std::isnan(last.next_epsilon)) return "epsilon schedule exhausted";
  return {};
}

SmcResult run_smc(std::shared_ptr<const Problem> problem, const SmcSettings& settings,
                  Sampler& sampler, SmcObserver* observer, const std::atomic<bool>* stop_flag) {
  SmcControl control;
  control.stop_flag = stop_flag;
  return run_smc(std::move(problem), settings, sampler, observer, control);
}

SmcResult run_smc(std::shared_ptr<const Problem> problem, const SmcSettings& settings,
                  Sampler& sampler, SmcObserver* observer, const SmcControl& control) {
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
  const StopSpec& stop = settings.stop;

  // Static rounds key the fail-fast guard by slot 0's attempts (see SampleProgress).
  const bool static_slots = sampler.scheduling() == Scheduling::static_blocks;
  bool first_failure_reported = false;

  double epsilon = 0.0;
  std::vector<Particle> previous;  // the last population: the next generation's proposal
  std::uint32_t first_t = 0;
  double previous_wall_seconds = 0.0;  // for the deadline: the last generation's duration
  // The last complete generation's epsilon (stop.min_eps_diff); NaN before generation 0.
  double previous_epsilon = std::numeric_limits<double>::quiet_NaN();
  const AdaptivePopulationSpec& adaptive = settings.adaptive_population;
  std::size_t population = settings.population_size;  // this generation's particles
  if (const GenerationRecord* last = control.resume_from) {
    // --- resume: the state after generation last->t is the record's population, its next
    // epsilon and next distance weights (kernels are refitted from the population, as always).
    result.generations = last->t + 1;
    result.total_simulations = last->total_simulations;
    result.last = *last;
    if (std::string reason = stop_rule_met(stop, *last, control.resume_previous_epsilon);
        !reason.empty()) {
      result.stop_reason = reason;
      result.wall_seconds = seconds_since(run_start);
      return result;
    }
    if (last->next_distance_weights.size() != problem->observed.size()) {
      throw Error("cannot resume after generation " + std::to_string(last->t) + ": it stores " +
                  std::to_string(last->next_distance_weights.size()) +
                  " distance weights, the problem has " + std::to_string(problem->observed.size()) +
                  " observed statistics");
    }
    distance->set_weights(last->next_distance_weights);
    epsilon = last->next_epsilon;
    previous = last->particles;
    first_t = last->t + 1;
    previous_epsilon = last->epsilon;
    if (adaptive.enabled && last->next_population_size > 0) {
      if (last->next_population_size < adaptive.min || last->next_population_size > adaptive.max) {
        throw Error("cannot resume after generation " + std::to_string(last->t) +
                    ": its next population size " + std::to_string(last->next_population_size) +
                    " is outside population_size.min .. max (" + std::to_string(adaptive.min) +
                    " .. " + std::to_string(adaptive.max) + ")");
      }
      population = static_cast<std::size_t>(last->next_population_size);
    }
    previous_wall_seconds = last->wall_seconds;
  } else {
    // --- calibration: prior simulations for the first epsilon and the distance scales ---------
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
      const GenerationContext ctx = make_context(*problem, context_settings, std::move(spec));
      SampleRequest req;
      req.n_accept = settings.epsilon.calibration_size > 0 ? settings.epsilon.calibration_size
                                                           : settings.population_size;
      req.keep_all_stats = true;
      if (stop.max_simulations > 0) req.max_evals = stop.max_simulations;  // calibration counts
      SampleProgress progress(req.n_accept, stop.fail_fast, static_slots);
      req.progress = &progress;
      req.fail_fast = stop.fail_fast;
      Sample s;
      {
        RoundWatch watch(progress, control, stop, run_start, observer, true, 0,
                         first_failure_reported);
        s = sampler.sample(evaluator, ctx, req);
      }
      result.total_simulations += s.simulations;
      result.simulations_this_run += s.simulations;
      if (progress.cause() == CancelCause::all_failed) throw_all_failed(progress, true, 0);
      if (progress.cancelled()) {
        result.stop_reason = cancel_reason(progress.cause());
        result.interrupted = round_name(true, 0);
        result.stopped_early = true;
        result.wall_seconds = seconds_since(run_start);
        return result;
      }
      if (!s.complete) {
        result.stop_reason =
            "max_simulations reached during calibration (" + std::to_string(s.simulations) +
            " simulations, " + std::to_string(s.failed) + " failed, " +
            std::to_string(s.all_stats.size()) + " of " + std::to_string(req.n_accept) +
            " calibration samples; no generation was run)";
        result.wall_seconds = seconds_since(run_start);
        return result;
      }
      distance->adapt(s.all_stats);
      for (const auto& st : s.all_stats) distances.push_back((*distance)(st));
      info.simulations = s.simulations;
      info.failed = s.failed;
      info.failures = std::move(s.failures);
    }
    epsilon = initial_epsilon(settings.epsilon, distances);
    if (settings.epsilon.type == EpsilonSpec::Type::temperature) {
      // pyABC: never below 1, and 1 when generation 0 is the last.
      epsilon = stop.max_generations == 1 ? 1.0 : std::max(epsilon, 1.0);
    }
    info.initial_epsilon = epsilon;
    info.distance_weights = distance->weights();
    info.wall_seconds = seconds_since(start);
    if (observer) observer->on_calibration(info);
  }

  // --- generations ---------------------------------------------------------------------------
  for (std::uint32_t t = first_t;; ++t) {
    if (control.deadline && previous_wall_seconds > 0) {
      const double expected = SmcControl::kDeadlineSafety * previous_wall_seconds;
      const double left =
          std::chrono::duration<double>(*control.deadline - std::chrono::system_clock::now())
              .count();
      if (left < expected) {
        result.stop_reason = "deadline: " + std::to_string(static_cast<long long>(left)) +
                             " s left, generation " + std::to_string(t) + " is expected to take " +
                             std::to_string(static_cast<long long>(std::ceil(expected))) + " s";
        result.stopped_early = true;
        break;
      }
    }
    const auto gen_start = Clock::now();
    GenerationSpec spec;
    spec.seed = settings.seed;
    spec.t = t;
    spec.epsilon = epsilon;
    spec.from_prior = t == 0;
    spec.distance_weights = distance->weights();
    spec.previous = std::move(previous);
    const GenerationContext ctx = make_context(*problem, context_settings, std::move(spec));

    SampleRequest req;
    req.n_accept = population;
    req.keep_all_stats = distance->adaptive() || uses_acceptance_rate(settings.epsilon);
    std::uint64_t simulation_budget = 0;
    if (stop.max_simulations > 0) {
      if (result.total_simulations >= stop.max_simulations) {
        result.stop_reason = "max_simulations reached";
        break;
      }
      simulation_budget = stop.max_simulations - result.total_simulations;
      req.max_evals = simulation_budget;
    }
    // min_acceptance_rate, decided inside the generation: past this many simulations without
    // a full population the rate is below the minimum whatever comes next.
    const std::uint64_t rate_budget =
        acceptance_rate_budget(req.n_accept, stop.min_acceptance_rate);
    if (rate_budget > 0 && (req.max_evals == 0 || rate_budget < req.max_evals))
      req.max_evals = rate_budget;
    SampleProgress progress(req.n_accept, stop.fail_fast, static_slots);
    req.progress = &progress;
    req.fail_fast = stop.fail_fast;
    Sample s;
    {
      RoundWatch watch(progress, control, stop, run_start, observer, false, t,
                       first_failure_reported);
      s = sampler.sample(evaluator, ctx, req);
    }
    result.total_simulations += s.simulations;
    result.simulations_this_run += s.simulations;
    if (progress.cause() == CancelCause::all_failed) throw_all_failed(progress, false, t);
    if (progress.cancelled()) {
      result.stop_reason = cancel_reason(progress.cause());
      result.interrupted = round_name(false, t);
      result.stopped_early = true;
      break;
    }
    if (!s.complete) {
      const std::string what =
          " during generation " + std::to_string(t) + " (" + std::to_string(s.accepted.size()) +
          " of " + std::to_string(req.n_accept) + " accepted in " + std::to_string(s.simulations) +
          " simulations; generation not recorded)";
      result.stop_reason = req.max_evals == rate_budget && rate_budget != simulation_budget
                               ? "acceptance rate below min_acceptance_rate" + what
                               : "max_simulations reached" + what;
      break;
    }

    GenerationRecord rec;
    rec.t = t;
    rec.epsilon = epsilon;
    rec.simulations = s.simulations;
    rec.total_simulations = result.total_simulations;
    rec.failed = s.failed;
    rec.failures = std::move(s.failures);
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
    compute_weights(*problem, ctx, model_kernel, rec.particles,
                    control.parallel != nullptr ? *control.parallel : sequential_for());
    std::vector<double> weights(rec.particles.size());
    for (std::size_t i = 0; i < weights.size(); ++i) weights[i] = rec.particles[i].weight;
    rec.ess = effective_sample_size(weights);
    rec.acceptance_rate =
        static_cast<double>(rec.particles.size()) / static_cast<double>(s.simulations);
    rec.model_probabilities = model_probabilities(n_models, rec.particles);

    // State for generation t + 1: adapt the distance on every candidate of this generation,
    // recompute this population's distances under it, then take the next epsilon (pyABC order).
    distance->adapt(s.all_stats);
    std::vector<double> new_distances(rec.particles.size());
    for (std::size_t i = 0; i < new_distances.size(); ++i)
      new_distances[i] = (*distance)(rec.particles[i].stats);
    std::optional<double> next;
    if (settings.epsilon.type == EpsilonSpec::Type::temperature) {
      double by_rate = std::numeric_limits<double>::infinity();
      if (uses_acceptance_rate(settings.epsilon) && rec.epsilon > 1.0 &&
          t + 2 < stop.max_generations) {
        // The next generation's proposal, built as the next round builds it.
        GenerationSpec next_spec;
        next_spec.seed = settings.seed;
        next_spec.t = t + 1;
        next_spec.from_prior = false;
        next_spec.distance_weights = distance->weights();
        next_spec.previous = rec.particles;
        const GenerationContext next_ctx =
            make_context(*problem, context_settings, std::move(next_spec));
        by_rate =
            rate_temperature(*problem, evaluator, model_kernel, ctx, next_ctx, sampler.scheduling(),
                             s, *distance, settings.epsilon.target_rate,
                             control.parallel != nullptr ? *control.parallel : sequential_for());
      }
      next = next_temperature(settings.epsilon, t + 1, stop.max_generations, rec.epsilon,
                              new_distances, weights, by_rate);
    } else {
      next = next_epsilon(settings.epsilon, t + 1, new_distances, weights);
    }
    rec.next_epsilon = next ? *next : std::numeric_limits<double>::quiet_NaN();
    rec.next_distance_weights = distance->weights();
    if (adaptive.enabled) {
      population =
          next_population_size(*problem, settings.transition, adaptive, rec.particles, population,
                               settings.seed, t,
                               control.parallel != nullptr ? *control.parallel : sequential_for())
              .next;
    }
    rec.next_population_size = population;
    previous = rec.particles;
    if (!settings.store_stats) {
      for (auto& p : rec.particles) p.stats.resize(0);
    }
    rec.wall_seconds = seconds_since(gen_start);
    previous_wall_seconds = rec.wall_seconds;
    if (observer) observer->on_generation(rec);
    result.generations = t + 1;

    // --- stopping rules: the config's first, then the early (resumable) stops ------------------
    std::string reason = stop_rule_met(stop, rec, previous_epsilon);
    previous_epsilon = rec.epsilon;
    if (reason.empty()) {
      if (stop.max_walltime_seconds > 0 && seconds_since(run_start) >= stop.max_walltime_seconds) {
        reason = "max_walltime reached";
      } else if (control.stop_flag && control.stop_flag->load()) {
        reason = "stop requested";
      }
      result.stopped_early = !reason.empty();
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
