#pragma once
/// The live state of one sampling round (calibration or a generation), shared between the
/// sampler, which reports into it from any thread, and the engine's watch thread, which reads it
/// for the heartbeat and cancels the round when a rule decided mid-round fires (a stop request,
/// max_walltime, the deadline, the fail-fast guard). Counts are for progress lines only and
/// depend on timing; what a round returns never does.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace abcsmc {

struct EvalResult;

/// Why a round was cancelled before it had its population.
enum class CancelCause : std::uint8_t { none, stop_requested, walltime, deadline, all_failed };

class SampleProgress {
 public:
  /// `n_accept`: the population the round needs. `fail_fast`: the guard's K (0 = off): the
  /// round is cancelled with all_failed when the candidates with keys 0..K-1 all fail.
  /// Dynamic scheduling (`static_slots` false): key = evaluation index. Static scheduling:
  /// key = the attempt number of slot 0 (other slots get no key). Slot 0 is the first slot of
  /// the first block at any thread or rank count, and a slot is retried until it is filled, so
  /// its attempts are the candidates that are always evaluated first, whatever the timing.
  SampleProgress(std::size_t n_accept, std::uint64_t fail_fast, bool static_slots = false);

  // --- sampler side (any thread) ---------------------------------------------------------------
  /// Adds finished candidates; call once per batch to keep contention low.
  void add(std::uint64_t evaluated, std::uint64_t accepted, std::uint64_t failed) noexcept;
  /// One finished candidate, for the fail-fast guard and the first-failure message. Cheap for
  /// candidates past the guard once a failure has been seen.
  void note(const EvalResult& r);
  /// The guard key of a candidate (see the constructor).
  std::uint64_t key(std::uint64_t index, std::uint64_t attempt) const noexcept {
    if (!static_slots_) return index;
    return index == 0 ? attempt : UINT64_MAX;
  }
  /// Samplers poll this between candidates (or batches) and stop handing out work once set.
  bool cancelled() const noexcept {
    return cause_.load(std::memory_order_relaxed) != CancelCause::none;
  }

  // --- engine side
  // ---------------------------------------------------------------------------------
  /// Cancels the round; the first cause wins.
  void cancel(CancelCause cause) noexcept;
  CancelCause cause() const noexcept { return cause_.load(); }
  struct Snapshot {
    std::uint64_t evaluated = 0;
    std::uint64_t accepted = 0;
    std::uint64_t failed = 0;
    double seconds = 0.0;  ///< since the round started
  };
  Snapshot snapshot() const noexcept;
  std::size_t n_accept() const noexcept { return n_accept_; }
  std::uint64_t fail_fast() const noexcept { return fail_fast_; }
  /// The first failure seen (in time), once: later calls return nothing.
  std::optional<std::string> take_first_failure();
  /// The messages of the guard's first failures (keys 0, 1, 2), for the fail-fast error.
  std::vector<std::string> guard_messages() const;

 private:
  static constexpr std::uint64_t kGuardMessages = 3;
  const std::size_t n_accept_;
  const std::uint64_t fail_fast_;
  const bool static_slots_;
  const std::chrono::steady_clock::time_point start_;
  std::atomic<std::uint64_t> evaluated_{0};
  std::atomic<std::uint64_t> accepted_{0};
  std::atomic<std::uint64_t> failed_{0};
  std::atomic<CancelCause> cause_{CancelCause::none};
  // Fail-fast guard: per key < fail_fast, 0 = not seen, 1 = failed; any success switches it off.
  std::unique_ptr<std::atomic<std::uint8_t>[]> guard_;
  std::atomic<std::uint64_t> guard_failed_{0};
  std::atomic<bool> guard_off_{false};
  std::atomic<bool> seen_failure_{false};
  mutable std::mutex mutex_;  // the strings below
  std::string first_failure_;
  bool first_taken_ = false;
  std::vector<std::string> guard_messages_;
};

}  // namespace abcsmc
