// Resume in the engine (no files): a run continued from any of its generations, with any
// sampler, produces the generations an uninterrupted run produces, bit for bit; early stops
// (stop flag, deadline, max_walltime) are marked resumable, the config's stopping rules are not.
#include <catch2/catch.hpp>

#include <chrono>
#include <limits>

#include "abcsmc/samplers/single_core.hpp"
#include "abcsmc/samplers/threads.hpp"
#include "support/determinism_configs.hpp"
#include "support/identical.hpp"
#include "support/run_helpers.hpp"

using namespace abcsmc;
using abcsmc::testing::CollectingObserver;
using abcsmc::testing::kConfig;
using abcsmc::testing::kModelSelection;
using abcsmc::testing::require_identical_runs;

namespace {

struct Run {
  std::shared_ptr<Problem> problem;
  SmcSettings settings;
};

Run prepare(const std::string& yaml, std::uint32_t max_generations) {
  const io::RunConfig config = io::parse_config(yaml, "<test>");
  Run r;
  r.problem = io::build_problem(config);
  r.settings = io::build_settings(config, *r.problem, config.seed.value_or(1));
  r.settings.stop.max_generations = max_generations;
  return r;
}

}  // namespace

TEST_CASE("Resume: continuing after any generation equals the uninterrupted run", "[core]") {
  for (const char* yaml : {kConfig, kModelSelection}) {
    Run full = prepare(yaml, 5);
    SingleCoreSampler single;
    std::vector<GenerationRecord> expected;
    CollectingObserver expected_obs(expected);
    const SmcResult reference =
        run_smc(full.problem, full.settings, single, &expected_obs, SmcControl{});
    REQUIRE(expected.size() == 5);
    for (std::uint32_t stop_after : {1u, 2u, 4u}) {
      INFO("interrupted after " << stop_after << " generation(s)");
      Run first = prepare(yaml, stop_after);
      std::vector<GenerationRecord> got;
      CollectingObserver obs(got);
      run_smc(first.problem, first.settings, single, &obs, SmcControl{});
      REQUIRE(got.size() == stop_after);
      // The continuation: another sampler, the stop rule extended, the same everything else.
      ThreadsSampler threads(2, Scheduling::dynamic, 3);
      SmcControl control;
      const GenerationRecord last = got.back();
      control.resume_from = &last;
      const SmcResult resumed = run_smc(full.problem, full.settings, threads, &obs, control);
      require_identical_runs(expected, got);
      CHECK(resumed.generations == 5);
      CHECK(resumed.total_simulations == reference.total_simulations);
      CHECK(got.back().total_simulations == reference.total_simulations);
      CHECK_FALSE(resumed.stopped_early);
    }
  }
}

TEST_CASE("Resume: a run whose stopping rule is already met produces nothing", "[core]") {
  Run r = prepare(kConfig, 3);
  SingleCoreSampler single;
  std::vector<GenerationRecord> got;
  CollectingObserver obs(got);
  run_smc(r.problem, r.settings, single, &obs, SmcControl{});
  REQUIRE(got.size() == 3);
  const double none = std::numeric_limits<double>::quiet_NaN();
  CHECK(stop_rule_met(r.settings.stop, got.back(), got[1].epsilon) == "max_generations reached");
  CHECK(stop_rule_met(r.settings.stop, got[1], got[0].epsilon).empty());
  CHECK(stop_rule_met(r.settings.stop, got[0], none).empty());
  SmcControl control;
  const GenerationRecord last = got.back();
  control.resume_from = &last;
  const SmcResult again = run_smc(r.problem, r.settings, single, &obs, control);
  CHECK(got.size() == 3);
  CHECK(again.generations == 3);
  CHECK(again.stop_reason == "max_generations reached");
  CHECK_FALSE(again.stopped_early);
}

TEST_CASE("Early stops are resumable: stop flag and deadline and max_walltime", "[core]") {
  SingleCoreSampler single;
  SECTION("stop flag: the round in progress is dropped (here the calibration)") {
    Run r = prepare(kConfig, 10);
    std::atomic<bool> flag{true};
    SmcControl control;
    control.stop_flag = &flag;
    const SmcResult out = run_smc(r.problem, r.settings, single, nullptr, control);
    CHECK(out.generations == 0);
    CHECK(out.stop_reason == "stop requested");
    CHECK(out.interrupted == "calibration");
    CHECK(out.stopped_early);
  }
  SECTION("deadline: passed, it stops the round in progress") {
    Run r = prepare(kConfig, 10);
    SmcControl control;
    control.deadline = std::chrono::system_clock::now();  // already over
    const SmcResult out = run_smc(r.problem, r.settings, single, nullptr, control);
    CHECK(out.generations == 0);
    CHECK(out.stop_reason == "deadline reached");
    CHECK(out.stopped_early);
  }
  SECTION("deadline: no generation is started that would end after it") {
    // Generation 0 takes its time; the deadline leaves less than 1.5 x that for generation 1.
    Run r = prepare(kConfig, 10);
    struct Slow final : SmcObserver {
      SmcControl* control = nullptr;
      void on_generation(const GenerationRecord& g) override {
        control->deadline = std::chrono::system_clock::now() +
                            std::chrono::duration_cast<std::chrono::system_clock::duration>(
                                std::chrono::duration<double>(g.wall_seconds * 0.5));
      }
    } slow;
    SmcControl control;
    slow.control = &control;
    const SmcResult out = run_smc(r.problem, r.settings, single, &slow, control);
    CHECK(out.generations == 1);
    CHECK(out.stop_reason.rfind("deadline: ", 0) == 0);
    CHECK(out.interrupted.empty());
    CHECK(out.stopped_early);
  }
  SECTION("deadline far away: the run ends by its own rule") {
    Run r = prepare(kConfig, 3);
    SmcControl control;
    control.deadline = std::chrono::system_clock::now() + std::chrono::hours(1);
    const SmcResult out = run_smc(r.problem, r.settings, single, nullptr, control);
    CHECK(out.generations == 3);
    CHECK_FALSE(out.stopped_early);
  }
  SECTION("max_walltime") {
    Run r = prepare(kConfig, 10);
    r.settings.stop.max_walltime_seconds = 1e-9;
    const SmcResult out = run_smc(r.problem, r.settings, single, nullptr, SmcControl{});
    CHECK(out.stop_reason == "max_walltime reached");
    CHECK(out.stopped_early);
  }
  SECTION("a config rule met at the same time wins: not resumable") {
    // The flag goes up as generation 0, the last one max_generations allows, is recorded.
    Run r = prepare(kConfig, 1);
    std::atomic<bool> flag{false};
    struct Raise final : SmcObserver {
      std::atomic<bool>* flag = nullptr;
      void on_generation(const GenerationRecord&) override { *flag = true; }
    } raise;
    raise.flag = &flag;
    SmcControl control;
    control.stop_flag = &flag;
    const SmcResult out = run_smc(r.problem, r.settings, single, &raise, control);
    CHECK(out.generations == 1);
    CHECK(out.stop_reason == "max_generations reached");
    CHECK_FALSE(out.stopped_early);
  }
}
