// A build without Redis (-DABCSMC_ENABLE_REDIS=OFF): redis-worker and redis-manager say so,
// and sampler redis says it is not available (transports.hpp).
#include <spdlog/spdlog.h>

#include "abcsmc/core/error.hpp"
#include "commands.hpp"
#include "transports.hpp"

namespace abcsmc::cli {

int redis_worker_command(const RedisWorkerOptions&) {
  spdlog::error("this abcsmc was built without Redis (-DABCSMC_ENABLE_REDIS=OFF)");
  return kUsageError;
}

int redis_manager_command(const RedisManagerOptions&) {
  spdlog::error("this abcsmc was built without Redis (-DABCSMC_ENABLE_REDIS=OFF)");
  return kUsageError;
}

void register_redis_sampler(SamplerRegistry& registry) {
  registry[io::SamplerType::redis] = [](const io::SamplerSpec&, LaunchedJob*) -> SamplerSetup {
    throw ConfigError(
        "sampler 'redis' is not available: this abcsmc was built without Redis "
        "(-DABCSMC_ENABLE_REDIS=OFF)");
  };
}

}  // namespace abcsmc::cli
