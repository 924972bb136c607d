#include "abcsmc/mpi/environment.hpp"

#include <mpi.h>

#include <cstdlib>

#include "abcsmc/core/error.hpp"

namespace abcsmc::mpi {

namespace {
const Environment* g_current = nullptr;
}  // namespace

bool launched_by_mpi() {
  // Open MPI's mpirun, PMIx launchers (Open MPI 4+/5, srun --mpi=pmix), and PMI-1/2 launchers
  // (MPICH/Intel MPI hydra, srun --mpi=pmi2). SLURM_PROCID alone is not enough: a plain batch
  // script sets it without any MPI.
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "PMI_RANK"}) {
    if (std::getenv(name) != nullptr) return true;
  }
  return false;
}

Environment::Environment(int& argc, char**& argv) {
  int initialised = 0;
  MPI_Initialized(&initialised);
  if (initialised) throw Error("MPI is already initialised");
  int provided = 0;
  if (MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided) != MPI_SUCCESS) {
    throw Error("MPI_Init_thread failed");
  }
  // Only rank 0's main thread talks to the workers; MULTIPLE is asked for so that a stop at
  // once may MPI_Abort from the signal watcher thread, and checked before that is done.
  thread_multiple_ = provided >= MPI_THREAD_MULTIPLE;
  // Errors abort by default on MPI_COMM_WORLD (MPI_ERRORS_ARE_FATAL): never a silent hang.
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  g_current = this;
}

Environment::~Environment() {
  g_current = nullptr;
  int finalised = 0;
  MPI_Finalized(&finalised);
  if (!finalised) MPI_Finalize();
}

const Environment* Environment::current() { return g_current; }

}  // namespace abcsmc::mpi
