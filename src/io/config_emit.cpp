// RunConfig -> YAML: every key with its resolved value, in the order of config/REFERENCE.md.
// Numbers are written in the shortest form that reads back to the same double.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>
#include <vector>

#include "abcsmc/core/distribution.hpp"
#include "abcsmc/io/run_config.hpp"

namespace abcsmc::io {

namespace {

/// Shortest text that parses back to exactly `x` ("0.1", "2", "1e-300"); "inf" for infinity.
std::string number(double x) {
  if (std::isnan(x)) return ".nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, end);
}

const char* distance_type(DistanceSpec::Type t) {
  switch (t) {
    case DistanceSpec::Type::adaptive_pnorm:
      return "adaptive_pnorm";
    case DistanceSpec::Type::normal_kernel:
      return "normal_kernel";
    case DistanceSpec::Type::laplace_kernel:
      return "laplace_kernel";
    default:
      return "pnorm";
  }
}

const char* scheme_name(TemperatureScheme s) {
  switch (s) {
    case TemperatureScheme::acceptance_rate:
      return "acceptance_rate";
    case TemperatureScheme::exp_decay_fixed_ratio:
      return "exp_decay_fixed_ratio";
    case TemperatureScheme::polynomial_decay_fixed_iter:
      return "polynomial_decay_fixed_iter";
    case TemperatureScheme::friel_pettitt:
      return "friel_pettitt";
    case TemperatureScheme::ess:
      return "ess";
    default:
      return "exp_decay_fixed_iter";
  }
}

const char* distance_scale(DistanceSpec::Scale s) {
  return s == DistanceSpec::Scale::sd ? "sd" : "mad";
}

const char* epsilon_type(EpsilonSpec::Type t) {
  switch (t) {
    case EpsilonSpec::Type::list:
      return "list";
    case EpsilonSpec::Type::constant:
      return "constant";
    case EpsilonSpec::Type::temperature:
      return "temperature";
    default:
      return "quantile";
  }
}

const char* transition_type(TransitionSpec::Type t) {
  return t == TransitionSpec::Type::local ? "local" : "multivariate_normal";
}

const char* bandwidth_name(Bandwidth b) { return b == Bandwidth::scott ? "scott" : "silverman"; }

void emit_parameters(YAML::Emitter& out, const std::vector<ParameterSpec>& parameters) {
  out << YAML::BeginMap;
  for (const auto& p : parameters) {
    out << YAML::Key << p.name << YAML::Value << YAML::Flow << YAML::BeginMap;
    out << YAML::Key << "type" << YAML::Value << p.type;
    // Documentation order of the type's parameters (low before high), then any others.
    std::vector<std::string> order;
    for (const auto& info : distribution_types()) {
      if (info.type == p.type) order = info.parameters;
    }
    for (const auto& [name, value] : p.params) {
      if (std::find(order.begin(), order.end(), name) == order.end()) order.push_back(name);
    }
    for (const auto& name : order) {
      const auto it = p.params.find(name);
      if (it != p.params.end()) out << YAML::Key << name << YAML::Value << number(it->second);
    }
    out << YAML::EndMap;
  }
  out << YAML::EndMap;
}

void emit_delay(YAML::Emitter& out, const DelaySpec& d) {
  out << YAML::Flow << YAML::BeginMap << YAML::Key << "type" << YAML::Value << d.type;
  if (d.type == "constant") out << YAML::Key << "value" << YAML::Value << number(d.value);
  if (d.type == "exponential") out << YAML::Key << "mean" << YAML::Value << number(d.mean);
  if (d.type == "uniform") {
    out << YAML::Key << "low" << YAML::Value << number(d.low);
    out << YAML::Key << "high" << YAML::Value << number(d.high);
  }
  out << YAML::EndMap;
}

void emit_model(YAML::Emitter& out, const ModelSpec& m) {
  out << YAML::BeginMap;
  if (!m.plugin.empty()) {
    out << YAML::Key << "plugin" << YAML::Value << m.plugin;
  } else if (!m.command.empty()) {
    out << YAML::Key << "command" << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (const auto& arg : m.command) out << YAML::DoubleQuoted << arg;
    out << YAML::EndSeq;
  } else if (!m.persistent.empty()) {
    out << YAML::Key << "persistent" << YAML::Value << YAML::Flow << YAML::BeginSeq;
    for (const auto& arg : m.persistent) out << YAML::DoubleQuoted << arg;
    out << YAML::EndSeq;
  } else {
    out << YAML::Key << "builtin" << YAML::Value << m.builtin;
  }
  if (m.command.empty()) {
    out << YAML::Key << "options" << YAML::Value << YAML::Flow << YAML::BeginMap;
    for (const auto& [name, value] : m.options) {
      out << YAML::Key << name << YAML::Value;
      if (!value.text.empty() || !value.number) {
        out << value.text;
      } else {
        out << number(*value.number);
      }
    }
    out << YAML::EndMap;
  }
  if (!m.command.empty() || !m.persistent.empty()) {
    out << YAML::Key << "statistics" << YAML::Value << YAML::Flow << YAML::BeginMap;
    for (const auto& st : m.statistics) out << YAML::Key << st.name << YAML::Value << st.size;
    out << YAML::EndMap;
    out << YAML::Key << "timeout" << YAML::Value << number(m.timeout_seconds);
    out << YAML::Key << "kill_grace" << YAML::Value << number(m.kill_grace_seconds);
  }
  if (!m.persistent.empty()) {
    out << YAML::Key << "start_timeout" << YAML::Value << number(m.start_timeout_seconds);
    out << YAML::Key << "restarts" << YAML::Value << m.restarts;
    out << YAML::Key << "batch" << YAML::Value << m.batch;
  }
  out << YAML::Key << "on_failure" << YAML::Value
      << (m.on_failure == FailurePolicy::abort ? "abort" : "reject");
  out << YAML::Key << "delay" << YAML::Value;
  emit_delay(out, m.delay);
  out << YAML::EndMap;
}

}  // namespace

std::string to_yaml(const RunConfig& config) {
  YAML::Emitter out;
  out << YAML::BeginMap;

  out << YAML::Key << "seed" << YAML::Value;
  if (config.seed) {
    out << *config.seed;
  } else {
    out << "auto";
  }
  out << YAML::Key << "population_size" << YAML::Value;
  if (const AdaptivePopulationSpec& a = config.adaptive_population; a.enabled) {
    out << YAML::Flow << YAML::BeginMap;
    out << YAML::Key << "start" << YAML::Value << config.population_size;
    out << YAML::Key << "mean_cv" << YAML::Value << number(a.mean_cv);
    out << YAML::Key << "min" << YAML::Value << a.min;
    out << YAML::Key << "max" << YAML::Value << (a.max > 0 ? a.max : 10 * config.population_size);
    out << YAML::Key << "n_bootstrap" << YAML::Value << a.n_bootstrap;
    out << YAML::EndMap;
  } else {
    out << config.population_size;
  }

  const bool single = config.models.size() == 1 &&
                      config.models[0].name == default_model_name(config.models[0]) &&
                      config.models[0].prior_probability == 1.0;
  if (single) {
    const ModelSpec& m = config.models[0];
    out << YAML::Key << "parameters" << YAML::Value;
    emit_parameters(out, m.parameters);
    out << YAML::Key << "model" << YAML::Value;
    emit_model(out, m);
  } else {
    out << YAML::Key << "models" << YAML::Value << YAML::BeginSeq;
    for (const auto& m : config.models) {
      out << YAML::BeginMap;
      out << YAML::Key << "name" << YAML::Value << m.name;
      out << YAML::Key << "prior_probability" << YAML::Value << number(m.prior_probability);
      out << YAML::Key << "parameters" << YAML::Value;
      emit_parameters(out, m.parameters);
      out << YAML::Key << "model" << YAML::Value;
      emit_model(out, m);
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }

  out << YAML::Key << "observed" << YAML::Value << YAML::BeginMap;
  for (const auto& s : config.observed) {
    out << YAML::Key << s.name << YAML::Value;
    if (s.is_array || s.values.size() != 1) {
      out << YAML::Flow << YAML::BeginSeq;
      for (double v : s.values) out << number(v);
      out << YAML::EndSeq;
    } else {
      out << number(s.values[0]);
    }
  }
  out << YAML::EndMap;

  const DistanceSpec& d = config.distance;
  out << YAML::Key << "distance" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "type" << YAML::Value << distance_type(d.type);
  if (is_noise_kernel(d.type)) {
    out << YAML::Key << "noise" << YAML::Value;
    if (d.noise.empty()) {
      out << number(d.noise_all);
    } else {
      // Per statistic (parse takes a number or a map, never both).
      out << YAML::Flow << YAML::BeginMap;
      for (const auto& [name, v] : d.noise) out << YAML::Key << name << YAML::Value << number(v);
      out << YAML::EndMap;
    }
  } else {
    out << YAML::Key << "p" << YAML::Value << number(d.p);
    out << YAML::Key << "weights" << YAML::Value << YAML::Flow << YAML::BeginMap;
    for (const auto& [name, w] : d.weights) out << YAML::Key << name << YAML::Value << number(w);
    out << YAML::EndMap;
    out << YAML::Key << "scale" << YAML::Value << distance_scale(d.scale);
  }
  out << YAML::EndMap;

  const EpsilonSpec& e = config.epsilon;
  out << YAML::Key << "epsilon" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "type" << YAML::Value << epsilon_type(e.type);
  switch (e.type) {
    case EpsilonSpec::Type::quantile:
      out << YAML::Key << "alpha" << YAML::Value << number(e.alpha);
      out << YAML::Key << "weighted" << YAML::Value << (e.weighted ? "true" : "false");
      out << YAML::Key << "initial" << YAML::Value
          << (e.initial ? number(*e.initial) : std::string("from_sample"));
      out << YAML::Key << "calibration_size" << YAML::Value << e.calibration_size;
      break;
    case EpsilonSpec::Type::list:
      out << YAML::Key << "values" << YAML::Value << YAML::Flow << YAML::BeginSeq;
      for (double v : e.values) out << number(v);
      out << YAML::EndSeq;
      break;
    case EpsilonSpec::Type::constant:
      out << YAML::Key << "value" << YAML::Value << number(e.value);
      break;
    case EpsilonSpec::Type::temperature:
      out << YAML::Key << "schemes" << YAML::Value << YAML::Flow << YAML::BeginSeq;
      for (TemperatureScheme x : e.schemes) out << scheme_name(x);
      out << YAML::EndSeq;
      out << YAML::Key << "initial" << YAML::Value
          << (e.initial ? number(*e.initial) : std::string("from_sample"));
      out << YAML::Key << "calibration_size" << YAML::Value << e.calibration_size;
      out << YAML::Key << "target_rate" << YAML::Value << number(e.target_rate);
      out << YAML::Key << "ratio" << YAML::Value << number(e.decay_alpha);
      out << YAML::Key << "exponent" << YAML::Value << number(e.decay_exponent);
      out << YAML::Key << "target_relative_ess" << YAML::Value << number(e.target_relative_ess);
      break;
  }
  out << YAML::EndMap;

  const TransitionSpec& t = config.transition;
  out << YAML::Key << "transition" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "type" << YAML::Value << transition_type(t.type);
  out << YAML::Key << "bandwidth" << YAML::Value << bandwidth_name(t.bandwidth);
  out << YAML::Key << "scaling" << YAML::Value << number(t.scaling);
  out << YAML::Key << "k" << YAML::Value << t.k;
  out << YAML::Key << "k_fraction" << YAML::Value << number(t.k_fraction);
  out << YAML::Key << "discrete_steps" << YAML::Value << t.discrete_steps;
  out << YAML::Key << "model_stay_probability" << YAML::Value << number(t.model_stay_probability);
  out << YAML::Key << "defensive" << YAML::Value << number(t.defensive);
  out << YAML::EndMap;

  const StopSpec& st = config.stop;
  out << YAML::Key << "stop" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "min_epsilon" << YAML::Value << number(st.min_epsilon);
  out << YAML::Key << "min_eps_diff" << YAML::Value << number(st.min_eps_diff);
  out << YAML::Key << "max_generations" << YAML::Value << st.max_generations;
  out << YAML::Key << "max_simulations" << YAML::Value << st.max_simulations;
  out << YAML::Key << "max_walltime" << YAML::Value << number(st.max_walltime_seconds);
  out << YAML::Key << "min_acceptance_rate" << YAML::Value << number(st.min_acceptance_rate);
  out << YAML::Key << "fail_fast" << YAML::Value << st.fail_fast;
  out << YAML::EndMap;

  const SamplerSpec& sa = config.sampler;
  out << YAML::Key << "sampler" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "type" << YAML::Value << to_string(sa.type);
  out << YAML::Key << "scheduling" << YAML::Value << to_string(sa.scheduling);
  out << YAML::Key << "batch_size" << YAML::Value << sa.batch_size;
  out << YAML::Key << "threads" << YAML::Value << sa.threads;
  if (sa.type == SamplerType::redis) {
    out << YAML::Key << "host" << YAML::Value << sa.host;
    out << YAML::Key << "port" << YAML::Value << sa.port;
    out << YAML::Key << "password_env" << YAML::Value << sa.password_env;
    out << YAML::Key << "lease" << YAML::Value << number(sa.lease_seconds);
    out << YAML::Key << "reconnect_window" << YAML::Value << number(sa.reconnect_window_seconds);
    if (!sa.key_file.empty()) out << YAML::Key << "key_file" << YAML::Value << sa.key_file;
  }
  out << YAML::EndMap;

  out << YAML::Key << "output" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "path" << YAML::Value << config.output.path;
  out << YAML::Key << "store_stats" << YAML::Value
      << (config.output.store_stats ? "true" : "false");
  out << YAML::EndMap;

  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace abcsmc::io
