#pragma once
/// Static scheduling over a user-supplied map (pyABC's MappingSampler): adapt abcsmc to another
/// parallel environment (a thread pool, a task system, a cluster scheduler) by supplying a
/// function that applies a BatchFunction to a list of batches. Results are bit-identical to
/// ThreadsSampler with static scheduling, for any map and batch size.
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "abcsmc/samplers/mapping_batch.hpp"

namespace abcsmc {

class MappingSampler final : public Sampler {
 public:
  /// Applies fn to every batch (in any order, sequentially or in parallel) and returns the
  /// outcomes (in any order). An exception from fn should be rethrown by the map.
  using Map = std::function<std::vector<BatchOutcome>(const std::vector<WorkBlock>& batches,
                                                      const BatchFunction& fn)>;

  /// @param map the user's map
  /// @param batch_size particle slots per batch (0 = one batch per `workers` share)
  /// @param workers what workers() reports (for logs and the results header)
  /// @param name what name() reports
  MappingSampler(Map map, std::size_t batch_size, std::size_t workers = 1,
                 std::string name = "mapping");

  /// @throws Error when the map loses or repeats batches, or rethrows what fn threw.
  Sample sample(const Evaluator& evaluator, const GenerationContext& ctx,
                const SampleRequest& request) override;
  std::string name() const override { return name_; }
  Scheduling scheduling() const override { return Scheduling::static_blocks; }
  std::size_t workers() const override { return workers_; }
  std::size_t batch_size() const override { return batch_size_; }

 private:
  Map map_;
  std::size_t batch_size_;
  std::size_t workers_;
  std::string name_;
};

}  // namespace abcsmc
