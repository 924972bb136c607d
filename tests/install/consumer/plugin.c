/* A minimal plugin built outside the abcsmc tree: y = theta + N(0, 0.3^2). */
#include <abcsmc/plugin.h>
#include <abcsmc/plugin_rng.h>

static const abcsmc_plugin_statistic kStats[] = {{"y", 1}};
static int kInstance;

static void* create(const char* const* names, size_t n, const abcsmc_plugin_option* options,
                    size_t n_options, char* error, size_t error_size) {
  (void)names;
  (void)options;
  if (n != 1 || n_options != 0) {
    if (error_size > 0) error[0] = '\0';
    return 0;
  }
  return &kInstance;
}
static const abcsmc_plugin_statistic* statistics(void* instance, size_t* n) {
  (void)instance;
  *n = 1;
  return kStats;
}
static int simulate(void* instance, const double* theta, size_t n_theta, uint64_t seed, double* out,
                    size_t n_stats, char* error, size_t error_size) {
  (void)instance;
  (void)n_theta;
  (void)n_stats;
  (void)error;
  (void)error_size;
  abcsmc_rng rng;
  abcsmc_rng_init(&rng, seed);
  out[0] = theta[0] + 0.3 * abcsmc_rng_normal(&rng);
  return ABCSMC_PLUGIN_OK;
}
static void destroy(void* instance) { (void)instance; }

static const abcsmc_plugin_api kApi = {ABCSMC_PLUGIN_ABI_VERSION,
                                       ABCSMC_PLUGIN_THREAD_SAFE,
                                       "consumer",
                                       create,
                                       statistics,
                                       simulate,
                                       destroy};
ABCSMC_PLUGIN_DEFINE(kApi)
