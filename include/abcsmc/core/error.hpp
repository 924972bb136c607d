#pragma once
/// Exception hierarchy. Exit codes exist only at process boundaries (the CLI's main).
#include <stdexcept>
#include <string>

namespace abcsmc {

/// Base of every error the engine throws on purpose.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Bad user input (config, CLI values): the CLI exits with status 2.
class ConfigError : public Error {
 public:
  using Error::Error;
};

/// A simulator failed (exception, bad output). Counted and handled by the failure policy.
class ModelError : public Error {
 public:
  using Error::Error;
};

/// Reading or writing result files failed.
class IoError : public Error {
 public:
  using Error::Error;
};

}  // namespace abcsmc
