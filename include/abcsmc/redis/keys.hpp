#pragma once
/// Redis key layout of the bridge (one place; the protocol itself lives in src/redis/).
///   abcsmc:runs                 set of active run ids (master SADDs at each round, SREMs at end;
///                               `redis-manager info` drops runs whose config key has expired)
///   abcsmc:events               pub/sub channel: "<run>" on a new round or re-issued work, "stop"
///   abcsmc:workers              zset worker id -> heartbeat expiry (ms since epoch)
///   abcsmc:stop                 ms since epoch of the last `redis-manager stop`
///   abcsmc:<run>:config         resolved config YAML (TTL, renewed by the master)
///   abcsmc:<run>:config_mac     keyed run (redis/auth.hpp): the config's HMAC, hex (same TTL)
///   abcsmc:<run>:round          current round number k (TTL, renewed by the master)
///   abcsmc:<run>:info           hash: t, n, round, evaluations, acceptances (redis-manager info),
///                               wire_version, software_version (a worker of another wire
///                               version refuses the run and names both releases), auth
///                               (hmac-sha256 in a keyed run: keyless workers refuse it)
///   abcsmc:<run>:refused        hash worker id -> why it cannot serve the run (master, info)
///   abcsmc:<run>:abort          a worker's message that ends the run (on_failure: abort;
///                               keyed run: "hmac-sha256:<hex> message", else ignored)
///   abcsmc:<run>:r<k>:spec      GenerationMessage bytes (core/wire.hpp); gone = round over
///   abcsmc:<run>:r<k>:spec_mac  keyed run: the spec's HMAC, hex
///   abcsmc:<run>:r<k>:batch     default batch size; :limit  index budget (0 = none);
///   abcsmc:<run>:r<k>:lease_ms  lease time
///   abcsmc:<run>:r<k>:next      INCRBY counter of evaluation indices handed out
///   abcsmc:<run>:r<k>:claims    list of "start:count" claimed by INCRBY (master reads it)
///   abcsmc:<run>:r<k>:lease:<start>  the claim's lease (PX), renewed by its worker
///   abcsmc:<run>:r<k>:reissue   list of "start:count" whose lease expired without a result
///   abcsmc:<run>:r<k>:results   list of ResultMessage bytes (the master folds in only results
///                               that decode, are for a range in :claims and pass
///                               validate_result; the rest is dropped and counted; keyed
///                               run: each framed and signed, see redis/auth.hpp)
///   abcsmc:<run>:r<k>:done      set: no new claims (enough accepted known)
///   abcsmc:<run>:r<k>:complete  set: the round is assembled; workers drop what they hold
/// Run keys expire 5 s and round keys one day after the master's last renewal (it renews them
/// every lease/4, at most 1 s apart), so a killed master leaves nothing behind for good. After
/// a server outage the master finds its round's keys (a server with persistence) and sets its
/// run keys again, or finds them gone (restarted empty) and stops, resumable.
/// Messages on abcsmc:events: "<run>" (new round or re-issued work: try to claim),
/// "<run>:complete:<k>" (round k assembled: drop unstarted work of it), "stop".
#include <chrono>
#include <cstdint>
#include <string>

namespace abcsmc::redis::keys {

inline const std::string kRuns = "abcsmc:runs";
inline const std::string kEvents = "abcsmc:events";
inline const std::string kWorkers = "abcsmc:workers";
inline const std::string kStop = "abcsmc:stop";

/// Milliseconds since the epoch: the clock of abcsmc:workers' expiries and abcsmc:stop (master,
/// workers and manager on different hosts compare them).
inline long long now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// "abcsmc:<run>:"
inline std::string run_prefix(const std::string& run) { return "abcsmc:" + run + ":"; }
/// "abcsmc:<run>:r<k>:"
inline std::string round_prefix(const std::string& run, std::uint64_t k) {
  return run_prefix(run) + "r" + std::to_string(k) + ":";
}

}  // namespace abcsmc::redis::keys
