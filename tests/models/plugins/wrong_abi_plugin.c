/* Test plugin built "for" a future ABI version: abcsmc must refuse it before reading its table. */
#include <abcsmc/plugin.h>

ABCSMC_PLUGIN_EXPORT uint32_t abcsmc_plugin_abi_version(void) { return 999u; }
ABCSMC_PLUGIN_EXPORT const abcsmc_plugin_api* abcsmc_plugin_api_get(void) { return 0; }
