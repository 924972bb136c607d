// The up-front memory estimate: it grows with what a run keeps (population, parameters,
// stored statistics, calibration), never wraps around, and a config whose estimate exceeds
// the machine's memory is refused by the parser with the estimate (exit 2 in the CLI).
#include <catch2/catch.hpp>

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>

#include "abcsmc/io/memory_estimate.hpp"
#include "abcsmc/io/run_config.hpp"
#include "support/config_errors.hpp"

namespace {

using namespace abcsmc::io;

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

std::string config(const std::string& population, const std::string& extra = "") {
  return "seed: 3\n"  // 1
         "population_size: " +
         population +
         "\n"                                     // 2
         "parameters:\n"                          // 3
         "  a: {type: normal, mean: 0, sd: 1}\n"  // 4
         "  b: {type: normal, mean: 0, sd: 1}\n"  // 5
         "model: {builtin: gaussian_linear}\n"    // 6
         "observed: {x: [0.1, 0.2]}\n"            // 7
         "stop: {max_generations: 3}\n"           // 8
         + extra;                                 // 9...
}

RunConfig parsed(const std::string& population, const std::string& extra = "") {
  return parse_config(config(population, extra), "run.yaml");
}

}  // namespace

TEST_CASE("Memory estimate: grows with what the run keeps", "[io][config]") {
  const MemoryEstimate small = estimate_run_memory(parsed("1000"));
  CHECK(small.population == 1000);
  CHECK(small.parameters == 2);
  CHECK(small.statistics == 2);
  CHECK(small.calibration == 1000);  // quantile epsilon without 'initial': calibration = population
  CHECK(small.bytes == small.population_bytes + small.calibration_bytes + (32u << 20));

  const MemoryEstimate ten_times = estimate_run_memory(parsed("10000"));
  CHECK(ten_times.population_bytes == 10 * small.population_bytes);
  CHECK(ten_times.calibration_bytes == 10 * small.calibration_bytes);

  RunConfig unstored = parsed("1000");
  unstored.output.store_stats = false;
  CHECK(estimate_run_memory(unstored).population_bytes < small.population_bytes);

  const MemoryEstimate no_calibration =
      estimate_run_memory(parsed("1000", "epsilon: {type: constant, value: 0.5}\n"));
  CHECK(no_calibration.calibration == 0);
  CHECK(no_calibration.calibration_bytes == 0);
  const MemoryEstimate big_calibration =
      estimate_run_memory(parsed("1000", "epsilon: {type: quantile, calibration_size: 5000}\n"));
  CHECK(big_calibration.calibration == 5000);
  CHECK(big_calibration.calibration_bytes == 5 * small.calibration_bytes);
}

TEST_CASE("Memory estimate: a population near 2^64 saturates instead of wrapping", "[io][config]") {
  RunConfig huge = parsed("1000");
  huge.population_size = std::numeric_limits<std::size_t>::max();
  CHECK(estimate_run_memory(huge).bytes == std::numeric_limits<std::uint64_t>::max());
  CHECK(judge_memory(estimate_run_memory(huge).bytes, std::uint64_t{1} << 40) ==
        MemoryVerdict::too_large);
}

TEST_CASE("Memory estimate: verdicts and the largest population that fits", "[io][config]") {
  CHECK(judge_memory(100, 0) == MemoryVerdict::fits);  // unknown machine memory
  CHECK(judge_memory(50, 100) == MemoryVerdict::fits);
  CHECK(judge_memory(51, 100) == MemoryVerdict::tight);
  CHECK(judge_memory(100, 100) == MemoryVerdict::tight);
  CHECK(judge_memory(101, 100) == MemoryVerdict::too_large);

  RunConfig c = parsed("1000");
  c.population_size = 100000000;  // too large to parse on most machines
  const std::uint64_t available = std::uint64_t{8} << 30;
  const std::size_t n = largest_fitting_population(c, available);
  REQUIRE(n > 0);
  REQUIRE(n < c.population_size);
  RunConfig probe = c;
  probe.population_size = n;
  CHECK(estimate_run_memory(probe).bytes <= available);
  probe.population_size = n + 1;
  CHECK(estimate_run_memory(probe).bytes > available);
}

TEST_CASE("Memory estimate: the machine's memory is known", "[io][config]") {
  const MachineMemory m = machine_memory();
  CHECK(m.bytes > (std::uint64_t{16} << 20));
  CHECK_FALSE(m.source.empty());
}

TEST_CASE("Memory estimate: format_bytes", "[io][config]") {
  CHECK(format_bytes(0) == "0 B");
  CHECK(format_bytes(1023) == "1023 B");
  CHECK(format_bytes(1536) == "1.5 KiB");
  CHECK(format_bytes(std::uint64_t{3} << 30) == "3.0 GiB");
}

TEST_CASE("Memory estimate: a population that cannot fit is refused at once with the estimate",
          "[io][config]") {
  const auto start = std::chrono::steady_clock::now();
  const auto m = abcsmc::testing::config_errors(config("1e9"));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(1));
  REQUIRE(m.size() == 1);
  CHECK(contains(m[0], "run.yaml:2: the run needs about "));
  CHECK(contains(m[0], " of memory: population_size 1000000000 x "));
  CHECK(contains(m[0], " per particle (2 parameters and 2 statistics stored"));
  CHECK(contains(m[0], " for 1000000000 calibration simulations, but this machine has "));
  CHECK(contains(m[0], "Lower population_size (about "));

  // A large calibration alone is reported at its own key.
  const auto c = abcsmc::testing::config_errors(
      config("1000", "epsilon:\n  type: quantile\n  calibration_size: 1e10\n"));
  REQUIRE(c.size() == 1);
  CHECK(contains(c[0], "run.yaml:11: the run needs about "));
  CHECK(contains(c[0], " for 10000000000 calibration simulations, but this machine has "));
  CHECK(contains(c[0], "Lower epsilon.calibration_size"));
}
