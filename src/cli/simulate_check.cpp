// `abcsmc validate CONFIG --simulate [N]`: runs each model N times from its prior and reports
// time per simulation, the statistics against the config, failures by reason, and a rough
// estimate of the run's duration.
#include "simulate_check.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "abcsmc/core/epsilon.hpp"
#include "abcsmc/core/error.hpp"
#include "abcsmc/core/problem.hpp"
#include "abcsmc/core/rng.hpp"
#include "abcsmc/core/value_range.hpp"
#include "abcsmc/io/build.hpp"
#include "abcsmc/io/run_config.hpp"
#include "commands.hpp"

namespace abcsmc::cli {

namespace {

using Clock = std::chrono::steady_clock;

/// Later generations' acceptance rate assumed by the estimate (often 0.01 to 0.3).
constexpr double kLaterAcceptance = 0.1;
/// Above this failure rate (reject policy) the report warns; the exit status stays 0.
constexpr double kWarnFailureRate = 0.5;

std::string duration_text(double s) {
  char buf[64];
  if (!(s >= 0.0) || std::isinf(s)) return "?";
  if (s < 1e-6) {
    std::snprintf(buf, sizeof buf, "%.0f ns", s * 1e9);
  } else if (s < 1e-3) {
    std::snprintf(buf, sizeof buf, "%.3g us", s * 1e6);
  } else if (s < 1.0) {
    std::snprintf(buf, sizeof buf, "%.3g ms", s * 1e3);
  } else if (s < 120.0) {
    std::snprintf(buf, sizeof buf, "%.3g s", s);
  } else if (s < 7200.0) {
    std::snprintf(buf, sizeof buf, "%.3g min", s / 60.0);
  } else if (s < 3.0 * 86400.0) {
    std::snprintf(buf, sizeof buf, "%.3g h", s / 3600.0);
  } else {
    std::snprintf(buf, sizeof buf, "%.3g days", s / 86400.0);
  }
  return buf;
}

std::string count_text(double n) {
  char buf[64];
  if (n < 1e6) {
    std::snprintf(buf, sizeof buf, "%.0f", std::ceil(n));
  } else {
    std::snprintf(buf, sizeof buf, "%.3g", n);
  }
  return buf;
}

std::string theta_text(const Prior& prior, const Vector& theta) {
  std::string out;
  for (Eigen::Index i = 0; i < theta.size(); ++i) {
    if (i > 0) out += ", ";
    const auto k = static_cast<std::size_t>(i);
    out += (k < prior.names().size() ? prior.names()[k] : "?") + " = " + number_text(theta[i]);
  }
  return out;
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out.append(i > 0 ? ", " : "").append(parts[i]);
  return out;
}

std::string stats_text(const std::vector<StatSpec>& specs) {
  std::vector<std::string> parts;
  for (const auto& s : specs)
    parts.push_back(s.size > 1 ? s.name + "[" + std::to_string(s.size) + "]" : s.name);
  return join(parts);
}

struct Failure {
  std::size_t count = 0;
  std::size_t first = 0;  // simulation number of the first one
};

/// What N simulations of one model gave.
struct ModelReport {
  std::vector<double> seconds;  // per simulation, failed ones included
  std::size_t failed = 0;
  std::vector<std::pair<std::string, Failure>> reasons;  // in order of first appearance
  std::string first_message;
  std::string first_theta;
  // per observed statistic (flattened, distance order): min and max over successes
  std::vector<double> low, high;
  double median = 0.0;
  double max = 0.0;
};

void add_failure(ModelReport& r, std::size_t i, const std::string& reason,
                 const std::string& message, const std::string& theta) {
  ++r.failed;
  auto it = std::find_if(r.reasons.begin(), r.reasons.end(),
                         [&](const auto& e) { return e.first == reason; });
  if (it == r.reasons.end()) {
    r.reasons.push_back({reason, Failure{1, i}});
  } else {
    ++it->second.count;
  }
  if (r.failed == 1) {
    r.first_message = message;
    r.first_theta = theta;
  }
}

ModelReport simulate_model(const Problem& problem, std::size_t m, std::uint64_t seed,
                           std::size_t n) {
  const ModelEntry& entry = problem.models[m];
  const std::size_t k = problem.stat_names.size();
  ModelReport r;
  r.low.assign(k, std::numeric_limits<double>::infinity());
  r.high.assign(k, -std::numeric_limits<double>::infinity());
  for (std::size_t i = 0; i < n; ++i) {
    // The run's calibration streams of this seed (model m's own, as attempt m).
    Rng rng(StreamId{seed, 0, i, m, StreamKind::calibration});
    const Vector theta = entry.prior.sample(rng);
    Vector all = Vector::Zero(static_cast<Eigen::Index>(entry.output_size));
    std::string reason;
    std::string message;
    const auto t0 = Clock::now();
    try {
      entry.model->simulate(theta, rng, all);
    } catch (const ModelError& e) {
      reason = e.reason().empty() ? std::string(e.what()) : e.reason();
      message = e.what();
      if (reason.empty()) reason = message = "the simulation failed";
    } catch (const std::exception& e) {  // not a ModelError: a run would end with this error
      reason = std::string("error: ") + e.what();
      message = e.what();
    }
    r.seconds.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
    if (reason.empty() && static_cast<std::size_t>(all.size()) != entry.output_size) {
      reason = "produced " + std::to_string(all.size()) + " values, " +
               std::to_string(entry.output_size) + " declared";
      message = reason;
    }
    if (reason.empty()) {
      for (std::size_t j = 0; j < k; ++j) {  // as the evaluator: a non-finite statistic fails
        const double v = all[static_cast<Eigen::Index>(entry.stat_selection[j])];
        if (!std::isfinite(v)) {
          reason = message = "statistic '" + problem.stat_names[j] + "' is " + number_text(v);
          break;
        }
      }
    }
    if (!reason.empty()) {
      add_failure(r, i, reason, message, theta_text(entry.prior, theta));
      continue;
    }
    for (std::size_t j = 0; j < k; ++j) {
      const double v = all[static_cast<Eigen::Index>(entry.stat_selection[j])];
      r.low[j] = std::min(r.low[j], v);
      r.high[j] = std::max(r.high[j], v);
    }
  }
  std::vector<double> sorted = r.seconds;
  std::sort(sorted.begin(), sorted.end());
  r.median = sorted.empty() ? 0.0 : sorted[sorted.size() / 2];
  r.max = sorted.empty() ? 0.0 : sorted.back();
  return r;
}

std::string short_number(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", x);
  return buf;
}

std::string range_text(double lo, double hi) {
  if (lo > hi) return "-";
  if (lo == hi) return short_number(lo);
  return short_number(lo) + " .. " + short_number(hi);
}

/// Per observed statistic (file order): observed values and the simulated range.
void print_statistics(const io::RunConfig& config, const Problem& problem, const ModelEntry& entry,
                      const ModelReport& r, std::size_t n) {
  const std::vector<StatSpec> gives = entry.model->statistics();
  std::vector<StatSpec> observed;
  for (const auto& o : config.observed) observed.push_back({o.name, o.values.size()});
  std::printf("  statistics: the model gives %s (%zu value%s); the config observes %s\n",
              stats_text(gives).c_str(), entry.output_size, entry.output_size == 1 ? "" : "s",
              stats_text(observed).c_str());
  std::vector<std::string> unused;
  for (const auto& g : gives) {
    if (std::none_of(observed.begin(), observed.end(),
                     [&](const StatSpec& o) { return o.name == g.name; })) {
      unused.push_back(g.name);
    }
  }
  if (!unused.empty()) {
    std::printf("    not observed (ignored): %s\n", join(unused).c_str());
  }
  const std::size_t ok = n - r.failed;
  if (ok == 0) {
    std::printf("    produced: nothing usable (every simulation failed)\n");
    return;
  }
  std::printf("    %-20s %-28s %s\n", "statistic", "observed",
              ("simulated (" + std::to_string(ok) + " successes)").c_str());
  std::map<std::string, std::size_t> index;  // flattened name -> position in distance order
  for (std::size_t j = 0; j < problem.stat_names.size(); ++j) index[problem.stat_names[j]] = j;
  for (const auto& o : config.observed) {
    double olo = std::numeric_limits<double>::infinity();
    double ohi = -olo;
    double slo = olo;
    double shi = -olo;
    for (std::size_t e = 0; e < o.values.size(); ++e) {
      const std::string flat = o.is_array ? o.name + "[" + std::to_string(e) + "]" : o.name;
      const auto it = index.find(flat);
      if (it == index.end()) continue;
      olo = std::min(olo, o.values[e]);
      ohi = std::max(ohi, o.values[e]);
      slo = std::min(slo, r.low[it->second]);
      shi = std::max(shi, r.high[it->second]);
    }
    const std::string name =
        o.is_array ? o.name + "[" + std::to_string(o.values.size()) + "]" : o.name;
    const bool outside = slo <= shi && (ohi < slo || olo > shi);
    std::printf("    %-20s %-28s %s%s\n", name.c_str(), range_text(olo, ohi).c_str(),
                range_text(slo, shi).c_str(),
                outside ? "   (observed outside the simulated range)" : "");
  }
}

std::string indent(const std::string& text, const std::string& prefix) {
  std::string out = prefix;
  for (char c : text) {
    out += c;
    if (c == '\n') out += prefix;
  }
  return out;
}

std::size_t threads_of(const io::RunConfig& config, std::string& where) {
  const std::string type = io::to_string(config.sampler.type);
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  if (type == "single") {
    where = "1 thread (sampler single)";
    return 1;
  }
  if (type == "mpi" || type == "redis") {
    where = "1 worker (sampler " + type + ": divide by the number of workers)";
    return 1;
  }
  const std::size_t t = config.sampler.threads > 0 ? config.sampler.threads : cores;
  where = std::to_string(t) + " thread" + (t == 1 ? "" : "s") +
          (config.sampler.threads > 0 ? " (sampler.threads)" : " (all cores here)");
  return t;
}

void print_estimate(const io::RunConfig& config, const Problem& problem,
                    const std::vector<ModelReport>& reports) {
  // Per candidate: the prior-weighted mean over models of the median time and failure rate.
  double seconds = 0.0;
  double fail = 0.0;
  for (std::size_t m = 0; m < reports.size(); ++m) {
    const double p = problem.models[m].prior_probability;
    seconds += p * reports[m].median;
    fail +=
        p * static_cast<double>(reports[m].failed) / static_cast<double>(reports[m].seconds.size());
  }
  std::string where;
  const double threads = static_cast<double>(threads_of(config, where));
  const double n = static_cast<double>(config.population_size);
  const double usable = std::max(1e-9, 1.0 - fail);
  const auto wall = [&](double sims) { return sims * seconds / threads; };
  std::printf(
      "estimate (rough: the median time per simulation, %s, failed simulations taking as "
      "long as others%s):\n",
      where.c_str(), reports.size() > 1 ? ", models mixed by prior probability" : "");
  if (fail >= 1.0) {
    std::printf("  none: every simulation failed, so no generation would fill\n");
    return;
  }
  double total = 0.0;
  double sims_total = 0.0;
  const bool calibration = needs_calibration(config.epsilon) ||
                           config.distance.type == DistanceSpec::Type::adaptive_pnorm;
  if (calibration) {
    const double c =
        static_cast<double>(config.epsilon.calibration_size > 0 ? config.epsilon.calibration_size
                                                                : config.population_size);
    std::printf("  calibration: %s prior simulations ≈ %s\n", count_text(c).c_str(),
                duration_text(wall(c)).c_str());
    total += wall(c);
    sims_total += c;
  }
  const bool quantile =
      config.epsilon.type == EpsilonSpec::Type::quantile && !config.epsilon.initial;
  const double first_rate = quantile ? config.epsilon.alpha : 0.5;
  const double g0 = n / (first_rate * usable);
  std::printf("  generation 0 of %s particles at acceptance rate ~%g (%s): ~%s simulations ≈ %s\n",
              count_text(n).c_str(), first_rate,
              quantile ? "epsilon.alpha of the calibration distances" : "assumed",
              count_text(g0).c_str(), duration_text(wall(g0)).c_str());
  total += wall(g0);
  sims_total += g0;
  const double later = n / (kLaterAcceptance * usable);
  std::printf(
      "  a later generation of %s particles at acceptance rate ~%g needs ~%s simulations ≈ %s on "
      "%s\n",
      count_text(n).c_str(), kLaterAcceptance, count_text(later).c_str(),
      duration_text(wall(later)).c_str(), where.c_str());
  if (fail > 0.0) {
    std::printf("    (%.0f%% of simulations fail: %.3gx as many simulations as without failures)\n",
                100.0 * fail, 1.0 / usable);
  }
  const std::uint32_t gens = config.stop.max_generations;
  if (gens > 0) {
    double sims = sims_total + later * static_cast<double>(gens > 0 ? gens - 1 : 0);
    const bool capped =
        config.stop.max_simulations > 0 && sims > static_cast<double>(config.stop.max_simulations);
    if (capped) sims = static_cast<double>(config.stop.max_simulations);
    std::printf(
        "  the run, up to stop.max_generations = %u%s: ~%s simulations ≈ %s (later acceptance "
        "rates are often 0.01 to 0.3 and fall as epsilon shrinks; other stopping rules may "
        "end it sooner)\n",
        gens, capped ? ", capped by stop.max_simulations" : "", count_text(sims).c_str(),
        duration_text(wall(sims)).c_str());
  } else {
    std::printf(
        "  the run: no stop.max_generations; its length depends on the other stopping rules\n");
  }
}

}  // namespace

int validate_simulate_command(const std::string& config_path, std::size_t simulations) {
  if (simulations == 0) {
    std::fprintf(stderr, "error: --simulate needs at least 1 simulation\n");
    return kUsageError;
  }
  const int checked = validate_command(config_path);
  if (checked != kSuccess) return checked;
  io::RunConfig config;
  std::shared_ptr<Problem> problem;
  try {
    config = io::load_config(config_path);
    problem = io::build_problem(config);
  } catch (const io::ConfigErrors& e) {
    for (const auto& m : e.messages()) std::fprintf(stderr, "error: %s\n", m.c_str());
    return kUsageError;
  } catch (const ConfigError& e) {
    std::fprintf(stderr, "error: %s: %s\n", config_path.c_str(), e.what());
    return kUsageError;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s: cannot build the models: %s\n", config_path.c_str(), e.what());
    return kUsageError;
  }
  const std::uint64_t seed = config.seed.value_or(1);
  std::printf(
      "\n%zu simulation%s per model at parameters from the prior (seed %llu%s), one at a "
      "time:\n",
      simulations, simulations == 1 ? "" : "s", static_cast<unsigned long long>(seed),
      config.seed ? "" : "; the config's seed is auto");
  std::vector<ModelReport> reports;
  std::vector<std::string> fatal;  // why the exit status is 1
  for (std::size_t m = 0; m < problem->models.size(); ++m) {
    const ModelEntry& entry = problem->models[m];
    const std::string kind = m < config.models.size() ? io::model_kind_text(config.models[m]) : "";
    std::printf("\nmodel '%s' (%s):\n", entry.name.c_str(), kind.c_str());
    std::fflush(stdout);  // before slow simulations
    ModelReport r = simulate_model(*problem, m, seed, simulations);
    std::printf("  time per simulation: median %s, max %s\n", duration_text(r.median).c_str(),
                duration_text(r.max).c_str());
    print_statistics(config, *problem, entry, r, simulations);
    if (r.failed == 0) {
      std::printf("  failures: none of %zu\n", simulations);
    } else {
      const double rate = static_cast<double>(r.failed) / static_cast<double>(simulations);
      std::printf("  failures: %zu of %zu (%.0f%%), by reason:\n", r.failed, simulations,
                  100.0 * rate);
      for (const auto& [reason, f] : r.reasons)
        std::printf("    %s x%zu\n", reason.c_str(), f.count);
      std::printf("  first failure, at %s:\n%s\n", r.first_theta.c_str(),
                  indent(r.first_message, "    ").c_str());
      if (r.failed == simulations) {
        fatal.push_back("model '" + entry.name + "': every simulation failed (" +
                        r.reasons.front().first + ")");
      } else if (entry.on_failure == FailurePolicy::abort) {
        fatal.push_back("model '" + entry.name + "': " + std::to_string(r.failed) + " of " +
                        std::to_string(simulations) +
                        " simulations failed and its on_failure is "
                        "'abort': a run would stop at the first failure");
      } else if (rate >= kWarnFailureRate) {
        std::printf(
            "  warning: %.0f%% of simulations fail; they are rejected (on_failure: reject), "
            "so a generation needs %.3gx as many simulations\n",
            100.0 * rate, 1.0 / (1.0 - rate));
      }
    }
    reports.push_back(std::move(r));
  }
  std::printf("\n");
  print_estimate(config, *problem, reports);
  std::fflush(stdout);
  if (!fatal.empty()) {
    for (const auto& f : fatal) std::fprintf(stderr, "error: %s\n", f.c_str());
    return kRunFailure;
  }
  return kSuccess;
}

}  // namespace abcsmc::cli
