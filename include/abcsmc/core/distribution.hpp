#pragma once
/// Univariate prior distributions (pyABC's RV family).
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "abcsmc/core/rng.hpp"

namespace abcsmc {

/// One univariate distribution. Implementations are immutable and thread-safe.
class Distribution {
 public:
  virtual ~Distribution() = default;
  /// Draws one value from `rng`.
  virtual double sample(Rng& rng) const = 0;
  /// Log density (log pmf for integer distributions); -inf outside the support. Never throws.
  virtual double log_pdf(double x) const = 0;
  /// Cumulative distribution function P(X <= x).
  virtual double cdf(double x) const = 0;
  /// Smallest x with cdf(x) >= p, for p in (0, 1).
  virtual double quantile(double p) const = 0;
  virtual double mean() const = 0;
  virtual double variance() const = 0;
  /// True for integer-valued distributions (discrete_uniform): they get a discrete kernel.
  virtual bool is_integer() const { return false; }
  /// Type name as written in the config, e.g. "normal".
  virtual std::string type() const = 0;
  /// Parameters as written in the config, e.g. {{"mean", 0}, {"sd", 1}}.
  virtual std::map<std::string, double> parameters() const = 0;
};

/// Description of one distribution type, used for validation, "did you mean" and the docs.
struct DistributionInfo {
  std::string type;                     ///< e.g. "truncated_normal"
  std::vector<std::string> parameters;  ///< required parameter names, in documentation order
  std::string summary;                  ///< one line, e.g. "Normal(mean, sd) cut to [low, high]"
};

/// All supported distribution types.
const std::vector<DistributionInfo>& distribution_types();

/// Builds a distribution.
/// @param type one of distribution_types()
/// @param params exactly the parameters that type requires
/// @throws ConfigError with a message that names the offending parameter, its value and the fix,
///         e.g. "uniform needs low < high, got low = 2, high = 1". Unknown type or missing/extra
///         parameter names are ConfigErrors too. The message has no file/line: callers add it.
std::unique_ptr<Distribution> make_distribution(const std::string& type,
                                                const std::map<std::string, double>& params);

}  // namespace abcsmc
