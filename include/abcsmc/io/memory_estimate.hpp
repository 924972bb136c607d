#pragma once
/// How much memory a run needs, estimated from its config before anything is allocated, and how
/// much this machine (or its cgroup) has: a population that cannot fit is refused at once
/// instead of growing for minutes and dying with std::bad_alloc.
#include <cstddef>
#include <cstdint>
#include <string>

#include "abcsmc/io/run_config.hpp"

namespace abcsmc::io {

/// The estimate and what it is made of (for the message).
struct MemoryEstimate {
  std::uint64_t bytes = 0;              ///< total
  std::uint64_t population_bytes = 0;   ///< the generations' particles, all copies
  std::uint64_t calibration_bytes = 0;  ///< the calibration round's evaluations
  std::size_t population = 0;
  std::size_t calibration = 0;  ///< calibration simulations kept (0 when none)
  std::size_t parameters = 0;   ///< the largest model's parameter count
  std::size_t statistics = 0;   ///< observed statistics (flattened)
  bool store_stats = true;
};

/// Estimates the peak memory of the master process of a run of `config`. Per particle: its
/// parameters, its statistics (copied with every population when output.store_stats, else
/// only while sampled) and bookkeeping (index, model, weight, distance, allocation headers),
/// times the copies that live at once (previous and new population, the sampler's results,
/// the generation record, the writer's buffers); plus the calibration round and a fixed base.
/// Deliberately simple: it must catch a population that cannot fit, not predict the peak.
MemoryEstimate estimate_run_memory(const RunConfig& config);

/// Memory available to this process: physical memory, or a smaller cgroup limit (v2
/// memory.max, v1 memory.limit_in_bytes) when one is set.
struct MachineMemory {
  std::uint64_t bytes = 0;  ///< 0 when unknown
  std::string source;       ///< "physical memory" or the cgroup file the limit came from
};
MachineMemory machine_memory();

enum class MemoryVerdict {
  fits,       ///< at most half of the available memory
  tight,      ///< more than half: may be fine, may swap or be killed (a warning)
  too_large,  ///< more than all of it (an error)
};
/// @param available_bytes 0 = unknown (always fits)
MemoryVerdict judge_memory(std::uint64_t needed_bytes, std::uint64_t available_bytes);

/// The largest population whose estimate fits in `available_bytes` with everything else of
/// `config` unchanged (for "lower population_size to at most ...").
std::size_t largest_fitting_population(const RunConfig& config, std::uint64_t available_bytes);

/// "512 B", "3.2 KiB", "1.5 GiB", "931.3 TiB".
std::string format_bytes(std::uint64_t bytes);

}  // namespace abcsmc::io
