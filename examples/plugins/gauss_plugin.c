/* Example plugin in C: benchmark B1's simulator (the built-in gaussian_mean) as a plugin.
 *
 *   y = mean of n draws theta + sigma * N(0, 1), drawn from abcsmc_rng seeded with `seed`.
 *
 * Options: n (whole number >= 1, default 10), sigma (> 0, default 1). One parameter.
 * Thread-safe: an instance holds only its options, so abcsmc shares one between threads.
 * Build: cc -O2 -shared -fPIC -I<abcsmc>/include gauss_plugin.c -o libgauss_c.so -lm
 * Config: model: {plugin: libgauss_c.so, options: {n: 10, sigma: 1}}
 */
#include <abcsmc/plugin.h>
#include <abcsmc/plugin_rng.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct gauss {
  long n;
  double sigma;
} gauss;

static const abcsmc_plugin_statistic kStatistics[] = {{"y", 1}};

static int parse_number(const char* text, double* out) {
  char* end = NULL;
  errno = 0;
  const double v = strtod(text, &end);
  if (end == text || *end != '\0' || errno != 0 || !isfinite(v)) return 0;
  *out = v;
  return 1;
}

static void* gauss_create(const char* const* parameter_names, size_t n_parameters,
                          const abcsmc_plugin_option* options, size_t n_options, char* error,
                          size_t error_size) {
  (void)parameter_names;
  if (n_parameters != 1) {
    snprintf(error, error_size, "gauss needs exactly 1 parameter (the mean), got %zu",
             n_parameters);
    return NULL;
  }
  gauss g = {10, 1.0};
  for (size_t i = 0; i < n_options; ++i) {
    double v = 0.0;
    if (!parse_number(options[i].value, &v)) {
      snprintf(error, error_size, "option '%s' is '%s', but must be a number", options[i].name,
               options[i].value);
      return NULL;
    }
    if (strcmp(options[i].name, "n") == 0) {
      if (v < 1 || v != floor(v) || v > 1e9) {
        snprintf(error, error_size, "option 'n' is %s, but must be a whole number >= 1",
                 options[i].value);
        return NULL;
      }
      g.n = (long)v;
    } else if (strcmp(options[i].name, "sigma") == 0) {
      if (!(v > 0)) {
        snprintf(error, error_size, "option 'sigma' is %s, but must be > 0", options[i].value);
        return NULL;
      }
      g.sigma = v;
    } else {
      snprintf(error, error_size, "unknown option '%s'; options: 'n', 'sigma'", options[i].name);
      return NULL;
    }
  }
  gauss* out = (gauss*)malloc(sizeof *out);
  if (out == NULL) {
    snprintf(error, error_size, "out of memory");
    return NULL;
  }
  *out = g;
  return out;
}

static const abcsmc_plugin_statistic* gauss_statistics(void* instance, size_t* n_statistics) {
  (void)instance;
  *n_statistics = 1;
  return kStatistics;
}

static int gauss_simulate(void* instance, const double* theta, size_t n_theta, uint64_t seed,
                          double* stats_out, size_t n_stats, char* error, size_t error_size) {
  const gauss* g = (const gauss*)instance;
  if (n_theta != 1 || n_stats != 1) {
    snprintf(error, error_size, "expected 1 parameter and 1 statistic, got %zu and %zu", n_theta,
             n_stats);
    return ABCSMC_PLUGIN_BAD_SIZE;
  }
  abcsmc_rng rng;
  abcsmc_rng_init(&rng, seed);
  double sum = 0.0;
  for (long i = 0; i < g->n; ++i) sum += theta[0] + g->sigma * abcsmc_rng_normal(&rng);
  stats_out[0] = sum / (double)g->n;
  return ABCSMC_PLUGIN_OK;
}

static void gauss_destroy(void* instance) { free(instance); }

static const abcsmc_plugin_api kApi = {ABCSMC_PLUGIN_ABI_VERSION,
                                       ABCSMC_PLUGIN_THREAD_SAFE,
                                       "gauss_c",
                                       gauss_create,
                                       gauss_statistics,
                                       gauss_simulate,
                                       gauss_destroy};

ABCSMC_PLUGIN_DEFINE(kApi)
