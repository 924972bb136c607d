#pragma once
// The subcommands, free of CLI11 (parsing lives in main.cpp only: CLI11 is slow to compile).
#include <cstdint>
#include <optional>
#include <string>

namespace abcsmc::cli {

/// Process exit statuses (DESIGN.md section 4).
enum ExitCode : int { kSuccess = 0, kRunFailure = 1, kUsageError = 2 };

struct RunOptions {
  std::string config;
  std::string output;                 ///< empty = config's output.path
  std::optional<std::uint64_t> seed;  ///< overrides config seed
  bool resume = false;
  bool overwrite = false;
  std::string sampler;                ///< empty = config's
  std::string scheduling;
  std::optional<std::size_t> batch_size;
  std::optional<std::size_t> threads;
};

struct InspectOptions {
  std::string file;
  std::string generation = "last";  ///< T or "last"
  std::string format = "table";     ///< table | csv | json
};

int run_command(const RunOptions& options);
int validate_command(const std::string& config);
int inspect_command(const InspectOptions& options);
int models_command();

/// Sets up logging: level name (trace..off), quiet = warnings and errors only. In an MPI run
/// (rank >= 0) every line carries the rank, and ranks > 0 log warnings and errors only.
void setup_logging(const std::string& level, bool quiet, int rank = -1);

}  // namespace abcsmc::cli
