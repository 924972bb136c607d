#pragma once
/// Models that run an external program per simulation (posix_spawn, no shell).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "abcsmc/core/model.hpp"
#include "abcsmc/models/process.hpp"          // run_process, kill_running_commands, ...
#include "abcsmc/models/statistics_text.hpp"  // parse_statistics_text

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

}  // namespace abcsmc
