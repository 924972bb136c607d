#include "abcsmc/core/distance.hpp"
#include "abcsmc/core/detmath.hpp"

#include <algorithm>
#include <cmath>

#include "abcsmc/core/error.hpp"

namespace abcsmc {

namespace {

double median_in_place(std::vector<double>& v) {
  const std::size_t n = v.size();
  const std::size_t mid = n / 2;
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid), v.end());
  double m = v[mid];
  if (n % 2 == 0) {
    const double lower = *std::max_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(mid));
    m = 0.5 * (m + lower);
  }
  return m;
}

double standard_deviation(const std::vector<double>& v) {
  if (v.size() < 2) return 0.0;
  double mean = 0.0;
  for (double x : v) mean += x;
  mean /= static_cast<double>(v.size());
  double ss = 0.0;
  for (double x : v) ss += (x - mean) * (x - mean);
  return std::sqrt(ss / static_cast<double>(v.size() - 1));
}

}  // namespace

double median_absolute_deviation(std::vector<double> values) {
  if (values.empty()) return 0.0;
  const double med = median_in_place(values);
  for (double& x : values) x = std::abs(x - med);
  return median_in_place(values);
}

Distance::Distance(DistanceSpec::Type type, double p, DistanceSpec::Scale scale, Vector observed,
                   Vector weights)
    : type_(type),
      p_(p),
      scale_(scale),
      observed_(std::move(observed)),
      weights_(std::move(weights)) {
  if (weights_.size() != observed_.size()) {
    throw Error("distance: " + std::to_string(weights_.size()) + " weights for " +
                std::to_string(observed_.size()) + " observed statistics");
  }
}

double Distance::operator()(const Vector& x) const {
  // pyABC's PNormDistance: weights multiply the differences inside the power,
  // d = (sum_k (w_k |x_k - o_k|)^p)^(1/p), so 1/scale weights standardise each statistic.
  const Eigen::Index k = observed_.size();
  if (type_ == DistanceSpec::Type::normal_kernel) {
    double s = 0.0;
    for (Eigen::Index i = 0; i < k; ++i) {
      const double d = weights_[i] * (x[i] - observed_[i]);
      s += d * d;
    }
    return 0.5 * s;
  }
  if (type_ == DistanceSpec::Type::laplace_kernel) {
    double s = 0.0;
    for (Eigen::Index i = 0; i < k; ++i) s += weights_[i] * std::abs(x[i] - observed_[i]);
    return s;
  }
  if (std::isinf(p_)) {
    double m = 0.0;
    for (Eigen::Index i = 0; i < k; ++i)
      m = std::max(m, weights_[i] * std::abs(x[i] - observed_[i]));
    return m;
  }
  if (p_ == 1.0) {
    double s = 0.0;
    for (Eigen::Index i = 0; i < k; ++i) s += weights_[i] * std::abs(x[i] - observed_[i]);
    return s;
  }
  if (p_ == 2.0) {
    double s = 0.0;
    for (Eigen::Index i = 0; i < k; ++i) {
      const double d = weights_[i] * (x[i] - observed_[i]);
      s += d * d;
    }
    return std::sqrt(s);
  }
  double s = 0.0;
  for (Eigen::Index i = 0; i < k; ++i)
    s += detmath::pow(weights_[i] * std::abs(x[i] - observed_[i]), p_);
  return detmath::pow(s, 1.0 / p_);
}

void Distance::adapt(const std::vector<Vector>& stats) {
  if (!adaptive() || stats.empty()) return;
  const Eigen::Index k = observed_.size();
  std::vector<double> column(stats.size());
  for (Eigen::Index i = 0; i < k; ++i) {
    std::size_t n = 0;
    for (const auto& s : stats) {
      if (std::isfinite(s[i])) column[n++] = s[i];
    }
    std::vector<double> finite(column.begin(), column.begin() + static_cast<std::ptrdiff_t>(n));
    const double scale = scale_ == DistanceSpec::Scale::mad ? median_absolute_deviation(finite)
                                                            : standard_deviation(finite);
    // A statistic that does not vary carries no information about the distance scale: weight 0
    // (pyABC sets such weights to zero as well rather than dividing by zero).
    weights_[i] = (scale > 0.0 && std::isfinite(scale)) ? 1.0 / scale : 0.0;
  }
}

}  // namespace abcsmc
