#pragma once
/// The model perturbation kernel of model selection (src/core/model_kernel.cpp).
#include <cstddef>

#include "abcsmc/core/rng.hpp"

namespace abcsmc {

/// Model perturbation kernel: stay with probability `stay`, else jump uniformly to another model.
class ModelKernel {
 public:
  ModelKernel(std::size_t n_models, double stay);
  std::size_t sample(std::size_t from, Rng& rng) const;
  double pmf(std::size_t to, std::size_t from) const;

 private:
  std::size_t n_models_;
  double stay_;
};

}  // namespace abcsmc
