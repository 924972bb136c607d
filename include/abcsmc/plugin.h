/* abcsmc plugin C ABI (DESIGN.md section 4): a simulator in a shared library.
 *
 * A plugin is a shared library (.so) that exports two functions with C linkage:
 *
 *   uint32_t abcsmc_plugin_abi_version(void);          returns ABCSMC_PLUGIN_ABI_VERSION
 *   const abcsmc_plugin_api* abcsmc_plugin_api_get(void);  returns a static table (below)
 *
 * abcsmc calls abcsmc_plugin_abi_version() first and refuses a plugin built for another version,
 * so the table layout may change between versions without silent misreads. Rebuild the plugin
 * against the abcsmc/plugin.h of the abcsmc you run.
 *
 * Rules:
 *  - Plain C. No exception may cross these functions: a C++ plugin catches everything and
 *    returns ABCSMC_PLUGIN_FAILED with a message (ABCSMC_PLUGIN_TRY below helps).
 *  - Every call gets a caller-owned error buffer (error, error_size >= 1). On failure, write a
 *    NUL-terminated one-line message into it (snprintf truncates safely).
 *  - simulate() draws all its randomness from `seed`: the same (theta, seed) must give the same
 *    statistics. abcsmc draws the seed from the candidate's random stream (DESIGN.md section 2),
 *    which keeps runs reproducible for any number of threads, ranks or workers.
 *    abcsmc/plugin_rng.h gives a C generator that is bit-identical to abcsmc's own.
 *  - Unless `flags` has ABCSMC_PLUGIN_THREAD_SAFE, abcsmc never calls one instance from two
 *    threads at once: it creates one instance per concurrent thread instead.
 *
 * Config: model: {plugin: path/to/libsim.so, options: {n: 10, sigma: 1}}
 */
#ifndef ABCSMC_PLUGIN_H
#define ABCSMC_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Version of this header's ABI. Incremented on any incompatible change. */
#define ABCSMC_PLUGIN_ABI_VERSION 1u

/** Return values of simulate(). */
#define ABCSMC_PLUGIN_OK 0       /**< success: all n_stats values written */
#define ABCSMC_PLUGIN_FAILED 1   /**< the simulation failed; message in the error buffer */
#define ABCSMC_PLUGIN_BAD_SIZE 2 /**< n_theta or n_stats is not what the instance expects */

/** Bits of abcsmc_plugin_api.flags. */
#define ABCSMC_PLUGIN_THREAD_SAFE 1u /**< one instance may be called from several threads */

/** One model option from the config, as text (`options: {n: 10}` -> {"n", "10"}). */
typedef struct abcsmc_plugin_option {
  const char* name;
  const char* value;
} abcsmc_plugin_option;

/** One summary statistic: a name and a size (> 1 for arrays, flattened name[0], name[1], ...).
 * Observed statistics are matched to these by name. */
typedef struct abcsmc_plugin_statistic {
  const char* name;
  size_t size;
} abcsmc_plugin_statistic;

/** The plugin's function table; `abi_version` repeats ABCSMC_PLUGIN_ABI_VERSION. */
typedef struct abcsmc_plugin_api {
  uint32_t abi_version;
  uint32_t flags;   /**< ABCSMC_PLUGIN_THREAD_SAFE or 0 */
  const char* name; /**< short name for messages and logs, e.g. "gauss" */

  /** Creates an instance. `parameter_names` are the model's parameters in theta order, so the
   * plugin can check them. Unknown or bad options should fail here, with a message naming the
   * option. Returns NULL on failure (message in `error`). */
  void* (*create)(const char* const* parameter_names, size_t n_parameters,
                  const abcsmc_plugin_option* options, size_t n_options, char* error,
                  size_t error_size);

  /** The statistics simulate() writes, in order; the array lives as long as the instance.
   * Sets *n_statistics. Called once per instance, after create(). */
  const abcsmc_plugin_statistic* (*statistics)(void* instance, size_t* n_statistics);

  /** Simulates at theta[0..n_theta) from `seed` and writes n_stats values to stats_out (n_stats
   * is the total size of statistics()). Returns ABCSMC_PLUGIN_OK, or another status with a
   * message in `error`. Non-finite values are treated as a failed simulation by abcsmc. */
  int (*simulate)(void* instance, const double* theta, size_t n_theta, uint64_t seed,
                  double* stats_out, size_t n_stats, char* error, size_t error_size);

  /** Frees an instance (never NULL). */
  void (*destroy)(void* instance);
} abcsmc_plugin_api;

/** Types of the two exported entry points. */
typedef uint32_t (*abcsmc_plugin_abi_version_fn)(void);
typedef const abcsmc_plugin_api* (*abcsmc_plugin_api_get_fn)(void);

#if defined(_WIN32)
#define ABCSMC_PLUGIN_EXPORT __declspec(dllexport)
#else
#define ABCSMC_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
#define ABCSMC_PLUGIN_EXTERN_C extern "C"
#else
#define ABCSMC_PLUGIN_EXTERN_C
#endif

/** Defines both entry points for a plugin whose table is the static object `api_table`
 * (write it at file scope, in C or C++). */
#define ABCSMC_PLUGIN_DEFINE(api_table)                                                       \
  ABCSMC_PLUGIN_EXTERN_C ABCSMC_PLUGIN_EXPORT uint32_t abcsmc_plugin_abi_version(void) {      \
    return ABCSMC_PLUGIN_ABI_VERSION;                                                         \
  }                                                                                           \
  ABCSMC_PLUGIN_EXTERN_C ABCSMC_PLUGIN_EXPORT const abcsmc_plugin_api* abcsmc_plugin_api_get( \
      void) {                                                                                 \
    return &(api_table);                                                                      \
  }

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* ABCSMC_PLUGIN_H */
