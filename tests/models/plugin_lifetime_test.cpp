// Plugin instances are destroyed on every path: when the model goes, and when its constructor
// throws after create() succeeded (bad statistics). The faulty test plugin counts its live
// instances; this test keeps its own dlopen handle so that the count outlives each model.
#include <dlfcn.h>

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "abcsmc/core/error.hpp"
#include "abcsmc/models/plugin.hpp"

using namespace abcsmc;

namespace {

/// The faulty plugin, opened a second time: its live-instance counter.
class LiveInstances {
 public:
  LiveInstances() : handle_(dlopen(ABCSMC_PLUGIN_FAULTY, RTLD_NOW | RTLD_LOCAL)) {
    REQUIRE(handle_ != nullptr);
    count_ = reinterpret_cast<long (*)()>(dlsym(handle_, "abcsmc_test_faulty_live_instances"));
    REQUIRE(count_ != nullptr);
  }
  ~LiveInstances() { dlclose(handle_); }
  LiveInstances(const LiveInstances&) = delete;
  LiveInstances& operator=(const LiveInstances&) = delete;
  long operator()() const { return count_(); }

 private:
  void* handle_;
  long (*count_)() = nullptr;
};

ModelOptions statistics_option(const char* kind) {
  ModelOptions o;
  o["statistics"] = OptionValue{kind, std::nullopt};
  return o;
}

std::string constructor_error(const char* kind) {
  try {
    PluginModel m(ABCSMC_PLUGIN_FAULTY, statistics_option(kind), {"theta"});
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST_CASE("plugin lifetime: a constructor that throws after create() destroys the instance",
          "[models]") {
  const LiveInstances live;
  REQUIRE(live() == 0);
  for (const char* kind : {"none", "unnamed", "twice"}) {
    INFO("statistics: " << kind);
    const std::string e = constructor_error(kind);
    CHECK(e.find("statistic") != std::string::npos);
    CHECK(e.find("(no error)") == std::string::npos);
    CHECK(live() == 0);
  }
}

TEST_CASE("plugin lifetime: every instance goes with the model", "[models]") {
  const LiveInstances live;
  {
    PluginModel m(ABCSMC_PLUGIN_FAULTY, statistics_option("ok"), {"theta"});
    CHECK(live() == 1);
    CHECK(m.instance_count() == 1);
  }
  CHECK(live() == 0);
}
