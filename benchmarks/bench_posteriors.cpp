// Posterior calibration over many seeds (issue 14), on the problems of
// tests/support/abc_cases.hpp: the mean over seeds of (weighted posterior variance / exact
// variance) with its standard error, the mean's error in Monte Carlo standard errors,
// component masses, the smallest ESS of any generation, acceptance and simulations.
//
//   bench_posteriors CASE SEEDS POPULATION GENERATIONS [KEY=VALUE ...]
//   CASE: gauss | truncated | bimodal | integer | gauss10 | gauss50
//   KEY: scaling=2, bandwidth=scott, type=local, steps=2, defensive=0.05 (transition settings;
//   the defaults otherwise; pyABC's: scaling=1 defensive=0 steps=1)
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "support/abc_cases.hpp"

using namespace abcsmc;

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: %s CASE SEEDS POPULATION GENERATIONS [key=value ...]\n", argv[0]);
    return 2;
  }
  const std::string name = argv[1];
  const int seeds = std::atoi(argv[2]);
  const std::size_t population = std::strtoul(argv[3], nullptr, 10);
  const std::uint32_t generations = static_cast<std::uint32_t>(std::atoi(argv[4]));
  const test::Case c = test::make_case(name);
  SmcSettings base = default_settings(*c.problem, 1);
  for (int i = 5; i < argc; ++i) {
    const std::string kv = argv[i];
    const auto eq = kv.find('=');
    const std::string k = kv.substr(0, eq), v = kv.substr(eq + 1);
    if (k == "scaling") {
      base.transition.scaling = std::stod(v);
    } else if (k == "bandwidth") {
      base.transition.bandwidth = v == "scott" ? Bandwidth::scott : Bandwidth::silverman;
    } else if (k == "type") {
      base.transition.type =
          v == "local" ? TransitionSpec::Type::local : TransitionSpec::Type::multivariate_normal;
    } else if (k == "steps") {
      base.transition.discrete_steps = std::stoi(v);
    } else if (k == "defensive") {
      base.transition.defensive = std::stod(v);
    } else {
      std::fprintf(stderr, "unknown setting %s\n", k.c_str());
      return 2;
    }
  }
  const test::Calibration r = test::calibrate(c, base, seeds, population, generations);
  std::printf(
      "%-9s N=%zu gens=%u seeds=%d: var ratio %.4f +- %.4f | mean error %.2f +- %.2f MC se | "
      "min ESS/N %.3f (worst %.3f) | final eps %.4f acc %.4f sims %.0f",
      name.c_str(), population, generations, seeds, r.ratio.mean(), r.ratio.se(), r.z.mean(),
      r.z.se(), r.min_ess_frac.mean(),
      *std::min_element(r.min_ess_frac.v.begin(), r.min_ess_frac.v.end()), r.eps.mean(),
      r.acc.mean(), r.sims.mean());
  if (!r.mass.v.empty()) {
    std::printf(" | mass %.4f +- %.4f (exact %.4f)", r.mass.mean(), r.mass.se(), r.mass_exact);
  }
  std::printf("\n");
  return 0;
}
