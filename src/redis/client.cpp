#include "abcsmc/redis/client.hpp"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <random>
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

constexpr double kCommandTimeout = 30.0;   // a healthy server answers in microseconds
constexpr double kReconnectTimeout = 2.0;  // one connection attempt while reconnecting
constexpr double kFirstBackoff = 0.1;
constexpr double kMaxBackoff = 5.0;
constexpr double kReminderSeconds = 60.0;  // "still no server" while an outage goes on

using Clock = std::chrono::steady_clock;

// Clients of this process that are reconnecting now: only the first logs the outage at
// warning (a worker holds three connections to one server).
std::atomic<int> g_clients_in_outage{0};

double seconds_since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

}  // namespace

std::string window_text(double seconds) {
  if (std::isinf(seconds)) return "forever";
  return fmt::format("{:g} s", seconds);
}

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
  ctx_ =
      redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port, to_timeval(timeout_seconds));
  if (ctx_ == nullptr || ctx_->err != 0) {
    const std::string why =
        ctx_ == nullptr ? std::string("out of memory") : std::string(ctx_->errstr);
    throw ConnectError("cannot connect to Redis at " + where() + ": " + why);
  }
  redisEnableKeepAlive(ctx_);
  redisSetTimeout(ctx_, to_timeval(kCommandTimeout));
  if (!endpoint_.password.empty()) {
    const char* argv[] = {"AUTH", endpoint_.password.c_str()};
    const std::size_t len[] = {4, endpoint_.password.size()};
    auto* r = static_cast<redisReply*>(redisCommandArgv(ctx_, 2, argv, len));
    if (r == nullptr)
      throw ConnectError("cannot connect to Redis at " + where() + ": " + ctx_->errstr);
    const Value v = convert(r);
    freeReplyObject(r);
    if (v.type == Value::Type::error) {
      throw ConnectError("Redis at " + where() + " refused the password (" +
                         v.str.substr(0, v.str.find(' ')) +
                         "); check --password or the variable "
                         "named by sampler.password_env");
    }
  }
  if (!endpoint_.password.empty() && !at_start) {
    // A restarted server accepts connections while it loads its data and answers LOADING: not
    // back yet (the caller retries).
    const char* argv[] = {"PING"};
    const std::size_t len[] = {4};
    auto* r = static_cast<redisReply*>(redisCommandArgv(ctx_, 1, argv, len));
    if (r == nullptr) throw Error(std::string("PING failed: ") + ctx_->errstr);
    const Value v = convert(r);
    freeReplyObject(r);
    if (v.type == Value::Type::error) throw Error("PING answered " + v.str);
  } else if (endpoint_.password.empty()) {
    // Find out now whether the server wants a password (a clear error at start, not later).
    const char* argv[] = {"PING"};
    const std::size_t len[] = {4};
    auto* r = static_cast<redisReply*>(redisCommandArgv(ctx_, 1, argv, len));
    if (r == nullptr)
      throw ConnectError("cannot connect to Redis at " + where() + ": " + ctx_->errstr);
    const Value v = convert(r);
    freeReplyObject(r);
    if (v.type == Value::Type::error) {
      throw ConnectError("Redis at " + where() + " answered PING with an error (" + v.str +
                         "); does it need a password?");
    }
  }
  for (const auto& channel : subscriptions_) {
    const char* argv[] = {"SUBSCRIBE", channel.c_str()};
    const std::size_t len[] = {9, channel.size()};
    auto* r = static_cast<redisReply*>(redisCommandArgv(ctx_, 2, argv, len));
    if (r == nullptr) throw Error("Redis at " + where() + ": SUBSCRIBE failed: " + ctx_->errstr);
    freeReplyObject(r);
  }
}

void Client::set_reconnect(double seconds, std::function<bool()> give_up) {
  reconnect_seconds_ = std::max(0.0, seconds);
  give_up_ = std::move(give_up);
}

std::optional<double> Client::outage_seconds() const {
  const long long since = outage_since_ns_.load();
  if (since == 0) return std::nullopt;
  const long long now =
      std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
  return static_cast<double>(now - since) * 1e-9;
}

void Client::reconnect_or_throw(const std::string& why) {
  const auto began = Clock::now();
  down_ = true;
  outage_since_ns_.store(std::max(
      1LL,
      static_cast<long long>(
          std::chrono::duration_cast<std::chrono::nanoseconds>(began.time_since_epoch()).count())));
  const bool quiet = !(reconnect_seconds_ > 0.0);  // a last try (e.g. cleaning up): no messages
  bool counted = false;                            // in g_clients_in_outage
  bool announced = false;                          // this client logged the outage at warning
  struct Leave {                                   // on every way out: not reconnecting any more
    Client& c;
    bool& counted;
    ~Leave() {
      c.outage_since_ns_.store(0);
      if (counted) g_clients_in_outage.fetch_sub(1);
    }
  } leave{*this, counted};
  std::random_device jitter_source;  // not the run's streams: timing only
  std::uniform_real_distribution<double> jitter(0.5, 1.0);
  double backoff = kFirstBackoff;
  double next_reminder = kReminderSeconds;
  std::string last = why;
  for (int attempt = 0;; ++attempt) {
    if (attempt >
        0) {  // the first attempt goes at once: a dropped idle connection comes right back
      double pause = std::min(backoff * jitter(jitter_source),
                              std::max(0.0, reconnect_seconds_ - seconds_since(began)));
      backoff = std::min(2.0 * backoff, kMaxBackoff);
      while (pause > 0.0) {  // in slices, so a give-up is seen within 0.1 s
        if (give_up_ && give_up_()) break;
        const double slice = std::min(pause, 0.1);
        std::this_thread::sleep_for(std::chrono::duration<double>(slice));
        pause -= slice;
      }
    }
    if (attempt == 0 || !(give_up_ && give_up_())) {
      try {
        connect(kReconnectTimeout, false);
        down_ = false;
        ++reconnections_;
        if (announced) {
          spdlog::warn("redis: reconnected to {} after {:.1f} s", where(), seconds_since(began));
        } else if (!quiet && attempt == 0) {
          spdlog::info("redis: the connection to {} dropped ({}); reconnected", where(), why);
        } else if (!quiet) {
          spdlog::debug("redis: reconnected to {} after {:.1f} s", where(), seconds_since(began));
        }
        return;
      } catch (const std::exception& e) {
        last = e.what();
      }
    }
    const double elapsed = seconds_since(began);
    if (attempt == 0 && !quiet) {
      counted = true;
      if (g_clients_in_outage.fetch_add(1) == 0) {
        announced = true;
        spdlog::warn("redis: lost the Redis server at {}: {}; reconnecting {}", where(), why,
                     std::isinf(reconnect_seconds_)
                         ? std::string("until it is back")
                         : "for up to " + window_text(reconnect_seconds_));
      }
    }
    if (give_up_ && give_up_()) {
      throw ConnectionLost("stopped waiting for the Redis server at " + where() + " after " +
                           fmt::format("{:.1f} s", elapsed) + " (lost: " + why +
                           "; last attempt: " + last + ")");
    }
    if (elapsed >= reconnect_seconds_) {
      throw ConnectionLost(
          "Redis server at " + where() + " unreachable for " + window_text(reconnect_seconds_) +
          " (the reconnect window; lost: " + why + "; last attempt: " + last + ")");
    }
    if (announced && elapsed >= next_reminder) {
      next_reminder += kReminderSeconds;
      spdlog::warn(
          "redis: still no Redis server at {} after {:.0f} s ({}); reconnecting for up to {} in "
          "all",
          where(), elapsed, last, window_text(reconnect_seconds_));
    }
  }
}

std::vector<Value> Client::exchange(const std::vector<Command>& commands) {
  for (int round = 0;; ++round) {
    if (down_ || ctx_ == nullptr) reconnect_or_throw(down_why_);
    bool io_failed = false;
    std::string why;
    for (const auto& c : commands) {
      std::vector<const char*> argv;
      std::vector<std::size_t> len;
      for (const auto& a : c) {
        argv.push_back(a.data());
        len.push_back(a.size());
      }
      if (redisAppendCommandArgv(ctx_, static_cast<int>(argv.size()), argv.data(), len.data()) !=
          REDIS_OK) {
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
  if (!down_ && ctx_ != nullptr) redisSetTimeout(ctx_, to_timeval(seconds + kCommandTimeout));
  Value v = exchange({args}).front();  // a reconnect inside sets the ordinary timeout
  if (!down_ && ctx_ != nullptr) redisSetTimeout(ctx_, to_timeval(kCommandTimeout));
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
  // A look without waiting (0 s, between evaluations) never waits for a lost server either: it
  // marks the connection down, and the next waiting call reconnects (and re-subscribes).
  const auto lost = [&](const std::string& why) {
    if (seconds > 0.0) {
      reconnect_or_throw(why);
      return true;
    }
    down_ = true;
    down_why_ = why;
    return false;
  };
  for (;;) {
    if (down_ || ctx_ == nullptr) {
      if (!lost(down_why_)) return std::nullopt;
      continue;
    }
    void* reply = nullptr;
    if (redisGetReplyFromReader(ctx_, &reply) != REDIS_OK) {
      if (!lost(ctx_->errstr)) return std::nullopt;
      continue;
    }
    if (reply == nullptr) {
      const auto left =
          std::chrono::duration<double>(deadline - std::chrono::steady_clock::now()).count();
      pollfd p{ctx_->fd, POLLIN, 0};
      const int n = poll(&p, 1, left > 0 ? static_cast<int>(std::ceil(left * 1000.0)) : 0);
      if (n > 0) {
        if (redisBufferRead(ctx_) != REDIS_OK && !lost(ctx_->errstr)) return std::nullopt;
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
