/* Compiled into every target of an ABCSMC_SANITIZE=address,undefined build
 * (cmake/AbcsmcSanitizers.cmake). GCC links ASan and UBSan as two runtimes, libasan.so and
 * libubsan.so, each with its own report file. UBSan's start-up call to
 * __sanitizer_set_report_path binds to libasan's definition (the first one loaded), so
 * UBSAN_OPTIONS=log_path is ignored and UBSan's reports go to stderr, where a shell test may
 * capture or discard them (tests/support/sanitized.sh looks for report files). This constructor
 * gives libubsan its own log_path: the last log_path= of UBSAN_OPTIONS. Without UBSAN_OPTIONS,
 * without a log_path or without libubsan loaded it does nothing. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

__attribute__((constructor)) static void abcsmc_ubsan_log_path(void) {
  const char* options = getenv("UBSAN_OPTIONS");
  const char* value = NULL;
  for (const char* s = options; s && (s = strstr(s, "log_path=")) != NULL; s += 9) value = s + 9;
  if (value == NULL) return;
  char path[4096];
  size_t n = strcspn(value, ":");
  if (n == 0 || n >= sizeof path) return;
  memcpy(path, value, n);
  path[n] = '\0';
  void* ubsan = dlopen("libubsan.so.1", RTLD_NOW | RTLD_NOLOAD);
  if (ubsan == NULL) return;
  /* dlsym on libubsan's handle: its own definition, not the one that interposes it (copied
   * through memcpy: ISO C has no cast from an object pointer to a function pointer). */
  void* symbol = dlsym(ubsan, "__sanitizer_set_report_path");
  void (*set_report_path)(const char*) = NULL;
  if (symbol != NULL) memcpy(&set_report_path, &symbol, sizeof set_report_path);
  if (set_report_path != NULL) set_report_path(path);
  dlclose(ubsan);
}
