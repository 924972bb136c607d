// `abcsmc validate`, `abcsmc inspect`, `abcsmc models`, and logging set-up.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>

#include "abcsmc/core/error.hpp"
#include "abcsmc/io/inspect.hpp"
#include "abcsmc/io/results.hpp"
#include "abcsmc/io/run_config.hpp"
#include "abcsmc/models/builtin.hpp"
#include "abcsmc/models/persistent_model.hpp"
#include "commands.hpp"
#include "status_line.hpp"

namespace abcsmc::cli {

void setup_logging(const std::string& level, bool quiet, int rank) {
  // Progress goes to stderr so that stdout carries only results (summaries, csv, json). On a
  // terminal, log lines pass through the status line's sink so that they never mix with it.
  std::shared_ptr<spdlog::logger> logger;
  if (::isatty(STDERR_FILENO) != 0 && rank <= 0) {
    auto line =
        std::make_shared<StatusLine>(std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
    StatusLine::install(line);
    logger = std::make_shared<spdlog::logger>("abcsmc", line);
    spdlog::register_logger(logger);
  } else {
    logger = spdlog::stderr_color_mt("abcsmc");
  }
  if (rank >= 0) {
    logger->set_pattern("[%H:%M:%S.%e] [r" + std::to_string(rank) + "] [%^%l%$] %v");
  } else {
    logger->set_pattern("[%H:%M:%S.%e] [%^%l%$] %v");
  }
  auto lvl = quiet ? spdlog::level::warn : spdlog::level::from_str(level);
  // MPI: info from rank 0 only; warnings and errors from every rank.
  if (rank > 0) lvl = std::max(lvl, spdlog::level::warn);
  logger->set_level(lvl);
  spdlog::set_default_logger(logger);
  // What persistent simulators write on stderr, line by line, at debug level (failure messages
  // quote its last lines at any level).
  if (lvl <= spdlog::level::debug) {
    set_child_stderr_logger([](const std::string& command, const std::string& line) {
      spdlog::debug("{}: {}", command, line);
    });
  }
}

int validate_command(const std::string& config) {
  try {
    const io::RunConfig c = io::load_config(config);
    for (const auto& w : c.warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
    std::size_t parameters = 0;
    for (const auto& m : c.models) parameters += m.parameters.size();
    const auto& a = c.adaptive_population;
    const std::string population =
        !a.enabled
            ? std::to_string(c.population_size)
            : std::to_string(c.population_size) + " at first, adaptive " + std::to_string(a.min) +
                  " to " + std::to_string(a.max > 0 ? a.max : 10 * c.population_size);
    std::printf(
        "%s: OK (%zu model(s), %zu parameter(s), %zu observed statistic(s), population %s)\n",
        config.c_str(), c.models.size(), parameters, c.observed.size(), population.c_str());
    return kSuccess;
  } catch (const io::ConfigErrors& e) {
    for (const auto& m : e.messages()) std::fprintf(stderr, "error: %s\n", m.c_str());
    std::fprintf(stderr, "%zu problem(s) in %s\n", e.messages().size(), config.c_str());
    return kUsageError;
  }
}

namespace {
/// --generation: digits only (std::stoul would read "-1" as 4294967295), at most 2^32 - 1.
std::optional<std::uint32_t> parse_generation_number(const std::string& text) {
  if (text.empty() || text.size() > 10 ||
      text.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  const unsigned long long t = std::stoull(text);
  if (t > 0xffffffffull) return std::nullopt;
  return static_cast<std::uint32_t>(t);
}
}  // namespace

int pack_command(const std::string& file) {
  try {
    const io::PackResult packed = io::pack_results(file);
    if (packed.generations == 0) {
      spdlog::info("'{}' is already one self-contained file", file);
    } else {
      spdlog::info("packed {} generation(s) ({:.1f} MB) into '{}'; removed '{}'",
                   packed.generations, static_cast<double>(packed.bytes) / 1e6, file,
                   packed.folder);
    }
    return kSuccess;
  } catch (const io::NotAResultsFile& e) {
    spdlog::error("{}", e.what());
    return kUsageError;
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return kRunFailure;
  }
}

int inspect_command(const InspectOptions& options) {
  const bool all = options.generation == "all";
  std::optional<std::uint32_t> generation;
  if (!all && options.generation != "last") {
    generation = parse_generation_number(options.generation);
    if (!generation) {
      spdlog::error(
          "--generation must be a generation number (0, 1, ...), 'last' or 'all', got '{}'",
          options.generation);
      return kUsageError;
    }
  }
  try {
    const io::ResultsFile file = io::read_results(options.file);
    std::string out;
    if (options.format == "csv") {
      out = all ? io::format_csv_all(file) : io::format_csv(file, generation);
    } else if (options.format == "json") {
      out = all ? io::format_json_all(file) : io::format_json(file, generation);
    } else {
      out = all ? io::format_table_all(file, options.file)
                : io::format_table(file, generation, options.file);
    }
    std::fputs(out.c_str(), stdout);
    return kSuccess;
  } catch (const io::NotAResultsFile& e) {  // a missing or wrong file: a usage error
    spdlog::error("{}", e.what());
    return kUsageError;
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return kRunFailure;
  }
}

int models_command() {
  for (const auto& m : builtin_models()) {
    std::printf("%s\n  %s\n  parameters: %s\n  statistics: %s\n", m.name.c_str(), m.summary.c_str(),
                m.parameters.c_str(), m.statistics.c_str());
    if (!m.options.empty()) std::printf("  options:\n");
    for (const auto& o : m.options) {
      std::printf("    %-14s %-8s default %-8g %s\n", o.name.c_str(), o.type.c_str(),
                  o.default_value, o.help.c_str());
    }
    std::printf("\n");
  }
  std::printf(
      "Any model also takes `delay: {type: constant|exponential|uniform, ...}` (seconds):\n"
      "an artificial run time drawn from the simulation's own random stream.\n");
  return kSuccess;
}

}  // namespace abcsmc::cli
