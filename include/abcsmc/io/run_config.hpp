#pragma once
/// The whole run as a plain value: what the YAML file says, with defaults filled in.
/// Defaults live in the member initialisers; config/REFERENCE.md documents each key.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "abcsmc/core/distance.hpp"
#include "abcsmc/core/epsilon.hpp"
#include "abcsmc/core/error.hpp"
#include "abcsmc/core/model.hpp"
#include "abcsmc/core/population_size.hpp"
#include "abcsmc/core/problem.hpp"
#include "abcsmc/core/sampling.hpp"
#include "abcsmc/core/stopping.hpp"
#include "abcsmc/core/transition.hpp"
#include "abcsmc/models/builtin.hpp"

namespace abcsmc::io {

/// One parameter and its prior, e.g. `theta: {type: normal, mean: 0, sd: 1}`.
struct ParameterSpec {
  std::string name;
  std::string type;
  std::map<std::string, double> params;
  int line = 0;  ///< 1-based line in the config file (0 = unknown)
};

/// One model (a run has one, or several for model selection). Exactly one of builtin, plugin,
/// command and persistent is set.
struct ModelSpec {
  std::string name;                     ///< display name; defaults to default_model_name()
  std::string builtin;                  ///< built-in model name
  std::string plugin;                   ///< plugin library (absolute path after loading)
  std::vector<std::string> command;     ///< external command: argv template (program absolute if
                                        ///< given with a '/')
  std::vector<std::string> persistent;  ///< persistent simulator: argv (no placeholders;
                                        ///< program absolute if given with a '/')
  std::vector<StatSpec> statistics;     ///< command, persistent: the statistics it gives, in order
  double timeout_seconds = 0.0;         ///< command, persistent: per-simulation limit (0 = none)
  double kill_grace_seconds = 1.0;      ///< command, persistent: SIGKILL this long after SIGTERM
  double start_timeout_seconds = 30.0;  ///< persistent: start to the child's ready line
  std::size_t restarts = 100;           ///< persistent: children replaced after faults, at most
  std::size_t batch = 1;                ///< persistent: most candidates per request (1: none)
  /// The model the parser built to check it (build_model), kept so that build_problem does not
  /// build it again: a persistent simulator's first child is started once, not twice. Null
  /// for specs made in code; then build_problem builds the model.
  std::shared_ptr<const Model> built;
  FailurePolicy on_failure = FailurePolicy::reject;
  ModelOptions options;  ///< builtin, plugin and persistent options
  DelaySpec delay;
  double prior_probability = 1.0;  ///< normalised over models after loading
  std::vector<ParameterSpec> parameters;
  int line = 0;
};

/// One observed statistic (scalar or array), in file order.
struct ObservedStat {
  std::string name;
  std::vector<double> values;
  bool is_array = false;
};

/// `sampler.type`.
enum class SamplerType { automatic, single, threads, mpi, redis };
/// The config's word for `type`: auto, single, threads, mpi, redis.
std::string to_string(SamplerType type);
/// The type named `word` (as in the config and --sampler), or nothing.
std::optional<SamplerType> sampler_type_from(const std::string& word);
/// The config's word for `scheduling`: dynamic, static.
std::string to_string(Scheduling scheduling);
/// The scheduling named `word` (as in the config and --scheduling), or nothing.
std::optional<Scheduling> scheduling_from(const std::string& word);

/// A sampler type equals its config word (`spec.type == "redis"`).
inline bool operator==(SamplerType type, std::string_view word) { return to_string(type) == word; }

/// `sampler:` section. CLI flags override it.
struct SamplerSpec {
  SamplerType type = SamplerType::automatic;
  Scheduling scheduling = Scheduling::dynamic;
  std::size_t batch_size = 0;  ///< evaluations per claim; 0 = automatic
  std::size_t threads = 0;     ///< 0 = all cores
  // redis only (the master's side; workers take their own from their command line)
  std::string host = "127.0.0.1";  ///< Redis server
  int port = 6379;
  std::string password_env = "ABCSMC_REDIS_PASSWORD";  ///< environment variable with the password
  double lease_seconds = 30.0;  ///< a worker's claim expires this long after its last renewal
  double reconnect_window_seconds = 300.0;  ///< a lost server is waited for this long, then exit 3
  std::string key_file;                     ///< shared key of an authenticated run; empty = none
};

/// `output:` section.
struct OutputSpec {
  std::string path = "abcsmc_results.h5";
  bool store_stats = true;  ///< write each particle's summary statistics
};

struct RunConfig {
  std::string source_file;             ///< where it was read from (for messages)
  std::optional<std::uint64_t> seed;   ///< empty = "auto" (resolved by the CLI and recorded)
  std::size_t population_size = 1000;  ///< the fixed size, or the first one when adaptive
  AdaptivePopulationSpec adaptive_population;  ///< `population_size: {start: N, ...}`
  std::vector<ModelSpec> models;
  std::vector<ObservedStat> observed;
  DistanceSpec distance;
  EpsilonSpec epsilon;
  TransitionSpec transition;
  StopSpec stop;
  SamplerSpec sampler;
  OutputSpec output;
  /// "file:line: ..." notes about a valid config that may still go wrong (e.g. the estimated
  /// memory is more than half of the machine's); callers print them. Not part of to_yaml.
  std::vector<std::string> warnings;
};

/// The name a model gets when the config gives none: the builtin name, the plugin file's stem
/// ("libsim.so" -> "libsim"), or the command's program file name.
std::string default_model_name(const ModelSpec& spec);

/// "builtin gaussian_mean", "plugin /x/libsim.so" or "command /x/sim.sh", for messages.
std::string model_kind_text(const ModelSpec& spec);

/// All problems found in a config file, each "file:line: message".
class ConfigErrors : public ConfigError {
 public:
  explicit ConfigErrors(std::vector<std::string> messages);
  const std::vector<std::string>& messages() const { return messages_; }

 private:
  std::vector<std::string> messages_;
};

/// Reads and validates a config file.
/// @throws ConfigErrors listing every problem (unknown keys with "did you mean", wrong types,
///         bad values, observed names the model does not produce, unreadable file).
RunConfig load_config(const std::string& path);

/// Same from text; `source_name` is used in messages in place of a file name.
RunConfig parse_config(const std::string& yaml_text, const std::string& source_name);

/// Called for each model of a config right before parse_config builds it to validate it, which
/// loads a plugin (running its constructors) or looks up a command's program. A process that
/// did not choose the config (a Redis worker) refuses models here by throwing: the exception
/// leaves parse_config as it is, and nothing of that model has run. `where` is the model's key
/// path ("model", "models[1].model"). The gate may rewrite the spec, e.g. the plugin path to
/// the resolved one it checked, so that exactly that file is loaded.
using ModelGate = std::function<void(ModelSpec& spec, const std::string& where)>;

/// parse_config with every model passed through `gate` before it is built.
RunConfig parse_config(const std::string& yaml_text, const std::string& source_name,
                       const ModelGate& gate);

/// The resolved config as YAML (every key, defaults filled in), parseable by parse_config.
std::string to_yaml(const RunConfig& config);

}  // namespace abcsmc::io

namespace abcsmc {
/// A scheduling equals its config word (`spec.scheduling == "static"`).
inline bool operator==(Scheduling scheduling, std::string_view word) {
  return io::to_string(scheduling) == word;
}
}  // namespace abcsmc
