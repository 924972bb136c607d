#include "abcsmc/core/detail/kernel_support.hpp"

#include <sstream>

#include "abcsmc/core/error.hpp"

namespace abcsmc::detail {

std::string num(double x) {
  std::ostringstream os;
  os << x;
  return os.str();
}

std::vector<double> normalised_weights(const Matrix& thetas, const Vector& weights,
                                       const char* who) {
  if (thetas.rows() == 0) throw Error(std::string(who) + ": cannot fit to an empty population");
  if (weights.size() != thetas.rows()) {
    throw Error(std::string(who) + ": " + std::to_string(thetas.rows()) + " particles but " +
                std::to_string(weights.size()) + " weights");
  }
  if (!thetas.allFinite()) throw Error(std::string(who) + ": non-finite particle parameter");
  double total = 0.0;
  for (Eigen::Index i = 0; i < weights.size(); ++i) {
    if (!(weights[i] >= 0.0) || !std::isfinite(weights[i])) {
      throw Error(std::string(who) + ": weight " + std::to_string(i) + " is " + num(weights[i]) +
                  ", but weights must be finite and >= 0");
    }
    total += weights[i];
  }
  if (!(total > 0.0)) throw Error(std::string(who) + ": all weights are zero");
  std::vector<double> w(static_cast<std::size_t>(weights.size()));
  for (std::size_t i = 0; i < w.size(); ++i) w[i] = weights[static_cast<Eigen::Index>(i)] / total;
  return w;
}

void check_dim(std::size_t expected, Eigen::Index cols, const char* who) {
  if (expected != 0 && static_cast<std::size_t>(cols) != expected) {
    throw Error(std::string(who) + ": particles have " + std::to_string(cols) +
                " parameters, the kernel was built for " + std::to_string(expected));
  }
}

void fix_degenerate_variances(Matrix& cov, const Vector& center) {
  for (Eigen::Index i = 0; i < cov.rows(); ++i) {
    if (cov(i, i) > 0.0 && std::isfinite(cov(i, i))) continue;
    const double sd = center[i] != 0.0 ? std::abs(center[i]) / 10.0 : 0.1;
    cov.row(i).setZero();
    cov.col(i).setZero();
    cov(i, i) = sd * sd;
  }
}

void check_scaling(double scaling) {
  if (!(scaling > 0.0) || !std::isfinite(scaling)) {
    throw ConfigError("transition.scaling must be > 0, got " + num(scaling));
  }
}

}  // namespace abcsmc::detail
