#pragma once
/// A parallel for-loop, the one thing the engine needs of a thread pool (importance weights of
/// a generation, compute_weights). Samplers schedule candidate evaluations; this runs the
/// master's own per-particle work. Both are chosen by the caller of run_smc (SmcControl).
#include <cstddef>
#include <functional>

namespace abcsmc {

class ParallelFor {
 public:
  virtual ~ParallelFor() = default;
  /// Runs fn(i) for i in [0, n), possibly in parallel; fn must write disjoint outputs, so the
  /// result never depends on the implementation. Returns when every call has returned;
  /// rethrows the first exception of fn. Any thread.
  virtual void run(std::size_t n, const std::function<void(std::size_t)>& fn) const = 0;
};

/// fn(0), fn(1), ... in order on the calling thread.
class SequentialFor final : public ParallelFor {
 public:
  void run(std::size_t n, const std::function<void(std::size_t)>& fn) const override {
    for (std::size_t i = 0; i < n; ++i) fn(i);
  }
};

/// A shared SequentialFor (what run_smc uses when SmcControl::parallel is null).
const ParallelFor& sequential_for();

}  // namespace abcsmc
