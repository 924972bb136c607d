// External command models: templates, processes, timeouts, statistics from text, failures.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "abcsmc/core/error.hpp"
#include "abcsmc/models/external_command.hpp"
#include "abcsmc/models/plugin.hpp"

using namespace abcsmc;

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::vector<StatSpec> y_only() { return {{"y", 1}}; }

std::string config_error(std::vector<std::string> argv, std::vector<StatSpec> stats = y_only(),
                         std::vector<std::string> params = {"theta"}) {
  CommandSpec spec;
  spec.argv = std::move(argv);
  spec.statistics = std::move(stats);
  try {
    ExternalCommandModel m(spec, params);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

/// bash -c SCRIPT as a model with statistics `stats`.
ExternalCommandModel bash_model(const std::string& script, std::vector<StatSpec> stats = y_only(),
                                double timeout = 0.0, double grace = 1.0) {
  CommandSpec spec;
  spec.argv = {"bash", "-c", script, "sim", "{theta}", "{seed}"};
  spec.statistics = std::move(stats);
  spec.timeout_seconds = timeout;
  spec.kill_grace_seconds = grace;
  return ExternalCommandModel(spec, {"theta"});
}

std::string sim_error(const Model& m, Vector& stats, double theta = 0.5) {
  Rng rng(StreamId{3, 0, 1});
  Vector th(1);
  th[0] = theta;
  try {
    m.simulate(th, rng, stats);
  } catch (const ModelError& e) {
    return e.what();
  }
  return "(no error)";
}

double seconds_of(const std::function<void()>& fn) {
  const auto t0 = std::chrono::steady_clock::now();
  fn();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

TEST_CASE("command: statistics text, positional and named", "[models]") {
  const std::vector<StatSpec> specs{{"a", 1}, {"x", 2}};
  Vector out(3);
  parse_statistics_text("1 2\n 3\n", specs, out);
  CHECK(out[0] == 1.0);
  CHECK(out[2] == 3.0);
  parse_statistics_text("x 5 6\na 4\n", specs, out);
  CHECK(out[0] == 4.0);
  CHECK(out[1] == 5.0);
  CHECK(out[2] == 6.0);
  parse_statistics_text("x[1] 8\na -1e3\nx[0] +7\n", specs, out);
  CHECK(out[0] == -1000.0);
  CHECK(out[1] == 7.0);
  CHECK(out[2] == 8.0);
  parse_statistics_text("nan inf 1", specs, out);  // parsed; the evaluator rejects them
  CHECK(std::isnan(out[0]));
  CHECK(std::isinf(out[1]));

  const auto error = [&](const std::string& text) {
    try {
      parse_statistics_text(text, specs, out);
    } catch (const ModelError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  CHECK(contains(error("1 2"), "printed 2 numbers, but 3 statistics are declared"));
  CHECK(contains(error("1 2 3 4"), "printed 4 numbers"));
  CHECK(contains(error(""), "printed no statistics"));
  CHECK(contains(error("1 two 3"), "'two'"));
  CHECK(contains(error("b 1\nx 1 2"), "unknown statistic 'b'"));
  CHECK(contains(error("x 1 2"), "did not print the statistic 'a'"));
  CHECK(contains(error("a 1\na 2\nx 1 2"), "twice"));
  CHECK(contains(error("a 1\nx 1"), "printed 1 value(s) for 'x', which has size 2"));
}

TEST_CASE("command: template and executable checks", "[models]") {
  CHECK(config_error({"true", "{theta}", "{seed}", "{output}"}) == "(no error)");
  CHECK(config_error({"true", "--x={theta}", "{{literal}}", "awk { print }"}) == "(no error)");
  auto e = config_error({"true", "{thta}"});
  CHECK(contains(e, "unknown placeholder '{thta}'"));
  CHECK(contains(e, "Did you mean 'theta'?"));
  e = config_error({"{theta}"});
  CHECK(contains(e, "cannot hold a placeholder"));
  e = config_error({"definitely-not-a-program-abcsmc"});
  CHECK(contains(e, "not found in PATH"));
  e = config_error({"/nonexistent/sim.sh"});
  CHECK(contains(e, "/nonexistent/sim.sh' does not exist"));
  e = config_error({ABCSMC_SOURCE_DIR "/README.md"});
  CHECK(contains(e, "is not an executable file"));
  e = config_error({"true"}, {});
  CHECK(contains(e, "needs 'statistics'"));
  e = config_error({}, y_only());
  CHECK(contains(e, "the command is empty"));

  CommandSpec spec;
  spec.argv = {"true", "a{theta}b", "{{x}}", "s={seed}"};
  spec.statistics = y_only();
  ExternalCommandModel m(spec, {"theta"});
  Vector th(1);
  th[0] = 0.1;
  const auto argv = m.command_line(th, 18446744073709551615ull, "");
  REQUIRE(argv.size() == 4);
  CHECK(argv[1] == "a0.1b");
  CHECK(argv[2] == "{x}");
  CHECK(argv[3] == "s=18446744073709551615");
}

TEST_CASE("command: the compiled example matches the plugin bit for bit", "[models]") {
  CommandSpec spec;
  spec.argv = {ABCSMC_GAUSS_COMMAND, "{theta}", "{seed}"};
  spec.statistics = y_only();
  ExternalCommandModel cmd(spec, {"theta"});
  PluginModel plugin(ABCSMC_PLUGIN_GAUSS_C, {}, {"theta"});
  for (std::uint64_t i = 0; i < 5; ++i) {
    Rng r1(StreamId{11, 2, i});
    Rng r2(StreamId{11, 2, i});
    Vector th(1);
    th[0] = 0.3 * static_cast<double>(i) - 0.7 + 1e-13;
    Vector a(1);
    Vector b(1);
    cmd.simulate(th, r1, a);
    plugin.simulate(th, r2, b);
    CHECK(a[0] == b[0]);
  }
}

TEST_CASE("command: statistics from an {output} file", "[models]") {
  CommandSpec spec;
  spec.argv = {"bash", "-c", "echo 'y 2.5' > \"$1\"; echo ignored", "sim", "{output}"};
  spec.statistics = y_only();
  ExternalCommandModel m(spec, {"theta"});
  CHECK(m.uses_output_file());
  Vector stats(1);
  CHECK(sim_error(m, stats) == "(no error)");
  CHECK(stats[0] == 2.5);
}

TEST_CASE("command: failures carry the command line, exit status and stderr", "[models]") {
  Vector stats(1);
  SECTION("non-zero exit") {
    const auto e = sim_error(bash_model("echo first >&2; echo 'bad input' >&2; exit 3"), stats);
    CHECK(contains(e, "command `bash -c"));
    CHECK(contains(e, "exited with status 3"));
    CHECK(contains(e, "last lines of its stderr"));
    CHECK(contains(e, "bad input"));
  }
  SECTION("crash") {
    const auto e = sim_error(bash_model("kill -SEGV $$"), stats);
    CHECK(contains(e, "killed by signal 11"));
  }
  SECTION("wrong number of statistics") {
    const auto e = sim_error(bash_model("echo 1 2"), stats);
    CHECK(contains(e, "printed 2 numbers, but 1 statistic is declared"));
    CHECK(contains(e, "it printed '1 2"));
  }
  SECTION("not a number") {
    const auto e = sim_error(bash_model("echo oops"), stats);
    CHECK(contains(e, "unknown statistic 'oops'"));
  }
  SECTION("NaN is read (the evaluator rejects it)") {
    CHECK(sim_error(bash_model("echo nan"), stats) == "(no error)");
    CHECK(std::isnan(stats[0]));
  }
  SECTION("theta and seed arrive as text") {
    CHECK(sim_error(bash_model("echo \"y $1\""), stats, 0.125) == "(no error)");
    CHECK(stats[0] == 0.125);
  }
}

TEST_CASE("command: a timeout kills a sleeping command", "[models]") {
  Vector stats(1);
  std::string e;
  double s = seconds_of([&] { e = sim_error(bash_model("sleep 30", y_only(), 0.3), stats); });
  CHECK(contains(e, "timed out after 0.3 s"));
  CHECK(s < 5.0);
  // A command that ignores SIGTERM gets SIGKILL after the grace period (its child sleep too:
  // the whole process group is signalled).
  s = seconds_of([&] {
    e = sim_error(bash_model("trap '' TERM; sleep 30; echo 1", y_only(), 0.2, 0.3), stats);
  });
  CHECK(contains(e, "timed out"));
  CHECK(s >= 0.45);
  CHECK(s < 5.0);
  // Background children that keep stdout open do not keep us waiting past the timeout.
  s = seconds_of([&] { e = sim_error(bash_model("sleep 30 & echo 1", y_only(), 0.3), stats); });
  CHECK(s < 5.0);
}

TEST_CASE("command: run_process reports exit codes and output", "[models]") {
  const auto r = run_process({"/bin/sh", "-c", "printf 'a b'; printf err >&2; exit 4"}, 5.0, 1.0);
  CHECK(r.exit_status == 4);
  CHECK(r.signal == 0);
  CHECK_FALSE(r.timed_out);
  CHECK(r.out == "a b");
  CHECK(r.err_tail == "err");
  CHECK_THROWS_AS(run_process({"/nonexistent/prog"}, 0.0, 1.0), ModelError);
}

namespace {

/// The reason() of the ModelError a simulation throws, or "(no error)".
std::string sim_reason(const Model& m, Vector& stats, double theta = 0.5) {
  Rng rng(StreamId{3, 0, 1});
  Vector th(1);
  th[0] = theta;
  try {
    m.simulate(th, rng, stats);
  } catch (const ModelError& e) {
    return e.reason();
  }
  return "(no error)";
}

std::vector<StatSpec> twenty() { return {{"x", 20}}; }

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

}  // namespace

TEST_CASE("command: failure reasons group failures without per-candidate values", "[models]") {
  Vector stats(1);
  SECTION("exit status with the last stderr line, numbers as #") {
    const auto m = bash_model("echo 'step 1 of 3' >&2; echo \"  ODE solver diverged at t=$1  \" >&2; "
                              "echo >&2; exit 1");
    const std::string r1 = sim_reason(m, stats, 0.25);
    CHECK(r1 == "exit status 1 \"ODE solver diverged at t=#\"");
    CHECK(sim_reason(m, stats, -1.5e-7) == r1);  // another theta: the same reason
    CHECK(contains(sim_error(m, stats, 0.25), "t=0.25"));  // the message keeps the value
    CHECK(sim_reason(bash_model("exit 4"), stats) == "exit status 4");
    CHECK(sim_reason(bash_model("echo 'x86_64 3rd pass 0x7ffd12 v2' >&2; exit 2"), stats) ==
          "exit status 2 \"x86_64 3rd pass # v2\"");
  }
  SECTION("a long stderr line is cut") {
    const std::string r = sim_reason(bash_model("printf '%0200d\\n' 0 | tr 0 a >&2; exit 1"), stats);
    CHECK(r.size() <= 100);
    CHECK(contains(r, "...\""));
  }
  SECTION("signals and timeouts") {
    CHECK(sim_reason(bash_model("kill -SEGV $$"), stats) == "killed by signal 11 (Segmentation fault)");
    CHECK(sim_reason(bash_model("sleep 30", y_only(), 0.2), stats) == "timed out after 0.2 s");
  }
  SECTION("wrong statistics") {
    Vector many(20);
    CHECK(sim_reason(bash_model("seq 1 19", twenty()), many) ==
          "printed 19 numbers, 20 statistics expected");
    CHECK(sim_reason(bash_model("echo 1 2"), stats) == "printed 2 numbers, 1 statistic expected");
    CHECK(sim_reason(bash_model("echo \"1 $1x 3\"", {{"a", 3}}), many, 0.7) ==
          "printed a non-number among its numbers");
    CHECK(sim_reason(bash_model(""), stats) == "printed no statistics");
    CHECK(sim_reason(bash_model("echo \"y v$1\""), stats) == "printed a non-number as a value of 'y'");
    CHECK(sim_reason(bash_model("echo 'z 1'"), stats) == "printed the unknown statistic 'z'");
  }
  SECTION("an {output} file that cannot be made") {
    CommandSpec spec;
    spec.argv = {"bash", "-c", "echo 1 > \"$1\"", "sim", "{output}"};
    spec.statistics = y_only();
    ExternalCommandModel m(spec, {"theta"});
    const char* old = std::getenv("TMPDIR");
    const std::string saved = old != nullptr ? old : "";
    setenv("TMPDIR", "/nonexistent-abcsmc-dir", 1);
    const std::string reason = sim_reason(m, stats);
    const std::string message = sim_error(m, stats);
    if (old != nullptr) {
      setenv("TMPDIR", saved.c_str(), 1);
    } else {
      unsetenv("TMPDIR");
    }
    CHECK(reason == "cannot create a temporary file for {output}: No such file or directory");
    CHECK(contains(message, "/nonexistent-abcsmc-dir/abcsmc-stats-XXXXXX"));
    // The file's name in stderr shows as {output}; nothing printed into it: the reason says where.
    CommandSpec err;
    err.argv = {"bash", "-c", "echo \"cannot write $1\" >&2; exit 5", "sim", "{output}"};
    err.statistics = y_only();
    CHECK(sim_reason(ExternalCommandModel(err, {"theta"}), stats) ==
          "exit status 5 \"cannot write {output}\"");
    CommandSpec empty;
    empty.argv = {"bash", "-c", "echo 1", "sim", "{output}"};
    empty.statistics = y_only();
    CHECK(sim_reason(ExternalCommandModel(empty, {"theta"}), stats) ==
          "printed no statistics in its {output} file");
  }
  SECTION("a program that cannot start") {
    const std::string dir = std::string(ABCSMC_SOURCE_DIR);  // a directory: EACCES from exec
    try {
      run_process({dir}, 0.0, 1.0);
      FAIL("no error");
    } catch (const ModelError& e) {
      CHECK(std::string(e.reason()) == "cannot start: Permission denied");
      CHECK(contains(e.what(), dir));
    }
  }
}

TEST_CASE("command: kill_running_commands signals the running commands' groups", "[models]") {
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
  REQUIRE(wait_for(pattern, [](int n) { return n >= 6; }, 10.0));
  kill_running_commands(SIGTERM);
  for (auto& t : threads) t.join();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK(s < 10.0);
  for (const auto& o : outcomes) CHECK(o.signal == SIGTERM);
  CHECK(wait_for(pattern, [](int n) { return n == 0; }, 5.0));
  // The next command runs normally.
  CHECK(run_process({"/bin/sh", "-c", "echo ok"}, 5.0, 1.0).out == "ok\n");
}

TEST_CASE("command: commands end with their process, however it ends", "[models]") {
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
      std::thread([&] { run_process({"/bin/sh", "-c", "sleep " + length + "; echo done"}, 0.0, 1.0); })
          .detach();
      for (;;) pause();
    }
    REQUIRE(wait_for(pattern, [](int n) { return n >= 2; }, 10.0));  // the shell and its sleep
    kill(child, how == SIGKILL ? SIGKILL : SIGUSR1);
    int status = 0;
    waitpid(child, &status, 0);
    CHECK(wait_for(pattern, [](int n) { return n == 0; }, 5.0));
  }
}
