// Each stopping rule ends the run at the right generation with its reason.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include "abcsmc/samplers/single_core.hpp"
#include "abcsmc/samplers/threads.hpp"
#include "support/run_helpers.hpp"

using namespace abcsmc;
using abcsmc::testing::run_config_text;

namespace {

std::string config(const std::string& stop,
                   const std::string& epsilon = "{type: quantile, alpha: 0.5}") {
  return R"(
seed: 17
population_size: 100
parameters: {theta: {type: normal, mean: 0, sd: 1}}
model: {builtin: gaussian_mean}
observed: {y: 0.5}
epsilon: )" +
         epsilon + "\nstop: " + stop + "\n";
}

}  // namespace

TEST_CASE("Stop: max_generations", "[core]") {
  SingleCoreSampler s;
  const auto out = run_config_text(config("{max_generations: 3}"), s);
  CHECK(out.result.generations == 3);
  CHECK(out.result.stop_reason == "max_generations reached");
}

TEST_CASE("Stop: min_epsilon ends after the first generation at or below it", "[core]") {
  SingleCoreSampler s;
  const auto out = run_config_text(config("{min_epsilon: 0.1, max_generations: 50}"), s);
  CHECK(out.result.stop_reason == "min_epsilon reached");
  REQUIRE(out.generations.size() >= 2);
  CHECK(out.generations.back().epsilon <= 0.1);
  CHECK(out.generations[out.generations.size() - 2].epsilon > 0.1);
}

TEST_CASE("Stop: min_eps_diff, as pyABC: |eps_t - eps_(t-1)| < min_eps_diff", "[core]") {
  SingleCoreSampler s;
  // Powers of two: the differences (0.5, 0.25, 0.125, 0.0625) are exact in binary.
  const std::string list = "{type: list, values: [1.0, 0.5, 0.25, 0.125, 0.0625]}";
  // 0.25 -> 0.125 is the first move below 0.2: stop after generation 3.
  const auto out = run_config_text(config("{min_eps_diff: 0.2, max_generations: 50}", list), s);
  CHECK(out.result.stop_reason == "min_eps_diff reached");
  CHECK(out.generations.size() == 4);
  // A difference equal to the bound does not stop (strictly less, as pyABC).
  const auto equal =
      run_config_text(config("{min_eps_diff: 0.0625, max_generations: 50}", list), s);
  CHECK(equal.result.stop_reason == "epsilon schedule exhausted");
  CHECK(equal.generations.size() == 5);
  // Never after generation 0 (no previous epsilon), whatever the bound.
  const auto first = run_config_text(config("{min_eps_diff: 1e9, max_generations: 50}", list), s);
  CHECK(first.result.stop_reason == "min_eps_diff reached");
  CHECK(first.generations.size() == 2);
  // With an adaptive schedule the rule ends a run whose epsilon has stalled.
  const auto quantile = run_config_text(config("{min_eps_diff: 0.02, max_generations: 50}"), s);
  CHECK(quantile.result.stop_reason == "min_eps_diff reached");
  const auto& g = quantile.generations;
  REQUIRE(g.size() >= 2);
  CHECK(std::abs(g.back().epsilon - g[g.size() - 2].epsilon) < 0.02);
  for (std::size_t t = 1; t + 1 < g.size(); ++t)
    CHECK(std::abs(g[t].epsilon - g[t - 1].epsilon) >= 0.02);
}

TEST_CASE("Stop: max_simulations, a generation cut short is not recorded", "[core]") {
  SingleCoreSampler s;
  const auto out = run_config_text(config("{max_simulations: 2000, max_generations: 50}"), s);
  CHECK(out.result.stop_reason.rfind("max_simulations reached", 0) == 0);
  CHECK(out.result.total_simulations <= 2000);
  for (const auto& g : out.generations) CHECK(g.particles.size() == 100);
  // Static scheduling keeps the budget too (a per-slot share of it).
  ThreadsSampler st(2, Scheduling::static_blocks, 0);
  const auto out_static =
      run_config_text(config("{max_simulations: 2000, max_generations: 50}"), st);
  CHECK(out_static.result.stop_reason.rfind("max_simulations reached", 0) == 0);
  for (const auto& g : out_static.generations) CHECK(g.particles.size() == 100);
}

TEST_CASE("Stop: min_acceptance_rate", "[core]") {
  // Decided inside the generation (as pyABC's max_eval = n / min_acceptance_rate): the
  // generation whose rate would fall below the minimum stops after n / rate simulations and is
  // not recorded; every recorded one kept the rate.
  SingleCoreSampler s;
  const auto out = run_config_text(config("{min_acceptance_rate: 0.2, max_generations: 50}"), s);
  CHECK(
      out.result.stop_reason.rfind("acceptance rate below min_acceptance_rate during generation " +
                                       std::to_string(out.generations.size()),
                                   0) == 0);
  CHECK_FALSE(out.result.stopped_early);
  REQUIRE(out.generations.size() >= 2);
  for (const auto& g : out.generations) CHECK(g.acceptance_rate >= 0.2);
  // The cut generation used exactly its budget: 100 / 0.2 simulations.
  CHECK(out.result.total_simulations - out.generations.back().total_simulations == 500);
}

TEST_CASE("Stop: max_walltime", "[core]") {
  // Checked inside a round too: a walltime already over stops the calibration before it ends.
  SingleCoreSampler s;
  const auto out = run_config_text(config("{max_walltime: 1e-9, max_generations: 50}"), s);
  CHECK(out.result.generations == 0);
  CHECK(out.result.interrupted == "calibration");
  CHECK(out.result.stop_reason == "max_walltime reached");
}

TEST_CASE("Stop: a list epsilon schedule ends with its last value", "[core]") {
  SingleCoreSampler s;
  const auto out =
      run_config_text(config("{max_generations: 50}", "{type: list, values: [1.0, 0.5, 0.25]}"), s);
  REQUIRE(out.generations.size() == 3);
  CHECK(out.generations[0].epsilon == 1.0);
  CHECK(out.generations[2].epsilon == 0.25);
  CHECK(out.result.stop_reason == "epsilon schedule exhausted");
  for (const auto& g : out.generations) {
    for (const auto& p : g.particles) CHECK(p.distance <= g.epsilon);
  }
}
