#include "job_deadline.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace abcsmc::cli {

namespace {

/// Epoch seconds in `text` (leading/trailing blanks allowed), or nothing.
std::optional<long long> parse_epoch(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return std::nullopt;
  const auto last = text.find_last_not_of(" \t\r\n");
  const std::string digits = text.substr(first, last - first + 1);
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  if (digits.size() > 12) return std::nullopt;
  return std::stoll(digits);
}

std::optional<JobDeadline> at(long long epoch, std::string source) {
  if (epoch <= 0) return std::nullopt;
  return JobDeadline{std::chrono::system_clock::time_point(std::chrono::seconds(epoch)),
                     std::move(source)};
}

}  // namespace

std::optional<JobDeadline> slurm_job_deadline() {
  const char* job = std::getenv("SLURM_JOB_ID");
  if (job == nullptr || *job == '\0') return std::nullopt;
  const std::string job_id = job;
  if (job_id.find_first_not_of("0123456789_") != std::string::npos) return std::nullopt;
  if (const char* end = std::getenv("SLURM_JOB_END_TIME"); end != nullptr) {
    if (auto epoch = parse_epoch(end)) return at(*epoch, "Slurm job " + job_id);
  }
  // SLURM_TIME_FORMAT=%s makes squeue print the end time as epoch seconds; a job without a
  // time limit prints "Unknown"/"N/A", which is not a number.
  const std::string command =
      "SLURM_TIME_FORMAT=%s timeout 10 squeue -h -j " + job_id + " -o %e 2>/dev/null";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return std::nullopt;
  std::string output;
  char buffer[128];
  while (std::fgets(buffer, sizeof buffer, pipe) != nullptr) output += buffer;
  const int status = ::pclose(pipe);
  if (status != 0) {
    spdlog::warn(
        "inside Slurm job {} but `squeue -j {} -o %e` failed; the job's end time is "
        "unknown, so only signals (--signal) and stop.max_walltime stop the run early",
        job_id, job_id);
    return std::nullopt;
  }
  if (auto epoch = parse_epoch(output)) return at(*epoch, "Slurm job " + job_id);
  return std::nullopt;
}

}  // namespace abcsmc::cli
