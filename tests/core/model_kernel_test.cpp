#include "abcsmc/core/model_kernel.hpp"

#include <catch2/catch.hpp>
#include <cstddef>
#include <vector>

#include "abcsmc/core/error.hpp"
#include "support/stat.hpp"

using abcsmc::Rng;
using abcsmc::StreamId;

TEST_CASE("ModelKernel: pmf and sampling", "[core]") {
  const abcsmc::ModelKernel k(4, 0.7);
  for (std::size_t from = 0; from < 4; ++from) {
    double sum = 0.0;
    for (std::size_t to = 0; to < 4; ++to) sum += k.pmf(to, from);
    CHECK(sum == Approx(1.0));
  }
  CHECK(k.pmf(2, 2) == Approx(0.7));
  CHECK(k.pmf(1, 2) == Approx(0.1));
  CHECK(k.pmf(7, 2) == 0.0);
  const std::size_t n = 30000;
  std::vector<double> x(n);
  for (std::size_t i = 0; i < n; ++i) {
    Rng rng{StreamId{3, 0, i}};
    x[i] = static_cast<double>(k.sample(1, rng));
  }
  const auto r = abcsmc::test::chi_squared_discrete(
      x, {0, 1, 2, 3}, [&](long long to) { return k.pmf(static_cast<std::size_t>(to), 1); });
  INFO(r);
  CHECK(r.passed());

  const abcsmc::ModelKernel single(1, 0.3);
  Rng rng{StreamId{4, 0, 0}};
  CHECK(single.sample(0, rng) == 0);
  CHECK(single.pmf(0, 0) == 1.0);
  CHECK_THROWS_AS(abcsmc::ModelKernel(3, 1.5), abcsmc::ConfigError);
  CHECK_THROWS_AS(abcsmc::ModelKernel(0, 0.5), abcsmc::ConfigError);
}
