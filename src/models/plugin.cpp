// Plugin models: dlopen, ABI check, a pool of instances for plugins that are not thread-safe.
#include "abcsmc/models/plugin.hpp"

#include <dlfcn.h>

#include <cmath>
#include <filesystem>
#include <set>
#include <string>
#include <system_error>
#include <utility>

#include "abcsmc/core/error.hpp"
#include "abcsmc/models/reason_text.hpp"

namespace abcsmc {

namespace detail {

/// An open plugin library. Closed when the last model made from it is destroyed.
struct PluginLibrary {
  void* handle = nullptr;
  const abcsmc_plugin_api* api = nullptr;
  std::string path;
  ~PluginLibrary() {
    if (handle != nullptr) dlclose(handle);
  }
};

}  // namespace detail

namespace {

constexpr std::size_t kErrorSize = 1024;

std::string buffer_text(const char* buf, const char* fallback) {
  std::string s(buf);
  return s.empty() ? std::string(fallback) : s;
}

std::shared_ptr<detail::PluginLibrary> open_library(const std::string& path) {
  const std::string where = "plugin '" + path + "'";
  if (path.find('/') != std::string::npos) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) {
      throw ConfigError(where +
                        ": no such file; build the plugin first or fix the path (a "
                        "relative path is relative to the config file)");
    }
    if (std::filesystem::is_directory(path, ec)) throw ConfigError(where + ": is a directory");
  }
  auto lib = std::make_shared<detail::PluginLibrary>();
  lib->path = path;
  dlerror();
  lib->handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (lib->handle == nullptr) {
    const char* msg = dlerror();
    throw ConfigError(where +
                      ": cannot load it: " + (msg != nullptr ? msg : "unknown dlopen error"));
  }
  // The version first: a plugin built for another ABI may have another table layout.
  auto version_fn = reinterpret_cast<abcsmc_plugin_abi_version_fn>(
      dlsym(lib->handle, "abcsmc_plugin_abi_version"));
  auto api_fn =
      reinterpret_cast<abcsmc_plugin_api_get_fn>(dlsym(lib->handle, "abcsmc_plugin_api_get"));
  if (version_fn == nullptr || api_fn == nullptr) {
    throw ConfigError(
        where + " is not an abcsmc plugin: it does not export " +
        std::string(version_fn == nullptr ? "abcsmc_plugin_abi_version" : "abcsmc_plugin_api_get") +
        " (define both with ABCSMC_PLUGIN_DEFINE from abcsmc/plugin.h)");
  }
  const std::uint32_t version = version_fn();
  if (version != ABCSMC_PLUGIN_ABI_VERSION) {
    throw ConfigError(where + " was built for plugin ABI version " + std::to_string(version) +
                      ", but this abcsmc supports version " +
                      std::to_string(ABCSMC_PLUGIN_ABI_VERSION) +
                      "; rebuild the plugin against this abcsmc's abcsmc/plugin.h");
  }
  lib->api = api_fn();
  const abcsmc_plugin_api* api = lib->api;
  if (api == nullptr) throw ConfigError(where + ": abcsmc_plugin_api_get() returned NULL");
  if (api->abi_version != ABCSMC_PLUGIN_ABI_VERSION) {
    throw ConfigError(where + ": its function table says ABI version " +
                      std::to_string(api->abi_version) + ", but abcsmc_plugin_abi_version() says " +
                      std::to_string(version) + "; rebuild the plugin");
  }
  if (api->create == nullptr || api->statistics == nullptr || api->simulate == nullptr ||
      api->destroy == nullptr) {
    throw ConfigError(where +
                      ": its function table leaves create, statistics, simulate or "
                      "destroy NULL; all four are required");
  }
  return lib;
}

}  // namespace

PluginModel::PluginModel(const std::string& path, const ModelOptions& options,
                         const std::vector<std::string>& parameter_names)
    : library_(open_library(path)), parameter_names_(parameter_names) {
  const abcsmc_plugin_api* api = library_->api;
  name_ = api->name != nullptr && api->name[0] != '\0'
              ? std::string(api->name)
              : std::filesystem::path(path).filename().string();
  for (const auto& [key, value] : options) {
    option_names_.push_back(key);
    option_values_.push_back(value.text);
  }
  char error[kErrorSize] = {0};
  // Owned from here on: when a check below throws (bad statistics), all_ destroys it.
  Instance owned = make_instance(create_instance(error, sizeof error));
  if (owned == nullptr) {
    throw ConfigError("plugin '" + path + "' (" + name_ +
                      "): create() failed: " + buffer_text(error, "no message"));
  }
  void* first = owned.get();
  all_.push_back(std::move(owned));
  // Statistics: non-empty unique names, sizes >= 1.
  std::size_t n = 0;
  const abcsmc_plugin_statistic* stats = nullptr;
  try {
    stats = api->statistics(first, &n);
  } catch (...) {
    stats = nullptr;
  }
  std::set<std::string> seen;
  if (stats == nullptr || n == 0) {
    throw ConfigError("plugin '" + path + "' (" + name_ + "): statistics() gives no statistics");
  }
  for (std::size_t i = 0; i < n; ++i) {
    const char* nm = stats[i].name;
    if (nm == nullptr || nm[0] == '\0' || stats[i].size == 0) {
      throw ConfigError("plugin '" + path + "' (" + name_ + "): statistic " + std::to_string(i) +
                        " has an empty name or size 0");
    }
    if (!seen.insert(nm).second) {
      throw ConfigError("plugin '" + path + "' (" + name_ + "): statistic '" + nm +
                        "' is listed twice");
    }
    statistics_.push_back(StatSpec{nm, stats[i].size});
  }
  n_stats_ = total_stat_size(statistics_);
  if (plugin_thread_safe()) {
    shared_instance_ = first;
  } else {
    free_.push_back(first);
  }
}

PluginModel::~PluginModel() = default;  // all_ destroys the instances, then library_ closes

void PluginModel::InstanceDeleter::operator()(void* instance) const noexcept {
  if (instance == nullptr || destroy == nullptr) return;
  try {
    destroy(instance);
  } catch (...) {
    // A C++ exception must not cross the C ABI, and there is no one to report it to here.
  }
}

PluginModel::Instance PluginModel::make_instance(void* raw) const {
  return Instance(raw, InstanceDeleter{library_->api->destroy});
}

bool PluginModel::plugin_thread_safe() const {
  return (library_->api->flags & ABCSMC_PLUGIN_THREAD_SAFE) != 0;
}

std::size_t PluginModel::instance_count() const {
  const std::lock_guard<std::mutex> lock(pool_mutex_);
  return all_.size();
}

void* PluginModel::create_instance(char* error, std::size_t error_size) const {
  std::vector<const char*> params;
  for (const auto& p : parameter_names_) params.push_back(p.c_str());
  std::vector<abcsmc_plugin_option> opts;
  for (std::size_t i = 0; i < option_names_.size(); ++i) {
    opts.push_back(abcsmc_plugin_option{option_names_[i].c_str(), option_values_[i].c_str()});
  }
  try {
    return library_->api->create(params.data(), params.size(), opts.data(), opts.size(), error,
                                 error_size);
  } catch (const std::exception& e) {
    std::snprintf(error, error_size, "create() let a C++ exception escape: %s", e.what());
  } catch (...) {
    std::snprintf(error, error_size, "create() let a C++ exception escape");
  }
  return nullptr;
}

void* PluginModel::acquire() const {
  {
    const std::lock_guard<std::mutex> lock(pool_mutex_);
    if (!free_.empty()) {
      void* instance = free_.back();
      free_.pop_back();
      return instance;
    }
  }
  // Another thread holds every instance: make one more (outside the lock; create may be slow).
  char error[kErrorSize] = {0};
  Instance instance = make_instance(create_instance(error, sizeof error));
  if (instance == nullptr) {
    throw ModelError("plugin " + name_ +
                     ": create() failed for an extra instance (needed for a "
                     "concurrent thread): " +
                     buffer_text(error, "no message"));
  }
  void* raw = instance.get();
  const std::lock_guard<std::mutex> lock(pool_mutex_);
  all_.push_back(std::move(instance));
  return raw;
}

void PluginModel::release(void* instance) const {
  const std::lock_guard<std::mutex> lock(pool_mutex_);
  free_.push_back(instance);
}

void PluginModel::simulate(const Vector& theta, Rng& rng, Vector& stats) const {
  const std::uint64_t seed = rng();
  const abcsmc_plugin_api* api = library_->api;
  char error[kErrorSize];
  error[0] = '\0';
  int status = ABCSMC_PLUGIN_OK;
  std::string escaped;
  void* instance = shared_instance_ != nullptr ? shared_instance_ : acquire();
  try {
    status =
        api->simulate(instance, theta.data(), static_cast<std::size_t>(theta.size()), seed,
                      stats.data(), static_cast<std::size_t>(stats.size()), error, sizeof error);
  } catch (const std::exception& e) {
    escaped = e.what();
    if (escaped.empty()) escaped = "(no message)";
  } catch (...) {
    escaped = "(not a std::exception)";
  }
  if (shared_instance_ == nullptr) release(instance);
  error[sizeof error - 1] = '\0';
  if (!escaped.empty()) {
    throw ModelError("plugin " + name_ +
                     ": simulate() let a C++ exception escape the C ABI "
                     "(a bug in the plugin; catch it and return ABCSMC_PLUGIN_FAILED): " +
                     escaped);
  }
  switch (status) {
    case ABCSMC_PLUGIN_OK:
      return;
    case ABCSMC_PLUGIN_FAILED:
      throw ModelError(
          "plugin " + name_ + ": simulation failed: " + buffer_text(error, "(no message)"),
          "plugin " + name_ +
              ": simulation failed: " + reason_text(buffer_text(error, "(no message)")));
    case ABCSMC_PLUGIN_BAD_SIZE:
      throw ModelError("plugin " + name_ + ": wrong number of parameters or statistics (it got " +
                       std::to_string(theta.size()) + " parameters and room for " +
                       std::to_string(stats.size()) +
                       " statistics): " + buffer_text(error, "(no message)"));
    default:
      throw ModelError("plugin " + name_ + ": simulate() returned the unknown status " +
                       std::to_string(status) + ": " + buffer_text(error, "(no message)"));
  }
}

}  // namespace abcsmc
