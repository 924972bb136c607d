/* A persistent simulator in plain C (docs/persistent-protocol.md): B1's model, y = theta + z
 * with z standard normal drawn from the request's seed. Reads the hello up to "end", answers
 * "ready 1", then one "ok <id> <y>" per "sim <id> <seed> <theta>" until stdin closes.
 *   model: {persistent: [../../build/plugins/abcsmc_persistent_gauss], statistics: [y]}
 * Logs go to stderr: stdout carries the protocol. */
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* splitmix64: a small generator seeded by the request's seed (results depend only on theta
 * and the seed, never on which process or thread answered). */
static uint64_t next(uint64_t* state) {
  uint64_t x = (*state += 0x9e3779b97f4a7c15ULL);
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

static double uniform_pos(uint64_t* state) { /* (0, 1] */
  return (double)((next(state) >> 11) + 1) * 0x1.0p-53;
}

int main(void) {
  static char line[1 << 16];
  while (fgets(line, sizeof line, stdin) != NULL && strcmp(line, "end\n") != 0) {
  }
  printf("ready 1\n");
  fflush(stdout);
  while (fgets(line, sizeof line, stdin) != NULL) {
    uint64_t id = 0, seed = 0;
    double theta = 0.0;
    if (sscanf(line, "sim %" SCNu64 " %" SCNu64 " %lf", &id, &seed, &theta) != 3) {
      fprintf(stderr, "persistent_gauss: cannot read the request: %s", line);
      return 1;
    }
    uint64_t state = seed;
    const double z =
        sqrt(-2.0 * log(uniform_pos(&state))) * cos(6.283185307179586 * uniform_pos(&state));
    printf("ok %" PRIu64 " %.17g\n", id, theta + z);
    fflush(stdout);
  }
  return 0;
}
