#pragma once
/// A small RAII wrapper around one hiredis connection (the only file that includes hiredis).
/// Commands are argument vectors (binary safe); a pipeline sends many commands and then reads
/// every reply, so it costs one round trip. A lost connection (I/O error, EOF, refused connect)
/// is retried with exponential backoff (0.1 s doubling to 5 s, with jitter from
/// std::random_device: never the run's streams) for up to the reconnect window, re-AUTHs,
/// re-SUBSCRIBEs, and re-sends the commands whose replies were lost; after that ConnectionLost.
/// A re-sent command may have run on the server already: callers keep their commands safe to
/// repeat (see the notes in sampler.cpp and worker.cpp). The outage is logged once when it
/// starts and once when it ends, not per attempt. The password is kept only in memory and never
/// appears in messages.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "abcsmc/core/error.hpp"

struct redisContext;

namespace abcsmc::redis {

/// Where the server is.
struct Endpoint {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string password;  ///< empty: no AUTH
};

/// Connecting failed at start (unreachable server, wrong password): the CLI exits 2.
class ConnectError : public ConfigError {
 public:
  using ConfigError::ConfigError;
};

/// The server stayed unreachable for the whole reconnect window, or the caller's give-up check
/// said to stop waiting for it.
class ConnectionLost : public Error {
 public:
  using Error::Error;
};

/// One reply, copied out of hiredis.
struct Value {
  enum class Type { nil, integer, string, status, array, error };
  Type type = Type::nil;
  long long integer = 0;
  std::string str;
  std::vector<Value> elements;

  bool is_nil() const { return type == Type::nil; }
};

using Command = std::vector<std::string>;

class Client {
 public:
  /// Connects (and AUTHs). @throws ConnectError when the server cannot be reached or refuses
  /// the password.
  explicit Client(Endpoint endpoint, double connect_timeout_seconds = 5.0);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  /// One command. @throws Error on an error reply or a connection lost for good.
  Value command(const Command& args);
  /// Many commands, one round trip. Error replies come back as Value::Type::error (not thrown).
  std::vector<Value> pipeline(const std::vector<Command>& commands);
  /// A command that blocks on the server (BLPOP ... timeout) for up to `seconds`.
  Value blocking(const Command& args, double seconds);

  /// Pub/sub: subscribes this connection to `channel` (it then serves nothing else).
  void subscribe(const std::string& channel);
  /// Waits up to `seconds` for a published message (poll on the socket, not a sleep loop).
  /// Returns its payload, or nothing on timeout; 0 s looks without waiting.
  std::optional<std::string> wait_message(double seconds);

  /// How long to keep reconnecting after the connection is lost: one attempt at once, then
  /// backoff until `seconds` have passed since the loss (infinity: until the server is back; 0:
  /// the one attempt only, quietly). `give_up` (may be empty) is asked between attempts, at
  /// least every 0.1 s; true ends the wait with ConnectionLost. Default: 3 s, no give-up.
  void set_reconnect(double seconds, std::function<bool()> give_up = {});
  /// Successful reconnections so far (a caller compares it to learn that the server may have
  /// lost or kept its state meanwhile).
  std::uint64_t reconnections() const { return reconnections_; }
  /// Seconds since the connection was lost while reconnecting, else nothing. Any thread.
  std::optional<double> outage_seconds() const;

  const Endpoint& endpoint() const { return endpoint_; }
  /// "host:port", for messages.
  std::string where() const;

 private:
  void connect(double timeout_seconds, bool at_start);
  void reconnect_or_throw(const std::string& why);
  std::vector<Value> exchange(const std::vector<Command>& commands);

  Endpoint endpoint_;
  redisContext* ctx_ = nullptr;
  std::vector<std::string> subscriptions_;
  double reconnect_seconds_ = 3.0;
  std::function<bool()> give_up_;
  std::uint64_t reconnections_ = 0;
  bool down_ = false;                       ///< the connection is gone and not yet re-established
  std::string down_why_ = "not connected";  ///< how it was lost
  std::atomic<long long> outage_since_ns_{0};  ///< steady clock; 0 = connected
};

/// "forever", "300 s", "2.5 s": a reconnect window for messages.
std::string window_text(double seconds);

/// Throws Error when `v` is an error reply (message prefixed with `what`).
void check(const Value& v, const std::string& what);

}  // namespace abcsmc::redis
