// Persistent simulators: children started once (ChildProcess, process.cpp) and kept in a free
// list, the hello/ready handshake and one request/reply exchange per simulation over
// non-blocking pipes with deadlines (the text itself: persistent_protocol.cpp), and the fault
// handling: a broken child fails its candidate, is stopped, and is replaced on the next call.
#include "abcsmc/models/persistent_model.hpp"

#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "abcsmc/core/error.hpp"
#include "abcsmc/core/value_range.hpp"
#include "abcsmc/models/persistent_protocol.hpp"
#include "abcsmc/models/process.hpp"
#include "abcsmc/models/reason_text.hpp"

namespace abcsmc {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kChildStderrTail = 8u << 10;  // stderr kept per child for messages

Clock::time_point deadline_after(double seconds) {
  if (!(seconds > 0.0)) return Clock::time_point::max();
  return Clock::now() +
         std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

int poll_wait_ms(Clock::time_point deadline) {
  if (deadline == Clock::time_point::max()) return -1;
  const auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now());
  if (left.count() <= 0) return 0;
  return static_cast<int>(std::min<long long>((left.count() + 999) / 1000, 1 << 30));
}

/// write(2) with SIGPIPE blocked in this thread: a child that has exited makes the write fail
/// with EPIPE instead of killing this process. A SIGPIPE the write raised is taken back
/// (sigtimedwait) unless one was already pending.
ssize_t write_no_sigpipe(int fd, const char* data, std::size_t size) {
  sigset_t pipe_set;
  sigset_t old;
  sigemptyset(&pipe_set);
  sigaddset(&pipe_set, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
  sigset_t pending;
  sigpending(&pending);
  const bool was_pending = sigismember(&pending, SIGPIPE) == 1;
  const ssize_t n = ::write(fd, data, size);
  const int saved = errno;
  if (n < 0 && saved == EPIPE && !was_pending) {
    const struct timespec zero {};
    while (sigtimedwait(&pipe_set, nullptr, &zero) < 0 && errno == EINTR) {
    }
  }
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  errno = saved;
  return n;
}

std::atomic<ChildStderrLogger> g_stderr_logger{nullptr};

}  // namespace

/// What an exchange with a child ran into.
enum class PersistentModel::Io : int { done, eof, timeout, too_long, error };

struct PersistentModel::Child {
  Child(const std::vector<std::string>& argv, const std::string& command)
      : process(argv), shown(command) {}
  ChildProcess process;
  const std::string& shown;  // the model's command text, for the stderr logger
  std::string out;           // stdout read but not yet consumed (at most one partial line)
  std::string err_tail;      // the last few KiB of its stderr
  std::string err_line;      // a partial stderr line not yet logged
  std::uint64_t next_id = 1;
  std::size_t max_batch = 1;

  void take_stderr() {
    char buf[4096];
    for (;;) {
      const ssize_t got = ::read(process.stderr_fd(), buf, sizeof buf);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) return;  // EAGAIN (nothing now), end of file, or an error
      err_tail.append(buf, static_cast<std::size_t>(got));
      if (const ChildStderrLogger log = g_stderr_logger.load(std::memory_order_acquire)) {
        err_line.append(buf, static_cast<std::size_t>(got));
        std::size_t start = 0;
        for (std::size_t nl = err_line.find('\n'); nl != std::string::npos;
             nl = err_line.find('\n', start)) {
          log(shown, err_line.substr(start, std::min<std::size_t>(nl - start, 1000)));
          start = nl + 1;
        }
        err_line.erase(0, start);
        if (err_line.size() > 1000) {  // a very long line: logged in pieces
          log(shown, err_line.substr(0, 1000));
          err_line.clear();
        }
      }
      if (err_tail.size() > 2 * kChildStderrTail) {
        err_tail.erase(0, err_tail.size() - kChildStderrTail);
      }
    }
  }

  /// Writes all of `data` before `deadline`, draining stderr meanwhile, and stdout into `out`
  /// (at most `out_cap` bytes): a child that answers the first requests of a big batch while
  /// abcsmc still writes the last ones must not block on a full stdout pipe (a deadlock).
  Io send(const std::string& data, Clock::time_point deadline, std::size_t out_cap) {
    std::size_t done = 0;
    while (done < data.size()) {
      const int fd = process.stdin_fd();
      if (fd < 0) return Io::eof;
      const ssize_t n = write_no_sigpipe(fd, data.data() + done, data.size() - done);
      if (n > 0) {
        done += static_cast<std::size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
        return errno == EPIPE ? Io::eof : Io::error;
      pollfd fds[3] = {
          {fd, POLLOUT, 0}, {process.stderr_fd(), POLLIN, 0}, {process.stdout_fd(), POLLIN, 0}};
      const int wait = poll_wait_ms(deadline);
      if (wait == 0) return Io::timeout;
      if (poll(fds, 3, wait) < 0 && errno != EINTR) return Io::error;
      if (fds[1].revents != 0) take_stderr();
      if (fds[2].revents != 0) {
        if (out.size() > out_cap) return Io::too_long;
        char buf[65536];
        const ssize_t got = ::read(process.stdout_fd(), buf, sizeof buf);
        if (got > 0) out.append(buf, static_cast<std::size_t>(got));
        if (got == 0) return Io::eof;
      }
      if ((fds[0].revents & (POLLERR | POLLHUP)) != 0 && (fds[0].revents & POLLOUT) == 0) {
        return Io::eof;
      }
    }
    return Io::done;
  }

  /// Reads one line (without its '\n') into `line` before `deadline`; a line longer than `cap`
  /// is too_long (the child is then out of step and must go).
  Io read_line(std::string& line, std::size_t cap, Clock::time_point deadline) {
    bool err_open = true;
    for (;;) {
      const std::size_t nl = out.find('\n');
      if (nl != std::string::npos) {
        if (nl > cap) return Io::too_long;
        line.assign(out, 0, nl);
        out.erase(0, nl + 1);
        return Io::done;
      }
      if (out.size() > cap) return Io::too_long;
      pollfd fds[2] = {{process.stdout_fd(), POLLIN, 0}, {process.stderr_fd(), POLLIN, 0}};
      const int wait = poll_wait_ms(deadline);
      if (wait == 0) return Io::timeout;
      const int ready = poll(fds, err_open ? 2 : 1, wait);
      if (ready < 0) {
        if (errno == EINTR) continue;
        return Io::error;
      }
      if (ready == 0) continue;  // the deadline: checked at the top
      if (err_open && fds[1].revents != 0) {
        take_stderr();
        if ((fds[1].revents & POLLIN) == 0) err_open = false;  // its stderr closed
      }
      if (fds[0].revents != 0) {
        char buf[65536];
        const ssize_t got = ::read(process.stdout_fd(), buf, sizeof buf);
        if (got < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
        if (got < 0) return Io::error;
        if (got == 0) return Io::eof;
        out.append(buf, static_cast<std::size_t>(got));
      }
    }
  }

  /// True when the child wrote on its stdout, or closed it, while no request was waiting: it is
  /// out of step (an extra reply line) and must not serve the next request. Does not wait.
  bool wrote_unasked() {
    if (!out.empty()) return true;
    pollfd fd{process.stdout_fd(), POLLIN, 0};
    return poll(&fd, 1, 0) > 0 && fd.revents != 0;
  }

  /// After an end of file: how it ended, waiting up to 1 s for it to exit, with the reason.
  std::pair<std::string, std::string> ending() {
    for (int i = 0; i < 100 && !process.exited(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    take_stderr();
    const std::string last = reason_text(err_tail);
    if (!process.exited()) {
      return {"closed its stdout", "closed its stdout"};
    }
    if (process.signal() != 0) {
      const std::string killed = "killed by signal " + std::to_string(process.signal()) + " (" +
                                 strsignal(process.signal()) + ")";
      return {"was " + killed, killed};
    }
    const std::string status = "exited with status " + std::to_string(process.exit_status());
    return {status, status + (last.empty() ? std::string() : " \"" + last + "\"")};
  }
};

void set_child_stderr_logger(ChildStderrLogger logger) noexcept {
  g_stderr_logger.store(logger, std::memory_order_release);
}

PersistentModel::PersistentModel(PersistentSpec spec,
                                 const std::vector<std::string>& parameter_names)
    : spec_(std::move(spec)), parameter_names_(parameter_names) {
  if (spec_.argv.empty() || spec_.argv[0].empty()) {
    throw ConfigError(
        "the persistent command is empty; give the program and its arguments, e.g. "
        "[python3, sim.py]");
  }
  shown_ = "persistent simulator `" + quote_command(spec_.argv) + "`";
  if (spec_.statistics.empty()) {
    throw ConfigError(
        "a persistent model needs 'statistics': the names its replies give, e.g. "
        "statistics: [y]");
  }
  std::vector<std::string> seen;
  for (const auto& s : spec_.statistics) {
    if (s.size == 0 || !persistent::valid_name(s.name)) {
      throw ConfigError("statistics: '" + s.name +
                        "' cannot be sent to a persistent simulator: every statistic needs a "
                        "name without blanks or control characters and a size >= 1");
    }
    if (std::find(seen.begin(), seen.end(), s.name) != seen.end()) {
      throw ConfigError("statistics: '" + s.name + "' is listed twice");
    }
    seen.push_back(s.name);
  }
  for (const auto& p : parameter_names_) {
    if (!persistent::valid_name(p)) {
      throw ConfigError("parameter '" + p +
                        "' cannot be sent to a persistent simulator (a name without blanks)");
    }
  }
  for (const auto& [key, value] : spec_.options) {
    if (!persistent::valid_name(key) || !persistent::valid_option_value(value)) {
      throw ConfigError("options: '" + key +
                        "' cannot be sent to a persistent simulator (keys without blanks, "
                        "values on one line)");
    }
  }
  if (!(spec_.timeout_seconds >= 0.0) || !(spec_.start_timeout_seconds >= 0.0) ||
      !(spec_.kill_grace_seconds >= 0.0)) {
    throw ConfigError("timeout, start_timeout and kill_grace must be >= 0 seconds");
  }
  const std::string& program = spec_.argv[0];
  const std::string exe = find_executable(program);
  if (exe.empty()) {
    if (program.find('/') != std::string::npos) {
      struct stat st {};
      const bool exists = ::stat(program.c_str(), &st) == 0;
      throw ConfigError("persistent: '" + program + "' " +
                        (exists ? std::string("is not an executable file (chmod +x it?)")
                                : std::string("does not exist (a relative path is relative to "
                                              "the config file)")));
    }
    throw ConfigError("persistent: program '" + program + "' not found in PATH");
  }
  exec_argv_ = spec_.argv;
  exec_argv_[0] = exe;
  n_stats_ = total_stat_size(spec_.statistics);
  persistent::Hello hello;
  hello.parameters = parameter_names_;
  hello.statistics = spec_.statistics;
  hello.options = spec_.options;
  if (spec_.batch == 0 || spec_.batch > persistent::kMaxBatch) {
    throw ConfigError("batch must be 1 to " + std::to_string(persistent::kMaxBatch));
  }
  hello.max_batch = spec_.batch > 1 ? spec_.batch : 0;  // 0: one request at a time
  hello_ = persistent::encode_hello(hello);
  std::unique_ptr<Child> first;
  try {
    first = start_child();
  } catch (const ModelError& e) {
    throw ConfigError(e.what());
  }
  batch_size_ = std::min(spec_.batch, first->max_batch);
  release(std::move(first));
}

PersistentModel::~PersistentModel() { end_idle(); }

void PersistentModel::end_idle() const {
  std::vector<std::unique_ptr<Child>> idle;
  {
    const std::lock_guard<std::mutex> lock(mutex_);
    idle.swap(idle_);
    alive_ -= idle.size();
  }
  // Close every stdin first, so that the children exit together rather than one grace apart.
  for (auto& c : idle) c->process.close_stdin();
  for (auto& c : idle) {
    c->process.stop(spec_.kill_grace_seconds);
    c->take_stderr();  // what it wrote while idle or on its way out still reaches the log
  }
}

std::size_t PersistentModel::children_alive() const {
  const std::lock_guard<std::mutex> lock(mutex_);
  return alive_;
}

std::unique_ptr<PersistentModel::Child> PersistentModel::start_child() const {
  auto child = std::make_unique<Child>(exec_argv_, shown_);  // ModelError "cannot start: ..."
  started_.fetch_add(1);
  const auto deadline = deadline_after(spec_.start_timeout_seconds);
  const auto fail = [&](const std::string& what, const std::string& reason) {
    child->take_stderr();
    const std::string tail = child->err_tail;
    child->process.terminate(spec_.kill_grace_seconds);  // it failed: no grace for its stdin
    throw ModelError(shown_ + " " + what + stderr_lines_text(tail),
                     "the simulator did not start: " + reason);
  };
  const auto broke = [&](Io io) {
    if (io == Io::timeout) {
      const std::string t = "did not answer the hello within " +
                            number_text(spec_.start_timeout_seconds) + " s (start_timeout)";
      fail(t, t);
    }
    if (io == Io::eof) {
      const auto [what, reason] = child->ending();
      fail(what + " before it was ready", reason);
    }
    if (io == Io::too_long) fail("wrote a line of more than 4096 bytes before ready", "garbage");
    fail("could not be read from: " + std::string(std::strerror(errno)), "an I/O error");
  };
  if (const Io io = child->send(hello_, deadline, persistent::kMaxReadyLine); io != Io::done) {
    broke(io);
  }
  std::string line;
  if (const Io io = child->read_line(line, persistent::kMaxReadyLine, deadline); io != Io::done) {
    broke(io);
  }
  persistent::Ready ready;
  if (const std::string error = persistent::parse_ready(line, ready); !error.empty()) {
    fail(error, "it did not answer the hello with ready");
  }
  child->max_batch = ready.max_batch;
  const std::lock_guard<std::mutex> lock(mutex_);
  ++alive_;
  return child;
}

std::unique_ptr<PersistentModel::Child> PersistentModel::acquire() const {
  for (;;) {
    std::unique_ptr<Child> child;
    std::size_t backoff_faults = 0;
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      if (!idle_.empty()) {
        child = std::move(idle_.back());
        idle_.pop_back();
      } else if (faults_ > spec_.restarts) {
        throw Error(shown_ + " failed " + std::to_string(faults_) + " times, more than restarts: " +
                    std::to_string(spec_.restarts) + " allows; stopping");
      } else {
        backoff_faults = consecutive_faults_;
      }
    }
    if (child) {
      if (child->process.exited()) {
        // It ended while idle (it chose to, or the OOM killer): replaced, no candidate lost.
        child.reset();
        const std::lock_guard<std::mutex> lock(mutex_);
        --alive_;
        continue;
      }
      if (!child->wrote_unasked()) return child;
      // Out of step (a reply nobody asked for): replaced before it answers the wrong request,
      // so that no candidate pays for it, whichever candidate would have come next.
      if (const ChildStderrLogger log = g_stderr_logger.load(std::memory_order_acquire)) {
        log(shown_, "(abcsmc) this child wrote on its stdout with no request waiting; replaced");
      }
      child->process.terminate(spec_.kill_grace_seconds);
      child.reset();
      count_fault(true);
      continue;
    }
    if (backoff_faults > 0) {
      // Repeated faults without a good reply in between: wait 10 ms, doubling up to 1 s, so
      // that a simulator that dies at once is not restarted in a tight loop.
      const double s = std::min(
          1.0, 0.01 * static_cast<double>(1ull << std::min<std::size_t>(backoff_faults - 1, 20)));
      std::this_thread::sleep_for(std::chrono::duration<double>(s));
    }
    return start_child();
  }
}

void PersistentModel::release(std::unique_ptr<Child> child) const {
  const std::lock_guard<std::mutex> lock(mutex_);
  idle_.push_back(std::move(child));
}

void PersistentModel::simulate(const Vector& theta, Rng& rng, Vector& stats) const {
  simulate_seeded(theta, rng(), stats);
}

void PersistentModel::simulate_batch(std::span<SimulationJob> jobs) const {
  // One seed per candidate from its own stream, as simulate() draws it: a candidate's result
  // depends on its theta and seed only, never on the batch it travelled in.
  std::vector<std::uint64_t> seeds(jobs.size());
  for (std::size_t i = 0; i < jobs.size(); ++i) seeds[i] = (*jobs[i].rng)();
  const auto one = [&](std::size_t i) {
    try {
      simulate_seeded(*jobs[i].theta, seeds[i], *jobs[i].stats);
    } catch (const ModelError&) {
      jobs[i].error = std::current_exception();
    }
  };
  std::size_t done = 0;
  while (done < jobs.size()) {
    if (jobs.size() - done == 1) {
      one(done++);
      continue;
    }
    const Exchange x = exchange(jobs.subspan(done), seeds.data() + done);
    done += x.answered;
    if (x.broke) {
      // Which candidate broke the child is unknown: each unanswered one runs alone on a new
      // child, so that it fails (or not) exactly as it would have without batches.
      while (done < jobs.size()) one(done++);
    }
  }
}

void PersistentModel::simulate_seeded(const Vector& theta, std::uint64_t seed,
                                      Vector& stats) const {
  SimulationJob job{&theta, nullptr, &stats, {}};
  for (int attempt = 0;; ++attempt) {
    const Exchange x = exchange(std::span<SimulationJob>(&job, 1), &seed);
    if (!x.broke) {
      if (job.error) std::rethrow_exception(job.error);  // a `fail` reply
      return;
    }
    // An extra line for an earlier request: the child is out of step through no fault of this
    // candidate, which runs again on a new child (once: a child that keeps doing it fails it).
    if (x.stale && attempt == 0) continue;
    throw *x.broke;
  }
}

PersistentModel::Exchange PersistentModel::exchange(std::span<SimulationJob> jobs,
                                                    const std::uint64_t* seeds) const {
  std::unique_ptr<Child> child;
  try {
    child = acquire();
  } catch (const ModelError& e) {
    count_fault(false);
    return {0, e, false};
  }
  const std::size_t k = std::min({jobs.size(), child->max_batch, spec_.batch});
  std::string request;
  if (k > 1) persistent::append_batch_header(request, k);
  const std::uint64_t first_id = child->next_id;
  for (std::size_t i = 0; i < k; ++i) {
    persistent::append_request(request, child->next_id++, seeds[i], *jobs[i].theta);
  }
  // The timeout is per simulation: a batch of k has k of them.
  const double timeout = spec_.timeout_seconds * static_cast<double>(k);
  const auto deadline = deadline_after(timeout);
  Io io = child->send(request, deadline, k * persistent::max_reply_line(n_stats_));
  std::string line;
  std::size_t answered = 0;  // replies read (ok or fail); they stand whatever comes next
  bool any_ok = false;
  while (io == Io::done && answered < k) {
    io = child->read_line(line, persistent::max_reply_line(n_stats_), deadline);
    if (io != Io::done) break;
    Vector& stats = *jobs[answered].stats;
    if (static_cast<std::size_t>(stats.size()) != n_stats_) {
      stats.resize(static_cast<Eigen::Index>(n_stats_));
    }
    const persistent::Reply reply = persistent::parse_reply(line, first_id + answered, stats);
    if (reply.kind == persistent::Reply::Kind::fail) {
      // The simulator's own verdict: the child is fine and stays.
      jobs[answered].error = std::make_exception_ptr(failed_error(reply));
    } else if (reply.kind == persistent::Reply::Kind::ok) {
      any_ok = true;
    } else {
      return {answered, broken(std::move(child), Io::done, &reply, timeout),
              reply.kind == persistent::Reply::Kind::stale};
    }
    ++answered;
  }
  if (io != Io::done) return {answered, broken(std::move(child), io, nullptr, timeout), false};
  release(std::move(child));
  if (any_ok) {
    const std::lock_guard<std::mutex> lock(mutex_);
    consecutive_faults_ = 0;
  }
  return {k, std::nullopt, false};
}

ModelError PersistentModel::failed_error(const persistent::Reply& reply) const {
  const std::string text = reason_text(reply.message);
  return ModelError(shown_ + " failed: " + reply.message,
                    "the simulator failed" + (text.empty() ? std::string() : ": \"" + text + "\""));
}

void PersistentModel::count_fault(bool child_dropped) const {
  const std::lock_guard<std::mutex> lock(mutex_);
  if (child_dropped) --alive_;
  ++faults_;
  ++consecutive_faults_;
}

ModelError PersistentModel::broken(std::unique_ptr<Child> child, Io io,
                                   const persistent::Reply* reply, double timeout) const {
  std::string what;
  std::string reason;
  if (reply != nullptr) {
    what = reply->message;
    reason = reply->reason;
  } else if (io == Io::timeout) {
    reason = "timed out after " + number_text(timeout) + " s";
    what = reason + " (stopped: SIGTERM, then SIGKILL " + number_text(spec_.kill_grace_seconds) +
           " s later)";
  } else if (io == Io::eof) {
    std::tie(what, reason) = child->ending();
  } else if (io == Io::too_long) {
    what = "replied with a line longer than " +
           std::to_string(persistent::max_reply_line(n_stats_)) + " bytes";
    reason = "replied with a line that is too long";
  } else {
    what = std::string("could not be talked to: ") + std::strerror(errno);
    reason = "an I/O error with the simulator";
  }
  child->take_stderr();
  const std::string tail = child->err_tail;
  const pid_t pid = child->process.pid();
  if (io == Io::eof) {
    child->process.stop(spec_.kill_grace_seconds);  // it has (almost always) exited already
  } else {
    // Hung or out of step: it would not act on a closed stdin in time.
    child->process.terminate(spec_.kill_grace_seconds);
  }
  child.reset();
  count_fault(true);
  return ModelError(shown_ + " (pid " + std::to_string(pid) + ") " + what +
                        "; it is restarted for the next simulation" + stderr_lines_text(tail),
                    reason);
}

}  // namespace abcsmc
