#pragma once
/// Distances between simulated and observed summary statistics.
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "abcsmc/core/types.hpp"

namespace abcsmc {

/// `distance:` section of the config.
struct DistanceSpec {
  /// normal_kernel, laplace_kernel: a noise model for exact inference (pyABC's
  /// IndependentNormalKernel / IndependentLaplaceKernel with its StochasticAcceptor), used with
  /// the temperature epsilon.
  enum class Type { pnorm, adaptive_pnorm, normal_kernel, laplace_kernel };
  enum class Scale { mad, sd };
  Type type = Type::pnorm;
  double p = 2.0;                         ///< 1, 2 or infinity
  std::map<std::string, double> weights;  ///< per flattened statistic name; missing = 1
  Scale scale = Scale::mad;               ///< adaptive_pnorm only
  /// Noise kernels: the noise's standard deviation (normal) or scale b (Laplace) per statistic,
  /// keyed as `weights`; `noise_all` for every statistic without a key of its own.
  std::map<std::string, double> noise;
  double noise_all = 0.0;  ///< 0: none (each statistic needs a key)
};

/// Whether the distance is a noise model's negative log-likelihood (stochastic acceptance).
inline bool is_noise_kernel(DistanceSpec::Type t) {
  return t == DistanceSpec::Type::normal_kernel || t == DistanceSpec::Type::laplace_kernel;
}

/// Weighted p-norm d(x) = (sum_k (w_k |x_k - o_k|)^p)^(1/p) (max_k w_k |x_k - o_k| for p = inf),
/// as pyABC's PNormDistance. The noise kernels give log p_max - log p(observed | x), the
/// kernel's log density below its maximum, with w_k = 1 / noise_k: sum_k (w_k (x_k - o_k))^2 / 2
/// (normal), sum_k w_k |x_k - o_k| (Laplace); a candidate is accepted with probability
/// exp(-d / T) (stochastic()).
/// An adaptive distance re-weights by 1 / scale_k, the scale of statistic k over all candidates
/// of a generation (accepted and rejected), as pyABC's AdaptivePNormDistance.
class Distance {
 public:
  /// @param observed the observed statistics (flattened)
  /// @param weights initial weights (size of observed)
  Distance(DistanceSpec::Type type, double p, DistanceSpec::Scale scale, Vector observed,
           Vector weights);

  double operator()(const Vector& x) const;
  bool adaptive() const { return type_ == DistanceSpec::Type::adaptive_pnorm; }
  bool stochastic() const { return is_noise_kernel(type_); }
  /// Re-weights from `stats` (rows = candidates in evaluation-index order). No-op unless adaptive.
  void adapt(const std::vector<Vector>& stats);
  const Vector& weights() const { return weights_; }
  void set_weights(const Vector& w) { weights_ = w; }
  const Vector& observed() const { return observed_; }

 private:
  DistanceSpec::Type type_;
  double p_;
  DistanceSpec::Scale scale_;
  Vector observed_;
  Vector weights_;
};

/// Median absolute deviation of `values` (median |x - median x|).
double median_absolute_deviation(std::vector<double> values);

}  // namespace abcsmc
