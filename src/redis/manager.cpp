// `abc-redis-manager` / `abcsmc redis-manager`: info, stop and reset-workers on the server's
// run registry (include/abcsmc/redis/sampler.hpp).
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "abcsmc/core/failures.hpp"  // valid_utf8: what the server holds is untrusted
#include "abcsmc/redis/client.hpp"
#include "abcsmc/redis/keys.hpp"
#include "abcsmc/redis/sampler.hpp"
#include "scripts.hpp"

namespace abcsmc::redis {

namespace {

/// `redis-manager info`: the workers that refuse `run`, one line each with their reason, under
/// the run's line (the `<run>:refused` hash workers write through refuse()).
void print_refusals(Client& c, const std::string& run) {
  const Value h = c.command({"HGETALL", keys::run_prefix(run) + "refused"});
  for (std::size_t i = 0; i + 1 < h.elements.size(); i += 2) {
    std::printf("  refused by worker %s: %s\n", valid_utf8(h.elements[i].str).c_str(),
                valid_utf8(h.elements[i + 1].str).c_str());
  }
}

}  // namespace

int run_manager(const Endpoint& endpoint, const std::string& action) {
  Client c(endpoint);
  if (action == "info") {
    const std::string empty_prefix = keys::run_prefix("");  // "abcsmc:" + run + ":"
    const std::string run_keys_start = empty_prefix.substr(0, empty_prefix.size() - 1);
    // Only live runs: one whose config key has expired has lost its master (killed: its keys
    // go 5 s later) and leaves the registry.
    const auto v =
        c.pipeline({{"ZREMRANGEBYSCORE", keys::kWorkers, "-inf", std::to_string(keys::now_ms())},
                    {"ZCARD", keys::kWorkers},
                    {"EVAL", scripts::kLiveRuns, "0", keys::kRuns, run_keys_start}});
    check(v[2], "listing runs");
    const long long workers = v[1].integer;
    std::vector<std::string> runs;
    for (const auto& run : v[2].elements) runs.push_back(run.str);
    if (runs.empty()) {
      std::printf("Workers=%lld Evaluations=0 Acceptances=0/0 (no active run)\n", workers);
      return 0;
    }
    for (const auto& run : runs) {
      const Value h = c.command({"HGETALL", keys::run_prefix(run) + "info"});
      std::map<std::string, std::string> f;
      for (std::size_t i = 0; i + 1 < h.elements.size(); i += 2)
        f[h.elements[i].str] = h.elements[i + 1].str;
      const auto get = [&](const char* key) { return f.count(key) ? f[key] : std::string("0"); };
      std::printf("Workers=%lld Evaluations=%s Acceptances=%s/%s Generation=%s Run=%s\n", workers,
                  get("evaluations").c_str(), get("acceptances").c_str(), get("n").c_str(),
                  get("t").c_str(), run.c_str());
      print_refusals(c, run);
    }
    return 0;
  }
  if (action == "stop") {
    c.pipeline({{"SET", keys::kStop, std::to_string(keys::now_ms()), "EX", "86400"},
                {"PUBLISH", keys::kEvents, "stop"}});
    std::printf("Sent stop: workers leave after the current generation\n");
    return 0;
  }
  if (action == "reset-workers") {
    c.command({"DEL", keys::kWorkers});
    std::printf("Worker registrations cleared (live workers register again within a second)\n");
    return 0;
  }
  std::fprintf(stderr, "error: unknown action '%s' (info, stop or reset-workers)\n",
               action.c_str());
  return 2;
}

}  // namespace abcsmc::redis
