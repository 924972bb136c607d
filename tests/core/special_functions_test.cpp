#include "abcsmc/core/detail/special_functions.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <vector>

#include "abcsmc/core/detmath.hpp"
#include "support/stat.hpp"

namespace sf = abcsmc::detail;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kEps = std::numeric_limits<double>::epsilon();
constexpr double kPi = 3.14159265358979323846;

/// |a - b| / max(|b|, tiny): relative error against a reference value.
double rel_err(double a, double b) {
  return std::abs(a - b) / std::max(std::abs(b), std::numeric_limits<double>::min());
}

double lower_gamma(double a, double x) {
  return sf::reg_lower_gamma(a, x, abcsmc::detmath::lgamma(a));
}

double inc_beta(double a, double b, double x) {
  const double lbeta =
      abcsmc::detmath::lgamma(a) + abcsmc::detmath::lgamma(b) - abcsmc::detmath::lgamma(a + b);
  return sf::reg_inc_beta(a, b, x, lbeta);
}

}  // namespace

TEST_CASE("special functions: xlogy and the standard normal density", "[core]") {
  CHECK(sf::xlogy(0.0, 0.0) == 0.0);  // 0 * log(0) = 0, not NaN
  CHECK(sf::xlogy(0.0, 5.0) == 0.0);
  CHECK(sf::xlogy(2.0, std::exp(1.5)) == Approx(3.0).epsilon(1e-15));
  CHECK(sf::xlogy(1.0, 0.0) == -kInf);
  CHECK(sf::norm_log_pdf(0.0) == -sf::kLogSqrt2Pi);
  CHECK(std::exp(sf::kLogSqrt2Pi) == Approx(std::sqrt(2.0 * kPi)).epsilon(1e-15));
  CHECK(rel_err(sf::kSqrt1_2 * sf::kSqrt1_2, 0.5) <= kEps);
  for (double z : {-3.0, -0.5, 0.25, 2.0, 10.0}) {
    INFO("z = " << z);
    CHECK(rel_err(std::exp(sf::norm_log_pdf(z)), std::exp(-0.5 * z * z) / std::sqrt(2.0 * kPi)) <
          1e-14);
  }
}

TEST_CASE("special functions: normal tails, known values and Phi + Q = 1", "[core]") {
  CHECK(sf::norm_cdf(0.0) == 0.5);
  CHECK(sf::norm_upper(0.0) == 0.5);
  // Reference values: mpmath at 40 digits, rounded to double.
  CHECK(rel_err(sf::norm_cdf(1.96), 0.9750021048517795) < 1e-15);
  CHECK(rel_err(sf::norm_cdf(-3.0), 0.0013498980316300946) < 1e-14);
  CHECK(rel_err(sf::norm_upper(5.0), 2.866515718791939e-07) < 1e-14);
  CHECK(rel_err(sf::norm_upper(10.0), 7.619853024160525e-24) < 1e-13);
  for (double z = -8.0; z <= 8.0; z += 0.125) {
    INFO("z = " << z);
    CHECK(sf::norm_cdf(-z) == sf::norm_upper(z));  // the same erfc call: same bits
    CHECK(std::abs(sf::norm_cdf(z) + sf::norm_upper(z) - 1.0) <= 2.0 * kEps);
  }
}

TEST_CASE("special functions: log Q has no underflow and joins erfc at 5", "[core]") {
  // below 5 it is log(Q) itself
  for (double x : {-3.0, 0.0, 2.5, 4.999}) {
    CHECK(sf::log_norm_upper(x) == abcsmc::detmath::log(sf::norm_upper(x)));
  }
  // the continued fraction above 5 against erfc where erfc does not underflow yet
  for (double x = 5.0; x <= 37.0; x += 0.5) {
    INFO("x = " << x);
    const double reference = std::log(0.5 * std::erfc(x / std::sqrt(2.0)));
    CHECK(rel_err(sf::log_norm_upper(x), reference) < 1e-13);
  }
  // far tail: log Q(x) = -x^2/2 - log(x sqrt(2 pi)) + log(1 - 1/x^2 + 3/x^4 - 15/x^6 + ...)
  for (double x : {100.0, 1e4, 1e8}) {
    INFO("x = " << x);
    const double asymptotic =
        -0.5 * x * x - std::log(x) - sf::kLogSqrt2Pi +
        std::log1p(-1.0 / (x * x) + 3.0 / (x * x * x * x) - 15.0 / std::pow(x, 6.0));
    CHECK(rel_err(sf::log_norm_upper(x), asymptotic) < 1e-15);
  }
  CHECK(sf::log_norm_upper(kInf) == -kInf);
}

TEST_CASE("special functions: norm_quantile inverts Phi over the whole range", "[core]") {
  CHECK(sf::norm_quantile(0.5) == 0.0);
  // references: mpmath at 40 digits
  CHECK(rel_err(sf::norm_quantile(0.975), 1.9599639845400543) < 1e-15);
  CHECK(rel_err(sf::norm_quantile(1e-10), -6.361340902404057) < 1e-15);
  CHECK(sf::norm_quantile(0.0) == -kInf);
  CHECK(sf::norm_quantile(1.0) == kInf);
  CHECK(std::isnan(sf::norm_quantile(-0.25)));
  CHECK(std::isnan(sf::norm_quantile(1.5)));
  CHECK(std::isnan(sf::norm_quantile(std::numeric_limits<double>::quiet_NaN())));
  // Round trips in both tails and the centre (Acklam's three regions). The tail's condition
  // number is about x^2 (d log Phi / dx ~ |x|, times |x| for a relative step in x), so a
  // correctly rounded x reproduces p to about x^2 eps.
  std::vector<double> ps = {1e-300, 1e-100, 1e-20, 1e-5, 0.01, 0.02425, 0.1, 0.3, 0.7};
  for (double p : ps) {
    INFO("p = " << p);
    const double x = sf::norm_quantile(p);
    CHECK(rel_err(sf::norm_cdf(x), p) < 8.0 * kEps * (1.0 + x * x));
  }
  for (double q : {1e-3, 1e-6, 1e-12}) {  // upper tail: Q(x) = 1 - p, as exact as p allows
    const double p = 1.0 - q;
    INFO("1 - p = " << 1.0 - p);
    const double x = sf::norm_quantile(p);
    CHECK(rel_err(sf::norm_upper(x), 1.0 - p) < 8.0 * kEps * (1.0 + x * x));
  }
  // symmetry where 1 - p is exact
  for (int k = 1; k < 1024; k += 37) {
    const double p = k / 1024.0;
    INFO("p = " << p);
    CHECK(std::abs(sf::norm_quantile(1.0 - p) + sf::norm_quantile(p)) <=
          4.0 * kEps * std::max(1.0, std::abs(sf::norm_quantile(p))));
  }
}

TEST_CASE("special functions: regularised lower incomplete gamma", "[core]") {
  // closed forms on both sides of the series / continued-fraction switch at x = a + 1
  for (double x : {1e-8, 0.1, 0.5, 1.0, 1.9, 2.0, 3.0, 10.0, 30.0}) {
    INFO("x = " << x);
    CHECK(rel_err(lower_gamma(1.0, x), -std::expm1(-x)) < 1e-14);  // P(1, x) = 1 - e^-x
    CHECK(rel_err(lower_gamma(0.5, x), std::erf(std::sqrt(x))) < 1e-14);
    // P(n, x) = P(Poisson(x) >= n) = sum_{k >= n} e^-x x^k / k!, summed without cancellation
    for (int n = 2; n <= 6; ++n) {
      double expected = 0.0;
      for (int k = n; k < n + 400; ++k) {
        expected += std::exp(k * std::log(x) - x - std::lgamma(k + 1.0));
      }
      INFO("n = " << n);
      CHECK(rel_err(lower_gamma(n, x), expected) < 1e-12);
    }
  }
  // P(a, x) + Q(a, x) = 1, Q from the tests' own implementation (support/stat.hpp)
  for (double a : {0.3, 1.7, 5.0, 42.0}) {
    for (double x : {0.05, 0.9, 2.6, 6.0, 45.0, 80.0}) {
      INFO("a = " << a << ", x = " << x);
      CHECK(std::abs(lower_gamma(a, x) + abcsmc::test::regularized_upper_gamma(a, x) - 1.0) <
            1e-13);
    }
  }
  // recurrence P(a + 1, x) = P(a, x) - x^a e^-x / Gamma(a + 1)
  for (double a : {0.5, 2.5, 7.0}) {
    for (double x : {0.7, 3.0, 9.0}) {
      INFO("a = " << a << ", x = " << x);
      const double step = std::exp(a * std::log(x) - x - std::lgamma(a + 1.0));
      CHECK(std::abs(lower_gamma(a + 1.0, x) - (lower_gamma(a, x) - step)) < 1e-14);
    }
  }
  CHECK(lower_gamma(2.0, 0.0) == 0.0);
  CHECK(lower_gamma(2.0, -1.0) == 0.0);
  CHECK(lower_gamma(2.0, kInf) == 1.0);
  double previous = 0.0;
  for (double x = 0.0; x < 40.0; x += 0.25) {  // a cdf: monotone, within [0, 1]
    const double p = lower_gamma(3.5, x);
    CHECK(p >= previous);
    CHECK(p <= 1.0);
    previous = p;
  }
}

TEST_CASE("special functions: regularised incomplete beta", "[core]") {
  for (double x : {1e-6, 0.1, 0.3, 0.5, 0.77, 0.999}) {
    INFO("x = " << x);
    CHECK(rel_err(inc_beta(1.0, 1.0, x), x) < 1e-14);                 // I_x(1, 1) = x
    CHECK(rel_err(inc_beta(3.5, 1.0, x), std::pow(x, 3.5)) < 1e-13);  // I_x(a, 1) = x^a
    CHECK(rel_err(inc_beta(1.0, 2.5, x), -std::expm1(2.5 * std::log1p(-x))) < 1e-13);
    // symmetry I_x(a, b) = 1 - I_{1-x}(b, a)
    CHECK(std::abs(inc_beta(2.5, 0.7, x) + inc_beta(0.7, 2.5, 1.0 - x) - 1.0) < 1e-13);
  }
  CHECK(inc_beta(2.5, 2.5, 0.5) == Approx(0.5).epsilon(1e-14));
  CHECK(inc_beta(30.0, 30.0, 0.5) == Approx(0.5).epsilon(1e-13));
  // I_p(k, n - k + 1) = P(Binomial(n, p) >= k)
  const int n = 12;
  const double p = 0.35;
  for (int k = 1; k <= n; ++k) {
    double tail = 0.0;
    for (int j = k; j <= n; ++j) {
      tail += std::exp(std::lgamma(n + 1.0) - std::lgamma(j + 1.0) - std::lgamma(n - j + 1.0) +
                       j * std::log(p) + (n - j) * std::log1p(-p));
    }
    INFO("k = " << k);
    CHECK(rel_err(inc_beta(k, n - k + 1, p), tail) < 1e-12);
  }
  CHECK(inc_beta(2.0, 3.0, 0.0) == 0.0);
  CHECK(inc_beta(2.0, 3.0, -0.5) == 0.0);
  CHECK(inc_beta(2.0, 3.0, 1.0) == 1.0);
  CHECK(inc_beta(2.0, 3.0, 1.5) == 1.0);
}

TEST_CASE("special functions: solve_quantile inverts a cdf with its density", "[core]") {
  // exponential(1): cdf 1 - e^-x, log pdf -x, quantile -log(1 - p)
  const auto cdf = [](double x) { return x <= 0.0 ? 0.0 : -std::expm1(-x); };
  const auto log_pdf = [](double x) { return -x; };
  for (double p : {1e-200, 1e-12, 0.01, 0.5, 0.9, 0.999999}) {
    INFO("p = " << p);
    const double x = sf::solve_quantile(p, 0.0, 100.0, 1.0, cdf, log_pdf);
    // A cdf rounded to eps * p fixes x only to eps * p / pdf(x) = eps * p / (1 - p): the
    // tolerance is a few eps plus that, relative to x.
    const double expected = -std::log1p(-p);
    CHECK(rel_err(x, expected) < 8.0 * kEps * (1.0 + p / ((1.0 - p) * expected)));
  }
  // uniform on [0, 1] from a start outside the bracket
  const auto ucdf = [](double x) { return std::min(1.0, std::max(0.0, x)); };
  const auto ulog_pdf = [](double) { return 0.0; };
  for (double p : {0.125, 0.3, 0.75}) {
    INFO("p = " << p);
    CHECK(rel_err(sf::solve_quantile(p, 0.0, 1.0, 5.0, ucdf, ulog_pdf), p) < 4.0 * kEps);
  }
}
