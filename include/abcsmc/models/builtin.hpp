#pragma once
/// Registry of the built-in simulators (`abcsmc models` lists it).
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "abcsmc/core/model.hpp"

namespace abcsmc {

/// A model option as written in the config: its text, and its value when it is a number.
struct OptionValue {
  std::string text;
  std::optional<double> number;
};
using ModelOptions = std::map<std::string, OptionValue>;

/// Documentation and validation data of one option of a built-in model.
struct OptionInfo {
  std::string name;
  std::string type;  ///< "number" or "integer"
  double default_value = 0.0;
  std::string help;  ///< one line, says the valid range
};

/// Documentation of one built-in model.
struct BuiltinModelInfo {
  std::string name;
  std::string summary;     ///< one line
  std::string parameters;  ///< which parameters it takes, e.g. "exactly 1 (the mean)"
  std::string statistics;  ///< what it produces, e.g. "y: mean of n draws"
  std::vector<OptionInfo> options;
};

/// All built-in models, in listing order.
const std::vector<BuiltinModelInfo>& builtin_models();

/// Builds a built-in model.
/// @param name a name from builtin_models()
/// @param options option values; missing ones take their defaults
/// @param parameter_names the model's parameters in theta order (some models need given names)
/// @throws ConfigError for an unknown model or option (with "did you mean"), a bad option value,
///         or parameters the model cannot use; the message has no file/line (callers add it).
std::unique_ptr<Model> make_builtin_model(const std::string& name, const ModelOptions& options,
                                          const std::vector<std::string>& parameter_names);

/// Artificial run time added to any model, drawn from the simulation's own stream (so it is
/// reproducible): for scheduling benchmarks such as B2. Times in seconds.
struct DelaySpec {
  std::string type = "none";  ///< none | constant | exponential | uniform
  double value = 0.0;         ///< constant
  double mean = 0.0;          ///< exponential
  double low = 0.0;           ///< uniform
  double high = 0.0;          ///< uniform
};

/// Wraps `model` so that each simulate() first sleeps a time drawn per `delay` from its rng.
/// Returns `model` unchanged when delay.type == "none".
/// @throws ConfigError for an unknown type or negative times.
std::unique_ptr<Model> with_delay(std::unique_ptr<Model> model, const DelaySpec& delay);

}  // namespace abcsmc
