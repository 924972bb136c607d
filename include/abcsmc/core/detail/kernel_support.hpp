#pragma once
/// What the perturbation kernels share (src/core/kernel_support.cpp): fit() input checks, the
/// degenerate-variance rule, small scratch buffers, and the factories make_transition
/// (src/core/transition.cpp) combines. Internal to abcsmc_core; each kernel lives in its own file
/// (multivariate_normal_transition.cpp, local_transition.cpp, discrete_random_walk_transition.cpp).
#include <array>
#include <cmath>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "abcsmc/core/detail/constants.hpp"
#include "abcsmc/core/prior.hpp"
#include "abcsmc/core/transition.hpp"
#include "abcsmc/core/types.hpp"

namespace abcsmc::detail {

inline constexpr double kLog2Pi = 1.83787706640934548356;
inline constexpr std::size_t kStackDim = 32;  // dimensions handled without heap allocation

/// `x` as an ostream writes it (the kernels' error messages).
std::string num(double x);

/// Checks fit() input and returns the weights normalised to sum 1.
std::vector<double> normalised_weights(const Matrix& thetas, const Vector& weights,
                                       const char* who);

/// Throws if a kernel built for `expected` parameters (0: any) is fitted to `cols` columns.
void check_dim(std::size_t expected, Eigen::Index cols, const char* who);

/// Throws ConfigError unless the covariance scaling is > 0 and finite.
void check_scaling(double scaling);

/// Replaces zero or non-finite variances by (|center_i| / 10)^2 (0.1^2 if center_i == 0); see
/// the file comment of src/core/transition.cpp.
void fix_degenerate_variances(Matrix& cov, const Vector& center);

inline bool all_finite(const Vector& x) {
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    if (!std::isfinite(x[i])) return false;
  }
  return true;
}

/// Small scratch buffer: on the stack up to kStackDim values, on the heap beyond.
class Scratch {
 public:
  explicit Scratch(std::size_t n) {
    if (n > kStackDim) heap_.resize(n);
  }
  double* data() { return heap_.empty() ? stack_.data() : heap_.data(); }

 private:
  std::array<double, kStackDim>
      stack_;  // uninitialised on purpose: filled before use, zeroing cost 3% of B1
  std::vector<double> heap_;
};

/// The kernels for `dim` parameters (0: any, fixed by the first fit), with their settings checked
/// (ConfigError). make_transition gives each block of a prior's parameters one of these.
std::unique_ptr<Transition> make_mvn(Bandwidth bw, double scaling, std::size_t dim);
std::unique_ptr<Transition> make_local(std::size_t k, double k_fraction, double scaling,
                                       std::size_t dim);
std::unique_ptr<Transition> make_discrete(int steps, std::size_t dim);
/// `inner` mixed with the prior: a proposal from the prior with probability `delta` (0 < delta
/// < 1, else ConfigError), and the mixture's density (src/core/defensive_transition.cpp).
std::unique_ptr<Transition> make_defensive(std::unique_ptr<Transition> inner, const Prior& prior,
                                           double delta);

}  // namespace abcsmc::detail
