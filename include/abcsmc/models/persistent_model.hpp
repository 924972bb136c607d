#pragma once
/// Models served by a long-running child process that speaks the persistent-simulator protocol
/// (docs/persistent-protocol.md) over its stdin and stdout: config `model: {persistent: [...]}`.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "abcsmc/core/error.hpp"
#include "abcsmc/core/model.hpp"

namespace abcsmc {

namespace persistent {
struct Reply;
}

/// How to run one persistent simulator.
struct PersistentSpec {
  /// The program and its arguments, run directly (no shell, no placeholders: theta and the seed
  /// travel in the requests).
  std::vector<std::string> argv;
  /// The statistics each reply gives, in order.
  std::vector<StatSpec> statistics;
  /// Sent in the hello as `option <key> <value>` lines (config `options:`).
  std::vector<std::pair<std::string, std::string>> options;
  double timeout_seconds = 0.0;         ///< per simulation (request to reply); 0 = no limit
  double start_timeout_seconds = 30.0;  ///< from start to the child's ready line
  double kill_grace_seconds = 1.0;      ///< SIGTERM, then SIGKILL this late
  /// Children replaced after a fault, at most, over this model's life in this process; the
  /// next fault after that stops the run (a plain Error, not a failed candidate).
  std::size_t restarts = 100;
  /// The most candidates sent in one batch (config `batch:`; 1: one request at a time). The
  /// child's `ready ... batch k` may lower it. Results do not depend on it.
  std::size_t batch = 1;
};

/// Receives each line persistent children write on their stderr: the command as messages show
/// it, and the line (without its '\n', cut at 1000 bytes). Called from the simulating thread.
using ChildStderrLogger = void (*)(const std::string& command, const std::string& line);
/// Sets the receiver for every persistent model of this process (the CLI logs the lines at
/// debug level); nullptr (the default): lines are only kept for failure messages.
void set_child_stderr_logger(ChildStderrLogger logger) noexcept;

/// One child per concurrent caller (a free list: a thread takes an idle child or starts one),
/// each kept alive across simulations. Each simulate() draws one 64-bit seed from the
/// candidate's stream, as external commands and plugins do (DESIGN.md section 2), and sends it
/// with theta: the result depends only on theta and the seed, never on which child ran it.
class PersistentModel final : public Model {
 public:
  /// Checks the spec, finds the program and starts a first child through its handshake, so that
  /// a simulator that cannot start is an error before any run.
  /// @throws ConfigError naming the command: empty argv, missing program, no or repeated or
  ///         unsendable statistics, names with blanks, negative times, or a first child that
  ///         does not start, exits, times out, or answers the hello with anything but ready.
  PersistentModel(PersistentSpec spec, const std::vector<std::string>& parameter_names);
  ~PersistentModel() override;
  PersistentModel(const PersistentModel&) = delete;
  PersistentModel& operator=(const PersistentModel&) = delete;

  std::vector<StatSpec> statistics() const override { return spec_.statistics; }
  /// Sends one request to an idle child and reads its reply. Any thread.
  /// @throws ModelError when the child replies `fail` (reason `the simulator failed: "<its
  ///         message>"`, numbers as #) or the exchange breaks: the child exits or is killed
  ///         (`exited with status 1 "<last stderr line>"`, `killed by signal 11 (...)`), passes
  ///         the timeout (`timed out after 5 s`), or writes a malformed reply (`replied with 3
  ///         numbers, 2 statistics expected`, ...). A broken child is stopped and replaced on
  ///         the next call (with a backoff after repeated faults).
  /// @throws Error when a fault comes after `restarts` replacements (the run stops).
  void simulate(const Vector& theta, Rng& rng, Vector& stats) const override;
  /// The batch both sides allow: min(spec batch, the first child's ready batch).
  std::size_t batch_size() const override { return batch_size_; }
  /// Sends the jobs to one child in batches of up to batch_size() (`batch <k>` and k requests;
  /// timeout: k times the per-simulation one). Replies read before a batch breaks stand; the
  /// candidates left unanswered run again one by one on a new child, so that each fails (or
  /// not) as it would without batches. Any thread.
  /// @throws Error as simulate().
  void simulate_batch(std::span<SimulationJob> jobs) const override;
  /// Stops the idle children (a later simulation starts one again).
  void end_idle() const override;

  /// The command as shown in messages (shell-quoted).
  const std::string& command_text() const { return shown_; }
  /// Children started so far (the first included) and children now alive, for tests.
  std::size_t children_started() const { return started_.load(); }
  std::size_t children_alive() const;

  struct Child;  ///< one running child and its buffers (persistent_model.cpp)

 private:
  enum class Io : int;  ///< what an exchange ran into (persistent_model.cpp)

  std::unique_ptr<Child> start_child() const;
  /// An idle child that is in step, or a new one (after a backoff when faults repeat).
  std::unique_ptr<Child> acquire() const;
  void release(std::unique_ptr<Child> child) const;
  /// One request and its reply; an extra reply line for an earlier request (the child is out of
  /// step) costs the child, not the candidate, which runs again once on a new child.
  void simulate_seeded(const Vector& theta, std::uint64_t seed, Vector& stats) const;
  /// What exchange() got: replies for the first `answered` jobs; `broke` when the child broke
  /// (it is stopped; the error for the first unanswered job), `stale` when by an extra line.
  struct Exchange {
    std::size_t answered = 0;
    std::optional<ModelError> broke;
    bool stale = false;
  };
  /// Up to min(jobs, the child's batch, spec batch) requests to one child, in one `batch` when
  /// more than one; replies fill the jobs' statistics (a `fail` reply: the job's error).
  Exchange exchange(std::span<SimulationJob> jobs, const std::uint64_t* seeds) const;
  /// The candidate's error for a `fail` reply.
  ModelError failed_error(const persistent::Reply& reply) const;
  /// Stops a child whose exchange broke (`io`, or a malformed `reply`), counts the fault, and
  /// returns the error for the candidate it leaves unanswered.
  ModelError broken(std::unique_ptr<Child> child, Io io, const persistent::Reply* reply,
                    double timeout) const;
  void count_fault(bool child_dropped) const;

  PersistentSpec spec_;
  std::vector<std::string> parameter_names_;
  std::vector<std::string> exec_argv_;  ///< argv with argv[0] resolved to a path
  std::string shown_;
  std::string hello_;
  std::size_t n_stats_ = 0;
  std::size_t batch_size_ = 1;
  mutable std::mutex mutex_;
  mutable std::vector<std::unique_ptr<Child>> idle_;
  mutable std::size_t alive_ = 0;               ///< idle or in use
  mutable std::size_t faults_ = 0;              ///< children dropped after a fault
  mutable std::size_t consecutive_faults_ = 0;  ///< since the last good reply (backoff)
  mutable std::atomic<std::size_t> started_{0};
};

}  // namespace abcsmc
