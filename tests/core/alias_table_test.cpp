#include "abcsmc/core/detail/alias_table.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstddef>
#include <vector>

#include "abcsmc/core/error.hpp"
#include "abcsmc/core/rng.hpp"

using abcsmc::Rng;
using abcsmc::StreamId;
using abcsmc::detail::AliasTable;

namespace {

/// Counts of table.choose() over n draws from one stream.
std::vector<std::size_t> counts(const AliasTable& table, std::size_t size, std::size_t n,
                                std::uint64_t seed) {
  std::vector<std::size_t> c(size, 0);
  Rng rng{StreamId{seed, 0, 0}};
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t j = table.choose(rng);
    REQUIRE(j < size);
    ++c[j];
  }
  return c;
}

/// Each frequency within 5 binomial standard errors of w_i / sum(w) (about 6e-7 two-sided per
/// index; the seed is fixed, so this is a check of the table, not a flaky test). A zero weight
/// must never be drawn.
void check_frequencies(const std::vector<double>& w, std::size_t n, std::uint64_t seed) {
  AliasTable table;
  table.fit(w);
  const std::vector<std::size_t> c = counts(table, w.size(), n, seed);
  double total = 0.0;
  for (double x : w) total += x;
  for (std::size_t i = 0; i < w.size(); ++i) {
    const double p = w[i] / total;
    const double freq = static_cast<double>(c[i]) / static_cast<double>(n);
    const double se = std::sqrt(p * (1.0 - p) / static_cast<double>(n));
    INFO("index " << i << ": p = " << p << ", frequency " << freq << ", se " << se);
    if (p == 0.0) {
      CHECK(c[i] == 0);
    } else {
      CHECK(std::abs(freq - p) <= 5.0 * se);
    }
  }
}

}  // namespace

TEST_CASE("AliasTable: frequencies match the weights within Monte Carlo error", "[core]") {
  SECTION("a few unnormalised weights, zeros included") {
    check_frequencies({0.5, 0.0, 2.0, 1.0, 0.25, 3.0, 0.0, 0.01}, 400000, 11);
  }
  SECTION("many weights of different scales") {
    std::vector<double> w;
    Rng rng{StreamId{12, 0, 0}};
    for (int i = 0; i < 37; ++i) w.push_back(std::exp(4.0 * rng.uniform()));
    check_frequencies(w, 400000, 13);
  }
  SECTION("equal weights") { check_frequencies(std::vector<double>(10, 0.3), 200000, 14); }
  SECTION("one dominant weight") { check_frequencies({1e-3, 1.0, 1e-3, 1e-3}, 400000, 15); }
}

TEST_CASE("AliasTable: degenerate tables", "[core]") {
  Rng rng{StreamId{16, 0, 0}};
  AliasTable table;
  // propose() before fit() is a kernel bug, reported as such
  CHECK_THROWS_AS(table.choose(rng), abcsmc::Error);

  table.fit({2.5});
  for (int i = 0; i < 100; ++i) CHECK(table.choose(rng) == 0);

  // a single non-zero weight among zeros is the only index ever chosen
  table.fit({0.0, 0.0, 7.0, 0.0, 0.0});
  for (int i = 0; i < 1000; ++i) CHECK(table.choose(rng) == 2);

  // fit() replaces the previous table
  table.fit({0.0, 1.0});
  for (int i = 0; i < 100; ++i) CHECK(table.choose(rng) == 1);
}

TEST_CASE("AliasTable: one uniform per draw, so the same stream gives the same choices", "[core]") {
  AliasTable table;
  table.fit({0.1, 0.2, 0.3, 0.4});
  Rng a{StreamId{17, 0, 0}};
  Rng b{StreamId{17, 0, 0}};
  for (int i = 0; i < 1000; ++i) {
    table.choose(a);
    b.uniform();  // choose() consumes exactly one uniform()
    CHECK(a() == b());
  }
}
