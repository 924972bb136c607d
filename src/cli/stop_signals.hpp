#pragma once
// How the master reacts to SIGUSR1, SIGTERM and SIGINT (README "Stopping and resuming").
//   SIGUSR1, SIGUSR2 end cleanly (Slurm's --signal, SGE's s_rt sends SIGUSR1, SGE's -notify
//                    sends SIGUSR2 before a kill): the engine cancels the round in progress
//                    within its watch interval (its samplers stop handing out work), the
//                    workers are released and the file is closed.
//   SIGTERM, SIGINT  end at once: running simulators are ended and the process exits.
// Either way the generation in progress is dropped (resume redoes it, bit-identical).
// Either way the results file holds every complete generation and `--resume` continues the run;
// the process exits with kResumable. A watcher thread does the work, so nothing unsafe runs in
// signal context and blocking calls (MPI_Probe, BLPOP) need no interruption. The thread that
// makes the StopSignals blocks these signals, and so does every thread started afterwards
// (samplers, the engine's round watch, the watcher): a signal then waits for the process and
// the watcher reads it from a signalfd. Threads that existed before (an MPI library's) may still
// take one: their handler writes it to a pipe that the watcher also reads. No handler ever runs
// in a thread of ours: ThreadSanitizer defers a handler until the interrupted thread next calls
// into libc, so one delivered to the watcher asleep in read() was never run (a SIGUSR1 that did
// not stop a run). Commands started by run_process get an empty mask (models/process.cpp).
#include <signal.h>

#include <atomic>
#include <functional>
#include <mutex>
#include <thread>

namespace abcsmc::cli {

class StopSignals {
 public:
  /// Call first thing in main: until a StopSignals exists, SIGUSR1/SIGUSR2 are remembered
  /// instead of killing the process (their default action), e.g. while MPI starts or the
  /// config loads; the StopSignals then acts on them.
  static void catch_early();

  /// Installs the handlers and starts the watcher. `stop_now(signal_name)` runs on the watcher
  /// thread for SIGTERM/SIGINT, with write_lock() held, and must end the process.
  explicit StopSignals(std::function<void(const char*)> stop_now);
  /// Restores the previous handlers, joins the watcher and restores the signal mask of the
  /// thread that made it (destroy it on that thread).
  ~StopSignals();
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

  /// Set by SIGUSR1/SIGUSR2 (and by SIGTERM/SIGINT): the run ends now, dropping the round in
  /// progress (SmcControl::stop_flag).
  const std::atomic<bool>& stop_flag() const { return stop_flag_; }
  /// Held while the results file is being written: stop_now never cuts a write short.
  std::mutex& write_lock() { return write_lock_; }
  /// The run is over (call with write_lock() held): later signals are only logged.
  void mark_finished() { finished_ = true; }

 private:
  void watch();
  void act_on(int signal);

  std::function<void(const char*)> stop_now_;
  std::atomic<bool> stop_flag_{false};
  std::mutex write_lock_;
  bool finished_ = false;  ///< guarded by write_lock_
  int pipe_[2] = {-1, -1};
  int signal_fd_ = -1;
  sigset_t saved_mask_{};  ///< the making thread's signal mask before the constructor
  std::thread watcher_;
};

}  // namespace abcsmc::cli
