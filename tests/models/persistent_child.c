/* A persistent simulator for the model tests (tests/models/persistent_model_test.cpp), with a
 * fault on demand: persistent_child MODE, where MODE is ok, crash, exit, hang, garbage, count,
 * fail, noisy (200 KB on stderr, then the reply), flood (2 MB on stdout without a line break)
 * (each for candidates with theta[0] > 0 only), never (no ready line), exit-start (exits
 * before ready), slow-start (ready after 0.5 s), banner (a line on stdout before ready) or
 * version2 (ready 2), extra (its reply twice) or late-extra (its reply again 100 ms later); a
 * second argument "batch" makes it take batches of up to 64 (replying as it reads). Its statistics
 * are y = theta[0] + u - 0.5 and z = theta[0] * u with u = splitmix64(seed) in [0, 1): plain
 * IEEE arithmetic, so that the in-process FunctionModel of the test gives the same bits. */
#include <inttypes.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

static char line[1 << 16];

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "ok";
  /* The hello: lines up to "end". */
  while (fgets(line, sizeof line, stdin) != NULL && strcmp(line, "end\n") != 0) {
  }
  if (strcmp(mode, "never") == 0) {
    for (;;) pause();
  }
  if (strcmp(mode, "exit-start") == 0) {
    fprintf(stderr, "cannot load the mesh mesh.dat\n");
    return 4;
  }
  if (strcmp(mode, "slow-start") == 0) usleep(500 * 1000);
  if (strcmp(mode, "banner") == 0) printf("Loading simulator v1.0\n");
  const int batches = argc > 2 && strcmp(argv[2], "batch") == 0;
  printf(strcmp(mode, "version2") == 0 ? "ready 2\n"
         : batches                     ? "ready 1 batch 64\n"
                                       : "ready 1\n");
  fflush(stdout);
  while (fgets(line, sizeof line, stdin) != NULL) {
    uint64_t id = 0, seed = 0;
    double theta = 0.0;
    if (batches && strncmp(line, "batch ", 6) == 0) continue; /* the sim lines follow */
    if (sscanf(line, "sim %" SCNu64 " %" SCNu64 " %lf", &id, &seed, &theta) != 3) {
      fprintf(stderr, "bad request\n");
      return 1;
    }
    const double u = (double)(splitmix64(seed) >> 11) * 0x1.0p-53;
    if (theta > 0) {
      if (strcmp(mode, "crash") == 0) abort();
      if (strcmp(mode, "exit") == 0) {
        fprintf(stderr, "diverged at t=%g\n", theta);
        exit(3);
      }
      if (strcmp(mode, "hang") == 0) {
        for (;;) pause();
      }
      if (strcmp(mode, "garbage") == 0) {
        printf("hello world\n");
        fflush(stdout);
        continue;
      }
      if (strcmp(mode, "count") == 0) {
        printf("ok %" PRIu64 " %.17g\n", id, theta);
        fflush(stdout);
        continue;
      }
      if (strcmp(mode, "noisy") == 0) {
        for (int i = 0; i < 200 * 1024 / 64; ++i) {
          fprintf(stderr, "progress line of sixty-four bytes ............................\n");
        }
      }
      if (strcmp(mode, "flood") == 0) {
        for (int i = 0; i < 2 * 1024 * 1024; ++i) putchar('x');
        fflush(stdout);
        for (;;) pause();
      }
      if (strcmp(mode, "extra") == 0 || strcmp(mode, "late-extra") == 0) {
        printf("ok %" PRIu64 " %.17g %.17g\n", id, theta + u - 0.5, theta * u);
        fflush(stdout);
        if (strcmp(mode, "late-extra") == 0) usleep(100 * 1000);
      }
      if (strcmp(mode, "fail") == 0) {
        printf("fail %" PRIu64 " negative density at x=%.3f\n", id, theta);
        fflush(stdout);
        continue;
      }
    }
    printf("ok %" PRIu64 " %.17g %.17g\n", id, theta + u - 0.5, theta * u);
    fflush(stdout);
  }
  return 0;
}
