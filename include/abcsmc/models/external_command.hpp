#pragma once
/// Models that run an external program per simulation (posix_spawn, no shell).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "abcsmc/core/model.hpp"

namespace abcsmc {

/// How to run one external simulator (config `model: {command: [...], statistics: [...]}`).
struct CommandSpec {
  /// argv template. Placeholders: `{name}` (a parameter, written in the shortest form that reads
  /// back to the same double), `{seed}` (64-bit decimal seed drawn from the candidate's stream),
  /// `{output}` (a fresh temporary file: statistics are read from it instead of stdout).
  /// `{{` and `}}` are literal braces. argv[0] is run directly, never through a shell (write
  /// `[bash, -c, "..."]` to ask for one) and holds no placeholder.
  std::vector<std::string> argv;
  /// The statistics the program prints, in order.
  std::vector<StatSpec> statistics;
  double timeout_seconds = 0.0;     ///< per simulation; 0 = no limit
  double kill_grace_seconds = 1.0;  ///< after the timeout's SIGTERM, SIGKILL follows this late
};

/// What one run of a process gave (run_process).
struct ProcessOutcome {
  int exit_status = -1;  ///< exit code when it exited normally, else -1
  int signal = 0;        ///< the signal that ended it, else 0
  bool timed_out = false;
  bool output_too_large = false;  ///< stdout passed the size cap (the rest was discarded)
  std::string out;       ///< stdout (up to the cap)
  std::string err_tail;  ///< the last few KiB of stderr
};

/// Runs argv[0] (a path) with argv in its own process group, stdin from /dev/null, and collects
/// stdout and the tail of stderr. On timeout (> 0 seconds) the group gets SIGTERM, then SIGKILL
/// `kill_grace_seconds` later. Any thread.
///
/// Commands do not outlive this process. While one runs, its process group is listed in a
/// process-wide table (see kill_running_commands). The first call also starts a guard: a copy
/// of this process (named abcsmc-guard in ps/top) that ignores SIGINT, SIGTERM, SIGHUP and the
/// batch systems' warnings, and waits on a pipe only this process writes to. When this process
/// ends in any way (return from main, _Exit, SIGKILL, a crash) the guard sends SIGTERM to every
/// listed group, and SIGKILL 1 s later to those still there, then exits. Grandchildren in the
/// command's group (`sh -c 'sleep 100; ...'`) are ended with it. Not covered: processes a
/// command moves to another group or session (setsid, setpgid, a daemon), a guard killed
/// together with this process (kill -9 of the whole process group, the OOM killer), a command
/// started within microseconds of this process's death (between posix_spawn returning and its
/// group entering the table), and more than 4096 commands running at once in one process. A
/// fork()ed child starts its own table and guard on its first command.
/// @throws ModelError when the process cannot be started.
ProcessOutcome run_process(const std::vector<std::string>& argv, double timeout_seconds,
                           double kill_grace_seconds);

/// Sends `signal` to the process group of every command this process is running now
/// (run_process and ExternalCommandModel, all threads). Async-signal-safe: only atomic loads
/// and kill(2); call it from a signal handler or just before _Exit when stopping at once. The
/// commands then fail (killed by the signal) in the threads that run them.
void kill_running_commands(int signal) noexcept;

/// Reads statistics from a program's text: either whitespace-separated numbers in order, or
/// lines `name value...` (`x 1 2 3` for an array, or `x[0] 1` per element), in any order.
/// @throws ModelError for a wrong count, unknown, repeated or missing names, or a non-number.
void parse_statistics_text(const std::string& text, const std::vector<StatSpec>& statistics,
                           Vector& out);

/// The full path of `program` as posix_spawnp would find it ('/' in the name: the name itself,
/// if it is an executable file), or "" when there is none.
std::string find_executable(const std::string& program);

/// One simulation = one run of a program (config `model: {command: [...]}`). Stateless and safe
/// to call from several threads.
class ExternalCommandModel final : public Model {
 public:
  /// Checks the template against `parameter_names` and finds the executable.
  /// @throws ConfigError for an empty template, an unknown or unclosed placeholder (with "did you
  ///         mean"), a placeholder in argv[0], a missing executable, no or repeated statistics,
  ///         or a negative timeout; the message has no file/line (callers add it).
  ExternalCommandModel(CommandSpec spec, const std::vector<std::string>& parameter_names);

  std::vector<StatSpec> statistics() const override { return spec_.statistics; }
  /// Runs the program with seed = rng().
  /// @throws ModelError when it cannot start, times out, is killed by a signal, exits non-zero,
  ///         or prints something that is not the declared statistics. The message has the command
  ///         line, the exit status and the last lines of its stderr. Its reason() has no
  ///         per-candidate values: `exit status 1 "ODE solver diverged"` (the last non-empty
  ///         stderr line, trimmed, numbers shown as #, the {output} file as "{output}", at most
  ///         80 characters; `exit status 1` without stderr), `killed by signal 11 (Segmentation
  ///         fault)`, `timed out after 5 s`, `printed 19 numbers, 20 statistics expected`,
  ///         `printed a non-number among its numbers`, `cannot create a temporary file for
  ///         {output}: No such file or directory`, `cannot start: Permission denied`, ...
  void simulate(const Vector& theta, Rng& rng, Vector& stats) const override;

  /// The command line for theta and seed, as it would run (placeholders filled; {output} shown
  /// as given). For messages and tests.
  std::vector<std::string> command_line(const Vector& theta, std::uint64_t seed,
                                        const std::string& output_path) const;
  /// True when the template uses {output}.
  bool uses_output_file() const { return uses_output_; }

 private:
  struct Piece {
    enum class Kind { text, parameter, seed, output } kind = Kind::text;
    std::string text;
    std::size_t parameter = 0;
  };
  CommandSpec spec_;
  std::string executable_;
  std::vector<std::vector<Piece>> args_;
  bool uses_output_ = false;
};

/// Shell-quoted command line, for messages.
std::string quote_command(const std::vector<std::string>& argv);

}  // namespace abcsmc
