#pragma once
/// Dynamic scheduling over user-supplied futures (pyABC's ConcurrentFutureSampler): adapt
/// abcsmc to an asynchronous executor by supplying submit (start a batch) and complete (wait
/// for any one started batch). Batches of evaluation indices 0, 1, 2, ... are kept in flight
/// until n candidates are accepted; every started batch is then waited for, and the population
/// is the n accepted candidates with the smallest indices. Results are bit-identical to
/// SingleCoreSampler for any executor, batch size and number in flight.
#include <cstddef>
#include <functional>
#include <string>

#include "abcsmc/samplers/mapping_batch.hpp"

namespace abcsmc {

class FutureSampler final : public Sampler {
 public:
  /// Starts fn(batch) asynchronously (fn may be copied and run on any thread).
  using Submit = std::function<void(const WorkBlock& batch, const BatchFunction& fn)>;
  /// Blocks until one started batch has finished and returns its outcome (any order), or
  /// rethrows the exception its fn threw. Called exactly once per submitted batch.
  using Complete = std::function<BatchOutcome()>;

  /// @param batch_size indices per batch (>= 1)
  /// @param max_in_flight batches started but not completed at any time (>= 1; e.g. 2 x workers)
  /// @throws ConfigError for a zero batch size or max_in_flight, or empty callables.
  FutureSampler(Submit submit, Complete complete, std::size_t batch_size, std::size_t max_in_flight,
                std::string name = "future");

  /// Waits for every submitted batch before returning or rethrowing (so no batch outlives the
  /// generation it belongs to).
  Sample sample(const Evaluator& evaluator, const GenerationContext& ctx,
                const SampleRequest& request) override;
  std::string name() const override { return name_; }
  Scheduling scheduling() const override { return Scheduling::dynamic; }
  std::size_t workers() const override { return max_in_flight_; }
  std::size_t batch_size() const override { return batch_size_; }

 private:
  Submit submit_;
  Complete complete_;
  std::size_t batch_size_;
  std::size_t max_in_flight_;
  std::string name_;
};

}  // namespace abcsmc
