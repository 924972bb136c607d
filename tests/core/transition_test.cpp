#include "abcsmc/core/transition.hpp"

#include <Eigen/LU>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <vector>

#include "abcsmc/core/error.hpp"
#include "support/stat.hpp"

using abcsmc::Bandwidth;
using abcsmc::Matrix;
using abcsmc::Rng;
using abcsmc::StreamId;
using abcsmc::Transition;
using abcsmc::Vector;

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kPi = 3.14159265358979323846;

double normal_pdf(double x, double mean, double var) {
  return std::exp(-0.5 * (x - mean) * (x - mean) / var) / std::sqrt(2.0 * kPi * var);
}

double normal_cdf(double x, double mean, double var) {
  return 0.5 * std::erfc(-(x - mean) / std::sqrt(2.0 * var));
}

Matrix column(const std::vector<double>& v) {
  Matrix m(static_cast<Eigen::Index>(v.size()), 1);
  for (std::size_t i = 0; i < v.size(); ++i) m(static_cast<Eigen::Index>(i), 0) = v[i];
  return m;
}

Vector vec(std::initializer_list<double> v) {
  Vector out(static_cast<Eigen::Index>(v.size()));
  Eigen::Index i = 0;
  for (double x : v) out[i++] = x;
  return out;
}

double log_pdf_at(const Transition& t, double x) { return t.log_pdf(vec({x})); }

/// Proposals of a 1-D kernel, one stream per proposal (as the samplers use them).
std::vector<double> propose_1d(const Transition& t, std::size_t n, std::uint64_t seed) {
  std::vector<double> x(n);
  for (std::size_t i = 0; i < n; ++i) {
    Rng rng{StreamId{seed, 1, i}};
    x[i] = t.propose(rng)[0];
  }
  return x;
}

/// Quantile function of the 1-D density exp(log_pdf) obtained by integrating it numerically on
/// [lo, hi] (trapezoid on a fine grid, linear interpolation of the cdf).
struct NumericQuantile {
  std::vector<double> grid;
  std::vector<double> cdf;
  NumericQuantile(const Transition& t, double lo, double hi, int m) {
    grid.resize(static_cast<std::size_t>(m) + 1);
    cdf.resize(grid.size());
    double prev = std::exp(log_pdf_at(t, lo));
    grid[0] = lo;
    for (int i = 1; i <= m; ++i) {
      const double x = lo + (hi - lo) * i / m;
      const double f = std::exp(log_pdf_at(t, x));
      grid[i] = x;
      cdf[i] = cdf[i - 1] + 0.5 * (prev + f) * (hi - lo) / m;
      prev = f;
    }
  }
  double total() const { return cdf.back(); }
  double operator()(double p) const {
    const double target = p * cdf.back();
    const auto it = std::lower_bound(cdf.begin(), cdf.end(), target);
    const auto i = static_cast<std::size_t>(std::max<std::ptrdiff_t>(1, it - cdf.begin()));
    const double f = (target - cdf[i - 1]) / (cdf[i] - cdf[i - 1]);
    return grid[i - 1] + f * (grid[i] - grid[i - 1]);
  }
};

}  // namespace

TEST_CASE("Transition: multivariate normal bandwidth on a hand-computed case", "[core]") {
  // theta = {0, 1, 3}, w = {1/2, 1/4, 1/4}: mean 1, sum w (x - m)^2 = 1.5, sum w^2 = 3/8,
  // unbiased weighted variance 1.5 / (1 - 3/8) = 2.4, ESS = 8/3.
  const Matrix thetas = column({0.0, 1.0, 3.0});
  const Vector w = vec({0.5, 0.25, 0.25});
  const double var = 2.4;
  const double ess = 8.0 / 3.0;
  const std::vector<double> th{0.0, 1.0, 3.0};
  const std::vector<double> wv{0.5, 0.25, 0.25};
  struct Variant {
    Bandwidth bw;
    double scaling;
    double bw_factor;
  };
  // Silverman (4 / (n (d + 2)))^(1 / (d + 4)) = (1/2)^(1/5); Scott n^(-1/5).
  for (const auto& v : {Variant{Bandwidth::silverman, 1.0, std::pow(0.5, 0.2)},
                        Variant{Bandwidth::scott, 1.0, std::pow(ess, -0.2)},
                        Variant{Bandwidth::silverman, 2.5, std::pow(0.5, 0.2)}}) {
    auto t = abcsmc::make_multivariate_normal_transition(v.bw, v.scaling);
    t->fit(thetas, w);
    CHECK(t->dim() == 1);
    const double kvar = v.scaling * v.bw_factor * v.bw_factor * var;
    for (double x : {-2.0, 0.0, 0.7, 3.0, 9.0}) {
      double ref = 0.0;
      for (std::size_t j = 0; j < 3; ++j) ref += wv[j] * normal_pdf(x, th[j], kvar);
      CHECK(log_pdf_at(*t, x) == Approx(std::log(ref)).epsilon(1e-12));
    }
  }

  SECTION("two dimensions") {
    // (0,0), (1,0), (0,1), equal weights: weighted covariance [[2/9, -1/9], [-1/9, 2/9]],
    // divided by 1 - 1/3 -> [[1/3, -1/6], [-1/6, 1/3]]; ESS 3, Silverman (1/3)^(1/6).
    Matrix th2(3, 2);
    th2 << 0, 0, 1, 0, 0, 1;
    auto t = abcsmc::make_multivariate_normal_transition(Bandwidth::silverman, 1.0);
    t->fit(th2, vec({1.0, 1.0, 1.0}) / 3.0);
    CHECK(t->dim() == 2);
    Eigen::Matrix2d cov;
    cov << 1.0 / 3.0, -1.0 / 6.0, -1.0 / 6.0, 1.0 / 3.0;
    cov *= std::pow(1.0 / 3.0, 2.0 / 6.0);
    const Eigen::Matrix2d inv = cov.inverse();
    const Vector x = vec({0.4, -0.3});
    double ref = 0.0;
    for (int j = 0; j < 3; ++j) {
      const Eigen::Vector2d d = x - th2.row(j).transpose();
      ref += std::exp(-0.5 * d.dot(inv * d)) / (2.0 * kPi * std::sqrt(cov.determinant())) / 3.0;
    }
    CHECK(t->log_pdf(x) == Approx(std::log(ref)).epsilon(1e-12));
  }
}

TEST_CASE(
    "Transition: one parameter from 512 particles on (fast Gauss transform) is exact to 1e-12",
    "[core]") {
  for (const std::size_t n : {std::size_t{511}, std::size_t{512}, std::size_t{4000}}) {
    INFO(n);
    Rng rng{StreamId{31, 0, n}};
    std::vector<double> th(n), wv(n);
    double total = 0.0;
    for (std::size_t j = 0; j < n; ++j) {
      th[j] = j % 4 == 0 ? 5.0 + 0.1 * rng.normal() : rng.normal();  // two clusters
      total += (wv[j] = 0.2 + rng.uniform());
    }
    Vector w(static_cast<Eigen::Index>(n));
    for (std::size_t j = 0; j < n; ++j) w[static_cast<Eigen::Index>(j)] = (wv[j] /= total);
    auto t = abcsmc::make_multivariate_normal_transition(Bandwidth::silverman, 2.0);
    t->fit(column(th), w);
    long double mean = 0.0L, sum_w2 = 0.0L, ss = 0.0L;
    for (std::size_t j = 0; j < n; ++j) {
      mean += static_cast<long double>(wv[j]) * th[j];
      sum_w2 += static_cast<long double>(wv[j]) * wv[j];
    }
    for (std::size_t j = 0; j < n; ++j) ss += wv[j] * (th[j] - mean) * (th[j] - mean);
    const long double var = ss / (1.0L - sum_w2);
    const long double bw = std::pow(4.0L * sum_w2 / 3.0L, 0.2L);
    const long double kvar = 2.0L * bw * bw * var;
    std::vector<double> queries = propose_1d(*t, 300, 5);
    for (double x = -12.0; x <= 18.0; x += 0.37) queries.push_back(x);
    for (double x : queries) {
      long double ref = 0.0L;
      for (std::size_t j = 0; j < n; ++j) {
        const long double d = x - th[j];
        ref += wv[j] * std::exp(-0.5L * d * d / kvar);
      }
      const double want = static_cast<double>(std::log(ref) - 0.5L * std::log(2.0L * kPi * kvar));
      INFO(x);
      CHECK(std::fabs(log_pdf_at(*t, x) - want) <= 1e-12 + 1e-15 * std::fabs(want));
    }
  }
}

TEST_CASE("Transition: three parameters, centres in blocks of 64 plus a remainder", "[core]") {
  const std::size_t n = 150;  // two full blocks and one of 22
  Rng rng{StreamId{37, 0, 0}};
  Matrix th(static_cast<Eigen::Index>(n), 3);
  Vector w(static_cast<Eigen::Index>(n));
  for (Eigen::Index i = 0; i < th.rows(); ++i) {
    th(i, 0) = rng.normal();
    th(i, 1) = 0.5 * th(i, 0) + rng.normal();
    th(i, 2) = 10.0 + 3.0 * rng.normal();
    w[i] = 0.1 + rng.uniform();
  }
  w /= w.sum();
  auto t = abcsmc::make_multivariate_normal_transition(Bandwidth::silverman, 2.0);
  t->fit(th, w);
  const Eigen::RowVector3d mean = (w.asDiagonal() * th).colwise().sum();
  const double sum_w2 = w.squaredNorm();
  Eigen::Matrix3d cov = Eigen::Matrix3d::Zero();
  for (Eigen::Index i = 0; i < th.rows(); ++i) {
    const Eigen::Vector3d dv = (th.row(i) - mean).transpose();
    cov += w[i] * dv * dv.transpose();
  }
  cov /= 1.0 - sum_w2;
  cov *= 2.0 * std::pow(4.0 * sum_w2 / 5.0, 2.0 / 7.0);
  const Eigen::Matrix3d inv = cov.inverse();
  const double norm = 1.0 / std::sqrt(std::pow(2.0 * kPi, 3) * cov.determinant());
  for (int q = 0; q < 20; ++q) {
    Rng qr{StreamId{37, 1, static_cast<std::uint64_t>(q)}};
    const Vector x = t->propose(qr);
    long double ref = 0.0L;
    for (Eigen::Index i = 0; i < th.rows(); ++i) {
      const Eigen::Vector3d dv = x - th.row(i).transpose();
      ref += w[i] * std::exp(-0.5L * dv.dot(inv * dv));
    }
    CHECK(t->log_pdf(x) == Approx(static_cast<double>(std::log(ref * norm))).epsilon(1e-12));
  }
}

TEST_CASE("Transition: one-particle population proposes exactly N(theta_0, cov)", "[core]") {
  // A single particle has no sample covariance: the fallback variance is (|theta| / 10)^2, then
  // Silverman with n = 1, d = 1 gives bw^2 = (4 / 3)^(2 / 5).
  auto t = abcsmc::make_multivariate_normal_transition(Bandwidth::silverman, 1.0);
  t->fit(column({2.0}), vec({1.0}));
  const double var = 0.04 * std::pow(4.0 / 3.0, 0.4);
  CHECK(log_pdf_at(*t, 2.3) == Approx(std::log(normal_pdf(2.3, 2.0, var))).epsilon(1e-12));
  const auto x = propose_1d(*t, 20000, 3);
  const auto normal = [&](double p) {
    // Invert the normal cdf by bisection (independent of the library).
    double lo = 2.0 - 20.0 * std::sqrt(var);
    double hi = 2.0 + 20.0 * std::sqrt(var);
    for (int i = 0; i < 200; ++i) {
      const double mid = 0.5 * (lo + hi);
      (normal_cdf(mid, 2.0, var) < p ? lo : hi) = mid;
    }
    return 0.5 * (lo + hi);
  };
  const auto r = abcsmc::test::chi_squared_quantiles(x, normal);
  INFO(r);
  CHECK(r.passed());
}

TEST_CASE("Transition: multivariate normal proposal matches its log_pdf and moments", "[core]") {
  // A skewed weighted 1-D population.
  const std::vector<double> th{-1.0, 0.0, 0.5, 2.0, 2.2, 6.0};
  const std::vector<double> wv{0.1, 0.3, 0.2, 0.15, 0.15, 0.1};
  Vector w(6);
  for (int i = 0; i < 6; ++i) w[i] = wv[static_cast<std::size_t>(i)];
  auto t = abcsmc::make_multivariate_normal_transition(Bandwidth::scott, 1.3);
  t->fit(column(th), w);

  const NumericQuantile q(*t, -15.0, 20.0, 200000);
  CHECK(q.total() == Approx(1.0).epsilon(1e-8));
  const std::size_t n = 40000;
  const auto x = propose_1d(*t, n, 21);
  const auto r = abcsmc::test::chi_squared_quantiles(x, q);
  INFO(r);
  CHECK(r.passed());

  // Analytic mixture moments: mean sum w theta; variance kernel var + sum w (theta - mean)^2.
  double mean = 0.0;
  double sw2 = 0.0;
  for (std::size_t j = 0; j < 6; ++j) {
    mean += wv[j] * th[j];
    sw2 += wv[j] * wv[j];
  }
  double spread = 0.0;
  for (std::size_t j = 0; j < 6; ++j) spread += wv[j] * (th[j] - mean) * (th[j] - mean);
  const double kvar = 1.3 * std::pow(1.0 / sw2, -0.4) * spread / (1.0 - sw2);
  const auto m = abcsmc::test::sample_moments(x);
  CHECK(std::abs(m.mean - mean) < 5.0 * m.se_mean);
  CHECK(std::abs(m.variance - (kvar + spread)) < 5.0 * m.se_variance);
}

TEST_CASE("Transition: 2-D mixture moments and normalisation", "[core]") {
  const int n = 30;
  Matrix th(n, 2);
  Vector w(n);
  Rng init{StreamId{77, 0, 0}};
  for (int i = 0; i < n; ++i) {
    th(i, 0) = init.normal();
    th(i, 1) = 0.5 * th(i, 0) + 0.3 * init.normal() + 4.0;
    w[i] = 0.2 + init.uniform();
  }
  w /= w.sum();
  for (int type = 0; type < 2; ++type) {
    DYNAMIC_SECTION((type == 0 ? "multivariate normal" : "local")) {
      auto t = type == 0 ? abcsmc::make_multivariate_normal_transition(Bandwidth::silverman, 1.0)
                         : abcsmc::make_local_transition(6, 0.25, 1.0);
      t->fit(th, w);
      // exp(log_pdf) integrates to 1 over the plane (midpoint rule on a fine grid covering the
      // population plus 4 units, i.e. > 4 kernel sds, on every side).
      const double x0 = th.col(0).minCoeff() - 4.0, x1 = th.col(0).maxCoeff() + 4.0;
      const double y0 = th.col(1).minCoeff() - 4.0, y1 = th.col(1).maxCoeff() + 4.0;
      const int g = 400;
      double total = 0.0;
      for (int i = 0; i < g; ++i) {
        for (int j = 0; j < g; ++j) {
          const Vector p = vec({x0 + (i + 0.5) * (x1 - x0) / g, y0 + (j + 0.5) * (y1 - y0) / g});
          total += std::exp(t->log_pdf(p));
        }
      }
      total *= (x1 - x0) * (y1 - y0) / (double(g) * g);
      CHECK(total == Approx(1.0).epsilon(1e-4));

      // Proposal mean = population weighted mean (each kernel is centred on its particle).
      const std::size_t m = 20000;
      std::vector<double> a(m), b(m);
      for (std::size_t i = 0; i < m; ++i) {
        Rng rng{StreamId{78, 2, i}};
        const Vector v = t->propose(rng);
        a[i] = v[0];
        b[i] = v[1];
      }
      const Vector mean = th.transpose() * w;
      const auto ma = abcsmc::test::sample_moments(a);
      const auto mb = abcsmc::test::sample_moments(b);
      CHECK(std::abs(ma.mean - mean[0]) < 5.0 * ma.se_mean);
      CHECK(std::abs(mb.mean - mean[1]) < 5.0 * mb.se_mean);
    }
  }
}

TEST_CASE("Transition: local kernel neighbour covariance on hand cases", "[core]") {
  SECTION("k = 3, ties broken by the lower index") {
    // Particle 0 at 0: nearest are itself and 1 (index 3); 2 (index 1) and -2 (index 2) tie for
    // the third place, index 1 wins: {0, 2, 1}, variance 1.
    // Particle 1 at 2: {2, 1, 0} (distances 0, 1, 2), variance 1.
    // Particle 2 at -2: {-2, 0, 1} (distances 0, 2, 3), mean -1/3, variance 7/3.
    // Particle 3 at 1: {1, 0, 2} (distances 0, 1, 1), variance 1.
    const std::vector<double> th{0.0, 2.0, -2.0, 1.0};
    const std::vector<double> var{1.0, 1.0, 7.0 / 3.0, 1.0};
    const std::vector<double> wv{0.1, 0.2, 0.3, 0.4};
    auto t = abcsmc::make_local_transition(3, 0.25, 1.5);
    t->fit(column(th), vec({0.1, 0.2, 0.3, 0.4}));
    for (double x : {-3.0, 0.0, 0.5, 2.5}) {
      double ref = 0.0;
      for (std::size_t j = 0; j < 4; ++j) ref += wv[j] * normal_pdf(x, th[j], 1.5 * var[j]);
      CHECK(log_pdf_at(*t, x) == Approx(std::log(ref)).epsilon(1e-12));
    }
  }
  SECTION("k from k_fraction") {
    // n = 8 particles at 0..7, k_fraction 0.5 -> k = 4; with ties to the lower index every
    // neighbourhood is 4 consecutive integers, variance 5/3.
    std::vector<double> th(8);
    for (int i = 0; i < 8; ++i) th[static_cast<std::size_t>(i)] = i;
    auto t = abcsmc::make_local_transition(0, 0.5, 1.0);
    t->fit(column(th), Vector::Constant(8, 1.0 / 8.0));
    for (double x : {-1.0, 3.3, 7.5}) {
      double ref = 0.0;
      for (double c : th) ref += normal_pdf(x, c, 5.0 / 3.0) / 8.0;
      CHECK(log_pdf_at(*t, x) == Approx(std::log(ref)).epsilon(1e-12));
    }
    // k_fraction too small: k = max(d + 1, round(k_fraction n)) = 2 -> pairs, variance 1/2.
    auto t2 = abcsmc::make_local_transition(0, 0.01, 1.0);
    t2->fit(column(th), Vector::Constant(8, 1.0 / 8.0));
    double ref = 0.0;
    for (double c : th) ref += normal_pdf(3.3, c, 0.5) / 8.0;
    CHECK(log_pdf_at(*t2, 3.3) == Approx(std::log(ref)).epsilon(1e-12));
  }
  SECTION("proposal matches log_pdf") {
    const std::vector<double> th{-3.0, -2.5, 0.0, 0.1, 0.3, 4.0, 4.5, 8.0};
    Vector w(8);
    w << 0.05, 0.1, 0.2, 0.1, 0.15, 0.2, 0.1, 0.1;
    auto t = abcsmc::make_local_transition(3, 0.25, 1.0);
    t->fit(column(th), w);
    const NumericQuantile q(*t, -20.0, 25.0, 300000);
    CHECK(q.total() == Approx(1.0).epsilon(1e-7));
    const auto x = propose_1d(*t, 40000, 31);
    const auto r = abcsmc::test::chi_squared_quantiles(x, q);
    INFO(r);
    CHECK(r.passed());
  }
}

TEST_CASE("Transition: discrete random walk pmf", "[core]") {
  auto t = abcsmc::make_discrete_random_walk_transition(2);
  t->fit(column({0.0}), vec({1.0}));
  // Sum of two steps uniform on {-1, 0, 1}: 1/9, 2/9, 3/9, 2/9, 1/9.
  const std::vector<double> pmf{1.0 / 9, 2.0 / 9, 3.0 / 9, 2.0 / 9, 1.0 / 9};
  double total = 0.0;
  for (int m = -2; m <= 2; ++m) {
    const double p = std::exp(log_pdf_at(*t, m));
    CHECK(p == Approx(pmf[static_cast<std::size_t>(m + 2)]).epsilon(1e-14));
    total += p;
  }
  CHECK(total == Approx(1.0).epsilon(1e-14));
  CHECK(log_pdf_at(*t, 3.0) == -kInf);
  CHECK(log_pdf_at(*t, 0.5) == -kInf);
  CHECK_THROWS_AS(abcsmc::make_discrete_random_walk_transition(0), abcsmc::ConfigError);

  SECTION("mixture: pmf sums to 1 and matches sampled frequencies") {
    auto k = abcsmc::make_discrete_random_walk_transition(3);
    Matrix th(3, 2);
    th << 0, 5, 2, 5, 10, -1;
    k->fit(th, vec({0.5, 0.3, 0.2}));
    double sum = 0.0;
    for (int a = -5; a <= 15; ++a) {
      for (int b = -6; b <= 10; ++b) sum += std::exp(k->log_pdf(vec({double(a), double(b)})));
    }
    CHECK(sum == Approx(1.0).epsilon(1e-12));
    // Frequencies of the first coordinate against its marginal pmf (sum over the second).
    const std::size_t n = 30000;
    std::vector<double> x(n);
    for (std::size_t i = 0; i < n; ++i) {
      Rng rng{StreamId{41, 1, i}};
      const Vector v = k->propose(rng);
      REQUIRE(v[1] == std::round(v[1]));
      x[i] = v[0];
    }
    std::vector<long long> support;
    for (long long a = -3; a <= 13; ++a) support.push_back(a);
    const auto marginal = [&](long long a) {
      double s = 0.0;
      for (int b = -6; b <= 10; ++b) s += std::exp(k->log_pdf(vec({double(a), double(b)})));
      return s;
    };
    const auto r = abcsmc::test::chi_squared_discrete(x, support, marginal);
    INFO(r);
    CHECK(r.passed());
  }
}

TEST_CASE("Transition: discrete random walk over many particles equals the direct sum", "[core]") {
  // 3000 particles on few distinct values (duplicates, as integer posteriors have), 2 parameters:
  // the kernel sums over distinct values near the query; the reference over every particle.
  const int steps = 2;
  const std::vector<double> pmf{1.0 / 9, 2.0 / 9, 3.0 / 9, 2.0 / 9, 1.0 / 9};
  const std::size_t n = 3000;
  Matrix th(static_cast<Eigen::Index>(n), 2);
  Vector w(static_cast<Eigen::Index>(n));
  Rng rng{StreamId{43, 0, 0}};
  for (Eigen::Index i = 0; i < th.rows(); ++i) {
    th(i, 0) = static_cast<double>(rng.below(12)) - 4.0;
    th(i, 1) = i % 50 == 0 ? 40.0 : static_cast<double>(rng.below(3));  // a far outlier value
    w[i] = 0.1 + rng.uniform();
  }
  w /= w.sum();
  auto k = abcsmc::make_discrete_random_walk_transition(steps);
  k->fit(th, w);
  double total = 0.0;
  for (int a = -8; a <= 10; ++a) {
    for (int b = -3; b <= 43; ++b) {
      long double ref = 0.0L;
      for (Eigen::Index i = 0; i < th.rows(); ++i) {
        const int da = a - static_cast<int>(th(i, 0));
        const int db = b - static_cast<int>(th(i, 1));
        if (std::abs(da) > steps || std::abs(db) > steps) continue;
        ref += w[i] * pmf[static_cast<std::size_t>(da + steps)] *
               pmf[static_cast<std::size_t>(db + steps)];
      }
      const double got = std::exp(k->log_pdf(vec({double(a), double(b)})));
      INFO(a << ", " << b);
      CHECK(got == Approx(static_cast<double>(ref)).epsilon(1e-13).margin(0.0));
      total += got;
    }
  }
  CHECK(total == Approx(1.0).epsilon(1e-12));
}

TEST_CASE("Transition: aggregated kernel on a mixed continuous and integer prior", "[core]") {
  abcsmc::Prior prior;
  prior.add("a", abcsmc::make_distribution("normal", {{"mean", 0}, {"sd", 1}}));
  prior.add("k", abcsmc::make_distribution("discrete_uniform", {{"low", 0}, {"high", 9}}));
  prior.add("b", abcsmc::make_distribution("uniform", {{"low", -1}, {"high", 1}}));
  abcsmc::TransitionSpec spec;
  spec.discrete_steps = 2;
  spec.defensive = 0.0;  // the blocks alone (the mixture with the prior: the next test)
  auto t = abcsmc::make_transition(spec, prior);
  CHECK(t->dim() == 3);

  const int n = 20;
  Matrix th(n, 3);
  Vector w(n);
  Rng init{StreamId{5, 0, 0}};
  for (int i = 0; i < n; ++i) {
    const Vector s = prior.sample(init);
    th.row(i) = s.transpose();
    w[i] = 1.0 + init.uniform();
  }
  w /= w.sum();
  t->fit(th, w);

  // The density is the product of the blocks' densities, each fitted on its own columns.
  auto cont = abcsmc::make_multivariate_normal_transition(spec.bandwidth, spec.scaling);
  auto disc = abcsmc::make_discrete_random_walk_transition(2);
  Matrix cols(n, 2);
  cols.col(0) = th.col(0);
  cols.col(1) = th.col(2);
  cont->fit(cols, w);
  disc->fit(th.col(1), w);
  for (std::size_t i = 0; i < 50; ++i) {
    Rng rng{StreamId{6, 1, i}};
    const Vector v = t->propose(rng);
    REQUIRE(v.size() == 3);
    CHECK(v[1] == std::round(v[1]));
    const double expected = cont->log_pdf(vec({v[0], v[2]})) + disc->log_pdf(vec({v[1]}));
    CHECK(t->log_pdf(v) == Approx(expected).epsilon(1e-12));
    // Deterministic: the same stream gives the same proposal.
    Rng again{StreamId{6, 1, i}};
    CHECK(t->propose(again) == v);
  }
  CHECK(t->log_pdf(vec({0.0, 2.5, 0.0})) == -kInf);  // non-integer k

  // Blocks propose independently, each from its own particle: the proposal equals the blocks'
  // proposals drawn in block order (continuous first) from one stream.
  Rng r1{StreamId{9, 0, 0}};
  Rng r2{StreamId{9, 0, 0}};
  const Vector v = t->propose(r1);
  const Vector c = cont->propose(r2);
  const Vector d = disc->propose(r2);
  CHECK(v[0] == c[0]);
  CHECK(v[2] == c[1]);
  CHECK(v[1] == d[0]);

  SECTION("a single block is returned directly and knows its dimension") {
    abcsmc::Prior ints;
    ints.add("i", abcsmc::make_distribution("discrete_uniform", {{"low", 0}, {"high", 3}}));
    ints.add("j", abcsmc::make_distribution("discrete_uniform", {{"low", 0}, {"high", 3}}));
    CHECK(abcsmc::make_transition(spec, ints)->dim() == 2);
    abcsmc::TransitionSpec local;
    local.type = abcsmc::TransitionSpec::Type::local;
    abcsmc::Prior conts;
    conts.add("x", abcsmc::make_distribution("normal", {{"mean", 0}, {"sd", 1}}));
    auto lt = abcsmc::make_transition(local, conts);
    CHECK(lt->dim() == 1);
    CHECK_THROWS_AS(lt->fit(th, w), abcsmc::Error);  // 3 columns for a 1-parameter kernel
  }
}

TEST_CASE("Transition: the defensive mixture draws from the prior with its weight", "[core]") {
  abcsmc::Prior prior;
  prior.add("x", abcsmc::make_distribution("normal", {{"mean", 0}, {"sd", 1}}));
  abcsmc::TransitionSpec spec;
  spec.defensive = 0.2;
  spec.scaling = 1.0;
  abcsmc::TransitionSpec plain = spec;
  plain.defensive = 0.0;
  auto t = abcsmc::make_transition(spec, prior);
  auto kernel = abcsmc::make_transition(plain, prior);
  // Ten particles near 5, where the prior has almost no mass: the kernel never goes below 2.5.
  const Matrix th = column({4.9, 4.95, 5.0, 5.0, 5.02, 5.05, 5.1, 4.97, 5.03, 4.99});
  const Vector w = Vector::Constant(10, 0.1);
  t->fit(th, w);
  kernel->fit(th, w);
  for (double x : {-3.0, -0.5, 0.0, 1.0, 2.5, 4.8, 5.0, 5.3, 9.0}) {
    INFO(x);
    const double mixture =
        0.8 * std::exp(kernel->log_pdf(vec({x}))) + 0.2 * normal_pdf(x, 0.0, 1.0);
    CHECK(t->log_pdf(vec({x})) == Approx(std::log(mixture)).epsilon(1e-12));
    // The importance weight prior / proposal stays below 1 / defensive.
    CHECK(std::exp(prior.log_pdf(vec({x})) - t->log_pdf(vec({x}))) <= 1.0 / 0.2 + 1e-12);
  }
  const int n = 20000;
  int from_prior = 0;
  for (int i = 0; i < n; ++i) {
    Rng rng{StreamId{11, 2, static_cast<std::uint64_t>(i)}};
    from_prior += t->propose(rng)[0] < 2.5 ? 1 : 0;
  }
  const double p = 0.2 * normal_cdf(2.5, 0.0, 1.0);  // drawn from the prior, and below 2.5
  CHECK(std::abs(from_prior - n * p) <= 5.0 * std::sqrt(n * p * (1.0 - p)));

  for (double bad : {1.0, 1.5, -0.1}) {
    spec.defensive = bad;
    CHECK_THROWS_AS(abcsmc::make_transition(spec, prior), abcsmc::ConfigError);
  }
}

TEST_CASE("Transition: degenerate populations stay usable", "[core]") {
  // All particles identical in the second parameter, and two perfectly collinear parameters.
  Matrix th(4, 3);
  th << 0, 1, 0, 1, 1, 2, 2, 1, 4, 3, 1, 6;
  auto t = abcsmc::make_multivariate_normal_transition(Bandwidth::silverman, 1.0);
  t->fit(th, Vector::Constant(4, 0.25));
  Rng rng{StreamId{1, 0, 0}};
  for (int i = 0; i < 20; ++i) {
    const Vector v = t->propose(rng);
    CHECK(v.allFinite());
    CHECK(std::isfinite(t->log_pdf(v)));
  }
  CHECK_THROWS_AS(t->fit(th, vec({1.0, 0.0, 0.0})), abcsmc::Error);  // size mismatch
  CHECK_THROWS_AS(t->fit(th, Vector::Zero(4)), abcsmc::Error);
  CHECK_THROWS_AS(abcsmc::make_multivariate_normal_transition(Bandwidth::scott, 0.0),
                  abcsmc::ConfigError);
}
