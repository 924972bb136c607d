#pragma once
/// Models from shared libraries that implement the plugin C ABI (abcsmc/plugin.h).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "abcsmc/core/model.hpp"
#include "abcsmc/models/builtin.hpp"
#include "abcsmc/plugin.h"

namespace abcsmc {

namespace detail {
struct PluginLibrary;
}

/// A simulator in a plugin library (config `model: {plugin: libsim.so, options: {...}}`).
///
/// The library is opened once (dlopen) and its ABI version checked before anything else is
/// read. Each simulate() draws one 64-bit seed from the candidate's stream (DESIGN.md section 2)
/// and passes it to the plugin. A plugin without ABCSMC_PLUGIN_THREAD_SAFE gets one instance per
/// concurrent caller from a pool (results depend only on theta and the seed, never on which
/// instance ran), so this wrapper is always safe to call from several threads.
class PluginModel final : public Model {
 public:
  /// Loads `path`, checks its ABI version and creates a first instance (which validates the
  /// options and gives the statistics).
  /// @param path the .so file; a path without '/' is looked up by dlopen's rules
  /// @param options the config's options, passed to the plugin as text
  /// @param parameter_names the model's parameters in theta order
  /// @throws ConfigError when the file is missing or cannot be loaded, is not an abcsmc plugin,
  ///         was built for another ABI version, or create() fails (with the plugin's message);
  ///         the message has no file/line (callers add it).
  PluginModel(const std::string& path, const ModelOptions& options,
              const std::vector<std::string>& parameter_names);
  ~PluginModel() override;
  PluginModel(const PluginModel&) = delete;
  PluginModel& operator=(const PluginModel&) = delete;

  std::vector<StatSpec> statistics() const override { return statistics_; }
  /// Calls the plugin with seed = rng(). Any thread.
  /// @throws ModelError when the plugin returns a failure status (with its message) or lets a
  ///         C++ exception escape.
  void simulate(const Vector& theta, Rng& rng, Vector& stats) const override;

  /// The plugin's own flag (ABCSMC_PLUGIN_THREAD_SAFE).
  bool plugin_thread_safe() const;
  /// The plugin's name (abcsmc_plugin_api.name, or the file name when it gives none).
  const std::string& plugin_name() const { return name_; }
  /// How many instances exist (1 for a thread-safe plugin; up to the number of concurrent
  /// callers otherwise).
  std::size_t instance_count() const;

 private:
  void* create_instance(char* error, std::size_t error_size) const;
  void* acquire() const;
  void release(void* instance) const;

  /// Destroys an instance with the plugin's destroy() (exceptions escaping it are dropped).
  struct InstanceDeleter {
    void (*destroy)(void*) = nullptr;
    void operator()(void* instance) const noexcept;
  };
  /// One plugin instance, owned: destroyed on every path, including a constructor that throws
  /// after create() succeeded.
  using Instance = std::unique_ptr<void, InstanceDeleter>;
  Instance make_instance(void* raw) const;

  std::shared_ptr<detail::PluginLibrary> library_;  ///< declared first: outlives the instances
  std::string name_;
  std::vector<std::string> parameter_names_;
  std::vector<std::string> option_names_;
  std::vector<std::string> option_values_;
  std::vector<StatSpec> statistics_;
  std::size_t n_stats_ = 0;
  void* shared_instance_ = nullptr;  ///< thread-safe plugins: the one instance
  mutable std::mutex pool_mutex_;
  mutable std::vector<void*> free_;    ///< idle instances (not thread-safe plugins)
  mutable std::vector<Instance> all_;  ///< every instance (owning)
};

}  // namespace abcsmc
