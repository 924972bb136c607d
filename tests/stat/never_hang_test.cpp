// Issue "never a silent hang": every rule that can be decided inside a round is, under every
// in-process sampler; failures are explained (by reason, first message); the heartbeat runs.
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "abcsmc/core/error.hpp"
#include "abcsmc/core/problem_builder.hpp"
#include "abcsmc/core/smc.hpp"
#include "abcsmc/models/function_model.hpp"
#include "abcsmc/samplers/single_core.hpp"
#include "abcsmc/samplers/threads.hpp"
#include "support/identical.hpp"

using namespace abcsmc;
using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

/// B1's model; fails (with a reason) where `fails(theta)` says so.
template <typename Fails>
std::shared_ptr<Problem> problem_with(Fails fails, double sleep_seconds = 0.0) {
  auto model =
      make_model({{"y", 1}}, [fails, sleep_seconds](const Vector& theta, Rng& rng, Vector& y) {
        if (sleep_seconds > 0)
          std::this_thread::sleep_for(std::chrono::duration<double>(sleep_seconds));
        double sum = 0;
        for (int i = 0; i < 10; ++i) sum += theta[0] + rng.normal();
        y[0] = sum / 10;
        if (const char* reason = fails(theta[0])) {
          throw ModelError(std::string(reason) + " at theta = " + std::to_string(theta[0]), reason);
        }
      });
  return ProblemBuilder()
      .model("b1", model)
      .parameter("theta", "normal", {{"mean", 0.0}, {"sd", 1.0}})
      .observe("y", 0.5)
      .build();
}

std::shared_ptr<Problem> always_failing() {
  return problem_with([](double) { return "ODE solver diverged"; });
}

struct Samplers {
  SingleCoreSampler single;
  ThreadsSampler threads{3, Scheduling::dynamic, 4};
  ThreadsSampler threads_static{3, Scheduling::static_blocks, 0};
  std::vector<std::pair<const char*, Sampler*>> all() {
    return {{"single", &single}, {"threads", &threads}, {"threads-static", &threads_static}};
  }
};

/// Records what the observer sees.
struct Watcher final : SmcObserver {
  std::vector<GenerationRecord> generations;
  CalibrationInfo calibration;
  std::atomic<int> progress_calls{0};
  std::atomic<int> first_failures{0};
  std::string first_message;
  std::atomic<bool>* stop_after_t1 = nullptr;
  void on_calibration(const CalibrationInfo& info) override { calibration = info; }
  void on_generation(const GenerationRecord& g) override {
    generations.push_back(g);
    if (stop_after_t1 != nullptr && g.t == 1) *stop_after_t1 = true;
  }
  void on_progress(const RoundProgress& p) override {
    if (p.n_accept > 0) ++progress_calls;
  }
  void on_first_failure(const RoundProgress&, const std::string& message) override {
    ++first_failures;
    first_message = message;
  }
};

}  // namespace

TEST_CASE("Fail fast: a model that always fails ends the run with its messages", "[core]") {
  Samplers samplers;
  for (auto [name, sampler] : samplers.all()) {
    for (bool calibrated : {true, false}) {
      INFO(name << (calibrated ? " (calibration)" : " (generation 0, constant epsilon)"));
      auto problem = always_failing();
      SmcSettings settings = default_settings(*problem, 3);
      settings.population_size = 100;
      settings.stop.fail_fast = 50;
      if (!calibrated) {
        settings.epsilon.type = EpsilonSpec::Type::constant;
        settings.epsilon.value = 1.0;
      }
      Watcher watcher;
      const auto start = Clock::now();
      try {
        run_smc(problem, settings, *sampler, &watcher);
        FAIL("no error");
      } catch (const Error& e) {
        const std::string what = e.what();
        INFO(what);
        CHECK(what.find("the first 50 candidates of " +
                        std::string(calibrated ? "calibration" : "generation 0") + " all failed") !=
              std::string::npos);
        CHECK(what.find("ODE solver diverged at theta") != std::string::npos);  // full messages
        CHECK(what.find("stop.fail_fast") != std::string::npos);
      }
      CHECK(seconds_since(start) < 10.0);
      CHECK(watcher.first_failures == 1);
      CHECK(watcher.first_message.find("ODE solver diverged") != std::string::npos);
    }
  }
}

TEST_CASE("Fail fast: one success among the first K keeps the run going", "[core]") {
  // Fails except in a narrow band: about 3% succeed, so the first 200 are not all failures.
  auto problem =
      problem_with([](double th) { return th > 0.4 && th < 0.5 ? nullptr : "out of band"; });
  SmcSettings settings = default_settings(*problem, 5);
  settings.population_size = 30;
  settings.stop.fail_fast = 200;
  settings.stop.max_generations = 2;
  Samplers samplers;
  for (auto [name, sampler] : samplers.all()) {
    INFO(name);
    Watcher watcher;
    const SmcResult r = run_smc(problem, settings, *sampler, &watcher);
    CHECK(r.generations == 2);
    REQUIRE(watcher.generations.size() == 2);
    for (const auto& g : watcher.generations) {
      CHECK(g.failed > 0);
      REQUIRE(g.failures.by_reason.size() == 1);
      CHECK(g.failures.by_reason[0].first == "out of band");
      CHECK(g.failures.by_reason[0].second == g.failed);
      CHECK(g.failures.first_message.find("out of band at theta = ") == 0);
    }
    CHECK(watcher.calibration.failed > 0);
    CHECK(watcher.calibration.failures.total() == watcher.calibration.failed);
  }
}

TEST_CASE("Failure tallies are deterministic across dynamic samplers", "[core]") {
  auto problem = problem_with([](double th) -> const char* {
    if (th < -0.5) return "negative theta";
    if (th > 1.5) return "too large";
    return nullptr;
  });
  SmcSettings settings = default_settings(*problem, 11);
  settings.population_size = 200;
  settings.stop.max_generations = 3;
  SingleCoreSampler single;
  ThreadsSampler threads(4, Scheduling::dynamic, 3);
  Watcher a, b;
  run_smc(problem, settings, single, &a);
  run_smc(problem, settings, threads, &b);
  abcsmc::testing::require_identical_runs(a.generations, b.generations);
  REQUIRE(a.generations.size() == 3);
  for (std::size_t t = 0; t < 3; ++t) {
    const auto& x = a.generations[t].failures;
    const auto& y = b.generations[t].failures;
    CHECK(x.by_reason == y.by_reason);
    CHECK(x.first_message == y.first_message);
    CHECK(x.first_index == y.first_index);
    CHECK(x.total() == a.generations[t].failed);
    // Most frequent first.
    for (std::size_t i = 1; i < x.by_reason.size(); ++i)
      CHECK(x.by_reason[i - 1].second >= x.by_reason[i].second);
  }
  CHECK(a.calibration.failures.by_reason == b.calibration.failures.by_reason);
}

TEST_CASE("max_simulations counts calibration", "[core]") {
  auto problem = problem_with([](double) { return nullptr; });
  SmcSettings settings = default_settings(*problem, 2);
  settings.population_size = 100;
  settings.epsilon.calibration_size = 1000;
  settings.stop.max_simulations = 100;
  Samplers samplers;
  for (auto [name, sampler] : samplers.all()) {
    INFO(name);
    const SmcResult r = run_smc(problem, settings, *sampler, nullptr);
    CHECK(r.generations == 0);
    CHECK_FALSE(r.stopped_early);
    CHECK(r.stop_reason.rfind("max_simulations reached during calibration", 0) == 0);
    CHECK(r.total_simulations <= 100);
  }
}

TEST_CASE("min_acceptance_rate is decided inside the generation", "[core]") {
  // Epsilon far below reach: nothing is ever accepted in generation 1.
  auto problem = problem_with([](double) { return nullptr; });
  SmcSettings settings = default_settings(*problem, 4);
  settings.population_size = 50;
  settings.epsilon.type = EpsilonSpec::Type::list;
  settings.epsilon.values = {10.0, 1e-12};
  settings.stop.min_acceptance_rate = 0.01;
  settings.stop.max_generations = 5;
  settings.stop.fail_fast = 0;
  Samplers samplers;
  for (auto [name, sampler] : samplers.all()) {
    INFO(name);
    Watcher watcher;
    const auto start = Clock::now();
    const SmcResult r = run_smc(problem, settings, *sampler, &watcher);
    CHECK(seconds_since(start) < 10.0);
    CHECK(r.generations == 1);
    CHECK_FALSE(r.stopped_early);
    CHECK(r.stop_reason.rfind("acceptance rate below min_acceptance_rate during generation 1", 0) ==
          0);
    // The budget: 50 / 0.01 = 5000 simulations at most in generation 1 (static: 100 per slot).
    CHECK(r.total_simulations - watcher.generations[0].total_simulations <= 5000);
  }
}

TEST_CASE("A stop request, max_walltime and the deadline end a generation in progress", "[core]") {
  auto problem = problem_with([](double) { return nullptr; }, 0.0005);
  SmcSettings settings = default_settings(*problem, 6);
  settings.population_size = 50;
  settings.epsilon.type = EpsilonSpec::Type::constant;
  settings.epsilon.value = 1e-12;  // never accepted: the generation would run forever
  settings.stop.fail_fast = 0;
  Samplers samplers;
  for (auto [name, sampler] : samplers.all()) {
    INFO(name);
    {
      std::atomic<bool> flag{false};
      std::thread setter([&flag] {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        flag = true;
      });
      SmcControl control;
      control.stop_flag = &flag;
      const auto start = Clock::now();
      const SmcResult r = run_smc(problem, settings, *sampler, nullptr, control);
      setter.join();
      CHECK(seconds_since(start) < 5.0);
      CHECK(r.stopped_early);
      CHECK(r.generations == 0);
      CHECK(r.stop_reason == "stop requested");
      CHECK(r.interrupted == "generation 0");
    }
    {
      SmcSettings timed = settings;
      timed.stop.max_walltime_seconds = 0.2;
      const auto start = Clock::now();
      const SmcResult r = run_smc(problem, timed, *sampler, nullptr, SmcControl{});
      CHECK(seconds_since(start) < 5.0);
      CHECK(r.stopped_early);
      CHECK(r.stop_reason == "max_walltime reached");
      CHECK(r.interrupted == "generation 0");
    }
    {
      SmcControl control;
      control.deadline = std::chrono::system_clock::now() + std::chrono::milliseconds(200);
      const auto start = Clock::now();
      const SmcResult r = run_smc(problem, settings, *sampler, nullptr, control);
      CHECK(seconds_since(start) < 5.0);
      CHECK(r.stopped_early);
      CHECK(r.stop_reason == "deadline reached");
      CHECK(r.interrupted == "generation 0");
    }
  }
}

TEST_CASE("A stop mid-generation resumes bit-identical", "[core]") {
  auto problem = problem_with([](double th) { return th > 2.0 ? "too large" : nullptr; }, 0.0001);
  SmcSettings settings = default_settings(*problem, 8);
  settings.population_size = 100;
  settings.stop.max_generations = 4;
  ThreadsSampler threads(3, Scheduling::dynamic, 2);
  Watcher full;
  run_smc(problem, settings, threads, &full);
  REQUIRE(full.generations.size() == 4);

  // The flag goes up when generation 1 is recorded: generation 2 is cancelled at once.
  std::atomic<bool> flag{false};
  Watcher first;
  first.stop_after_t1 = &flag;
  SmcControl control;
  control.stop_flag = &flag;
  const SmcResult stopped = run_smc(problem, settings, threads, &first, control);
  CHECK(stopped.stopped_early);
  REQUIRE(first.generations.size() == 2);

  SingleCoreSampler single;
  Watcher rest;
  SmcControl resume;
  resume.resume_from = &first.generations.back();
  const SmcResult r = run_smc(problem, settings, single, &rest, resume);
  CHECK(r.generations == 4);
  std::vector<GenerationRecord> joined = first.generations;
  joined.insert(joined.end(), rest.generations.begin(), rest.generations.end());
  abcsmc::testing::require_identical_runs(full.generations, joined);
}

TEST_CASE("The heartbeat reports inside a round", "[core]") {
  auto problem = problem_with([](double) { return nullptr; }, 0.001);
  SmcSettings settings = default_settings(*problem, 9);
  settings.population_size = 40;
  settings.stop.max_generations = 1;
  SmcControl control;
  control.progress_interval = 0.05;
  ThreadsSampler threads(2, Scheduling::dynamic, 1);
  Watcher watcher;
  run_smc(problem, settings, threads, &watcher, control);
  CHECK(watcher.progress_calls >= 1);
  CHECK(watcher.first_failures == 0);
}
