#include "stop_signals.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <csignal>
#include <stdexcept>

namespace abcsmc::cli {

namespace {

int g_pipe_write = -1;  // the handlers' only state
volatile std::sig_atomic_t g_early = 0;  // a SIGUSR1/2 that came before the watcher existed
constexpr unsigned char kShutdown = 0;  // written by the destructor, not by a signal
constexpr int kSignals[] = {SIGUSR1, SIGUSR2, SIGTERM, SIGINT};
struct sigaction g_previous[sizeof kSignals / sizeof kSignals[0]];

extern "C" void on_signal(int signal) {
  const int saved = errno;
  const auto byte = static_cast<unsigned char>(signal);
  [[maybe_unused]] const ssize_t n = ::write(g_pipe_write, &byte, 1);  // async-signal-safe
  errno = saved;
}

extern "C" void on_early_signal(int signal) { g_early = signal; }

}  // namespace

void StopSignals::catch_early() {
  struct sigaction action {};
  action.sa_handler = on_early_signal;
  sigemptyset(&action.sa_mask);
  action.sa_flags = SA_RESTART;
  ::sigaction(SIGUSR1, &action, nullptr);
  ::sigaction(SIGUSR2, &action, nullptr);
}

StopSignals::StopSignals(std::function<void(const char*)> stop_now) : stop_now_(std::move(stop_now)) {
  if (::pipe2(pipe_, O_CLOEXEC) != 0) throw std::runtime_error("cannot create a pipe for signals");
  g_pipe_write = pipe_[1];
  watcher_ = std::thread([this] { watch(); });
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
  ::close(pipe_[0]);
  ::close(pipe_[1]);
}

void StopSignals::watch() {
  for (;;) {
    unsigned char byte = 0;
    const ssize_t n = ::read(pipe_[0], &byte, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n != 1 || byte == kShutdown) return;
    const int signal = byte;
    const char* name = signal == SIGUSR1   ? "SIGUSR1"
                       : signal == SIGUSR2 ? "SIGUSR2"
                       : signal == SIGTERM ? "SIGTERM"
                                           : "SIGINT";
    const bool already = stop_flag_.exchange(true);
    if (signal == SIGUSR1 || signal == SIGUSR2) {
      if (!already) {
        spdlog::warn("{} received: stopping cleanly now (the generation in progress is dropped "
                     "and redone by --resume; the complete ones are in the file)", name);
      }
      continue;
    }
    std::lock_guard<std::mutex> lock(write_lock_);
    if (finished_) {
      spdlog::warn("{} received while the run is finishing; letting it finish", name);
      continue;
    }
    stop_now_(name);  // ends the process
  }
}

}  // namespace abcsmc::cli
