// Exact inference under a noise model (pyABC's StochasticAcceptor, noise kernels and
// Temperature): theta ~ N(0, 1), the model's y ~ N(theta, 1/10) (the mean of 10 draws), observed
// y = 0.5 with noise. With normal noise of sd s the posterior is conjugate: y | theta ~
// N(theta, 1/10 + s^2). With Laplace noise it is computed by quadrature. The tolerance comes
// from the spread between independent runs (seeds): an SMC population's Monte Carlo error is
// larger than its ESS says (particles descend from common ancestors), so it is measured.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "abcsmc/samplers/single_core.hpp"
#include "abcsmc/samplers/threads.hpp"
#include "support/identical.hpp"
#include "support/run_helpers.hpp"

using namespace abcsmc;
using abcsmc::testing::CollectingObserver;
using abcsmc::testing::require_identical_runs;
using abcsmc::testing::run_config_text;
using abcsmc::testing::weighted_moments;

namespace {

std::string noise_config(int seed, const std::string& kernel, const std::string& epsilon,
                         int population = 2000) {
  return "seed: " + std::to_string(seed) + "\npopulation_size: " + std::to_string(population) +
         R"(
parameters: {theta: {type: normal, mean: 0, sd: 1}}
model: {builtin: gaussian_mean, options: {n: 10, sigma: 1}}
observed: {y: 0.5}
distance: )" +
         kernel + "\nepsilon: " + epsilon + "\nstop: {max_generations: 6}\n";
}

struct Estimate {
  double mean = 0.0, var = 0.0;              // averages over the runs
  double mean_error = 0.0, var_error = 0.0;  // their standard errors, from the runs' spread
};

Estimate over_seeds(const std::string& kernel, const std::string& epsilon, int runs) {
  std::vector<double> means, vars;
  SingleCoreSampler single;
  for (int seed = 1; seed <= runs; ++seed) {
    const auto out = run_config_text(noise_config(seed, kernel, epsilon), single);
    // The last generation is exact (the run ends after its first at temperature 1).
    REQUIRE(out.generations.back().epsilon == 1.0);
    const auto m = weighted_moments(out.generations.back(), 0);
    means.push_back(m.mean);
    vars.push_back(m.var);
  }
  const auto mean_and_error = [](const std::vector<double>& v, double& mean, double& error) {
    const auto n = static_cast<double>(v.size());
    mean = 0.0;
    for (double x : v) mean += x / n;
    double ss = 0.0;
    for (double x : v) ss += (x - mean) * (x - mean);
    error = std::sqrt(ss / (n - 1.0) / n);
  };
  Estimate e;
  mean_and_error(means, e.mean, e.mean_error);
  mean_and_error(vars, e.var, e.var_error);
  return e;
}

/// Posterior mean and variance under Laplace noise of scale b, by quadrature over theta and
/// the simulated y.
void laplace_posterior(double b, double& mean, double& var) {
  const double s = std::sqrt(0.1), y = 0.5, pi = 3.14159265358979323846;
  double z = 0.0, m1 = 0.0, m2 = 0.0;
  for (double theta = -6.0; theta <= 6.0; theta += 0.002) {
    double like = 0.0;
    for (double u = -8.0; u <= 8.0; u += 0.01) {  // x = theta + u s
      const double x = theta + u * s;
      like += std::exp(-0.5 * u * u) / std::sqrt(2 * pi) * std::exp(-std::abs(y - x) / b) * 0.01;
    }
    const double p = std::exp(-0.5 * theta * theta) * like;
    z += p;
    m1 += p * theta;
    m2 += p * theta * theta;
  }
  mean = m1 / z;
  var = m2 / z - mean * mean;
}

}  // namespace

TEST_CASE("Noise model: normal noise, the exact conjugate posterior at temperature 1", "[core]") {
  const double s2 = 0.3 * 0.3, v = 0.1 + s2;
  const double mean = 0.5 / (1.0 + v), var = v / (1.0 + v);
  const Estimate e = over_seeds("{type: normal_kernel, noise: 0.3}", "{type: temperature}", 8);
  INFO("mean " << e.mean << " +- " << e.mean_error << ", var " << e.var << " +- " << e.var_error);
  CHECK(std::abs(e.mean - mean) < 4.0 * e.mean_error);
  CHECK(std::abs(e.var - var) < 4.0 * e.var_error);
  // The errors are small enough to matter: ignoring the noise (y | theta ~ N(theta, 1/10))
  // gives a variance of 0.1 / 1.1 = 0.091 against 0.160 here, far outside.
  CHECK(4.0 * e.var_error < 0.5 * (var - 0.1 / 1.1));
}

TEST_CASE("Noise model: Laplace noise, the posterior by quadrature", "[core]") {
  double mean = 0.0, var = 0.0;
  laplace_posterior(0.3, mean, var);
  const Estimate e = over_seeds("{type: laplace_kernel, noise: 0.3}",
                                "{type: temperature, schemes: [exp_decay_fixed_iter, ess]}", 8);
  INFO("exact mean " << mean << " var " << var << "; got mean " << e.mean << " +- " << e.mean_error
                     << ", var " << e.var << " +- " << e.var_error);
  CHECK(std::abs(e.mean - mean) < 4.0 * e.mean_error);
  CHECK(std::abs(e.var - var) < 4.0 * e.var_error);
}

TEST_CASE("Noise model: the temperatures follow the scheme; samplers and resume agree", "[core]") {
  const std::string yaml =
      noise_config(4, "{type: normal_kernel, noise: 0.3}",
                   "{type: temperature, schemes: [exp_decay_fixed_iter]}", 300);
  SingleCoreSampler single;
  const auto out = run_config_text(yaml, single);
  const auto& g = out.generations;
  REQUIRE(g.size() == 6);
  // Generation 0 accepts about target_rate (0.3) of its prior draws (binomial, 4 sd); then
  // exp_decay_fixed_iter: T_t = T_(t-1)^((n - t - 1) / (n - t)), 1 at the last.
  CHECK(std::abs(g[0].acceptance_rate - 0.3) < 4.0 * std::sqrt(0.3 * 0.7 / g[0].simulations));
  CHECK(g[0].epsilon > 1.0);
  for (std::uint32_t t = 1; t < 5; ++t) {
    CHECK(g[t].epsilon == Approx(std::pow(g[t - 1].epsilon, (6.0 - t - 1.0) / (6.0 - t))));
  }
  CHECK(g[5].epsilon == 1.0);
  ThreadsSampler dynamic(3, Scheduling::dynamic, 4);
  require_identical_runs(g, run_config_text(yaml, dynamic).generations);
  ThreadsSampler static1(1, Scheduling::static_blocks, 0);
  ThreadsSampler static2(2, Scheduling::static_blocks, 0);
  require_identical_runs(run_config_text(yaml, static1).generations,
                         run_config_text(yaml, static2).generations);
  // Resumed after generation 2 on threads: the same as the run through. (A temperature run
  // cut short by a smaller max_generations is not a prefix: the schedule reaches 1 at the last.)
  const io::RunConfig config = io::parse_config(yaml, "<test>");
  const auto problem = io::build_problem(config);
  const SmcSettings settings = io::build_settings(config, *problem, 4);
  std::vector<GenerationRecord> got(g.begin(), g.begin() + 3);
  CollectingObserver obs(got);
  SmcControl control;
  control.resume_from = &g[2];
  run_smc(problem, settings, dynamic, &obs, control);
  require_identical_runs(g, got);
}

TEST_CASE("Noise model: the acceptance-rate scheme predicts the next generation's rate", "[core]") {
  // pyABC's default schemes: the acceptance-rate prediction and exponential decay, the smaller
  // wins. Where the prediction wins, the next generation's acceptance rate is about the target:
  // its candidates are an importance sample of the next proposal, so the prediction carries
  // their Monte Carlo error (thousands of candidates: a few percent); 0.3 +- 0.06 allows for it
  // and for the proposal's restriction to the prior's support (not renormalised, as pyABC).
  const std::string yaml =
      "seed: 8\npopulation_size: 1000\n"
      R"(
parameters: {theta: {type: normal, mean: 0, sd: 1}}
model: {builtin: gaussian_mean, options: {n: 10, sigma: 1}}
observed: {y: 0.5}
distance: {type: normal_kernel, noise: 0.05}
epsilon: {type: temperature, target_rate: 0.3}
stop: {max_generations: 12}
)";
  SingleCoreSampler single;
  const auto out = run_config_text(yaml, single);
  const auto& g = out.generations;
  REQUIRE(g.size() >= 3);
  int binding = 0;
  for (std::size_t t = 1; t + 1 < g.size(); ++t) {
    INFO("generation " << t << " T " << g[t].epsilon << " after " << g[t - 1].epsilon);
    const double to_go = 12.0 - static_cast<double>(t);
    const double decay = std::pow(g[t - 1].epsilon, (to_go - 1.0) / to_go);
    CHECK(g[t].epsilon <= decay * (1.0 + 1e-12));
    if (g[t].epsilon < decay * (1.0 - 1e-9) && g[t].epsilon > 1.0) {  // the prediction won
      ++binding;
      CHECK(std::abs(g[t].acceptance_rate - 0.3) < 0.06);
    }
  }
  CHECK(binding > 0);
  CHECK(g.back().epsilon == 1.0);
  // Every sampler agrees (the candidates are re-proposed from their streams on the master).
  ThreadsSampler dynamic(2, Scheduling::dynamic, 7);
  require_identical_runs(g, run_config_text(yaml, dynamic).generations);
}

TEST_CASE("Noise model: the example config runs to temperature 1", "[core]") {
  const io::RunConfig config =
      io::load_config(std::string(ABCSMC_SOURCE_DIR) + "/config/examples/noise_model.yaml");
  const auto problem = io::build_problem(config);
  SingleCoreSampler single;
  std::vector<GenerationRecord> got;
  CollectingObserver obs(got);
  run_smc(problem, io::build_settings(config, *problem, *config.seed), single, &obs, SmcControl{});
  // The acceptance-rate scheme may reach 1 before max_generations; the run ends there.
  REQUIRE(!got.empty());
  CHECK(got.back().epsilon == 1.0);
  // One run: its error is about 0.015 in the mean (the spread of seeds above); 5 of that.
  CHECK(std::abs(weighted_moments(got.back(), 0).mean - 0.5 / 1.19) < 0.075);
}
