// User simulators end to end: B1 through a plugin, an external command and a C++ callable;
// every failure class under both failure policies.
#include <catch2/catch.hpp>

#include <cmath>
#include <stdexcept>
#include <string>

#include "abcsmc/core/error.hpp"
#include "abcsmc/core/problem_builder.hpp"
#include "abcsmc/models/function_model.hpp"
#include "abcsmc/samplers/single_core.hpp"
#include "abcsmc/samplers/threads.hpp"
#include "support/identical.hpp"
#include "support/run_helpers.hpp"

using namespace abcsmc;
using abcsmc::testing::require_identical_runs;
using abcsmc::testing::run_config_text;
using abcsmc::testing::weighted_moments;

namespace {

constexpr double kZ = 4.0;  // standard errors allowed (as in posterior_test.cpp)

double phi(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

struct Exact {
  double mean;
  double var;
};

/// Exact eps-ABC posterior of B1 (theta ~ N(0,1), ybar ~ N(theta, 1/10), y_obs = 0.5) by
/// quadrature: p(theta) [Phi((y+eps-theta)/s) - Phi((y-eps-theta)/s)].
Exact exact_b1(double eps) {
  const double s = 1.0 / std::sqrt(10.0);
  double z = 0.0, m1 = 0.0, m2 = 0.0;
  for (double th = -6.0; th <= 6.0; th += 1e-4) {
    const double w =
        std::exp(-0.5 * th * th) * (phi((0.5 + eps - th) / s) - phi((0.5 - eps - th) / s));
    z += w;
    m1 += w * th;
    m2 += w * th * th;
  }
  const double mean = m1 / z;
  return {mean, m2 / z - mean * mean};
}

void check_b1_posterior(const GenerationRecord& last) {
  const Exact exact = exact_b1(last.epsilon);
  const auto mom = weighted_moments(last, 0);
  const double se_mean = std::sqrt(exact.var / mom.ess);
  const double se_var = exact.var * std::sqrt(2.0 / mom.ess);
  INFO("eps " << last.epsilon << " mean " << mom.mean << " exact " << exact.mean << " var "
              << mom.var << " exact " << exact.var << " ESS " << mom.ess);
  CHECK(std::abs(mom.mean - exact.mean) < kZ * se_mean);
  CHECK(std::abs(mom.var - exact.var) < kZ * se_var);
}

std::string b1_config(const std::string& model, int population, int generations) {
  return "seed: 20261127\npopulation_size: " + std::to_string(population) +
         "\nparameters: {theta: {type: normal, mean: 0, sd: 1}}\nmodel: " + model +
         "\nobserved: {y: 0.5}\nepsilon: {type: quantile, alpha: 0.5, calibration_size: " +
         std::to_string(population) + "}\nstop: {max_generations: " + std::to_string(generations) +
         "}\n";
}

std::string plugin_model(const char* path) {
  return "{plugin: '" + std::string(path) + "', options: {n: 10, sigma: 1}}";
}

/// The example plugins' simulator as an in-process callable: same seed, same draws.
std::shared_ptr<const Model> callable_gauss() {
  return make_model({{"y", 1}}, [](const Vector& theta, Rng& rng, Vector& y) {
    Rng inner(StreamId{rng(), 0, 0});
    double sum = 0.0;
    for (int i = 0; i < 10; ++i) sum += theta[0] + inner.normal();
    y[0] = sum / 10.0;
  });
}

std::vector<GenerationRecord> run_problem(std::shared_ptr<Problem> problem, const std::string& yaml,
                                          Sampler& sampler) {
  const io::RunConfig config = io::parse_config(yaml, "<test>");
  const SmcSettings settings = io::build_settings(config, *problem, *config.seed);
  std::vector<GenerationRecord> out;
  abcsmc::testing::CollectingObserver observer(out);
  run_smc(problem, settings, sampler, &observer);
  return out;
}

}  // namespace

TEST_CASE(
    "B1 through the C plugin: exact posterior, and bit-identical to the same simulator "
    "in process",
    "[stat]") {
  const std::string yaml = b1_config(plugin_model(ABCSMC_PLUGIN_GAUSS_C), 2000, 9);
  ThreadsSampler threads(2, Scheduling::dynamic, 16);
  const auto plugin = run_config_text(yaml, threads);
  REQUIRE(plugin.generations.size() == 9);
  CHECK(plugin.generations.back().epsilon < 0.05);
  check_b1_posterior(plugin.generations.back());

  auto problem = ProblemBuilder()
                     .model("gauss", callable_gauss())
                     .parameter("theta", "normal", {{"mean", 0.0}, {"sd", 1.0}})
                     .observe("y", 0.5)
                     .build();
  SingleCoreSampler single;
  require_identical_runs(plugin.generations, run_problem(problem, yaml, single));
}

TEST_CASE("B1 through the C++ plugin (not thread-safe) equals the C plugin on 2 threads",
          "[stat]") {
  ThreadsSampler threads(2, Scheduling::dynamic, 4);
  const auto c = run_config_text(b1_config(plugin_model(ABCSMC_PLUGIN_GAUSS_C), 400, 4), threads);
  const auto cpp =
      run_config_text(b1_config(plugin_model(ABCSMC_PLUGIN_GAUSS_CPP), 400, 4), threads);
  require_identical_runs(c.generations, cpp.generations);
  ThreadsSampler stat1(1, Scheduling::static_blocks, 0);
  ThreadsSampler stat2(2, Scheduling::static_blocks, 0);
  require_identical_runs(
      run_config_text(b1_config(plugin_model(ABCSMC_PLUGIN_GAUSS_CPP), 200, 3), stat1).generations,
      run_config_text(b1_config(plugin_model(ABCSMC_PLUGIN_GAUSS_CPP), 200, 3), stat2).generations);
}

TEST_CASE("B1 through an external command: exact posterior, and bit-identical to the plugin",
          "[stat]") {
  // The compiled example command draws what the plugin draws; theta and the seed travel as
  // text that reads back exactly, and it prints %.17g, so the runs agree bit for bit.
  const std::string cmd = "{command: ['" + std::string(ABCSMC_GAUSS_COMMAND) +
                          "', '{theta}', '{seed}'], statistics: [y], timeout: 30}";
  ThreadsSampler threads(2, Scheduling::dynamic, 8);
  const auto command = run_config_text(b1_config(cmd, 300, 5), threads);
  REQUIRE(command.generations.size() == 5);
  check_b1_posterior(command.generations.back());
  SingleCoreSampler single;
  const auto plugin =
      run_config_text(b1_config(plugin_model(ABCSMC_PLUGIN_GAUSS_C), 300, 5), single);
  require_identical_runs(command.generations, plugin.generations);
}

TEST_CASE("B1 through the bash/awk example command matches the exact posterior", "[stat]") {
  const std::string cmd = "{command: ['" ABCSMC_SOURCE_DIR
                          "/config/examples/gauss_sim.sh', '{theta}', '{seed}'], "
                          "statistics: [y], timeout: 30}";
  ThreadsSampler threads(2, Scheduling::dynamic, 4);
  const auto out = run_config_text(b1_config(cmd, 150, 3), threads);
  REQUIRE(out.generations.size() == 3);
  check_b1_posterior(out.generations.back());
}

// --- failure classes x policies -----------------------------------------------------------------

namespace {

struct FailureCase {
  std::string name;
  std::string model;    ///< YAML of the model section without on_failure
  std::string message;  ///< part of the abort message
};

/// Each case fails exactly when theta > 1 (plugins, callables) or theta <= -1 (commands).
std::vector<FailureCase> failure_cases() {
  const std::string faulty = ABCSMC_PLUGIN_FAULTY;
  const auto plugin = [&](const std::string& mode) {
    return "{plugin: '" + faulty + "', options: {mode: " + mode + ", above: 1}";
  };
  // bash: the fault runs when theta is -1 or below ("-1...", "-2...", ...).
  const auto command = [](const std::string& fault, const std::string& extra = "") {
    return "{command: [bash, -c, 'if [[ $1 == -[1-9]* && $1 != *e* ]]; then " + fault +
           "; fi; echo \"y $1\"', sim, '{theta}'], statistics: [y]" + extra;
  };
  return {
      {"plugin NaN", plugin("nan"), "statistic 'y' is nan"},
      {"plugin inf", plugin("inf"), "statistic 'y' is inf"},
      {"plugin failure status", plugin("fail"), "is too large for this test"},
      {"plugin wrong number of statistics", plugin("bad_size"),
       "wrong number of parameters or statistics"},
      {"plugin exception", plugin("throw"), "escaped from the plugin"},
      {"command non-zero exit", command("echo broken >&2; exit 3"), "exited with status 3"},
      {"command crash", command("kill -SEGV $$"), "killed by signal 11"},
      {"command wrong number of statistics", command("echo 1 2; exit 0"), "printed 2 numbers"},
      {"command NaN", command("echo nan; exit 0"), "statistic 'y' is nan"},
      {"command timeout", command("sleep 30", ", timeout: 0.1, kill_grace: 0.1"),
       "timed out after 0.1 s"},
  };
}

std::string failure_config(const std::string& model, const std::string& policy) {
  return "seed: 5\npopulation_size: 30\nparameters: {theta: {type: normal, mean: 0, sd: 1}}\n"
         "model: " +
         model + ", on_failure: " + policy +
         "}\nobserved: {y: 0.5}\n"
         "epsilon: {type: quantile, alpha: 0.5, calibration_size: 30}\nstop: {max_generations: "
         "2}\n";
}

}  // namespace

TEST_CASE("Failures: every class is counted under 'reject' and the run goes on", "[stat]") {
  for (const auto& c : failure_cases()) {
    INFO(c.name);
    ThreadsSampler threads(2, Scheduling::dynamic, 2);
    const auto out = run_config_text(failure_config(c.model, "reject"), threads);
    REQUIRE(out.generations.size() == 2);
    std::uint64_t failed = 0;
    for (const auto& g : out.generations) {
      failed += g.failed;
      CHECK(g.failed < g.simulations);
      for (const auto& p : g.particles) {  // failed candidates are never accepted
        const double th = p.theta[0];
        CHECK((c.name.rfind("plugin", 0) == 0 ? th <= 1.0 : th > -1.0));
      }
    }
    CHECK(failed > 0);
  }
}

TEST_CASE("Failures: failed candidates keep the determinism contract", "[stat]") {
  for (const auto& c : failure_cases()) {
    if (c.name != "plugin failure status" && c.name != "command crash") continue;
    INFO(c.name);
    const std::string yaml = failure_config(c.model, "reject");
    SingleCoreSampler single;
    ThreadsSampler threads(2, Scheduling::dynamic, 3);
    require_identical_runs(run_config_text(yaml, single).generations,
                           run_config_text(yaml, threads).generations);
    // Static scheduling: a slot whose candidate failed (calibration included) retries with the
    // next attempt's stream, and the result is the same at any thread count.
    ThreadsSampler static1(1, Scheduling::static_blocks, 0);
    ThreadsSampler static2(2, Scheduling::static_blocks, 0);
    const auto s1 = run_config_text(yaml, static1).generations;
    REQUIRE(s1.size() == 2);
    CHECK(s1[0].failed + s1[1].failed > 0);
    require_identical_runs(s1, run_config_text(yaml, static2).generations);
  }
}

TEST_CASE("Failures: every class stops the run under 'abort' with the model's message", "[stat]") {
  for (const auto& c : failure_cases()) {
    INFO(c.name);
    ThreadsSampler threads(2, Scheduling::dynamic, 2);
    std::string message;
    try {
      run_config_text(failure_config(c.model, "abort"), threads);
    } catch (const ModelError&) {
      message = "(a ModelError escaped: abort must throw an engine Error)";
    } catch (const Error& e) {
      message = e.what();
    }
    INFO(message);
    CHECK(message.find("on_failure policy is 'abort'") != std::string::npos);
    CHECK(message.find(c.message) != std::string::npos);
    if (c.name == "command non-zero exit") {
      CHECK(message.find("command `bash -c") != std::string::npos);
      CHECK(message.find("broken") != std::string::npos);  // its stderr
    }
  }
}

TEST_CASE("Failures: C++ callables (exception, wrong size, NaN) under both policies", "[stat]") {
  const auto build = [](int kind, FailurePolicy policy) {
    auto model = make_model({{"y", 1}}, [kind](const Vector& theta, Rng& rng) -> Vector {
      Vector y(1);
      y[0] = theta[0] + 0.3 * rng.normal();
      if (theta[0] > 1.0) {
        if (kind == 0) throw std::runtime_error("callable says no");
        if (kind == 1) return Vector::Zero(2);
        if (kind == 2) y[0] = std::nan("");
      }
      return y;
    });
    return ProblemBuilder()
        .model("callable", model, 1.0, policy)
        .parameter("theta", "normal", {{"mean", 0.0}, {"sd", 1.0}})
        .observe("y", 0.5)
        .build();
  };
  const std::string yaml = failure_config("{builtin: gaussian_mean", "reject");
  const char* messages[] = {"callable says no", "produced 2 statistics, but 1 are declared",
                            "statistic 'y' is nan"};
  for (int kind = 0; kind < 3; ++kind) {
    INFO("kind " << kind);
    ThreadsSampler threads(2, Scheduling::dynamic, 4);
    const auto gens = run_problem(build(kind, FailurePolicy::reject), yaml, threads);
    REQUIRE(gens.size() == 2);
    CHECK(gens[0].failed + gens[1].failed > 0);
    std::string message;
    try {
      run_problem(build(kind, FailurePolicy::abort), yaml, threads);
    } catch (const Error& e) {
      message = e.what();
    }
    CHECK(message.find(messages[kind]) != std::string::npos);
  }
}

TEST_CASE("User model configs read back from their resolved YAML", "[stat]") {
  const std::vector<std::string> models{
      "{plugin: '" + std::string(ABCSMC_PLUGIN_GAUSS_C) + "', options: {n: 3}, on_failure: abort}",
      "{command: ['" + std::string(ABCSMC_GAUSS_COMMAND) +
          "', '--x={{lit}}', '{theta}', '{seed}'], statistics: {y: 1}, timeout: 2m, kill_grace: "
          "3}"};
  for (const auto& m : models) {
    INFO(m);
    const io::RunConfig a = io::parse_config(b1_config(m, 10, 1), "<test>");
    const std::string text = io::to_yaml(a);
    const io::RunConfig b = io::parse_config(text, "<resolved>");
    CHECK(io::to_yaml(b) == text);
    REQUIRE(b.models.size() == 1);
    CHECK(b.models[0].on_failure == a.models[0].on_failure);
    CHECK(b.models[0].command == a.models[0].command);
    CHECK(b.models[0].plugin == a.models[0].plugin);
    CHECK(b.models[0].timeout_seconds == a.models[0].timeout_seconds);
  }
}
