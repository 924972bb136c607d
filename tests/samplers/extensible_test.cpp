// Extensible execution: user maps (static) and futures (dynamic) over batches, here adapted to
// std::async, reproduce the built-in samplers bit for bit.
#include <catch2/catch.hpp>

#include <deque>
#include <future>
#include <string>

#include "abcsmc/core/error.hpp"
#include "abcsmc/samplers/future.hpp"
#include "abcsmc/samplers/mapping.hpp"
#include "abcsmc/samplers/single_core.hpp"
#include "abcsmc/samplers/threads.hpp"
#include "support/identical.hpp"
#include "support/run_helpers.hpp"

using namespace abcsmc;
using abcsmc::testing::require_identical_runs;
using abcsmc::testing::run_config_text;

namespace {

const char* kConfig = R"(
seed: 4321
population_size: 150
parameters:
  a: {type: normal, mean: 0, sd: 1}
  k: {type: discrete_uniform, low: 0, high: 4}
model: {builtin: gaussian_linear, options: {n: 2, sigma: 0.5}}
observed: {x: [0.3, 2.0]}
distance: {type: adaptive_pnorm, p: 2}
stop: {max_generations: 3}
)";

/// The example adapter: batches run as std::async tasks, completed oldest first.
struct AsyncExecutor {
  std::deque<std::future<BatchOutcome>> running;
  std::size_t submitted = 0;

  FutureSampler sampler(std::size_t batch_size, std::size_t in_flight) {
    return FutureSampler(
        [this](const WorkBlock& batch, const BatchFunction& fn) {
          ++submitted;
          running.push_back(std::async(std::launch::async, fn, batch));
        },
        [this] {
          auto f = std::move(running.front());
          running.pop_front();
          return f.get();
        },
        batch_size, in_flight, "async");
  }
};

/// A map over std::async: every batch its own task.
std::vector<BatchOutcome> async_map(const std::vector<WorkBlock>& batches,
                                    const BatchFunction& fn) {
  std::vector<std::future<BatchOutcome>> futures;
  for (const auto& b : batches) futures.push_back(std::async(std::launch::async, fn, b));
  std::vector<BatchOutcome> out;
  for (auto& f : futures) out.push_back(f.get());
  return out;
}

}  // namespace

TEST_CASE("FutureSampler over std::async equals SingleCoreSampler", "[samplers]") {
  SingleCoreSampler single;
  const auto reference = run_config_text(kConfig, single).generations;
  REQUIRE(reference.size() == 3);
  for (std::size_t batch : {1, 7, 64}) {
    for (std::size_t in_flight : {1, 3}) {
      INFO("batch " << batch << " in flight " << in_flight);
      AsyncExecutor executor;
      auto sampler = executor.sampler(batch, in_flight);
      require_identical_runs(reference, run_config_text(kConfig, sampler).generations);
      CHECK(executor.running.empty());
      CHECK(executor.submitted > 0);
    }
  }
}

TEST_CASE("MappingSampler over std::async equals threads-static", "[samplers]") {
  ThreadsSampler threads(2, Scheduling::static_blocks, 0);
  const auto reference = run_config_text(kConfig, threads).generations;
  for (std::size_t batch : {0, 1, 40}) {
    INFO("batch " << batch);
    MappingSampler sampler(async_map, batch, 3);
    CHECK(sampler.scheduling() == Scheduling::static_blocks);
    require_identical_runs(reference, run_config_text(kConfig, sampler).generations);
  }
}

TEST_CASE("Extensible samplers: errors propagate, nothing is left running", "[samplers]") {
  const std::string abort_config = std::string(R"(
seed: 9
population_size: 50
parameters: {theta: {type: normal, mean: 0, sd: 1}}
model: {plugin: ')") + ABCSMC_PLUGIN_FAULTY +
                                   R"(', options: {mode: fail, above: 1.5}, on_failure: abort}
observed: {y: 0.5}
stop: {max_generations: 2}
)";
  AsyncExecutor executor;
  auto sampler = executor.sampler(4, 3);
  CHECK_THROWS_WITH(run_config_text(abort_config, sampler),
                    Catch::Contains("on_failure policy is 'abort'"));
  CHECK(executor.running.empty());  // every submitted batch was completed before the throw

  MappingSampler lossy(
      [](const std::vector<WorkBlock>& batches, const BatchFunction& fn) {
        std::vector<BatchOutcome> out;
        for (std::size_t i = 1; i < batches.size(); ++i) out.push_back(fn(batches[i]));
        return out;
      },
      10);
  CHECK_THROWS_WITH(run_config_text(kConfig, lossy), Catch::Contains("exactly once"));
  CHECK_THROWS_AS(FutureSampler(nullptr, nullptr, 1, 1), ConfigError);
}
