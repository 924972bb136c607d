// GenerationWatch (core/diagnostics.hpp): the warnings after a generation, each with the
// setting to change: a low ESS, a model that lost its particles, an integer value that did.
#include "abcsmc/core/diagnostics.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "abcsmc/core/problem_builder.hpp"

using namespace abcsmc;

namespace {

bool has(const std::vector<std::string>& lines, const std::string& part) {
  for (const auto& l : lines) {
    if (l.find(part) != std::string::npos) return true;
  }
  return false;
}

/// y = theta (core's tests do not link the models library).
class Identity final : public Model {
 public:
  std::vector<StatSpec> statistics() const override { return {{"y", 1}}; }
  void simulate(const Vector& theta, Rng&, Vector& y) const override { y[0] = theta[0]; }
};

std::shared_ptr<Problem> two_models() {
  const auto model = std::make_shared<Identity>();
  return ProblemBuilder()
      .model("m0", model)
      .parameter("n", "discrete_uniform", {{"low", 0}, {"high", 9}})
      .model("m1", model)
      .parameter("x", "normal", {{"mean", 0}, {"sd", 1}})
      .observe("y", 1.0)
      .build();
}

Particle particle(std::uint32_t model, double theta, double weight) {
  Particle p;
  p.model = model;
  p.theta = Vector::Constant(1, theta);
  p.weight = weight;
  return p;
}

}  // namespace

TEST_CASE("diagnostics: a low ESS is reported with the settings to change", "[core]") {
  const auto problem = two_models();
  GenerationWatch watch(*problem, TransitionSpec{});
  GenerationRecord rec;
  rec.t = 3;
  rec.ess = 50.0;
  rec.particles = {particle(0, 1.0, 0.5), particle(1, 0.2, 0.5)};
  CHECK(watch.check(rec, 1000).size() == 1);  // 5% of 1000
  CHECK(has(watch.check(rec, 1000), "t=3: ESS 50.0 is 5.0% of the population"));
  CHECK(has(watch.check(rec, 1000), "transition.defensive"));
  CHECK(watch.check(rec, 400).empty());  // 12.5%: fine
}

TEST_CASE("diagnostics: a model or an integer value that loses its particles is named", "[core]") {
  const auto problem = two_models();
  TransitionSpec pyabc;
  pyabc.defensive = 0.0;
  GenerationWatch watch(*problem, pyabc);
  GenerationRecord first;
  first.t = 0;
  first.ess = 4.0;
  first.particles = {particle(0, 0.0, 0.25), particle(0, 1.0, 0.25), particle(0, 2.0, 0.005),
                     particle(1, 0.3, 0.495)};
  CHECK(watch.check(first, 4).empty());
  GenerationRecord next = first;
  next.t = 1;
  // n = 0 is gone (it held 25%); n = 2 too, but it held 0.5% (rare values come and go); and
  // model m1 has no particle left.
  next.particles = {particle(0, 1.0, 0.5), particle(0, 3.0, 0.5)};
  const auto lines = watch.check(next, 4);
  CHECK(lines.size() == 2);
  CHECK(has(lines, "t=1: parameter 'n' lost every particle at the value 0 (it held 25.0%"));
  CHECK(has(lines, "with transition.defensive: 0 it cannot come back"));
  CHECK_FALSE(has(lines, "at the value 2 "));
  CHECK(has(lines, "t=1: model 'm1' lost all its particles"));
}
