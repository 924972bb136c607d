// `abcsmc redis-worker`, `abcsmc redis-manager` and sampler redis of `abcsmc run` (the Redis
// bridge's CLI side). A build without Redis compiles redis_commands_off.cpp instead.
#include <spdlog/spdlog.h>

#include <cstdio>

#include "abcsmc/core/error.hpp"
#include "abcsmc/io/duration.hpp"
#include "abcsmc/io/worker_problem.hpp"
#include "abcsmc/models/external_command.hpp"
#include "abcsmc/redis/auth.hpp"
#include "abcsmc/redis/sampler.hpp"
#include "abcsmc/redis/secret.hpp"
#include "commands.hpp"
#include "transports.hpp"

namespace abcsmc::cli {

namespace {
/// --password, else $ABCSMC_REDIS_PASSWORD. The variable leaves the environment either way (the
/// simulators this process starts inherit it otherwise), and a process holding a password
/// cannot be dumped or traced (redis/secret.hpp).
std::string password_or_env(const std::string& given) {
  std::string env = redis::take_password_from_environment("ABCSMC_REDIS_PASSWORD");
  if (given.empty()) return env;
  redis::protect_password_holder();
  return given;
}

/// Runs `body` and maps what it throws to an exit status: a ConfigError (bad flags, a key file
/// open to others, ...) is a usage error, anything else a failure, logged with `failure_prefix`.
template <class Body>
int exit_status_of(Body&& body, const char* failure_prefix = "") {
  try {
    return body();
  } catch (const ConfigError& e) {
    spdlog::error("{}", e.what());
    return kUsageError;
  } catch (const std::exception& e) {
    spdlog::error("{}{}", failure_prefix, e.what());
    return kRunFailure;
  }
}
}  // namespace

int redis_worker_command(const RedisWorkerOptions& options) {
  redis::WorkerOptions w;
  w.endpoint = redis::Endpoint{options.host, options.port, password_or_env(options.password)};
  try {
    w.runtime_seconds = io::parse_duration_seconds(options.runtime);
  } catch (const std::exception& e) {
    spdlog::error("--runtime: {}", e.what());
    return kUsageError;
  }
  if (options.reconnect_window != "forever") {
    try {
      w.reconnect_window_seconds = io::parse_duration_seconds(options.reconnect_window);
    } catch (const std::exception& e) {
      spdlog::error("--reconnect-window: {} (or forever)", e.what());
      return kUsageError;
    }
  }
  w.processes = options.processes == 0 ? 1 : options.processes;
  w.batch_size = options.batch_size;
  // The worker's consent goes with its problem factory: checked on every model of a config
  // from the server before it is built.
  io::ModelConsent consent;
  consent.allow_commands = options.allow_commands;
  consent.allow_plugins = options.allow_plugins;
  w.kill_children = &kill_running_commands;
  try {
    for (const auto& dir : options.allow_plugin_dirs)
      consent.allow_plugin_dirs.push_back(io::resolve_plugin_dir(dir));
    w.problem_factory = io::worker_problem_factory(consent);
    if (!options.key_file.empty()) {
      w.key = redis::auth::Key::load(options.key_file);
      redis::protect_password_holder();  // no core dump with the key in it
      spdlog::info("redis worker: serving only runs signed with the key in {}", options.key_file);
    }
  } catch (const ConfigError& e) {
    spdlog::error("{}", e.what());
    return kUsageError;
  }
  return exit_status_of([&] { return redis::run_workers(w); }, "redis worker failed: ");
}

int redis_manager_command(const RedisManagerOptions& options) {
  if ((options.action == "keygen") != !options.file.empty()) {
    spdlog::error(options.action == "keygen"
                      ? "keygen needs the key file to create: redis-manager keygen FILE"
                      : "only keygen takes a file");
    return kUsageError;
  }
  if (options.action == "keygen") {  // no server needed
    return exit_status_of([&] {
      redis::auth::generate_key_file(options.file);
      std::printf(
          "Wrote a new key to %s (mode 0600); give it to the master and its workers with "
          "--key-file %s\n",
          options.file.c_str(), options.file.c_str());
      return kSuccess;
    });
  }
  return exit_status_of([&] {
    return redis::run_manager(
        redis::Endpoint{options.host, options.port, password_or_env(options.password)},
        options.action);
  });
}
void register_redis_sampler(SamplerRegistry& registry) {
  registry[io::SamplerType::redis] = [](const io::SamplerSpec& spec, LaunchedJob* job) {
    if (job != nullptr) {
      throw ConfigError("sampler 'redis' runs without an MPI launcher; start one process");
    }
    if (spec.scheduling != Scheduling::dynamic) {
      throw ConfigError("sampler 'redis' schedules dynamically only; drop scheduling: static");
    }
    redis::MasterOptions options;
    options.endpoint.host = spec.host;
    options.endpoint.port = spec.port;
    options.endpoint.password =
        redis::take_password_from_environment(spec.password_env);  // secret.hpp
    options.batch_size = spec.batch_size;
    options.lease_seconds = spec.lease_seconds;
    options.reconnect_window_seconds = spec.reconnect_window_seconds;
    if (!spec.key_file.empty()) {
      options.key = redis::auth::Key::load(spec.key_file);  // ConfigError naming the file: exit 2
      redis::protect_password_holder();                     // no core dump with the key in it
      spdlog::info("redis: authenticated run: config, specs and results signed with the key in {}",
                   spec.key_file);
    }
    SamplerSetup setup;
    setup.sampler = std::make_unique<redis::RedisSampler>(options);
    setup.evaluates_elsewhere = true;
    return setup;
  };
}

}  // namespace abcsmc::cli
