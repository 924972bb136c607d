// `abcsmc redis-worker` and `abcsmc redis-manager` (the Redis bridge's CLI side).
#include <spdlog/spdlog.h>

#include <cstdlib>

#include "abcsmc/core/error.hpp"
#include "abcsmc/io/duration.hpp"
#include "commands.hpp"
#ifdef ABCSMC_WITH_REDIS
#include "abcsmc/redis/sampler.hpp"
#endif

namespace abcsmc::cli {

#ifdef ABCSMC_WITH_REDIS
namespace {
std::string password_or_env(const std::string& given) {
  if (!given.empty()) return given;
  const char* env = std::getenv("ABCSMC_REDIS_PASSWORD");
  return env == nullptr ? std::string() : std::string(env);
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
  w.processes = options.processes == 0 ? 1 : options.processes;
  w.batch_size = options.batch_size;
  w.allow_commands = options.allow_commands;
  try {
    return redis::run_workers(w);
  } catch (const ConfigError& e) {
    spdlog::error("{}", e.what());
    return kUsageError;
  } catch (const std::exception& e) {
    spdlog::error("redis worker failed: {}", e.what());
    return kRunFailure;
  }
}

int redis_manager_command(const RedisManagerOptions& options) {
  try {
    return redis::run_manager(redis::Endpoint{options.host, options.port, password_or_env(options.password)},
                              options.action);
  } catch (const ConfigError& e) {
    spdlog::error("{}", e.what());
    return kUsageError;
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return kRunFailure;
  }
}
#else
int redis_worker_command(const RedisWorkerOptions&) {
  spdlog::error("this abcsmc was built without Redis (-DABCSMC_ENABLE_REDIS=OFF)");
  return kUsageError;
}
int redis_manager_command(const RedisManagerOptions&) {
  spdlog::error("this abcsmc was built without Redis (-DABCSMC_ENABLE_REDIS=OFF)");
  return kUsageError;
}
#endif

}  // namespace abcsmc::cli
