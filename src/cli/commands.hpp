#pragma once
// The subcommands, free of CLI11 (parsing lives in main.cpp only: CLI11 is slow to compile).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace abcsmc::cli {

/// Process exit statuses (DESIGN.md section 4).
/// kResumable: the run stopped before its stopping rules were met (SIGUSR1/SIGTERM/SIGINT,
/// stop.max_walltime, the job's deadline); `abcsmc run CONFIG --resume` continues it.
enum ExitCode : int { kSuccess = 0, kRunFailure = 1, kUsageError = 2, kResumable = 3 };

struct RunOptions {
  std::string config;
  std::string output;                 ///< empty = config's output.path
  std::optional<std::uint64_t> seed;  ///< overrides config seed
  bool resume = false;
  std::string deadline;  ///< duration from now; empty = none (Slurm's is automatic)
  std::optional<double> progress_interval;  ///< seconds between heartbeat lines inside a round
  bool overwrite = false;
  std::string sampler;  ///< empty = config's
  std::string scheduling;
  std::optional<std::size_t> batch_size;
  std::optional<std::size_t> threads;
  std::string redis_host;  ///< empty = config's sampler.host
  std::optional<int> redis_port;
  std::string redis_password_env;  ///< empty = config's sampler.password_env
  std::optional<double> lease_seconds;
  std::string reconnect_window;  ///< duration; empty = config's sampler.reconnect_window
  std::string key_file;          ///< empty = config's sampler.key_file
};

/// `abcsmc redis-worker` / `abc-redis-worker` (pyABC's options).
struct RedisWorkerOptions {
  std::string host = "localhost";
  int port = 6379;
  std::string password;  ///< empty: $ABCSMC_REDIS_PASSWORD, if set
  std::string runtime = "2h";
  std::size_t processes = 1;
  std::size_t batch_size = 0;
  std::string reconnect_window = "forever";  ///< a duration, or forever
  bool allow_commands = false;
  bool allow_plugins = false;
  std::vector<std::string> allow_plugin_dirs;
  std::string key_file;  ///< empty: serve unsigned runs only
};

/// `abcsmc redis-manager` / `abc-redis-manager`.
struct RedisManagerOptions {
  std::string action;
  std::string file;  ///< keygen: the key file to create
  std::string host = "localhost";
  int port = 6379;
  std::string password;
};

struct InspectOptions {
  std::string file;
  std::string generation = "last";  ///< T, "last" or "all"
  std::string format = "table";     ///< table | csv | json
};

/// `abcsmc report`: the HTML report, written by the Python package (python/abcsmc).
struct ReportOptions {
  std::string file;
  std::string output;  ///< empty: FILE with .html
  bool watch = false;
  double interval = 10;  ///< --watch: seconds between looks at the file
};

int run_command(const RunOptions& options);
int validate_command(const std::string& config);
int inspect_command(const InspectOptions& options);
/// `abcsmc pack FILE`: a finished run's generation files copied into FILE, the folder removed.
int pack_command(const std::string& file);
int models_command();
int report_command(const ReportOptions& options);
int redis_worker_command(const RedisWorkerOptions& options);
int redis_manager_command(const RedisManagerOptions& options);

/// Sets up logging: level name (trace..off), quiet = warnings and errors only. In an MPI run
/// (rank >= 0) every line carries the rank, and ranks > 0 log warnings and errors only.
void setup_logging(const std::string& level, bool quiet, int rank = -1);

}  // namespace abcsmc::cli
