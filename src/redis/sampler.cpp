// Master side of the Redis bridge (include/abcsmc/redis/sampler.hpp).
#include "abcsmc/redis/sampler.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <iterator>
#include <map>
#include <optional>
#include <random>

#include "abcsmc/core/error.hpp"
#include "abcsmc/core/failures.hpp"
#include "abcsmc/core/resumable_error.hpp"
#include "abcsmc/core/wire.hpp"
#include "abcsmc/core/wire_check.hpp"
#include "abcsmc/redis/keys.hpp"
#include "scripts.hpp"

namespace abcsmc::redis {

namespace {

using Clock = std::chrono::steady_clock;

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

/// "start:count" (decimal digits only, no overflow, 1 <= count <= kMaxWireBatch, start + count
/// representable), or nothing: the claims list is on the server, so it is untrusted too.
std::optional<WorkBlock> parse_range(const std::string& s) {
  const auto colon = s.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == s.size() || s.size() > 41)
    return std::nullopt;
  const auto number = [](const std::string& digits) -> std::optional<std::uint64_t> {
    std::uint64_t v = 0;
    for (char ch : digits) {
      if (ch < '0' || ch > '9') return std::nullopt;
      const auto d = static_cast<std::uint64_t>(ch - '0');
      if (v > (UINT64_MAX - d) / 10) return std::nullopt;
      v = v * 10 + d;
    }
    return v;
  };
  const auto start = number(s.substr(0, colon));
  const auto count = number(s.substr(colon + 1));
  if (!start || !count || *count == 0 || *count > kMaxWireBatch || *start + *count < *start)
    return std::nullopt;
  return WorkBlock{*start, *count};
}

/// What the master does not use from the results list (and the claims list), by kind: each kind
/// is logged once per run with its first example, and counted per round.
enum class DropKind : std::size_t {
  unsigned_result,
  bad_signature,
  undecodable,
  other_round,
  unclaimed,
  mismatch,
  invalid,
  bad_claim
};
constexpr const char* kDropText[] = {
    "results that are not signed (this run has a key)",
    "results whose signature does not verify (forged, signed with another key, or replayed "
    "from another run or round)",
    "results that do not decode",
    "results of another round",
    "results for indices nobody claimed",
    "results that do not match their claim",
    "results that are inconsistent with the run",
    "claim entries that are malformed or overlap others",
};

/// Elastic workers may join late: a run that every live worker refuses ends only when no worker
/// that serves it has joined for this long.
constexpr double kRefusalGraceSeconds = 10.0;

/// Ends the run when a worker aborted it, or when every live worker has refused it for
/// kRefusalGraceSeconds (`since`: when that began). `abort`: the message of a worker's abort
/// (with a key: its signature checked already), or nothing.
void check_workers(const std::optional<std::string>& abort, const Value& refused, const Value& live,
                   std::map<std::string, std::string>& logged,
                   std::optional<Clock::time_point>& since) {
  if (abort && !abort->empty()) {
    throw Error("a Redis worker ended the run: " + valid_utf8(*abort));
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
    spdlog::warn(
        "redis: every live worker refuses this run; it ends in {:.0f} s unless a worker "
        "that can serve it joins",
        kRefusalGraceSeconds);
    return;
  }
  if (std::chrono::duration<double>(Clock::now() - *since).count() < kRefusalGraceSeconds) return;
  std::string text =
      "every live Redis worker refuses this run, so no candidate would ever be "
      "evaluated:";
  for (const auto& [id, reason] : by_worker) text += "\n  worker " + id + ": " + reason;
  throw Error(text);
}

}  // namespace

RedisSampler::RedisSampler(MasterOptions options)
    : options_(std::move(options)), batch_sizer_(options_.batch_size) {
  if (!(options_.lease_seconds > 0.0)) throw ConfigError("sampler.lease must be > 0");
  if (!(options_.reconnect_window_seconds >= 0.0))
    throw ConfigError("sampler.reconnect_window must be >= 0");
  client_ = std::make_unique<Client>(options_.endpoint);
  client_->set_reconnect(options_.reconnect_window_seconds);
  run_ = random_run_id();
}

RedisSampler::~RedisSampler() {
  client_->set_reconnect(0.0);  // one quiet try: never wait for a lost server on the way out
  try {
    const std::string p = keys::run_prefix(run_);
    client_->pipeline({{"SREM", keys::kRuns, run_},
                       {"DEL", p + "config", p + "config_mac", p + "round", p + "info"}});
  } catch (...) {
    // The server is gone: its keys go with it (or expire).
  }
}

void RedisSampler::publish_config(const std::string& config_yaml) {
  config_ = config_yaml;
  if (options_.key) config_mac_ = options_.key->config_mac(run_, config_);
  spdlog::info(
      "redis: run id {} on {} (abcsmc {}, wire version {}); start workers with "
      "`abcsmc redis-worker --host {} --port {}`",
      run_, client_->where(), software_version(), kWireVersion, options_.endpoint.host,
      options_.endpoint.port);
}

std::size_t RedisSampler::workers() const {
  try {
    const auto v = client_->pipeline(
        {{"ZREMRANGEBYSCORE", keys::kWorkers, "-inf", std::to_string(keys::now_ms())},
         {"ZCARD", keys::kWorkers}});
    return static_cast<std::size_t>(std::max(0LL, v[1].integer));
  } catch (const ConnectionLost&) {
    throw;  // the reconnect window is over: the round ends (sample())
  } catch (...) {
    return 0;
  }
}

std::optional<double> RedisSampler::outage_seconds() const { return client_->outage_seconds(); }

std::string RedisSampler::status() const {
  return fmt::format(
      " batch={}{}", last_batch_,
      last_reissued_ > 0 ? fmt::format(" reissued={}", last_reissued_) : std::string());
}

std::string RedisSampler::progress_status() const {
  const auto away = outage_seconds();
  return away ? fmt::format(" (Redis server away for {:.0f}s: reconnecting)", *away)
              : std::string();
}

// A lost server is waited for (the client reconnects with backoff) for up to
// sampler.reconnect_window; a cancel from outside (stop request, max_walltime, deadline,
// fail-fast guard) ends that wait within 0.1 s like any other wait of the round. A pipeline
// whose replies did not all arrive is re-sent whole after the reconnect; each command is safe
// to repeat: SET, PEXPIRE, HSET,
// SADD, DEL, reads and EVAL of the dead-claims script change nothing twice, a PUBLISH twice
// only wakes workers twice, an RPUSH of a re-issue twice hands a range out twice (the second
// result is a duplicate, dropped). An LPOP/BLPOP of results, or an LTRIM after LRANGE, whose
// reply was lost loses those results: their leases are gone (the push script deletes them), so
// the dead-claims check re-issues their ranges, and the same indices give the same results.
Sample RedisSampler::sample(const Evaluator& evaluator, const GenerationContext& ctx,
                            const SampleRequest& request) {
  SampleProgress* progress = request.progress;
  client_->set_reconnect(options_.reconnect_window_seconds,
                         [progress] { return progress != nullptr && progress->cancelled(); });
  struct Restore {  // between rounds: the window alone (the round's progress is gone)
    Client& client;
    double window;
    ~Restore() { client.set_reconnect(window); }
  } restore{*client_, options_.reconnect_window_seconds};
  try {
    return sample_round(evaluator, ctx, request);
  } catch (const ConnectionLost& e) {
    if (progress != nullptr && progress->cancelled()) {
      spdlog::warn("redis: {}", e.what());
      return Sample{};  // cancelled from outside while the server was away: nothing is used
    }
    throw ResumableError(std::string(e.what()) + "; stopped");
  }
}

Sample RedisSampler::sample_round(const Evaluator& evaluator, const GenerationContext& ctx,
                                  const SampleRequest& request) {
  if (config_.empty()) throw Error("RedisSampler::sample: publish_config first");
  const auto start_time = Clock::now();
  const std::uint64_t k = ++round_;
  const std::string p = keys::run_prefix(run_);
  const std::string r = keys::round_prefix(run_, k);
  // The worker count costs a round trip: asked only when the automatic size uses it.
  const std::uint64_t batch =
      batch_sizer_.next(batch_sizer_.uses_workers() ? workers() : 1, request.n_accept);
  const std::uint64_t limit = request.max_evals;  // 0 = none
  const long long lease_ms =
      std::max(1LL, static_cast<long long>(std::llround(options_.lease_seconds * 1000.0)));

  GenerationMessage m;
  m.round = k;
  m.scheduling = Scheduling::dynamic;
  m.batch_size = batch;
  m.request = request;
  m.spec = *ctx.spec;
  const std::vector<std::uint8_t> bytes = encode_generation(m);
  const std::string spec_bytes(bytes.begin(), bytes.end());
  const std::string ttl = std::to_string(kRunKeyTtlMs);
  // Authenticated run (redis/auth.hpp): the signatures go in the same pipeline, before the
  // keys that tell workers about the round (round, the registry), so a worker that sees the
  // round finds them.
  const auth::Key* key = options_.key ? &*options_.key : nullptr;
  const std::string spec_mac = key != nullptr ? key->spec_mac(run_, k, spec_bytes) : std::string();
  Command info{"HSET",
               p + "info",
               "t",
               ctx.spec->calibration ? std::string("calibration") : std::to_string(ctx.spec->t),
               "n",
               std::to_string(request.n_accept),
               "round",
               std::to_string(k),
               "evaluations",
               "0",
               "acceptances",
               "0",
               "wire_version",
               std::to_string(kWireVersion),
               "software_version",
               software_version()};
  if (key != nullptr) {
    info.push_back("auth");
    info.push_back(auth::kScheme);
  }
  std::vector<Command> setup_commands{
      {"SET", p + "config", config_, "PX", ttl},
      {"SET", r + "spec", spec_bytes, "PX", "86400000"},
      {"SET", r + "batch", std::to_string(batch), "PX", "86400000"},
      {"SET", r + "limit", std::to_string(limit), "PX", "86400000"},
      {"SET", r + "lease_ms", std::to_string(lease_ms), "PX", "86400000"},
      {"SET", r + "next", "0", "PX", "86400000"},  // a killed master's round keys expire
      info,
      {"PEXPIRE", p + "info", ttl},
      {"SET", p + "round", std::to_string(k), "PX", ttl},
      {"SADD", keys::kRuns, run_},
      {"PUBLISH", keys::kEvents, run_},
  };
  if (key != nullptr) {
    setup_commands.insert(setup_commands.begin() + 2,
                          {"SET", r + "spec_mac", spec_mac, "PX", "86400000"});
    setup_commands.insert(setup_commands.begin() + 1,
                          {"SET", p + "config_mac", config_mac_, "PX", ttl});
  }
  const std::vector<Value> setup = client_->pipeline(setup_commands);
  for (const auto& v : setup) check(v, "starting round " + std::to_string(k));
  std::uint64_t reconnections_seen = client_->reconnections();
  const auto lost_state = [&] {
    return ResumableError("the Redis server at " + client_->where() + " lost the state of run " +
                          run_ +
                          " (restarted without persistence, flushed, or out of memory); stopped");
  };

  // Workers claim ranges themselves (the claim script's INCRBY on r<k>:next); the master learns
  // them from the claims list and keeps the books in `books` (core/dynamic_round.hpp).
  DynamicRound books(request, batch);
  std::uint64_t claims_read = 0;
  bool done_set = false;
  std::uint64_t reissued = 0;
  SampleProgress* progress = request.progress;
  std::map<std::string, std::string> refusals_logged;  // worker id -> reason, logged once
  std::optional<Clock::time_point> all_refused_since;
  // Everything in the results and claims lists is untrusted (anyone with the server's password
  // can push): a result joins the population only when it decodes, belongs to this round, is
  // for a range a worker claimed (the claims list, written by the claim script) and passes
  // validate_result. Anything else is dropped, counted and logged, and never ends the run.
  std::array<std::uint64_t, std::size(kDropText)> dropped{};
  const auto drop = [&](DropKind kind, const std::string& why) {
    const auto i = static_cast<std::size_t>(kind);
    ++dropped[i];
    ++dropped_results_;
    if (!drop_logged_[i]) {
      drop_logged_[i] = true;
      spdlog::warn(
          "redis: dropped one of the {} in round {} of run {}: {} (more like it are dropped "
          "and counted without a message)",
          kDropText[i], k, run_, why);
    }
  };
  const Problem& problem = evaluator.problem();
  // `res` is for a block the books know (handed out through a claim).
  const auto fold = [&](ResultMessage&& res) {
    const DynamicRound::Block& b = *books.find(res.block.first);
    if (b.done) return;  // duplicate (a re-issued range done twice)
    try {
      validate_result(problem, m, res, b.range, false, ctx.distance->stochastic());
    } catch (const Error& e) {
      drop(res.block.count != b.range.count ? DropKind::mismatch : DropKind::invalid, e.what());
      return;
    }
    books.fold(res.block.first, std::move(res.log), res.attempts);
  };
  // Results whose claim the master has not read yet (it reads the claims list every check, and
  // at once when such a result is here). A worker's claim is in the list before its result is
  // pushed, so after the next read a result whose range is not there was never claimed.
  std::vector<ResultMessage> pending;
  const auto take_result = [&](const std::string& element) {
    // With a key, the signature first: nothing unsigned or forged is decoded.
    std::string_view signed_bytes = element;
    if (key != nullptr) {
      switch (key->open_result(run_, k, spec_mac, element, signed_bytes)) {
        case auth::ResultCheck::ok:
          break;
        case auth::ResultCheck::unsigned_result:
          drop(DropKind::unsigned_result, "a blob of " + std::to_string(element.size()) +
                                              " bytes without a signature (pushed by a "
                                              "worker without --key-file, or by hand)");
          return;
        case auth::ResultCheck::bad_signature:
          drop(DropKind::bad_signature, "a signed blob of " + std::to_string(element.size()) +
                                            " bytes whose signature does not "
                                            "verify with this run's key, run id and round");
          return;
      }
    }
    const std::string_view payload = signed_bytes;
    ResultMessage res;
    if (payload.empty() || static_cast<std::uint8_t>(payload[0]) != kWireVersion) {
      drop(
          DropKind::undecodable,
          "a blob of " + std::to_string(payload.size()) +
              " bytes that is not a message of wire version " + std::to_string(kWireVersion) +
              " (its first byte is " +
              (payload.empty() ? std::string("missing")
                               : std::to_string(static_cast<std::uint8_t>(payload[0]))) +
              "): not an abcsmc result, or pushed by a worker of another abcsmc release (this is " +
              software_version() + ")");
      return;
    }
    try {
      res = decode_result_message(std::span<const std::uint8_t>(
          reinterpret_cast<const std::uint8_t*>(payload.data()), payload.size()));
    } catch (const Error& e) {
      drop(DropKind::undecodable,
           "a blob of " + std::to_string(payload.size()) + " bytes: " + e.what());
      return;
    }
    if (res.round != k) {
      drop(DropKind::other_round, "a result of round " + std::to_string(res.round) +
                                      " for indices from " + std::to_string(res.block.first));
      return;
    }
    if (res.block.first < books.frontier()) return;  // duplicate of a range already folded in
    if (books.find(res.block.first) == nullptr) {
      pending.push_back(std::move(res));
      return;
    }
    fold(std::move(res));
  };
  // New entries of the claims list: ranges handed out by INCRBY never overlap, and none lies
  // below the frontier (nothing is folded in before its claim is known).
  const auto register_claims = [&](const Value& list) {
    for (const auto& e : list.elements) {
      ++claims_read;
      const std::optional<WorkBlock> range = parse_range(e.str);
      std::string why;
      if (!range) {
        why = valid_utf8(e.str.substr(0, 64));
        why.insert(0, 1, '\'');
        why += "' is not start:count";
      } else if (books.claim(*range)) {
        continue;
      } else {
        why = std::to_string(range->first);
        why.insert(0, 1, '[');
        why += ", " + std::to_string(range->first + range->count) +
               ") overlaps indices already claimed";
      }
      drop(DropKind::bad_claim, why);
    }
  };
  // After a read of the claims list that followed their arrival: fold in the pending results
  // whose claim is now known, drop the others (never claimed).
  const auto settle_pending = [&] {
    for (auto& res : pending) {
      if (res.block.first < books.frontier()) continue;  // folded in meanwhile: a duplicate
      if (books.find(res.block.first) == nullptr) {
        drop(DropKind::unclaimed, "a result for indices [" + std::to_string(res.block.first) +
                                      ", " + std::to_string(res.block.first + res.block.count) +
                                      ") that no worker claimed (forged, or pushed by hand)");
        continue;
      }
      fold(std::move(res));
    }
    pending.clear();
  };
  const auto learn_claims = [&](const Value& list) {
    register_claims(list);
    settle_pending();
  };
  const auto read_claims_now = [&] {
    const Value v = client_->command({"LRANGE", r + "claims", std::to_string(claims_read), "-1"});
    learn_claims(v);
  };

  const double check_every = std::clamp(options_.lease_seconds / 4.0, 0.05, 1.0);
  auto next_check = Clock::now() + std::chrono::duration<double>(check_every);
  auto next_note = Clock::now() + std::chrono::seconds(10);
  // A cancel from outside (stop signal, max_walltime, deadline, fail-fast guard) is seen within
  // one BLPOP wait (at most a second).
  while (!books.complete() && !(progress != nullptr && progress->cancelled())) {
    if (!done_set && books.enough_known()) {
      check(client_->command({"SET", r + "done", "1"}), "SET done");
      done_set = true;
    }
    const double wait = std::clamp(std::chrono::duration<double>(next_check - Clock::now()).count(),
                                   0.01, check_every);
    // Under load one round trip drains many results and then reads the new claims: the claim of
    // every genuine result popped is in that reply (a worker's claim precedes its push), so what
    // stays pending was never claimed. When the list is empty, block on it.
    const std::vector<Value> popped =
        client_->pipeline({{"LPOP", r + "results", "256"},
                           {"LRANGE", r + "claims", std::to_string(claims_read), "-1"}});
    check(popped[0], "LPOP results");
    check(popped[1], "LRANGE claims");
    register_claims(popped[1]);
    const Value& many = popped[0];
    if (many.type == Value::Type::array && !many.elements.empty()) {
      for (const auto& e : many.elements) take_result(e.str);
      settle_pending();
      if (Clock::now() < next_check) continue;
    } else {
      const Value v =
          client_->blocking({"BLPOP", r + "results", fmt::format("{:.3f}", wait)}, wait);
      if (v.type == Value::Type::array && v.elements.size() == 2) {
        take_result(v.elements[1].str);
        if (!pending.empty()) read_claims_now();
        continue;
      }
    }
    if (Clock::now() < next_check) continue;
    next_check = Clock::now() + std::chrono::duration<double>(check_every);
    if (client_->reconnections() != reconnections_seen) {
      // The server was away. Either it kept this round (persistence: AOF or RDB), then the
      // run goes on: results pushed before are in the list, ranges whose results were lost are
      // re-issued below once their leases are gone; or it came back without it (restarted
      // empty, flushed): the run stops, resumable. The run keys (5 s TTL) may have expired
      // meanwhile: the setup's commands on them (not the round's) go again.
      reconnections_seen = client_->reconnections();
      if (client_->command({"EXISTS", r + "spec"}).integer != 1) throw lost_state();
      std::vector<Command> again;
      for (const auto& c : setup_commands) {
        if (c.size() < 2 || c[1].rfind(r, 0) != 0) again.push_back(c);
      }
      for (const auto& v : client_->pipeline(again)) check(v, "restoring the run's keys");
      spdlog::info("redis: the server at {} kept round {} of run {}; carrying on", client_->where(),
                   k, run_);
    }
    // Learn new claims, keep the run's keys alive, then look for claims whose lease is gone.
    // Round keys carry a one-day TTL (a killed master leaves nothing for good), renewed here.
    std::vector<Command> cmds{{"LRANGE", r + "claims", std::to_string(claims_read), "-1"},
                              {"PEXPIRE", p + "round", ttl},
                              {"PEXPIRE", p + "config", ttl},
                              {"PEXPIRE", p + "info", ttl}};
    for (const char* name :
         {"spec", "batch", "limit", "lease_ms", "next", "claims", "results", "reissue", "done"}) {
      cmds.push_back({"PEXPIRE", r + name, "86400000"});
    }
    if (key != nullptr) {
      cmds.push_back({"PEXPIRE", p + "config_mac", ttl});
      cmds.push_back({"PEXPIRE", r + "spec_mac", "86400000"});
    }
    // Workers that cannot serve the run say why: an abort ends it, refusals by every live
    // worker end it too (nobody would ever evaluate a candidate).
    const std::size_t ask = cmds.size();
    cmds.push_back({"GET", p + "abort"});
    cmds.push_back({"HGETALL", p + "refused"});
    cmds.push_back({"ZRANGEBYSCORE", keys::kWorkers, std::to_string(keys::now_ms()), "+inf"});
    cmds.push_back({"EXISTS", r + "spec"});
    const auto got = client_->pipeline(cmds);
    check(got[0], "LRANGE claims");
    std::optional<std::string> abort;
    if (got[ask].type == Value::Type::string && !got[ask].str.empty()) {
      abort = key != nullptr ? key->open_abort(run_, got[ask].str)
                             : std::optional<std::string>(got[ask].str);
      if (!abort) {
        // Unsigned or forged: it does not end the run. Deleted, so that a worker's genuine
        // abort (SET NX) can take its place.
        if (!forged_abort_logged_) {
          forged_abort_logged_ = true;
          spdlog::warn(
              "redis: ignored an abort message of run {} that is not signed with its key "
              "(forged, or from a worker without --key-file): {}",
              run_, valid_utf8(got[ask].str.substr(0, 200)));
        }
        client_->command({"DEL", p + "abort"});
      }
    }
    check_workers(abort, got[ask + 1], got[ask + 2], refusals_logged, all_refused_since);
    if (got.back().integer != 1) throw lost_state();
    learn_claims(got[0]);
    Command dead_cmd{"EVAL", scripts::kDead, "0", r};
    for (const WorkBlock& b : books.outstanding()) {
      dead_cmd.push_back(std::to_string(b.first) + ":" + std::to_string(b.count));
    }
    if (dead_cmd.size() > 4) {
      const Value dead = client_->command(dead_cmd);
      if (!dead.elements.empty()) {
        // Results pushed just before the check are in the list: fold them in first.
        const Value more = client_->command({"LRANGE", r + "results", "0", "-1"});
        std::vector<Command> reissue;
        std::size_t drained = more.elements.size();
        for (const auto& e : more.elements) take_result(e.str);
        if (!pending.empty()) read_claims_now();
        if (drained > 0) reissue.push_back({"LTRIM", r + "results", std::to_string(drained), "-1"});
        for (const auto& e : dead.elements) {
          const std::optional<WorkBlock> range = parse_range(e.str);
          if (!range) continue;
          const DynamicRound::Block* b = books.find(range->first);
          if (b == nullptr || b->done) continue;
          reissue.push_back({"RPUSH", r + "reissue", e.str});
          ++reissued;
          spdlog::warn(
              "redis: the lease on indices [{}, {}) of round {} expired without a result; "
              "re-issued",
              range->first, range->first + range->count, k);
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
  if (!books.complete() && progress != nullptr && progress->cancelled()) books.stop();
  // Round over: workers drop what they hold (their pushes find no spec), keys go.
  client_->pipeline({{"SET", r + "complete", "1", "PX", "60000"},
                     {"DEL", r + "spec", r + "batch", r + "limit", r + "next", r + "claims",
                      r + "reissue", r + "results", r + "done", r + "lease_ms", r + "spec_mac"},
                     {"PUBLISH", keys::kEvents, run_ + ":complete:" + std::to_string(k)}});
  last_batch_ = batch;
  last_reissued_ = reissued;
  std::string drops;
  for (std::size_t i = 0; i < dropped.size(); ++i) {
    if (dropped[i] > 0)
      drops += (drops.empty() ? "" : ", ") + std::to_string(dropped[i]) + " " + kDropText[i];
  }
  if (!drops.empty()) spdlog::warn("redis: round {} of run {} dropped {}", k, run_, drops);
  // Results reach the frontier: a range claimed above it may never come back.
  const std::uint64_t frontier = books.frontier();
  batch_sizer_.measured(std::chrono::duration<double>(Clock::now() - start_time).count(),
                        frontier > 0 ? workers() : 1, frontier);
  return books.finish(frontier);
}

}  // namespace abcsmc::redis
