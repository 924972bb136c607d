// `abcsmc run`: config -> engine -> results file, with progress on the log.
#include <spdlog/spdlog.h>

#include <atomic>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <random>

#include "abcsmc/core/epsilon.hpp"
#include "abcsmc/core/error.hpp"
#include "abcsmc/io/build.hpp"
#include "abcsmc/io/results.hpp"
#include "abcsmc/io/run_config.hpp"
#include "abcsmc/samplers/single_core.hpp"
#include "abcsmc/samplers/threads.hpp"
#include "commands.hpp"
#include "report.hpp"

namespace abcsmc::cli {

namespace {

std::atomic<bool> g_stop_requested{false};

extern "C" void on_stop_signal(int) { g_stop_requested.store(true); }

/// Applies the CLI's overrides to the config's sampler section and builds the sampler.
std::unique_ptr<Sampler> make_sampler(io::SamplerSpec spec) {
  const Scheduling scheduling =
      spec.scheduling == "static" ? Scheduling::static_blocks : Scheduling::dynamic;
  if (spec.type == "mpi" || spec.type == "redis") {
    throw ConfigError("sampler '" + spec.type + "' is not available in this version; use single or threads");
  }
  if (spec.type == "single") {
    if (scheduling == Scheduling::static_blocks) {
      return std::make_unique<ThreadsSampler>(1, scheduling, spec.batch_size);
    }
    return std::make_unique<SingleCoreSampler>();
  }
  return std::make_unique<ThreadsSampler>(spec.threads, scheduling, spec.batch_size);
}

/// Logs each generation and appends it to the results file.
class RunObserver final : public SmcObserver {
 public:
  RunObserver(io::ResultsWriter& writer, const Problem& problem, std::size_t population_size)
      : writer_(writer), problem_(problem), population_size_(population_size) {}

  void on_calibration(const CalibrationInfo& info) override {
    if (info.simulations > 0) {
      spdlog::info("calibration: {} prior simulations in {:.2f} s, initial epsilon {:.6g}",
                   info.simulations, info.wall_seconds, info.initial_epsilon);
    } else {
      spdlog::info("initial epsilon {:.6g}", info.initial_epsilon);
    }
  }

  void on_generation(const GenerationRecord& rec) override {
    writer_.append(rec);
    std::string models;
    if (problem_.models.size() > 1) {
      for (std::size_t m = 0; m < problem_.models.size(); ++m) {
        models += fmt::format(" p({})={:.3f}", problem_.models[m].name, rec.model_probabilities[m]);
      }
    }
    const double rate = rec.wall_seconds > 0 ? static_cast<double>(rec.simulations) / rec.wall_seconds : 0.0;
    spdlog::info("t={} eps={:.6g} accepted={}/{} sims={} failed={} acc.rate={:.4f} ess={:.1f} "
                 "time={:.2f}s sims/s={:.0f}{}",
                 rec.t, rec.epsilon, rec.particles.size(), population_size_, rec.simulations,
                 rec.failed, rec.acceptance_rate, rec.ess, rec.wall_seconds, rate, models);
  }

 private:
  io::ResultsWriter& writer_;
  const Problem& problem_;
  std::size_t population_size_;
};

}  // namespace

int run_command(const RunOptions& options) {
  io::RunConfig config;
  try {
    config = io::load_config(options.config);
  } catch (const io::ConfigErrors& e) {
    for (const auto& m : e.messages()) std::fprintf(stderr, "error: %s\n", m.c_str());
    std::fprintf(stderr, "%zu problem(s) in %s; nothing was run\n", e.messages().size(),
                 options.config.c_str());
    return kUsageError;
  }
  if (options.resume) {
    spdlog::error("--resume is not available in this version yet");
    return kUsageError;
  }
  if (!options.output.empty()) config.output.path = options.output;
  if (options.seed) config.seed = options.seed;
  if (!options.sampler.empty()) config.sampler.type = options.sampler;
  if (!options.scheduling.empty()) config.sampler.scheduling = options.scheduling;
  if (options.batch_size) config.sampler.batch_size = *options.batch_size;
  if (options.threads) config.sampler.threads = *options.threads;
  if (!config.seed) config.seed = std::random_device{}() | (static_cast<std::uint64_t>(std::random_device{}()) << 32);

  try {
    const auto out_dir = std::filesystem::path(config.output.path).parent_path();
    if (!out_dir.empty() && !std::filesystem::is_directory(out_dir)) {
      spdlog::error("output '{}': directory '{}' does not exist; create it or choose another "
                    "file with -o", config.output.path, out_dir.string());
      return kUsageError;
    }
    if (std::filesystem::exists(config.output.path) && !options.overwrite) {
      spdlog::error("output '{}' already exists; pass --overwrite to replace it, or choose another "
                    "file with -o", config.output.path);
      return kUsageError;
    }
    auto problem = io::build_problem(config);
    const SmcSettings settings = io::build_settings(config, *problem, *config.seed);
    auto sampler = make_sampler(config.sampler);
    io::RunHeader header = io::build_header(config, *problem, *config.seed);
    header.sampler = sampler->name();
    header.scheduling = sampler->scheduling() == Scheduling::dynamic ? "dynamic" : "static";
    header.batch_size = sampler->batch_size();
    header.workers = sampler->workers();
    io::ResultsWriter writer(config.output.path, header, options.overwrite);

    spdlog::info("abcsmc {}: {} (seed {}), population {}, sampler {} ({} scheduling, {} worker{}{})",
                 ABCSMC_VERSION_STRING, options.config, *config.seed, config.population_size,
                 header.sampler, header.scheduling, header.workers, header.workers == 1 ? "" : "s",
                 header.scheduling == "dynamic" ? fmt::format(", batch {}", header.batch_size) : "");
    spdlog::info("writing results to {}", config.output.path);

    std::signal(SIGINT, on_stop_signal);
    std::signal(SIGTERM, on_stop_signal);
    RunObserver observer(writer, *problem, config.population_size);
    const SmcResult result = run_smc(problem, settings, *sampler, &observer, &g_stop_requested);
    writer.finish(result.stop_reason);
    std::fputs(format_run_summary(*problem, result, config.output.path).c_str(), stdout);
    return result.generations > 0 ? kSuccess : kRunFailure;
  } catch (const ConfigError& e) {
    spdlog::error("{}: {}", options.config, e.what());
    return kUsageError;
  } catch (const std::exception& e) {
    spdlog::error("run failed: {}", e.what());
    return kRunFailure;
  }
}

}  // namespace abcsmc::cli
