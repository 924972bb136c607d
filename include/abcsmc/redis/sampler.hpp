#pragma once
/// The Redis bridge (DESIGN.md section 5), master side. Key layout: redis/keys.hpp.
/// Per run: a random run id; per sample() call (a "round" k) the master publishes the
/// generation's wire bytes, then workers claim index ranges with one Lua call each (re-issued
/// ranges first, else INCRBY on the round's counter; the claim sets a lease with PX and is
/// recorded in the round's claims list), evaluate, and push the batch's ResultMessage with one
/// Lua call (RPUSH + lease DEL + counters) pipelined with their next claim: one round trip per
/// batch. A worker thread renews the lease (PEXPIRE) every lease/3. The master drains results
/// (LPOP 256, then BLPOP with a short timeout when the list is empty: no sleep), drops
/// duplicates by batch start, and every lease/4 (at most 1 s) re-issues ranges whose lease
/// vanished without a result. The population is assembled with
/// assemble_dynamic, so results are bit-identical to single-core. A lost server is waited for
/// (MasterOptions::reconnect_window_seconds; workers: WorkerOptions) and the run carries on if
/// the server kept the round; otherwise ResumableError (exit 3).
#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "abcsmc/core/dynamic_round.hpp"
#include "abcsmc/core/sampling.hpp"
#include "abcsmc/redis/auth.hpp"
#include "abcsmc/redis/client.hpp"
#include "abcsmc/redis/secret.hpp"  // the master takes its password with it

namespace abcsmc::redis {

struct MasterOptions {
  Endpoint endpoint;
  std::size_t batch_size = 0;  ///< 0 = automatic
  double lease_seconds = 30.0;
  /// A lost server is waited for this long (reconnecting with backoff) before the run stops
  /// (ResumableError, exit 3); infinity = forever.
  double reconnect_window_seconds = 300.0;
  /// Authenticated run (--key-file, redis/auth.hpp): the config and every spec are signed, and
  /// results that are unsigned or whose signature does not verify are dropped and counted.
  std::optional<auth::Key> key;
};

class RedisSampler final : public Sampler {
 public:
  /// Connects. @throws ConnectError (exit 2) when the server is unreachable or refuses.
  explicit RedisSampler(MasterOptions options);
  ~RedisSampler() override;

  /// Publishes the resolved config; call once before the first sample().
  void publish_config(const std::string& config_yaml);
  /// publish_config.
  void start(const std::string& config_text) override { publish_config(config_text); }
  /// " batch=<last batch size>" and " reissued=<n>" when ranges were re-issued.
  std::string status() const override;
  /// " (Redis server away for <s>s: reconnecting)" during an outage.
  std::string progress_status() const override;

  Sample sample(const Evaluator& evaluator, const GenerationContext& ctx,
                const SampleRequest& request) override;
  std::string name() const override { return "redis"; }
  Scheduling scheduling() const override { return Scheduling::dynamic; }
  std::size_t workers() const override;
  std::size_t batch_size() const override { return options_.batch_size; }

  const std::string& run_id() const { return run_; }
  std::uint64_t last_batch_size() const { return last_batch_; }
  std::uint64_t last_reissued() const { return last_reissued_; }
  /// Results (and claim entries) dropped so far in this run: unsigned or forged (with a key),
  /// undecodable, of another round, for ranges nobody claimed, or inconsistent
  /// (validate_result). Each kind is logged once.
  std::uint64_t dropped_results() const { return dropped_results_; }
  /// Seconds the server has been away while the master reconnects, else nothing. Any thread.
  std::optional<double> outage_seconds() const;

 private:
  Sample sample_round(const Evaluator& evaluator, const GenerationContext& ctx,
                      const SampleRequest& request);

  MasterOptions options_;
  std::unique_ptr<Client> client_;
  std::string run_;
  std::string config_;
  std::string config_mac_;  ///< with a key: the config's signature (hex)
  std::uint64_t round_ = 0;
  std::uint64_t last_batch_ = 1;
  std::uint64_t last_reissued_ = 0;
  std::uint64_t dropped_results_ = 0;
  std::array<bool, 8> drop_logged_{};  ///< per kind of dropped result: logged already
  bool forged_abort_logged_ = false;   ///< an unsigned or forged abort was ignored (keyed run)
  BatchSizer batch_sizer_;             ///< options_.batch_size, or automatic (0)
};

/// Options of `abcsmc redis-worker` (pyABC's abc-redis-worker).
struct WorkerOptions {
  Endpoint endpoint;
  double runtime_seconds = 7200.0;
  std::size_t processes = 1;
  std::size_t batch_size = 0;  ///< 0 = the master's
  /// A lost server is waited for this long (reconnecting with backoff), then the worker exits
  /// 1; --runtime and signals end the wait too. Default: forever.
  double reconnect_window_seconds = std::numeric_limits<double>::infinity();
  /// Builds a run's problem from the config found on the server (required). Consent lives
  /// there: a config on the server runs no code of its choosing here unless allowed, checked
  /// on each model before it is built (plugins before dlopen), model selection included; a
  /// refusal (ConsentRefusal) or any other failure makes the worker refuse that run.
  ProblemFactory problem_factory;
  /// Called from the SIGTERM/SIGINT handler (async-signal-safe only): ends what the models run
  /// outside this process (e.g. models/external_command.hpp kill_running_commands). May be null.
  void (*kill_children)(int signal) noexcept = nullptr;
  /// --key-file (redis/auth.hpp): serve only signed runs, after checking the config's signature
  /// (before it is parsed: before any consent check or dlopen) and each spec's; sign results.
  /// Without it, signed runs are refused.
  std::optional<auth::Key> key;
};

/// Runs `processes` worker processes until the runtime is over or `stop`; returns the exit
/// status. @throws ConnectError at start (exit 2).
int run_workers(const WorkerOptions& options);

/// `abcsmc redis-manager info|stop|reset-workers`; prints to stdout. Returns the exit status.
int run_manager(const Endpoint& endpoint, const std::string& action);

}  // namespace abcsmc::redis
