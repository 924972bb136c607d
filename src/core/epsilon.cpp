#include "abcsmc/core/epsilon.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "abcsmc/core/error.hpp"

namespace abcsmc {

double weighted_quantile(const std::vector<double>& points, const std::vector<double>& weights,
                         double alpha) {
  const std::size_t n = points.size();
  if (n == 0) throw Error("weighted_quantile of an empty set");
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::size_t a, std::size_t b) { return points[a] < points[b]; });
  double total = 0.0;
  for (double w : weights) total += w;
  // pyABC: np.interp(alpha, cumsum(w) - 0.5 w, sorted points), with normalised weights.
  std::vector<double> xs(n);
  double cum = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const double w = weights[order[i]] / total;
    cum += w;
    xs[i] = cum - 0.5 * w;
  }
  if (alpha <= xs.front()) return points[order.front()];
  if (alpha >= xs.back()) return points[order.back()];
  const auto it = std::upper_bound(xs.begin(), xs.end(), alpha);
  const std::size_t hi = static_cast<std::size_t>(it - xs.begin());
  const std::size_t lo = hi - 1;
  const double x0 = xs[lo];
  const double x1 = xs[hi];
  const double y0 = points[order[lo]];
  const double y1 = points[order[hi]];
  if (x1 <= x0) return y1;
  return y0 + (alpha - x0) * (y1 - y0) / (x1 - x0);
}

bool needs_calibration(const EpsilonSpec& spec) {
  return (spec.type == EpsilonSpec::Type::quantile ||
          spec.type == EpsilonSpec::Type::temperature) &&
         !spec.initial.has_value();
}

double initial_epsilon(const EpsilonSpec& spec, const std::vector<double>& calibration_distances) {
  switch (spec.type) {
    case EpsilonSpec::Type::constant:
      return spec.value;
    case EpsilonSpec::Type::list:
      return spec.values.at(0);
    case EpsilonSpec::Type::quantile:
    case EpsilonSpec::Type::temperature:
      break;
  }
  if (spec.initial) return *spec.initial;
  std::vector<double> finite;
  for (double d : calibration_distances) {
    if (std::isfinite(d)) finite.push_back(d);
  }
  if (finite.empty()) {
    throw Error(
        "every calibration simulation failed or gave a non-finite distance: cannot set "
        "the first epsilon (check the model, or set epsilon.initial)");
  }
  if (spec.type == EpsilonSpec::Type::temperature) {
    return match_acceptance_rate(finite, spec.target_rate);
  }
  return weighted_quantile(finite, std::vector<double>(finite.size(), 1.0), spec.alpha);
}

std::optional<double> next_epsilon(const EpsilonSpec& spec, std::uint32_t t,
                                   const std::vector<double>& distances,
                                   const std::vector<double>& weights) {
  switch (spec.type) {
    case EpsilonSpec::Type::constant:
      return spec.value;
    case EpsilonSpec::Type::list:
      if (t < spec.values.size()) return spec.values[t];
      return std::nullopt;
    case EpsilonSpec::Type::temperature:
      throw Error("next_epsilon: a temperature comes from next_temperature");
    case EpsilonSpec::Type::quantile:
      break;
  }
  const std::vector<double> w =
      spec.weighted ? weights : std::vector<double>(distances.size(), 1.0);
  return weighted_quantile(distances, w, spec.alpha);
}

}  // namespace abcsmc
