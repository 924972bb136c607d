// The sections of the run's settings: distance, epsilon, transition, stop, sampler and output.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "abcsmc/core/error.hpp"
#include "abcsmc/core/model.hpp"
#include "abcsmc/core/suggest.hpp"
#include "abcsmc/io/duration.hpp"
#include "abcsmc/io/run_config.hpp"
#include "config_sections.hpp"
#include "yaml_walk.hpp"

namespace abcsmc::io {

// The words of the sampler settings (run_config.hpp), also those of the command line.
std::string to_string(SamplerType type) {
  switch (type) {
    case SamplerType::automatic:
      return "auto";
    case SamplerType::single:
      return "single";
    case SamplerType::threads:
      return "threads";
    case SamplerType::mpi:
      return "mpi";
    case SamplerType::redis:
      return "redis";
  }
  return "auto";
}

std::optional<SamplerType> sampler_type_from(const std::string& word) {
  for (const SamplerType t : {SamplerType::automatic, SamplerType::single, SamplerType::threads,
                              SamplerType::mpi, SamplerType::redis}) {
    if (to_string(t) == word) return t;
  }
  return std::nullopt;
}

std::string to_string(Scheduling scheduling) {
  return scheduling == Scheduling::static_blocks ? "static" : "dynamic";
}

std::optional<Scheduling> scheduling_from(const std::string& word) {
  if (word == "dynamic") return Scheduling::dynamic;
  if (word == "static") return Scheduling::static_blocks;
  return std::nullopt;
}

namespace detail {

namespace {

std::vector<StatSpec> as_specs(const std::vector<ObservedStat>& stats) {
  std::vector<StatSpec> specs;
  for (const auto& s : stats) specs.push_back(StatSpec{s.name, s.values.size()});
  return specs;
}

}  // namespace

void parse_distance(Ctx& ctx, const Field& f, DistanceSpec& spec,
                    const std::vector<ObservedEntry>* observed) {
  if (!require_map(ctx, f, "{type: pnorm, p: 2}")) return;
  Section s(ctx, f, {"type", "p", "weights", "scale", "noise"});
  if (const auto g = s.get("type")) {
    if (const auto v =
            get_choice(ctx, *g, {"pnorm", "adaptive_pnorm", "normal_kernel", "laplace_kernel"})) {
      spec.type = *v == "pnorm"            ? DistanceSpec::Type::pnorm
                  : *v == "adaptive_pnorm" ? DistanceSpec::Type::adaptive_pnorm
                  : *v == "normal_kernel"  ? DistanceSpec::Type::normal_kernel
                                           : DistanceSpec::Type::laplace_kernel;
    }
  }
  const bool kernel = is_noise_kernel(spec.type);
  for (const char* key : {"p", "weights", "scale"}) {
    if (const auto g = s.get(key); g && kernel) {
      ctx.error(g->line, g->path + " does not apply to a noise kernel (distance.type " +
                             (spec.type == DistanceSpec::Type::normal_kernel ? "normal_kernel"
                                                                             : "laplace_kernel") +
                             "); its noise levels are distance.noise.");
    }
  }
  if (const auto g = s.get("noise"); g && !kernel) {
    ctx.error(g->line, g->path +
                           " applies only to the noise kernels (distance.type normal_kernel or "
                           "laplace_kernel); remove it or change the type.");
  }
  if (kernel && !s.has("noise")) {
    ctx.error(f.line, f.path +
                          ": a noise kernel needs 'noise': the noise's standard deviation (normal) "
                          "or scale (Laplace), one number for every statistic or one per "
                          "statistic, e.g. noise: 0.1 or noise: {y: 0.1}.");
  }
  if (const auto g = s.get("p")) {
    const auto v = g->node.IsScalar() ? parse_double(g->node.Scalar(), true) : std::nullopt;
    if (v && (*v == 1.0 || *v == 2.0 || *v == kInf)) {
      spec.p = *v;
    } else {
      wrong_value(ctx, *g, "1, 2 or inf");
    }
  }
  if (const auto g = s.get("scale")) {
    if (const auto v = get_choice(ctx, *g, {"mad", "sd"})) {
      spec.scale = *v == "mad" ? DistanceSpec::Scale::mad : DistanceSpec::Scale::sd;
    }
  }
  // Keys of weights and noise: a flattened name ("x[1]", "y") or an array statistic's own
  // name ("x": all of it).
  StatNames names;
  if (observed != nullptr) {
    std::vector<ObservedStat> stats;
    for (const auto& o : *observed) {
      stats.push_back(o.stat);
      if (o.stat.values.size() > 1) names.push_back(o.stat.name);
    }
    const StatNames flat = flatten_stat_names(as_specs(stats));
    names.insert(names.end(), flat.begin(), flat.end());
  }
  const auto per_statistic = [&](const Field& g, const char* what, const ValueRange& range,
                                 std::map<std::string, double>& into) {
    for (const auto& w : map_fields(ctx, g)) {
      if (observed != nullptr && std::find(names.begin(), names.end(), w.key) == names.end()) {
        ctx.error(w.line, w.path + ": '" + w.key + "' is not an observed statistic; " + what +
                              " are keyed by an array statistic's name (all its elements) or a "
                              "flattened observed name: " +
                              quoted_list(names) + "." + did_you_mean(w.key, names));
        continue;
      }
      if (const auto v = get_number(ctx, w, range)) into[w.key] = *v;
    }
  };
  if (const auto g = s.get("weights"); g && !g->node.IsNull() && !kernel) {
    if (!require_map(ctx, *g, "{y: 1.0}")) return;
    per_statistic(*g, "weights", non_negative(), spec.weights);
  }
  if (const auto g = s.get("noise"); g && kernel) {
    if (g->node.IsMap()) {
      per_statistic(*g, "noise levels", positive(), spec.noise);
      // Every statistic needs a level (an element's key, its array's, or none: an error).
      if (observed != nullptr) {
        for (const auto& o : *observed) {
          for (std::size_t i = 0; i < o.stat.values.size(); ++i) {
            const std::string element = o.stat.values.size() == 1
                                            ? o.stat.name
                                            : o.stat.name + "[" + std::to_string(i) + "]";
            if (!spec.noise.count(element) && !spec.noise.count(o.stat.name)) {
              ctx.error(g->line, g->path + " gives no noise level for statistic '" + element +
                                     "'; add it, or give one number for all.");
            }
          }
        }
      }
    } else if (const auto v = get_number(ctx, *g, positive())) {
      spec.noise_all = *v;
    }
  }
}

void parse_epsilon(Ctx& ctx, const Field& f, EpsilonSpec& spec) {
  if (!require_map(ctx, f, "{type: quantile, alpha: 0.5}")) return;
  Section s(ctx, f,
            {"type", "alpha", "weighted", "initial", "calibration_size", "values", "value",
             "schemes", "target_rate", "ratio", "exponent", "target_relative_ess"});
  std::string type = "quantile";
  if (const auto g = s.get("type")) {
    const auto v = get_choice(ctx, *g, {"quantile", "list", "constant", "temperature"});
    if (!v) return;  // the other keys depend on the type
    type = *v;
  }
  spec.type = type == "quantile"      ? EpsilonSpec::Type::quantile
              : type == "list"        ? EpsilonSpec::Type::list
              : type == "temperature" ? EpsilonSpec::Type::temperature
                                      : EpsilonSpec::Type::constant;
  const std::map<std::string, StatNames> owner{{"alpha", {"quantile"}},
                                               {"weighted", {"quantile"}},
                                               {"initial", {"quantile", "temperature"}},
                                               {"calibration_size", {"quantile", "temperature"}},
                                               {"values", {"list"}},
                                               {"value", {"constant"}},
                                               {"schemes", {"temperature"}},
                                               {"target_rate", {"temperature"}},
                                               {"ratio", {"temperature"}},
                                               {"exponent", {"temperature"}},
                                               {"target_relative_ess", {"temperature"}}};
  const std::vector<std::pair<std::string, TemperatureScheme>> schemes{
      {"acceptance_rate", TemperatureScheme::acceptance_rate},
      {"exp_decay_fixed_iter", TemperatureScheme::exp_decay_fixed_iter},
      {"exp_decay_fixed_ratio", TemperatureScheme::exp_decay_fixed_ratio},
      {"polynomial_decay_fixed_iter", TemperatureScheme::polynomial_decay_fixed_iter},
      {"friel_pettitt", TemperatureScheme::friel_pettitt},
      {"ess", TemperatureScheme::ess}};
  for (const auto& g : s.fields()) {
    if (g.key == "type") continue;
    const StatNames& needs = owner.at(g.key);
    if (std::find(needs.begin(), needs.end(), type) == needs.end()) {
      ctx.error(g.line, g.path + " applies only to epsilon type " + quoted_list(needs) +
                            ", but epsilon.type is '" + type + "'; remove it or change the type.");
      continue;
    }
    if (g.key == "schemes") {
      if (!g.node.IsSequence() || g.node.size() == 0) {
        wrong_value(ctx, g, "a non-empty list of temperature schemes, e.g. [exp_decay_fixed_iter]");
        continue;
      }
      spec.schemes.clear();
      std::size_t i = 0;
      for (const auto& item : g.node) {
        const std::string name = item.IsScalar() ? item.Scalar() : std::string();
        const auto it = std::find_if(schemes.begin(), schemes.end(),
                                     [&](const auto& kv) { return kv.first == name; });
        if (it == schemes.end()) {
          StatNames known;
          for (const auto& kv : schemes) known.push_back(kv.first);
          ctx.error(line_of(item, g.line), g.path + "[" + std::to_string(i) + "] is " +
                                               found(item) + ", but must be one of " +
                                               quoted_list(known) + "." +
                                               did_you_mean(name, known));
        } else {
          spec.schemes.push_back(it->second);
        }
        ++i;
      }
      continue;
    }
    if (g.key == "target_rate") {
      if (const auto v = get_number(ctx, g, open_unit())) spec.target_rate = *v;
      continue;
    }
    if (g.key == "ratio") {
      if (const auto v = get_number(ctx, g, open_unit())) spec.decay_alpha = *v;
      continue;
    }
    if (g.key == "exponent") {
      if (const auto v = get_number(ctx, g, positive())) spec.decay_exponent = *v;
      continue;
    }
    if (g.key == "target_relative_ess") {
      if (const auto v = get_number(ctx, g, open_unit())) spec.target_relative_ess = *v;
      continue;
    }
    if (g.key == "alpha") {
      if (const auto v = get_number(ctx, g, open_unit())) spec.alpha = *v;
    } else if (g.key == "weighted") {
      if (const auto v = get_bool(ctx, g)) spec.weighted = *v;
    } else if (g.key == "initial") {
      if (g.node.IsScalar() && g.node.Scalar() == "from_sample") {
        spec.initial.reset();
      } else {
        const auto v = g.node.IsScalar() ? parse_double(g.node.Scalar(), false) : std::nullopt;
        const double low = type == "temperature" ? 1.0 : 0.0;  // a temperature is >= 1
        if (v && (*v > low || (low == 1.0 && *v == 1.0))) {
          spec.initial = *v;
        } else {
          const std::string hint =
              g.node.IsScalar() && !v ? did_you_mean(g.node.Scalar(), {"from_sample"}) : "";
          wrong_value(ctx, g,
                      type == "temperature" ? "'from_sample' or a number >= 1"
                                            : "'from_sample' or a number > 0",
                      hint);
        }
      }
    } else if (g.key == "calibration_size") {
      if (const auto v = get_count(ctx, g, 0)) spec.calibration_size = *v;
    } else if (g.key == "values") {
      if (!g.node.IsSequence()) {
        wrong_value(ctx, g, "a list of numbers > 0, e.g. [3, 2, 1]");
        continue;
      }
      spec.values.clear();
      std::size_t i = 0;
      for (const auto& item : g.node) {
        const std::optional<double> v =
            item.IsScalar() ? parse_double(item.Scalar(), false) : std::nullopt;
        if (!v || *v <= 0.0) {
          ctx.error(line_of(item, g.line), g.path + "[" + std::to_string(i) + "] is " +
                                               found(item) + ", but must be a number > 0.");
        } else {
          spec.values.push_back(*v);
        }
        ++i;
      }
      if (i == 0)
        ctx.error(g.line, g.path + " is an empty list; give at least one epsilon, e.g. [3, 2, 1].");
    } else if (g.key == "value") {
      if (const auto v = get_number(ctx, g, positive())) spec.value = *v;
    }
  }
  if (type == "list" && !s.has("values")) {
    ctx.error(f.line, "epsilon has type 'list' but no 'values'; add e.g. values: [3, 2, 1].");
  }
  if (type == "constant" && !s.has("value")) {
    ctx.error(f.line, "epsilon has type 'constant' but no 'value'; add e.g. value: 0.1.");
  }
}

void parse_transition(Ctx& ctx, const Field& f, TransitionSpec& spec) {
  if (!require_map(ctx, f, "{type: multivariate_normal, scaling: 1.0}")) return;
  Section s(ctx, f,
            {"type", "bandwidth", "scaling", "k", "k_fraction", "discrete_steps",
             "model_stay_probability", "defensive"});
  if (const auto g = s.get("type")) {
    if (const auto v = get_choice(ctx, *g, {"multivariate_normal", "local"})) {
      spec.type =
          *v == "local" ? TransitionSpec::Type::local : TransitionSpec::Type::multivariate_normal;
    }
  }
  if (const auto g = s.get("bandwidth")) {
    if (const auto v = get_choice(ctx, *g, {"silverman", "scott"})) {
      spec.bandwidth = *v == "scott" ? Bandwidth::scott : Bandwidth::silverman;
    }
  }
  if (const auto g = s.get("scaling")) {
    if (const auto v = get_number(ctx, *g, positive())) spec.scaling = *v;
  }
  if (const auto g = s.get("k")) {
    if (const auto v = get_count(ctx, *g, 0)) spec.k = *v;
  }
  if (const auto g = s.get("k_fraction")) {
    if (const auto v = get_number(ctx, *g, NumberRule{false, 0.0, true, 1.0, false})) {
      spec.k_fraction = *v;
    }
  }
  if (const auto g = s.get("discrete_steps")) {
    if (const auto v = get_count(ctx, *g, 1, std::numeric_limits<int>::max())) {
      spec.discrete_steps = static_cast<int>(*v);
    }
  }
  if (const auto g = s.get("model_stay_probability")) {
    if (const auto v = get_number(ctx, *g, closed_unit())) spec.model_stay_probability = *v;
  }
  if (const auto g = s.get("defensive")) {
    // 0 (the kernel alone) up to, not including, 1 (the prior alone would never converge).
    if (const auto v = get_number(ctx, *g, NumberRule{false, 0.0, false, 1.0, true})) {
      spec.defensive = *v;
    }
  }
}

void parse_adaptive_population(Ctx& ctx, const Field& f, std::size_t& start,
                               AdaptivePopulationSpec& spec) {
  Section s(ctx, f, {"start", "mean_cv", "min", "max", "n_bootstrap"});
  spec.enabled = true;
  if (const auto g = s.get("start")) {
    if (const auto v = get_count(ctx, *g, 1)) start = *v;
  } else {
    ctx.error(f.line, f.path +
                          ": an adaptive population size needs 'start' (the first "
                          "generation's size), e.g. {start: 500, mean_cv: 0.05}.");
  }
  if (const auto g = s.get("mean_cv")) {
    if (const auto v = get_number(ctx, *g, positive())) spec.mean_cv = *v;
  }
  if (const auto g = s.get("min")) {
    if (const auto v = get_count(ctx, *g, 2)) spec.min = *v;
  }
  if (const auto g = s.get("max")) {
    if (const auto v = get_count(ctx, *g, 2)) spec.max = *v;
  }
  if (const auto g = s.get("n_bootstrap")) {
    if (const auto v = get_count(ctx, *g, 2, 1000)) spec.n_bootstrap = *v;
  }
  const std::size_t max = spec.max > 0 ? spec.max : 10 * start;
  if (spec.min > max || start < spec.min || start > max) {
    ctx.error(f.line, f.path + ": needs min <= start <= max, but min is " +
                          std::to_string(spec.min) + ", start " + std::to_string(start) +
                          " and max " + std::to_string(max) +
                          (spec.max > 0 ? "." : " (max defaults to 10 x start)."));
  }
}

void parse_stop(Ctx& ctx, const Field& f, StopSpec& spec) {
  if (!require_map(ctx, f, "{max_generations: 10}")) return;
  Section s(ctx, f,
            {"min_epsilon", "min_eps_diff", "max_generations", "max_simulations", "max_walltime",
             "min_acceptance_rate", "fail_fast"});
  if (const auto g = s.get("min_epsilon")) {
    if (const auto v = get_number(ctx, *g, non_negative())) spec.min_epsilon = *v;
  }
  if (const auto g = s.get("min_eps_diff")) {
    if (const auto v = get_number(ctx, *g, non_negative())) spec.min_eps_diff = *v;
  }
  if (const auto g = s.get("max_generations")) {
    if (const auto v = get_count(ctx, *g, 0, std::numeric_limits<std::uint32_t>::max())) {
      spec.max_generations = static_cast<std::uint32_t>(*v);
    }
  }
  if (const auto g = s.get("max_simulations")) {
    if (const auto v = get_count(ctx, *g, 0)) spec.max_simulations = *v;
  }
  if (const auto g = s.get("max_walltime")) {
    const auto number = g->node.IsScalar() ? parse_double(g->node.Scalar(), false) : std::nullopt;
    if (number && *number >= 0.0) {
      spec.max_walltime_seconds = *number;
    } else if (g->node.IsScalar() && !number) {
      try {
        spec.max_walltime_seconds = parse_duration_seconds(g->node.Scalar());
      } catch (const ConfigError& e) {
        ctx.error(g->line, g->path + ": " + e.what() + ".");
      }
    } else {
      wrong_value(ctx, *g,
                  "a number of seconds >= 0 or a duration such as '90s', '30m', '2h' or '1d'");
    }
  }
  if (const auto g = s.get("min_acceptance_rate")) {
    if (const auto v = get_number(ctx, *g, closed_unit())) spec.min_acceptance_rate = *v;
  }
  if (const auto g = s.get("fail_fast")) {
    // The guard keeps one byte per candidate it watches: bound it.
    if (const auto v = get_count(ctx, *g, 0, 10000000)) spec.fail_fast = *v;
  }
}

void parse_sampler(Ctx& ctx, const Field& f, SamplerSpec& spec) {
  if (!require_map(ctx, f, "{type: auto}")) return;
  Section s(ctx, f,
            {"type", "scheduling", "batch_size", "threads", "host", "port", "password_env", "lease",
             "reconnect_window", "key_file"});
  if (const auto g = s.get("type")) {
    if (const auto v = get_choice(ctx, *g, {"auto", "single", "threads", "mpi", "redis"})) {
      spec.type = *sampler_type_from(*v);
    }
  }
  if (const auto g = s.get("scheduling")) {
    if (const auto v = get_choice(ctx, *g, {"dynamic", "static"}))
      spec.scheduling = *scheduling_from(*v);
  }
  if (const auto g = s.get("batch_size")) {
    if (const auto v = get_count(ctx, *g, 0)) spec.batch_size = *v;
  }
  if (const auto g = s.get("threads")) {
    if (const auto v = get_count(ctx, *g, 0)) spec.threads = *v;
  }
  if (const auto g = s.get("host")) {
    if (const auto v = get_string(ctx, *g, "a host name or address, e.g. 127.0.0.1"))
      spec.host = *v;
  }
  if (const auto g = s.get("port")) {
    if (const auto v = get_count(ctx, *g, 1, 65535)) spec.port = static_cast<int>(*v);
  }
  if (const auto g = s.get("password_env")) {
    if (const auto v =
            get_string(ctx, *g, "an environment variable name, e.g. ABCSMC_REDIS_PASSWORD")) {
      spec.password_env = *v;
    }
  }
  if (const auto g = s.get("key_file")) {
    if (const auto v = get_string(ctx, *g, "the path of a key file, e.g. ~/.abcsmc/run.key"))
      spec.key_file = *v;
  }
  if (const auto g = s.get("lease")) {
    if (const auto v = get_duration(ctx, *g)) {
      if (*v <= 0.0) {
        ctx.error(g->line, g->path + " must be > 0 (a duration, e.g. 30s).");
      } else {
        spec.lease_seconds = *v;
      }
    }
  }
  if (const auto g = s.get("reconnect_window")) {
    if (const auto v = get_duration(ctx, *g)) spec.reconnect_window_seconds = *v;  // >= 0
  }
}

void parse_output(Ctx& ctx, const Field& f, OutputSpec& spec) {
  if (!require_map(ctx, f, "{path: results.h5}")) return;
  Section s(ctx, f, {"path", "store_stats"});
  if (const auto g = s.get("path")) {
    if (const auto v = get_string(ctx, *g, "a file name, e.g. results.h5")) spec.path = *v;
  }
  if (const auto g = s.get("store_stats")) {
    if (const auto v = get_bool(ctx, *g)) spec.store_stats = *v;
  }
}

}  // namespace detail

}  // namespace abcsmc::io
