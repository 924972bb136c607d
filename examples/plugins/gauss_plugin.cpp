// Example plugin in C++: the same simulator as gauss_plugin.c (benchmark B1), written as a class
// that keeps a scratch buffer, and so is NOT thread-safe: abcsmc gives each concurrent thread
// its own instance. Exceptions never cross the C ABI: every entry point catches them.
//
// Build: c++ -std=c++17 -O2 -shared -fPIC -I<abcsmc>/include gauss_plugin.cpp -o libgauss_cpp.so
// Config: model: {plugin: libgauss_cpp.so, options: {n: 10, sigma: 1}}
#include <abcsmc/plugin.h>
#include <abcsmc/plugin_rng.h>

#include <cmath>
#include <cstdio>
#include <exception>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

class Gauss {
 public:
  Gauss(std::size_t n_parameters, const abcsmc_plugin_option* options, std::size_t n_options) {
    if (n_parameters != 1) {
      throw std::invalid_argument("gauss needs exactly 1 parameter (the mean), got " +
                                  std::to_string(n_parameters));
    }
    for (std::size_t i = 0; i < n_options; ++i) {
      const std::string name = options[i].name;
      const double v = number(name, options[i].value);
      if (name == "n") {
        if (v < 1 || v != std::floor(v) || v > 1e9) {
          throw std::invalid_argument("option 'n' must be a whole number >= 1");
        }
        n_ = static_cast<long>(v);
      } else if (name == "sigma") {
        if (!(v > 0)) throw std::invalid_argument("option 'sigma' must be > 0");
        sigma_ = v;
      } else {
        throw std::invalid_argument("unknown option '" + name + "'; options: 'n', 'sigma'");
      }
    }
    draws_.resize(static_cast<std::size_t>(n_));
  }

  // Not thread-safe: draws_ is scratch space shared by every call on this instance.
  double simulate(double theta, std::uint64_t seed) {
    abcsmc_rng rng;
    abcsmc_rng_init(&rng, seed);
    for (auto& d : draws_) d = theta + sigma_ * abcsmc_rng_normal(&rng);
    double sum = 0.0;
    for (double d : draws_) sum += d;
    return sum / static_cast<double>(n_);
  }

 private:
  static double number(const std::string& name, const char* text) {
    std::size_t used = 0;
    double v = 0.0;
    try {
      v = std::stod(text, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || text[used] != '\0' || !std::isfinite(v)) {
      throw std::invalid_argument("option '" + name + "' is '" + text + "', but must be a number");
    }
    return v;
  }

  long n_ = 10;
  double sigma_ = 1.0;
  std::vector<double> draws_;
};

const abcsmc_plugin_statistic kStatistics[] = {{"y", 1}};

void* create(const char* const* /*parameter_names*/, std::size_t n_parameters,
             const abcsmc_plugin_option* options, std::size_t n_options, char* error,
             std::size_t error_size) {
  try {
    return new Gauss(n_parameters, options, n_options);
  } catch (const std::exception& e) {
    std::snprintf(error, error_size, "%s", e.what());
  } catch (...) {
    std::snprintf(error, error_size, "unknown error");
  }
  return nullptr;
}

const abcsmc_plugin_statistic* statistics(void* /*instance*/, std::size_t* n_statistics) {
  *n_statistics = 1;
  return kStatistics;
}

int simulate(void* instance, const double* theta, std::size_t n_theta, std::uint64_t seed,
             double* stats_out, std::size_t n_stats, char* error, std::size_t error_size) {
  if (n_theta != 1 || n_stats != 1) {
    std::snprintf(error, error_size, "expected 1 parameter and 1 statistic, got %zu and %zu",
                  n_theta, n_stats);
    return ABCSMC_PLUGIN_BAD_SIZE;
  }
  try {
    stats_out[0] = static_cast<Gauss*>(instance)->simulate(theta[0], seed);
    return ABCSMC_PLUGIN_OK;
  } catch (const std::exception& e) {
    std::snprintf(error, error_size, "%s", e.what());
  } catch (...) {
    std::snprintf(error, error_size, "unknown error");
  }
  return ABCSMC_PLUGIN_FAILED;
}

void destroy(void* instance) { delete static_cast<Gauss*>(instance); }

const abcsmc_plugin_api kApi = {ABCSMC_PLUGIN_ABI_VERSION,
                                0 /* not thread-safe */,
                                "gauss_cpp",
                                create,
                                statistics,
                                simulate,
                                destroy};

}  // namespace

ABCSMC_PLUGIN_DEFINE(kApi)
