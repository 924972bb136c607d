// External command models: templates, the compiled example, timeouts, failures and their reasons
// (process.cpp and statistics_text.cpp have their own tests).
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

}  // namespace

TEST_CASE("command: failure reasons group failures without per-candidate values", "[models]") {
  Vector stats(1);
  SECTION("exit status with the last stderr line, numbers as #") {
    const auto m = bash_model(
        "echo 'step 1 of 3' >&2; echo \"  ODE solver diverged at t=$1  \" >&2; "
        "echo >&2; exit 1");
    const std::string r1 = sim_reason(m, stats, 0.25);
    CHECK(r1 == "exit status 1 \"ODE solver diverged at t=#\"");
    CHECK(sim_reason(m, stats, -1.5e-7) == r1);            // another theta: the same reason
    CHECK(contains(sim_error(m, stats, 0.25), "t=0.25"));  // the message keeps the value
    CHECK(sim_reason(bash_model("exit 4"), stats) == "exit status 4");
    CHECK(sim_reason(bash_model("echo 'x86_64 3rd pass 0x7ffd12 v2' >&2; exit 2"), stats) ==
          "exit status 2 \"x86_64 3rd pass # v2\"");
  }
  SECTION("a long stderr line is cut") {
    const std::string r =
        sim_reason(bash_model("printf '%0200d\\n' 0 | tr 0 a >&2; exit 1"), stats);
    CHECK(r.size() <= 100);
    CHECK(contains(r, "...\""));
  }
  SECTION("signals and timeouts") {
    CHECK(sim_reason(bash_model("kill -SEGV $$"), stats) ==
          "killed by signal 11 (Segmentation fault)");
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
    CHECK(sim_reason(bash_model("echo \"y v$1\""), stats) ==
          "printed a non-number as a value of 'y'");
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
