// The worker side of the Redis bridge (include/abcsmc/redis/sampler.hpp); the manager is in
// manager.cpp.
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <stdexcept>
#include <thread>

#include "abcsmc/core/error.hpp"
#include "abcsmc/core/failures.hpp"
#include "abcsmc/core/generation.hpp"
#include "abcsmc/core/wire.hpp"
#include "abcsmc/core/wire_check.hpp"
#include "abcsmc/redis/keys.hpp"
#include "abcsmc/redis/sampler.hpp"
#include "scripts.hpp"

namespace abcsmc::redis {

namespace {

using Clock = std::chrono::steady_clock;

constexpr long long kHeartbeatTtlMs = 15000;
// Refusals and aborts stay readable for the master (and `info`) this long.
constexpr long long kReportTtlMs = 600000;

std::atomic<bool> g_terminate{false};
// SIGTERM/SIGINT: stop at once. The external commands running now are ended (SIGTERM to their
// process groups) and the claim in progress goes back to the master unevaluated. SIGUSR1/USR2
// (the batch systems' early warnings) let the claim finish first.
std::atomic<bool> g_stop_at_once{false};
// WorkerOptions::kill_children, set before the handlers are installed.
std::atomic<void (*)(int) noexcept> g_kill_children{nullptr};
extern "C" void on_terminate(int signal) {
  g_terminate.store(true);
  if (signal == SIGTERM || signal == SIGINT) {
    g_stop_at_once.store(true);
    if (auto kill_children = g_kill_children.load()) kill_children(SIGTERM);
  }
}

std::span<const std::uint8_t> as_bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

/// A decimal integer read from a key on the server (untrusted: anything else is nothing, never
/// an exception that would end the worker).
std::optional<long long> server_integer(const Value& v) {
  if (v.type == Value::Type::integer) return v.integer;
  if (v.type != Value::Type::string || v.str.empty()) return std::nullopt;
  long long x = 0;
  std::size_t i = v.str[0] == '-' ? 1 : 0;
  if (i == v.str.size() || v.str.size() - i > 18) return std::nullopt;  // 18 digits never overflow
  for (; i < v.str.size(); ++i) {
    const char c = v.str[i];
    if (c < '0' || c > '9') return std::nullopt;
    x = x * 10 + (c - '0');
  }
  return v.str[0] == '-' ? -x : x;
}

/// The stop time set by `redis-manager stop` is at or after `since_ms`.
bool stop_since(const Value& v, long long since_ms) {
  const auto t = server_integer(v);
  return t && *t >= since_ms;
}

struct RunState {
  bool refused = false;
  std::shared_ptr<Problem> problem;
  ContextSettings settings;
  std::unique_ptr<Evaluator> evaluator;
  std::uint64_t round = 0;
  GenerationMessage generation;  ///< the round (its spec moved into ctx.spec)
  GenerationContext ctx;
  long long lease_ms = 30000;
  std::string spec_mac;  ///< keyed: the round's spec signature (hex), bound into each result's
};

/// Renews the lease of the claim being evaluated (and the worker's heartbeat) from its own
/// thread and connection, every lease/3, however long one simulation takes; notices when the
/// master has completed the round, so the evaluation loop can drop the rest of the claim.
/// While the server is away it waits for it (the worker's reconnect window) and renews the
/// lease when it is back; the lease may have expired meanwhile (then the master re-issues the
/// range and a late result is a duplicate, dropped).
class LeaseRenewer {
 public:
  LeaseRenewer(const Endpoint& endpoint, std::string worker_id, double reconnect_window_seconds)
      : client_(endpoint), id_(std::move(worker_id)), thread_([this] { loop(); }) {
    client_.set_reconnect(reconnect_window_seconds,
                          [this] { return stopping_.load() || g_terminate.load(); });
  }
  ~LeaseRenewer() {
    stopping_.store(true);  // ends a wait for a lost server
    {
      std::lock_guard<std::mutex> lock(mutex_);
      quit_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  /// Starts renewing `lease_key` every lease_ms/3; `complete_key` set = round over.
  void hold(const std::string& lease_key, const std::string& complete_key, long long lease_ms) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      lease_key_ = lease_key;
      complete_key_ = complete_key;
      lease_ms_ = lease_ms;
      abandon_.store(false);
    }
    cv_.notify_all();
  }
  void release() {
    std::lock_guard<std::mutex> lock(mutex_);
    lease_key_.clear();
  }
  /// True once the master has what it needs from the current claim.
  bool abandoned() const { return abandon_.load(); }

 private:
  void loop() {
    std::unique_lock<std::mutex> lock(mutex_);
    while (!quit_) {
      if (lease_key_.empty()) {
        cv_.wait(lock, [this] { return quit_ || !lease_key_.empty(); });
        continue;
      }
      const std::string key = lease_key_;
      const auto period = std::chrono::milliseconds(std::max(1LL, lease_ms_ / 3));
      if (cv_.wait_for(lock, period, [&] { return quit_ || lease_key_ != key; })) continue;
      const Command renew{"PEXPIRE", key, std::to_string(lease_ms_)};
      const Command complete{"EXISTS", complete_key_};
      lock.unlock();
      bool round_over = false;
      try {
        const auto v = client_.pipeline(
            {renew,
             complete,
             {"ZADD", keys::kWorkers, std::to_string(keys::now_ms() + kHeartbeatTtlMs), id_}});
        round_over = v[1].integer == 1;
      } catch (const std::exception& e) {
        if (!stopping_.load())
          spdlog::warn("redis worker {}: lease renewal failed: {}", id_, e.what());
      }
      lock.lock();
      if (round_over && lease_key_ == key) abandon_.store(true);
    }
  }

  Client client_;
  std::string id_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool quit_ = false;
  std::string lease_key_;
  std::string complete_key_;
  long long lease_ms_ = 30000;
  std::atomic<bool> abandon_{false};
  std::atomic<bool> stopping_{false};
  std::thread thread_;
};

class WorkerProcess {
 public:
  WorkerProcess(const WorkerOptions& options, long long start_ms)
      : options_(options), cmd_(options.endpoint), sub_(options.endpoint), start_ms_(start_ms) {
    char host[256] = {0};
    gethostname(host, sizeof host - 1);
    std::random_device rd;
    id_ = std::string(host) + ":" + std::to_string(getpid()) + ":" + std::to_string(rd() % 100000);
    // A lost server is waited for like a run (forever by default); a signal or the end of the
    // runtime ends the wait. After the reconnect the subscription is renewed and the loop looks
    // for runs again. Commands re-sent after a lost reply are safe to repeat: a claim that ran
    // but whose reply was lost leaves a range claimed with a lease nobody renews, so the master
    // re-issues it when the lease expires; a result push twice is a duplicate the master drops
    // (the info counters then count it twice); a hand-back twice hands a range out twice.
    const auto give_up = [this] { return g_terminate.load() || Clock::now() >= ends_; };
    cmd_.set_reconnect(options.reconnect_window_seconds, give_up);
    sub_.set_reconnect(options.reconnect_window_seconds, give_up);
    renewer_ =
        std::make_unique<LeaseRenewer>(options.endpoint, id_, options.reconnect_window_seconds);
  }

  int run() {
    sub_.subscribe(keys::kEvents);
    heartbeat({});
    spdlog::info("redis worker {} ready on {} (abcsmc {}, wire version {}, runtime {:.0f} s)", id_,
                 cmd_.where(), software_version(), kWireVersion, options_.runtime_seconds);
    const auto started = Clock::now();
    std::optional<std::uint64_t> stop_round;  // stop seen: finish this round, then leave
    std::string stop_run;
    for (;;) {
      if (g_terminate.load()) {
        spdlog::info("redis worker {}: terminated by signal", id_);
        break;
      }
      if (std::chrono::duration<double>(Clock::now() - started).count() >=
          options_.runtime_seconds) {
        spdlog::info("redis worker {}: runtime of {:.0f} s is over; leaving", id_,
                     options_.runtime_seconds);
        break;
      }
      // Candidate runs: the current one first; the registry when it has nothing.
      std::vector<std::string> candidates;
      if (!current_.empty()) candidates.push_back(current_);
      bool from_registry = false;
      bool worked = false;
      bool stop_now = false;
      for (std::size_t i = 0; i < candidates.size() || !from_registry; ++i) {
        if (i == candidates.size()) {
          from_registry = true;
          const auto v = send({{"SMEMBERS", keys::kRuns}, {"GET", keys::kStop}});
          check(v[0], "SMEMBERS");
          if (stop_since(v[1], start_ms_) && !stop_round) {
            stop_round = 0;  // stop seen while idle or between rounds
          }
          for (const auto& e : v[0].elements) {
            if (e.str != current_) candidates.push_back(e.str);
          }
          if (i == candidates.size()) break;
        }
        const std::string& run = candidates[i];
        RunState* state = ensure_run(run);
        if (state == nullptr) {
          if (run == current_) current_.clear();
          continue;
        }
        const std::string p = keys::run_prefix(run);
        const auto v =
            send({{"EVAL", scripts::kClaim, "0", p, id_, std::to_string(options_.batch_size)},
                  {"GET", keys::kStop}});
        if (v[0].type == Value::Type::error) {
          // The claim script failed on this run's keys (damaged or forged on the server): this
          // run cannot be served; the others can.
          refuse(run, *state,
                 "claiming work failed on the server (damaged keys of this run?): " + v[0].str);
          if (run == current_) current_.clear();
          continue;
        }
        if (stop_since(v[1], start_ms_) && !stop_round) {
          stop_round = v[0].type == Value::Type::array
                           ? static_cast<std::uint64_t>(v[0].elements[0].integer)
                           : 0;
          stop_run = run;
          spdlog::info("redis worker {}: stop requested; leaving after the current generation",
                       id_);
        }
        if (v[0].type != Value::Type::array || v[0].elements.size() != 3) {
          if (run == current_) current_.clear();
          continue;
        }
        if (v[0].elements[0].integer < 0 || v[0].elements[1].integer < 0 ||
            v[0].elements[2].integer < 0 ||
            static_cast<std::uint64_t>(v[0].elements[2].integer) > kMaxWireBatch) {
          refuse(run, *state,
                 "the server handed out round " + std::to_string(v[0].elements[0].integer) +
                     " indices " + std::to_string(v[0].elements[1].integer) + " +" +
                     std::to_string(v[0].elements[2].integer) + " (damaged keys of this run?)");
          if (run == current_) current_.clear();
          continue;
        }
        const auto k = static_cast<std::uint64_t>(v[0].elements[0].integer);
        const auto start = static_cast<std::uint64_t>(v[0].elements[1].integer);
        const auto count = static_cast<std::uint64_t>(v[0].elements[2].integer);
        if (stop_round && (run != stop_run || k != *stop_round)) {
          stop_now = true;
          if (count > 0) {  // hand the claim back at once: the next worker takes it
            const std::string r = keys::round_prefix(run, k);
            send({{"RPUSH", r + "reissue", std::to_string(start) + ":" + std::to_string(count)},
                  {"PEXPIRE", r + "reissue", "86400000"},  // no stray key if the round just ended
                  {"DEL", r + "lease:" + std::to_string(start)},
                  {"PUBLISH", keys::kEvents, run}});
          }
          break;
        }
        if (count == 0) continue;
        if (state->refused) {  // refused while this claim was on its way (its last push failed)
          hand_back(run, k, start, count);
          if (run == current_) current_.clear();
          continue;
        }
        current_ = run;
        work(run, *state, k, start, count);
        worked = true;
        break;
      }
      if (stop_now || (stop_round && !worked)) {
        spdlog::info("redis worker {}: stopped by redis-manager stop", id_);
        break;
      }
      if (worked) continue;
      heartbeat({});
      sub_.wait_message(1.0);  // a new round, re-issued work, or stop wakes us at once
    }
    send({{"ZREM", keys::kWorkers, id_}});  // also flushes a pending push
    return 0;
  }

 private:
  /// Sends `commands` after the result push still pending (so a batch's push and the next claim
  /// share one round trip) and returns the replies to `commands` only.
  std::vector<Value> send(std::vector<Command> commands) {
    const std::size_t pending = pending_.size();
    if (pending > 0) {
      commands.insert(commands.begin(), std::make_move_iterator(pending_.begin()),
                      std::make_move_iterator(pending_.end()));
      pending_.clear();
    }
    std::vector<Value> v = cmd_.pipeline(commands);
    std::string push_error;
    for (std::size_t i = 0; i < pending && push_error.empty(); ++i) {
      if (v[i].type == Value::Type::error) push_error = v[i].str;
    }
    v.erase(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(pending));
    if (!push_error.empty()) {
      // The run's keys on the server are damaged (a list or hash of another type, a counter
      // that is not a number): that run cannot be served, the others can.
      const auto it = runs_.find(pending_run_);
      if (it != runs_.end() && !it->second.refused) {
        refuse(pending_run_, it->second,
               "pushing results failed on the server (damaged keys of this run?): " + push_error);
      }
    }
    return v;
  }

  void heartbeat(std::vector<Command> more) {
    last_heartbeat_ = Clock::now();
    more.push_back({"ZADD", keys::kWorkers, std::to_string(keys::now_ms() + kHeartbeatTtlMs), id_});
    send(std::move(more));
  }

  RunState* ensure_run(const std::string& run) {
    auto it = runs_.find(run);
    if (it != runs_.end()) return it->second.refused ? nullptr : &it->second;
    const std::string p = keys::run_prefix(run);
    const auto got = cmd_.pipeline(
        {{"GET", p + "config"}, {"GET", p + "config_mac"}, {"HGET", p + "info", "auth"}});
    const Value& v = got[0];
    if (v.type != Value::Type::string) return nullptr;  // the run is over (or its master gone)
    RunState& s = runs_[run];
    // Authenticated runs (redis/auth.hpp): the config's signature is checked before it is
    // parsed, so nothing of a config the key did not sign is ever read, let alone run.
    const bool signed_run = got[2].type == Value::Type::string && !got[2].str.empty();
    if (signed_run && !options_.key) {
      refuse(run, s,
             "the run is signed (auth: " + valid_utf8(got[2].str.substr(0, 32)) +
                 "): start the worker with --key-file and the run's key");
      return nullptr;
    }
    if (options_.key && !signed_run) {
      refuse(run, s,
             "the run is not signed, and this worker (--key-file) serves signed runs only: "
             "start the master with --key-file too");
      return nullptr;
    }
    if (options_.key && !options_.key->config_ok(
                            run, v.str, got[1].type == Value::Type::string ? got[1].str : "")) {
      refuse(run, s,
             std::string("config signature invalid: ") +
                 (got[1].type == Value::Type::string ? "it does not verify with this worker's key "
                                                       "(a forged config, or another key)"
                                                     : "the config has no signature"));
      return nullptr;
    }
    try {
      // The factory checks consent first (WorkerOptions::problem_factory): nothing of a model
      // this worker did not allow is loaded or run.
      WorkerProblem built = options_.problem_factory(v.str, "<config of run " + run + ">");
      s.problem = std::move(built.problem);
      s.settings = std::move(built.settings);
      s.evaluator =
          std::make_unique<Evaluator>(s.problem, s.settings.transition.model_stay_probability);
      spdlog::info("redis worker {}: joined run {}", id_, run);
    } catch (const ConsentRefusal& e) {
      refuse(run, s, e.what());
      return nullptr;
    } catch (const ConfigTextError& e) {
      refuse(run, s, std::string("the config does not build here: ") + e.what());
      return nullptr;
    } catch (const std::exception& e) {
      refuse(run, s, std::string("the config does not build here: ") + e.what());
      return nullptr;
    }
    return &s;
  }

  /// This worker cannot serve `run`: say so in the log and to the master (which ends the run
  /// when every live worker refuses it), and go on serving other runs.
  void refuse(const std::string& run, RunState& s, const std::string& reason) {
    spdlog::error("redis worker {}: refusing run {}: {}", id_, run, reason);
    s.refused = true;
    const std::string key = keys::run_prefix(run) + "refused";
    try {
      send({{"HSET", key, id_, reason}, {"PEXPIRE", key, std::to_string(kReportTtlMs)}});
    } catch (const std::exception& e) {
      spdlog::warn("redis worker {}: could not report the refusal: {}", id_, e.what());
    }
  }

  /// The run cannot go on (`on_failure: abort`, or an error evaluating it): tell the master,
  /// which ends the run with this message; this worker leaves the run and serves others.
  void abort_run(const std::string& run, RunState& s, const std::string& message) {
    spdlog::error("redis worker {}: run {} failed here: {}", id_, run, message);
    s.refused = true;
    const std::string key = keys::run_prefix(run) + "abort";
    const std::string text = "worker " + id_ + ": " + message;
    try {
      // Keyed: signed, or the master ignores it (anyone with the password could end the run).
      send({{"SET", key, options_.key ? options_.key->sign_abort(run, text) : text, "NX", "PX",
             std::to_string(kReportTtlMs)},
            {"PUBLISH", keys::kEvents, run}});
    } catch (const std::exception& e) {
      spdlog::warn("redis worker {}: could not report the failure: {}", id_, e.what());
    }
  }

  void work(const std::string& run, RunState& s, std::uint64_t k, std::uint64_t start,
            std::uint64_t count) {
    const std::string p = keys::run_prefix(run);
    const std::string r = keys::round_prefix(run, k);
    const std::string lease_key = r + "lease:" + std::to_string(start);
    if (s.round != k) {
      const auto v = cmd_.pipeline({{"GET", r + "spec"},
                                    {"GET", r + "lease_ms"},
                                    {"HMGET", p + "info", "wire_version", "software_version"},
                                    {"GET", r + "spec_mac"}});
      if (v[0].type != Value::Type::string) return;  // the round ended meanwhile
      // Keyed: the signature before anything of the spec is used (its version byte included).
      if (options_.key) {
        const std::string mac = v[3].type == Value::Type::string ? v[3].str : std::string();
        if (!options_.key->spec_ok(run, k, v[0].str, mac)) {
          hand_back(run, k, start, count);
          refuse(run, s,
                 "the spec of round " + std::to_string(k) + " has " +
                     (mac.empty() ? std::string("no signature")
                                  : std::string("a signature that does not verify with this "
                                                "worker's key (forged, or another key)")));
          return;
        }
        s.spec_mac = mac;
      }
      if (const auto skew = version_skew(run, v[2], v[0].str)) {
        hand_back(run, k, start, count);
        refuse(run, s, *skew);
        return;
      }
      try {
        // Everything here came from the server: decoded, then checked against this worker's
        // problem before make_context or the evaluator see it (a spec that decodes can still
        // carry a model index or a parameter count that does not exist here).
        ControlMessage c = decode_control(as_bytes(v[0].str));
        if (c.stop || c.generation.round != k) {
          throw Error(c.stop ? std::string("a stop message instead of a generation")
                             : "the spec of round " + std::to_string(c.generation.round) +
                                   " under round " + std::to_string(k));
        }
        if (c.generation.scheduling != Scheduling::dynamic) {
          throw Error("a static round, which Redis workers do not serve");
        }
        validate_generation(*s.problem, c.generation);
        const auto lease = server_integer(v[1]);
        if (lease && (*lease < 1 || *lease > 86400000LL)) {
          throw Error("lease_ms is " + v[1].str + ", not 1 ms to a day");
        }
        if (!lease && v[1].type != Value::Type::nil) throw Error("lease_ms is not a number");
        // The spec (its previous population may be large) moves into the context: s.ctx.spec.
        s.ctx = make_context(*s.problem, s.settings, std::move(c.generation.spec));
        s.generation = std::move(c.generation);
        s.lease_ms = lease.value_or(30000);
      } catch (const std::exception& error) {
        // A damaged or inconsistent spec: this run cannot be served here, others can.
        hand_back(run, k, start, count);
        refuse(run, s, std::string("cannot use the generation it published: ") + error.what());
        return;
      }
      s.round = k;
    }
    ResultMessage res;
    res.round = k;
    res.block = WorkBlock{start, count};
    renewer_->hold(lease_key, r + "complete", s.lease_ms);
    // The master publishes "<run>:complete:<k>" when the round is assembled; looked for at most
    // every 0.5 ms (a non-blocking poll on the subscription socket), like the MPI cancel.
    const std::string complete_message = run + ":complete:" + std::to_string(k);
    auto last_look = Clock::now();
    // Why the block ended early: the master has what it needs (over: drop the rest), or a stop
    // signal (the block goes back; a result taken after it may come from a killed command).
    enum class Cut { none, over, stop } cut = Cut::none;
    std::uint64_t next = start;  // the next index evaluate_dynamic hands to `take`
    const auto proceed = [&] {
      bool over = renewer_->abandoned();
      if (!over && next > start && Clock::now() - last_look >= std::chrono::microseconds(500)) {
        last_look = Clock::now();
        while (const auto m = sub_.wait_message(0.0)) over = over || *m == complete_message;
      }
      if (over) {
        cut = Cut::over;
      } else if (g_stop_at_once.load()) {
        cut = Cut::stop;
      }
      return cut == Cut::none;
    };
    const auto take = [&](EvalResult&& e) {
      ++next;
      if (cut == Cut::none && g_stop_at_once.load()) cut = Cut::stop;
      if (cut != Cut::none) return;
      res.log.record(std::move(e), s.generation.request.keep_all_stats);
      ++res.attempts;
    };
    try {
      evaluate_dynamic(*s.evaluator, s.ctx, start, count, proceed, take);
    } catch (const std::exception& error) {
      hand_back(run, k, start, count);  // its command was ended by the signal, or it failed
      if (!g_stop_at_once.load()) abort_run(run, s, error.what());
      return;
    }
    if (cut == Cut::over) {
      renewer_->release();
      return;
    }
    if (cut == Cut::stop) {
      hand_back(run, k, start, count);
      return;
    }
    renewer_->release();
    const std::size_t accepted = res.log.accepted.size();
    const std::vector<std::uint8_t> bytes = encode_result(res);
    std::string element(bytes.begin(), bytes.end());
    if (options_.key) element = options_.key->sign_result(run, k, s.spec_mac, element);
    std::vector<Command> push{{"EVAL", scripts::kPush, "0", p, r, std::to_string(start),
                               std::move(element), std::to_string(count),
                               std::to_string(accepted)}};
    if (Clock::now() - last_heartbeat_ >= std::chrono::seconds(1)) {
      last_heartbeat_ = Clock::now();
      push.push_back(
          {"ZADD", keys::kWorkers, std::to_string(keys::now_ms() + kHeartbeatTtlMs), id_});
    }
    pending_ = std::move(push);  // goes out with the next claim: one round trip per batch
    pending_run_ = run;
  }

  /// Why this worker cannot serve `run` for want of a common wire version, or nothing. The
  /// master publishes its wire and software versions in the run's info hash (`info`: HMGET
  /// wire_version software_version); a master that does not (older) is judged by its spec's
  /// first byte. Another software version on the same wire version is served (noted once).
  std::optional<std::string> version_skew(const std::string& run, const Value& info,
                                          const std::string& spec) {
    std::optional<long long> wire;
    std::string software = "unknown";
    if (info.type == Value::Type::array && info.elements.size() == 2) {
      wire = server_integer(info.elements[0]);
      if (info.elements[1].type == Value::Type::string && !info.elements[1].str.empty()) {
        software = valid_utf8(info.elements[1].str.substr(0, 64));
      }
    }
    if (!wire && !spec.empty() && static_cast<std::uint8_t>(spec[0]) != kWireVersion) {
      wire = static_cast<std::uint8_t>(spec[0]);
    }
    if (wire && *wire != kWireVersion) {
      return "wire version " + std::to_string(*wire) + ", this worker speaks " +
             std::to_string(kWireVersion) + " (abcsmc " + software + " vs " + software_version() +
             "); run the same abcsmc release on the master and its workers";
    }
    if (software != "unknown" && software != software_version() && skew_noted_.insert(run).second) {
      spdlog::info(
          "redis worker {}: run {} comes from abcsmc {}, this worker is abcsmc {} (same wire "
          "version {}): serving it",
          id_, run, software, software_version(), kWireVersion);
    }
    return std::nullopt;
  }

  /// Stopping at once: the claim goes back unevaluated, for the next worker to take.
  void hand_back(const std::string& run, std::uint64_t k, std::uint64_t start,
                 std::uint64_t count) {
    renewer_->release();
    const std::string r = keys::round_prefix(run, k);
    send({{"RPUSH", r + "reissue", std::to_string(start) + ":" + std::to_string(count)},
          {"PEXPIRE", r + "reissue", "86400000"},
          {"DEL", r + "lease:" + std::to_string(start)},
          {"PUBLISH", keys::kEvents, run}});
  }

  const WorkerOptions& options_;
  Client cmd_;
  Client sub_;
  long long start_ms_;
  Clock::time_point ends_ =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(
                         std::chrono::duration<double>(std::min(options_.runtime_seconds, 1e9)));
  std::string id_;
  std::string current_;
  std::map<std::string, RunState> runs_;
  Clock::time_point last_heartbeat_ = Clock::now();
  std::unique_ptr<LeaseRenewer> renewer_;
  std::vector<Command> pending_;      ///< the last batch's result push, sent with the next claim
  std::string pending_run_;           ///< the run of that push
  std::set<std::string> skew_noted_;  ///< runs of another software version, noted in the log
};

int worker_main(const WorkerOptions& options, long long start_ms) {
  try {
    WorkerProcess w(options, start_ms);
    return w.run();
  } catch (const ConnectError& e) {
    spdlog::error("redis worker: {}", e.what());
    return 2;
  } catch (const ConnectionLost& e) {
    if (g_terminate.load()) {
      spdlog::info("redis worker: terminated by signal while the server was away ({})", e.what());
      return 0;
    }
    if (static_cast<double>(keys::now_ms() - start_ms) >= options.runtime_seconds * 1000.0) {
      spdlog::info("redis worker: runtime of {:.0f} s is over while the server was away; leaving",
                   options.runtime_seconds);
      return 0;
    }
    spdlog::error("redis worker: {}; leaving", e.what());
    return 1;
  } catch (const std::exception& e) {
    spdlog::error("redis worker failed: {}", e.what());
    return 1;
  }
}

}  // namespace

int run_workers(const WorkerOptions& options) {
  if (!options.problem_factory)
    throw Error("redis worker: WorkerOptions::problem_factory is not set");
  { Client probe(options.endpoint); }  // a clear error (exit 2) before any fork
  g_kill_children.store(options.kill_children);
  // No SA_RESTART: the parent's waitpid returns on a signal and forwards it to the children.
  struct sigaction sa {};
  sa.sa_handler = on_terminate;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  // SIGUSR1/SIGUSR2 are the batch systems' early warnings (Slurm --signal, SGE s_rt and
  // -notify): the same as SIGTERM.
  sigaction(SIGUSR1, &sa, nullptr);
  sigaction(SIGUSR2, &sa, nullptr);
  const long long start_ms = keys::now_ms();
  if (options.processes <= 1) return worker_main(options, start_ms);
  std::vector<pid_t> children;
  for (std::size_t i = 0; i < options.processes; ++i) {
    const pid_t pid = fork();
    if (pid < 0) throw Error(std::string("fork failed: ") + std::strerror(errno));
    if (pid == 0) {
      const int rc = worker_main(options, start_ms);
      spdlog::default_logger()->flush();
      std::fflush(nullptr);
      _exit(rc);
    }
    children.push_back(pid);
  }
  int worst = 0;
  for (const pid_t pid : children) {
    int status = 0;
    bool forwarded = false;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      if (g_terminate.load() && !forwarded) {
        forwarded = true;  // each child finishes its claim and leaves
        for (const pid_t c : children) kill(c, SIGTERM);
      }
    }
    const int rc = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
    worst = std::max(worst, rc);
  }
  return worst;
}

}  // namespace abcsmc::redis
