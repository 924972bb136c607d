#pragma once
/// HDF5 results files: written by one process (the master), one generation at a time, readable
/// at any moment (also while the run is going and after a crash). Layout: README "Results file".
#include <cstdint>
#include <string>
#include <vector>

#include "abcsmc/core/error.hpp"
#include "abcsmc/core/population.hpp"
#include "abcsmc/core/types.hpp"

namespace abcsmc::io {

/// What a results file says about the whole run.
struct RunHeader {
  std::string software_version;
  std::uint64_t seed = 0;
  std::string created;      ///< ISO 8601 UTC
  std::string config_yaml;  ///< resolved config
  std::string sampler;      ///< e.g. "threads"
  std::string scheduling;   ///< "dynamic" | "static"
  std::uint64_t batch_size = 0;
  std::uint64_t workers = 0;  ///< threads, ranks or worker processes
  std::uint64_t ranks = 1;    ///< MPI ranks (1 outside MPI)
  std::uint64_t population_size = 0;
  std::vector<std::string> model_names;
  std::vector<double> model_prior_probabilities;
  std::vector<std::vector<std::string>> model_parameter_names;  ///< per model, theta order
  StatNames stat_names;
  Vector observed;
};

/// Parameter names of all models, each once, in order of first appearance (the csv columns).
std::vector<std::string> parameter_union(const RunHeader& header);

/// Appends generations to a results file. Each append is atomic: readers and a crash see the
/// file either without or with the whole generation.
class ResultsWriter {
 public:
  /// Creates `path` with the header. @throws IoError if it exists and !overwrite, or on failure.
  ResultsWriter(std::string path, const RunHeader& header, bool overwrite);
  /// Continues the existing file `path` (abcsmc run --resume): keeps its generations, records
  /// this invocation's sampler attributes, clears stop_reason and counts the resume in the root
  /// attribute `resumes`. The caller has checked that `header` describes the same run.
  /// @throws IoError.
  static ResultsWriter reopen(std::string path, const RunHeader& header);
  /// Adds generation record.t. @throws IoError.
  void append(const GenerationRecord& record);
  /// Records the calibration (root attributes calibration_simulations, calibration_failed,
  /// calibration_failure_reasons/_counts, calibration_first_failure). @throws IoError.
  void calibration(std::uint64_t simulations, std::uint64_t failed, const FailureTally& failures);
  /// Marks the run finished with the reason it stopped; when its generation files total at most
  /// pack_limit() bytes, they are copied into the file and their folder removed (one
  /// self-contained file). @throws IoError.
  void finish(const std::string& stop_reason);
  /// Generation files up to this many bytes in all are packed by finish() (default 64 MiB).
  void set_pack_limit(std::uintmax_t bytes) { pack_limit_ = bytes; }
  std::uintmax_t pack_limit() const { return pack_limit_; }
  const std::string& path() const { return path_; }

 private:
  ResultsWriter() = default;
  std::string path_;
  RunHeader header_;
  std::uintmax_t pack_limit_ = std::uintmax_t{64} << 20;
};

/// Everything in a results file.
struct ResultsFile {
  RunHeader header;
  std::vector<GenerationRecord> generations;  ///< complete generations, t ascending
  std::string stop_reason;                    ///< empty while running or after a crash
  std::uint64_t resumes = 0;                  ///< how often the run was continued (--resume)
  std::uint64_t calibration_simulations = 0;  ///< 0 also in files written before it was stored
  std::uint64_t calibration_failed = 0;
  FailureTally calibration_failures;
};

/// What read_results throws when `path` is not an abcsmc results file at all (missing, a
/// directory, not HDF5, unreadable by HDF5, another format, a newer format version): the CLI
/// treats it as a usage error (exit 2), unlike a results file that is damaged inside (IoError).
class NotAResultsFile : public IoError {
 public:
  using IoError::IoError;
};

/// What pack_results did.
struct PackResult {
  std::size_t generations = 0;  ///< generations copied into the file (0: it was self-contained)
  std::uintmax_t bytes = 0;     ///< their files' size
  std::string folder;           ///< the folder removed
};

/// Copies the generation files of a finished run into `path` (replacing their links) and removes
/// the folder (abcsmc pack). @throws NotAResultsFile, or IoError when the run has no stop reason
/// (still writing, or interrupted), a generation file is missing, or the disk lacks room.
PackResult pack_results(const std::string& path);

/// Reads a results file (works while a run is writing it).
/// @throws NotAResultsFile when `path` is not a results file, IoError when one is malformed.
ResultsFile read_results(const std::string& path);

}  // namespace abcsmc::io
