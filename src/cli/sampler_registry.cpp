// The sampler registry of `abcsmc run` (transports.hpp) and the in-process samplers' makers.
#include "abcsmc/core/error.hpp"
#include "abcsmc/samplers/single_core.hpp"
#include "abcsmc/samplers/threads.hpp"
#include "transports.hpp"

namespace abcsmc::cli {

SamplerSetup make_threads_sampler(const io::SamplerSpec& spec) {
  SamplerSetup setup;
  auto sampler = std::make_unique<ThreadsSampler>(spec.threads, spec.scheduling, spec.batch_size);
  setup.parallel = std::make_unique<ThreadsFor>(sampler->workers());
  setup.sampler = std::move(sampler);
  return setup;
}

void register_in_process_samplers(SamplerRegistry& registry) {
  registry[io::SamplerType::single] = [](const io::SamplerSpec& spec, LaunchedJob*) {
    SamplerSetup setup;
    if (spec.scheduling == Scheduling::static_blocks) {
      setup.sampler = std::make_unique<ThreadsSampler>(1, spec.scheduling, spec.batch_size);
      setup.parallel = std::make_unique<ThreadsFor>(1);
    } else {
      setup.sampler = std::make_unique<SingleCoreSampler>();
    }
    return setup;
  };
  registry[io::SamplerType::threads] = [](const io::SamplerSpec& spec, LaunchedJob*) {
    return make_threads_sampler(spec);
  };
}

SamplerSetup make_sampler(const io::SamplerSpec& spec, LaunchedJob* job) {
  static const SamplerRegistry registry = [] {
    SamplerRegistry r;
    register_in_process_samplers(r);
    register_mpi_sampler(r);
    register_redis_sampler(r);
    return r;
  }();
  io::SamplerType type = spec.type;
  if (job != nullptr && type != io::SamplerType::redis) {
    if (type != io::SamplerType::automatic && type != io::SamplerType::mpi) {
      throw ConfigError("sampler '" + io::to_string(type) +
                        "' cannot run under an MPI launcher with " +
                        std::to_string(job->processes()) +
                        " processes; use sampler mpi (the default there) or start one process");
    }
    type = io::SamplerType::mpi;
  }
  if (type == io::SamplerType::automatic) type = io::SamplerType::threads;
  return registry.at(type)(spec, job);
}

}  // namespace abcsmc::cli
