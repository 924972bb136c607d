/* A random stream for plugins, in plain C, bit-identical to abcsmc's own Rng.
 *
 * abcsmc_rng_init(&r, seed) starts the stream that abcsmc::Rng{StreamId{seed}} (generation 0,
 * index 0, attempt 0, kind evaluation) produces, so a plugin that draws with it reproduces an
 * in-process C++ model that draws from Rng{StreamId{seed}} number for number (Philox4x64-10 from
 * Random123, 53-bit uniforms, Box-Muller normals with the spare kept). Header only; needs the
 * Random123 headers (Debian: librandom123-dev). The logarithm, sine and cosine are abcsmc's own
 * (abcsmc/detmath.h), not libm's, so the draws are the same on every host; compile the plugin
 * with -ffp-contract=off (see README, "Determinism on mixed hardware").
 */
#ifndef ABCSMC_PLUGIN_RNG_H
#define ABCSMC_PLUGIN_RNG_H

#include <Random123/philox.h>
#include <math.h>

#include <stdint.h>
#include "detmath.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct abcsmc_rng {
  philox4x64_key_t key;
  philox4x64_ctr_t ctr;
  philox4x64_ctr_t out;
  unsigned pos;
  int has_spare;
  double spare;
} abcsmc_rng;

/** Starts the stream of `seed`. */
static inline void abcsmc_rng_init(abcsmc_rng* r, uint64_t seed) {
  r->key.v[0] = seed;
  r->key.v[1] = 0;
  r->ctr.v[0] = r->ctr.v[1] = r->ctr.v[2] = r->ctr.v[3] = 0;
  r->pos = 4;
  r->has_spare = 0;
  r->spare = 0.0;
}

/** Next 64 random bits. */
static inline uint64_t abcsmc_rng_next(abcsmc_rng* r) {
  if (r->pos == 4) {
    r->out = philox4x64(r->ctr, r->key);
    ++r->ctr.v[2];
    r->pos = 0;
  }
  return r->out.v[r->pos++];
}

/** Uniform in [0, 1). */
static inline double abcsmc_rng_uniform(abcsmc_rng* r) {
  return (double)(abcsmc_rng_next(r) >> 11) * 0x1.0p-53;
}

/** Uniform in (0, 1]. */
static inline double abcsmc_rng_uniform_pos(abcsmc_rng* r) {
  return (double)((abcsmc_rng_next(r) >> 11) + 1) * 0x1.0p-53;
}

/** Standard normal (Box-Muller; the second value of each pair is kept for the next call). */
static inline double abcsmc_rng_normal(abcsmc_rng* r) {
  if (r->has_spare) {
    r->has_spare = 0;
    return r->spare;
  }
  const double rad = sqrt(-2.0 * abcsmc_det_log(abcsmc_rng_uniform_pos(r)));
  double s, c;
  abcsmc_det_sincos_turn(abcsmc_rng_uniform(r), &s, &c); /* angle 2 pi u */
  r->spare = rad * s;
  r->has_spare = 1;
  return rad * c;
}

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* ABCSMC_PLUGIN_RNG_H */
