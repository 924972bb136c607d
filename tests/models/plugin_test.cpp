// Plugin models: loading and ABI checks, seeds, the instance pool, failure statuses.
#include <catch2/catch.hpp>

#include <atomic>
#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include "abcsmc/core/error.hpp"
#include "abcsmc/models/plugin.hpp"

using namespace abcsmc;

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

ModelOptions opts(std::initializer_list<std::pair<const char*, const char*>> list) {
  ModelOptions o;
  for (const auto& [k, v] : list) o[k] = OptionValue{v, std::nullopt};
  return o;
}

std::string config_error(const std::string& path, const ModelOptions& options,
                         const std::vector<std::string>& params = {"theta"}) {
  try {
    PluginModel m(path, options, params);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

std::string model_error(const PluginModel& m, double theta) {
  Rng rng(StreamId{1, 0, 0});
  Vector th(1);
  th[0] = theta;
  Vector stats(1);
  try {
    m.simulate(th, rng, stats);
  } catch (const ModelError& e) {
    return e.what();
  }
  return "(no error)";
}

/// What the example plugins compute: mean of n draws theta + sigma N(0,1) from Rng{seed}.
double reference_gauss(double theta, std::uint64_t seed, int n, double sigma) {
  Rng inner(StreamId{seed, 0, 0});
  double sum = 0.0;
  for (int i = 0; i < n; ++i) sum += theta + sigma * inner.normal();
  return sum / n;
}

}  // namespace

TEST_CASE("plugin: the C example loads, is thread-safe and draws from the seed it gets",
          "[models]") {
  PluginModel m(ABCSMC_PLUGIN_GAUSS_C, opts({{"n", "7"}, {"sigma", "0.5"}}), {"theta"});
  CHECK(m.plugin_name() == "gauss_c");
  CHECK(m.plugin_thread_safe());
  CHECK(m.thread_safe());
  REQUIRE(m.statistics().size() == 1);
  CHECK(m.statistics()[0].name == "y");
  CHECK(m.statistics()[0].size == 1);
  for (std::uint64_t i = 0; i < 20; ++i) {
    Rng rng(StreamId{42, 3, i});
    Rng copy(StreamId{42, 3, i});
    const std::uint64_t seed = copy();  // the plugin gets the stream's next 64 bits
    Vector theta(1);
    theta[0] = 0.1 * static_cast<double>(i) - 1.0;
    Vector stats(1);
    m.simulate(theta, rng, stats);
    CHECK(stats[0] == reference_gauss(theta[0], seed, 7, 0.5));  // bit-identical
    CHECK(rng() == copy());                                      // exactly one draw consumed
  }
}

TEST_CASE("plugin: the C++ example is not thread-safe and gets one instance per thread",
          "[models]") {
  PluginModel c(ABCSMC_PLUGIN_GAUSS_C, {}, {"mu"});
  PluginModel cpp(ABCSMC_PLUGIN_GAUSS_CPP, {}, {"mu"});
  CHECK(cpp.plugin_name() == "gauss_cpp");
  CHECK_FALSE(cpp.plugin_thread_safe());
  CHECK(cpp.thread_safe());  // the pool makes the wrapper safe
  CHECK(cpp.instance_count() == 1);
  constexpr int kThreads = 4;
  constexpr std::uint64_t kPerThread = 400;
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (std::uint64_t i = 0; i < kPerThread; ++i) {
        const StreamId id{7, 1, static_cast<std::uint64_t>(t) * kPerThread + i};
        Rng r1(id);
        Rng r2(id);
        Vector theta(1);
        theta[0] = 0.25 * t;
        Vector a(1);
        Vector b(1);
        c.simulate(theta, r1, a);
        cpp.simulate(theta, r2, b);
        if (a[0] != b[0]) ++mismatches;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(mismatches == 0);
  CHECK(cpp.instance_count() >= 1);
  CHECK(cpp.instance_count() <= static_cast<std::size_t>(kThreads));
}

TEST_CASE("plugin: load errors are clear ConfigErrors", "[models]") {
  SECTION("missing file") {
    const auto e = config_error("/nonexistent/libnothing.so", {});
    CHECK(contains(e, "/nonexistent/libnothing.so"));
    CHECK(contains(e, "no such file"));
  }
  SECTION("not a plugin") {
    const auto e = config_error(ABCSMC_PLUGIN_NOT_A_PLUGIN, {});
    CHECK(contains(e, "is not an abcsmc plugin"));
    CHECK(contains(e, "abcsmc_plugin_abi_version"));
  }
  SECTION("wrong ABI version") {
    const auto e = config_error(ABCSMC_PLUGIN_WRONG_ABI, {});
    CHECK(contains(e, "built for plugin ABI version 999"));
    CHECK(contains(e, "supports version " + std::to_string(ABCSMC_PLUGIN_ABI_VERSION)));
    CHECK(contains(e, "rebuild"));
  }
  SECTION("not a shared library") {
    const auto e = config_error(ABCSMC_SOURCE_DIR "/README.md", {});
    CHECK(contains(e, "cannot load it"));
  }
  SECTION("create() fails with the plugin's message") {
    auto e = config_error(ABCSMC_PLUGIN_GAUSS_C, opts({{"sigmaa", "1"}}));
    CHECK(contains(e, "create() failed"));
    CHECK(contains(e, "unknown option 'sigmaa'"));
    e = config_error(ABCSMC_PLUGIN_GAUSS_CPP, opts({{"n", "0"}}));
    CHECK(contains(e, "option 'n' must be a whole number >= 1"));
    e = config_error(ABCSMC_PLUGIN_GAUSS_C, {}, {"a", "b"});
    CHECK(contains(e, "exactly 1 parameter"));
    e = config_error(ABCSMC_PLUGIN_FAULTY, opts({{"create_fails", "1"}}));
    CHECK(contains(e, "create_fails was set"));
  }
}

TEST_CASE("plugin: failure statuses become ModelErrors with the plugin's message", "[models]") {
  const auto faulty = [](const char* mode) {
    return std::make_unique<PluginModel>(ABCSMC_PLUGIN_FAULTY,
                                         opts({{"mode", mode}, {"above", "0"}}),
                                         std::vector<std::string>{"theta"});
  };
  auto m = faulty("fail");
  CHECK(model_error(*m, -1.0) == "(no error)");  // only above 0
  auto e = model_error(*m, 1.0);
  CHECK(contains(e, "plugin faulty: simulation failed: theta 1 is too large"));
  e = model_error(*faulty("bad_size"), 1.0);
  CHECK(contains(e, "wrong number of parameters or statistics"));
  CHECK(contains(e, "always complains about sizes"));
  e = model_error(*faulty("status"), 1.0);
  CHECK(contains(e, "unknown status 42"));
  e = model_error(*faulty("throw"), 1.0);
  CHECK(contains(e, "let a C++ exception escape"));
  CHECK(contains(e, "escaped from the plugin"));
  // NaN and inf are written without error; the evaluator counts them as failures.
  CHECK(model_error(*faulty("nan"), 1.0) == "(no error)");
  CHECK(model_error(*faulty("inf"), 1.0) == "(no error)");
}
