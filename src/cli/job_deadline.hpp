#pragma once
// When the batch job running us ends, so the master does not start a generation it cannot
// finish (README "On a cluster").
#include <chrono>
#include <optional>
#include <string>

namespace abcsmc::cli {

struct JobDeadline {
  std::chrono::system_clock::time_point end;
  std::string source;  ///< for the log, e.g. "Slurm job 42"
};

/// The end of the Slurm job we run in: $SLURM_JOB_END_TIME (epoch seconds) when set, else
/// `squeue -h -j $SLURM_JOB_ID -o %e`. Nothing outside Slurm, for jobs without a time limit, or
/// when squeue does not answer within a few seconds (logged).
std::optional<JobDeadline> slurm_job_deadline();

}  // namespace abcsmc::cli
