#include "abcsmc/redis/client.hpp"

#include <hiredis/hiredis.h>
#include <poll.h>

#include <cmath>
#include <thread>

namespace abcsmc::redis {

namespace {

timeval to_timeval(double seconds) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(seconds);
  tv.tv_usec = static_cast<suseconds_t>((seconds - std::floor(seconds)) * 1e6);
  return tv;
}

Value convert(const redisReply* r) {
  Value v;
  if (r == nullptr) return v;
  switch (r->type) {
    case REDIS_REPLY_INTEGER:
      v.type = Value::Type::integer;
      v.integer = r->integer;
      break;
    case REDIS_REPLY_STRING:
      v.type = Value::Type::string;
      v.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_STATUS:
      v.type = Value::Type::status;
      v.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ERROR:
      v.type = Value::Type::error;
      v.str.assign(r->str, r->len);
      break;
    case REDIS_REPLY_ARRAY:
      v.type = Value::Type::array;
      for (std::size_t i = 0; i < r->elements; ++i) v.elements.push_back(convert(r->element[i]));
      break;
    default:
      break;
  }
  return v;
}

constexpr double kCommandTimeout = 30.0;  // a healthy server answers in microseconds
constexpr int kRetries = 5;

}  // namespace

void check(const Value& v, const std::string& what) {
  if (v.type == Value::Type::error) throw Error("Redis: " + what + ": " + v.str);
}

Client::Client(Endpoint endpoint, double connect_timeout_seconds) : endpoint_(std::move(endpoint)) {
  connect(connect_timeout_seconds, true);
}

Client::~Client() {
  if (ctx_ != nullptr) redisFree(ctx_);
}

std::string Client::where() const { return endpoint_.host + ":" + std::to_string(endpoint_.port); }

void Client::connect(double timeout_seconds, bool at_start) {
  if (ctx_ != nullptr) {
    redisFree(ctx_);
    ctx_ = nullptr;
  }
  ctx_ = redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port, to_timeval(timeout_seconds));
  if (ctx_ == nullptr || ctx_->err != 0) {
    const std::string why = ctx_ == nullptr ? std::string("out of memory") : std::string(ctx_->errstr);
    throw ConnectError("cannot connect to Redis at " + where() + ": " + why);
  }
  redisEnableKeepAlive(ctx_);
  redisSetTimeout(ctx_, to_timeval(kCommandTimeout));
  if (!endpoint_.password.empty()) {
    const char* argv[] = {"AUTH", endpoint_.password.c_str()};
    const std::size_t len[] = {4, endpoint_.password.size()};
    auto* r = static_cast<redisReply*>(redisCommandArgv(ctx_, 2, argv, len));
    if (r == nullptr) throw ConnectError("cannot connect to Redis at " + where() + ": " + ctx_->errstr);
    const Value v = convert(r);
    freeReplyObject(r);
    if (v.type == Value::Type::error) {
      throw ConnectError("Redis at " + where() + " refused the password (" +
                         v.str.substr(0, v.str.find(' ')) + "); check --password or the variable "
                         "named by sampler.password_env");
    }
  } else {
    // Find out now whether the server wants a password (a clear error at start, not later).
    const char* argv[] = {"PING"};
    const std::size_t len[] = {4};
    auto* r = static_cast<redisReply*>(redisCommandArgv(ctx_, 1, argv, len));
    if (r == nullptr) throw ConnectError("cannot connect to Redis at " + where() + ": " + ctx_->errstr);
    const Value v = convert(r);
    freeReplyObject(r);
    if (v.type == Value::Type::error) {
      throw ConnectError("Redis at " + where() + " answered PING with an error (" + v.str +
                         "); does it need a password?");
    }
  }
  (void)at_start;
  for (const auto& channel : subscriptions_) {
    const char* argv[] = {"SUBSCRIBE", channel.c_str()};
    const std::size_t len[] = {9, channel.size()};
    auto* r = static_cast<redisReply*>(redisCommandArgv(ctx_, 2, argv, len));
    if (r == nullptr) throw Error("Redis at " + where() + ": SUBSCRIBE failed: " + ctx_->errstr);
    freeReplyObject(r);
  }
}

void Client::reconnect_or_throw(const std::string& why) {
  double wait = 0.1;
  std::string last = why;
  for (int attempt = 1; attempt <= kRetries; ++attempt) {
    std::this_thread::sleep_for(std::chrono::duration<double>(wait));  // backoff between retries
    wait *= 2;
    try {
      connect(2.0, false);
      return;
    } catch (const std::exception& e) {
      last = e.what();
    }
  }
  throw Error("lost the connection to Redis at " + where() + " (" + why + "); gave up after " +
              std::to_string(kRetries) + " reconnection attempts over about 3 s: " + last);
}

std::vector<Value> Client::exchange(const std::vector<Command>& commands) {
  for (int round = 0;; ++round) {
    bool io_failed = false;
    std::string why;
    for (const auto& c : commands) {
      std::vector<const char*> argv;
      std::vector<std::size_t> len;
      for (const auto& a : c) {
        argv.push_back(a.data());
        len.push_back(a.size());
      }
      if (redisAppendCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(), len.data()) != REDIS_OK) {
        io_failed = true;
        why = ctx_->errstr;
        break;
      }
    }
    std::vector<Value> out;
    if (!io_failed) {
      for (std::size_t i = 0; i < commands.size(); ++i) {
        void* reply = nullptr;
        if (redisGetReply(ctx_, &reply) != REDIS_OK || reply == nullptr) {
          io_failed = true;
          why = ctx_->errstr;
          break;
        }
        out.push_back(convert(static_cast<redisReply*>(reply)));
        freeReplyObject(reply);
      }
    }
    if (!io_failed) return out;
    reconnect_or_throw(why);  // throws when the server stays away
  }
}

Value Client::command(const Command& args) {
  Value v = exchange({args}).front();
  check(v, args.empty() ? std::string() : args.front());
  return v;
}

std::vector<Value> Client::pipeline(const std::vector<Command>& commands) {
  return exchange(commands);
}

Value Client::blocking(const Command& args, double seconds) {
  redisSetTimeout(ctx_, to_timeval(seconds + kCommandTimeout));
  Value v = exchange({args}).front();
  redisSetTimeout(ctx_, to_timeval(kCommandTimeout));
  check(v, args.empty() ? std::string() : args.front());
  return v;
}

void Client::subscribe(const std::string& channel) {
  const Value v = command({"SUBSCRIBE", channel});
  (void)v;
  subscriptions_.push_back(channel);
}

std::optional<std::string> Client::wait_message(double seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  for (;;) {
    void* reply = nullptr;
    if (redisGetReplyFromReader(ctx_, &reply) != REDIS_OK) reconnect_or_throw(ctx_->errstr);
    if (reply == nullptr) {
      const auto left = std::chrono::duration<double>(deadline - std::chrono::steady_clock::now()).count();
      pollfd p{ctx_->fd, POLLIN, 0};
      const int n = poll(&p, 1, left > 0 ? static_cast<int>(std::ceil(left * 1000.0)) : 0);
      if (n > 0) {
        if (redisBufferRead(ctx_) != REDIS_OK) reconnect_or_throw(ctx_->errstr);
        continue;
      }
      if (n == 0 || left <= 0) return std::nullopt;  // timeout
      continue;                                      // EINTR
    }
    const Value v = convert(static_cast<redisReply*>(reply));
    freeReplyObject(reply);
    if (v.type == Value::Type::array && v.elements.size() == 3 && v.elements[0].str == "message") {
      return v.elements[2].str;
    }
  }
}

}  // namespace abcsmc::redis
