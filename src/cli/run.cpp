// `abcsmc run`: config -> engine -> results file, with progress on the log.
#include <spdlog/spdlog.h>

#include <atomic>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <random>

#include "abcsmc/core/diagnostics.hpp"
#include "abcsmc/core/epsilon.hpp"
#include "abcsmc/core/error.hpp"
#include "abcsmc/core/resumable_error.hpp"
#include "abcsmc/io/build.hpp"
#include "abcsmc/io/config_diff.hpp"
#include "abcsmc/io/duration.hpp"
#include "abcsmc/io/results.hpp"
#include "abcsmc/io/run_config.hpp"
#include "abcsmc/io/worker_problem.hpp"
#include "abcsmc/models/process.hpp"  // end_running_commands
#include "commands.hpp"
#include "job_deadline.hpp"
#include "report.hpp"
#include "status_line.hpp"
#include "stop_signals.hpp"
#include "transports.hpp"

namespace abcsmc::cli {

namespace {

/// Logs each generation and appends it to the results file; prints the heartbeat inside a
/// round and the run's first failure.
class RunObserver final : public SmcObserver {
 public:
  RunObserver(io::ResultsWriter& writer, std::mutex& write_lock,
              std::atomic<long long>& last_written, const Problem& problem,
              std::size_t population_size, const TransitionSpec& transition,
              std::function<std::string()> sampler_note = {})
      : writer_(writer),
        write_lock_(write_lock),
        last_written_(last_written),
        problem_(problem),
        population_size_(population_size),
        watch_(problem, transition),
        sampler_note_(std::move(sampler_note)) {}
  /// Appended to each heartbeat line (e.g. the Redis server being away).
  void set_progress_note(std::function<std::string()> note) { progress_note_ = std::move(note); }

  void on_calibration(const CalibrationInfo& info) override {
    clear_status();
    if (info.simulations > 0) {
      {
        std::lock_guard<std::mutex> lock(write_lock_);
        writer_.calibration(info.simulations, info.failed, info.failures);
      }
      spdlog::info("calibration: {} prior simulations in {:.2f} s, initial epsilon {:.6g}{}{}",
                   info.simulations, info.wall_seconds, info.initial_epsilon,
                   info.failed > 0
                       ? fmt::format(", failed={}: {}", info.failed, info.failures.summary())
                       : std::string(),
                   note());
    } else {
      spdlog::info("initial epsilon {:.6g}", info.initial_epsilon);
    }
  }

  void on_generation(const GenerationRecord& rec) override {
    clear_status();
    {
      std::lock_guard<std::mutex> lock(write_lock_);  // a SIGTERM never cuts the write short
      writer_.append(rec);
      last_written_ = static_cast<long long>(rec.t);
    }
    std::string models;
    if (problem_.models.size() > 1) {
      for (std::size_t m = 0; m < problem_.models.size(); ++m) {
        models += fmt::format(" p({})={:.3f}", problem_.models[m].name, rec.model_probabilities[m]);
      }
    }
    const double rate =
        rec.wall_seconds > 0 ? static_cast<double>(rec.simulations) / rec.wall_seconds : 0.0;
    spdlog::info(
        "t={} eps={:.6g} accepted={}/{} sims={} failed={} acc.rate={:.4f} ess={:.1f} "
        "time={:.2f}s sims/s={:.0f}{}{}",
        rec.t, rec.epsilon, rec.particles.size(), population_size_, rec.simulations, rec.failed,
        rec.acceptance_rate, rec.ess, rec.wall_seconds, rate, models, note());
    if (rec.failed > 0)
      spdlog::info("t={} failed={}: {}", rec.t, rec.failed, rec.failures.summary());
    for (const std::string& warning : watch_.check(rec, rec.particles.size())) {
      spdlog::warn("{}", warning);
    }
    // Adaptive population size: say when the next generation's differs.
    if (rec.next_population_size > 0 && rec.next_population_size != population_size_) {
      spdlog::info("t={} population size {} -> {} for the next generation (adaptive)", rec.t,
                   population_size_, rec.next_population_size);
      population_size_ = static_cast<std::size_t>(rec.next_population_size);
    }
  }

  void on_progress(const RoundProgress& p) override {
    const std::string where = p.calibration ? std::string("calibration") : fmt::format("t={}", p.t);
    const double rate = p.seconds > 0 ? static_cast<double>(p.evaluated) / p.seconds : 0.0;
    const std::string eta = p.eta_seconds < 0 ? std::string("unknown (none accepted yet)")
                                              : format_seconds(p.eta_seconds);
    const std::string text =
        fmt::format(
            "{} in progress: accepted={}/{} sims={} failed={} sims/s={:.0f} elapsed={} eta={}",
            where, p.accepted, p.n_accept, p.evaluated, p.failed, rate, format_seconds(p.seconds),
            eta) +
        (progress_note_ ? progress_note_() : std::string());
    if (StatusLine* status = StatusLine::get()) {
      status->show(text);
    } else {
      spdlog::info("{}", text);
    }
  }

  void on_first_failure(const RoundProgress& p, const std::string& message) override {
    clear_status();
    spdlog::warn(
        "first failed candidate ({}; on_failure: reject counts it and goes on, the log "
        "shows counts by reason after each generation):\n  {}",
        p.calibration ? std::string("calibration") : fmt::format("generation {}", p.t), message);
  }

 private:
  std::string note() const { return sampler_note_ ? sampler_note_() : std::string(); }
  static void clear_status() {
    if (StatusLine* status = StatusLine::get()) status->clear();
  }
  static std::string format_seconds(double s) {
    if (s < 120) return fmt::format("{:.0f}s", s);
    if (s < 7200) return fmt::format("{:.0f}m{:02.0f}s", std::floor(s / 60), std::fmod(s, 60));
    return fmt::format("{:.0f}h{:02.0f}m", std::floor(s / 3600),
                       std::floor(std::fmod(s, 3600) / 60));
  }

  io::ResultsWriter& writer_;
  std::mutex& write_lock_;
  std::atomic<long long>& last_written_;  ///< the last generation in the file (-1: none yet)
  const Problem& problem_;
  std::size_t population_size_;
  GenerationWatch watch_;
  std::function<std::string()> sampler_note_;  ///< e.g. the MPI sampler's bytes broadcast
  std::function<std::string()> progress_note_;
};

/// After an exception on rank 0 the transport releases its workers; an MPI master in the
/// middle of a round cannot do it cleanly and ends the whole job (the error is logged already).
/// Between rounds the sampler's destructor stops them and the process exits normally.
void shutdown_after_failure(Sampler* sampler) {
  if (sampler == nullptr) return;
  spdlog::default_logger()->flush();
  sampler->shutdown(Sampler::Shutdown::failed, kRunFailure);
}

}  // namespace

int run_command(const RunOptions& options) {
  // MPI job with P > 1: rank 0 runs the SMC master below, ranks > 0 serve it. The master object
  // releases the workers on every return path (config error, existing output, ...).
  // Ranks > 0 build their problem from the config text rank 0 sends (the config travels).
  JobRole job = join_launched_job(io::worker_problem_factory());
  if (job.worker_exit) return *job.worker_exit;
  // Declared here, after the job it may refer to (destroyed first), for the error paths below.
  SamplerSetup setup;
  io::RunConfig config;
  try {
    config = io::load_config(options.config);
  } catch (const io::ConfigErrors& e) {
    for (const auto& m : e.messages()) std::fprintf(stderr, "error: %s\n", m.c_str());
    std::fprintf(stderr, "%zu problem(s) in %s; nothing was run\n", e.messages().size(),
                 options.config.c_str());
    return kUsageError;
  }
  for (const auto& w : config.warnings) spdlog::warn("{}", w);  // e.g. the memory estimate
  if (options.resume && options.overwrite) {
    spdlog::error("--resume continues the output file and --overwrite replaces it: pass one");
    return kUsageError;
  }
  if (!options.output.empty()) config.output.path = options.output;
  if (options.seed) config.seed = options.seed;
  if (!options.sampler.empty()) {
    const auto type = io::sampler_type_from(options.sampler);  // CLI11 checked the word
    if (!type) {
      spdlog::error("--sampler '{}': use single, threads, mpi or redis", options.sampler);
      return kUsageError;
    }
    config.sampler.type = *type;
  }
  if (!options.scheduling.empty()) {
    const auto scheduling = io::scheduling_from(options.scheduling);
    if (!scheduling) {
      spdlog::error("--scheduling '{}': use dynamic or static", options.scheduling);
      return kUsageError;
    }
    config.sampler.scheduling = *scheduling;
  }
  if (options.batch_size) config.sampler.batch_size = *options.batch_size;
  if (options.threads) config.sampler.threads = *options.threads;
  if (!options.redis_host.empty()) config.sampler.host = options.redis_host;
  if (options.redis_port) config.sampler.port = *options.redis_port;
  if (!options.redis_password_env.empty()) config.sampler.password_env = options.redis_password_env;
  if (options.lease_seconds) config.sampler.lease_seconds = *options.lease_seconds;
  if (!options.reconnect_window.empty()) {
    try {
      config.sampler.reconnect_window_seconds =
          io::parse_duration_seconds(options.reconnect_window);
    } catch (const std::exception& e) {
      spdlog::error("--reconnect-window '{}': {}", options.reconnect_window, e.what());
      return kUsageError;
    }
  }
  if (!options.key_file.empty()) config.sampler.key_file = options.key_file;

  std::optional<std::chrono::system_clock::time_point> deadline;
  std::string deadline_source;
  if (!options.deadline.empty()) {
    try {
      const double seconds = io::parse_duration_seconds(options.deadline);
      deadline = std::chrono::system_clock::now() +
                 std::chrono::duration_cast<std::chrono::system_clock::duration>(
                     std::chrono::duration<double>(seconds));
      deadline_source = "--deadline " + options.deadline;
    } catch (const std::exception& e) {
      spdlog::error("--deadline '{}': {}", options.deadline, e.what());
      return kUsageError;
    }
  }

  try {
    const auto out_dir = std::filesystem::path(config.output.path).parent_path();
    if (!out_dir.empty() && !std::filesystem::is_directory(out_dir)) {
      spdlog::error(
          "output '{}': directory '{}' does not exist; create it or choose another "
          "file with -o",
          config.output.path, out_dir.string());
      return kUsageError;
    }
    // --resume: the file's generations are the state to continue from (a missing file means
    // the run has not written anything yet: start it, so one command line serves every job).
    std::optional<io::ResultsFile> previous;
    if (options.resume) {
      if (std::filesystem::exists(config.output.path)) {
        try {
          previous = io::read_results(config.output.path);
        } catch (const std::exception& e) {
          spdlog::error("cannot resume from '{}': {}", config.output.path, e.what());
          return kUsageError;
        }
        if (!config.seed) config.seed = previous->header.seed;  // the run's seed, not a new one
      } else {
        spdlog::info("--resume: '{}' does not exist yet; starting a new run", config.output.path);
      }
    } else if (std::filesystem::exists(config.output.path) && !options.overwrite) {
      spdlog::error(
          "output '{}' already exists; pass --resume to continue that run, --overwrite "
          "to replace it, or choose another file with -o",
          config.output.path);
      return kUsageError;
    }
    if (!config.seed)
      config.seed =
          std::random_device{}() | (static_cast<std::uint64_t>(std::random_device{}()) << 32);

    auto problem = io::build_problem(config);
    const SmcSettings settings = io::build_settings(config, *problem, *config.seed);
    setup = make_sampler(config.sampler, job.master.get());
    if (setup.evaluates_elsewhere) {
      // The workers simulate: a persistent simulator's child started to check the config would
      // sit idle here for the whole run.
      for (const ModelEntry& entry : problem->models) entry.model->end_idle();
    }
    Sampler* const sampler = setup.sampler.get();
    io::RunHeader header = io::build_header(config, *problem, *config.seed);
    header.sampler = sampler->name();
    header.scheduling = io::to_string(sampler->scheduling());
    header.batch_size = sampler->batch_size();
    header.workers = sampler->workers();
    header.ranks = sampler->processes();

    SmcControl control;
    control.parallel = setup.parallel.get();
    std::optional<io::ResultsWriter> writer;
    if (previous) {
      const auto differences = io::config_differences(previous->header.config_yaml,
                                                      header.config_yaml, io::resume_may_change());
      if (!differences.empty()) {
        for (const auto& d : differences) std::fprintf(stderr, "error: %s\n", d.c_str());
        std::fprintf(stderr,
                     "cannot resume '%s': %zu setting(s) differ from the run that wrote it (only "
                     "stop, sampler and output.path may change); restore them, or start a new "
                     "run with another -o or --overwrite\n",
                     config.output.path.c_str(), differences.size());
        return kUsageError;
      }
      if (previous->generations.empty()) {
        spdlog::info("--resume: '{}' has no complete generation yet; starting the run over",
                     config.output.path);
      } else {
        const GenerationRecord& last = previous->generations.back();
        if (last.t + 1 != previous->generations.size()) {
          spdlog::error(
              "cannot resume '{}': generations are missing (the last is t={} but the "
              "file holds {})",
              config.output.path, last.t, previous->generations.size());
          return kUsageError;
        }
        control.resume_from = &last;
        const auto& gens = previous->generations;
        control.resume_previous_epsilon = gens.size() >= 2
                                              ? gens[gens.size() - 2].epsilon
                                              : std::numeric_limits<double>::quiet_NaN();
        if (const std::string reason =
                stop_rule_met(settings.stop, last, control.resume_previous_epsilon);
            !reason.empty()) {
          spdlog::info(
              "--resume: the run in '{}' is complete ({} after generation {}); nothing "
              "to do",
              config.output.path, reason, last.t);
          if (previous->stop_reason != reason) {
            io::ResultsWriter::reopen(config.output.path, header).finish(reason);
          }
          // Returns at once with the state after `last` (nothing is sampled).
          const SmcResult done = run_smc(problem, settings, *sampler, nullptr, control);
          std::fputs(format_run_summary(*problem, done, config.output.path).c_str(), stdout);
          return kSuccess;
        }
        writer.emplace(io::ResultsWriter::reopen(config.output.path, header));
        spdlog::info(
            "resuming '{}' after generation {} ({} generation{} on file, {} simulations "
            "so far); next epsilon {:.6g}",
            config.output.path, last.t, previous->generations.size(),
            previous->generations.size() == 1 ? "" : "s", last.total_simulations,
            last.next_epsilon);
      }
    }
    if (!writer)
      writer.emplace(config.output.path, header, options.overwrite || previous.has_value());

    spdlog::info(
        "abcsmc {}: {} (seed {}), population {}, sampler {} ({} scheduling, {} worker{}{})",
        ABCSMC_VERSION_STRING, options.config, *config.seed,
        !settings.adaptive_population.enabled
            ? std::to_string(config.population_size)
            : fmt::format("{} (adaptive: {} to {}, mean_cv {})", config.population_size,
                          settings.adaptive_population.min, settings.adaptive_population.max,
                          settings.adaptive_population.mean_cv),
        header.sampler, header.scheduling, header.workers, header.workers == 1 ? "" : "s",
        header.scheduling != "dynamic" ? ""
        : header.batch_size == 0       ? std::string(", automatic batch size")
                                       : fmt::format(", batch {}", header.batch_size));
    spdlog::info("writing results to {}", config.output.path);

    if (auto slurm = slurm_job_deadline(); slurm && (!deadline || slurm->end < *deadline)) {
      deadline = slurm->end;
      deadline_source = slurm->source;
    }
    if (deadline) {
      const auto left = std::chrono::duration_cast<std::chrono::seconds>(
          *deadline - std::chrono::system_clock::now());
      spdlog::info(
          "deadline in {} s ({}): no generation is started that is not expected to end "
          "by then",
          left.count(), deadline_source);
      control.deadline = deadline;
    }

    // The config travels, not code: every worker builds the same problem from this text.
    sampler->start(header.config_yaml);
    const std::function<std::string()> sampler_note = [sampler] { return sampler->status(); };
    const std::function<std::string()> progress_note = [sampler] {
      return sampler->progress_status();
    };
    // The last generation in the file, for the stop message: set before the watcher starts,
    // atomic because the watcher reads it while the observer writes it.
    std::atomic<long long> last_written{
        control.resume_from != nullptr ? static_cast<long long>(control.resume_from->t) : -1};
    const std::string output_path = config.output.path;
    const std::string config_path = options.config;
    StopSignals signals([&last_written, output_path, config_path, sampler](const char* name) {
      const long long last = last_written.load();
      spdlog::warn(
          "{} received: stopping at once; the generation in progress is dropped, '{}' "
          "holds {}; continue with: abcsmc run {} --resume",
          name, output_path,
          last < 0 ? std::string("no generation yet") : fmt::format("generations 0..{}", last),
          config_path);
      spdlog::default_logger()->flush();
      std::fflush(stdout);
      // An MPI master ends the job here when MPI allows it from this thread; otherwise exiting
      // ends it too: the launcher kills the other ranks when one exits early.
      sampler->shutdown(Sampler::Shutdown::interrupted, kResumable);
      // Simulators end with us (a guard process would also do it once we are gone).
      end_running_commands(SIGTERM);
      std::_Exit(kResumable);
    });
    control.stop_flag = &signals.stop_flag();
    if (options.progress_interval) control.progress_interval = *options.progress_interval;
    if (StatusLine::get() != nullptr && !options.progress_interval) control.progress_interval = 1.0;
    // The size of the first generation this invocation runs (adaptive: the resumed one's next).
    const std::size_t first_size =
        settings.adaptive_population.enabled && control.resume_from != nullptr &&
                control.resume_from->next_population_size > 0
            ? static_cast<std::size_t>(control.resume_from->next_population_size)
            : config.population_size;
    RunObserver observer(*writer, signals.write_lock(), last_written, *problem, first_size,
                         settings.transition, sampler_note);
    observer.set_progress_note(progress_note);
    std::optional<SmcResult> ran;
    try {
      ran = run_smc(problem, settings, *sampler, &observer, control);
    } catch (const ResumableError& e) {
      // E.g. the Redis server stayed away for the whole reconnect window: every complete
      // generation is on file, the one in progress is dropped.
      const long long last = last_written.load();
      spdlog::error("{}", e.what());
      spdlog::warn(
          "'{}' holds {}; continue with: abcsmc run {} --resume", output_path,
          last < 0 ? std::string("no generation yet") : fmt::format("generations 0..{}", last),
          config_path);
      return kResumable;
    }
    const SmcResult& result = *ran;
    {
      std::lock_guard<std::mutex> lock(signals.write_lock());
      writer->finish(result.stop_reason);
      signals.mark_finished();
    }
    std::fputs(format_run_summary(*problem, result, config.output.path).c_str(), stdout);
    if (result.stopped_early) {
      spdlog::warn(
          "stopped early ({}) after generation {}{}; continue with: abcsmc run {} --resume",
          result.stop_reason,
          result.generations == 0 ? std::string("-") : std::to_string(result.generations - 1),
          result.interrupted.empty()
              ? std::string()
              : fmt::format(" ({} was in progress: dropped, --resume redoes it)",
                            result.interrupted),
          options.config);
      return kResumable;
    }
    if (result.generations == 0) {
      spdlog::error("no generation was completed, so there is no population: {}",
                    result.stop_reason);
      return kRunFailure;
    }
    return kSuccess;
  } catch (const ConfigError& e) {
    spdlog::error("{}: {}", options.config, e.what());
    shutdown_after_failure(setup.sampler.get());
    return kUsageError;
  } catch (const std::exception& e) {
    spdlog::error("run failed: {}", e.what());
    shutdown_after_failure(setup.sampler.get());
    return kRunFailure;
  }
}

}  // namespace abcsmc::cli
