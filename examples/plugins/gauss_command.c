/* B1's simulator as a program, for external-command models:
 *   gauss_command THETA SEED [N [SIGMA]]  prints "y VALUE" (the mean of N draws THETA + SIGMA z).
 * Draws come from abcsmc_rng seeded with SEED, so it matches the example plugins exactly. */
#include <abcsmc/plugin_rng.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s THETA SEED [N [SIGMA]]\n", argv[0]);
    return 2;
  }
  const double theta = strtod(argv[1], NULL);
  const uint64_t seed = strtoull(argv[2], NULL, 10);
  const long n = argc > 3 ? strtol(argv[3], NULL, 10) : 10;
  const double sigma = argc > 4 ? strtod(argv[4], NULL) : 1.0;
  abcsmc_rng rng;
  abcsmc_rng_init(&rng, seed);
  double sum = 0.0;
  for (long i = 0; i < n; ++i) sum += theta + sigma * abcsmc_rng_normal(&rng);
  printf("y %.17g\n", sum / (double)n);
  return 0;
}
