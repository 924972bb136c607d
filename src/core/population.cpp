#include "abcsmc/core/population.hpp"

namespace abcsmc {

double effective_sample_size(const std::vector<double>& weights) {
  double sum = 0.0;
  double sum_sq = 0.0;
  for (double w : weights) {
    sum += w;
    sum_sq += w * w;
  }
  return sum_sq > 0.0 ? sum * sum / sum_sq : 0.0;
}

}  // namespace abcsmc
