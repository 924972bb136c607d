// The delay wrapper: sleeps, draws its delay first from the simulation's own stream, forwards.
#include <catch2/catch.hpp>

#include <chrono>
#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "abcsmc/core/error.hpp"
#include "abcsmc/core/model.hpp"
#include "abcsmc/core/rng.hpp"
#include "abcsmc/models/builtin.hpp"
#include "abcsmc/models/simulators.hpp"

using namespace abcsmc;
using Catch::Matchers::Contains;

namespace {

/// Not thread-safe, two statistics; records the first random number it draws.
class Probe final : public Model {
 public:
  std::vector<StatSpec> statistics() const override { return {{"u", 1}, {"v", 1}}; }
  void simulate(const Vector& theta, Rng& rng, Vector& stats) const override {
    stats[0] = rng.uniform();
    stats[1] = theta[0];
  }
  bool thread_safe() const override { return false; }
};

std::unique_ptr<Model> gaussian() { return make_builtin_model("gaussian_mean", {}, {"theta"}); }

Vector run(const Model& model, const StreamId& id, double theta = 0.5) {
  Vector t(1);
  t << theta;
  Vector stats(static_cast<Eigen::Index>(total_stat_size(model.statistics())));
  Rng rng(id);
  model.simulate(t, rng, stats);
  return stats;
}

DelaySpec spec(const std::string& type, double a = 0, double b = 0) {
  DelaySpec d;
  d.type = type;
  if (type == "constant") d.value = a;
  if (type == "exponential") d.mean = a;
  if (type == "uniform") {
    d.low = a;
    d.high = b;
  }
  return d;
}

std::string error_of(const DelaySpec& d) {
  try {
    with_delay(gaussian(), d);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("delay: none returns the model itself", "[models]") {
  auto inner = gaussian();
  const Model* raw = inner.get();
  const auto wrapped = with_delay(std::move(inner), DelaySpec{});
  CHECK(wrapped.get() == raw);
}

TEST_CASE("delay: constant sleeps at least its value and draws nothing", "[models]") {
  const auto wrapped = with_delay(gaussian(), spec("constant", 0.02));
  const auto plain = gaussian();
  const auto start = std::chrono::steady_clock::now();
  const Vector x = run(*wrapped, StreamId{4, 0, 1});
  const auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(elapsed >= std::chrono::milliseconds(20));
  CHECK(x == run(*plain, StreamId{4, 0, 1}));
}

TEST_CASE("delay: exponential and uniform draw first from the simulation's stream", "[models]") {
  const auto inner = gaussian();
  for (const auto& d : {spec("exponential", 0.0005), spec("uniform", 0.0, 0.001)}) {
    INFO(d.type);
    const auto a = with_delay(gaussian(), d);
    const auto b = with_delay(gaussian(), d);
    for (std::uint64_t i = 0; i < 10; ++i) {
      const StreamId id{8, 2, i};
      const Vector x = run(*a, id);
      CHECK(x == run(*b, id));
      CHECK(x == run(*a, id));
      // Same as the inner model run after the delay's one draw.
      Rng rng(id);
      if (d.type == "exponential") {
        rng.exponential(d.mean);
      } else {
        rng.uniform();
      }
      Vector t(1), expected(1);
      t << 0.5;
      inner->simulate(t, rng, expected);
      CHECK(x == expected);
      CHECK(x != run(*inner, id));
    }
  }
}

TEST_CASE("delay: the drawn delay follows the spec", "[models]") {
  const DelayedModel uni(gaussian(), spec("uniform", 0.25, 0.75));
  const DelayedModel expo(gaussian(), spec("exponential", 2.0));
  const DelayedModel cons(gaussian(), spec("constant", 0.125));
  for (std::uint64_t i = 0; i < 100; ++i) {
    Rng r1(StreamId{1, 0, i}), r2(StreamId{1, 0, i}), r3(StreamId{1, 0, i}), r4(StreamId{1, 0, i});
    const double u = uni.draw_delay(r1);
    CHECK((u >= 0.25 && u < 0.75));
    CHECK(u == 0.25 + 0.5 * r2.uniform());
    CHECK(expo.draw_delay(r3) == r4.exponential(2.0));
    CHECK(cons.draw_delay(r1) == 0.125);
  }
}

TEST_CASE("delay: statistics and thread_safe forward", "[models]") {
  const auto wrapped = with_delay(std::make_unique<Probe>(), spec("constant", 0.0));
  CHECK(flatten_stat_names(wrapped->statistics()) == StatNames{"u", "v"});
  CHECK_FALSE(wrapped->thread_safe());
  CHECK(with_delay(gaussian(), spec("constant", 0.0))->thread_safe());
  const Vector x = run(*wrapped, StreamId{1, 0, 0}, 3.0);
  CHECK(x[1] == 3.0);
}

TEST_CASE("delay: invalid specs", "[models]") {
  CHECK_THAT(error_of(spec("constant", -0.1)), Contains("value must be a number of seconds >= 0"));
  CHECK_THAT(error_of(spec("constant", -0.1)), Contains("got -0.1"));
  CHECK_THAT(error_of(spec("exponential", -1)), Contains("mean must be"));
  CHECK_THAT(error_of(spec("uniform", -1, 1)), Contains("low must be"));
  CHECK_THAT(error_of(spec("uniform", 0, -1)), Contains("high must be"));
  CHECK(error_of(spec("uniform", 0.5, 0.25)) == "delay uniform: low (0.5) must be <= high (0.25)");
  CHECK_THAT(error_of(spec("constant", std::numeric_limits<double>::quiet_NaN())),
             Contains("value must be"));
  CHECK_THAT(error_of(spec("exponential", std::numeric_limits<double>::infinity())),
             Contains("mean must be"));
  CHECK_THAT(error_of(spec("exponentail", 1)),
             Contains("unknown delay type 'exponentail'. Did you mean 'exponential'?"));
  CHECK_THAT(error_of(spec("gamma", 1)), Contains("'none', 'constant', 'exponential', 'uniform'"));
  // Edge cases that are valid.
  CHECK(error_of(spec("uniform", 0.0, 0.0)) == "(no error)");
  CHECK(error_of(spec("exponential", 0.0)) == "(no error)");
  CHECK_THROWS_AS(with_delay(nullptr, spec("constant", 1.0)), ConfigError);
}
