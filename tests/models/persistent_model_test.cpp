// Persistent simulators (persistent_model.cpp): the handshake, bit-identity with the same
// arithmetic in process, concurrent callers, and every fault: a candidate fails with its reason,
// the child is replaced, and the next candidates succeed. The child is
// tests/models/persistent_child.c, whose first argument picks the fault.
#include <catch2/catch.hpp>

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "abcsmc/core/error.hpp"
#include "abcsmc/core/problem_builder.hpp"
#include "abcsmc/core/smc.hpp"
#include "abcsmc/models/function_model.hpp"
#include "abcsmc/models/persistent_model.hpp"
#include "abcsmc/samplers/single_core.hpp"
#include "abcsmc/samplers/threads.hpp"
#include "support/identical.hpp"
#include "support/run_helpers.hpp"

using namespace abcsmc;

namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

PersistentSpec child_spec(const std::string& mode) {
  PersistentSpec spec;
  spec.argv = {ABCSMC_PERSISTENT_CHILD, mode};
  spec.statistics = {{"y", 1}, {"z", 1}};
  spec.timeout_seconds = 2.0;
  spec.start_timeout_seconds = 2.0;
  spec.kill_grace_seconds = 0.2;
  return spec;
}

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

/// The child's arithmetic, in process, with the same seed rule (one rng() per simulation).
FunctionModel in_process() {
  return FunctionModel({{"y", 1}, {"z", 1}}, [](const Vector& theta, Rng& rng, Vector& stats) {
    const double u = static_cast<double>(splitmix64(rng()) >> 11) * 0x1.0p-53;
    stats[0] = theta[0] + u - 0.5;
    stats[1] = theta[0] * u;
  });
}

Rng stream(std::uint64_t i) { return Rng(StreamId{99, 2, i, 0, StreamKind::evaluation}); }

Vector at(double x) {
  Vector t(1);
  t << x;
  return t;
}

std::string start_error(const std::string& mode) {
  try {
    PersistentModel m(child_spec(mode), {"theta"});
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

/// The ModelError of simulating at theta, or "" when it succeeds.
ModelError failure(const PersistentModel& m, double theta) {
  Rng rng = stream(1);
  Vector s(2);
  try {
    m.simulate(at(theta), rng, s);
  } catch (const ModelError& e) {
    return e;
  }
  return ModelError("", "");
}

void check_good(const PersistentModel& m) {
  const FunctionModel ref = in_process();
  Rng a = stream(5);
  Rng b = stream(5);
  Vector s1(2);
  Vector s2(2);
  m.simulate(at(-0.25), a, s1);
  ref.simulate(at(-0.25), b, s2);
  CHECK(s1[0] == s2[0]);
  CHECK(s1[1] == s2[1]);
}

}  // namespace

TEST_CASE("persistent model: bit-identical to the same arithmetic in process, any thread") {
  PersistentModel m(child_spec("ok"), {"theta"});
  CHECK(m.children_started() == 1);
  const FunctionModel ref = in_process();
  constexpr int kThreads = 4;
  constexpr int kEach = 200;
  std::vector<std::vector<double>> got(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < kEach; ++k) {
        const std::uint64_t i = static_cast<std::uint64_t>(t * kEach + k);
        Rng rng = stream(i);
        Vector s(2);
        m.simulate(at(static_cast<double>(i) * 0.37 - 50.0 + 1e-9), rng, s);
        got[t].push_back(s[0]);
        got[t].push_back(s[1]);
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) {
    for (int k = 0; k < kEach; ++k) {
      const std::uint64_t i = static_cast<std::uint64_t>(t * kEach + k);
      Rng rng = stream(i);
      Vector s(2);
      ref.simulate(at(static_cast<double>(i) * 0.37 - 50.0 + 1e-9), rng, s);
      REQUIRE(got[t][2 * k] == s[0]);
      REQUIRE(got[t][2 * k + 1] == s[1]);
    }
  }
  CHECK(m.children_alive() >= 1);
  CHECK(m.children_alive() <= kThreads);
  CHECK(m.children_started() == m.children_alive());  // no fault, no restart
}

TEST_CASE("persistent model: each fault fails its candidate, the child is replaced") {
  struct Case {
    std::string mode;
    std::string message;
    std::string reason;
  };
  const Case cases[] = {
      {"crash", "was killed by signal 6", "killed by signal 6 (Aborted)"},
      {"exit", "exited with status 3", "exited with status 3 \"diverged at t=#\""},
      {"hang", "timed out after 0.3 s", "timed out after 0.3 s"},
      {"garbage", "replied 'hello world'", "replied with something other than ok or fail"},
      {"count", "replied with 1 numbers, 2 statistics expected",
       "replied with 1 numbers, 2 statistics expected"},
      {"flood", "replied with a line longer than", "replied with a line that is too long"},
  };
  for (const auto& c : cases) {
    INFO(c.mode);
    PersistentSpec spec = child_spec(c.mode);
    spec.timeout_seconds = 0.3;
    PersistentModel m(spec, {"theta"});
    const auto t0 = std::chrono::steady_clock::now();
    const ModelError e = failure(m, 1.5);
    CHECK(std::chrono::steady_clock::now() - t0 < std::chrono::seconds(2));
    CHECK(has(e.what(), c.message));
    CHECK(has(e.what(), "restarted for the next simulation"));
    CHECK(e.reason() == c.reason);
    CHECK(m.children_alive() == 0);
    check_good(m);  // a fresh child serves the next candidate
    CHECK(m.children_started() == 2);
  }
}

TEST_CASE("persistent model: a fail reply fails the candidate and keeps the child") {
  PersistentModel m(child_spec("fail"), {"theta"});
  const ModelError e = failure(m, 1.25);
  CHECK(has(e.what(), "failed: negative density at x=1.250"));
  CHECK(e.reason() == "the simulator failed: \"negative density at x=#\"");
  check_good(m);
  CHECK(m.children_started() == 1);
}

TEST_CASE("persistent model: stderr is drained while waiting, a slow start is waited for") {
  // 200 KB of stderr is more than a pipe holds: a reader that did not drain it would deadlock.
  PersistentModel noisy(child_spec("noisy"), {"theta"});
  Rng rng = stream(3);
  Vector s(2);
  noisy.simulate(at(1.0), rng, s);
  CHECK(s[1] >= 0.0);
  PersistentModel slow(child_spec("slow-start"), {"theta"});
  check_good(slow);
}

namespace {
std::vector<std::string> g_logged;  // lines set_child_stderr_logger delivered (one thread here)
void collect(const std::string& command, const std::string& line) {
  g_logged.push_back(command + " | " + line);
}
}  // namespace

TEST_CASE("persistent model: stderr lines reach the logger when one is set") {
  set_child_stderr_logger(collect);
  g_logged.clear();
  {
    PersistentModel m(child_spec("exit"), {"theta"});
    (void)failure(m, 2.0);
  }
  set_child_stderr_logger(nullptr);
  REQUIRE(g_logged.size() == 1);
  CHECK(has(g_logged[0], "persistent_child exit` | diverged at t=2"));
}

TEST_CASE("persistent model: a child that does not start is a ConfigError naming the command") {
  const std::string never = start_error("never");  // waits the 2 s start_timeout
  CHECK(has(never, "did not answer the hello within 2 s (start_timeout)"));
  CHECK(has(never, "persistent_child never`"));
  const std::string exited = start_error("exit-start");
  CHECK(has(exited, "exited with status 4 before it was ready"));
  CHECK(has(exited, "cannot load the mesh mesh.dat"));
  CHECK(has(start_error("banner"), "wrote 'Loading simulator v1.0' where 'ready 1' was expected"));
  CHECK(has(start_error("version2"), "speaks protocol version 2"));

  PersistentSpec spec = child_spec("ok");
  spec.argv = {"/nonexistent/sim"};
  CHECK_THROWS_WITH(PersistentModel(spec, {"theta"}), Catch::Contains("does not exist"));
  spec.argv = {"no-such-program-abcsmc"};
  CHECK_THROWS_WITH(PersistentModel(spec, {"theta"}), Catch::Contains("not found in PATH"));
  spec = child_spec("ok");
  spec.statistics = {{"a b", 1}};
  CHECK_THROWS_WITH(PersistentModel(spec, {"theta"}), Catch::Contains("without blanks"));
  spec = child_spec("ok");
  spec.statistics = {};
  CHECK_THROWS_WITH(PersistentModel(spec, {"theta"}), Catch::Contains("needs 'statistics'"));
}

TEST_CASE("persistent model: past `restarts` faults the run stops") {
  PersistentSpec spec = child_spec("crash");
  spec.restarts = 2;
  PersistentModel m(spec, {"theta"});
  for (int i = 0; i < 3; ++i) CHECK_FALSE(std::string(failure(m, 1.0).what()).empty());
  Rng rng = stream(1);
  Vector s(2);
  try {
    m.simulate(at(-1.0), rng, s);
    FAIL("no error after 3 faults with restarts: 2");
  } catch (const ModelError&) {
    FAIL("a ModelError (a failed candidate) instead of the run stopping");
  } catch (const Error& e) {
    CHECK(has(e.what(), "failed 3 times, more than restarts: 2 allows"));
  }
}

namespace {

/// n jobs at theta = -1 - i / 10 (good candidates), with the indices in `bad` at theta = 1 + i.
struct Jobs {
  explicit Jobs(std::size_t n, const std::vector<std::size_t>& bad = {}) {
    for (std::size_t i = 0; i < n; ++i) {
      const bool is_bad = std::find(bad.begin(), bad.end(), i) != bad.end();
      thetas.push_back(
          at(is_bad ? 1.0 + static_cast<double>(i) : -1.0 - 0.1 * static_cast<double>(i)));
      rngs.push_back(stream(100 + i));
      stats.emplace_back(2);
    }
    for (std::size_t i = 0; i < n; ++i) jobs.push_back({&thetas[i], &rngs[i], &stats[i], {}});
  }
  std::vector<Vector> thetas;
  std::vector<Rng> rngs;
  std::vector<Vector> stats;
  std::vector<SimulationJob> jobs;
};

std::string reason_of(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const ModelError& e) {
    return e.reason();
  }
}

}  // namespace

TEST_CASE("persistent model: batches give the bits of single requests") {
  PersistentSpec spec = child_spec("ok");
  spec.argv.push_back("batch");
  spec.batch = 8;
  PersistentModel m(spec, {"theta"});
  CHECK(m.batch_size() == 8);  // min(batch: 8, the child's ready batch 64)
  Jobs jobs(21);
  m.simulate_batch(jobs.jobs);
  const FunctionModel ref = in_process();
  for (std::size_t i = 0; i < 21; ++i) {
    INFO(i);
    REQUIRE_FALSE(jobs.jobs[i].error);
    Rng rng = stream(100 + i);
    Vector s(2);
    ref.simulate(jobs.thetas[i], rng, s);
    CHECK(jobs.stats[i][0] == s[0]);
    CHECK(jobs.stats[i][1] == s[1]);
  }
  CHECK(m.children_started() == 1);

  // A child that does not announce batches gets single requests, whatever the config says.
  PersistentSpec plain = child_spec("ok");
  plain.batch = 8;
  CHECK(PersistentModel(plain, {"theta"}).batch_size() == 1);
  PersistentSpec off = child_spec("ok");
  off.argv.push_back("batch");
  CHECK(PersistentModel(off, {"theta"}).batch_size() == 1);  // batch: 1, the default
}

TEST_CASE("persistent model: a broken batch fails only the candidates that break the child") {
  // crash and exit end the child in the middle of a batch, hang passes the batch's timeout,
  // garbage breaks the framing: the candidates after it in the batch run again alone, so the
  // outcome is that of single requests: only the bad candidates fail.
  for (const std::string mode : {"crash", "exit", "hang", "garbage", "count"}) {
    INFO(mode);
    PersistentSpec spec = child_spec(mode);
    spec.argv.push_back("batch");
    spec.batch = 8;
    spec.timeout_seconds = 0.3;
    PersistentModel m(spec, {"theta"});
    Jobs jobs(12, {3, 9});
    m.simulate_batch(jobs.jobs);
    const FunctionModel ref = in_process();
    for (std::size_t i = 0; i < 12; ++i) {
      INFO(i);
      if (i == 3 || i == 9) {
        REQUIRE(jobs.jobs[i].error);
        CHECK_FALSE(reason_of(jobs.jobs[i].error).empty());
        continue;
      }
      REQUIRE_FALSE(jobs.jobs[i].error);
      Rng rng = stream(100 + i);
      Vector s(2);
      ref.simulate(jobs.thetas[i], rng, s);
      CHECK(jobs.stats[i][0] == s[0]);
    }
  }
}

TEST_CASE("persistent model: an extra reply line costs the child, not the next candidate") {
  for (const std::string mode : {"extra", "late-extra"}) {
    INFO(mode);
    PersistentModel m(child_spec(mode), {"theta"});
    Rng rng = stream(1);
    Vector s(2);
    m.simulate(at(1.0), rng, s);  // answered, then once more (at once, or 100 ms later)
    check_good(m);                // served by a new child, never by the one out of step
    CHECK(m.children_started() == 2);
  }
}

TEST_CASE("persistent model: end_idle stops the idle children, the next simulation starts one") {
  PersistentModel m(child_spec("ok"), {"theta"});
  CHECK(m.children_alive() == 1);
  m.end_idle();
  CHECK(m.children_alive() == 0);
  check_good(m);
  CHECK(m.children_started() == 2);
  CHECK(m.children_alive() == 1);
}

namespace {

std::vector<GenerationRecord> run_with(std::shared_ptr<const Model> model, Sampler& sampler) {
  // Only y is observed: z is simulated and dropped (the model's output is selected).
  auto problem = ProblemBuilder()
                     .model("child", std::move(model))
                     .parameter("theta", "normal", {{"mean", 0.0}, {"sd", 1.0}})
                     .observe("y", 0.3)
                     .build();
  return testing::run_generations(problem, 20261203, 150, 3, sampler);
}

}  // namespace

TEST_CASE(
    "persistent model: whole runs equal the in-process callable's, with and without batches") {
  const auto ref_fn = std::make_shared<FunctionModel>(in_process());
  SingleCoreSampler single;
  const auto reference = run_with(ref_fn, single);
  for (const std::size_t batch : {std::size_t{1}, std::size_t{8}}) {
    INFO("batch " << batch);
    PersistentSpec spec = child_spec("ok");
    spec.argv.push_back("batch");
    spec.batch = batch;
    ThreadsSampler threads(3, Scheduling::dynamic, 4);
    testing::require_identical_runs(
        reference,
        run_with(std::make_shared<PersistentModel>(spec, std::vector<std::string>{"theta"}),
                 threads));
  }
}
