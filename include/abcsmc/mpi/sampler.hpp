#pragma once
/// The MPI sampler (DESIGN.md section 5): rank 0 runs the SMC loop with MpiSampler; ranks
/// 1..P-1 run worker_loop. Protocol, per run:
///   1. rank 0 broadcasts the resolved config text (empty text: workers quit at once);
///      workers build their problem from it (the config travels, not code);
///   2. per sample() call (calibration and each generation, a "round"), rank 0 broadcasts one
///      GenerationMessage (spec + request + scheduling, core/wire.hpp); workers rebuild the
///      context with make_context;
///      - static: rank 0 scatters one block of particle slots per worker; each worker fills its
///        slots and returns one ResultMessage;
///      - dynamic: each worker sends a request, and again right after each batch it receives
///        (so one request is always in flight while it computes); rank 0 answers each request
///        with the next batch of evaluation indices, or with end-of-round once enough
///        candidates are known to be accepted; each batch's results come back as one
///        ResultMessage; once every index below the n-th accepted one is back (the round is
///        complete), rank 0 sends a cancel to the workers still holding batches, which then
///        skip the evaluations they have not started (results above the n-th accepted index
///        are discarded anyway, deterministically, by assemble_dynamic);
///      rank 0 leaves the round only when every worker has had its end-of-round and every
///      batch handed out has come back (whole or cut short), so no result or request of round
///      r is left over in round r+1; every message carries its round, checked on receipt, and
///      a late cancel of an earlier round is dropped by the worker;
///   3. a stop broadcast ends the workers.
#include <cstddef>
#include <cstdint>
#include <string>

#include "abcsmc/core/dynamic_round.hpp"
#include "abcsmc/core/sampling.hpp"
#include "abcsmc/mpi/comm.hpp"

namespace abcsmc::mpi {

/// Rank 0's side of one run's protocol. Releases the workers on every path: on destruction it
/// broadcasts "quit" (config never sent) or "stop" (between rounds); in the middle of a round
/// (an exception escaped sample()) it cannot, and the caller must abort() the job.
class Master {
 public:
  /// Rank 0 only. `comm` must outlive the Master.
  explicit Master(const Comm& comm);
  ~Master();
  Master(const Master&) = delete;
  Master& operator=(const Master&) = delete;

  /// Broadcasts the resolved config (YAML text). Rank 0 only; collective with receive_config.
  void send_config(const std::string& config_yaml);
  /// True while a round is open (an exception left sample() mid-protocol): abort the job.
  bool in_round() const { return in_round_; }
  const Comm& comm() const { return comm_; }
  std::size_t workers() const { return static_cast<std::size_t>(comm_.size() - 1); }

 private:
  friend class MpiSampler;
  const Comm& comm_;
  bool config_sent_ = false;
  bool stopped_ = false;
  bool in_round_ = false;
  std::uint64_t round_ = 0;
};

/// Sampler on rank 0 that farms evaluations out to ranks 1..P-1 (P >= 2). Dynamic results are
/// bit-identical to SingleCoreSampler, static ones to ThreadsSampler(static): both use the
/// shared assemble_* rules of samplers/sampler.hpp.
class MpiSampler final : public Sampler {
 public:
  /// @param batch_size dynamic: indices per batch; 0 = automatic (adapted between rounds to
  ///        about 2 ms of work per batch; results do not depend on it)
  /// @throws Error when there are no workers (P < 2).
  MpiSampler(Master& master, Scheduling scheduling, std::size_t batch_size);

  /// Rank 0 only. @throws Error on protocol violations (after which the job must abort).
  Sample sample(const Evaluator& evaluator, const GenerationContext& ctx,
                const SampleRequest& request) override;
  std::string name() const override { return "mpi"; }
  Scheduling scheduling() const override { return scheduling_; }
  std::size_t workers() const override { return master_.workers(); }
  std::size_t batch_size() const override { return batch_size_; }
  std::size_t processes() const override { return master_.workers() + 1; }
  /// Broadcasts the config to the workers (Master::send_config).
  void start(const std::string& config_text) override;
  /// " bcast=<bytes>B" and, dynamic, " batch=<last batch size>".
  std::string status() const override;
  /// failed: ends the job (MPI_Abort) when a round is open, else returns (the Master's
  /// destructor stops the workers). interrupted: ends the job when MPI allows it from this
  /// thread (MPI_THREAD_MULTIPLE); otherwise the process's exit ends it (the launcher kills
  /// the other ranks).
  void shutdown(Shutdown why, int exit_code) override;

  /// Bytes of the last round's generation broadcast (spec + request).
  std::size_t last_broadcast_bytes() const { return last_broadcast_bytes_; }
  /// Batch size used in the last dynamic round.
  std::uint64_t last_batch_size() const { return last_batch_; }

 private:
  // Results are checked against the round's message `m` and the run's problem (wire_check.hpp).
  Sample sample_dynamic(const Problem& problem, const GenerationMessage& m);
  Sample sample_static(const Problem& problem, const GenerationMessage& m);

  Master& master_;
  Scheduling scheduling_;
  std::size_t batch_size_;
  std::size_t last_broadcast_bytes_ = 0;
  std::uint64_t last_batch_ = 1;
  BatchSizer batch_sizer_;            ///< fixed batch_size, or automatic (0)
  bool stochastic_ = false;           ///< this generation accepts stochastically (a noise kernel)
  std::uint64_t last_evaluated_ = 0;  ///< indices (dynamic) or attempts (static) of the last round
};

/// Ranks > 0: receives the config, builds the problem with `make_problem` (the program's parser:
/// the transport reads no config itself), and serves rounds until stop (or quit).
/// Collective with Master. @throws Error on any failure (the caller logs it and aborts the job).
void worker_loop(const Comm& comm, const ProblemFactory& make_problem);

}  // namespace abcsmc::mpi
