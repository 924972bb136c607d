// Running external programs: posix_spawn with pipes and a timeout (run_process), the table of
// running commands' process groups and the guard process that ends them with this process
// (kill_running_commands), PATH lookup and shell quoting for messages.
#include "abcsmc/models/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "abcsmc/core/error.hpp"

extern char** environ;

namespace abcsmc {

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kStderrTail = 8u << 10;  // what we keep of stderr for messages

bool needs_quotes(const std::string& s) {
  if (s.empty()) return true;
  return std::any_of(s.begin(), s.end(), [](char c) {
    return !(std::isalnum(static_cast<unsigned char>(c)) ||
             std::strchr("-_./=:,+@%", c) != nullptr);
  });
}

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::microseconds>(deadline - Clock::now());
  if (left.count() <= 0) return 0;
  return static_cast<int>(std::min<long long>((left.count() + 999) / 1000, 1 << 30));
}

// --- running commands: a registry of their process groups and a guard process --------------
//
// Every command runs in its own process group (its pid). While it runs, that group is in a
// fixed-size table of atomics, so that kill_running_commands can signal them from a signal
// handler. The table lives in a shared anonymous mapping that a guard process (a copy of this
// one made on first use) also sees: the guard waits on a pipe whose only writer is this
// process, so when this process ends, however it ends (exit, _Exit, SIGKILL), the read returns
// and the guard sends SIGTERM, then SIGKILL, to every group still in the table: commands and
// anything they started in their group do not outlive us.
constexpr std::size_t kSlots = 4096;  // commands running at once per process; more run unguarded
constexpr int kGuardGraceMs = 1000;   // the guard's SIGTERM-to-SIGKILL delay

struct Registry {
  std::atomic<pid_t> group[kSlots];
  std::atomic<std::size_t> used{0};  // slots below this may be non-zero
};
static_assert(std::atomic<pid_t>::is_always_lock_free, "kill_running_commands must be lock-free");
static_assert(std::atomic<Registry*>::is_always_lock_free);
static_assert(std::atomic<std::size_t>::is_always_lock_free);

std::atomic<Registry*> g_registry{nullptr};  // this process's table; null before the first command
std::atomic<bool> g_ready{false};            // g_registry is this process's (not a fork parent's)
std::mutex g_setup_mutex;
int g_guard_fd = -1;  // the write end of the pipe the guard watches
bool g_atfork = false;
Registry g_fallback;  // when no shared mapping can be made (then there is no guard either)
// The gap between posix_spawn and the table entry: run_process calls inside it, and whether
// end_running_commands has closed it (no command starts after that).
std::atomic<int> g_starting{0};
std::atomic<bool> g_closed{false};
static_assert(std::atomic<int>::is_always_lock_free && std::atomic<bool>::is_always_lock_free);

/// Sends `signal` to every process group in `r`; async-signal-safe.
void signal_groups(Registry& r, int signal) {
  const std::size_t n = std::min(r.used.load(std::memory_order_acquire), kSlots);
  for (std::size_t i = 0; i < n; ++i) {
    const pid_t g = r.group[i].load(std::memory_order_acquire);
    if (g > 0) kill(-g, signal);
  }
}

bool any_group_alive(Registry& r) {
  const std::size_t n = std::min(r.used.load(std::memory_order_acquire), kSlots);
  for (std::size_t i = 0; i < n; ++i) {
    const pid_t g = r.group[i].load(std::memory_order_acquire);
    if (g > 0 && kill(-g, 0) == 0) return true;
  }
  return false;
}

/// The guard: a copy of this process that only makes system calls (it is a child of a
/// multi-threaded process). Ignores the signals a job or a terminal sends to the whole process
/// group, so that it outlives the process it guards.
[[noreturn]] void guard_main(int watch_fd, Registry* registry) {
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  sigemptyset(&ignore.sa_mask);
  for (int s : {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGPIPE, SIGUSR1, SIGUSR2, SIGALRM, SIGTSTP,
                SIGTTIN, SIGTTOU, SIGXCPU}) {
    sigaction(s, &ignore, nullptr);
  }
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  prctl(PR_SET_NAME, reinterpret_cast<unsigned long>("abcsmc-guard"), 0, 0, 0);
  // Hold no descriptor of the parent's (a command's output pipe held here would never reach
  // end-of-file), only the pipe, as descriptor 3, and /dev/null as 0, 1 and 2.
  if (watch_fd != 3) {
    if (dup2(watch_fd, 3) < 0) _exit(1);
  }
  const int null = open("/dev/null", O_RDWR);
  if (null >= 0) {
    for (int fd = 0; fd < 3; ++fd) {
      if (null != fd) dup2(null, fd);
    }
  }
  closefrom(4);
  char byte = 0;
  for (;;) {
    const ssize_t got = read(3, &byte, 1);
    if (got < 0 && errno == EINTR) continue;
    if (got > 0) continue;
    break;  // end of file (or an error): the guarded process is gone
  }
  signal_groups(*registry, SIGTERM);
  const struct timespec step { 0, 20 * 1000 * 1000 };
  for (int waited = 0; waited < kGuardGraceMs && any_group_alive(*registry); waited += 20) {
    nanosleep(&step, nullptr);
  }
  signal_groups(*registry, SIGKILL);
  _exit(0);
}

/// A copy of this process, as fork() makes, without running pthread_atfork handlers: libraries
/// such as MPI's transports hook fork (and warn about it), and the guard needs none of that.
pid_t copy_process() {
#if defined(__linux__) && defined(SYS_clone) &&                                              \
    (defined(__x86_64__) || defined(__aarch64__) || defined(__i386__) || defined(__arm__) || \
     defined(__powerpc64__) || defined(__riscv))
  // On these the argument after the flags is the new stack (0: the copy's own, as fork).
  return static_cast<pid_t>(
      syscall(SYS_clone, static_cast<unsigned long>(SIGCHLD), 0UL, 0UL, 0UL, 0UL));
#else
  return fork();
#endif
}

/// In the child of a fork(): the table and guard are the parent's; start afresh on first use.
extern "C" void registry_after_fork() {
  if (g_guard_fd >= 0) close(g_guard_fd);  // the parent's guard must see the parent's end only
  g_guard_fd = -1;
  Registry* r = g_registry.exchange(nullptr);
  if (r != nullptr && r != &g_fallback) munmap(r, sizeof(Registry));
  g_ready.store(false);
  new (&g_setup_mutex) std::mutex;  // another thread of the parent may have held it
}

/// Makes this process's table and guard on first use (again in a forked child).
Registry& registry() {
  if (g_ready.load(std::memory_order_acquire)) return *g_registry.load(std::memory_order_acquire);
  const std::lock_guard<std::mutex> lock(g_setup_mutex);
  if (g_ready.load(std::memory_order_relaxed)) return *g_registry.load(std::memory_order_relaxed);
  if (!g_atfork) {
    g_atfork = pthread_atfork(nullptr, nullptr, registry_after_fork) == 0;
  }
  Registry* r = &g_fallback;
  void* mem =
      mmap(nullptr, sizeof(Registry), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (mem != MAP_FAILED) {
    r = new (mem) Registry();
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) == 0) {
      const pid_t pid = copy_process();
      if (pid == 0) guard_main(fds[0], r);
      close(fds[0]);
      if (pid > 0) {
        g_guard_fd = fds[1];
      } else {
        close(fds[1]);  // no guard: kill_running_commands still works, a SIGKILL is not covered
      }
    }
  }
  g_registry.store(r, std::memory_order_release);
  g_ready.store(true, std::memory_order_release);
  return *r;
}

/// A running command's entry in the table (none when the table is full).
class Registration {
 public:
  Registration(Registry& r, pid_t group) : registry_(r) {
    thread_local std::size_t last = 0;  // a thread usually runs one command at a time
    for (std::size_t k = 0; k < kSlots; ++k) {
      const std::size_t i = (last + k) % kSlots;
      pid_t empty = 0;
      if (r.group[i].load(std::memory_order_relaxed) == 0 &&
          r.group[i].compare_exchange_strong(empty, group, std::memory_order_acq_rel)) {
        std::size_t used = r.used.load(std::memory_order_relaxed);
        while (used < i + 1 &&
               !r.used.compare_exchange_weak(used, i + 1, std::memory_order_acq_rel)) {
        }
        slot_ = i;
        last = i;
        break;
      }
    }
  }
  /// Call before the group's leader is reaped (its pid may then be reused).
  void clear() {
    if (slot_ < kSlots) registry_.group[slot_].store(0, std::memory_order_release);
    slot_ = kSlots;
  }
  ~Registration() { clear(); }
  Registration(const Registration&) = delete;
  Registration& operator=(const Registration&) = delete;

 private:
  Registry& registry_;
  std::size_t slot_ = kSlots;
};

/// Starts argv[0] (a path) with `actions` as every command starts: in its own process group (a
/// timeout or the guard ends its children too), the signals it may have inherited as ignored at
/// their defaults, none blocked; and lists its group in the table (`registration`), unless this
/// process is stopping (then ECANCELED). Returns posix_spawn's result; the caller throws
/// not_started() for a non-zero one after closing its pipes.
int spawn_listed(const std::vector<std::string>& argv, const posix_spawn_file_actions_t& actions,
                 pid_t& pid, std::optional<Registration>& registration) {
  Registry& running = registry();
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (int s : {SIGPIPE, SIGTERM, SIGINT, SIGHUP, SIGQUIT}) sigaddset(&defaults, s);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  sigset_t mask;
  sigemptyset(&mask);
  posix_spawnattr_setsigmask(&attr, &mask);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  std::vector<char*> cargv;
  cargv.reserve(argv.size() + 1);
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  int rc = ECANCELED;
  g_starting.fetch_add(1);  // from here until its group is in the table (end_running_commands)
  if (!g_closed.load()) {
    rc = posix_spawn(&pid, argv[0].c_str(), &actions, &attr, cargv.data(), environ);
    if (rc == 0) registration.emplace(running, pid);  // its group id is its pid
  }
  g_starting.fetch_sub(1);
  posix_spawnattr_destroy(&attr);
  return rc;
}

/// The error for a command spawn_listed did not start (`rc`: its result).
ModelError not_started(const std::vector<std::string>& argv, int rc) {
  if (rc == ECANCELED) {
    return ModelError("not starting " + quote_command(argv) + ": this process is stopping",
                      "not started: the process is stopping");
  }
  return ModelError("cannot start " + quote_command(argv) + ": " + std::strerror(rc),
                    std::string("cannot start: ") + std::strerror(rc));
}

}  // namespace

void kill_running_commands(int signal) noexcept {
  const int saved = errno;
  if (Registry* r = g_registry.load(std::memory_order_acquire)) signal_groups(*r, signal);
  errno = saved;
}

void end_running_commands(int signal) noexcept {
  const int saved = errno;
  // Sequentially consistent with run_process's increment-then-check: a start either sees the
  // flag (and does not happen) or is counted here, and its group is in the table when the
  // count drops. Bounded, for a handler that interrupted a start in its own thread.
  g_closed.store(true);
  const struct timespec step { 0, 1000 * 1000 };
  for (int waited_ms = 0; waited_ms < 2000 && g_starting.load() > 0; ++waited_ms) {
    nanosleep(&step, nullptr);
  }
  errno = saved;
  kill_running_commands(signal);
}

std::string quote_command(const std::vector<std::string>& argv) {
  std::string out;
  for (std::size_t i = 0; i < argv.size(); ++i) {
    if (i > 0) out += ' ';
    if (!needs_quotes(argv[i])) {
      out += argv[i];
      continue;
    }
    out += '\'';
    for (char c : argv[i]) {
      if (c == '\'') {
        out += "'\\''";
      } else {
        out += c;
      }
    }
    out += '\'';
  }
  return out;
}

std::string find_executable(const std::string& program) {
  const auto runnable = [](const std::string& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
  };
  if (program.empty()) return "";
  if (program.find('/') != std::string::npos) return runnable(program) ? program : "";
  const char* env = std::getenv("PATH");
  const std::string path = env != nullptr ? env : "/usr/local/bin:/usr/bin:/bin";
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find(':', start), path.size());
    // Appended in place: `dir + "/" + program` trips GCC 12's -Wrestrict false positive here.
    std::string candidate = end > start ? path.substr(start, end - start) : std::string(".");
    candidate += '/';
    candidate += program;
    if (runnable(candidate)) return candidate;
    start = end + 1;
  }
  return "";
}

ProcessOutcome run_process(const std::vector<std::string>& argv, double timeout_seconds,
                           double kill_grace_seconds) {
  if (argv.empty()) throw ModelError("run_process: empty command");
  registry();  // first call: the table and the guard process (before any pipe is open)
  int out_pipe[2];
  int err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    const std::string why = std::strerror(errno);
    throw ModelError("cannot create a pipe for " + quote_command(argv) + ": " + why,
                     "cannot create a pipe: " + why);
  }
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    const std::string why = std::strerror(errno);
    close(out_pipe[0]);
    close(out_pipe[1]);
    throw ModelError("cannot create a pipe for " + quote_command(argv) + ": " + why,
                     "cannot create a pipe: " + why);
  }

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  pid_t pid = -1;
  std::optional<Registration> registration;
  const int rc = spawn_listed(argv, actions, pid, registration);
  posix_spawn_file_actions_destroy(&actions);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (rc != 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    throw not_started(argv, rc);
  }

  ProcessOutcome result;
  const bool limited = timeout_seconds > 0.0;
  const auto to_duration = [](double s) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
  };
  Clock::time_point deadline =
      limited ? Clock::now() + to_duration(timeout_seconds) : Clock::time_point::max();
  int phase = 0;  // 0 running, 1 SIGTERM sent, 2 SIGKILL sent
  bool reaped = false;
  const auto escalate = [&] {
    if (reaped) return;
    if (phase == 0) {
      result.timed_out = true;
      kill(-pid, SIGTERM);
      phase = 1;
      deadline = Clock::now() + to_duration(std::max(0.0, kill_grace_seconds));
    } else if (phase == 1) {
      kill(-pid, SIGKILL);
      phase = 2;
    }
  };

  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  bool open[2] = {true, true};
  char buf[65536];
  while ((open[0] || open[1]) && phase < 2) {
    int wait_ms = -1;
    if (limited) {
      wait_ms = remaining_ms(deadline);
      if (wait_ms == 0) {
        escalate();
        continue;
      }
    }
    pollfd active[2];
    int idx[2];
    nfds_t n = 0;
    for (int k = 0; k < 2; ++k) {
      if (open[k]) {
        active[n] = fds[k];
        idx[n] = k;
        ++n;
      }
    }
    const int ready = poll(active, n, wait_ms);
    if (ready < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (nfds_t j = 0; j < n; ++j) {
      if (active[j].revents == 0) continue;
      const int k = idx[j];
      const ssize_t got = read(fds[k].fd, buf, sizeof buf);
      if (got < 0 && (errno == EINTR || errno == EAGAIN)) continue;
      if (got <= 0) {
        open[k] = false;
        continue;
      }
      if (k == 0) {
        if (result.out.size() + static_cast<std::size_t>(got) <= kProcessStdoutCap) {
          result.out.append(buf, static_cast<std::size_t>(got));
        } else {
          result.output_too_large = true;
        }
      } else {
        result.err_tail.append(buf, static_cast<std::size_t>(got));
        if (result.err_tail.size() > 2 * kStderrTail) {
          result.err_tail.erase(0, result.err_tail.size() - kStderrTail);
        }
      }
    }
  }
  close(out_pipe[0]);
  close(err_pipe[0]);

  // Reap it. Usually it has exited when its pipes close; a child that closed them early is
  // polled with short sleeps until the deadline. Its group leaves the table while the exited
  // child still holds its pid (waitid WNOWAIT), before the pid can be reused.
  int status = 0;
  auto nap = std::chrono::microseconds(20);
  for (;;) {
    const bool blocking = !limited || phase == 2;
    siginfo_t info;
    info.si_pid = 0;
    const int r =
        waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOWAIT | (blocking ? 0 : WNOHANG));
    if (r == 0 && info.si_pid == pid) {
      registration->clear();
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      reaped = true;
      break;
    }
    if (r < 0) {
      if (errno == EINTR) continue;
      const std::string why = std::strerror(errno);
      throw ModelError("waitpid failed for " + quote_command(argv) + ": " + why,
                       "waitpid failed: " + why);
    }
    if (Clock::now() >= deadline) {
      escalate();
      continue;
    }
    std::this_thread::sleep_for(std::min<Clock::duration>(nap, deadline - Clock::now()));
    nap = std::min<std::chrono::microseconds>(nap * 2, std::chrono::milliseconds(5));
  }
  if (WIFEXITED(status)) result.exit_status = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  if (result.err_tail.size() > kStderrTail) {
    result.err_tail.erase(0, result.err_tail.size() - kStderrTail);
  }
  return result;
}

// --- long-running children (persistent models) --------------------------------------------

struct ChildProcess::Impl {
  pid_t pid = -1;
  int in = -1;   // our end of its stdin
  int out = -1;  // our end of its stdout
  int err = -1;  // our end of its stderr
  bool reaped = false;
  int exit_status = -1;
  int signal = 0;
  std::optional<Registration> registration;

  /// Reaps it if it has exited (blocking: wait for it). Its group leaves the table, and what is
  /// left of the group is killed, while the exited leader still holds the pid (WNOWAIT).
  bool reap(bool blocking) noexcept {
    if (reaped) return true;
    for (;;) {
      siginfo_t info;
      info.si_pid = 0;
      const int r = waitid(P_PID, static_cast<id_t>(pid), &info,
                           WEXITED | WNOWAIT | (blocking ? 0 : WNOHANG));
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) {
        reaped = true;  // not ours any more (ECHILD): nothing left to wait for
        if (registration) registration->clear();
        return true;
      }
      if (info.si_pid != pid) return false;
      kill(-pid, SIGKILL);  // grandchildren left in its group
      if (registration) registration->clear();
      int status = 0;
      while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      if (WIFEXITED(status)) exit_status = WEXITSTATUS(status);
      if (WIFSIGNALED(status)) signal = WTERMSIG(status);
      reaped = true;
      return true;
    }
  }
  /// Waits up to `seconds` for it to exit.
  bool wait_exit(double seconds) noexcept {
    const auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                             std::chrono::duration<double>(seconds));
    auto nap = std::chrono::microseconds(50);
    while (!reap(false)) {
      if (Clock::now() >= deadline) return false;
      std::this_thread::sleep_for(nap);
      nap = std::min<std::chrono::microseconds>(nap * 2, std::chrono::milliseconds(10));
    }
    return true;
  }
};

ChildProcess::ChildProcess(const std::vector<std::string>& argv) : impl_(std::make_unique<Impl>()) {
  if (argv.empty()) throw ModelError("ChildProcess: empty command");
  registry();  // first call: the table and the guard process (before any pipe is open)
  int pipes[3][2] = {{-1, -1}, {-1, -1}, {-1, -1}};  // stdin, stdout, stderr
  const auto close_all = [&] {
    for (auto& p : pipes) {
      for (int& fd : p) {
        if (fd >= 0) close(fd);
        fd = -1;
      }
    }
  };
  for (auto& p : pipes) {
    if (pipe2(p, O_CLOEXEC) != 0) {
      const std::string why = std::strerror(errno);
      close_all();
      throw ModelError("cannot create a pipe for " + quote_command(argv) + ": " + why,
                       "cannot create a pipe: " + why);
    }
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipes[0][0], 0);
  posix_spawn_file_actions_adddup2(&actions, pipes[1][1], 1);
  posix_spawn_file_actions_adddup2(&actions, pipes[2][1], 2);
  const int rc = spawn_listed(argv, actions, impl_->pid, impl_->registration);
  posix_spawn_file_actions_destroy(&actions);
  close(pipes[0][0]);
  close(pipes[1][1]);
  close(pipes[2][1]);
  pipes[0][0] = pipes[1][1] = pipes[2][1] = -1;
  if (rc != 0) {
    close_all();
    throw not_started(argv, rc);
  }
  impl_->in = pipes[0][1];
  impl_->out = pipes[1][0];
  impl_->err = pipes[2][0];
  for (int fd : {impl_->in, impl_->out, impl_->err}) {
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  }
}

ChildProcess::~ChildProcess() { stop(0.2); }

void ChildProcess::terminate(double grace_seconds) noexcept {
  if (!impl_) return;
  close_stdin();
  if (!impl_->reap(false)) {
    kill(-impl_->pid, SIGTERM);
    if (!impl_->wait_exit(std::max(0.0, grace_seconds))) {
      kill(-impl_->pid, SIGKILL);
      impl_->reap(true);
    }
  }
  stop(0.0);  // closes the pipes
}

pid_t ChildProcess::pid() const { return impl_->pid; }
int ChildProcess::stdin_fd() const { return impl_->in; }
int ChildProcess::stdout_fd() const { return impl_->out; }
int ChildProcess::stderr_fd() const { return impl_->err; }
int ChildProcess::exit_status() const { return impl_->exit_status; }
int ChildProcess::signal() const { return impl_->signal; }
bool ChildProcess::exited() noexcept { return impl_->reap(false); }

void ChildProcess::close_stdin() noexcept {
  if (impl_->in >= 0) close(impl_->in);
  impl_->in = -1;
}

void ChildProcess::stop(double grace_seconds) noexcept {
  if (!impl_) return;
  close_stdin();
  if (!impl_->reaped) {
    const double grace = std::max(0.0, grace_seconds);
    if (!impl_->wait_exit(grace)) {
      kill(-impl_->pid, SIGTERM);
      if (!impl_->wait_exit(grace)) {
        kill(-impl_->pid, SIGKILL);
        impl_->reap(true);
      }
    }
  }
  for (int* fd : {&impl_->out, &impl_->err}) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
  }
}

}  // namespace abcsmc
