#include "abcsmc/io/build.hpp"

#include <chrono>
#include <ctime>
#include <filesystem>
#include <utility>

#include "abcsmc/core/error.hpp"
#include "abcsmc/core/serialised_model.hpp"
#include "abcsmc/models/external_command.hpp"
#include "abcsmc/models/persistent_model.hpp"
#include "abcsmc/models/plugin.hpp"

namespace abcsmc::io {

std::string default_model_name(const ModelSpec& spec) {
  if (!spec.plugin.empty()) return std::filesystem::path(spec.plugin).stem().string();
  if (!spec.command.empty()) return std::filesystem::path(spec.command.front()).filename().string();
  if (!spec.persistent.empty()) {
    return std::filesystem::path(spec.persistent.front()).filename().string();
  }
  return spec.builtin;
}

std::string model_kind_text(const ModelSpec& spec) {
  if (!spec.plugin.empty()) return "plugin " + spec.plugin;
  if (!spec.command.empty()) return "command " + spec.command.front();
  if (!spec.persistent.empty()) return "persistent " + spec.persistent.front();
  return spec.builtin;
}

std::unique_ptr<Model> build_model(const ModelSpec& spec,
                                   const std::vector<std::string>& parameter_names) {
  std::unique_ptr<Model> model;
  if (!spec.plugin.empty()) {
    model = std::make_unique<PluginModel>(spec.plugin, spec.options, parameter_names);
  } else if (!spec.command.empty()) {
    CommandSpec command;
    command.argv = spec.command;
    command.statistics = spec.statistics;
    command.timeout_seconds = spec.timeout_seconds;
    command.kill_grace_seconds = spec.kill_grace_seconds;
    model = std::make_unique<ExternalCommandModel>(std::move(command), parameter_names);
  } else if (!spec.persistent.empty()) {
    PersistentSpec persistent;
    persistent.argv = spec.persistent;
    persistent.statistics = spec.statistics;
    for (const auto& [key, value] : spec.options) persistent.options.emplace_back(key, value.text);
    persistent.timeout_seconds = spec.timeout_seconds;
    persistent.start_timeout_seconds = spec.start_timeout_seconds;
    persistent.kill_grace_seconds = spec.kill_grace_seconds;
    persistent.restarts = spec.restarts;
    persistent.batch = spec.batch;
    model = std::make_unique<PersistentModel>(std::move(persistent), parameter_names);
  } else {
    model = make_builtin_model(spec.builtin, spec.options, parameter_names);
  }
  // A model that is not thread-safe gets a lock around it (samplers call models from several
  // threads), inside the delay: the artificial sleep still overlaps between threads.
  if (!model->thread_safe()) model = std::make_unique<SerialisedModel>(std::move(model));
  return with_delay(std::move(model), spec.delay);
}

std::shared_ptr<Problem> build_problem(const RunConfig& config) {
  auto problem = std::make_shared<Problem>();
  for (const auto& spec : config.models) {
    ModelEntry entry;
    entry.name = spec.name;
    entry.prior_probability = spec.prior_probability;
    std::vector<std::string> names;
    for (const auto& p : spec.parameters) {
      entry.prior.add(p.name,
                      std::shared_ptr<const Distribution>(make_distribution(p.type, p.params)));
      names.push_back(p.name);
    }
    entry.model = spec.built ? spec.built : build_model(spec, names);
    entry.on_failure = spec.on_failure;
    problem->models.push_back(std::move(entry));
  }
  for (const auto& obs : config.observed) {
    if (!obs.is_array) {
      problem->stat_names.push_back(obs.name);
    } else {
      for (std::size_t i = 0; i < obs.values.size(); ++i) {
        problem->stat_names.push_back(obs.name + "[" + std::to_string(i) + "]");
      }
    }
  }
  problem->observed.resize(static_cast<Eigen::Index>(problem->stat_names.size()));
  Eigen::Index k = 0;
  for (const auto& obs : config.observed) {
    for (double v : obs.values) problem->observed[k++] = v;
  }
  problem->bind_statistics();
  return problem;
}

Vector distance_weights(const DistanceSpec& spec, const std::vector<ObservedStat>& observed) {
  // Noise kernels weigh each statistic by 1 / its noise; the others by their weights (1 unless
  // named). Either way an element's own key ("x[1]") wins over the array's ("x").
  const bool kernel = is_noise_kernel(spec.type);
  const std::map<std::string, double>& by_name = kernel ? spec.noise : spec.weights;
  const double fallback = kernel ? spec.noise_all : 1.0;
  std::size_t total = 0;
  for (const auto& o : observed) total += o.values.size();
  Vector w(static_cast<Eigen::Index>(total));
  Eigen::Index k = 0;
  for (const auto& o : observed) {
    const auto whole = by_name.find(o.name);
    for (std::size_t i = 0; i < o.values.size(); ++i, ++k) {
      const std::string element =
          o.values.size() == 1 ? o.name : o.name + "[" + std::to_string(i) + "]";
      double v = fallback;
      if (const auto it = by_name.find(element); it != by_name.end()) {
        v = it->second;
      } else if (whole != by_name.end()) {
        v = whole->second;
      }
      if (kernel && !(v > 0.0)) {
        throw ConfigError("distance.noise: statistic '" + element +
                          "' has no noise level (give noise: <number> for all, or one per "
                          "statistic)");
      }
      w[k] = kernel ? 1.0 / v : v;
    }
  }
  return w;
}

SmcSettings build_settings(const RunConfig& config, const Problem& problem, std::uint64_t seed) {
  SmcSettings s;
  s.seed = seed;
  s.population_size = config.population_size;
  s.adaptive_population = config.adaptive_population;
  if (s.adaptive_population.enabled && s.adaptive_population.max == 0) {
    s.adaptive_population.max = 10 * config.population_size;
  }
  s.distance = config.distance;
  s.distance_weights = distance_weights(config.distance, config.observed);
  if (static_cast<std::size_t>(s.distance_weights.size()) != problem.stat_names.size()) {
    throw ConfigError("distance: " + std::to_string(s.distance_weights.size()) + " weights for " +
                      std::to_string(problem.stat_names.size()) + " observed statistics");
  }
  s.epsilon = config.epsilon;
  s.transition = config.transition;
  s.stop = config.stop;
  s.store_stats = config.output.store_stats;
  return s;
}

RunHeader build_header(const RunConfig& config, const Problem& problem, std::uint64_t seed) {
  RunHeader h;
  h.software_version = ABCSMC_VERSION_STRING;
  h.seed = seed;
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  h.created = buf;
  RunConfig resolved = config;
  resolved.seed = seed;
  h.config_yaml = to_yaml(resolved);
  h.population_size = config.population_size;
  for (const auto& m : problem.models) {
    h.model_names.push_back(m.name);
    h.model_prior_probabilities.push_back(m.prior_probability);
    h.model_parameter_names.push_back(m.prior.names());
  }
  h.stat_names = problem.stat_names;
  h.observed = problem.observed;
  return h;
}

}  // namespace abcsmc::io
