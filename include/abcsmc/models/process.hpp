#pragma once
/// Running an external program: run_process (posix_spawn, no shell, a timeout, stdout and the
/// tail of stderr collected), kill_running_commands, PATH lookup and shell quoting.
#include <sys/types.h>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace abcsmc {

/// Stdout beyond this many bytes is discarded (ProcessOutcome::output_too_large): statistics are
/// numbers, so 64 MiB is plenty.
inline constexpr std::size_t kProcessStdoutCap = 64u << 20;

/// What one run of a process gave (run_process).
struct ProcessOutcome {
  int exit_status = -1;  ///< exit code when it exited normally, else -1
  int signal = 0;        ///< the signal that ended it, else 0
  bool timed_out = false;
  bool output_too_large = false;  ///< stdout passed the size cap (the rest was discarded)
  std::string out;                ///< stdout (up to the cap)
  std::string err_tail;           ///< the last few KiB of stderr
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
/// started within microseconds of this process's sudden death (between posix_spawn and its
/// group entering the table; end_running_commands closes that gap for a process that stops on
/// purpose), and more than 4096 commands running at once in one process. A
/// fork()ed child starts its own table and guard on its first command.
/// @throws ModelError when the process cannot be started.
ProcessOutcome run_process(const std::vector<std::string>& argv, double timeout_seconds,
                           double kill_grace_seconds);

/// A program that keeps running between requests (persistent models): started like run_process's
/// commands (posix_spawn of argv[0], a path; its own process group; listed in the same table, so
/// the guard ends it when this process ends in any way, SIGKILL included), with pipes to its
/// stdin, stdout and stderr that the caller reads and writes. The caller's ends are
/// non-blocking and close-on-exec. Use from one thread at a time.
class ChildProcess {
 public:
  /// @throws ModelError when it cannot be started (or this process is stopping).
  explicit ChildProcess(const std::vector<std::string>& argv);
  /// stop(0.2): a child still running gets SIGTERM, then SIGKILL.
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const;
  int stdin_fd() const;   ///< write end of its stdin; -1 after close_stdin or stop
  int stdout_fd() const;  ///< read end of its stdout
  int stderr_fd() const;  ///< read end of its stderr
  /// Closes its stdin (a child that reads requests sees end-of-file and should exit).
  void close_stdin() noexcept;
  /// True once it has exited (then reaped: exit_status() or signal() say how). Never blocks.
  bool exited() noexcept;
  int exit_status() const;  ///< exit code when it exited normally, else -1
  int signal() const;       ///< the signal that ended it, else 0
  /// Ends it: closes its stdin and waits `grace_seconds` for it to exit, then sends its group
  /// SIGTERM, waits `grace_seconds` more, then SIGKILL, and reaps it. What is left of its group
  /// when it has exited gets SIGKILL (grandchildren it started in its group). Idempotent.
  void stop(double grace_seconds) noexcept;
  /// Ends one that is not expected to exit by itself (it passed a timeout): SIGTERM to its
  /// group at once, SIGKILL `grace_seconds` later, then reaped.
  void terminate(double grace_seconds) noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Sends `signal` to the process group of every command this process is running now
/// (run_process and ExternalCommandModel, all threads). Async-signal-safe: only atomic loads
/// and kill(2); call it from a signal handler or just before _Exit when stopping at once. The
/// commands then fail (killed by the signal) in the threads that run them.
void kill_running_commands(int signal) noexcept;

/// As kill_running_commands, for a process that is about to exit: from now on run_process
/// starts nothing (it throws ModelError "not started: the process is stopping"), and commands
/// whose start was under way are signalled too once they are in the table (waits at most 2 s
/// for them). Async-signal-safe. Without it, a command whose posix_spawn had returned but whose
/// thread had not yet listed it (milliseconds on a loaded machine) outlived an exit by SIGTERM.
void end_running_commands(int signal) noexcept;

/// The full path of `program` as posix_spawnp would find it ('/' in the name: the name itself,
/// if it is an executable file), or "" when there is none.
std::string find_executable(const std::string& program);

/// Shell-quoted command line, for messages.
std::string quote_command(const std::vector<std::string>& argv);

}  // namespace abcsmc
