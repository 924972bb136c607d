#include <cmath>
#include <sstream>

#include "abcsmc/core/error.hpp"
#include "abcsmc/core/model_kernel.hpp"

namespace abcsmc {

ModelKernel::ModelKernel(std::size_t n_models, double stay) : n_models_(n_models), stay_(stay) {
  if (n_models == 0) throw ConfigError("model kernel needs at least one model");
  if (!(stay >= 0.0 && stay <= 1.0)) {
    std::ostringstream os;
    os << "transition.model_stay_probability must be in [0, 1], got " << stay;
    throw ConfigError(os.str());
  }
}

std::size_t ModelKernel::sample(std::size_t from, Rng& rng) const {
  if (n_models_ == 1) return from;
  if (rng.uniform() < stay_) return from;
  // Uniform among the n - 1 other models.
  const auto other = static_cast<std::size_t>(rng.below(n_models_ - 1));
  return other >= from ? other + 1 : other;
}

double ModelKernel::pmf(std::size_t to, std::size_t from) const {
  if (to >= n_models_ || from >= n_models_) return 0.0;
  if (n_models_ == 1) return 1.0;
  if (to == from) return stay_;
  return (1.0 - stay_) / static_cast<double>(n_models_ - 1);
}

}  // namespace abcsmc
