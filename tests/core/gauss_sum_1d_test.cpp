#include "abcsmc/core/detail/gauss_sum_1d.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstddef>
#include <random>
#include <string>
#include <vector>

using abcsmc::detail::GaussSum1d;

namespace {

/// log sum_j w_j exp(-(z - y_j)^2 / 2) in long double, shifted by the largest term.
long double reference(const std::vector<double>& y, const std::vector<double>& w, double z) {
  long double mx = -INFINITY;
  std::vector<long double> e(y.size());
  for (std::size_t j = 0; j < y.size(); ++j) {
    const long double t = static_cast<long double>(z) - y[j];
    e[j] = std::log(static_cast<long double>(w[j])) - 0.5L * t * t;
    mx = std::max(mx, e[j]);
  }
  long double s = 0.0L;
  for (long double x : e) s += std::exp(x - mx);
  return mx + std::log(s);
}

struct Checked {
  double max_rel_error = 0.0;
  std::size_t near_fast = 0;  // queries near a centre that took the series
  std::size_t near = 0;
};

/// Relative error of exp(log_sum) against the reference at every query; the first `near` ones
/// are near a centre.
Checked check(const std::vector<double>& y, const std::vector<double>& w,
              const std::vector<double>& queries, std::size_t near) {
  GaussSum1d g;
  g.fit(y.data(), w.data(), y.size());
  Checked out;
  for (double z : queries) {
    bool exact = true;
    const double got = g.log_sum(z, &exact);
    const long double want = reference(y, w, z);
    // The log itself is only good to an ulp of its magnitude: far out (log sum ~ -1e9), that
    // ulp, not the method, limits the sum's relative accuracy.
    const double ulp_of_log = std::ldexp(1.0, std::ilogb(static_cast<double>(want)) - 52);
    const double rel = static_cast<double>(std::fabs(std::expm1(got - want))) - 4.0 * ulp_of_log;
    out.max_rel_error = std::max(out.max_rel_error, rel);
    if (out.near < near) {
      out.near_fast += exact ? 0 : 1;
      ++out.near;
    }
  }
  return out;
}

/// Queries: near every 7th centre (as proposals are) plus a grid over the whole range and beyond.
std::vector<double> queries_for(const std::vector<double>& y, std::mt19937_64& rng) {
  std::normal_distribution<double> jitter(0.0, 1.0);
  std::vector<double> q;
  for (std::size_t j = 0; j < y.size(); j += 7) q.push_back(y[j] + jitter(rng));
  const auto [lo, hi] = std::minmax_element(y.begin(), y.end());
  const double span = *hi - *lo + 40.0;
  for (int k = 0; k <= 400; ++k) q.push_back(*lo - 20.0 + span * k / 400.0);
  return q;
}

std::vector<double> normal_weights(std::size_t n, std::mt19937_64& rng) {
  std::exponential_distribution<double> e(1.0);
  std::vector<double> w(n);
  double total = 0.0;
  for (double& x : w) total += (x = e(rng));
  for (double& x : w) x /= total;
  return w;
}

}  // namespace

TEST_CASE("GaussSum1d: relative error below 1e-12 on random and adversarial populations",
          "[core]") {
  std::mt19937_64 rng(20261202);
  std::normal_distribution<double> normal(0.0, 1.0);
  struct Case {
    std::string name;
    std::vector<double> y;
  };
  std::vector<Case> cases;
  const std::size_t n = 3000;
  for (double spread : {0.3, 3.0, 12.0}) {  // kernel wider than / like / narrower than the data
    Case c{"normal spread " + std::to_string(spread), {}};
    for (std::size_t j = 0; j < n; ++j) c.y.push_back(spread * normal(rng));
    cases.push_back(c);
  }
  {
    Case c{"clusters and outliers", {}};
    for (std::size_t j = 0; j < n; ++j) {
      const double centre = (j % 3 == 0) ? -30.0 : (j % 3 == 1 ? 0.0 : 45.0);
      c.y.push_back(centre + 0.01 * normal(rng));
    }
    c.y.push_back(1e6);
    c.y.push_back(-250.0);
    c.y.push_back(7.77);
    cases.push_back(c);
  }
  {
    Case c{"duplicates", {}};
    for (std::size_t j = 0; j < n; ++j) c.y.push_back(static_cast<double>(j % 5) * 0.75);
    cases.push_back(c);
  }
  {
    Case c{"heavy tails", {}};
    std::cauchy_distribution<double> cauchy(0.0, 2.0);
    for (std::size_t j = 0; j < n; ++j) c.y.push_back(cauchy(rng));
    cases.push_back(c);
  }
  for (const Case& c : cases) {
    INFO(c.name);
    std::vector<double> w = normal_weights(c.y.size(), rng);
    // A few weights far below the others: their particles must still count where they alone are.
    for (std::size_t j = 0; j < w.size(); j += 101) w[j] *= 1e-200;
    const Checked got = check(c.y, w, queries_for(c.y, rng), (c.y.size() + 6) / 7);
    CHECK(got.max_rel_error <= 1e-12);
    // Queries near the centres (as proposals are) take the series, not the exact fallback.
    CHECK(got.near_fast * 100 >= got.near * 99);
  }
}

TEST_CASE("GaussSum1d: one centre, equal weights, empty fit", "[core]") {
  GaussSum1d g;
  CHECK(g.log_sum(0.0) == -INFINITY);
  const std::vector<double> y = {1.5};
  const std::vector<double> w = {0.25};
  g.fit(y.data(), w.data(), 1);
  for (double z : {1.5, 0.0, 3.0, 40.0, -1e3}) {
    INFO(z);
    const double want = std::log(0.25) - 0.5 * (z - 1.5) * (z - 1.5);
    CHECK(std::fabs(g.log_sum(z) - want) <= 1e-12 * std::max(1.0, std::fabs(want)));
  }
}

TEST_CASE("GaussSum1d: the result depends on the set of centres, not their order", "[core]") {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> normal(0.0, 2.0);
  std::vector<double> y(5000);
  for (double& x : y) x = normal(rng);
  std::vector<double> w = normal_weights(y.size(), rng);
  GaussSum1d a;
  a.fit(y.data(), w.data(), y.size());
  std::vector<std::size_t> perm(y.size());
  for (std::size_t i = 0; i < perm.size(); ++i) perm[i] = perm.size() - 1 - i;
  std::vector<double> y2(y.size()), w2(y.size());
  for (std::size_t i = 0; i < perm.size(); ++i) {
    y2[i] = y[perm[i]];
    w2[i] = w[perm[i]];
  }
  GaussSum1d b;
  b.fit(y2.data(), w2.data(), y2.size());
  for (double z : {-3.0, 0.1, 2.5, 9.0}) CHECK(a.log_sum(z) == b.log_sum(z));
}
