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
/// what() is the full message (the command line, what it printed, its stderr tail); reason()
/// is a short text without per-candidate values (theta, seed, file names) that groups failures
/// of one kind: the key of the per-reason failure counts in the log, the results file and
/// `inspect` (e.g. `exit status 1 "ODE solver diverged"`, `timed out after 5 s`).
class ModelError : public Error {
 public:
  explicit ModelError(const std::string& message, std::string reason = {})
      : Error(message), reason_(reason.empty() ? message : std::move(reason)) {}
  const std::string& reason() const noexcept { return reason_; }

 private:
  std::string reason_;
};

/// Reading or writing result files failed.
class IoError : public Error {
 public:
  using Error::Error;
};

}  // namespace abcsmc
