#pragma once
// How `abcsmc run` gets its sampler: one registry from sampler type to maker, filled by the
// in-process samplers (sampler_registry.cpp) and the transports this build has. A transport's
// file is chosen by CMake (mpi_transport.cpp or mpi_transport_off.cpp, redis_commands.cpp or
// redis_commands_off.cpp): a transport that is not built registers a maker that says so.
// Beyond this file the CLI sees samplers only through Sampler (core/sampling.hpp): start,
// status, progress_status, shutdown.
#include <functional>
#include <map>
#include <memory>
#include <optional>

#include "abcsmc/core/parallel.hpp"
#include "abcsmc/core/sampling.hpp"
#include "abcsmc/io/run_config.hpp"

namespace abcsmc::cli {

/// Rank 0 of a job that a parallel launcher (mpirun, mpiexec, srun) started with P > 1
/// processes. While it lives, the other ranks wait for it; destroyed without a sampler having
/// started, it releases them.
class LaunchedJob {
 public:
  virtual ~LaunchedJob() = default;
  virtual std::size_t processes() const = 0;
  /// The sampler that farms candidates out to ranks 1..P-1 (it refers to this job: destroy it
  /// first).
  virtual std::unique_ptr<Sampler> make_sampler(Scheduling scheduling, std::size_t batch_size) = 0;
};

/// What this process is in its launcher's job.
struct JobRole {
  std::unique_ptr<LaunchedJob> master;  ///< rank 0 of a job with P > 1
  std::optional<int> worker_exit;       ///< ranks > 0: served the job already; exit with this
};

/// Starts the launcher's runtime (MPI_Init) when `abcsmc run` was started by one, before the
/// arguments are scrubbed; sets `rank` (-1: no launcher). The returned object ends it (keep it
/// until main returns). Builds without MPI: nothing.
std::shared_ptr<void> start_launcher_runtime(int argc, char** argv, int& rank);

/// Joins the launcher's job when there is one with P > 1 (builds without MPI: never). Ranks > 0
/// serve rank 0 in here, building their problem with `make_problem`, and get worker_exit.
JobRole join_launched_job(const ProblemFactory& make_problem);

/// A run's sampler and the parallel for-loop for the master's own per-particle work (null:
/// sequential).
struct SamplerSetup {
  std::unique_ptr<Sampler> sampler;
  std::unique_ptr<ParallelFor> parallel;
  /// The sampler's candidates are evaluated in other processes (MPI ranks, Redis workers): the
  /// models' idle resources here are ended (Model::end_idle) once the run starts.
  bool evaluates_elsewhere = false;
};

/// Builds the sampler of `spec` (type and CLI overrides applied); `job` is set on rank 0 of a
/// launched job with P > 1. @throws ConfigError for a type this build or this launch cannot run.
using SamplerMaker = std::function<SamplerSetup(const io::SamplerSpec& spec, LaunchedJob* job)>;
using SamplerRegistry = std::map<io::SamplerType, SamplerMaker>;

/// single and threads (auto resolves in make_sampler).
void register_in_process_samplers(SamplerRegistry& registry);
/// mpi: mpi_transport.cpp (mpi_transport_off.cpp: "not available" in this build).
void register_mpi_sampler(SamplerRegistry& registry);
/// redis: redis_commands.cpp (redis_commands_off.cpp: "not available" in this build).
void register_redis_sampler(SamplerRegistry& registry);

/// The threads sampler of `spec` (also what sampler mpi falls back to in one process).
SamplerSetup make_threads_sampler(const io::SamplerSpec& spec);

/// The sampler of `spec` from the registry of this build: auto is mpi under a launcher with
/// P > 1, else threads. @throws ConfigError as the makers do.
SamplerSetup make_sampler(const io::SamplerSpec& spec, LaunchedJob* job);

}  // namespace abcsmc::cli
