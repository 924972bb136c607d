#include "abcsmc/core/distribution.hpp"
#include "abcsmc/core/detail/special_functions.hpp"
#include "abcsmc/core/detmath.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <limits>
#include <sstream>
#include <tuple>
#include <utility>

#include "abcsmc/core/error.hpp"
#include "abcsmc/core/suggest.hpp"

namespace abcsmc {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

/// Compact number formatting for messages: 12 significant digits, no trailing zeros.
std::string num(double x) {
  std::ostringstream os;
  os << std::setprecision(12) << x;
  return os.str();
}

// ------------------------------------------------------------------------------------------------
// The distributions.

class UniformDist final : public Distribution {
 public:
  UniformDist(double low, double high)
      : low_(low), high_(high), log_density_(-detmath::log(high - low)) {}
  double sample(Rng& rng) const override {
    return std::min(high_, low_ + (high_ - low_) * rng.uniform());
  }
  double log_pdf(double x) const override {
    return (x >= low_ && x <= high_) ? log_density_ : -kInf;
  }
  double cdf(double x) const override {
    if (x <= low_) return 0.0;
    if (x >= high_) return 1.0;
    return (x - low_) / (high_ - low_);
  }
  double quantile(double p) const override {
    return std::clamp(low_ + p * (high_ - low_), low_, high_);
  }
  double mean() const override { return 0.5 * (low_ + high_); }
  double variance() const override { return (high_ - low_) * (high_ - low_) / 12.0; }
  std::string type() const override { return "uniform"; }
  std::map<std::string, double> parameters() const override {
    return {{"low", low_}, {"high", high_}};
  }

 private:
  double low_, high_, log_density_;
};

class NormalDist final : public Distribution {
 public:
  NormalDist(double mean, double sd)
      : mean_(mean),
        sd_(sd),
        inv_sd_(1.0 / sd),
        log_norm_(-detmath::log(sd) - detail::kLogSqrt2Pi) {}
  double sample(Rng& rng) const override { return mean_ + sd_ * rng.normal(); }
  double log_pdf(double x) const override {
    const double z = (x - mean_) * inv_sd_;
    const double r = log_norm_ - 0.5 * z * z;
    return r == r ? r : -kInf;  // NaN input -> -inf
  }
  double cdf(double x) const override { return detail::norm_cdf((x - mean_) / sd_); }
  double quantile(double p) const override { return mean_ + sd_ * detail::norm_quantile(p); }
  double mean() const override { return mean_; }
  double variance() const override { return sd_ * sd_; }
  std::string type() const override { return "normal"; }
  std::map<std::string, double> parameters() const override {
    return {{"mean", mean_}, {"sd", sd_}};
  }

 private:
  double mean_, sd_, inv_sd_, log_norm_;
};

class LogNormalDist final : public Distribution {
 public:
  LogNormalDist(double mu, double sigma)
      : mu_(mu), sigma_(sigma), log_norm_(-detmath::log(sigma) - detail::kLogSqrt2Pi) {}
  double sample(Rng& rng) const override { return detmath::exp(mu_ + sigma_ * rng.normal()); }
  double log_pdf(double x) const override {
    if (!(x > 0.0) || x == kInf) return -kInf;
    const double lx = detmath::log(x);
    const double z = (lx - mu_) / sigma_;
    return log_norm_ - lx - 0.5 * z * z;
  }
  double cdf(double x) const override {
    if (!(x > 0.0)) return 0.0;
    return detail::norm_cdf((detmath::log(x) - mu_) / sigma_);
  }
  double quantile(double p) const override {
    return detmath::exp(mu_ + sigma_ * detail::norm_quantile(p));
  }
  double mean() const override { return detmath::exp(mu_ + 0.5 * sigma_ * sigma_); }
  double variance() const override {
    return detmath::expm1(sigma_ * sigma_) * detmath::exp(2.0 * mu_ + sigma_ * sigma_);
  }
  std::string type() const override { return "lognormal"; }
  std::map<std::string, double> parameters() const override {
    return {{"mu", mu_}, {"sigma", sigma_}};
  }

 private:
  double mu_, sigma_, log_norm_;
};

class LogUniformDist final : public Distribution {
 public:
  LogUniformDist(double low, double high)
      : low_(low),
        high_(high),
        log_ratio_(detmath::log(high / low)),
        log_log_ratio_(detmath::log(detmath::log(high / low))) {}
  double sample(Rng& rng) const override { return quantile(rng.uniform()); }
  double log_pdf(double x) const override {
    if (!(x >= low_ && x <= high_)) return -kInf;
    return -detmath::log(x) - log_log_ratio_;
  }
  double cdf(double x) const override {
    if (x <= low_) return 0.0;
    if (x >= high_) return 1.0;
    return detmath::log(x / low_) / log_ratio_;
  }
  double quantile(double p) const override {
    return std::clamp(low_ * detmath::exp(p * log_ratio_), low_, high_);
  }
  double mean() const override { return (high_ - low_) / log_ratio_; }
  double variance() const override {
    const double m = mean();
    return (high_ * high_ - low_ * low_) / (2.0 * log_ratio_) - m * m;
  }
  std::string type() const override { return "loguniform"; }
  std::map<std::string, double> parameters() const override {
    return {{"low", low_}, {"high", high_}};
  }

 private:
  double low_, high_, log_ratio_, log_log_ratio_;
};

/// Normal(mean, sd) restricted to [low, high] (bounds may be infinite). Everything is computed in
/// standard units z = (x - mean) / sd on [a, b]. When the interval lies in one tail, the upper
/// tail function Q is used in log space (log_norm_upper), so intervals far out in a tail (a = 40)
/// work; the lower tail is handled by mirroring. Sampling is inverse-cdf and never loops.
class TruncatedNormalDist final : public Distribution {
 public:
  TruncatedNormalDist(double mean, double sd, double low, double high)
      : mean_(mean),
        sd_(sd),
        low_(low),
        high_(high),
        a_((low - mean) / sd),
        b_((high - mean) / sd) {
    if (a_ >= 0.0) {
      mode_ = Mode::upper;
      ta_ = a_;
      tb_ = b_;
    } else if (b_ <= 0.0) {
      mode_ = Mode::lower;
      ta_ = -b_;
      tb_ = -a_;
    } else {
      mode_ = Mode::straddle;
    }
    if (mode_ == Mode::straddle) {
      erf_a_ = detmath::erf(a_ * detail::kSqrt1_2);
      z_ = 0.5 * (detmath::erf(b_ * detail::kSqrt1_2) - erf_a_);
      log_z_ = detmath::log(z_);
    } else {
      log_qa_ = detail::log_norm_upper(ta_);
      r_ = detmath::exp(detail::log_norm_upper(tb_) - log_qa_);
      log_z_ = log_qa_ + detmath::log1p(-r_);
    }
    log_norm_ = -log_z_ - detmath::log(sd_) - detail::kLogSqrt2Pi;
    std::tie(std_mean_, std_var_) = std_moments();
  }

  double sample(Rng& rng) const override { return from_std(std_quantile(rng.uniform())); }
  double log_pdf(double x) const override {
    if (!(x >= low_ && x <= high_)) return -kInf;
    const double z = (x - mean_) / sd_;
    return log_norm_ - 0.5 * z * z;
  }
  double cdf(double x) const override {
    if (!(x > low_)) return 0.0;
    if (!(x < high_)) return 1.0;
    const double z = (x - mean_) / sd_;
    double c = 0.0;
    switch (mode_) {
      case Mode::upper:
        c = -detmath::expm1(detail::log_norm_upper(z) - log_qa_) / (1.0 - r_);
        break;
      case Mode::lower:
        c = (detmath::exp(detail::log_norm_upper(-z) - log_qa_) - r_) / (1.0 - r_);
        break;
      case Mode::straddle:
        c = 0.5 * (detmath::erf(z * detail::kSqrt1_2) - erf_a_) / z_;
        break;
    }
    return std::clamp(c, 0.0, 1.0);
  }
  double quantile(double p) const override { return from_std(std_quantile(p)); }
  double mean() const override { return mean_ + sd_ * std_mean_; }
  double variance() const override { return sd_ * sd_ * std_var_; }
  std::string type() const override { return "truncated_normal"; }
  std::map<std::string, double> parameters() const override {
    return {{"mean", mean_}, {"sd", sd_}, {"low", low_}, {"high", high_}};
  }

 private:
  enum class Mode { upper, lower, straddle };

  double from_std(double z) const { return std::clamp(mean_ + sd_ * z, low_, high_); }

  /// Solves log Q(y) = target for y in [ta, tb] by Newton's method. log Q is concave and
  /// decreasing, so after the first step from ta the iterates approach the root monotonically
  /// from the right; the iteration count is bounded.
  double solve_upper(double target) const {
    double y = ta_;
    for (int it = 0; it < 200; ++it) {
      const double lq = detail::log_norm_upper(y);
      const double f = lq - target;
      if (f == 0.0) break;
      const double slope = -detmath::exp(detail::norm_log_pdf(y) - lq);  // d/dy log Q(y) = -phi / Q
      double next = y - f / slope;
      if (next > tb_) next = tb_;
      if (next < ta_) next = ta_;
      if (std::abs(next - y) <= 1e-15 * std::max(1.0, std::abs(y))) {
        y = next;
        break;
      }
      y = next;
    }
    return y;
  }

  double std_quantile(double p) const {
    if (!(p > 0.0)) return a_;
    if (!(p < 1.0)) return b_;
    switch (mode_) {
      case Mode::upper:
        return solve_upper(log_qa_ + detmath::log1p(-p * (1.0 - r_)));
      case Mode::lower:  // P(X <= x) = p  <=>  P(Y >= -x) = p with Y = -X on [ta, tb]
        return -solve_upper(log_qa_ + detmath::log(r_ + p * (1.0 - r_)));
      case Mode::straddle:
        break;
    }
    const double p_lower = detail::norm_cdf(a_) + p * z_;            // Phi(x)
    const double p_upper = detail::norm_upper(b_) + (1.0 - p) * z_;  // 1 - Phi(x)
    double x = 0.0;
    if (p_lower < 0.25) {
      x = detail::norm_quantile(p_lower);
    } else if (p_upper < 0.25) {
      x = -detail::norm_quantile(p_upper);
    } else {
      // Central part: refine on erf, which is accurate near 0 (narrow intervals around the mean).
      const double e = erf_a_ + 2.0 * p * z_;
      x = detail::norm_quantile(0.5 + 0.5 * e);
      for (int it = 0; it < 3; ++it) {
        const double g = detmath::erf(x * detail::kSqrt1_2) - e;
        x -= g / (2.0 * detmath::exp(detail::norm_log_pdf(x)));
      }
    }
    return std::clamp(x, a_, b_);
  }

  /// Mean and variance of the standardised truncated normal. The closed form
  /// m = (phi(a) - phi(b)) / Z, v = 1 + (a phi(a) - b phi(b)) / Z - m^2 cancels badly for narrow
  /// intervals or intervals far in a tail; then the moments are computed by Simpson quadrature
  /// of exp(-(z^2 - c^2) / 2) in coordinates u = z - c centred on the density's mode c, over the
  /// region holding all but ~e^-50 of the mass.
  std::pair<double, double> std_moments() const {
    const double pa = a_ == -kInf ? 0.0 : detmath::exp(detail::norm_log_pdf(a_) - log_z_);
    const double pb = b_ == kInf ? 0.0 : detmath::exp(detail::norm_log_pdf(b_) - log_z_);
    const double m = pa - pb;
    const double apa = a_ == -kInf ? 0.0 : a_ * pa;
    const double bpb = b_ == kInf ? 0.0 : b_ * pb;
    const double v = 1.0 + apa - bpb - m * m;
    const double scale = 1.0 + std::abs(apa) + std::abs(bpb) + m * m;
    if (v > 1e-6 * scale) return {m, v};
    const double c = std::clamp(0.0, a_, b_);
    const double reach = std::sqrt(c * c + 100.0);
    const double lo = std::max(a_, -reach) - c;
    const double hi = std::min(b_, reach) - c;
    constexpr int n = 20000;
    const double h = (hi - lo) / n;
    double s0 = 0.0;
    double s1 = 0.0;
    double s2 = 0.0;
    for (int i = 0; i <= n; ++i) {
      const double u = lo + i * h;
      const double wgt = (i == 0 || i == n) ? 1.0 : (i % 2 ? 4.0 : 2.0);
      const double f = wgt * detmath::exp(-0.5 * u * (u + 2.0 * c));
      s0 += f;
      s1 += u * f;
      s2 += u * u * f;
    }
    const double mu = s1 / s0;
    return {c + mu, std::max(s2 / s0 - mu * mu, 0.0)};
  }

  double mean_, sd_, low_, high_;
  double a_, b_;
  Mode mode_ = Mode::straddle;
  double ta_ = 0.0, tb_ = 0.0;             // one-tail modes: the interval in upper-tail orientation
  double log_qa_ = 0.0, r_ = 0.0;          // one-tail modes: log Q(ta), Q(tb) / Q(ta)
  double erf_a_ = 0.0, z_ = 0.0;           // straddle mode: erf(a / sqrt 2), mass of [a, b]
  double log_z_ = 0.0;                     // log of the mass of [a, b]
  double log_norm_ = 0.0;                  // log density normalisation in x units
  double std_mean_ = 0.0, std_var_ = 0.0;  // moments in standard units
};

class BetaDist final : public Distribution {
 public:
  BetaDist(double a, double b)
      : a_(a), b_(b), lbeta_(detmath::lgamma(a) + detmath::lgamma(b) - detmath::lgamma(a + b)) {}
  double sample(Rng& rng) const override { return rng.beta(a_, b_); }
  double log_pdf(double x) const override {
    if (!(x >= 0.0 && x <= 1.0)) return -kInf;
    return detail::xlogy(a_ - 1.0, x) + detail::xlogy(b_ - 1.0, 1.0 - x) - lbeta_;
  }
  double cdf(double x) const override { return detail::reg_inc_beta(a_, b_, x, lbeta_); }
  double quantile(double p) const override {
    if (!(p > 0.0)) return 0.0;
    if (!(p < 1.0)) return 1.0;
    return detail::solve_quantile(
        p, 0.0, 1.0, mean(), [this](double x) { return cdf(x); },
        [this](double x) { return log_pdf(x); });
  }
  double mean() const override { return a_ / (a_ + b_); }
  double variance() const override {
    const double s = a_ + b_;
    return a_ * b_ / (s * s * (s + 1.0));
  }
  std::string type() const override { return "beta"; }
  std::map<std::string, double> parameters() const override { return {{"a", a_}, {"b", b_}}; }

 private:
  double a_, b_, lbeta_;
};

class GammaDist final : public Distribution {
 public:
  GammaDist(double shape, double scale)
      : shape_(shape),
        scale_(scale),
        lgamma_shape_(detmath::lgamma(shape)),
        log_norm_(-detmath::lgamma(shape) - shape * detmath::log(scale)) {}
  double sample(Rng& rng) const override { return scale_ * rng.gamma(shape_); }
  double log_pdf(double x) const override {
    if (!(x >= 0.0) || x == kInf) return -kInf;
    return log_norm_ + detail::xlogy(shape_ - 1.0, x) - x / scale_;
  }
  double cdf(double x) const override {
    return detail::reg_lower_gamma(shape_, x / scale_, lgamma_shape_);
  }
  double quantile(double p) const override {
    if (!(p > 0.0)) return 0.0;
    if (!(p < 1.0)) return kInf;
    double hi = mean() + 10.0 * std::sqrt(variance());
    for (int i = 0; i < 2000 && cdf(hi) < p; ++i) hi *= 2.0;
    return detail::solve_quantile(
        p, 0.0, hi, mean(), [this](double x) { return cdf(x); },
        [this](double x) { return log_pdf(x); });
  }
  double mean() const override { return shape_ * scale_; }
  double variance() const override { return shape_ * scale_ * scale_; }
  std::string type() const override { return "gamma"; }
  std::map<std::string, double> parameters() const override {
    return {{"shape", shape_}, {"scale", scale_}};
  }

 private:
  double shape_, scale_, lgamma_shape_, log_norm_;
};

class ExponentialDist final : public Distribution {
 public:
  explicit ExponentialDist(double scale) : scale_(scale), log_scale_(detmath::log(scale)) {}
  double sample(Rng& rng) const override { return rng.exponential(scale_); }
  double log_pdf(double x) const override {
    if (!(x >= 0.0) || x == kInf) return -kInf;
    return -log_scale_ - x / scale_;
  }
  double cdf(double x) const override { return x <= 0.0 ? 0.0 : -detmath::expm1(-x / scale_); }
  double quantile(double p) const override {
    if (!(p < 1.0)) return kInf;
    return -scale_ * detmath::log1p(-p);
  }
  double mean() const override { return scale_; }
  double variance() const override { return scale_ * scale_; }
  std::string type() const override { return "exponential"; }
  std::map<std::string, double> parameters() const override { return {{"scale", scale_}}; }

 private:
  double scale_, log_scale_;
};

class DiscreteUniformDist final : public Distribution {
 public:
  DiscreteUniformDist(double low, double high)
      : low_(low),
        high_(high),
        count_(high - low + 1.0),
        log_pmf_(-detmath::log(high - low + 1.0)) {}
  double sample(Rng& rng) const override {
    return low_ + static_cast<double>(rng.below(static_cast<std::uint64_t>(count_)));
  }
  double log_pdf(double x) const override {
    if (!(x >= low_ && x <= high_) || x != std::floor(x)) return -kInf;
    return log_pmf_;
  }
  double cdf(double x) const override {
    if (x < low_) return 0.0;
    if (x >= high_) return 1.0;
    return (std::floor(x) - low_ + 1.0) / count_;
  }
  double quantile(double p) const override {
    if (!(p > 0.0)) return low_;
    if (!(p < 1.0)) return high_;
    double k = std::clamp(low_ + std::ceil(p * count_) - 1.0, low_, high_);
    // Guard against rounding in p * count: smallest k with cdf(k) >= p.
    while (k > low_ && cdf(k - 1.0) >= p) k -= 1.0;
    while (k < high_ && cdf(k) < p) k += 1.0;
    return k;
  }
  double mean() const override { return 0.5 * (low_ + high_); }
  double variance() const override { return (count_ * count_ - 1.0) / 12.0; }
  bool is_integer() const override { return true; }
  std::string type() const override { return "discrete_uniform"; }
  std::map<std::string, double> parameters() const override {
    return {{"low", low_}, {"high", high_}};
  }

 private:
  double low_, high_, count_, log_pmf_;
};

// ------------------------------------------------------------------------------------------------
// Validation.

std::string and_list(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += (i + 1 == names.size()) ? " and " : ", ";
    out += "'" + names[i] + "'";
  }
  return out;
}

[[noreturn]] void fail(const std::string& message) { throw ConfigError(message); }

void need_positive(const std::string& type, const std::string& name, double v) {
  if (!(v > 0.0)) fail(type + " needs " + name + " > 0, got " + name + " = " + num(v));
}

void need_less(const std::string& type, double low, double high) {
  if (!(low < high)) {
    fail(type + " needs low < high, got low = " + num(low) + ", high = " + num(high));
  }
}

}  // namespace

const std::vector<DistributionInfo>& distribution_types() {
  static const std::vector<DistributionInfo> types = {
      {"uniform", {"low", "high"}, "Uniform on [low, high]"},
      {"normal", {"mean", "sd"}, "Normal(mean, sd)"},
      {"lognormal", {"mu", "sigma"}, "log X ~ Normal(mu, sigma)"},
      {"loguniform", {"low", "high"}, "log X uniform on [log low, log high], 0 < low < high"},
      {"truncated_normal", {"mean", "sd", "low", "high"}, "Normal(mean, sd) cut to [low, high]"},
      {"beta", {"a", "b"}, "Beta(a, b) on [0, 1]"},
      {"gamma", {"shape", "scale"}, "Gamma(shape, scale), mean shape * scale"},
      {"exponential", {"scale"}, "Exponential with mean scale"},
      {"discrete_uniform", {"low", "high"}, "Integers low, low + 1, ..., high, equally likely"},
  };
  return types;
}

std::unique_ptr<Distribution> make_distribution(const std::string& type,
                                                const std::map<std::string, double>& params) {
  const auto& types = distribution_types();
  const auto info = std::find_if(types.begin(), types.end(),
                                 [&](const DistributionInfo& i) { return i.type == type; });
  if (info == types.end()) {
    std::vector<std::string> names;
    for (const auto& i : types) names.push_back(i.type);
    const std::string hint = did_you_mean(type, names);
    fail("unknown prior type '" + type + "'." +
         (hint.empty() ? " Known types are " + and_list(names) + "." : hint));
  }
  const auto& wanted = info->parameters;
  for (const auto& [name, value] : params) {
    if (std::find(wanted.begin(), wanted.end(), name) == wanted.end()) {
      const std::string hint = did_you_mean(name, wanted);
      fail(type + " has no parameter '" + name + "' (it takes " + and_list(wanted) + ")" +
           (hint.empty() ? "" : "." + hint));
    }
  }
  for (const auto& name : wanted) {
    if (params.find(name) == params.end()) fail(type + " is missing parameter '" + name + "'");
  }
  const bool infinite_bounds_ok = type == "truncated_normal";
  for (const auto& name : wanted) {
    const double v = params.at(name);
    const bool is_bound = name == "low" || name == "high";
    if (std::isnan(v) || (std::isinf(v) && !(infinite_bounds_ok && is_bound))) {
      fail(type + " needs a finite " + name + ", got " + name + " = " + num(v));
    }
  }
  const auto p = [&](const char* name) { return params.at(name); };

  if (type == "uniform") {
    need_less(type, p("low"), p("high"));
    if (!std::isfinite(p("high") - p("low"))) {
      fail("uniform needs high - low to be finite, got low = " + num(p("low")) +
           ", high = " + num(p("high")));
    }
    return std::make_unique<UniformDist>(p("low"), p("high"));
  }
  if (type == "normal") {
    need_positive(type, "sd", p("sd"));
    return std::make_unique<NormalDist>(p("mean"), p("sd"));
  }
  if (type == "lognormal") {
    need_positive(type, "sigma", p("sigma"));
    return std::make_unique<LogNormalDist>(p("mu"), p("sigma"));
  }
  if (type == "loguniform") {
    if (!(p("low") > 0.0 && p("low") < p("high"))) {
      fail("loguniform needs 0 < low < high, got low = " + num(p("low")) +
           ", high = " + num(p("high")));
    }
    return std::make_unique<LogUniformDist>(p("low"), p("high"));
  }
  if (type == "truncated_normal") {
    need_positive(type, "sd", p("sd"));
    need_less(type, p("low"), p("high"));
    return std::make_unique<TruncatedNormalDist>(p("mean"), p("sd"), p("low"), p("high"));
  }
  if (type == "beta") {
    need_positive(type, "a", p("a"));
    need_positive(type, "b", p("b"));
    return std::make_unique<BetaDist>(p("a"), p("b"));
  }
  if (type == "gamma") {
    need_positive(type, "shape", p("shape"));
    need_positive(type, "scale", p("scale"));
    return std::make_unique<GammaDist>(p("shape"), p("scale"));
  }
  if (type == "exponential") {
    need_positive(type, "scale", p("scale"));
    return std::make_unique<ExponentialDist>(p("scale"));
  }
  // discrete_uniform
  for (const char* name : {"low", "high"}) {
    const double v = p(name);
    if (v != std::floor(v) || std::abs(v) > 9.007199254740992e15) {
      fail(std::string("discrete_uniform needs an integer ") + name + ", got " + name + " = " +
           num(v));
    }
  }
  if (!(p("low") <= p("high"))) {
    fail("discrete_uniform needs low <= high, got low = " + num(p("low")) +
         ", high = " + num(p("high")));
  }
  return std::make_unique<DiscreteUniformDist>(p("low"), p("high"));
}

}  // namespace abcsmc
