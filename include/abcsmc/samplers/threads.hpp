#pragma once
/// Multi-threaded samplers on one node (pyABC's multicore samplers).
///  - dynamic: threads claim batches of evaluation indices from a shared counter (work stealing);
///    results are bit-identical to SingleCoreSampler for any thread count and batch size.
///  - static: particle slots are split into one contiguous block per thread up front; results
///    are bit-identical across thread counts (but differ from dynamic: other streams).
#include <cstddef>

#include "abcsmc/core/parallel.hpp"
#include "abcsmc/core/sampling.hpp"

namespace abcsmc {

class ThreadsSampler final : public Sampler {
 public:
  /// @param threads number of threads (0 = all hardware threads)
  /// @param scheduling dynamic or static
  /// @param batch_size dynamic: indices per claim (0 = automatic)
  ThreadsSampler(std::size_t threads, Scheduling scheduling, std::size_t batch_size);

  Sample sample(const Evaluator& evaluator, const GenerationContext& ctx,
                const SampleRequest& request) override;
  std::string name() const override { return "threads"; }
  Scheduling scheduling() const override { return scheduling_; }
  std::size_t workers() const override { return threads_; }
  std::size_t batch_size() const override { return batch_size_; }

 private:
  Sample sample_dynamic(const Evaluator& evaluator, const GenerationContext& ctx,
                        const SampleRequest& request);
  Sample sample_static(const Evaluator& evaluator, const GenerationContext& ctx,
                       const SampleRequest& request);

  std::size_t threads_;
  Scheduling scheduling_;
  std::size_t batch_size_;
};

/// A parallel for over `threads` threads (0 = all hardware threads), each taking one contiguous
/// share of [0, n): for the master's per-particle work (SmcControl::parallel), e.g. beside a
/// ThreadsSampler of the same size.
class ThreadsFor final : public ParallelFor {
 public:
  explicit ThreadsFor(std::size_t threads);
  void run(std::size_t n, const std::function<void(std::size_t)>& fn) const override;
  std::size_t threads() const { return threads_; }

 private:
  std::size_t threads_;
};

/// Number of hardware threads (at least 1).
std::size_t hardware_threads();

}  // namespace abcsmc
