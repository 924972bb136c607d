#include "abcsmc/core/distribution.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "abcsmc/core/error.hpp"
#include "abcsmc/core/prior.hpp"
#include "support/stat.hpp"

using abcsmc::ConfigError;
using abcsmc::Distribution;
using abcsmc::make_distribution;
using abcsmc::Rng;
using abcsmc::StreamId;
using Params = std::map<std::string, double>;

namespace {

/// cdf(quantile(p)) == p up to 1e-9 relative, plus what the rounding of x = quantile(p) to a
/// double can explain (density times a few ulp of x).
void check_inverse(const Distribution& d, double p) {
  const double x = d.quantile(p);
  const double ulp_slack =
      4.0 * std::numeric_limits<double>::epsilon() * std::abs(x) * std::exp(d.log_pdf(x));
  INFO("p = " << p << ", x = " << x);
  CHECK(std::abs(d.cdf(x) - p) <= 1e-9 * std::min(p, 1 - p) + 1e-15 + ulp_slack);
}

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kPi = 3.14159265358979323846;

struct Case {
  std::string type;
  Params params;
};

/// Continuous cases with bounded densities (so that the pdf can be integrated numerically).
std::vector<Case> continuous_cases() {
  return {
      {"uniform", {{"low", -1.5}, {"high", 4.0}}},
      {"normal", {{"mean", 2.0}, {"sd", 0.5}}},
      {"lognormal", {{"mu", 0.3}, {"sigma", 0.6}}},
      {"loguniform", {{"low", 0.5}, {"high", 8.0}}},
      {"truncated_normal", {{"mean", 1.0}, {"sd", 2.0}, {"low", -0.5}, {"high", 6.0}}},
      {"truncated_normal", {{"mean", 0.0}, {"sd", 1.0}, {"low", 1.5}, {"high", kInf}}},
      {"truncated_normal", {{"mean", 0.0}, {"sd", 1.0}, {"low", -kInf}, {"high", -2.0}}},
      {"beta", {{"a", 2.5}, {"b", 4.0}}},
      {"gamma", {{"shape", 3.0}, {"scale", 0.5}}},
      {"exponential", {{"scale", 1.7}}},
  };
}

std::string describe(const Case& c) {
  std::string s = c.type;
  for (const auto& [k, v] : c.params) s += " " + k + "=" + std::to_string(v);
  return s;
}

std::vector<double> draw(const Distribution& d, std::size_t n, std::uint64_t seed) {
  Rng rng{StreamId{seed, 0, 0}};
  std::vector<double> x(n);
  for (auto& v : x) v = d.sample(rng);
  return x;
}

/// Composite Simpson integral of exp(log_pdf) over [a, b] with `m` (even) intervals.
double integrate_pdf(const Distribution& d, double a, double b, int m) {
  const double h = (b - a) / m;
  double s = std::exp(d.log_pdf(a)) + std::exp(d.log_pdf(b));
  for (int i = 1; i < m; ++i) s += (i % 2 ? 4.0 : 2.0) * std::exp(d.log_pdf(a + i * h));
  return s * h / 3.0;
}

void check_message(const std::string& type, const Params& params, const std::string& expected) {
  INFO(type);
  try {
    make_distribution(type, params);
    FAIL("no ConfigError for " << type);
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()) == expected);
  }
}

}  // namespace

TEST_CASE("Distribution: samples match the quantiles (chi-squared)", "[core]") {
  std::uint64_t seed = 100;
  for (const auto& c : continuous_cases()) {
    const auto d = make_distribution(c.type, c.params);
    const auto x = draw(*d, 20000, ++seed);
    const auto r = abcsmc::test::chi_squared_quantiles(x, [&](double p) { return d->quantile(p); });
    INFO(describe(c) << ": " << r);
    CHECK(r.passed());
  }
  SECTION("beta and gamma with shape < 1 (unbounded density)") {
    for (const auto& c : std::vector<Case>{{"beta", {{"a", 0.4}, {"b", 0.8}}},
                                           {"gamma", {{"shape", 0.5}, {"scale", 3.0}}}}) {
      const auto d = make_distribution(c.type, c.params);
      const auto x = draw(*d, 20000, ++seed);
      const auto r =
          abcsmc::test::chi_squared_quantiles(x, [&](double p) { return d->quantile(p); });
      INFO(describe(c) << ": " << r);
      CHECK(r.passed());
    }
  }
  SECTION("discrete_uniform") {
    const auto d = make_distribution("discrete_uniform", {{"low", -2}, {"high", 5}});
    const auto x = draw(*d, 20000, 99);
    const std::vector<long long> support{-2, -1, 0, 1, 2, 3, 4, 5};
    const auto r = abcsmc::test::chi_squared_discrete(x, support, [](long long) { return 0.125; });
    INFO(r);
    CHECK(r.passed());
  }
}

TEST_CASE("Distribution: cdf(quantile(p)) == p and the cdf integrates the pdf", "[core]") {
  for (const auto& c : continuous_cases()) {
    const auto d = make_distribution(c.type, c.params);
    INFO(describe(c));
    for (double p : {1e-9, 1e-4, 0.01, 0.1, 0.3, 0.5, 0.77, 0.95, 0.999, 1 - 1e-9}) {
      check_inverse(*d, p);
    }
    // The density integrates to the probability the cdf reports, and to 1 overall.
    const double lo = d->quantile(1e-12);
    const double hi = d->quantile(1 - 1e-12);
    const int m = 20000;
    const double total = integrate_pdf(*d, lo, hi, m);
    CHECK(total == Approx(1.0 - 2e-12).epsilon(1e-7));
    for (double p : {0.2, 0.6, 0.9}) {
      const double x = d->quantile(p);
      CHECK(integrate_pdf(*d, lo, x, m) == Approx(d->cdf(x) - 1e-12).epsilon(1e-7));
    }
    // Mean and variance agree with the density's moments.
    const double h = (hi - lo) / m;
    double m1 = 0.0;
    double m2 = 0.0;
    for (int i = 0; i <= m; ++i) {
      const double x = lo + i * h;
      const double wgt = (i == 0 || i == m) ? 1.0 : (i % 2 ? 4.0 : 2.0);
      const double f = std::exp(d->log_pdf(x)) * wgt * h / 3.0;
      m1 += x * f;
      m2 += x * x * f;
    }
    CHECK(d->mean() == Approx(m1).epsilon(1e-6).margin(1e-9));
    CHECK(d->variance() == Approx(m2 - m1 * m1).epsilon(1e-5));
  }
}

TEST_CASE("Distribution: log_pdf closed forms", "[core]") {
  const double log_sqrt_2pi = 0.5 * std::log(2 * kPi);
  CHECK(make_distribution("uniform", {{"low", 2}, {"high", 5}})->log_pdf(3.3) ==
        Approx(-std::log(3.0)));
  CHECK(make_distribution("uniform", {{"low", 2}, {"high", 5}})->log_pdf(5.1) == -kInf);
  CHECK(make_distribution("normal", {{"mean", 1}, {"sd", 2}})->log_pdf(2.0) ==
        Approx(-log_sqrt_2pi - std::log(2.0) - 0.125));
  CHECK(make_distribution("lognormal", {{"mu", 0}, {"sigma", 1}})->log_pdf(1.0) ==
        Approx(-log_sqrt_2pi));
  CHECK(make_distribution("lognormal", {{"mu", 0}, {"sigma", 1}})->log_pdf(-1.0) == -kInf);
  CHECK(make_distribution("loguniform", {{"low", 1}, {"high", std::exp(1.0)}})->log_pdf(2.0) ==
        Approx(std::log(0.5)));
  CHECK(make_distribution("truncated_normal", {{"mean", 0}, {"sd", 1}, {"low", 0}, {"high", kInf}})
            ->log_pdf(0.0) == Approx(std::log(2.0) - log_sqrt_2pi));
  // Beta(2, 3): pdf = 12 x (1 - x)^2.
  CHECK(make_distribution("beta", {{"a", 2}, {"b", 3}})->log_pdf(0.5) == Approx(std::log(1.5)));
  CHECK(make_distribution("beta", {{"a", 1}, {"b", 3}})->log_pdf(0.0) == Approx(std::log(3.0)));
  CHECK(make_distribution("beta", {{"a", 2}, {"b", 3}})->log_pdf(1.5) == -kInf);
  // Gamma(shape 2, scale 3): pdf = x exp(-x / 3) / 9.
  CHECK(make_distribution("gamma", {{"shape", 2}, {"scale", 3}})->log_pdf(1.0) ==
        Approx(-1.0 / 3.0 - std::log(9.0)));
  CHECK(make_distribution("exponential", {{"scale", 2}})->log_pdf(1.0) ==
        Approx(std::log(0.5) - 0.5));
  CHECK(make_distribution("exponential", {{"scale", 2}})->log_pdf(-0.1) == -kInf);
  const auto du = make_distribution("discrete_uniform", {{"low", 1}, {"high", 4}});
  CHECK(du->is_integer());
  CHECK(du->log_pdf(2.0) == Approx(std::log(0.25)));
  CHECK(du->log_pdf(2.5) == -kInf);
  CHECK(du->log_pdf(5.0) == -kInf);
  CHECK(du->cdf(2.5) == Approx(0.5));
  CHECK(du->quantile(0.5) == 2.0);
  CHECK(du->quantile(0.51) == 3.0);
  CHECK(du->mean() == 2.5);
  CHECK(du->variance() == Approx(15.0 / 12.0));
  CHECK_FALSE(make_distribution("normal", {{"mean", 0}, {"sd", 1}})->is_integer());
}

TEST_CASE("Distribution: type() and parameters() round-trip", "[core]") {
  for (const auto& info : abcsmc::distribution_types()) {
    Params p;
    if (info.type == "loguniform" || info.type == "discrete_uniform" || info.type == "uniform") {
      p = {{"low", 1}, {"high", 3}};
    } else if (info.type == "truncated_normal") {
      p = {{"mean", 0}, {"sd", 1}, {"low", -1}, {"high", 2}};
    } else {
      for (const auto& name : info.parameters) p[name] = 2.0;
    }
    const auto d = make_distribution(info.type, p);
    CHECK(d->type() == info.type);
    CHECK(d->parameters() == p);
  }
  CHECK(abcsmc::distribution_types().size() == 9);
}

TEST_CASE("Distribution: truncated normal far in a tail", "[core]") {
  // Standardised interval [40, 41]: Phi underflows there, so this needs the log-space tail.
  for (const auto& c : std::vector<Case>{
           {"truncated_normal", {{"mean", 0}, {"sd", 1}, {"low", 40}, {"high", 41}}},
           {"truncated_normal", {{"mean", 3}, {"sd", 2}, {"low", -kInf}, {"high", -77}}},
           {"truncated_normal", {{"mean", 0}, {"sd", 1}, {"low", 8}, {"high", 8.001}}}}) {
    INFO(describe(c));
    const auto d = make_distribution(c.type, c.params);
    const double low = c.params.at("low");
    const double high = c.params.at("high");
    const auto x = draw(*d, 20000, 7);
    for (double v : x) {
      REQUIRE(v >= low);
      REQUIRE(v <= high);
    }
    const auto r = abcsmc::test::chi_squared_quantiles(x, [&](double p) { return d->quantile(p); });
    INFO(r);
    CHECK(r.passed());
    for (double p : {1e-6, 0.1, 0.5, 0.9, 1 - 1e-6}) check_inverse(*d, p);
    // Independent reference: moments of exp(-z^2 / 2) on the interval by quadrature in
    // standard units, shifted so nothing underflows.
    const double mu = c.params.at("mean");
    const double sd = c.params.at("sd");
    const double a = std::isinf(low) ? (high - mu) / sd - 12.0 : (low - mu) / sd;
    const double b = std::isinf(high) ? a + 12.0 : (high - mu) / sd;
    const double shift = std::min(a * a, b * b);
    const int m = 200000;
    const double h = (b - a) / m;
    double z0 = 0.0;
    double z1 = 0.0;
    double z2 = 0.0;
    for (int i = 0; i <= m; ++i) {
      const double z = a + i * h;
      const double wgt = (i == 0 || i == m) ? 1.0 : (i % 2 ? 4.0 : 2.0);
      const double f = wgt * std::exp(-0.5 * (z * z - shift));
      z0 += f;
      z1 += z * f;
      z2 += z * z * f;
    }
    const double zm = z1 / z0;
    const double zv = z2 / z0 - zm * zm;
    CHECK(d->mean() == Approx(mu + sd * zm).epsilon(1e-9));
    CHECK(d->variance() == Approx(sd * sd * zv).epsilon(1e-4));
    const auto mom = abcsmc::test::sample_moments(x);
    CHECK(std::abs(mom.mean - d->mean()) < 5.0 * std::sqrt(d->variance() / x.size()));
    // The density is normalised: log_pdf at the lower edge minus the quadrature mass.
    const double edge = std::isinf(low) ? high : low;
    const double ze = (edge - mu) / sd;
    const double log_mass = std::log(z0 * h / 3.0) - 0.5 * shift;  // log of int exp(-z^2/2)
    CHECK(d->log_pdf(edge) == Approx(-0.5 * ze * ze - log_mass - std::log(sd)).epsilon(1e-8));
  }
}

TEST_CASE("Distribution: bad parameters give precise messages", "[core]") {
  check_message("uniform", {{"low", 2}, {"high", 1}},
                "uniform needs low < high, got low = 2, high = 1");
  check_message("uniform", {{"low", 1}, {"high", 1}},
                "uniform needs low < high, got low = 1, high = 1");
  check_message("normal", {{"mean", 0}, {"sd", -1}}, "normal needs sd > 0, got sd = -1");
  check_message("normal", {{"mean", 0}, {"sd", 0}}, "normal needs sd > 0, got sd = 0");
  check_message("lognormal", {{"mu", 0}, {"sigma", 0}}, "lognormal needs sigma > 0, got sigma = 0");
  check_message("loguniform", {{"low", 0}, {"high", 1}},
                "loguniform needs 0 < low < high, got low = 0, high = 1");
  check_message("loguniform", {{"low", 2}, {"high", 1.5}},
                "loguniform needs 0 < low < high, got low = 2, high = 1.5");
  check_message("truncated_normal", {{"mean", 0}, {"sd", -0.5}, {"low", 0}, {"high", 1}},
                "truncated_normal needs sd > 0, got sd = -0.5");
  check_message("truncated_normal", {{"mean", 0}, {"sd", 1}, {"low", 3}, {"high", 1}},
                "truncated_normal needs low < high, got low = 3, high = 1");
  check_message("beta", {{"a", 0}, {"b", 1}}, "beta needs a > 0, got a = 0");
  check_message("beta", {{"a", 1}, {"b", -2}}, "beta needs b > 0, got b = -2");
  check_message("gamma", {{"shape", -1}, {"scale", 1}}, "gamma needs shape > 0, got shape = -1");
  check_message("gamma", {{"shape", 1}, {"scale", 0}}, "gamma needs scale > 0, got scale = 0");
  check_message("exponential", {{"scale", -3}}, "exponential needs scale > 0, got scale = -3");
  check_message("discrete_uniform", {{"low", 3}, {"high", 1}},
                "discrete_uniform needs low <= high, got low = 3, high = 1");
  check_message("discrete_uniform", {{"low", 0.5}, {"high", 3}},
                "discrete_uniform needs an integer low, got low = 0.5");
  check_message("discrete_uniform", {{"low", 0}, {"high", 2.25}},
                "discrete_uniform needs an integer high, got high = 2.25");
  check_message("normal", {{"mean", std::nan("")}, {"sd", 1}},
                "normal needs a finite mean, got mean = nan");
  check_message("uniform", {{"low", 0}, {"high", kInf}},
                "uniform needs a finite high, got high = inf");
  check_message("normall", {{"mean", 0}, {"sd", 1}},
                "unknown prior type 'normall'. Did you mean 'normal'?");
  check_message("weibull", {{"k", 1}},
                "unknown prior type 'weibull'. Known types are 'uniform', 'normal', 'lognormal', "
                "'loguniform', 'truncated_normal', 'beta', 'gamma', 'exponential' and "
                "'discrete_uniform'.");
  check_message("normal", {{"mean", 0}, {"sigma", 1}},
                "normal has no parameter 'sigma' (it takes 'mean' and 'sd')");
  check_message("normal", {{"mean", 0}, {"sdd", 1}},
                "normal has no parameter 'sdd' (it takes 'mean' and 'sd'). Did you mean 'sd'?");
  check_message("normal", {{"mean", 0}}, "normal is missing parameter 'sd'");
  check_message("truncated_normal", {{"mean", 0}, {"sd", 1}, {"low", 0}},
                "truncated_normal is missing parameter 'high'");
}

TEST_CASE("Prior: samples in index order and sums log densities", "[core]") {
  abcsmc::Prior prior;
  prior.add("a", make_distribution("normal", {{"mean", 0}, {"sd", 1}}));
  prior.add("k", make_distribution("discrete_uniform", {{"low", 0}, {"high", 3}}));
  prior.add("b", make_distribution("uniform", {{"low", 0}, {"high", 2}}));
  CHECK(prior.dim() == 3);
  CHECK(prior.names() == std::vector<std::string>{"a", "k", "b"});
  CHECK(prior.integer_indices() == std::vector<std::size_t>{1});
  CHECK(prior.continuous_indices() == std::vector<std::size_t>{0, 2});
  CHECK_THROWS_AS(prior.add("a", make_distribution("normal", {{"mean", 0}, {"sd", 1}})),
                  ConfigError);

  // sample() draws parameter i from distribution i, in index order, from the one stream.
  Rng r1{StreamId{5, 0, 0}};
  Rng r2{StreamId{5, 0, 0}};
  const abcsmc::Vector theta = prior.sample(r1);
  CHECK(theta[0] == prior.distribution(0).sample(r2));
  CHECK(theta[1] == prior.distribution(1).sample(r2));
  CHECK(theta[2] == prior.distribution(2).sample(r2));

  abcsmc::Vector t(3);
  t << 0.5, 2.0, 1.0;
  CHECK(prior.log_pdf(t) ==
        Approx(-0.5 * std::log(2 * kPi) - 0.125 + std::log(0.25) + std::log(0.5)));
  t[2] = 3.0;
  CHECK(prior.log_pdf(t) == -kInf);
  t[2] = 1.0;
  t[1] = 1.5;
  CHECK(prior.log_pdf(t) == -kInf);
}
