#include "stop_signals.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <stdexcept>
#include <string>

namespace abcsmc::cli {

namespace {

int g_pipe_write = -1;                   // the handlers' only state
volatile std::sig_atomic_t g_early = 0;  // a SIGUSR1/2 that came before the watcher existed
constexpr unsigned char kShutdown = 0;   // written by the destructor, not by a signal
constexpr int kSignals[] = {SIGUSR1, SIGUSR2, SIGTERM, SIGINT};
struct sigaction g_previous[sizeof kSignals / sizeof kSignals[0]];

extern "C" void on_signal(int signal) {
  const int saved = errno;
  const auto byte = static_cast<unsigned char>(signal);
  [[maybe_unused]] const ssize_t n = ::write(g_pipe_write, &byte, 1);  // async-signal-safe
  errno = saved;
}

extern "C" void on_early_signal(int signal) { g_early = signal; }

sigset_t stop_signal_set() {
  sigset_t set;
  sigemptyset(&set);
  for (const int s : kSignals) sigaddset(&set, s);
  return set;
}

}  // namespace

void StopSignals::catch_early() {
  struct sigaction action {};
  action.sa_handler = on_early_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  ::sigaction(SIGUSR1, &action, nullptr);
  ::sigaction(SIGUSR2, &action, nullptr);
}

StopSignals::StopSignals(std::function<void(const char*)> stop_now)
    : stop_now_(std::move(stop_now)) {
  if (::pipe2(pipe_, O_CLOEXEC) != 0) {
    throw std::runtime_error(std::string("cannot create a pipe for signals: ") +
                             std::strerror(errno));
  }
  // Blocked here first, so that the watcher and every later thread inherit the mask.
  const sigset_t stop_set = stop_signal_set();
  pthread_sigmask(SIG_BLOCK, &stop_set, &saved_mask_);
  // Non-blocking: poll() can report a signal that a thread with it unblocked (MPI's) then takes
  // through the handler; the read must then come back empty rather than wait.
  signal_fd_ = ::signalfd(-1, &stop_set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (signal_fd_ < 0) {
    const std::string why = std::strerror(errno);
    pthread_sigmask(SIG_SETMASK, &saved_mask_, nullptr);
    ::close(pipe_[0]);
    ::close(pipe_[1]);
    throw std::runtime_error("cannot create a signalfd for SIGUSR1/SIGUSR2/SIGTERM/SIGINT: " + why);
  }
  g_pipe_write = pipe_[1];
  watcher_ = std::thread([this] { watch(); });
  // For the threads that leave the signals unblocked (started before this, e.g. by MPI_Init).
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;  // blocking calls elsewhere carry on; the watcher does the work
  for (std::size_t i = 0; i < sizeof kSignals / sizeof kSignals[0]; ++i) {
    ::sigaction(kSignals[i], &action, &g_previous[i]);
  }
  if (const int early = g_early; early != 0) on_signal(early);  // now the watcher acts on it
}

StopSignals::~StopSignals() {
  for (std::size_t i = 0; i < sizeof kSignals / sizeof kSignals[0]; ++i) {
    ::sigaction(kSignals[i], &g_previous[i], nullptr);
  }
  const unsigned char byte = kShutdown;
  [[maybe_unused]] const ssize_t n = ::write(pipe_[1], &byte, 1);
  if (watcher_.joinable()) watcher_.join();
  g_pipe_write = -1;
  ::close(signal_fd_);
  ::close(pipe_[0]);
  ::close(pipe_[1]);
  // A signal still waiting for the process is delivered now, to the previous handlers.
  pthread_sigmask(SIG_SETMASK, &saved_mask_, nullptr);
}

void StopSignals::watch() {
  for (;;) {
    pollfd fds[2] = {{pipe_[0], POLLIN, 0}, {signal_fd_, POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      spdlog::error("the stop-signal watcher cannot wait: {}", std::strerror(errno));
      return;
    }
    if ((fds[1].revents & POLLIN) != 0) {
      signalfd_siginfo info{};
      while (::read(signal_fd_, &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
        act_on(static_cast<int>(info.ssi_signo));
      }
    }
    if ((fds[0].revents & (POLLIN | POLLHUP)) != 0) {
      unsigned char byte = 0;
      const ssize_t n = ::read(pipe_[0], &byte, 1);
      if (n < 0 && errno == EINTR) continue;
      if (n != 1 || byte == kShutdown) return;
      act_on(byte);
    }
  }
}

void StopSignals::act_on(int signal) {
  const char* name = signal == SIGUSR1   ? "SIGUSR1"
                     : signal == SIGUSR2 ? "SIGUSR2"
                     : signal == SIGTERM ? "SIGTERM"
                                         : "SIGINT";
  const bool already = stop_flag_.exchange(true);
  if (signal == SIGUSR1 || signal == SIGUSR2) {
    if (!already) {
      spdlog::warn(
          "{} received: stopping cleanly now (the generation in progress is dropped "
          "and redone by --resume; the complete ones are in the file)",
          name);
    }
    return;
  }
  std::lock_guard<std::mutex> lock(write_lock_);
  if (finished_) {
    spdlog::warn("{} received while the run is finishing; letting it finish", name);
    return;
  }
  stop_now_(name);  // ends the process
}

}  // namespace abcsmc::cli
