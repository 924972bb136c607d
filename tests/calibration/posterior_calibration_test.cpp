// The default kernel keeps the posterior's tails (issue 14): over many fixed seeds, on problems
// whose ABC posterior at the final epsilon the test computes itself (tests/support/abc_cases.hpp),
// the mean of (weighted posterior variance / exact variance) is within 2 of its standard errors
// of 1 and, where the seeds make that measurable, within 3% of 1; the posterior mean's error is
// within its Monte Carlo error; component masses are within theirs. Tolerances come from the
// seeds' own spread. pyABC's defaults (scaling 1, no defensive mixture, discrete steps of 1)
// fail the same checks: the last test shows it, so that the suite can tell the kernels apart.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <string>

#include "support/abc_cases.hpp"

using namespace abcsmc;
using abcsmc::test::Calibration;

namespace {

Calibration run(const std::string& name, int seeds, std::size_t population,
                std::uint32_t generations, bool pyabc_defaults = false) {
  const test::Case c = test::make_case(name);
  SmcSettings settings = default_settings(*c.problem, 1);
  if (pyabc_defaults) {
    settings.transition.scaling = 1.0;
    settings.transition.defensive = 0.0;
    settings.transition.discrete_steps = 1;
  }
  return test::calibrate(c, settings, seeds, population, generations);
}

/// The checks every case gets; `within_3_percent` where the seeds' spread allows it.
void check(const Calibration& r, bool within_3_percent) {
  INFO("variance ratio " << r.ratio.mean() << " +- " << r.ratio.se() << ", mean error "
                         << r.z.mean() << " +- " << r.z.se() << " MC se, worst ESS/N "
                         << *std::min_element(r.min_ess_frac.v.begin(), r.min_ess_frac.v.end()));
  CHECK(std::abs(r.ratio.mean() - 1.0) <= 2.0 * r.ratio.se());
  if (within_3_percent) CHECK(std::abs(r.ratio.mean() - 1.0) <= 0.03);
  // Each seed's error in units of its own Monte Carlo standard error; their mean is ~0 +- se.
  CHECK(std::abs(r.z.mean()) <= 2.0 * r.z.se());
}

}  // namespace

TEST_CASE("calibration: conjugate Gaussian (benchmark B1), population 300", "[calibration]") {
  check(run("gauss", 300, 300, 8), true);
}

TEST_CASE("calibration: conjugate Gaussian (benchmark B1), population 1000", "[calibration]") {
  check(run("gauss", 100, 1000, 8), true);
}

TEST_CASE("calibration: a posterior truncated at the prior bound", "[calibration]") {
  check(run("truncated", 300, 300, 8), true);
}

TEST_CASE("calibration: an integer parameter whose posterior reaches the prior's edge",
          "[calibration]") {
  check(run("integer", 300, 300, 8), true);
}

TEST_CASE("calibration: a 10-dimensional Gaussian", "[calibration]") {
  check(run("gauss10", 100, 300, 8), true);
}

TEST_CASE("calibration: a bimodal posterior keeps both components' mass", "[calibration]") {
  // A broad and a narrow mode of equal mass: the narrow one's share of |theta| < 0.3 is known.
  // The variance of this posterior is carried by the broad mode's tails, whose estimate spreads
  // widely from seed to seed: 2 standard errors (about 9% here), not 3%.
  const Calibration r = run("bimodal", 60, 1000, 8);
  check(r, false);
  INFO("mass " << r.mass.mean() << " +- " << r.mass.se() << ", exact " << r.mass_exact);
  CHECK(std::abs(r.mass.mean() - r.mass_exact) <= 2.0 * r.mass.se());
}

TEST_CASE("calibration: pyABC's defaults lose the tails where the defaults keep them",
          "[calibration]") {
  // The suite can tell kernels apart: the same checks fail for the previous defaults.
  const Calibration old = run("truncated", 300, 300, 8, true);
  CHECK(old.ratio.mean() < 1.0 - 2.0 * old.ratio.se());
  CHECK(old.ratio.mean() < 0.97);
}
