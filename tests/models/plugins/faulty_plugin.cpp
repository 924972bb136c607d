// Test plugin: y = theta + N(0, 1) from the seed, and a fault chosen by the option `mode` when
// theta > `above` (default -inf: always): nan | inf | fail | bad_size | throw | ok.
// `create_fails: 1` makes create() fail; `statistics: none | unnamed | twice` makes statistics()
// give nothing, an empty name or a name listed twice (the host rejects those after create()).
// abcsmc_test_faulty_live_instances() counts instances created and not yet destroyed (leak
// tests: dlopen this library and read it).
#include <abcsmc/plugin.h>
#include <abcsmc/plugin_rng.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <stdexcept>
#include <string>

namespace {

std::atomic<long> live_instances{0};

struct Faulty {
  Faulty() { ++live_instances; }
  ~Faulty() { --live_instances; }
  Faulty(const Faulty&) = delete;
  Faulty& operator=(const Faulty&) = delete;
  std::string mode = "ok";
  std::string statistics = "ok";
  double above = -std::numeric_limits<double>::infinity();
};

const abcsmc_plugin_statistic kStatistics[] = {{"y", 1}};
const abcsmc_plugin_statistic kUnnamed[] = {{"", 1}};
const abcsmc_plugin_statistic kTwice[] = {{"y", 1}, {"y", 1}};

void* create(const char* const*, std::size_t, const abcsmc_plugin_option* options,
             std::size_t n_options, char* error, std::size_t error_size) {
  auto* f = new Faulty;
  for (std::size_t i = 0; i < n_options; ++i) {
    const std::string name = options[i].name;
    if (name == "mode") {
      f->mode = options[i].value;
    } else if (name == "statistics") {
      f->statistics = options[i].value;
    } else if (name == "above") {
      f->above = std::strtod(options[i].value, nullptr);
    } else if (name == "create_fails") {
      std::snprintf(error, error_size, "create_fails was set (option value '%s')",
                    options[i].value);
      delete f;
      return nullptr;
    } else {
      std::snprintf(error, error_size, "unknown option '%s'", name.c_str());
      delete f;
      return nullptr;
    }
  }
  return f;
}

const abcsmc_plugin_statistic* statistics(void* instance, std::size_t* n) {
  const std::string& kind = static_cast<Faulty*>(instance)->statistics;
  if (kind == "none") {
    *n = 0;
    return nullptr;
  }
  if (kind == "twice") {
    *n = 2;
    return kTwice;
  }
  *n = 1;
  return kind == "unnamed" ? kUnnamed : kStatistics;
}

int simulate(void* instance, const double* theta, std::size_t, std::uint64_t seed, double* out,
             std::size_t, char* error, std::size_t error_size) {
  const Faulty& f = *static_cast<Faulty*>(instance);
  abcsmc_rng rng;
  abcsmc_rng_init(&rng, seed);
  out[0] = theta[0] + abcsmc_rng_normal(&rng);
  if (!(theta[0] > f.above)) return ABCSMC_PLUGIN_OK;
  if (f.mode == "nan") out[0] = std::nan("");
  if (f.mode == "inf") out[0] = std::numeric_limits<double>::infinity();
  if (f.mode == "fail") {
    std::snprintf(error, error_size, "theta %g is too large for this test", theta[0]);
    return ABCSMC_PLUGIN_FAILED;
  }
  if (f.mode == "bad_size") {
    std::snprintf(error, error_size, "this test always complains about sizes");
    return ABCSMC_PLUGIN_BAD_SIZE;
  }
  if (f.mode == "status") return 42;
  if (f.mode == "throw") throw std::runtime_error("escaped from the plugin");
  return ABCSMC_PLUGIN_OK;
}

void destroy(void* instance) { delete static_cast<Faulty*>(instance); }

const abcsmc_plugin_api kApi = {ABCSMC_PLUGIN_ABI_VERSION,
                                ABCSMC_PLUGIN_THREAD_SAFE,
                                "faulty",
                                create,
                                statistics,
                                simulate,
                                destroy};

}  // namespace

ABCSMC_PLUGIN_DEFINE(kApi)

extern "C" ABCSMC_PLUGIN_EXPORT long abcsmc_test_faulty_live_instances(void) {
  return live_instances.load();
}
