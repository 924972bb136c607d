#pragma once
/// Statistical test helpers (header only), independent of the library's own special functions.
///
/// chi_squared_quantiles() ports the idea of Stan Math's assert_matches_quantiles
/// (test/unit/math/prim/prob/util.hpp): N samples are counted in K = round(2 N^0.4) equiprobable
/// bins whose edges are the analytic quantiles k / K, and the chi-squared statistic with K - 1
/// degrees of freedom must have a p-value above 1e-6. chi_squared_discrete() does the same for
/// integer-valued samples against a pmf, pooling neighbouring values until every bin expects at
/// least 5 counts.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <map>
#include <ostream>
#include <vector>

namespace abcsmc::test {

/// Tolerance on the p-value, as in Stan Math.
inline constexpr double kChiSquaredTolerance = 1e-6;

/// Regularised upper incomplete gamma Q(a, x) = Gamma(a, x) / Gamma(a) (series for x < a + 1,
/// Lentz continued fraction otherwise).
inline double regularized_upper_gamma(double a, double x) {
  if (!(x > 0.0)) return 1.0;
  if (x == std::numeric_limits<double>::infinity()) return 0.0;
  const double log_front = -x + a * std::log(x) - std::lgamma(a);
  constexpr double eps = 1e-15;
  constexpr double tiny = 1e-300;
  if (x < a + 1.0) {
    double ap = a;
    double term = 1.0 / a;
    double sum = term;
    for (int n = 0; n < 1000000; ++n) {
      ap += 1.0;
      term *= x / ap;
      sum += term;
      if (std::abs(term) < std::abs(sum) * eps) break;
    }
    return std::max(0.0, 1.0 - sum * std::exp(log_front));
  }
  double b = x + 1.0 - a;
  double c = 1.0 / tiny;
  double d = 1.0 / b;
  double h = d;
  for (int i = 1; i < 1000000; ++i) {
    const double an = -i * (i - a);
    b += 2.0;
    d = an * d + b;
    if (std::abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (std::abs(c) < tiny) c = tiny;
    d = 1.0 / d;
    const double del = d * c;
    h *= del;
    if (std::abs(del - 1.0) < eps) break;
  }
  return std::min(1.0, std::exp(log_front) * h);
}

/// P(X >= statistic) for X ~ chi-squared(dof).
inline double chi_squared_p_value(double statistic, double dof) {
  return regularized_upper_gamma(0.5 * dof, 0.5 * statistic);
}

struct ChiSquaredResult {
  double statistic = 0.0;
  double dof = 0.0;
  double p_value = 0.0;
  std::size_t bins = 0;
  /// True when the sample is consistent with the reference at the 1e-6 level.
  bool passed() const { return p_value > kChiSquaredTolerance; }
};

inline std::ostream& operator<<(std::ostream& os, const ChiSquaredResult& r) {
  return os << "chi2 = " << r.statistic << " on " << r.dof << " dof (" << r.bins
            << " bins), p = " << r.p_value;
}

/// Number of equiprobable bins for N samples, K = round(2 N^0.4) (Stan Math).
inline std::size_t quantile_bin_count(std::size_t n) {
  return static_cast<std::size_t>(std::lround(2.0 * std::pow(static_cast<double>(n), 0.4)));
}

/// Chi-squared test of continuous samples against a distribution given by its quantile function
/// (`quantile(p)` for p in (0, 1)).
template <class Quantile>
ChiSquaredResult chi_squared_quantiles(const std::vector<double>& samples,
                                       const Quantile& quantile) {
  const std::size_t n = samples.size();
  const std::size_t k = quantile_bin_count(n);
  std::vector<double> edges(k - 1);
  for (std::size_t i = 1; i < k; ++i) {
    edges[i - 1] = quantile(static_cast<double>(i) / static_cast<double>(k));
  }
  std::vector<double> counts(k, 0.0);
  for (double x : samples) {
    const auto bin =
        static_cast<std::size_t>(std::lower_bound(edges.begin(), edges.end(), x) - edges.begin());
    counts[bin] += 1.0;
  }
  const double expected = static_cast<double>(n) / static_cast<double>(k);
  ChiSquaredResult r;
  for (double c : counts) r.statistic += (c - expected) * (c - expected) / expected;
  r.bins = k;
  r.dof = static_cast<double>(k - 1);
  r.p_value = chi_squared_p_value(r.statistic, r.dof);
  return r;
}

/// Chi-squared test of integer-valued samples against `pmf`, given on `support` (ascending
/// integers whose pmf sums to 1 up to rounding). Values are pooled with their neighbours until
/// every bin expects >= 5 counts; a sample outside the support fails the test (p = 0).
template <class Pmf>
ChiSquaredResult chi_squared_discrete(const std::vector<double>& samples,
                                      const std::vector<long long>& support, const Pmf& pmf) {
  std::map<long long, double> counts;
  for (double x : samples) counts[std::llround(x)] += 1.0;
  ChiSquaredResult r;
  double in_support = 0.0;
  for (long long v : support) {
    const auto it = counts.find(v);
    if (it != counts.end()) in_support += it->second;
  }
  const auto n = static_cast<double>(samples.size());
  if (in_support != n) {  // samples at values the pmf says are impossible (or non-integers)
    r.statistic = std::numeric_limits<double>::infinity();
    r.p_value = 0.0;
    return r;
  }
  std::vector<double> obs;
  std::vector<double> exp;
  double o = 0.0;
  double e = 0.0;
  for (long long v : support) {
    const auto it = counts.find(v);
    o += it == counts.end() ? 0.0 : it->second;
    e += n * pmf(v);
    if (e >= 5.0) {
      obs.push_back(o);
      exp.push_back(e);
      o = 0.0;
      e = 0.0;
    }
  }
  if (e > 0.0 || o > 0.0) {
    if (exp.empty()) {
      obs.push_back(o);
      exp.push_back(e);
    } else {
      obs.back() += o;
      exp.back() += e;
    }
  }
  for (std::size_t i = 0; i < obs.size(); ++i) {
    r.statistic += (obs[i] - exp[i]) * (obs[i] - exp[i]) / exp[i];
  }
  r.bins = obs.size();
  r.dof = static_cast<double>(obs.size()) - 1.0;
  r.p_value = r.dof > 0.0 ? chi_squared_p_value(r.statistic, r.dof) : 1.0;
  return r;
}

/// Sample mean and the standard error of the sample mean and of the sample variance (the latter
/// from the sample fourth central moment: Var(s^2) ~ (m4 - s^4) / N).
struct SampleMoments {
  double mean = 0.0;
  double variance = 0.0;
  double se_mean = 0.0;
  double se_variance = 0.0;
};

inline SampleMoments sample_moments(const std::vector<double>& x) {
  SampleMoments m;
  const auto n = static_cast<double>(x.size());
  for (double v : x) m.mean += v;
  m.mean /= n;
  double m2 = 0.0;
  double m4 = 0.0;
  for (double v : x) {
    const double d2 = (v - m.mean) * (v - m.mean);
    m2 += d2;
    m4 += d2 * d2;
  }
  m2 /= n;
  m4 /= n;
  m.variance = m2 * n / (n - 1.0);
  m.se_mean = std::sqrt(m.variance / n);
  m.se_variance = std::sqrt(std::max(m4 - m2 * m2, 0.0) / n);
  return m;
}

}  // namespace abcsmc::test
