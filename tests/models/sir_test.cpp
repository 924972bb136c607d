// SIR built-in model: invariants, exactly solvable special cases within Monte Carlo error,
// parameter mapping by name, determinism.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "abcsmc/core/error.hpp"
#include "abcsmc/core/model.hpp"
#include "abcsmc/core/rng.hpp"
#include "abcsmc/models/builtin.hpp"

using namespace abcsmc;

namespace {

constexpr double kSigmas = 5.0;  // tolerances: this many Monte Carlo standard errors

ModelOptions opts(std::initializer_list<std::pair<const char*, double>> values) {
  ModelOptions o;
  for (const auto& [k, v] : values) o[k] = OptionValue{std::to_string(v), v};
  return o;
}

Vector run(const Model& model, double beta, double gamma, std::uint64_t index,
           std::uint64_t seed = 31) {
  Vector theta(2);
  theta << beta, gamma;
  Vector stats = Vector::Constant(static_cast<Eigen::Index>(total_stat_size(model.statistics())),
                                  std::numeric_limits<double>::quiet_NaN());
  Rng rng(StreamId{seed, 0, index});
  model.simulate(theta, rng, stats);
  return stats;
}

}  // namespace

TEST_CASE("sir: statistic infected has one value per observation", "[models]") {
  const auto def = make_builtin_model("sir", {}, {"beta", "gamma"});
  REQUIRE(def->statistics().size() == 1);
  CHECK(def->statistics()[0].name == "infected");
  CHECK(def->statistics()[0].size == 10);
  const auto m = make_builtin_model("sir", opts({{"observations", 3}}), {"beta", "gamma"});
  CHECK(flatten_stat_names(m->statistics()) ==
        StatNames{"infected[0]", "infected[1]", "infected[2]"});
}

TEST_CASE("sir: I is an integer in [0, population]", "[models]") {
  const auto model = make_builtin_model(
      "sir", opts({{"population", 200}, {"infected", 5}, {"t_end", 30}}), {"beta", "gamma"});
  bool some_grew = false, some_recovered = false;
  for (std::uint64_t i = 0; i < 300; ++i) {
    const Vector x = run(*model, 0.8, 0.3, i);
    for (Eigen::Index k = 0; k < x.size(); ++k) {
      REQUIRE(std::isfinite(x[k]));
      REQUIRE(x[k] == std::floor(x[k]));
      REQUIRE(x[k] >= 0);
      REQUIRE(x[k] <= 200);
      some_grew = some_grew || x[k] > 5;
    }
    some_recovered = some_recovered || x[x.size() - 1] < 5;
  }
  CHECK(some_grew);
  CHECK(some_recovered);
  // Everyone infected at the start.
  const auto all =
      make_builtin_model("sir", opts({{"population", 50}, {"infected", 50}}), {"beta", "gamma"});
  for (std::uint64_t i = 0; i < 50; ++i) {
    const Vector x = run(*all, 2.0, 0.1, i);
    for (Eigen::Index k = 0; k < x.size(); ++k) REQUIRE((x[k] >= 0 && x[k] <= 50));
  }
}

TEST_CASE("sir: gamma = 0 gives a non-decreasing I that reaches the population", "[models]") {
  const auto model =
      make_builtin_model("sir", opts({{"population", 300}, {"t_end", 60}}), {"beta", "gamma"});
  for (std::uint64_t i = 0; i < 100; ++i) {
    const Vector x = run(*model, 1.5, 0.0, i);
    CHECK(x[0] >= 10);
    for (Eigen::Index k = 1; k < x.size(); ++k) REQUIRE(x[k] >= x[k - 1]);
    // Expected time to infect everyone ~ 2 ln(300) / 1.5 ~ 7.6, far below 60.
    CHECK(x[x.size() - 1] == 300);
  }
}

TEST_CASE("sir: beta = 0 gives E[I(t)] = infected * exp(-gamma t)", "[models]") {
  // Without infection each infected recovers independently at rate gamma:
  // I(t) ~ Binomial(infected, exp(-gamma t)).
  const double gamma = 0.3, t_end = 10;
  const int infected = 10, obs = 5;
  const auto model = make_builtin_model(
      "sir", opts({{"infected", infected}, {"t_end", t_end}, {"observations", obs}}),
      {"beta", "gamma"});
  const std::size_t runs = 4000;
  std::vector<double> sum(obs, 0.0);
  for (std::uint64_t i = 0; i < runs; ++i) {
    const Vector x = run(*model, 0.0, gamma, i);
    for (int k = 0; k < obs; ++k) sum[k] += x[k];
  }
  for (int k = 0; k < obs; ++k) {
    const double t = t_end * (k + 1) / obs;
    const double p = std::exp(-gamma * t);
    const double mean = infected * p;
    const double se = std::sqrt(infected * p * (1 - p) / runs);
    INFO("t = " << t);
    CHECK(std::abs(sum[k] / runs - mean) < kSigmas * se);
  }
}

TEST_CASE("sir: infection rate is beta * S * I / population", "[models]") {
  // population 2, one infected, gamma = 0: the single infection happens at rate beta * 1 * 1 / 2,
  // so P(I(t) = 2) = 1 - exp(-beta t / 2).
  const double beta = 1.2;
  const auto model = make_builtin_model(
      "sir", opts({{"population", 2}, {"infected", 1}, {"t_end", 4}, {"observations", 4}}),
      {"beta", "gamma"});
  const std::size_t runs = 6000;
  std::vector<std::size_t> both(4, 0);
  for (std::uint64_t i = 0; i < runs; ++i) {
    const Vector x = run(*model, beta, 0.0, i);
    for (int k = 0; k < 4; ++k) {
      REQUIRE((x[k] == 1 || x[k] == 2));
      both[k] += x[k] == 2 ? 1 : 0;
    }
  }
  for (int k = 0; k < 4; ++k) {
    const double t = k + 1.0;
    const double p = 1 - std::exp(-beta * t / 2);
    INFO("t = " << t);
    CHECK(std::abs(static_cast<double>(both[k]) / runs - p) <
          kSigmas * std::sqrt(p * (1 - p) / runs));
  }
}

TEST_CASE("sir: parameters are mapped by name", "[models]") {
  const auto bg = make_builtin_model("sir", {}, {"beta", "gamma"});
  const auto gb = make_builtin_model("sir", {}, {"gamma", "beta"});
  for (std::uint64_t i = 0; i < 20; ++i) {
    // run() passes (first, second) as theta: (beta, gamma) for bg, (gamma, beta) for gb.
    CHECK(run(*bg, 0.5, 0.2, i) == run(*gb, 0.2, 0.5, i));
  }
}

TEST_CASE("sir: negative rates count as zero, non-finite ones fail", "[models]") {
  const auto model = make_builtin_model("sir", {}, {"beta", "gamma"});
  for (std::uint64_t i = 0; i < 20; ++i) {
    CHECK(run(*model, -1.0, 0.2, i) == run(*model, 0.0, 0.2, i));
    CHECK(run(*model, 0.7, -3.0, i) == run(*model, 0.7, 0.0, i));
  }
  const Vector frozen = run(*model, -1.0, -1.0, 0);
  CHECK(frozen == Vector::Constant(10, 10.0));
  CHECK_THROWS_AS(run(*model, std::numeric_limits<double>::quiet_NaN(), 0.1, 0), ModelError);
  CHECK_THROWS_AS(run(*model, 0.5, std::numeric_limits<double>::infinity(), 0), ModelError);
}

TEST_CASE("sir: no infected stays at zero", "[models]") {
  const auto model = make_builtin_model("sir", opts({{"infected", 0}}), {"beta", "gamma"});
  CHECK(run(*model, 3.0, 0.1, 0) == Vector::Zero(10));
}

TEST_CASE("sir: deterministic per stream", "[models]") {
  const auto a = make_builtin_model("sir", {}, {"beta", "gamma"});
  const auto b = make_builtin_model("sir", {}, {"beta", "gamma"});
  for (std::uint64_t i = 0; i < 20; ++i) CHECK(run(*a, 0.6, 0.2, i) == run(*b, 0.6, 0.2, i));
  bool differ = false;
  for (std::uint64_t i = 1; i < 10; ++i)
    differ = differ || run(*a, 0.6, 0.2, i) != run(*a, 0.6, 0.2, 0);
  CHECK(differ);
}
