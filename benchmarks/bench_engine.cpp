// Engine benchmarks B1 and B2 (../shared/BENCHMARKS.md), measured in one process so that the
// figures are ratios taken under the same machine load.
//   bench_engine b1 [repeats]          B1 simulations/s with the single-core sampler, and the
//                                      ratio of that throughput to a bare loop over the model
//   bench_engine b1-abc [repeats]      B1's ABC loop alone (no bare loop), to run under a profiler
//   bench_engine b2 [population] [threads...]  B2 efficiency = ideal / measured with threads
//   bench_engine master [N...]         B1 at population N, single core: the master's time per
//                                      generation beside the simulations' (issue 17)
//   bench_engine weights D [N...]      importance weights alone: kernel fit + N densities, D
//                                      parameters
//   bench_engine writer [G] [N] [K]    results writer: G generations of N particles with K
//                                      statistics; time per append early and late, disk traffic
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "abcsmc/core/smc.hpp"
#include "abcsmc/core/transition.hpp"
#include "abcsmc/io/build.hpp"
#include "abcsmc/io/results.hpp"
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

/// Median seconds of one bare B1 simulation (fresh stream, the model alone).
double bare_simulation_seconds(const Model& model) {
  std::vector<double> secs;
  for (int r = 0; r < 3; ++r) {
    const std::uint64_t n = 1000000;
    Vector theta = Vector::Constant(1, 0.4);
    Vector stats(1);
    double sink = 0.0;
    const auto start = Clock::now();
    for (std::uint64_t i = 0; i < n; ++i) {
      Rng rng(StreamId{1, 0, i});
      model.simulate(theta, rng, stats);
      sink += stats[0];
    }
    secs.push_back(std::chrono::duration<double>(Clock::now() - start).count() /
                   static_cast<double>(n));
    if (sink == 42.0) std::puts("");
  }
  return median(secs);
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
    bare_rates.push_back(1.0 / bare_simulation_seconds(model));
  }
  const double abc = median(abc_rates);
  const double bare = median(bare_rates);
  std::printf(
      "B1 (single core, median of %d): ABC %.0f simulations/s, bare loop %.0f simulations/s, "
      "ratio %.3f (goal >= 0.7)\n",
      repeats, abc, bare, abc / bare);
  std::printf("B1 final posterior: mean %.4f (exact 0.4545), sd %.4f (exact 0.3015)\n", mean, sd);
  return 0;
}

/// B1's ABC loop alone, for a profiler (`perf record bench_engine b1-abc 50`): no bare loop.
int bench_b1_abc(int repeats) {
  std::uint64_t simulations = 0;
  double seconds = 0.0;
  for (int r = 0; r < repeats; ++r) {
    SingleCoreSampler sampler;
    const Timed t = run(kB1, sampler);
    simulations += t.result.total_simulations;
    seconds += t.result.wall_seconds;
  }
  std::printf("B1 ABC loop: %d runs, %.0f simulations/s, %.0f ns per simulation\n", repeats,
              static_cast<double>(simulations) / seconds,
              1e9 * seconds / static_cast<double>(simulations));
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

/// Least-squares slope of log y on log x.
double growth_exponent(const std::vector<double>& x, const std::vector<double>& y) {
  double mx = 0.0, my = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    mx += std::log(x[i]) / static_cast<double>(x.size());
    my += std::log(y[i]) / static_cast<double>(x.size());
  }
  double sxy = 0.0, sxx = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) {
    sxy += (std::log(x[i]) - mx) * (std::log(y[i]) - my);
    sxx += (std::log(x[i]) - mx) * (std::log(x[i]) - mx);
  }
  return sxy / sxx;
}

class PerGeneration final : public SmcObserver {
 public:
  void on_generation(const GenerationRecord& r) override { records.push_back(r); }
  std::vector<GenerationRecord> records;
};

/// B1 at each population: per generation after the first (the first samples the prior, no
/// weights), the wall time minus simulations x the bare cost is the engine's own time.
int bench_master(const std::vector<std::size_t>& populations) {
  std::vector<double> ns, overheads;
  for (std::size_t n : populations) {
    const std::string yaml = "seed: 1\npopulation_size: " + std::to_string(n) + R"(
parameters: {theta: {type: normal, mean: 0, sd: 1}}
model: {builtin: gaussian_mean, options: {n: 10, sigma: 1}}
observed: {y: 0.5}
epsilon: {type: quantile, alpha: 0.5, calibration_size: )" +
                             std::to_string(n) + "}\nstop: {max_generations: 4}\n";
    const auto config = io::parse_config(yaml, "<bench>");
    auto problem = io::build_problem(config);
    const double bare = bare_simulation_seconds(*problem->models[0].model);
    const auto settings = io::build_settings(config, *problem, *config.seed);
    SingleCoreSampler sampler;
    PerGeneration gens;
    run_smc(problem, settings, sampler, &gens);
    std::vector<double> wall, other;
    for (std::size_t g = 1; g < gens.records.size(); ++g) {
      const auto& r = gens.records[g];
      wall.push_back(r.wall_seconds);
      other.push_back(r.wall_seconds - static_cast<double>(r.simulations) * bare);
    }
    const double med_other = std::max(median(other), 1e-9);
    std::printf(
        "master N=%-8zu generation %.3f s (median of %zu), of which not simulating %.3f s "
        "(%.0f%%); %.2f us per particle\n",
        n, median(wall), wall.size(), med_other, 100.0 * med_other / median(wall),
        1e6 * med_other / static_cast<double>(n));
    ns.push_back(static_cast<double>(n));
    overheads.push_back(med_other);
  }
  if (ns.size() > 1) {
    std::printf("growth exponent of the non-simulation time: %.2f (goal <= 1.2)\n",
                growth_exponent(ns, overheads));
  }
  return 0;
}

/// Fit + n densities of the default kernel (multivariate normal, scaling 2) on a population of
/// n standard-normal particles in d dimensions with random weights; queries are proposals.
int bench_weights(std::size_t d, const std::vector<std::size_t>& populations) {
  std::vector<double> ns, secs;
  for (std::size_t n : populations) {
    Rng rng(StreamId{9, 0, n});
    Matrix thetas(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(d));
    Vector weights(static_cast<Eigen::Index>(n));
    for (Eigen::Index i = 0; i < thetas.rows(); ++i) {
      for (Eigen::Index k = 0; k < thetas.cols(); ++k) thetas(i, k) = rng.normal();
      weights[i] = 0.5 + rng.uniform();
    }
    weights /= weights.sum();
    auto kernel = make_multivariate_normal_transition(Bandwidth::silverman, 2.0);
    std::vector<Vector> queries(n);
    kernel->fit(thetas, weights);
    for (auto& q : queries) q = kernel->propose(rng);
    std::vector<double> runs;
    double sink = 0.0;
    for (int r = 0; r < 3; ++r) {
      const auto start = Clock::now();
      kernel->fit(thetas, weights);
      for (const auto& q : queries) sink += kernel->log_pdf(q);
      runs.push_back(std::chrono::duration<double>(Clock::now() - start).count());
    }
    if (sink == 42.0) std::puts("");
    std::printf("weights d=%zu N=%-8zu %.4f s (median of 3), %.3f us per particle\n", d, n,
                median(runs), 1e6 * median(runs) / static_cast<double>(n));
    ns.push_back(static_cast<double>(n));
    secs.push_back(median(runs));
  }
  if (ns.size() > 1) std::printf("growth exponent: %.2f\n", growth_exponent(ns, secs));
  return 0;
}

/// Bytes this process has written to storage so far (/proc/self/io write_bytes; 0 if unknown).
std::uint64_t written_bytes() {
  std::FILE* f = std::fopen("/proc/self/io", "r");
  if (f == nullptr) return 0;
  char key[64];
  unsigned long long value = 0;
  std::uint64_t out = 0;
  while (std::fscanf(f, "%63s %llu", key, &value) == 2) {
    if (std::string(key) == "write_bytes:") out = value;
  }
  std::fclose(f);
  return out;
}

/// G appends of N particles (one parameter, K statistics) to a fresh results file, fsynced as in
/// a run; median append time over the first and the last tenth, and bytes written / final size.
int bench_writer(std::size_t generations, std::size_t n, std::size_t k) {
  namespace fs = std::filesystem;
  const fs::path dir =
      fs::temp_directory_path() / ("abcsmc_bench_writer_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string path = (dir / "run.h5").string();
  io::RunHeader header;
  header.model_names = {"m"};
  header.model_prior_probabilities = {1.0};
  header.model_parameter_names = {{"theta"}};
  for (std::size_t j = 0; j < k; ++j) header.stat_names.push_back("y[" + std::to_string(j) + "]");
  header.observed = Vector::Zero(static_cast<Eigen::Index>(k));
  header.population_size = n;
  GenerationRecord record;
  Rng rng(StreamId{5, 0, 0});
  for (std::size_t i = 0; i < n; ++i) {
    Particle p;
    p.theta = Vector::Constant(1, rng.normal());
    p.stats = Vector::Constant(static_cast<Eigen::Index>(k), rng.normal());
    p.weight = 1.0 / static_cast<double>(n);
    p.distance = rng.uniform();
    p.eval_index = i;
    record.particles.push_back(p);
  }
  record.model_probabilities = {1.0};
  const std::uint64_t before = written_bytes();
  std::vector<double> secs;
  {
    io::ResultsWriter writer(path, header, true);
    writer.set_pack_limit(0);  // keep the folder: the figure is the writing during a run
    for (std::size_t t = 0; t < generations; ++t) {
      record.t = static_cast<std::uint32_t>(t);
      const auto start = Clock::now();
      writer.append(record);
      secs.push_back(std::chrono::duration<double>(Clock::now() - start).count());
    }
    writer.finish("done");
  }
  const std::uint64_t written = written_bytes() - before;
  std::uintmax_t size = fs::file_size(path);
  for (const auto& e : fs::directory_iterator(path + ".d")) size += e.file_size();
  const std::size_t tenth = std::max<std::size_t>(1, generations / 10);
  const std::vector<double> first(secs.begin(), secs.begin() + static_cast<std::ptrdiff_t>(tenth));
  const std::vector<double> last(secs.end() - static_cast<std::ptrdiff_t>(tenth), secs.end());
  std::printf(
      "writer: %zu generations of %zu particles x %zu statistics: append %.2f ms (median of the "
      "first %zu), %.2f ms (last %zu); final size %.1f MB, written %.1f MB (%.2fx)\n",
      generations, n, k, 1e3 * median(first), tenth, 1e3 * median(last), tenth,
      static_cast<double>(size) / 1e6, static_cast<double>(written) / 1e6,
      static_cast<double>(written) / static_cast<double>(size));
  fs::remove_all(dir);
  return 0;
}

std::vector<std::size_t> sizes_from(int argc, char** argv, int first,
                                    std::vector<std::size_t> fallback) {
  std::vector<std::size_t> out;
  for (int i = first; i < argc; ++i) out.push_back(std::strtoull(argv[i], nullptr, 10));
  return out.empty() ? fallback : out;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string what = argc > 1 ? argv[1] : "b1";
  if (what == "b1") return bench_b1(argc > 2 ? std::atoi(argv[2]) : 3);
  if (what == "b1-abc") return bench_b1_abc(argc > 2 ? std::atoi(argv[2]) : 50);
  if (what == "b2") {
    const std::size_t population = argc > 2 ? static_cast<std::size_t>(std::atoi(argv[2])) : 200;
    std::vector<std::size_t> threads;
    for (int i = 3; i < argc; ++i) threads.push_back(static_cast<std::size_t>(std::atoi(argv[i])));
    if (threads.empty()) threads = {2, 8, 16};
    return bench_b2(population, threads);
  }
  if (what == "master") return bench_master(sizes_from(argc, argv, 2, {1000, 10000, 100000}));
  if (what == "writer") {
    const auto arg = [&](int i, std::size_t fallback) {
      return argc > i ? static_cast<std::size_t>(std::strtoull(argv[i], nullptr, 10)) : fallback;
    };
    return bench_writer(arg(2, 1000), arg(3, 1000), arg(4, 20));
  }
  if (what == "weights" && argc > 2) {
    return bench_weights(std::strtoull(argv[2], nullptr, 10),
                         sizes_from(argc, argv, 3, {1000, 10000}));
  }
  std::fprintf(stderr,
               "usage: bench_engine b1 [repeats] | b1-abc [repeats] | b2 [population] [threads...] "
               "| master [N...] | "
               "weights D [N...] | writer [G] [N] [K]\n");
  return 2;
}
