#include "abcsmc/io/worker_problem.hpp"

#include <limits.h>
#include <stdlib.h>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "abcsmc/core/error.hpp"
#include "abcsmc/io/build.hpp"

namespace abcsmc::io {

namespace {

/// True when `path` lies strictly under directory `dir` (both absolute and resolved).
bool lies_under_dir(const std::string& path, const std::string& dir) {
  if (dir == "/") return path.size() > 1 && path.front() == '/';
  return path.size() > dir.size() + 1 && path.compare(0, dir.size(), dir) == 0 &&
         path[dir.size()] == '/';
}

}  // namespace

std::optional<std::string> consent_refusal(ModelSpec& spec, const std::string& where,
                                           const ModelConsent& consent) {
  if (!spec.command.empty()) {
    if (consent.allow_commands) return std::nullopt;
    return where + " runs an external command (" + spec.command.front() +
           "); start the worker with --allow-commands to run it";
  }
  if (!spec.persistent.empty()) {
    // A persistent simulator is a program the server names, as a command is: the same consent.
    if (consent.allow_commands) return std::nullopt;
    return where + " runs a persistent simulator (" + spec.persistent.front() +
           "); start the worker with --allow-commands to run it";
  }
  if (spec.plugin.empty() || consent.allow_plugins) return std::nullopt;
  const std::string what = where + " loads the plugin " + spec.plugin;
  if (consent.allow_plugin_dirs.empty()) {
    return what +
           ", and this worker loads no plugin named by the server; start it with "
           "--allow-plugins, or with --allow-plugin-dir DIR for the directory that holds it";
  }
  std::string dirs;
  for (const auto& d : consent.allow_plugin_dirs) dirs += (dirs.empty() ? "" : ", ") + d;
  const std::string only = "this worker loads only plugins under --allow-plugin-dir " + dirs;
  if (spec.plugin.front() != '/') return what + ", which is not an absolute path; " + only;
  char* real = ::realpath(spec.plugin.c_str(), nullptr);
  if (real == nullptr) {
    const int error = errno;
    return what + ", which cannot be resolved here (" + std::strerror(error) + "); " + only;
  }
  const std::string resolved(real);
  std::free(real);
  for (const auto& d : consent.allow_plugin_dirs) {
    if (lies_under_dir(resolved, d)) {
      spec.plugin = resolved;
      return std::nullopt;
    }
  }
  return what + (resolved != spec.plugin ? " (resolved: " + resolved + ")" : std::string()) +
         ", which is not under an allowed directory; " + only;
}

std::string resolve_plugin_dir(const std::string& dir) {
  char* real = ::realpath(dir.c_str(), nullptr);
  if (real == nullptr) {
    const int error = errno;
    throw ConfigError("--allow-plugin-dir " + dir + ": " + std::strerror(error));
  }
  const std::string resolved(real);
  std::free(real);
  std::error_code ec;
  if (!std::filesystem::is_directory(resolved, ec)) {
    throw ConfigError("--allow-plugin-dir " + dir + ": not a directory");
  }
  return resolved;
}

ProblemFactory worker_problem_factory(std::optional<ModelConsent> consent) {
  return [consent](const std::string& config_text, const std::string& source_name) {
    RunConfig config;
    try {
      if (consent) {
        // Consent first: parse_config builds each model to validate it (dlopen runs a plugin's
        // constructors), so every model, model selection's included, passes the gate before.
        const ModelGate gate = [&consent](ModelSpec& m, const std::string& where) {
          if (const auto why = consent_refusal(m, where, *consent)) throw ConsentRefusal(*why);
        };
        config = parse_config(config_text, source_name, gate);
      } else {
        config = parse_config(config_text, source_name);
      }
    } catch (const ConfigErrors& e) {
      std::string all;
      for (const auto& m : e.messages()) all += (all.empty() ? "" : "; ") + m;
      throw ConfigTextError(all);
    }
    if (consent) {
      for (auto& m : config.models) {  // and once more on what build_problem will load
        if (const auto why = consent_refusal(m, "model '" + m.name + "'", *consent))
          throw ConsentRefusal(*why);
      }
    }
    WorkerProblem built;
    built.problem = build_problem(config);
    const SmcSettings settings = build_settings(config, *built.problem, config.seed.value_or(0));
    built.settings = ContextSettings{settings.distance, settings.transition};
    return built;
  };
}

}  // namespace abcsmc::io
