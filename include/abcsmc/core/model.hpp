#pragma once
/// The simulator interface every model type implements (built-in, plugin, external command).
#include <cstddef>
#include <exception>
#include <span>
#include <string>
#include <vector>

#include "abcsmc/core/rng.hpp"
#include "abcsmc/core/types.hpp"

namespace abcsmc {

/// One named summary statistic; size > 1 for arrays (flattened as name[0], name[1], ...).
struct StatSpec {
  std::string name;
  std::size_t size = 1;
};

/// Flattens specs into names: {"y",1},{"x",2} -> "y", "x[0]", "x[1]".
StatNames flatten_stat_names(const std::vector<StatSpec>& specs);

/// Total number of values in `specs`.
std::size_t total_stat_size(const std::vector<StatSpec>& specs);

/// One simulation of a batch (Model::simulate_batch): the candidate's theta, its random stream
/// and where its statistics go.
struct SimulationJob {
  const Vector* theta = nullptr;
  Rng* rng = nullptr;
  Vector* stats = nullptr;   ///< sized to total_stat_size(statistics()) by the caller
  std::exception_ptr error;  ///< set when this simulation failed (a ModelError); else empty
};

/// A stochastic simulator x = f(theta, noise) reduced to summary statistics.
class Model {
 public:
  virtual ~Model() = default;
  /// The statistics simulate() writes, in order.
  virtual std::vector<StatSpec> statistics() const = 0;
  /// Simulates at `theta` drawing all randomness from `rng`; writes total_stat_size() values to
  /// `stats` (already sized by the caller).
  /// @throws ModelError when the simulation fails.
  virtual void simulate(const Vector& theta, Rng& rng, Vector& stats) const = 0;
  /// The most simulations one simulate_batch() call serves well (1: batches bring nothing, and
  /// the engine calls simulate() one candidate at a time).
  virtual std::size_t batch_size() const { return 1; }
  /// Simulates every job, each drawing only from its own rng, so that the results are those of
  /// simulate() job by job (a model that vectorises, or sends the jobs to a child at once, may
  /// do them together). A ModelError of one job goes to its `error` and the others go on. The
  /// default calls simulate() for each job in order.
  /// @throws Error (not ModelError) for faults that end the run.
  virtual void simulate_batch(std::span<SimulationJob> jobs) const;
  /// Ends what the model keeps ready between simulations (a persistent simulator's idle
  /// children: processes and their memory); a later simulation starts it again. For a process
  /// that will not simulate for a long time, e.g. an MPI or Redis master. Any thread.
  virtual void end_idle() const {}
  /// False if one instance must not be called from several threads at once.
  virtual bool thread_safe() const { return true; }
};

}  // namespace abcsmc
