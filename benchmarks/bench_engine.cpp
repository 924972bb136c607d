// Engine benchmarks B1 and B2 (../shared/BENCHMARKS.md), measured in one process so that the
// figures are ratios taken under the same machine load.
//   bench_engine b1 [repeats]          B1 simulations/s with the single-core sampler, and the
//                                      ratio of that throughput to a bare loop over the model
//   bench_engine b2 [population] [threads...]  B2 efficiency = ideal / measured with threads
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "abcsmc/core/smc.hpp"
#include "abcsmc/io/build.hpp"
#include "abcsmc/io/run_config.hpp"
#include "abcsmc/samplers/single_core.hpp"
#include "abcsmc/samplers/threads.hpp"

using namespace abcsmc;
using Clock = std::chrono::steady_clock;

namespace {

const char* kB1 = R"(
seed: 1
population_size: 1000
parameters: {theta: {type: normal, mean: 0, sd: 1}}
model: {builtin: gaussian_mean, options: {n: 10, sigma: 1}}
observed: {y: 0.5}
epsilon: {type: quantile, alpha: 0.5, calibration_size: 1000}
stop: {max_generations: 8}
)";

std::string b2_config(std::size_t population) {
  return "seed: 2\npopulation_size: " + std::to_string(population) + R"(
parameters: {theta: {type: normal, mean: 0, sd: 1}}
model:
  builtin: gaussian_mean
  options: {n: 10, sigma: 1}
  delay: {type: exponential, mean: 0.005}
observed: {y: 0.5}
epsilon: {type: quantile, alpha: 0.5, calibration_size: )" +
         std::to_string(population) + R"(}
stop: {max_generations: 4}
)";
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

struct Timed {
  SmcResult result;
  double sampling_seconds = 0.0;           // sum of per-generation wall seconds
  std::uint64_t sampling_simulations = 0;  // generations only (calibration excluded)
};

class GenerationTimes final : public SmcObserver {
 public:
  void on_generation(const GenerationRecord& r) override {
    seconds += r.wall_seconds;
    simulations += r.simulations;
  }
  double seconds = 0.0;
  std::uint64_t simulations = 0;
};

Timed run(const std::string& yaml, Sampler& sampler) {
  const auto config = io::parse_config(yaml, "<bench>");
  auto problem = io::build_problem(config);
  const auto settings = io::build_settings(config, *problem, *config.seed);
  GenerationTimes times;
  Timed t;
  t.result = run_smc(problem, settings, sampler, &times);
  t.sampling_seconds = times.seconds;
  t.sampling_simulations = times.simulations;
  return t;
}

int bench_b1(int repeats) {
  const auto config = io::parse_config(kB1, "<bench>");
  auto problem = io::build_problem(config);
  const Model& model = *problem->models[0].model;
  std::vector<double> abc_rates, bare_rates;
  double mean = 0.0, sd = 0.0;
  for (int r = 0; r < repeats; ++r) {
    SingleCoreSampler sampler;
    const Timed t = run(kB1, sampler);
    abc_rates.push_back(static_cast<double>(t.result.total_simulations) / t.result.wall_seconds);
    double m = 0.0, v = 0.0;
    for (const auto& p : t.result.last.particles) m += p.weight * p.theta[0];
    for (const auto& p : t.result.last.particles)
      v += p.weight * (p.theta[0] - m) * (p.theta[0] - m);
    mean = m;
    sd = std::sqrt(v);
    // Bare loop: a fresh stream per simulation, the same model, no engine.
    const std::uint64_t n = 2000000;
    Vector theta = Vector::Constant(1, 0.4);
    Vector stats(1);
    double sink = 0.0;
    const auto start = Clock::now();
    for (std::uint64_t i = 0; i < n; ++i) {
      Rng rng(StreamId{1, 0, i});
      model.simulate(theta, rng, stats);
      sink += stats[0];
    }
    const double secs = std::chrono::duration<double>(Clock::now() - start).count();
    bare_rates.push_back(static_cast<double>(n) / secs);
    if (sink == 42.0) std::puts("");  // keep the loop
  }
  const double abc = median(abc_rates);
  const double bare = median(bare_rates);
  std::printf(
      "B1 (single core, median of %d): ABC %.0f simulations/s, bare loop %.0f simulations/s, "
      "ratio %.3f (goal >= 0.5)\n",
      repeats, abc, bare, abc / bare);
  std::printf("B1 final posterior: mean %.4f (exact 0.4545), sd %.4f (exact 0.3015)\n", mean, sd);
  return 0;
}

int bench_b2(std::size_t population, const std::vector<std::size_t>& threads) {
  for (std::size_t t : threads) {
    for (Scheduling s : {Scheduling::dynamic, Scheduling::static_blocks}) {
      ThreadsSampler sampler(t, s, 1);
      const auto start = Clock::now();
      const Timed r = run(b2_config(population), sampler);
      const double whole = std::chrono::duration<double>(Clock::now() - start).count();
      // ideal = simulations x 5 ms / workers (BENCHMARKS.md B2)
      const double ideal_sampling =
          static_cast<double>(r.sampling_simulations) * 0.005 / static_cast<double>(t);
      const double ideal_whole =
          static_cast<double>(r.result.total_simulations) * 0.005 / static_cast<double>(t);
      std::printf(
          "B2 N=%zu threads=%-2zu %-7s: %llu simulations, efficiency %.3f (sampling phase), "
          "%.3f (whole run)\n",
          population, t, s == Scheduling::dynamic ? "dynamic" : "static",
          static_cast<unsigned long long>(r.result.total_simulations),
          ideal_sampling / r.sampling_seconds, ideal_whole / whole);
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string what = argc > 1 ? argv[1] : "b1";
  if (what == "b1") return bench_b1(argc > 2 ? std::atoi(argv[2]) : 3);
  if (what == "b2") {
    const std::size_t population = argc > 2 ? static_cast<std::size_t>(std::atoi(argv[2])) : 200;
    std::vector<std::size_t> threads;
    for (int i = 3; i < argc; ++i) threads.push_back(static_cast<std::size_t>(std::atoi(argv[i])));
    if (threads.empty()) threads = {2, 8, 16};
    return bench_b2(population, threads);
  }
  std::fprintf(stderr, "usage: bench_engine b1 [repeats] | b2 [population] [threads...]\n");
  return 2;
}
