// The determinism contract (DESIGN.md section 2): dynamic transports agree with single-core bit
// for bit; static agrees with itself at any thread count.
#include <catch2/catch.hpp>

#include "abcsmc/samplers/single_core.hpp"
#include "abcsmc/samplers/threads.hpp"
#include "support/determinism_configs.hpp"
#include "support/identical.hpp"
#include "support/run_helpers.hpp"

using namespace abcsmc;
using abcsmc::testing::kConfig;
using abcsmc::testing::kModelSelection;
using abcsmc::testing::require_identical_runs;
using abcsmc::testing::run_config_text;

TEST_CASE("Determinism: threads-dynamic equals single-core for any threads and batch size",
          "[core]") {
  for (const char* config : {kConfig, kModelSelection}) {
    SingleCoreSampler single;
    const auto reference = run_config_text(config, single).generations;
    REQUIRE(reference.size() == 4);
    for (std::size_t threads : {1, 2, 4}) {
      for (std::size_t batch : {1, 3, 64}) {
        INFO("threads " << threads << " batch " << batch);
        ThreadsSampler sampler(threads, Scheduling::dynamic, batch);
        require_identical_runs(reference, run_config_text(config, sampler).generations);
      }
    }
  }
}

TEST_CASE("Determinism: threads-static is identical across thread counts", "[core]") {
  for (const char* config : {kConfig, kModelSelection}) {
    ThreadsSampler one(1, Scheduling::static_blocks, 0);
    const auto reference = run_config_text(config, one).generations;
    REQUIRE(reference.size() == 4);
    for (std::size_t threads : {2, 3, 4}) {
      INFO("threads " << threads);
      ThreadsSampler sampler(threads, Scheduling::static_blocks, 0);
      require_identical_runs(reference, run_config_text(config, sampler).generations);
    }
  }
}

TEST_CASE("Determinism: a different seed gives a different population", "[core]") {
  SingleCoreSampler single;
  const auto a = run_config_text(kConfig, single).generations;
  std::string other = kConfig;
  other.replace(other.find("1234"), 4, "1235");
  const auto b = run_config_text(other, single).generations;
  CHECK(a.front().particles.front().theta != b.front().particles.front().theta);
}
