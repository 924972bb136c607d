// Gaussian built-in models: moments against their exact values within Monte Carlo error, the
// exact use of the stream, and determinism.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "abcsmc/core/model.hpp"
#include "abcsmc/core/rng.hpp"
#include "abcsmc/models/builtin.hpp"
#include "abcsmc/models/simulators.hpp"

using namespace abcsmc;

namespace {

// Every tolerance below is this many Monte Carlo standard errors, the SE derived from the
// model's exact distribution and the number of draws.
constexpr double kSigmas = 5.0;

struct Moments {
  std::size_t n = 0;
  double mean = 0.0;
  double m2 = 0.0;
  void add(double x) {
    ++n;
    const double d = x - mean;
    mean += d / static_cast<double>(n);
    m2 += d * (x - mean);
  }
  double variance() const { return m2 / static_cast<double>(n - 1); }
};

double se_mean(double var, std::size_t n) { return std::sqrt(var / static_cast<double>(n)); }
// SE of the sample variance of n normal draws with variance var.
double se_normal_variance(double var, std::size_t n) {
  return var * std::sqrt(2.0 / static_cast<double>(n - 1));
}
double se_frequency(double p, std::size_t n) {
  return std::sqrt(p * (1.0 - p) / static_cast<double>(n));
}

ModelOptions opts(std::initializer_list<std::pair<const char*, double>> values) {
  ModelOptions o;
  for (const auto& [k, v] : values) o[k] = OptionValue{std::to_string(v), v};
  return o;
}

StreamId stream(std::uint64_t seed, std::uint64_t index) { return StreamId{seed, 0, index}; }

Vector run(const Model& model, const Vector& theta, const StreamId& id) {
  Vector stats = Vector::Constant(static_cast<Eigen::Index>(total_stat_size(model.statistics())),
                                  std::numeric_limits<double>::quiet_NaN());
  Rng rng(id);
  model.simulate(theta, rng, stats);
  return stats;
}

}  // namespace

TEST_CASE("gaussian_mean: statistic y", "[models]") {
  const auto model = make_builtin_model("gaussian_mean", {}, {"theta"});
  const auto specs = model->statistics();
  REQUIRE(specs.size() == 1);
  CHECK(specs[0].name == "y");
  CHECK(specs[0].size == 1);
  CHECK(model->thread_safe());
}

TEST_CASE("gaussian_mean: mean theta and variance sigma^2 / n", "[models]") {
  struct Case {
    double theta, sigma, n;
    bool defaults;
  };
  const Case cases[] = {{0.7, 2.0, 10, false}, {-3.0, 0.5, 1, false}, {0.25, 1.0, 10, true}};
  for (const auto& c : cases) {
    const auto model =
        c.defaults
            ? make_builtin_model("gaussian_mean", {}, {"mu"})
            : make_builtin_model("gaussian_mean", opts({{"n", c.n}, {"sigma", c.sigma}}), {"mu"});
    const std::size_t draws = 20000;
    const double var = c.sigma * c.sigma / c.n;
    Moments m;
    Vector theta(1);
    theta << c.theta;
    for (std::size_t i = 0; i < draws; ++i) m.add(run(*model, theta, stream(2024, i))[0]);
    INFO("theta " << c.theta << " sigma " << c.sigma << " n " << c.n);
    CHECK(std::abs(m.mean - c.theta) < kSigmas * se_mean(var, draws));
    CHECK(std::abs(m.variance() - var) < kSigmas * se_normal_variance(var, draws));
  }
}

TEST_CASE("gaussian_mean: y is the mean of n draws theta + sigma * rng.normal()", "[models]") {
  const GaussianMeanModel model(7, 1.5);
  Vector theta(1);
  theta << 0.3;
  for (std::uint64_t i = 0; i < 50; ++i) {
    Rng rng(stream(9, i));
    double sum = 0.0;
    for (int k = 0; k < 7; ++k) sum += 0.3 + 1.5 * rng.normal();
    CHECK(run(model, theta, stream(9, i))[0] == Approx(sum / 7).epsilon(1e-14));
  }
}

TEST_CASE("gaussian_mean: depends on the stream only", "[models]") {
  const auto a = make_builtin_model("gaussian_mean", {}, {"theta"});
  const auto b = make_builtin_model("gaussian_mean", {}, {"theta"});
  Vector theta(1);
  theta << 1.0;
  const double first = run(*a, theta, stream(1, 42))[0];
  // Other simulations in between, on either instance, change nothing.
  for (std::uint64_t i = 0; i < 10; ++i) run(*a, theta, stream(1, i));
  CHECK(run(*a, theta, stream(1, 42))[0] == first);
  CHECK(run(*b, theta, stream(1, 42))[0] == first);
  // Another index, generation or seed gives another value.
  CHECK(run(*a, theta, stream(1, 43))[0] != first);
  CHECK(run(*a, theta, StreamId{1, 1, 42})[0] != first);
  CHECK(run(*a, theta, stream(2, 42))[0] != first);
  // Continuing the same Rng gives fresh numbers.
  Rng rng(stream(1, 42));
  Vector stats(1);
  a->simulate(theta, rng, stats);
  CHECK(stats[0] == first);
  a->simulate(theta, rng, stats);
  CHECK(stats[0] != first);
}

TEST_CASE("gaussian_linear: per-dimension mean theta_j and variance sigma^2 / n", "[models]") {
  const auto model =
      make_builtin_model("gaussian_linear", opts({{"n", 4}, {"sigma", 0.5}}), {"a", "b", "c"});
  const auto specs = model->statistics();
  REQUIRE(specs.size() == 1);
  CHECK(specs[0].name == "x");
  CHECK(specs[0].size == 3);
  CHECK(flatten_stat_names(specs) == StatNames{"x[0]", "x[1]", "x[2]"});

  Vector theta(3);
  theta << -1.0, 0.0, 2.5;
  const double var = 0.25 / 4;
  const std::size_t draws = 20000;
  Moments m[3];
  double cross = 0.0;  // sum of (x0 - theta0)(x1 - theta1): zero mean, variance var^2 per draw
  for (std::size_t i = 0; i < draws; ++i) {
    const Vector x = run(*model, theta, stream(77, i));
    for (int j = 0; j < 3; ++j) m[j].add(x[j]);
    cross += (x[0] - theta[0]) * (x[1] - theta[1]);
  }
  for (int j = 0; j < 3; ++j) {
    INFO("dimension " << j);
    CHECK(std::abs(m[j].mean - theta[j]) < kSigmas * se_mean(var, draws));
    CHECK(std::abs(m[j].variance() - var) < kSigmas * se_normal_variance(var, draws));
  }
  CHECK(std::abs(cross / draws) < kSigmas * se_mean(var * var, draws));
}

TEST_CASE("gaussian_linear: defaults n = 1, sigma = 0.1, exact draws", "[models]") {
  const auto model = make_builtin_model("gaussian_linear", {}, {"p", "q"});
  Vector theta(2);
  theta << 0.5, -0.5;
  for (std::uint64_t i = 0; i < 20; ++i) {
    Rng rng(stream(3, i));
    const double x0 = 0.5 + 0.1 * rng.normal();
    const double x1 = -0.5 + 0.1 * rng.normal();
    const Vector x = run(*model, theta, stream(3, i));
    CHECK(x[0] == Approx(x0).epsilon(1e-14));
    CHECK(x[1] == Approx(x1).epsilon(1e-14));
  }
  // One parameter: a scalar-sized array statistic.
  const auto one = make_builtin_model("gaussian_linear", {}, {"p"});
  CHECK(total_stat_size(one->statistics()) == 1);
}

TEST_CASE("gaussian_mixture: component choice, frequency and mixture variance", "[models]") {
  const double w = 0.3, broad = 1.0, narrow = 0.1;
  const auto model = make_builtin_model(
      "gaussian_mixture", opts({{"weight", w}, {"scale_broad", broad}, {"scale_narrow", narrow}}),
      {"t1", "t2"});
  REQUIRE(total_stat_size(model->statistics()) == 2);
  Vector theta(2);
  theta << 1.0, -2.0;

  const std::size_t draws = 40000;
  Moments m[2];
  std::size_t chose_broad = 0;
  std::size_t near = 0;  // |x0 - theta0| < 0.3
  for (std::size_t i = 0; i < draws; ++i) {
    const StreamId id = stream(5, i);
    const Vector x = run(*model, theta, id);
    // The stream use is exact: one uniform picks the component, then d normals.
    Rng rng(id);
    const bool is_broad = rng.uniform() < w;
    const double s = is_broad ? broad : narrow;
    const double e0 = theta[0] + s * rng.normal();
    const double e1 = theta[1] + s * rng.normal();
    if (i < 200) {
      CHECK(x[0] == Approx(e0).epsilon(1e-14));
      CHECK(x[1] == Approx(e1).epsilon(1e-14));
    }
    chose_broad += is_broad ? 1 : 0;
    near += std::abs(x[0] - theta[0]) < 0.3 ? 1 : 0;
    m[0].add(x[0]);
    m[1].add(x[1]);
  }
  CHECK(std::abs(static_cast<double>(chose_broad) / draws - w) < kSigmas * se_frequency(w, draws));

  // P(|x - theta| < c) = w P(|Z| < c / broad) + (1 - w) P(|Z| < c / narrow).
  const double p_near = w * std::erf(0.3 / broad / std::sqrt(2.0)) +
                        (1 - w) * std::erf(0.3 / narrow / std::sqrt(2.0));
  CHECK(std::abs(static_cast<double>(near) / draws - p_near) <
        kSigmas * se_frequency(p_near, draws));

  // Per dimension: variance w b^2 + (1 - w) n^2; fourth central moment 3 (w b^4 + (1 - w) n^4).
  const double var = w * broad * broad + (1 - w) * narrow * narrow;
  const double m4 = 3 * (w * std::pow(broad, 4) + (1 - w) * std::pow(narrow, 4));
  const double se_var = std::sqrt((m4 - var * var) / draws);
  for (int j = 0; j < 2; ++j) {
    INFO("dimension " << j);
    CHECK(std::abs(m[j].mean - theta[j]) < kSigmas * se_mean(var, draws));
    CHECK(std::abs(m[j].variance() - var) < kSigmas * se_var);
  }
}

TEST_CASE("gaussian_mixture: sbibm defaults 0.5, 1.0, 0.1", "[models]") {
  const auto model = make_builtin_model("gaussian_mixture", {}, {"a", "b"});
  Vector theta(2);
  theta << 0.0, 0.0;
  for (std::uint64_t i = 0; i < 50; ++i) {
    Rng rng(stream(8, i));
    const double s = rng.uniform() < 0.5 ? 1.0 : 0.1;
    const double e0 = s * rng.normal();
    const Vector x = run(*model, theta, stream(8, i));
    CHECK(x[0] == Approx(e0).margin(1e-15));
  }
}

TEST_CASE("gaussian models: deterministic per stream", "[models]") {
  const auto lin = make_builtin_model("gaussian_linear", opts({{"n", 3}}), {"a", "b"});
  const auto mix = make_builtin_model("gaussian_mixture", {}, {"a", "b", "c"});
  Vector t2(2), t3(3);
  t2 << 0.1, 0.2;
  t3 << 0.1, 0.2, 0.3;
  for (std::uint64_t i = 0; i < 20; ++i) {
    CHECK(run(*lin, t2, stream(11, i)) == run(*lin, t2, stream(11, i)));
    CHECK(run(*mix, t3, stream(11, i)) == run(*mix, t3, stream(11, i)));
  }
  CHECK(run(*lin, t2, stream(11, 0)) != run(*lin, t2, stream(11, 1)));
}

TEST_CASE("built-in models: one instance serves several threads", "[models]") {
  // Each thread simulates every stream with the shared instance; all must match a serial run.
  for (const std::string name : {"gaussian_mean", "gaussian_mixture", "sir"}) {
    INFO(name);
    const std::vector<std::string> params =
        name == "sir" ? std::vector<std::string>{"beta", "gamma"} : std::vector<std::string>{"a"};
    const auto model = make_builtin_model(name, {}, params);
    REQUIRE(model->thread_safe());
    Vector theta = Vector::Constant(static_cast<Eigen::Index>(params.size()), 0.4);
    const std::size_t streams = 300;
    std::vector<Vector> serial;
    for (std::size_t i = 0; i < streams; ++i) serial.push_back(run(*model, theta, stream(6, i)));
    std::vector<int> ok(4, 1);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&, t] {
        for (std::size_t i = 0; i < streams; ++i) {
          const std::size_t j = (i * 7 + static_cast<std::size_t>(t) * 13) % streams;
          if (run(*model, theta, stream(6, j)) != serial[j]) ok[t] = 0;
        }
      });
    }
    for (auto& th : threads) th.join();
    CHECK(ok == std::vector<int>(4, 1));
  }
}
