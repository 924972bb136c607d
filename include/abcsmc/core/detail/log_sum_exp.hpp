#pragma once
/// The log-sum-exp of the kernels' mixture densities (src/core/exp_loops.cpp, beside the exp
/// loops of detail/exp_shifted.hpp that it runs on). Internal to abcsmc_core.
#include <cstddef>

#include "abcsmc/core/detail/constants.hpp"
#include "abcsmc/core/detmath.hpp"

namespace abcsmc::detail {

/// Terms per log-sum-exp block (stack buffer).
inline constexpr std::size_t kChunk = 64;

/// Streaming log-sum-exp over blocks of terms; allocation-free.
class LogSumExp {
 public:
  /// Adds the terms e[0..m), m <= kChunk.
  void add(const double* e, std::size_t m);
  double result() const { return sum_ > 0.0 ? max_ + detmath::log(sum_) : -kInf; }

 private:
  double max_ = -kInf;
  double sum_ = 0.0;
};

}  // namespace abcsmc::detail
