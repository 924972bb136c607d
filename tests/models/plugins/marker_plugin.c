/* Test plugin for the Redis workers' consent (tests/redis/consent_test.sh): the example gauss
 * plugin (examples/plugins/gauss_plugin.c, a working model), plus a constructor that appends
 * "<pid>\n" to the file named by $ABCSMC_TEST_MARKER as soon as the library is loaded, before
 * abcsmc looks at any of its symbols. A worker that refuses the plugin must leave no line. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

__attribute__((constructor)) static void marker_loaded(void) {
  const char* path = getenv("ABCSMC_TEST_MARKER");
  if (path == NULL || *path == '\0') return;
  const int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd < 0) return;
  char line[32];
  const int n = snprintf(line, sizeof line, "%ld\n", (long)getpid());
  if (n > 0) (void)!write(fd, line, (size_t)n);
  close(fd);
}

#include "../../../examples/plugins/gauss_plugin.c"
