// YAML run config -> validated RunConfig. Every problem is collected with its file:line and
// thrown at the end as one ConfigErrors (config/REFERENCE.md documents the format).
// This file: the entry points and the order of the sections, which config_*.cpp read on the
// YAML walker (yaml_walk.hpp), and the checks across sections.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "abcsmc/core/error.hpp"
#include "abcsmc/core/suggest.hpp"
#include "abcsmc/io/memory_estimate.hpp"
#include "abcsmc/io/run_config.hpp"
#include "config_sections.hpp"
#include "yaml_walk.hpp"

namespace abcsmc::io {

namespace {

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) out += '\n';
    out += lines[i];
  }
  return out;
}

}  // namespace

ConfigErrors::ConfigErrors(std::vector<std::string> messages)
    : ConfigError(join_lines(messages)), messages_(std::move(messages)) {}

namespace {

const std::vector<std::string> kTopKeys{
    "seed",     "population_size", "parameters", "model", "models",  "observed",
    "distance", "epsilon",         "transition", "stop",  "sampler", "output"};

// ---------------------------------------------------------------------------------------------
// Memory
// ---------------------------------------------------------------------------------------------

/// Refuses a run whose estimated memory exceeds what this machine (or cgroup) has, and warns
/// when it takes more than half: a population of 1e9 would otherwise grow for minutes and die
/// with std::bad_alloc. `line` is where the population (or the calibration) is set.
void check_memory(detail::Ctx& ctx, RunConfig& cfg, int population_line, int calibration_line) {
  const MachineMemory machine = machine_memory();
  const MemoryEstimate e = estimate_run_memory(cfg);
  const MemoryVerdict verdict = judge_memory(e.bytes, machine.bytes);
  if (verdict == MemoryVerdict::fits) return;
  const bool calibration_dominates =
      cfg.epsilon.calibration_size > 0 && e.calibration_bytes > e.population_bytes;
  const int line = calibration_dominates ? calibration_line : population_line;
  const auto plural = [](std::size_t n, const char* word) {
    return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
  };
  std::string text =
      "the run needs about " + format_bytes(e.bytes) + " of memory: population_size " +
      std::string(cfg.adaptive_population.enabled ? "(its max) " : "") +
      std::to_string(e.population) + " x " +
      format_bytes(e.population == 0 ? 0 : e.population_bytes / e.population) + " per particle (" +
      plural(e.parameters, "parameter") + " and " + plural(e.statistics, "statistic") +
      (e.store_stats ? " stored" : " not stored") + ", a few copies of each population)";
  if (e.calibration > 0) {
    text += " plus " + format_bytes(e.calibration_bytes) + " for " + std::to_string(e.calibration) +
            " calibration simulations";
  }
  text += verdict == MemoryVerdict::too_large ? ", but this machine has "
                                              : ", more than half of this machine's ";
  text += format_bytes(machine.bytes) + " (" + machine.source + ")";
  std::string hint =
      calibration_dominates
          ? " Lower epsilon.calibration_size"
          : std::string(cfg.adaptive_population.enabled ? " Lower population_size.max (about "
                                                        : " Lower population_size (about ") +
                std::to_string(largest_fitting_population(cfg, machine.bytes / 2)) +
                " fits in half of that memory)";
  if (e.store_stats && e.statistics > 0) hint += ", set output.store_stats: false";
  hint += ", or run on a machine with more memory.";
  if (verdict == MemoryVerdict::too_large) {
    ctx.error(line, text + "." + hint);
  } else {
    cfg.warnings.push_back(ctx.source + ":" + std::to_string(std::max(line, 1)) + ": " + text +
                           ": the run may swap or be killed." + hint);
  }
}

}  // namespace

/// A model with many continuous parameters under the global kernel without the defensive
/// mixture: its importance weights degenerate (measured in config/REFERENCE.md, "Kernels").
void check_dimension(const detail::Ctx& ctx, RunConfig& cfg, int line) {
  constexpr std::size_t kMany = 20;
  if (cfg.transition.type != TransitionSpec::Type::multivariate_normal) return;
  if (cfg.transition.defensive > 0.0) return;
  for (const auto& m : cfg.models) {
    std::size_t continuous = 0;
    for (const auto& p : m.parameters) continuous += p.type == "discrete_uniform" ? 0 : 1;
    if (continuous < kMany) continue;
    cfg.warnings.push_back(
        ctx.source + ":" + std::to_string(std::max(line, 1)) + ": model '" + m.name + "' has " +
        std::to_string(continuous) +
        " continuous parameters: with the multivariate_normal kernel and transition.defensive: 0 "
        "the importance weights degenerate as the dimension grows (a 50-dimensional Gaussian's "
        "ESS fell below 1% of the population); the defaults (defensive: 0.05, scaling: 2) or "
        "type: local kept it above 80% there (config/REFERENCE.md, \"Kernels, and the "
        "defaults\").");
  }
}

RunConfig parse_config(const std::string& yaml_text, const std::string& source_name) {
  return parse_config(yaml_text, source_name, ModelGate{});
}

RunConfig parse_config(const std::string& yaml_text, const std::string& source_name,
                       const ModelGate& gate) {
  detail::Ctx ctx;
  ctx.source = source_name;
  ctx.gate = &gate;
  ctx.base_dir = std::filesystem::path(source_name).parent_path();

  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    ctx.error(e.mark.is_null() ? 1 : e.mark.line + 1, "invalid YAML: " + e.msg + ".");
    ctx.throw_all();
  }

  RunConfig cfg;
  cfg.source_file = source_name;
  const detail::Field top{"", "", root, std::max(1, detail::line_of(root, 1))};
  // Encoding first and alone: later messages would quote the broken bytes.
  detail::check_encoding(ctx, root, "", top.line);
  if (!ctx.messages.empty()) ctx.throw_all();
  if (!root.IsMap()) {
    ctx.error(top.line, "the config is " + detail::found(root) +
                            ", but must be a map with the keys " + quoted_list(kTopKeys) +
                            " (see config/REFERENCE.md).");
    ctx.throw_all();
  }
  detail::Section s(ctx, top, kTopKeys);

  if (const auto g = s.get("seed")) {
    if (g->node.IsScalar() && g->node.Scalar() == "auto") {
      cfg.seed.reset();
    } else {
      const auto v = g->node.IsScalar() ? detail::parse_count(g->node.Scalar()) : std::nullopt;
      if (v) {
        cfg.seed = *v;
      } else {
        detail::wrong_value(ctx, *g, "a whole number >= 0 or 'auto'");
      }
    }
  }
  if (const auto g = s.get("population_size")) {
    if (g->node.IsMap()) {
      detail::parse_adaptive_population(ctx, *g, cfg.population_size, cfg.adaptive_population);
    } else if (const auto v = detail::get_count(ctx, *g, 1)) {
      cfg.population_size = *v;
    }
  }

  // Models.
  std::vector<detail::ParsedModel> models;
  const auto models_field = s.get("models");
  const auto model_field = s.get("model");
  const auto parameters_field = s.get("parameters");
  if (models_field && (model_field || parameters_field)) {
    const detail::Field& other = model_field ? *model_field : *parameters_field;
    ctx.error(other.line, "'" + other.key + "' cannot be combined with 'models' (line " +
                              std::to_string(models_field->line) +
                              "): use 'models' for model selection, or 'parameters' and 'model' "
                              "for a single model.");
  } else if (models_field) {
    models = detail::parse_models_list(ctx, *models_field);
  } else if (model_field && parameters_field) {
    detail::ParsedModel pm = detail::parse_model_entry(ctx, *parameters_field, *model_field);
    pm.label = "model " + model_kind_text(pm.spec);
    models.push_back(std::move(pm));
  } else if (model_field) {
    ctx.error(model_field->line,
              "'model' is given but 'parameters' is missing; add e.g. parameters: {theta: " +
                  detail::prior_example() + "}.");
  } else if (parameters_field) {
    ctx.error(parameters_field->line,
              "'parameters' is given but 'model' is missing; add e.g. model: {builtin: "
              "gaussian_mean}.");
  } else {
    ctx.error(top.line,
              "no model: add 'parameters' and 'model' (one model), or 'models' (model "
              "selection).");
  }

  // Observed statistics, checked against every model that could be built.
  std::vector<detail::ObservedEntry> observed;
  bool observed_ok = false;
  if (const auto g = s.get("observed")) {
    observed_ok = detail::parse_observed(ctx, *g, observed);
  } else {
    ctx.error(top.line,
              "missing 'observed': give the observed statistics, e.g. observed: {y: "
              "0.5}, or observed: {file: obs.csv}.");
  }
  if (!observed.empty()) {  // the statistics that parsed, even if others did not
    for (const auto& m : models) {
      if (m.stats) detail::check_observed_against_model(ctx, observed, m.label, *m.stats);
    }
  }
  // A single value is a scalar statistic, as in flatten_stat_names ("x", not "x[0]").
  for (auto& o : observed) {
    if (o.stat.values.size() == 1) o.stat.is_array = false;
    cfg.observed.push_back(o.stat);
  }

  if (const auto g = s.get("distance")) {
    detail::parse_distance(ctx, *g, cfg.distance, observed_ok ? &observed : nullptr);
  }
  if (const auto g = s.get("epsilon")) detail::parse_epsilon(ctx, *g, cfg.epsilon);
  if (const auto g = s.get("transition")) detail::parse_transition(ctx, *g, cfg.transition);
  if (const auto g = s.get("stop")) detail::parse_stop(ctx, *g, cfg.stop);
  if (const auto g = s.get("sampler")) detail::parse_sampler(ctx, *g, cfg.sampler);
  if (const auto g = s.get("output")) detail::parse_output(ctx, *g, cfg.output);

  // Stochastic acceptance takes the trio pyABC does: a noise kernel, a temperature and (for
  // the schemes that reach 1 at the last generation) a finite number of generations.
  const bool kernel = is_noise_kernel(cfg.distance.type);
  const bool temperature = cfg.epsilon.type == EpsilonSpec::Type::temperature;
  if (kernel != temperature) {
    const auto g = s.get(kernel ? "distance" : "epsilon");
    ctx.error(g ? g->line : top.line,
              kernel ? "distance: a noise kernel accepts stochastically at a temperature; set "
                       "epsilon: {type: temperature}."
                     : "epsilon: a temperature needs a noise-kernel distance; set distance: "
                       "{type: normal_kernel, noise: ...} (or laplace_kernel).");
  }
  if (temperature && cfg.stop.max_generations == 0) {
    const auto g = s.get("stop");
    ctx.error(g ? g->line : top.line,
              "stop.max_generations: epsilon type 'temperature' needs it (the temperature "
              "reaches 1, exact inference, at the last generation); set e.g. "
              "stop.max_generations: 10.");
  }

  const StopSpec& stop = cfg.stop;
  if (stop.min_epsilon == 0.0 && stop.min_eps_diff == 0.0 && stop.max_generations == 0 &&
      stop.max_simulations == 0 && stop.max_walltime_seconds == 0.0 &&
      stop.min_acceptance_rate == 0.0 && cfg.epsilon.type != EpsilonSpec::Type::list) {
    const auto g = s.get("stop");
    ctx.error(g ? g->line : top.line,
              "stop: every stopping rule is off (0), so the run would never end; set e.g. "
              "stop.max_generations: 10.");
  }

  // Model prior probabilities, normalised (left alone when they already sum to 1, so that
  // to_yaml output reads back identically).
  double total = 0.0;
  for (const auto& m : models) total += m.spec.prior_probability;
  for (auto& m : models) {
    if (total > 0.0 && std::abs(total - 1.0) > 4.0 * std::numeric_limits<double>::epsilon()) {
      m.spec.prior_probability /= total;
    }
    cfg.models.push_back(std::move(m.spec));
  }

  if (ctx.messages.empty()) {  // only a config that is otherwise valid has an estimate
    const auto population = s.get("population_size");
    const auto epsilon = s.get("epsilon");
    int calibration_line = epsilon ? epsilon->line : top.line;
    if (epsilon && epsilon->node.IsMap()) {
      const YAML::Node size = epsilon->node["calibration_size"];
      if (size.IsDefined()) calibration_line = detail::line_of(size, calibration_line);
    }
    check_memory(ctx, cfg, population ? population->line : top.line, calibration_line);
    const auto transition = s.get("transition");
    check_dimension(ctx, cfg, transition ? transition->line : top.line);
  }
  if (!ctx.messages.empty()) ctx.throw_all();
  return cfg;
}

RunConfig load_config(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw ConfigErrors({path + ": cannot read config file: it is a directory"});
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw ConfigErrors({path + ": cannot read config file: " + std::strerror(errno)});
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    throw ConfigErrors({path + ": cannot read config file: read error"});
  }
  RunConfig cfg = parse_config(text.str(), path);
  cfg.source_file = path;
  return cfg;
}

}  // namespace abcsmc::io
