#pragma once
/// The worker side's problem factory (core/sampling.hpp ProblemFactory) built from io's config
/// parser and builder, and the consent gate of workers that run configs they did not choose
/// (Redis workers: --allow-commands, --allow-plugins, --allow-plugin-dir).
#include <optional>
#include <string>
#include <vector>

#include "abcsmc/core/sampling.hpp"
#include "abcsmc/io/run_config.hpp"

namespace abcsmc::io {

/// What a worker consents to run of a config it found on a server. Builtins always run
/// (abcsmc's own code).
struct ModelConsent {
  bool allow_commands = false;  ///< external-command models
  bool allow_plugins = false;   ///< every plugin
  /// Plugins whose resolved path (symlinks followed) lies under one of these directories
  /// (absolute, resolved: see resolve_plugin_dir).
  std::vector<std::string> allow_plugin_dirs;
};

/// Why a worker with `consent` may not run `spec` (a model of a config it did not choose), or
/// nothing when it may. A plugin allowed by its directory gets its resolved path, so the file
/// that was checked is the file dlopen loads. `where` names the model.
std::optional<std::string> consent_refusal(ModelSpec& spec, const std::string& where,
                                           const ModelConsent& consent);

/// `dir` resolved (realpath) for ModelConsent::allow_plugin_dirs.
/// @throws ConfigError when it does not exist or is not a directory.
std::string resolve_plugin_dir(const std::string& dir);

/// Builds a worker's problem with parse_config, build_problem and build_settings (seed: the
/// config's). With `consent`, every model (model selection's included) passes consent_refusal
/// before it is built, i.e. before a plugin is loaded: a refusal throws ConsentRefusal. Without
/// it, every model runs (MPI ranks run the config their own job's rank 0 read).
/// Parse errors: ConfigTextError with the messages "; "-joined.
ProblemFactory worker_problem_factory(std::optional<ModelConsent> consent = std::nullopt);

}  // namespace abcsmc::io
