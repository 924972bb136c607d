// Per-simulation overhead of each model type on B1's simulator, measured in one process run:
// the built-in gaussian_mean, the same simulator through the C and C++ example plugins and an
// in-process callable, and external commands (a compiled C program, the bash/awk example, and
// /bin/true as the process floor).
//
//   bench_models [plugin_dir] [repeats]
// plugin_dir defaults to <build>/plugins next to this program's directory.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "abcsmc/core/problem_builder.hpp"
#include "abcsmc/core/smc.hpp"
#include "abcsmc/models/external_command.hpp"
#include "abcsmc/models/function_model.hpp"
#include "abcsmc/models/persistent_model.hpp"
#include "abcsmc/models/plugin.hpp"
#include "abcsmc/models/process.hpp"
#include "abcsmc/models/simulators.hpp"
#include "abcsmc/samplers/single_core.hpp"

using namespace abcsmc;
using Clock = std::chrono::steady_clock;

namespace {

/// Seconds per simulate() call over n calls, each with its own stream (as the engine does).
double per_call(const Model& model, std::uint64_t n) {
  Vector theta(1);
  Vector stats(1);
  double sink = 0.0;
  const auto t0 = Clock::now();
  for (std::uint64_t i = 0; i < n; ++i) {
    Rng rng(StreamId{42, 1, i});
    theta[0] = 0.5 + 1e-6 * static_cast<double>(i % 1000);
    model.simulate(theta, rng, stats);
    sink += stats[0];
  }
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  if (sink == 12345.678) std::puts("");  // keep the loop
  return s / static_cast<double>(n);
}

/// Seconds per simulation through simulate_batch() in batches of `batch`, n simulations.
double per_batched_call(const Model& model, std::uint64_t n, std::size_t batch) {
  std::vector<Vector> thetas(batch, Vector(1));
  std::vector<Vector> stats(batch, Vector(1));
  std::vector<Rng> rngs;
  std::vector<SimulationJob> jobs;
  double sink = 0.0;
  const auto t0 = Clock::now();
  for (std::uint64_t first = 0; first < n; first += batch) {
    rngs.clear();
    jobs.clear();
    for (std::size_t j = 0; j < batch; ++j) {
      rngs.emplace_back(StreamId{42, 1, first + j});
      thetas[j][0] = 0.5 + 1e-6 * static_cast<double>((first + j) % 1000);
    }
    for (std::size_t j = 0; j < batch; ++j) jobs.push_back({&thetas[j], &rngs[j], &stats[j], {}});
    model.simulate_batch(jobs);
    for (std::size_t j = 0; j < batch; ++j) sink += stats[j][0];
  }
  const double s = std::chrono::duration<double>(Clock::now() - t0).count();
  if (sink == 12345.678) std::puts("");  // keep the loop
  return s / static_cast<double>(n);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double median_per_call(const Model& model, std::uint64_t n, int repeats) {
  std::vector<double> v;
  for (int r = 0; r < repeats; ++r) v.push_back(per_call(model, n));
  return median(v);
}

/// B1 (population 1000, 8 generations, single core): seconds per simulation over the run.
double abc_per_simulation(std::shared_ptr<const Model> model) {
  auto problem = ProblemBuilder()
                     .model("b1", std::move(model))
                     .parameter("theta", "normal", {{"mean", 0.0}, {"sd", 1.0}})
                     .observe("y", 0.5)
                     .build();
  SmcSettings s = default_settings(*problem, 42);
  s.population_size = 1000;
  s.epsilon.calibration_size = 1000;
  s.stop.max_generations = 8;
  SingleCoreSampler sampler;
  const auto t0 = Clock::now();
  const SmcResult r = run_smc(problem, s, sampler, nullptr);
  const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  return wall / static_cast<double>(r.total_simulations);
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir;
  if (argc > 1 && argv[1][0] != '\0') {
    dir = argv[1];
  } else {
    dir = (std::filesystem::canonical("/proc/self/exe").parent_path().parent_path() / "plugins")
              .string();
  }
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 5;
  // The source tree (for config/examples/gauss_sim.sh): this file's directory's parent.
  const std::string source_dir =
      std::filesystem::path(__FILE__).parent_path().parent_path().string();

  auto builtin = std::make_shared<GaussianMeanModel>(10, 1.0);
  auto plugin_c = std::make_shared<PluginModel>(dir + "/libabcsmc_gauss_c.so", ModelOptions{},
                                                std::vector<std::string>{"theta"});
  auto plugin_cpp = std::make_shared<PluginModel>(dir + "/libabcsmc_gauss_cpp.so", ModelOptions{},
                                                  std::vector<std::string>{"theta"});
  auto callable = make_model({{"y", 1}}, [](const Vector& theta, Rng& rng, Vector& y) {
    Rng inner(StreamId{rng(), 0, 0});
    double sum = 0.0;
    for (int i = 0; i < 10; ++i) sum += theta[0] + inner.normal();
    y[0] = sum / 10.0;
  });
  const auto command = [](std::vector<std::string> args) {
    CommandSpec spec;
    spec.argv = std::move(args);
    spec.statistics = {{"y", 1}};
    return std::make_shared<ExternalCommandModel>(spec, std::vector<std::string>{"theta"});
  };
  auto cmd_c = command({dir + "/abcsmc_gauss_command", "{theta}", "{seed}"});
  auto cmd_awk = command({source_dir + "/config/examples/gauss_sim.sh", "{theta}", "{seed}"});

  std::printf("B1 simulator (mean of 10 normals), one core, median of %d\n\n", repeats);
  std::printf("simulate() calls, each on a fresh stream:\n");
  const std::uint64_t n = 200000;
  const double t_builtin = median_per_call(*builtin, n, repeats);
  const double t_callable = median_per_call(*callable, n, repeats);
  const double t_c = median_per_call(*plugin_c, n, repeats);
  const double t_cpp = median_per_call(*plugin_cpp, n, repeats);
  std::printf("  %-34s %8.3f us\n", "built-in gaussian_mean", t_builtin * 1e6);
  std::printf("  %-34s %8.3f us  (%.3fx built-in)\n", "in-process callable, seeded draws",
              t_callable * 1e6, t_callable / t_builtin);
  std::printf("  %-34s %8.3f us  (%.3fx built-in, %.3fx callable)\n", "plugin, C (thread-safe)",
              t_c * 1e6, t_c / t_builtin, t_c / t_callable);
  std::printf("  %-34s %8.3f us  (%.3fx built-in, %.3fx callable)\n", "plugin, C++ (instance pool)",
              t_cpp * 1e6, t_cpp / t_builtin, t_cpp / t_callable);

  std::printf("\nwhole ABC-SMC run (population 1000, 8 generations), per simulation:\n");
  std::vector<double> abc_builtin;
  std::vector<double> abc_plugin;
  for (int r = 0; r < repeats; ++r) {
    abc_builtin.push_back(abc_per_simulation(builtin));
    abc_plugin.push_back(abc_per_simulation(plugin_c));
  }
  const double a_b = median(abc_builtin);
  const double a_p = median(abc_plugin);
  std::printf("  %-34s %8.3f us\n", "built-in", a_b * 1e6);
  std::printf("  %-34s %8.3f us  (%.3fx built-in; goal <= 1.10)\n", "plugin, C", a_p * 1e6,
              a_p / a_b);

  std::printf("\nexternal commands (posix_spawn per simulation), per simulation:\n");
  const auto spawn_only = [&](std::uint64_t m) {  // /bin/true prints nothing: time the process
    const auto t0 = Clock::now();
    for (std::uint64_t i = 0; i < m; ++i) run_process({"/bin/true"}, 0.0, 1.0);
    return std::chrono::duration<double>(Clock::now() - t0).count() / static_cast<double>(m);
  };
  const double t_true = spawn_only(2000);
  const double t_cmd = median_per_call(*cmd_c, 2000, 3);
  const double t_awk = median_per_call(*cmd_awk, 200, 3);
  std::printf("  %-34s %8.3f ms\n", "/bin/true (spawn + wait floor)", t_true * 1e3);
  std::printf("  %-34s %8.3f ms  (overhead vs built-in %.3f ms; goal < 1 ms)\n",
              "compiled C command", t_cmd * 1e3, (t_cmd - t_builtin) * 1e3);
  std::printf("  %-34s %8.3f ms\n", "bash + awk example (gauss_sim.sh)", t_awk * 1e3);

  // Persistent simulators (docs/persistent-protocol.md): one child kept alive, one request and
  // one reply line per simulation; the figure over the built-in is the protocol's overhead.
  std::printf("\npersistent simulators (one child, a request/reply per simulation):\n");
  const auto persistent = [](std::vector<std::string> args, std::size_t batch = 1) {
    PersistentSpec spec;
    spec.argv = std::move(args);
    spec.batch = batch;
    spec.statistics = {{"y", 1}};
    return std::make_shared<PersistentModel>(spec, std::vector<std::string>{"theta"});
  };
  auto per_c = persistent({dir + "/abcsmc_persistent_gauss"});
  const double t_pc = median_per_call(*per_c, 50000, repeats);
  std::printf("  %-34s %8.3f us  (overhead vs built-in %.3f us)\n", "C (persistent_gauss.c)",
              t_pc * 1e6, (t_pc - t_builtin) * 1e6);
  if (!find_executable("/usr/bin/python3").empty()) {
    const std::string helper = "import sys; sys.path.insert(0, '" + source_dir +
                               "/python'); from abcsmc_sim import serve; ";
    auto per_py0 =
        persistent({"/usr/bin/python3", "-c", helper + "serve(lambda t, s: [t['theta']])"});
    auto per_py =
        persistent({"/usr/bin/python3", source_dir + "/config/examples/persistent_sim.py"});
    const double t_p0 = median_per_call(*per_py0, 20000, repeats);
    const double t_p1 = median_per_call(*per_py, 20000, repeats);
    std::printf("  %-34s %8.3f us  (%.0f simulations/s; goal: overhead <= 50 us)\n",
                "Python, trivial (returns theta)", t_p0 * 1e6, 1.0 / t_p0);
    std::printf("  %-34s %8.3f us  (random.Random(seed).gauss)\n", "Python, B1 example",
                t_p1 * 1e6);
    // Batches of 64 (config batch: 64): one pipe round trip per batch; the helper simulates
    // each candidate alone (no simulate_batch), or the whole batch in one call.
    auto per_py_b =
        persistent({"/usr/bin/python3", "-c", helper + "serve(lambda t, s: [t['theta']])"}, 64);
    auto per_py_v = persistent({"/usr/bin/python3", "-c",
                                helper + "serve(lambda t, s: [t['theta']], simulate_batch=lambda "
                                         "ts, ss: [[t['theta']] for t in ts])"},
                               64);
    std::vector<double> b, v;
    for (int r = 0; r < repeats; ++r) {
      b.push_back(per_batched_call(*per_py_b, 64000, 64));
      v.push_back(per_batched_call(*per_py_v, 64000, 64));
    }
    const double t_pb = median(b);
    const double t_pv = median(v);
    std::printf("  %-34s %8.3f us  (%.0f simulations/s; goal >= 20 000/s per core)\n",
                "Python, trivial, batches of 64", t_pb * 1e6, 1.0 / t_pb);
    std::printf("  %-34s %8.3f us  (%.0f simulations/s)\n", "  ... with simulate_batch", t_pv * 1e6,
                1.0 / t_pv);
  }
  return 0;
}
