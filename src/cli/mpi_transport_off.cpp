// `abcsmc run` in a build without MPI (-DABCSMC_ENABLE_MPI=OFF): no launcher's job is joined,
// and sampler mpi says it is not available (transports.hpp).
#include "abcsmc/core/error.hpp"
#include "transports.hpp"

namespace abcsmc::cli {

std::shared_ptr<void> start_launcher_runtime(int, char**, int& rank) {
  rank = -1;
  return nullptr;
}

JobRole join_launched_job(const ProblemFactory&) { return {}; }

void register_mpi_sampler(SamplerRegistry& registry) {
  registry[io::SamplerType::mpi] = [](const io::SamplerSpec&, LaunchedJob*) -> SamplerSetup {
    throw ConfigError(
        "sampler 'mpi' is not available: this abcsmc was built without MPI "
        "(-DABCSMC_ENABLE_MPI=OFF); use single or threads");
  };
}

}  // namespace abcsmc::cli
