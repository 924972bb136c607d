// Hand-computed checks of the engine's deterministic pieces: epsilon quantiles, distances,
// importance weights, ESS and the dynamic sample assembly rule.
#include <catch2/catch.hpp>

#include <cmath>

#include "abcsmc/core/distance.hpp"
#include "abcsmc/core/epsilon.hpp"
#include "abcsmc/core/evaluator.hpp"
#include "abcsmc/core/population.hpp"
#include "abcsmc/core/smc.hpp"
#include "abcsmc/samplers/single_core.hpp"

using namespace abcsmc;

TEST_CASE("weighted_quantile interpolates on cumsum(w) - w/2 like pyABC", "[core]") {
  const std::vector<double> x{3, 1, 2};
  const std::vector<double> w{1, 1, 2};
  // sorted: 1, 2, 3 with weights .25 .5 .25 -> knots .125, .5, .875
  CHECK(weighted_quantile(x, w, 0.5) == Approx(2.0));
  CHECK(weighted_quantile(x, w, 0.3125) == Approx(1.5));
  CHECK(weighted_quantile(x, w, 0.05) == 1.0);
  CHECK(weighted_quantile(x, w, 0.95) == 3.0);
}

TEST_CASE("epsilon schedules", "[core]") {
  EpsilonSpec q;
  CHECK(needs_calibration(q));
  CHECK(initial_epsilon(q, {4, 1, 3, 2}) == Approx(2.5));
  CHECK(*next_epsilon(q, 1, {1, 2, 3}, {0.25, 0.5, 0.25}) == Approx(2.0));
  q.weighted = false;
  CHECK(*next_epsilon(q, 1, {1, 2, 10}, {0.9, 0.05, 0.05}) == Approx(2.0));
  EpsilonSpec list;
  list.type = EpsilonSpec::Type::list;
  list.values = {3, 2, 1};
  CHECK_FALSE(needs_calibration(list));
  CHECK(initial_epsilon(list, {}) == 3);
  CHECK(*next_epsilon(list, 2, {}, {}) == 1);
  CHECK_FALSE(next_epsilon(list, 3, {}, {}).has_value());
  EpsilonSpec constant;
  constant.type = EpsilonSpec::Type::constant;
  constant.value = 0.25;
  CHECK(*next_epsilon(constant, 7, {}, {}) == 0.25);
}

TEST_CASE("Distance: weighted p-norms", "[core]") {
  Vector obs(2), w(2), x(2);
  obs << 1, 2;
  w << 1, 2;
  x << 2, 0;
  using T = DistanceSpec::Type;
  const auto mad = DistanceSpec::Scale::mad;
  CHECK(Distance(T::pnorm, 1, mad, obs, w)(x) == Approx(5.0));
  CHECK(Distance(T::pnorm, 2, mad, obs, w)(x) == Approx(std::sqrt(17.0)));
  CHECK(Distance(T::pnorm, INFINITY, mad, obs, w)(x) == Approx(4.0));
  CHECK(Distance(T::pnorm, 3, mad, obs, w)(x) == Approx(std::cbrt(65.0)));
}

TEST_CASE("Distance: adaptive weights are 1 / scale over all candidates", "[core]") {
  CHECK(median_absolute_deviation({1, 2, 3, 4, 100}) == 1.0);
  CHECK(median_absolute_deviation({1, 2, 3, 4}) == 1.0);
  Vector obs = Vector::Zero(2);
  Distance d(DistanceSpec::Type::adaptive_pnorm, 2, DistanceSpec::Scale::mad, obs, Vector::Ones(2));
  std::vector<Vector> stats;
  for (double v : {1.0, 2.0, 3.0, 4.0, 100.0}) {
    Vector s(2);
    s << v, 5.0;  // second statistic constant: no information, weight 0
    stats.push_back(s);
  }
  d.adapt(stats);
  CHECK(d.weights()[0] == 1.0);
  CHECK(d.weights()[1] == 0.0);
  Distance sd(DistanceSpec::Type::adaptive_pnorm, 2, DistanceSpec::Scale::sd, obs, Vector::Ones(2));
  std::vector<Vector> two{Vector::Constant(2, 1.0), Vector::Constant(2, 3.0)};
  sd.adapt(two);
  CHECK(sd.weights()[0] == Approx(1.0 / std::sqrt(2.0)));
}

TEST_CASE("effective_sample_size", "[core]") {
  CHECK(effective_sample_size({0.25, 0.25, 0.25, 0.25}) == Approx(4.0));
  CHECK(effective_sample_size({1.0, 0.0, 0.0}) == Approx(1.0));
  CHECK(effective_sample_size({0.5, 0.25, 0.25}) == Approx(1.0 / 0.375));
}

namespace {

/// Kernel with a constant density, to check the weight formula by hand.
class ConstantKernel final : public Transition {
 public:
  explicit ConstantKernel(double log_density) : log_density_(log_density) {}
  void fit(const Matrix&, const Vector&) override {}
  Vector propose(Rng&) const override { return Vector::Zero(1); }
  double log_pdf(const Vector&) const override { return log_density_; }
  std::size_t dim() const override { return 1; }

 private:
  double log_density_;
};

}  // namespace

TEST_CASE("compute_weights: prior over proposal density, normalised", "[core]") {
  Problem problem;
  ModelEntry entry;
  entry.prior.add("theta", make_distribution("normal", {{"mean", 0.0}, {"sd", 1.0}}));
  problem.models.push_back(entry);
  auto spec = std::make_shared<GenerationSpec>();
  spec->from_prior = false;
  GenerationContext ctx;
  ctx.spec = spec;
  ctx.model_probabilities = {1.0};
  ctx.transitions = {std::make_shared<ConstantKernel>(std::log(0.5))};
  std::vector<Particle> particles(3);
  for (int i = 0; i < 3; ++i) particles[static_cast<std::size_t>(i)].theta = Vector::Constant(1, i);
  compute_weights(problem, ctx, ModelKernel(1, 0.7), particles, sequential_for());
  const double z = 1.0 + std::exp(-0.5) + std::exp(-2.0);
  CHECK(particles[0].weight == Approx(1.0 / z));
  CHECK(particles[1].weight == Approx(std::exp(-0.5) / z));
  CHECK(particles[2].weight == Approx(std::exp(-2.0) / z));
  spec->from_prior = true;
  compute_weights(problem, ctx, ModelKernel(1, 0.7), particles, sequential_for());
  CHECK(particles[2].weight == Approx(1.0 / 3.0));
}

TEST_CASE("assemble_dynamic: the n smallest accepted indices, counts up to the last used",
          "[core]") {
  EvalLog log;
  auto add = [&](std::uint64_t i, bool accepted, bool failed) {
    EvalResult r;
    r.index = i;
    r.accepted = accepted;
    r.failed = failed;
    r.stats = Vector::Constant(1, static_cast<double>(i));
    log.record(std::move(r), true);
  };
  // evaluated out of order, as threads would
  for (std::uint64_t i : {9, 5, 2, 0, 1, 4, 6, 7, 3, 8}) {
    const bool accepted = i == 2 || i == 5 || i == 7 || i == 9;
    const bool failed = i == 3 || i == 8;
    add(i, accepted, failed);
  }
  SampleRequest req;
  req.n_accept = 3;
  req.keep_all_stats = true;
  const Sample s = assemble_dynamic(std::move(log), req, 10);
  REQUIRE(s.complete);
  REQUIRE(s.accepted.size() == 3);
  CHECK(s.accepted[0].index == 2);
  CHECK(s.accepted[1].index == 5);
  CHECK(s.accepted[2].index == 7);
  CHECK(s.simulations == 8);
  CHECK(s.failed == 1);              // index 3; index 8 lies beyond the last index used
  REQUIRE(s.all_stats.size() == 7);  // indices 0..7 except failed 3
  CHECK(s.all_stats[3][0] == 4.0);
}

TEST_CASE("assemble_dynamic: budget exhausted gives an incomplete sample", "[core]") {
  EvalLog log;
  EvalResult r;
  r.index = 0;
  r.accepted = true;
  log.record(std::move(r), false);
  SampleRequest req;
  req.n_accept = 2;
  const Sample s = assemble_dynamic(std::move(log), req, 5);
  CHECK_FALSE(s.complete);
  CHECK(s.simulations == 5);
}
