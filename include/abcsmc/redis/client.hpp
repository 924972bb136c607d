#pragma once
/// A small RAII wrapper around one hiredis connection (the only file that includes hiredis).
/// Commands are argument vectors (binary safe); a pipeline sends many commands and then reads
/// every reply, so it costs one round trip. I/O failures reconnect with exponential backoff
/// (0.1 s, 0.2 s, ... about 3 s in all) and re-send; after that a clear Error. The password is
/// kept only in memory and never appears in messages.
#include <chrono>
#include <cstdint>
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
};

/// Throws Error when `v` is an error reply (message prefixed with `what`).
void check(const Value& v, const std::string& what);

}  // namespace abcsmc::redis
