// Stochastic acceptance (pyABC's StochasticAcceptor with a noise kernel and Temperature): the
// kernels' values, the acceptance probability exp(-d / T), the initial temperature matched to
// an acceptance rate, and each temperature scheme's formula.
#include <catch2/catch.hpp>

#include <cmath>
#include <limits>
#include <vector>

#include "abcsmc/core/acceptance.hpp"
#include "abcsmc/core/distance.hpp"
#include "abcsmc/core/epsilon.hpp"

using namespace abcsmc;

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
}  // namespace

TEST_CASE("Noise kernels: the log density below its maximum", "[core]") {
  Vector observed(2);
  observed << 1.0, -2.0;
  Vector inverse_noise(2);  // 1 / sd (normal) or 1 / b (Laplace)
  inverse_noise << 2.0, 0.5;
  Vector x(2);
  x << 1.5, 1.0;
  const Distance normal(DistanceSpec::Type::normal_kernel, 2.0, DistanceSpec::Scale::mad, observed,
                        inverse_noise);
  // -log N(o; x, sd^2) + log N(o; o, sd^2) = sum (x - o)^2 / (2 sd^2).
  CHECK(normal(x) == Approx(0.5 * (0.5 * 0.5 / 0.25 + 3.0 * 3.0 / 4.0)));
  CHECK(normal(observed) == 0.0);
  CHECK(normal.stochastic());
  const Distance laplace(DistanceSpec::Type::laplace_kernel, 2.0, DistanceSpec::Scale::mad,
                         observed, inverse_noise);
  // -log Laplace(o; x, b) + log Laplace(o; o, b) = sum |x - o| / b.
  CHECK(laplace(x) == Approx(0.5 / 0.5 + 3.0 / 2.0));
  CHECK(laplace.stochastic());
  CHECK_FALSE(
      Distance(DistanceSpec::Type::pnorm, 2.0, DistanceSpec::Scale::mad, observed, inverse_noise)
          .stochastic());
}

TEST_CASE("Stochastic acceptance: probability exp(-d / T), from the candidate's stream", "[core]") {
  GenerationSpec spec;
  spec.seed = 3;
  spec.t = 2;
  spec.epsilon = 2.0;  // the temperature
  for (double d : {0.0, 0.5, 1.0, 4.0}) {
    INFO("distance " << d);
    const int n = 20000;
    int accepted = 0;
    for (int i = 0; i < n; ++i)
      accepted += accepts(spec, true, d, static_cast<std::uint64_t>(i), 0);
    const double p = std::exp(-d / spec.epsilon);
    // Binomial: 4 standard deviations.
    CHECK(std::abs(accepted / static_cast<double>(n) - p) <=
          4.0 * std::sqrt(p * (1 - p) / n) + 1e-12);
  }
  // A function of (seed, t, index, attempt): the same answer every time.
  for (std::uint64_t i = 0; i < 100; ++i) {
    CHECK(accepts(spec, true, 1.3, i, 7) == accepts(spec, true, 1.3, i, 7));
  }
  // Deterministic acceptance and the calibration are unchanged.
  CHECK(accepts(spec, false, 2.0, 0, 0));
  CHECK_FALSE(accepts(spec, false, 2.0000001, 0, 0));
  spec.calibration = true;
  CHECK(accepts(spec, true, 1e300, 0, 0));
}

TEST_CASE("Temperature: the initial one matches the acceptance rate", "[core]") {
  // Equal distances c: mean exp(-c / T) = r at T = c / -log r.
  const std::vector<double> same(50, 3.0);
  CHECK(match_acceptance_rate(same, 0.3) == Approx(3.0 / -std::log(0.3)).epsilon(1e-10));
  // Two groups: half at 0 (always accepted), half at c: 0.5 + 0.5 exp(-c / T) = 0.7.
  std::vector<double> two(40, 0.0);
  two.insert(two.end(), 40, 5.0);
  CHECK(match_acceptance_rate(two, 0.7) == Approx(5.0 / -std::log(0.4)).epsilon(1e-10));
  // Accepting more than the target already at T = 1: 1; unreachable: pyABC's bound e^100.
  CHECK(match_acceptance_rate(std::vector<double>(10, 0.01), 0.3) == 1.0);
  CHECK(match_acceptance_rate(two, 0.4) == 1.0);
  CHECK(match_acceptance_rate(std::vector<double>(10, 0.0), 1.0 - 1e-9) == 1.0);
  // Weighted: 0.25 at 0 and 0.75 at c: 0.25 + 0.75 exp(-c / T) = 0.4.
  const std::vector<double> d{0.0, 5.0}, w{0.25, 0.75};
  CHECK(match_acceptance_rate(d, w, 0.4) == Approx(5.0 / -std::log(0.15 / 0.75)).epsilon(1e-10));
  // The scheme's proposal enters next_temperature as any other.
  EpsilonSpec spec;
  spec.type = EpsilonSpec::Type::temperature;
  CHECK(uses_acceptance_rate(spec));  // pyABC's default schemes
  CHECK(*next_temperature(spec, 2, 6, 50.0, {}, {}, 7.5) == 7.5);
  CHECK(*next_temperature(spec, 2, 6, 50.0, {}, {}, kInf) == Approx(std::pow(50.0, 0.75)));
  spec.schemes = {TemperatureScheme::ess};
  CHECK_FALSE(uses_acceptance_rate(spec));
}

TEST_CASE("Temperature: the schemes' formulas (pyABC's), bounds and the end", "[core]") {
  EpsilonSpec spec;
  spec.type = EpsilonSpec::Type::temperature;
  const std::vector<double> none;
  const auto next = [&](TemperatureScheme s, std::uint32_t t, std::uint32_t n, double previous) {
    spec.schemes = {s};
    return *next_temperature(spec, t, n, previous, none, none, kInf);
  };
  // t = 2 of n = 6: 4 generations to go including t.
  CHECK(next(TemperatureScheme::exp_decay_fixed_iter, 2, 6, 50.0) ==
        Approx(std::pow(50.0, 3.0 / 4.0)));
  spec.decay_alpha = 0.25;
  CHECK(next(TemperatureScheme::exp_decay_fixed_ratio, 2, 6, 50.0) == Approx(12.5));
  CHECK(next(TemperatureScheme::exp_decay_fixed_ratio, 2, 6, 3.0) == 1.0);  // at least 1
  // linspace(1, 50^(1/3), 5)^3, its next-to-last entry.
  const double top = std::cbrt(50.0);
  CHECK(next(TemperatureScheme::polynomial_decay_fixed_iter, 2, 6, 50.0) ==
        Approx(std::pow(1.0 + (top - 1.0) * 3.0 / 4.0, 3.0)));
  CHECK(next(TemperatureScheme::friel_pettitt, 2, 6, 50.0) ==
        Approx(1.0 / (1.0 / 50.0 + std::pow((1.0 - 1.0 / 50.0) / 4.0, 2.0))));
  // The last generation is exact; the smallest proposal wins, never above the previous one.
  CHECK(next(TemperatureScheme::exp_decay_fixed_iter, 5, 6, 50.0) == 1.0);
  spec.schemes = {TemperatureScheme::exp_decay_fixed_iter,
                  TemperatureScheme::exp_decay_fixed_ratio};
  CHECK(*next_temperature(spec, 2, 6, 50.0, none, none, kInf) == Approx(12.5));
  // After a generation at 1 the schedule has ended.
  CHECK_FALSE(next_temperature(spec, 3, 6, 1.0, none, none, kInf).has_value());
}

TEST_CASE("Temperature: the ESS scheme keeps the target share of particles", "[core]") {
  EpsilonSpec spec;
  spec.type = EpsilonSpec::Type::temperature;
  spec.schemes = {TemperatureScheme::ess};
  spec.target_relative_ess = 0.8;
  std::vector<double> d, w;
  for (int i = 0; i < 100; ++i) {
    d.push_back(0.05 * i);
    w.push_back(0.01);
  }
  const double previous = 20.0;
  const double T = *next_temperature(spec, 1, 10, previous, d, w, kInf);
  REQUIRE(T > 1.0);
  REQUIRE(T < previous);
  // The population reweighted from 1/20 to 1/T has 80 effective particles.
  double sum = 0.0, sum_sq = 0.0;
  for (std::size_t i = 0; i < d.size(); ++i) {
    const double v = w[i] * std::exp(-(1.0 / T - 1.0 / previous) * d[i]);
    sum += v;
    sum_sq += v * v;
  }
  CHECK(sum * sum / sum_sq == Approx(80.0).epsilon(1e-9));
  // Equal distances lose nothing by reweighting: straight to 1.
  CHECK(*next_temperature(spec, 1, 10, previous, std::vector<double>(100, 2.0), w, kInf) == 1.0);
}
