#include "abcsmc/io/memory_estimate.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <limits>
#include <string>

#include "abcsmc/core/epsilon.hpp"

namespace abcsmc::io {

namespace {

// Calibrated against the peak RSS of single-process runs (gaussian_linear, 2 parameters and 2
// statistics: about 0.9 KiB per particle, calibration included, over a 20 MiB base); rounded up.
constexpr std::uint64_t kParticleBookkeepingBytes = 160;  ///< structs + 2 allocation headers
constexpr std::uint64_t kPopulationCopies = 4;            ///< populations alive at once
constexpr std::uint64_t kBaseBytes = 32ull << 20;         ///< program, libraries, HDF5 caches
constexpr std::uint64_t kUnlimited = std::numeric_limits<std::uint64_t>::max();

/// a * b + c, saturating at kUnlimited (a population of 1e19 must not wrap around to "fits").
std::uint64_t mul_add(std::uint64_t a, std::uint64_t b, std::uint64_t c) {
  if (a != 0 && b > (kUnlimited - c) / a) return kUnlimited;
  return a * b + c;
}

std::uint64_t add(std::uint64_t a, std::uint64_t b) {
  return a > kUnlimited - b ? kUnlimited : a + b;
}

std::size_t calibration_count(const RunConfig& config) {
  // As run_smc: prior simulations before generation 0 when epsilon or the distance needs them.
  const bool needed = needs_calibration(config.epsilon) ||
                      config.distance.type == DistanceSpec::Type::adaptive_pnorm;
  if (!needed) return 0;
  return config.epsilon.calibration_size > 0 ? config.epsilon.calibration_size
                                             : config.population_size;
}

/// One particle across all the copies of a population that live at once.
std::uint64_t bytes_per_particle(std::size_t parameters, std::size_t statistics, bool store_stats) {
  const std::uint64_t theta = 8ull * parameters;
  const std::uint64_t stats = 8ull * statistics;
  // Without store_stats the statistics exist only in the sampler's results.
  return kPopulationCopies * (kParticleBookkeepingBytes + theta) +
         (store_stats ? kPopulationCopies : 1) * stats;
}

/// One calibration evaluation: its result (parameters, statistics) and its distance.
std::uint64_t bytes_per_calibration(std::size_t parameters, std::size_t statistics) {
  return kParticleBookkeepingBytes + 8ull * (parameters + statistics) + 8;
}

/// The number in a cgroup limit file, or kUnlimited ("max", absent, unreadable).
std::uint64_t read_limit(const std::string& path) {
  std::ifstream in(path);
  std::string text;
  if (!(in >> text) || text == "max") return kUnlimited;
  try {
    std::size_t used = 0;
    const unsigned long long value = std::stoull(text, &used);
    return used == text.size() && value > 0 ? value : kUnlimited;
  } catch (const std::exception&) {
    return kUnlimited;
  }
}

}  // namespace

MemoryEstimate estimate_run_memory(const RunConfig& config) {
  MemoryEstimate e;
  // An adaptive population may grow to its max.
  const AdaptivePopulationSpec& a = config.adaptive_population;
  e.population = !a.enabled  ? config.population_size
                 : a.max > 0 ? a.max
                             : 10 * config.population_size;
  e.calibration = calibration_count(config);
  e.store_stats = config.output.store_stats;
  for (const auto& m : config.models) e.parameters = std::max(e.parameters, m.parameters.size());
  for (const auto& o : config.observed) e.statistics += o.values.size();
  e.population_bytes =
      mul_add(e.population, bytes_per_particle(e.parameters, e.statistics, e.store_stats), 0);
  e.calibration_bytes =
      mul_add(e.calibration, bytes_per_calibration(e.parameters, e.statistics), 0);
  e.bytes = add(add(e.population_bytes, e.calibration_bytes), kBaseBytes);
  return e;
}

MachineMemory machine_memory() {
  MachineMemory m;
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page_size = ::sysconf(_SC_PAGE_SIZE);
  if (pages > 0 && page_size > 0) {
    m.bytes = mul_add(static_cast<std::uint64_t>(pages), static_cast<std::uint64_t>(page_size), 0);
    m.source = "physical memory";
  }
  for (const char* file : {"/sys/fs/cgroup/memory.max",                       // cgroup v2
                           "/sys/fs/cgroup/memory/memory.limit_in_bytes"}) {  // cgroup v1
    const std::uint64_t limit = read_limit(file);
    if (limit != kUnlimited && (m.bytes == 0 || limit < m.bytes)) {
      m.bytes = limit;
      m.source = std::string("the cgroup limit in ") + file;
    }
  }
  return m;
}

MemoryVerdict judge_memory(std::uint64_t needed_bytes, std::uint64_t available_bytes) {
  if (available_bytes == 0) return MemoryVerdict::fits;
  if (needed_bytes > available_bytes) return MemoryVerdict::too_large;
  if (needed_bytes > available_bytes / 2) return MemoryVerdict::tight;
  return MemoryVerdict::fits;
}

std::size_t largest_fitting_population(const RunConfig& config, std::uint64_t available_bytes) {
  // The estimate grows with the population: bisect on it.
  RunConfig probe = config;
  probe.adaptive_population.enabled = false;  // bisect on the largest size the run reaches
  const auto fits = [&](std::size_t n) {
    probe.population_size = n;
    return estimate_run_memory(probe).bytes <= available_bytes;
  };
  std::size_t low = 0;                                        // fits (or nothing does)
  std::size_t high = estimate_run_memory(config).population;  // assumed not to fit
  if (fits(high)) return high;
  while (high - low > 1) {
    const std::size_t mid = low + (high - low) / 2;
    (fits(mid) ? low : high) = mid;
  }
  return low;
}

std::string format_bytes(std::uint64_t bytes) {
  static const char* const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (value >= 1024.0 && unit + 1 < sizeof units / sizeof units[0]) {
    value /= 1024.0;
    ++unit;
  }
  char buffer[32];
  if (unit == 0) {
    std::snprintf(buffer, sizeof buffer, "%llu B", static_cast<unsigned long long>(bytes));
  } else {
    std::snprintf(buffer, sizeof buffer, "%.1f %s", value, units[unit]);
  }
  return buffer;
}

}  // namespace abcsmc::io
