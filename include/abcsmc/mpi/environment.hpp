#pragma once
/// MPI start-up and shutdown (RAII), and detection of an MPI launcher. No <mpi.h> here: raw MPI
/// calls live in src/mpi only (STYLE.md section 3).

namespace abcsmc::mpi {

/// True when this process was started by an MPI launcher (mpirun/mpiexec of Open MPI or MPICH,
/// or srun with a PMI/PMIx plugin), judged from the launcher's environment variables
/// (OMPI_COMM_WORLD_SIZE, PMIX_RANK, PMI_SIZE/PMI_RANK). Plain `abcsmc inspect` or a run
/// without a launcher never pays for MPI_Init. Any process; no MPI call.
bool launched_by_mpi();

/// Initialises MPI (MPI_THREAD_FUNNELED: only the main thread talks MPI) and finalises it on
/// destruction. One per process, created in main.
class Environment {
 public:
  /// Collective over MPI_COMM_WORLD. @throws Error when MPI is already initialised or fails.
  Environment(int& argc, char**& argv);
  ~Environment();
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  /// MPI_THREAD_MULTIPLE was provided: any thread may call MPI (e.g. MPI_Abort from the stop
  /// signals' watcher thread). Requested, not required: without it only the main thread calls
  /// MPI, and a stop at once ends the job by exiting (the launcher then ends the other ranks).
  bool thread_multiple() const { return thread_multiple_; }

  /// The live environment, or nullptr when MPI was not initialised. Any rank.
  static const Environment* current();

 private:
  int rank_ = 0;
  int size_ = 1;
  bool thread_multiple_ = false;
};

}  // namespace abcsmc::mpi
