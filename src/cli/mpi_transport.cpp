// The MPI transport's entry in `abcsmc run` (transports.hpp); a build without MPI compiles
// mpi_transport_off.cpp instead.
#include <spdlog/spdlog.h>

#include <csignal>

#include "abcsmc/core/error.hpp"
#include "abcsmc/mpi/environment.hpp"
#include "abcsmc/mpi/sampler.hpp"
#include "commands.hpp"
#include "transports.hpp"

namespace abcsmc::cli {

namespace {

class MpiJob final : public LaunchedJob {
 public:
  MpiJob() : master_(mpi::Comm::world()) {}
  std::size_t processes() const override { return master_.workers() + 1; }
  std::unique_ptr<Sampler> make_sampler(Scheduling scheduling, std::size_t batch_size) override {
    return std::make_unique<mpi::MpiSampler>(master_, scheduling, batch_size);
  }

 private:
  mpi::Master master_;
};

/// Ranks > 0 of an MPI job: serve rank 0 until it stops us. Any failure is logged with the rank
/// (the log pattern carries it) and ends the whole job: never a hang.
int run_worker(const ProblemFactory& make_problem) {
  // mpirun, Slurm and SGE pass SIGUSR1/SIGUSR2 to every rank; only the master acts on them
  // (the default action would kill this rank).
  std::signal(SIGUSR1, SIG_IGN);
  std::signal(SIGUSR2, SIG_IGN);
  const mpi::Comm& comm = mpi::Comm::world();
  try {
    mpi::worker_loop(comm, make_problem);
    return kSuccess;
  } catch (const std::exception& e) {
    spdlog::error("worker rank {} failed: {}; aborting the MPI job", comm.rank(), e.what());
    spdlog::default_logger()->flush();
    comm.abort(kRunFailure);
  }
}

}  // namespace

std::shared_ptr<void> start_launcher_runtime(int argc, char** argv, int& rank) {
  rank = -1;
  if (!mpi::launched_by_mpi()) return nullptr;
  auto environment = std::make_shared<mpi::Environment>(argc, argv);
  rank = environment->rank();
  return environment;
}

JobRole join_launched_job(const ProblemFactory& make_problem) {
  JobRole role;
  const auto* env = mpi::Environment::current();
  if (env == nullptr || env->size() <= 1) return role;
  if (env->rank() > 0) {
    role.worker_exit = run_worker(make_problem);
  } else {
    role.master = std::make_unique<MpiJob>();
  }
  return role;
}

void register_mpi_sampler(SamplerRegistry& registry) {
  registry[io::SamplerType::mpi] = [](const io::SamplerSpec& spec, LaunchedJob* job) {
    if (job != nullptr) {
      SamplerSetup setup;
      setup.sampler = job->make_sampler(spec.scheduling, spec.batch_size);
      setup.evaluates_elsewhere = true;
      return setup;
    }
    // One process (no launcher, or mpirun -n 1): the in-process samplers do the same work.
    spdlog::warn(
        "sampler mpi needs mpirun/mpiexec/srun with at least 2 processes; running "
        "in-process with threads instead");
    return make_threads_sampler(spec);
  };
}

}  // namespace abcsmc::cli
