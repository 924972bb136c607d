// Adaptive population size (pyABC's AdaptivePopulationSize). The bootstrap CV of the kernel
// density estimate is checked against its closed form for Gaussian kernels; the chosen size
// reaches the target; the bounds hold; and a run with it keeps the determinism and resume
// contracts.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>

#include <Eigen/Cholesky>
#include <Eigen/LU>

#include "abcsmc/core/population_size.hpp"
#include "abcsmc/core/rng.hpp"
#include "abcsmc/samplers/single_core.hpp"
#include "abcsmc/samplers/threads.hpp"
#include "support/identical.hpp"
#include "support/run_helpers.hpp"

using namespace abcsmc;
using abcsmc::testing::CollectingObserver;
using abcsmc::testing::require_identical_runs;
using abcsmc::testing::run_config_text;

namespace {

constexpr double kPi = 3.14159265358979323846;

std::shared_ptr<Problem> problem_of_dim(int d) {
  std::string yaml = "seed: 1\npopulation_size: 100\nparameters:\n";
  for (int k = 0; k < d; ++k)
    yaml += "  p" + std::to_string(k) + ": {type: normal, mean: 0, sd: 3}\n";
  yaml += d == 1 ? "model: {builtin: gaussian_mean}\nobserved: {y: 0}\n"
                 : "model: {builtin: gaussian_linear, options: {n: " + std::to_string(d) +
                       "}}\nobserved: {x: [" + std::string(d == 2 ? "0, 0" : "0") + "]}\n";
  return io::build_problem(io::parse_config(yaml, "<test>"));
}

/// N equally weighted particles drawn from N(0, I_d).
std::vector<Particle> gaussian_population(std::size_t n, int d, std::uint64_t seed) {
  Rng rng(StreamId{seed, 0, 0, 0, StreamKind::evaluation});
  std::vector<Particle> out(n);
  for (std::size_t i = 0; i < n; ++i) {
    out[i].eval_index = i;
    out[i].theta.resize(d);
    for (int k = 0; k < d; ++k) out[i].theta[k] = rng.normal();
    out[i].weight = 1.0 / static_cast<double>(n);
  }
  return out;
}

/// The kernel covariance multivariate_normal fits to `cov` with effective size `ess`
/// (Silverman's rule times the scaling, src/core/multivariate_normal_transition.cpp).
Matrix silverman_cov(const Matrix& cov, double ess, double scaling) {
  const double d = static_cast<double>(cov.rows());
  const double bw = std::pow(4.0 / (ess * (d + 2.0)), 1.0 / (d + 4.0));
  return scaling * bw * bw * cov;
}

double normal_pdf(const Vector& x, const Matrix& cov) {
  const Eigen::LLT<Matrix> llt(cov);
  const Vector z = llt.matrixL().solve(x);
  const double log_det = 2.0 * llt.matrixL().toDenseMatrix().diagonal().array().log().sum();
  return std::exp(-0.5 * z.squaredNorm() - 0.5 * log_det -
                  0.5 * static_cast<double>(x.size()) * std::log(2.0 * kPi));
}

/// The CV the bootstrap estimates, in closed form. Draws come from g = (1/N) sum N(theta_i, C0)
/// (the kernel fitted to the population); the refit to n of them has covariance Cn (Silverman
/// on g's covariance: its sample covariance varies by O(n^-1/2), a second-order effect). Its
/// density at x has mean M = (1/N) sum N(x; theta_i, C0 + Cn) and second moment
/// (M^2 (n - 1) + A) / n with A = (1/N) sum N(x; theta_i, C0 + Cn / 2) / ((4 pi)^(d/2) |Cn|^(1/2))
/// (the square of a Gaussian kernel is a Gaussian kernel), so CV^2 = (A / M^2 - 1) / n.
double analytic_cv(const std::vector<Particle>& population, std::size_t n, double scaling) {
  const auto N = static_cast<double>(population.size());
  const auto d = population[0].theta.size();
  Vector mean = Vector::Zero(d);
  for (const auto& p : population) mean += p.theta / N;
  Matrix cov = Matrix::Zero(d, d);
  for (const auto& p : population) cov += (p.theta - mean) * (p.theta - mean).transpose();
  cov /= N - 1.0;  // weighted with w = 1/N: the fit's denominator 1 - sum w^2 gives this
  const Matrix c0 = silverman_cov(cov, N, scaling);
  const Matrix cn = silverman_cov(cov + c0, static_cast<double>(n), scaling);
  const double kernel_sq =
      1.0 / (std::pow(4.0 * kPi, 0.5 * static_cast<double>(d)) * std::sqrt(cn.determinant()));
  double cv = 0.0;
  for (const auto& x : population) {
    double m = 0.0, a = 0.0;
    for (const auto& c : population) {
      m += normal_pdf(x.theta - c.theta, c0 + cn) / N;
      a += kernel_sq * normal_pdf(x.theta - c.theta, c0 + 0.5 * cn) / N;
    }
    cv += x.weight * std::sqrt((a / (m * m) - 1.0) / static_cast<double>(n));
  }
  return cv;
}

TransitionSpec default_kernel() { return TransitionSpec{}; }

}  // namespace

TEST_CASE("Population size: the bootstrap CV matches its closed form", "[core]") {
  // B replicates estimate a standard deviation with relative error about 1 / sqrt(2 B): 2.2% at
  // B = 1000 (the particles share the replicates, so their average is no better): 3 of it below.
  // Above, also the variance the closed form leaves out: each replicate's bandwidth comes from
  // its own sample covariance. That term shrinks with n; at n = 300 it was 3-7% (seeds 1-3, d 1
  // and 2, B = 1000), 12-17% at n = 60, so the check runs at 300 with 15% above.
  for (int d : {1, 2}) {
    INFO("dimension " << d);
    const auto problem = problem_of_dim(d);
    const auto population = gaussian_population(400, d, 5 + static_cast<std::uint64_t>(d));
    const double expected = analytic_cv(population, 300, default_kernel().scaling);
    const double got = kde_coefficient_of_variation(*problem, default_kernel(), population, 300,
                                                    1000, 99, 0, 0, sequential_for());
    CHECK(got > 0.93 * expected);
    CHECK(got < 1.15 * expected);
  }
}

TEST_CASE("Population size: the power law, the chosen size and the bounds", "[core]") {
  for (int d : {1, 2}) {
    INFO("dimension " << d);
    const auto problem = problem_of_dim(d);
    const auto population = gaussian_population(300, d, 11 + static_cast<std::uint64_t>(d));
    const double scaling = default_kernel().scaling;
    // The exponent of the closed form over the sizes tried (n/3 to 2n: 100 to 590).
    const double slope = -(std::log(analytic_cv(population, 590, scaling)) -
                           std::log(analytic_cv(population, 100, scaling))) /
                         std::log(590.0 / 100.0);
    // (2 / (d + 4) as n grows, the bandwidth falling as n^(-1/(d+4)); 0.32 and 0.28 here.)
    AdaptivePopulationSpec spec;
    spec.enabled = true;
    spec.n_bootstrap = 100;  // log CV per size to about 7%: the fitted slope to about 0.035
    spec.min = 10;
    spec.max = 100000;
    spec.mean_cv = 0.9 * analytic_cv(population, 300, scaling);  // lands inside the tried range
    const auto fit = next_population_size(*problem, default_kernel(), spec, population, 300, 3, 4,
                                          sequential_for());
    REQUIRE(fit.fitted);
    REQUIRE(fit.sizes.size() == 17);
    CHECK(fit.sizes.front() == 100);
    CHECK(fit.sizes.back() == 580);
    // The bandwidth term above (shrinking with n) steepens the bootstrap's slope by about 0.02.
    CHECK(fit.b == Approx(slope).margin(0.12));
    REQUIRE(fit.next > 300);
    REQUIRE(fit.next < 600);
    // The chosen size reaches the target: slope and intercept errors give about 8% there.
    CHECK(analytic_cv(population, fit.next, scaling) == Approx(spec.mean_cv).epsilon(0.2));
    // Halving the target multiplies the size by 2^(1/b) (the same fit: the same streams), up to
    // the truncation of the first size.
    AdaptivePopulationSpec half = spec;
    half.mean_cv = spec.mean_cv / 2.0;
    const auto fit_half = next_population_size(*problem, default_kernel(), half, population, 300, 3,
                                               4, sequential_for());
    CHECK(fit_half.a == fit.a);
    CHECK(fit_half.b == fit.b);
    CHECK(static_cast<double>(fit_half.next) ==
          Approx(static_cast<double>(fit.next) * std::pow(2.0, 1.0 / fit.b))
              .margin(std::pow(2.0, 1.0 / fit.b) + 1.0));
    // The bounds.
    AdaptivePopulationSpec tight = spec;
    tight.n_bootstrap = 10;
    tight.mean_cv = 1e-9;
    tight.max = 2000;
    CHECK(next_population_size(*problem, default_kernel(), tight, population, 300, 3, 4,
                               sequential_for())
              .next == 2000);
    tight.mean_cv = 10.0;
    tight.min = 150;
    CHECK(next_population_size(*problem, default_kernel(), tight, population, 300, 3, 4,
                               sequential_for())
              .next == 150);
    // A function of its arguments: the same bits on threads, different ones for another seed.
    ThreadsFor threads(3);
    const auto on_threads =
        next_population_size(*problem, default_kernel(), spec, population, 300, 3, 4, threads);
    CHECK(on_threads.cvs == fit.cvs);
    CHECK(on_threads.next == fit.next);
    // Each tried size k is kde_coefficient_of_variation's stream k; another seed, other draws.
    const auto cv_at = [&](std::uint64_t seed) {
      return kde_coefficient_of_variation(*problem, default_kernel(), population, fit.sizes[1], 100,
                                          seed, 4, 1, threads);
    };
    CHECK(cv_at(3) == fit.cvs[1]);
    CHECK(cv_at(4) != fit.cvs[1]);
  }
}

TEST_CASE("Population size: a multi-model population splits the draws by model", "[core]") {
  const auto problem = io::build_problem(io::parse_config(R"(
seed: 1
population_size: 100
models:
  - name: a
    parameters: {x: {type: normal, mean: 0, sd: 1}}
    model: {builtin: gaussian_mean}
  - name: b
    parameters: {x: {type: normal, mean: 0, sd: 1}}
    model: {builtin: gaussian_mean}
observed: {y: 0}
)",
                                                          "<test>"));
  // One model holding all the mass gives that model's CV; a model without particles is skipped.
  auto population = gaussian_population(200, 1, 8);
  const double alone = kde_coefficient_of_variation(*problem, default_kernel(), population, 100, 50,
                                                    1, 0, 0, sequential_for());
  CHECK(alone > 0.0);
  // Split evenly: each model's KDE is built from n/2 draws, so the CV grows as (n/2)^-b (b <= 0.5).
  for (std::size_t i = 0; i < population.size(); ++i) population[i].model = i % 2 == 0 ? 0 : 1;
  const double split = kde_coefficient_of_variation(*problem, default_kernel(), population, 100, 50,
                                                    1, 0, 0, sequential_for());
  CHECK(split > alone * 1.1);
  CHECK(split < alone * std::sqrt(2.0) * 1.3);
}

namespace {

std::string adaptive_config(const std::string& population_size) {
  return R"(
seed: 21
population_size: )" +
         population_size + R"(
parameters: {theta: {type: normal, mean: 0, sd: 1}}
model: {builtin: gaussian_mean, options: {n: 10, sigma: 1}}
observed: {y: 0.5}
epsilon: {type: quantile, alpha: 0.5}
stop: {max_generations: 5}
)";
}

}  // namespace

TEST_CASE("Population size: a run with adaptive sizes records and uses them", "[core]") {
  SingleCoreSampler single;
  const auto out =
      run_config_text(adaptive_config("{start: 100, mean_cv: 0.08, min: 40, max: 900}"), single);
  const auto& g = out.generations;
  REQUIRE(g.size() == 5);
  CHECK(g[0].particles.size() == 100);
  bool changed = false;
  for (std::size_t t = 0; t < g.size(); ++t) {
    INFO("generation " << t);
    CHECK(g[t].next_population_size >= 40);
    CHECK(g[t].next_population_size <= 900);
    if (t > 0) CHECK(g[t].particles.size() == g[t - 1].next_population_size);
    changed = changed || g[t].next_population_size != 100;
  }
  CHECK(changed);
  // A fixed size records itself as the next size.
  const auto fixed = run_config_text(adaptive_config("100"), single);
  for (const auto& r : fixed.generations) CHECK(r.next_population_size == 100);
  // The samplers agree bit for bit (dynamic with single-core; static across thread counts).
  const std::string yaml = adaptive_config("{start: 100, mean_cv: 0.08, min: 40, max: 900}");
  ThreadsSampler dynamic(3, Scheduling::dynamic, 5);
  require_identical_runs(g, run_config_text(yaml, dynamic).generations);
  ThreadsSampler static1(1, Scheduling::static_blocks, 0);
  ThreadsSampler static3(3, Scheduling::static_blocks, 0);
  require_identical_runs(run_config_text(yaml, static1).generations,
                         run_config_text(yaml, static3).generations);
}

TEST_CASE("Population size: resume continues with the recorded next size", "[core]") {
  const std::string yaml = adaptive_config("{start: 100, mean_cv: 0.08, min: 40, max: 900}");
  const io::RunConfig config = io::parse_config(yaml, "<test>");
  const auto problem = io::build_problem(config);
  SmcSettings settings = io::build_settings(config, *problem, 21);
  SingleCoreSampler single;
  std::vector<GenerationRecord> expected;
  CollectingObserver expected_obs(expected);
  run_smc(problem, settings, single, &expected_obs, SmcControl{});
  REQUIRE(expected.size() == 5);
  for (std::uint32_t stop_after : {1u, 3u}) {
    INFO("interrupted after " << stop_after);
    SmcSettings first = settings;
    first.stop.max_generations = stop_after;
    std::vector<GenerationRecord> got;
    CollectingObserver obs(got);
    run_smc(problem, first, single, &obs, SmcControl{});
    const GenerationRecord last = got.back();
    SmcControl control;
    control.resume_from = &last;
    ThreadsSampler threads(2, Scheduling::dynamic, 3);
    run_smc(problem, settings, threads, &obs, control);
    require_identical_runs(expected, got);
  }
  // A recorded size outside the bounds (an edited file, or a config whose bounds changed) is
  // refused with the bounds named.
  GenerationRecord edited = expected[2];
  edited.next_population_size = 5000;
  SmcControl control;
  control.resume_from = &edited;
  std::vector<GenerationRecord> ignored;
  CollectingObserver obs(ignored);
  CHECK_THROWS_WITH(run_smc(problem, settings, single, &obs, control),
                    Catch::Contains("next population size 5000") &&
                        Catch::Contains("population_size.min .. max (40 .. 900)"));
}
