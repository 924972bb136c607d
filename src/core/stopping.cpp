#include "abcsmc/core/stopping.hpp"

#include <cmath>

namespace abcsmc {

std::uint64_t acceptance_rate_budget(std::size_t n_accept, double min_acceptance_rate) {
  if (!(min_acceptance_rate > 0.0) || n_accept == 0) return 0;
  // rate = n / simulations >= min  <=>  simulations <= n / min.
  const double limit = std::floor(static_cast<double>(n_accept) / min_acceptance_rate);
  if (limit >= 1.8e19) return 0;
  return std::max<std::uint64_t>(static_cast<std::uint64_t>(limit), n_accept);
}

}  // namespace abcsmc
