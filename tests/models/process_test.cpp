// run_process (exit codes, output, timeouts), kill_running_commands, end_running_commands,
// the guard process, find_executable and quote_command.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "abcsmc/core/error.hpp"
#include "abcsmc/models/process.hpp"

using namespace abcsmc;

namespace {

/// How many processes have a command line that matches the regex `pattern` (pgrep -f). Write
/// the pattern as "[s]leep 123" so that it does not match the shell that runs pgrep.
int count_processes(const std::string& pattern) {
  FILE* p = popen(("pgrep -fc -- '" + pattern + "'").c_str(), "r");
  if (p == nullptr) return -1;
  int n = 0;
  if (std::fscanf(p, "%d", &n) != 1) n = -1;
  pclose(p);
  return n;
}

/// Waits up to `seconds` for count_processes(pattern) to satisfy `done`.
bool wait_for(const std::string& pattern, const std::function<bool(int)>& done, double seconds) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  for (;;) {
    if (done(count_processes(pattern))) return true;
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

extern "C" void exit_at_once(int) { _exit(0); }

/// A sleep length no other test (or process) uses: finds this test's processes by argv.
std::string unique_sleep(int k) { return std::to_string(100000 + 10 * (getpid() % 100000) + k); }

double seconds_of(const std::function<void()>& fn) {
  const auto t0 = std::chrono::steady_clock::now();
  fn();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

TEST_CASE("process: run_process reports exit codes and output", "[models]") {
  const auto r = run_process({"/bin/sh", "-c", "printf 'a b'; printf err >&2; exit 4"}, 5.0, 1.0);
  CHECK(r.exit_status == 4);
  CHECK(r.signal == 0);
  CHECK_FALSE(r.timed_out);
  CHECK(r.out == "a b");
  CHECK(r.err_tail == "err");
  CHECK_THROWS_AS(run_process({"/nonexistent/prog"}, 0.0, 1.0), ModelError);
}

TEST_CASE("process: a timeout ends the whole group, SIGKILL after the grace", "[models]") {
  ProcessOutcome r;
  double s = seconds_of([&] { r = run_process({"/bin/sh", "-c", "sleep 30"}, 0.3, 1.0); });
  CHECK(r.timed_out);
  CHECK(r.signal == SIGTERM);
  CHECK(s < 5.0);
  // Ignoring SIGTERM buys the grace period, then SIGKILL.
  s = seconds_of([&] { r = run_process({"/bin/sh", "-c", "trap '' TERM; sleep 30"}, 0.2, 0.3); });
  CHECK(r.timed_out);
  CHECK(r.signal == SIGKILL);
  CHECK(s >= 0.45);
  CHECK(s < 5.0);
  // No timeout: a quick command is never cut.
  r = run_process({"/bin/sh", "-c", "sleep 0.2; echo late"}, 0.0, 1.0);
  CHECK_FALSE(r.timed_out);
  CHECK(r.out == "late\n");
}

TEST_CASE("process: stdin is /dev/null and stderr keeps its tail", "[models]") {
  const auto r = run_process({"/bin/sh", "-c",
                              "cat; i=0; while [ $i -lt 3000 ]; do echo line$i >&2; "
                              "i=$((i+1)); done; echo out"},
                             10.0, 1.0);
  CHECK(r.exit_status == 0);
  CHECK(r.out == "out\n");               // cat read nothing: stdin is empty
  CHECK(r.err_tail.size() <= 8u << 10);  // the last 8 KiB of about 26 KiB
  CHECK(r.err_tail.find("line2999") != std::string::npos);
  CHECK(r.err_tail.find("line0\n") == std::string::npos);
}

TEST_CASE("process: find_executable and quote_command", "[models]") {
  CHECK(find_executable("sh").find("/sh") != std::string::npos);
  CHECK(find_executable("/bin/sh") == "/bin/sh");
  CHECK(find_executable("/etc/passwd").empty());  // not executable
  CHECK(find_executable("no-such-program-abcsmc").empty());
  CHECK(find_executable("").empty());
  CHECK(quote_command({"sim", "--x=1.5", "a b", "it's", ""}) == "sim --x=1.5 'a b' 'it'\\''s' ''");
}

TEST_CASE("process: kill_running_commands signals the running commands' groups", "[models]") {
  kill_running_commands(SIGTERM);  // nothing running: nothing happens
  const std::string length = unique_sleep(1);
  const std::string pattern = "[s]leep " + length;  // the shells and their sleeps
  std::vector<ProcessOutcome> outcomes(3);
  std::vector<std::thread> threads;
  const auto t0 = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    threads.emplace_back([&, i] {
      // A grandchild in the command's group: `sleep` below a shell that waits for it.
      outcomes[i] = run_process({"/bin/sh", "-c", "sleep " + length + "; echo done"}, 0.0, 1.0);
    });
  }
  REQUIRE(wait_for(
      pattern, [](int n) { return n >= 6; }, 10.0));
  kill_running_commands(SIGTERM);
  for (auto& t : threads) t.join();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK(s < 10.0);
  for (const auto& o : outcomes) CHECK(o.signal == SIGTERM);
  CHECK(wait_for(
      pattern, [](int n) { return n == 0; }, 5.0));
  // The next command runs normally.
  CHECK(run_process({"/bin/sh", "-c", "echo ok"}, 5.0, 1.0).out == "ok\n");
}

TEST_CASE("process: commands end with their process, however it ends", "[models]") {
  // A child process runs a command with a grandchild, then dies by SIGKILL, or by _exit (from a
  // SIGUSR1 handler) while the command runs; the guard ends the command's whole group.
  for (const int how : {SIGKILL, 0}) {
    INFO("ended by " << (how == SIGKILL ? "SIGKILL" : "_exit"));
    const std::string length = unique_sleep(how == SIGKILL ? 2 : 3);
    const std::string pattern = "[s]leep " + length;
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      signal(SIGUSR1, exit_at_once);
      std::thread([&] {
        run_process({"/bin/sh", "-c", "sleep " + length + "; echo done"}, 0.0, 1.0);
      }).detach();
      for (;;) pause();
    }
    REQUIRE(wait_for(
        pattern, [](int n) { return n >= 2; }, 10.0));  // the shell and its sleep
    kill(child, how == SIGKILL ? SIGKILL : SIGUSR1);
    int status = 0;
    waitpid(child, &status, 0);
    CHECK(wait_for(
        pattern, [](int n) { return n == 0; }, 5.0));
  }
}

TEST_CASE("process: end_running_commands ends the commands and starts no more", "[models]") {
  // In a child process: the refusal to start lasts for the rest of the process.
  const std::string length = unique_sleep(4);
  const std::string pattern = "[s]leep " + length;
  const pid_t child = fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    ProcessOutcome running;
    std::thread t([&] {
      running = run_process({"/bin/sh", "-c", "sleep " + length + "; echo done"}, 0.0, 1.0);
    });
    if (!wait_for(
            pattern, [](int n) { return n >= 2; }, 10.0))
      _exit(10);
    end_running_commands(SIGTERM);
    t.join();
    if (running.signal != SIGTERM) _exit(11);
    try {
      run_process({"/bin/sh", "-c", "echo ok"}, 5.0, 1.0);
      _exit(12);  // started after the end
    } catch (const ModelError& e) {
      if (std::string(e.what()).find("this process is stopping") == std::string::npos) _exit(13);
    }
    _exit(0);
  }
  int status = 0;
  waitpid(child, &status, 0);
  REQUIRE(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);  // 10: no start, 11: not signalled, 12/13: started afterwards
  CHECK(wait_for(
      pattern, [](int n) { return n == 0; }, 5.0));
  // This process is not affected.
  CHECK(run_process({"/bin/sh", "-c", "echo ok"}, 5.0, 1.0).out == "ok\n");
}
