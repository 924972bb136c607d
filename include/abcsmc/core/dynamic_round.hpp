#pragma once
/// The master's side of one dynamic round, whatever carries the work (DESIGN.md section 2):
/// blocks of evaluation indices are handed out (or claimed by workers) contiguously from 0,
/// their results are folded in as they come back, in any order, and the round is complete once
/// every index below the n-th accepted one is back. MPI dynamic, the Redis bridge and
/// FutureSampler all keep their books here, so they agree bit for bit with SingleCoreSampler
/// (assemble_dynamic) and with each other; a transport only moves the bytes.
///
/// Also the automatic batch size (BatchSizer) that the distributed transports share.
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

#include "abcsmc/core/sampling.hpp"

namespace abcsmc {

/// The batch size of a dynamic round: fixed, or automatic (adapted between rounds from the
/// measured time per evaluation). Results never depend on it, only the speed does.
class BatchSizer {
 public:
  /// Automatic batches aim at this much work per batch: long enough that a master's few
  /// microseconds per message stay negligible, short enough that the end of a round (when
  /// workers finish batches nobody needs any more) costs little.
  static constexpr double kTargetBatchSeconds = 0.002;
  static constexpr std::uint64_t kMaxAutomaticBatch = 4096;

  /// `fixed` > 0: always that; 0: automatic.
  explicit BatchSizer(std::uint64_t fixed = 0) : fixed_(fixed) {}

  /// The size for the next round over `workers` workers (0 counts as 1): 1 until a round has
  /// been measured, then about kTargetBatchSeconds of work, but at least ~4 batches per worker
  /// judged from the last round's size (or n_accept), within [1, kMaxAutomaticBatch].
  std::uint64_t next(std::size_t workers, std::uint64_t n_accept) const;
  /// Whether next() looks at its `workers` (automatic, after a measured round): a transport for
  /// which counting its workers costs a round trip asks only then.
  bool uses_workers() const { return fixed_ == 0 && seconds_per_eval_ > 0.0; }
  /// After a round of `seconds` wall time in which `workers` workers evaluated `evaluated`
  /// indices.
  void measured(double seconds, std::size_t workers, std::uint64_t evaluated);

 private:
  std::uint64_t fixed_;
  double seconds_per_eval_ = 0.0;  ///< on one worker, in the last measured round
  std::uint64_t last_evaluated_ = 0;
};

/// The books of one dynamic round. Single-threaded: the transport's master loop owns it.
class DynamicRound {
 public:
  /// A block handed out or claimed whose index range lies at or above the frontier.
  struct Block {
    WorkBlock range;
    int owner = -1;            ///< who holds it (an MPI rank), or -1 when not known (claimed)
    bool done = false;         ///< its result is folded in
    std::size_t accepted = 0;  ///< when done: accepted candidates in its result
  };

  /// `batch_size` >= 1: the size of the blocks hand_out() makes.
  DynamicRound(const SampleRequest& request, std::uint64_t batch_size);

  /// The next block for `owner` (MPI rank, or -1), or nothing when no more is needed: n
  /// accepted candidates are known (every index not handed out lies above the n-th smallest
  /// accepted one), the budget request.max_evals is handed out, or the round was stopped.
  std::optional<WorkBlock> hand_out(int owner = -1);

  /// Registers a block a worker took by itself (Redis workers claim ranges on the server).
  /// False, and nothing registered, when it lies below the frontier or overlaps a known block.
  bool claim(WorkBlock range);

  /// The block handed out or claimed that starts at `first`, or null: never handed out, or
  /// already behind the frontier (its result folded in).
  const Block* find(std::uint64_t first) const;

  /// Folds in the result of the block that starts at `first` (find() must give a block that is
  /// not done): its log, and `attempts`, the candidates it evaluated (the block's count, or fewer
  /// when cut short after the round was complete). Reports them to request.progress.
  void fold(std::uint64_t first, EvalLog&& log, std::uint64_t attempts);

  /// Every index below the n-th accepted one is back (the population is known), the budget is
  /// back in full, or n_accept is 0. Blocks still out may then be cut short.
  bool complete() const;
  /// n accepted candidates are known, in whatever order they came: hand out nothing more.
  bool enough_known() const { return known_accepted_ >= request_.n_accept; }

  /// Stops handing out (a cancel from outside); finish() then gives an empty sample.
  void stop() { stopped_ = true; }
  bool stopped() const { return stopped_; }

  /// Blocks out whose result is not back, in index order.
  std::vector<WorkBlock> outstanding() const;
  std::size_t outstanding_count() const { return outstanding_; }
  /// Indices handed out by hand_out() (the next block starts here).
  std::uint64_t handed_out() const { return next_; }
  /// Every index below it has its result here.
  std::uint64_t frontier() const { return frontier_; }

  /// The round's sample from the indices [0, evaluated) (assemble_dynamic): the transport
  /// says how far its results reach (handed_out() when every block comes back, frontier()
  /// when some may never). When stopped: an empty, incomplete sample that counts `evaluated`
  /// simulations. Call once.
  Sample finish(std::uint64_t evaluated);

 private:
  SampleRequest request_;
  std::uint64_t batch_size_;
  std::uint64_t limit_;              ///< request.max_evals, or UINT64_MAX for none
  std::uint64_t next_ = 0;           ///< first index not handed out yet
  std::uint64_t frontier_ = 0;       ///< every index below it has its result here
  std::size_t prefix_accepted_ = 0;  ///< accepted below the frontier
  std::size_t known_accepted_ = 0;   ///< accepted among all results here
  std::size_t outstanding_ = 0;      ///< blocks out whose results are not back
  bool stopped_ = false;
  std::map<std::uint64_t, Block> blocks_;  ///< from the frontier on, by first index
  EvalLog log_;
};

}  // namespace abcsmc
