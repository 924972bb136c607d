// Master side of the Redis bridge (include/abcsmc/redis/sampler.hpp).
#include "abcsmc/redis/sampler.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <optional>
#include <random>

#include "abcsmc/core/error.hpp"
#include "abcsmc/core/failures.hpp"
#include "abcsmc/core/wire.hpp"
#include "abcsmc/redis/keys.hpp"
#include "scripts.hpp"

namespace abcsmc::redis {

namespace {

using Clock = std::chrono::steady_clock;

constexpr double kTargetBatchSeconds = 0.002;
constexpr std::uint64_t kMaxAutomaticBatch = 4096;
// Run keys outlive a killed master by this much: then its workers move on (e.g. to the same run
// resumed). The master renews them at most 1 s apart during a round and re-creates them at the
// start of each round, so a longer pause between rounds only idles the workers.
constexpr long long kRunKeyTtlMs = 5000;

std::string random_run_id() {
  std::random_device rd;
  const std::uint64_t x = (static_cast<std::uint64_t>(rd()) << 32) ^ rd();
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(x));
  return buf;
}

long long now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::pair<std::uint64_t, std::uint64_t> parse_range(const std::string& s) {
  const auto colon = s.find(':');
  if (colon == std::string::npos) throw Error("Redis bridge: malformed range '" + s + "'");
  return {std::stoull(s.substr(0, colon)), std::stoull(s.substr(colon + 1))};
}

/// Elastic workers may join late: a run that every live worker refuses ends only when no worker
/// that serves it has joined for this long.
constexpr double kRefusalGraceSeconds = 10.0;

/// Ends the run when a worker aborted it, or when every live worker has refused it for
/// kRefusalGraceSeconds (`since`: when that began).
void check_workers(const Value& abort, const Value& refused, const Value& live,
                   std::map<std::string, std::string>& logged,
                   std::optional<Clock::time_point>& since) {
  if (abort.type == Value::Type::string && !abort.str.empty()) {
    throw Error("a Redis worker ended the run: " + valid_utf8(abort.str));
  }
  if (refused.type != Value::Type::array || refused.elements.empty()) {
    since.reset();
    return;
  }
  std::map<std::string, std::string> by_worker;
  for (std::size_t i = 0; i + 1 < refused.elements.size(); i += 2) {
    by_worker[refused.elements[i].str] = valid_utf8(refused.elements[i + 1].str);
  }
  for (const auto& [id, reason] : by_worker) {
    if (logged.emplace(id, reason).second) {
      spdlog::warn("redis: worker {} refuses this run: {}", id, reason);
    }
  }
  if (live.type != Value::Type::array) return;
  for (const auto& w : live.elements) {
    if (by_worker.count(w.str) == 0) {
      since.reset();  // someone may still serve it
      return;
    }
  }
  if (!since) {
    since = Clock::now();
    spdlog::warn("redis: every live worker refuses this run; it ends in {:.0f} s unless a worker "
                 "that can serve it joins", kRefusalGraceSeconds);
    return;
  }
  if (std::chrono::duration<double>(Clock::now() - *since).count() < kRefusalGraceSeconds) return;
  std::string text = "every live Redis worker refuses this run, so no candidate would ever be "
                     "evaluated:";
  for (const auto& [id, reason] : by_worker) text += "\n  worker " + id + ": " + reason;
  throw Error(text);
}

}  // namespace

RedisSampler::RedisSampler(MasterOptions options) : options_(std::move(options)) {
  if (!(options_.lease_seconds > 0.0)) throw ConfigError("sampler.lease must be > 0");
  client_ = std::make_unique<Client>(options_.endpoint);
  run_ = random_run_id();
}

RedisSampler::~RedisSampler() {
  try {
    const std::string p = keys::run_prefix(run_);
    client_->pipeline({{"SREM", keys::kRuns, run_}, {"DEL", p + "config", p + "round", p + "info"}});
  } catch (...) {
    // The server is gone: its keys go with it (or expire).
  }
}

void RedisSampler::publish_config(const std::string& config_yaml) {
  config_ = config_yaml;
  spdlog::info("redis: run id {} on {}; start workers with `abcsmc redis-worker --host {} --port {}`",
               run_, client_->where(), options_.endpoint.host, options_.endpoint.port);
}

std::size_t RedisSampler::workers() const {
  try {
    const auto v = client_->pipeline({{"ZREMRANGEBYSCORE", keys::kWorkers, "-inf", std::to_string(now_ms())},
                                      {"ZCARD", keys::kWorkers}});
    return static_cast<std::size_t>(std::max(0LL, v[1].integer));
  } catch (...) {
    return 0;
  }
}

std::uint64_t RedisSampler::next_batch_size(const SampleRequest& request) const {
  if (options_.batch_size > 0) return options_.batch_size;
  if (seconds_per_eval_ <= 0.0) return 1;
  const auto w = static_cast<std::uint64_t>(std::max<std::size_t>(1, workers()));
  auto batch = static_cast<std::uint64_t>(std::max(1.0, std::floor(kTargetBatchSeconds / seconds_per_eval_)));
  const std::uint64_t expected = std::max<std::uint64_t>(last_evaluated_, request.n_accept);
  batch = std::min(batch, std::max<std::uint64_t>(1, expected / (4 * w)));
  return std::clamp<std::uint64_t>(batch, 1, kMaxAutomaticBatch);
}

Sample RedisSampler::sample(const Evaluator& /*evaluator*/, const GenerationSpec& spec,
                            const GenerationContext& /*ctx*/, const SampleRequest& request) {
  if (config_.empty()) throw Error("RedisSampler::sample: publish_config first");
  const auto start_time = Clock::now();
  const std::uint64_t k = ++round_;
  const std::string p = keys::run_prefix(run_);
  const std::string r = keys::round_prefix(run_, k);
  const std::uint64_t batch = next_batch_size(request);
  const std::uint64_t limit = request.max_evals;  // 0 = none
  const long long lease_ms = std::max(1LL, static_cast<long long>(std::llround(options_.lease_seconds * 1000.0)));

  GenerationMessage m;
  m.round = k;
  m.scheduling = Scheduling::dynamic;
  m.batch_size = batch;
  m.request = request;
  m.spec = spec;
  const std::vector<std::uint8_t> bytes = encode_generation(m);
  const std::string ttl = std::to_string(kRunKeyTtlMs);
  const std::vector<Value> setup = client_->pipeline({
      {"SET", p + "config", config_, "PX", ttl},
      {"SET", r + "spec", std::string(bytes.begin(), bytes.end()), "PX", "86400000"},
      {"SET", r + "batch", std::to_string(batch), "PX", "86400000"},
      {"SET", r + "limit", std::to_string(limit), "PX", "86400000"},
      {"SET", r + "lease_ms", std::to_string(lease_ms), "PX", "86400000"},
      {"SET", r + "next", "0", "PX", "86400000"},  // a killed master's round keys expire
      {"HSET", p + "info", "t", spec.calibration ? std::string("calibration") : std::to_string(spec.t),
       "n", std::to_string(request.n_accept), "round", std::to_string(k), "evaluations", "0",
       "acceptances", "0"},
      {"PEXPIRE", p + "info", ttl},
      {"SET", p + "round", std::to_string(k), "PX", ttl},
      {"SADD", keys::kRuns, run_},
      {"PUBLISH", keys::kEvents, run_},
  });
  for (const auto& v : setup) check(v, "starting round " + std::to_string(k));

  struct Batch {
    std::uint64_t count = 0;
    bool done = false;
    std::size_t accepted = 0;
  };
  std::map<std::uint64_t, Batch> batches;  // from the frontier on, by first index
  std::uint64_t frontier = 0;
  std::size_t prefix_accepted = 0;
  std::size_t known_accepted = 0;
  std::uint64_t claims_read = 0;
  bool done_set = false;
  std::uint64_t reissued = 0;
  EvalLog log;
  SampleProgress* progress = request.progress;
  std::map<std::string, std::string> refusals_logged;  // worker id -> reason, logged once
  std::optional<Clock::time_point> all_refused_since;
  const auto finished = [&] {
    return (request.n_accept > 0 && prefix_accepted >= request.n_accept) ||
           (limit > 0 && frontier >= limit) || request.n_accept == 0;
  };
  const auto take_result = [&](const std::string& payload) {
    ResultMessage res = decode_result_message(
        std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()));
    if (res.round != k || res.attempts != res.block.count || res.block.count == 0) return;  // stale
    if (res.block.first < frontier) return;  // duplicate of a range already folded in
    Batch& b = batches[res.block.first];
    if (b.done) return;  // duplicate (a re-issued range done twice)
    if (b.count != 0 && b.count != res.block.count) {
      throw Error("Redis bridge: result for range " + std::to_string(res.block.first) + " has " +
                  std::to_string(res.block.count) + " indices, the claim had " + std::to_string(b.count));
    }
    b.count = res.block.count;
    b.done = true;
    b.accepted = res.log.accepted.size();
    known_accepted += b.accepted;
    if (progress != nullptr) {
      progress->add(res.attempts, b.accepted, res.log.failed_index.size());
      note_log(*progress, res.log, res.block.first, res.block.count);
    }
    log.merge(std::move(res.log));
    while (!batches.empty() && batches.begin()->first == frontier && batches.begin()->second.done) {
      prefix_accepted += batches.begin()->second.accepted;
      frontier += batches.begin()->second.count;
      batches.erase(batches.begin());
    }
  };

  const double check_every = std::clamp(options_.lease_seconds / 4.0, 0.05, 1.0);
  auto next_check = Clock::now() + std::chrono::duration<double>(check_every);
  auto next_note = Clock::now() + std::chrono::seconds(10);
  // A cancel from outside (stop signal, max_walltime, deadline, fail-fast guard) is seen within
  // one BLPOP wait (at most a second).
  while (!finished() && !(progress != nullptr && progress->cancelled())) {
    if (!done_set && known_accepted >= request.n_accept) {
      check(client_->command({"SET", r + "done", "1"}), "SET done");
      done_set = true;
    }
    const double wait = std::clamp(
        std::chrono::duration<double>(next_check - Clock::now()).count(), 0.01, check_every);
    // Under load one round trip drains many results; when the list is empty, block on it.
    const Value many = client_->command({"LPOP", r + "results", "256"});
    if (many.type == Value::Type::array && !many.elements.empty()) {
      for (const auto& e : many.elements) take_result(e.str);
      if (Clock::now() < next_check) continue;
    } else {
      const Value v = client_->blocking({"BLPOP", r + "results", fmt::format("{:.3f}", wait)}, wait);
      if (v.type == Value::Type::array && v.elements.size() == 2) {
        take_result(v.elements[1].str);
        continue;
      }
    }
    if (Clock::now() < next_check) continue;
    next_check = Clock::now() + std::chrono::duration<double>(check_every);
    // Learn new claims, keep the run's keys alive, then look for claims whose lease is gone.
    // Round keys carry a one-day TTL (a killed master leaves nothing for good), renewed here.
    std::vector<Command> cmds{{"LRANGE", r + "claims", std::to_string(claims_read), "-1"},
                              {"PEXPIRE", p + "round", ttl},
                              {"PEXPIRE", p + "config", ttl},
                              {"PEXPIRE", p + "info", ttl}};
    for (const char* key : {"spec", "batch", "limit", "lease_ms", "next", "claims", "results", "reissue", "done"}) {
      cmds.push_back({"PEXPIRE", r + key, "86400000"});
    }
    // Workers that cannot serve the run say why: an abort ends it, refusals by every live
    // worker end it too (nobody would ever evaluate a candidate).
    const std::size_t ask = cmds.size();
    cmds.push_back({"GET", p + "abort"});
    cmds.push_back({"HGETALL", p + "refused"});
    cmds.push_back({"ZRANGEBYSCORE", keys::kWorkers, std::to_string(now_ms()), "+inf"});
    cmds.push_back({"EXISTS", r + "spec"});
    const auto got = client_->pipeline(cmds);
    check(got[0], "LRANGE claims");
    check_workers(got[ask], got[ask + 1], got[ask + 2], refusals_logged, all_refused_since);
    if (got.back().integer != 1) {
      throw Error("the Redis server at " + client_->where() + " lost the state of run " + run_ +
                  " (restarted without persistence, flushed, or out of memory); the results "
                  "file keeps the complete generations");
    }
    for (const auto& e : got[0].elements) {
      const auto [s, c] = parse_range(e.str);
      ++claims_read;
      if (s < frontier) continue;
      Batch& b = batches[s];
      b.count = c;
    }
    Command dead_cmd{"EVAL", scripts::kDead, "0", r};
    for (const auto& [s, b] : batches) {
      if (!b.done && b.count > 0) dead_cmd.push_back(std::to_string(s) + ":" + std::to_string(b.count));
    }
    if (dead_cmd.size() > 4) {
      const Value dead = client_->command(dead_cmd);
      if (!dead.elements.empty()) {
        // Results pushed just before the check are in the list: fold them in first.
        const Value more = client_->command({"LRANGE", r + "results", "0", "-1"});
        std::vector<Command> reissue;
        std::size_t drained = more.elements.size();
        for (const auto& e : more.elements) take_result(e.str);
        if (drained > 0) reissue.push_back({"LTRIM", r + "results", std::to_string(drained), "-1"});
        for (const auto& e : dead.elements) {
          const auto [s, c] = parse_range(e.str);
          const auto it = batches.find(s);
          if (it == batches.end() || it->second.done) continue;
          reissue.push_back({"RPUSH", r + "reissue", e.str});
          ++reissued;
          spdlog::warn("redis: the lease on indices [{}, {}) of round {} expired without a result; "
                       "re-issued", s, s + c, k);
        }
        reissue.push_back({"PUBLISH", keys::kEvents, run_});
        for (const auto& x : client_->pipeline(reissue)) check(x, "re-issue");
      }
    }
    if (Clock::now() >= next_note) {
      next_note = Clock::now() + std::chrono::seconds(30);
      if (workers() == 0) {
        spdlog::warn("redis: no live workers on {} (run {}); waiting for `abcsmc redis-worker`",
                     client_->where(), run_);
      }
    }
  }
  const bool cut = !finished() && progress != nullptr && progress->cancelled();
  // Round over: workers drop what they hold (their pushes find no spec), keys go.
  client_->pipeline({{"SET", r + "complete", "1", "PX", "60000"},
                     {"DEL", r + "spec", r + "batch", r + "limit", r + "next", r + "claims",
                      r + "reissue", r + "results", r + "done", r + "lease_ms"},
                     {"PUBLISH", keys::kEvents, run_ + ":complete:" + std::to_string(k)}});
  last_batch_ = batch;
  last_reissued_ = reissued;
  const double seconds = std::chrono::duration<double>(Clock::now() - start_time).count();
  if (frontier > 0) {
    seconds_per_eval_ = seconds * static_cast<double>(std::max<std::size_t>(1, workers())) /
                        static_cast<double>(frontier);
  }
  last_evaluated_ = frontier;
  if (cut) {
    Sample none;  // cancelled from outside: nothing of this round is used
    none.simulations = frontier;
    return none;
  }
  return assemble_dynamic(std::move(log), request, frontier);
}

}  // namespace abcsmc::redis
