#include "abcsmc/core/rng.hpp"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <set>
#include <vector>

#include "abcsmc/core/distribution.hpp"
#include "support/stat.hpp"

using abcsmc::Rng;
using abcsmc::StreamId;
using abcsmc::StreamKind;

namespace {

std::vector<double> draw(std::size_t n, std::uint64_t seed, double (*f)(Rng&)) {
  Rng rng{StreamId{seed, 0, 0}};
  std::vector<double> out(n);
  for (auto& x : out) x = f(rng);
  return out;
}

}  // namespace

TEST_CASE("Rng: golden first outputs of stream (42, 0, 0)", "[core]") {
  // Pinned once from Philox4x64-10 with key {42, kind << 32 | generation} and counter
  // {index, attempt, block, 0}. A change here breaks reproducibility of every stored run.
  Rng rng{StreamId{42, 0, 0}};
  CHECK(rng() == 0xa7687e2d34c89dc6ULL);
  CHECK(rng() == 0x4c5818ab9649d53fULL);
  CHECK(rng() == 0xea0add4230dddab5ULL);
  CHECK(rng() == 0xe2a142eecee5bb40ULL);
}

TEST_CASE("Rng: every part of the stream id selects a different stream", "[core]") {
  const auto first = [](const StreamId& id) {
    Rng rng{id};
    return rng();
  };
  const StreamId base{42, 3, 5, 0, StreamKind::evaluation};
  std::vector<StreamId> ids{base};
  StreamId v = base;
  v.seed = 43;
  ids.push_back(v);
  v = base;
  v.generation = 4;
  ids.push_back(v);
  v = base;
  v.index = 6;
  ids.push_back(v);
  v = base;
  v.attempt = 1;
  ids.push_back(v);
  v = base;
  v.kind = StreamKind::slot;
  ids.push_back(v);
  v = base;
  v.kind = StreamKind::calibration;
  ids.push_back(v);
  std::set<std::uint64_t> seen;
  for (const auto& id : ids) seen.insert(first(id));
  CHECK(seen.size() == ids.size());

  // Same id, same numbers: the stream is a pure function of its id.
  Rng a{base};
  Rng b{base};
  for (int i = 0; i < 10; ++i) CHECK(a.normal() == b.normal());
}

TEST_CASE("Rng: uniform is in [0, 1) and uniform_pos in (0, 1]", "[core]") {
  const std::size_t n = 100000;
  Rng rng{StreamId{7, 0, 0}};
  std::vector<double> u(n);
  for (auto& x : u) {
    x = rng.uniform();
    REQUIRE(x >= 0.0);
    REQUIRE(x < 1.0);
    const double p = rng.uniform_pos();
    REQUIRE(p > 0.0);
    REQUIRE(p <= 1.0);
  }
  const auto r = abcsmc::test::chi_squared_quantiles(u, [](double p) { return p; });
  INFO(r);
  CHECK(r.passed());
}

TEST_CASE("Rng: normal moments", "[core]") {
  const std::size_t n = 200000;
  const auto x = draw(n, 11, [](Rng& r) { return r.normal(); });
  const auto m = abcsmc::test::sample_moments(x);
  // Theory for N(0, 1): SE of the mean 1 / sqrt(n), SE of the variance sqrt(2 / n).
  CHECK(std::abs(m.mean) < 5.0 / std::sqrt(double(n)));
  CHECK(std::abs(m.variance - 1.0) < 5.0 * std::sqrt(2.0 / double(n)));
  const auto normal = abcsmc::make_distribution("normal", {{"mean", 0}, {"sd", 1}});
  const auto r =
      abcsmc::test::chi_squared_quantiles(x, [&](double p) { return normal->quantile(p); });
  INFO(r);
  CHECK(r.passed());
}

TEST_CASE("Rng: exponential, gamma and beta match their distributions", "[core]") {
  const std::size_t n = 50000;
  SECTION("exponential") {
    const auto x = draw(n, 12, [](Rng& r) { return r.exponential(2.5); });
    const auto r =
        abcsmc::test::chi_squared_quantiles(x, [](double p) { return -2.5 * std::log1p(-p); });
    INFO(r);
    CHECK(r.passed());
  }
  for (double shape : {0.3, 1.0, 4.5}) {
    DYNAMIC_SECTION("gamma shape " << shape) {
      std::vector<double> x(n);
      Rng rng{StreamId{13, 1, static_cast<std::uint64_t>(shape * 10)}};
      for (auto& v : x) v = rng.gamma(shape);
      const auto g = abcsmc::make_distribution("gamma", {{"shape", shape}, {"scale", 1.0}});
      const auto r =
          abcsmc::test::chi_squared_quantiles(x, [&](double p) { return g->quantile(p); });
      INFO(r);
      CHECK(r.passed());
    }
  }
  SECTION("beta") {
    std::vector<double> x(n);
    Rng rng{StreamId{14, 0, 0}};
    for (auto& v : x) v = rng.beta(0.7, 2.0);
    const auto b = abcsmc::make_distribution("beta", {{"a", 0.7}, {"b", 2.0}});
    const auto r = abcsmc::test::chi_squared_quantiles(x, [&](double p) { return b->quantile(p); });
    INFO(r);
    CHECK(r.passed());
  }
}

TEST_CASE("Rng: below(n) is uniform on 0..n-1", "[core]") {
  const std::size_t n = 60000;
  Rng rng{StreamId{15, 0, 0}};
  std::vector<double> x(n);
  for (auto& v : x) v = static_cast<double>(rng.below(7));
  const std::vector<long long> support{0, 1, 2, 3, 4, 5, 6};
  const auto r =
      abcsmc::test::chi_squared_discrete(x, support, [](long long) { return 1.0 / 7.0; });
  INFO(r);
  CHECK(r.passed());
}
