#pragma once
/// Single-core sampler (pyABC SingleCoreSampler): evaluation indices 0, 1, 2, ... in order.
/// The reference every dynamic transport must reproduce bit for bit.
#include "abcsmc/core/sampling.hpp"

namespace abcsmc {

class SingleCoreSampler final : public Sampler {
 public:
  Sample sample(const Evaluator& evaluator, const GenerationContext& ctx,
                const SampleRequest& request) override;
  std::string name() const override { return "single"; }
  Scheduling scheduling() const override { return Scheduling::dynamic; }
};

}  // namespace abcsmc
