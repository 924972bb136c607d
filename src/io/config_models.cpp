// `model:` (a builtin, a plugin, a command or a persistent simulator, with its options,
// statistics, limits and delay)
// and `models:` (model selection). Each model is built to validate it.
#include <algorithm>
#include <exception>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include "abcsmc/core/model.hpp"
#include "abcsmc/core/suggest.hpp"
#include "abcsmc/core/value_range.hpp"
#include "abcsmc/io/build.hpp"
#include "abcsmc/io/run_config.hpp"
#include "abcsmc/models/builtin.hpp"
#include "config_sections.hpp"
#include "yaml_walk.hpp"

namespace abcsmc::io::detail {

namespace {

std::vector<std::string> builtin_names() {
  std::vector<std::string> names;
  for (const auto& m : builtin_models()) names.push_back(m.name);
  return names;
}

const std::vector<std::string> kDelayTypes{"none", "constant", "exponential", "uniform"};

/// `delay:`; returns false when it has problems.
bool parse_delay(Ctx& ctx, const Field& f, DelaySpec& delay) {
  if (!require_map(ctx, f, "{type: exponential, mean: 0.005}")) return false;
  const std::size_t before = ctx.count();
  Section s(ctx, f, {"type", "value", "mean", "low", "high"});
  if (const auto t = s.get("type")) {
    if (const auto v = get_choice(ctx, *t, kDelayTypes)) delay.type = *v;
  } else {
    ctx.error(f.line,
              name_of(f.path) + " has no 'type'; add one of " + quoted_list(kDelayTypes) + ".");
  }
  if (ctx.count() != before) return false;
  const std::map<std::string, std::vector<std::string>> keys{{"none", {}},
                                                             {"constant", {"value"}},
                                                             {"exponential", {"mean"}},
                                                             {"uniform", {"low", "high"}}};
  const auto& needed = keys.at(delay.type);
  for (const auto& g : s.fields()) {
    if (g.key == "type") continue;
    if (std::find(needed.begin(), needed.end(), g.key) == needed.end()) {
      ctx.error(g.line, g.path + " does not apply to delay type '" + delay.type + "'" +
                            (needed.empty() ? std::string(", which takes no values")
                                            : " (it takes " + quoted_list(needed) + ")") +
                            "; remove it or change the type.");
      continue;
    }
    NumberRule rule = non_negative();
    const auto v = get_number(ctx, g, rule);
    if (!v) continue;
    if (g.key == "value") delay.value = *v;
    if (g.key == "mean") delay.mean = *v;
    if (g.key == "low") delay.low = *v;
    if (g.key == "high") delay.high = *v;
  }
  for (const auto& k : needed) {
    if (!s.has(k)) {
      ctx.error(f.line,
                name_of(f.path) + " of type '" + delay.type + "' has no '" + k + "' (seconds).");
    }
  }
  if (ctx.count() == before && delay.type == "uniform" && delay.low > delay.high) {
    ctx.error(f.line, name_of(f.path) + ": low (" + number_text(delay.low) + ") must be <= high (" +
                          number_text(delay.high) + ").");
  }
  return ctx.count() == before;
}

const std::vector<std::string> kModelKinds{"builtin", "plugin", "command", "persistent"};
const std::vector<std::string> kFailurePolicies{"reject", "abort"};

/// A path from the config: relative ones are relative to the config file's directory.
std::string config_relative_path(const Ctx& ctx, const std::string& path) {
  std::filesystem::path p(path);
  if (p.is_absolute()) return p.lexically_normal().string();
  std::error_code ec;
  auto full = std::filesystem::absolute(ctx.base_dir / p, ec);
  if (ec) return path;
  return full.lexically_normal().string();
}

/// `statistics:` of a command model: [y, z] (each of size 1) or {y: 1, x: 3}.
void parse_command_statistics(Ctx& ctx, const Field& f, std::vector<StatSpec>& out) {
  const std::string expected =
      "a list of names, e.g. [y, z], or a map name -> size, e.g. {y: 1, x: 3}";
  std::vector<std::string> seen;
  const auto add = [&](const std::string& name, std::size_t size, int line) {
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
      ctx.error(line, f.path + ": '" + name + "' is listed twice.");
      return;
    }
    seen.push_back(name);
    out.push_back(StatSpec{name, size});
  };
  if (f.node.IsSequence() && f.node.size() > 0) {
    for (const auto& item : f.node) {
      if (!item.IsScalar() || item.Scalar().empty()) {
        ctx.error(line_of(item, f.line),
                  f.path + " has " + found(item) + ", but must be " + expected + ".");
        continue;
      }
      add(item.Scalar(), 1, line_of(item, f.line));
    }
  } else if (f.node.IsMap() && f.node.size() > 0) {
    for (const auto& g : map_fields(ctx, f)) {
      if (const auto n = get_count(ctx, g, 1, 1000000000)) add(g.key, *n, g.line);
    }
  } else {
    wrong_value(ctx, f, expected);
  }
}

/// `command:` (or `persistent:`) as a list of arguments, or one string split at blanks.
std::vector<std::string> parse_command(Ctx& ctx, const Field& f) {
  std::vector<std::string> argv;
  const std::string expected =
      f.key == "persistent"
          ? std::string("a list: the program and its arguments, e.g. [python3, sim.py]")
          : std::string(
                "a list: the program and its arguments, e.g. [./sim.sh, '{theta}', "
                "'{seed}']");
  if (f.node.IsScalar()) {
    std::istringstream in(f.node.Scalar());
    std::string word;
    while (in >> word) argv.push_back(word);
  } else if (f.node.IsSequence()) {
    for (const auto& item : f.node) {
      if (!item.IsScalar()) {
        ctx.error(line_of(item, f.line),
                  f.path + " has " + found(item) + ", but must be " + expected + ".");
        return {};
      }
      argv.push_back(item.Scalar());
    }
  }
  if (argv.empty() || argv.front().empty()) {
    wrong_value(ctx, f, expected);
    return {};
  }
  if (argv.front().find('/') != std::string::npos) {
    argv.front() = config_relative_path(ctx, argv.front());
  }
  return argv;
}

/// `model:` of one ModelSpec. Builds the model to validate it; returns its statistics.
std::optional<std::vector<StatSpec>> parse_model(Ctx& ctx, const Field& f, ModelSpec& spec,
                                                 const std::vector<std::string>& parameter_names) {
  const std::string example = "{builtin: gaussian_mean, options: {n: 10, sigma: 1}}";
  if (!require_map(ctx, f, example)) return std::nullopt;
  const std::size_t before = ctx.count();
  const Section s(ctx, f,
                  {"builtin", "plugin", "command", "persistent", "options", "statistics", "timeout",
                   "kill_grace", "start_timeout", "restarts", "batch", "on_failure", "delay"});
  const auto get = [&](const std::string& key) { return s.get(key); };

  std::vector<Field> kinds;
  for (const auto& k : kModelKinds) {
    if (const auto g = get(k)) kinds.push_back(*g);
  }
  if (kinds.empty()) {
    ctx.error(
        f.line,
        name_of(f.path) +
            " has no 'builtin', 'plugin', 'command' or 'persistent'; add e.g. builtin: one of " +
            quoted_list(builtin_names()) + " (see `abcsmc models`).");
  }
  for (std::size_t i = 1; i < kinds.size(); ++i) {
    ctx.error(
        kinds[i].line,
        "'" + kinds[i].key + "' cannot be combined with '" + kinds[0].key + "' (line " +
            std::to_string(kinds[0].line) +
            "): a model is one builtin, one plugin, one command or one persistent simulator.");
  }
  const std::string kind = kinds.size() == 1 ? kinds[0].key : "";

  const BuiltinModelInfo* info = nullptr;
  if (kind == "builtin") {
    if (const auto name = get_choice(ctx, kinds[0], builtin_names())) {
      spec.builtin = *name;
      for (const auto& m : builtin_models()) {
        if (m.name == *name) info = &m;
      }
    }
  } else if (kind == "plugin") {
    if (const auto path =
            get_string(ctx, kinds[0], "the path of a plugin library, e.g. libsim.so")) {
      spec.plugin = config_relative_path(ctx, *path);
    }
  } else if (kind == "command") {
    spec.command = parse_command(ctx, kinds[0]);
  } else if (kind == "persistent") {
    spec.persistent = parse_command(ctx, kinds[0]);
  }

  if (const auto o = get("options"); o && !o->node.IsNull()) {
    if (kind == "command") {
      ctx.error(o->line, o->path +
                             " does not apply to a command model; put values in the "
                             "command's arguments instead.");
    } else if (require_map(ctx, *o, "{n: 10, sigma: 1}")) {
      std::vector<std::string> option_names;
      if (info != nullptr) {
        for (const auto& oi : info->options) option_names.push_back(oi.name);
      }
      for (const auto& g : map_fields(ctx, *o)) {
        if (info != nullptr &&
            std::find(option_names.begin(), option_names.end(), g.key) == option_names.end()) {
          std::string hint = did_you_mean(g.key, option_names);
          hint += option_names.empty()
                      ? " Model " + info->name + " takes no options."
                      : " Options of " + info->name + ": " + quoted_list(option_names) + ".";
          ctx.error(g.line, "unknown key '" + g.key + "' " + where(o->path) + "." + hint);
          continue;
        }
        if (!g.node.IsScalar()) {
          wrong_value(ctx, g, "a number or a word");
          continue;
        }
        OptionValue value;
        value.text = g.node.Scalar();
        value.number = parse_double(value.text, true);
        spec.options[g.key] = value;
      }
    }
  }
  const bool runs_program = kind == "command" || kind == "persistent";
  const auto command_only = [&](const Field& g) {
    if (runs_program || kind.empty()) return true;
    ctx.error(g.line, g.path + " applies only to command and persistent models" +
                          (kind == "plugin" ? std::string(" (a plugin names its statistics itself)")
                                            : std::string(" (a builtin has fixed statistics)")) +
                          "; remove it.");
    return false;
  };
  if (const auto g = get("statistics")) {
    if (command_only(*g)) parse_command_statistics(ctx, *g, spec.statistics);
  } else if (runs_program) {
    ctx.error(f.line, name_of(f.path) + " runs " +
                          (kind == "command" ? "a command" : "a persistent simulator") +
                          " but has no 'statistics'; list the names it gives, e.g. "
                          "statistics: [y].");
  }
  const auto persistent_only = [&](const Field& g) {
    if (kind == "persistent" || kind.empty()) return true;
    ctx.error(g.line, g.path + " applies only to persistent models; remove it.");
    return false;
  };
  if (const auto g = get("start_timeout")) {
    if (persistent_only(*g)) {
      if (const auto v = get_duration(ctx, *g)) spec.start_timeout_seconds = *v;
    }
  }
  if (const auto g = get("restarts")) {
    if (persistent_only(*g)) {
      if (const auto v = get_count(ctx, *g, 0, 1000000000)) {
        spec.restarts = static_cast<std::size_t>(*v);
      }
    }
  }
  if (const auto g = get("batch")) {
    if (persistent_only(*g)) {
      if (const auto v = get_count(ctx, *g, 1, 65536)) spec.batch = static_cast<std::size_t>(*v);
    }
  }
  if (const auto g = get("timeout")) {
    if (command_only(*g)) {
      if (const auto v = get_duration(ctx, *g)) spec.timeout_seconds = *v;
    }
  }
  if (const auto g = get("kill_grace")) {
    if (command_only(*g)) {
      if (const auto v = get_duration(ctx, *g)) spec.kill_grace_seconds = *v;
    }
  }
  if (const auto g = get("on_failure")) {
    if (const auto v = get_choice(ctx, *g, kFailurePolicies)) {
      spec.on_failure = *v == "abort" ? FailurePolicy::abort : FailurePolicy::reject;
    }
  }
  bool delay_ok = true;
  if (const auto d = get("delay"); d && !d->node.IsNull())
    delay_ok = parse_delay(ctx, *d, spec.delay);
  if (ctx.count() != before || kind.empty() || (kind == "builtin" && info == nullptr)) {
    return std::nullopt;
  }
  if (!delay_ok) spec.delay = DelaySpec{};

  // Build it: loads plugins (ABI check, options), finds programs, checks placeholders; first
  // the caller's consent (a refusal propagates: nothing of this model runs).
  if (ctx.gate != nullptr && *ctx.gate) (*ctx.gate)(spec, name_of(f.path));
  std::unique_ptr<Model> model;
  try {
    model = build_model(spec, parameter_names);
  } catch (const std::exception& e) {
    ctx.error(kinds[0].line, name_of(f.path) + ": " + e.what());
    return std::nullopt;
  }
  if (!model) return std::nullopt;
  std::vector<StatSpec> statistics = model->statistics();
  spec.built = std::move(model);
  return statistics;
}

}  // namespace

ParsedModel parse_model_entry(Ctx& ctx, const Field& parameters, const Field& model) {
  ParsedModel out;
  std::vector<std::string> names;
  out.spec.parameters = parse_parameters(ctx, parameters, names);
  out.spec.line = model.line;
  out.stats = parse_model(ctx, model, out.spec, names);
  out.spec.name = default_model_name(out.spec);
  return out;
}

std::vector<ParsedModel> parse_models_list(Ctx& ctx, const Field& f) {
  std::vector<ParsedModel> out;
  if (!f.node.IsSequence()) {
    wrong_value(ctx, f, "a list of models, each {name, prior_probability, parameters, model}");
    return out;
  }
  if (f.node.size() == 0) {
    ctx.error(f.line, "models is an empty list; give at least one model.");
    return out;
  }
  std::map<std::string, std::size_t> names;
  std::size_t i = 0;
  for (const auto& item : f.node) {
    const std::string path = "models[" + std::to_string(i) + "]";
    const Field self{path, path, item, line_of(item, f.line)};
    ++i;
    if (!require_map(ctx, self,
                     "{name: m0, parameters: {x: {type: normal, mean: 0, sd: 1}}, model: "
                     "{builtin: gaussian_mean}}")) {
      continue;
    }
    Section s(ctx, self, {"name", "prior_probability", "parameters", "model"});
    ParsedModel pm;
    std::string name;
    if (const auto g = s.get("name")) {
      if (const auto v = get_string(ctx, *g, "a model name, e.g. m0")) {
        name = *v;
        const auto [it, fresh] = names.emplace(name, i - 1);
        if (!fresh) {
          ctx.error(g->line, g->path + " is '" + name + "', which models[" +
                                 std::to_string(it->second) +
                                 "] already uses; model names must be unique.");
        }
      }
    } else {
      ctx.error(self.line, path + " has no 'name'; add e.g. name: m" + std::to_string(i - 1) + ".");
    }
    double probability = 1.0;
    if (const auto g = s.get("prior_probability")) {
      if (const auto v = get_number(ctx, *g, positive())) probability = *v;
    }
    const auto parameters = s.get("parameters");
    const auto model = s.get("model");
    if (!parameters) {
      ctx.error(self.line,
                path + " has no 'parameters'; add e.g. parameters: {x: " + prior_example() + "}.");
    }
    if (!model) {
      ctx.error(self.line, path + " has no 'model'; add e.g. model: {builtin: gaussian_mean}.");
    }
    if (parameters && model) {
      pm = parse_model_entry(ctx, *parameters, *model);
    }
    pm.spec.name = name;
    pm.spec.prior_probability = probability;
    pm.spec.line = self.line;
    pm.label = "model '" + name + "' (" + model_kind_text(pm.spec) + ")";
    out.push_back(std::move(pm));
  }
  return out;
}

}  // namespace abcsmc::io::detail
