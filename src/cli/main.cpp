// abcsmc command line: parses arguments (CLI11) and dispatches to the subcommands.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cstring>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "commands.hpp"
#include "simulate_check.hpp"
#include "stop_signals.hpp"
#include "transports.hpp"

namespace {
/// Hides the value of --password from the process title (ps, /proc/PID/cmdline) without
/// showing its length: the argument area becomes one title, the arguments joined by blanks with
/// the value as "***", then NULs up to a non-NUL last byte, which tells Linux to show the title
/// only up to its first NUL (how setproctitle works). Nothing reads argv after this.
void scrub_password(int argc, char** argv) {
  std::string title;
  bool found = false;
  bool contiguous = argc > 0;
  for (int i = 0; i < argc; ++i) {
    if (i > 0) {
      contiguous = contiguous && argv[i] == argv[i - 1] + std::strlen(argv[i - 1]) + 1;
      title += ' ';
    }
    if (i > 0 && std::strcmp(argv[i], "--password") == 0 && i + 1 < argc) {
      title += "--password ***";
      found = true;
      ++i;
      contiguous = contiguous && argv[i] == argv[i - 1] + std::strlen(argv[i - 1]) + 1;
    } else if (i > 0 && std::strncmp(argv[i], "--password=", 11) == 0) {
      title += "--password=***";
      found = true;
    } else {
      title += argv[i];
    }
  }
  if (!found) return;
  if (!contiguous) {  // not the kernel's layout: at least no character of the password stays
    for (int i = 1; i < argc; ++i) {
      if (std::strcmp(argv[i], "--password") == 0 && i + 1 < argc) {
        ++i;
        std::memset(argv[i], 0, std::strlen(argv[i]));
      } else if (std::strncmp(argv[i], "--password=", 11) == 0) {
        std::memset(argv[i] + 11, 0, std::strlen(argv[i] + 11));
      }
    }
    return;
  }
  char* begin = argv[0];
  const std::size_t area =
      static_cast<std::size_t>(argv[argc - 1] + std::strlen(argv[argc - 1]) + 1 - begin);
  std::memset(begin, 0, area);
  if (area < 2) return;
  std::memcpy(begin, title.data(), std::min(title.size(), area - 2));
  begin[area - 1] = ' ';
}
}  // namespace

int main(int argc, char** argv) {
  using namespace abcsmc::cli;
  // Batch systems' early warnings (SIGUSR1/SIGUSR2) must not kill a run that is still starting.
  StopSignals::catch_early();
  // Installed as abc-redis-worker / abc-redis-manager too (pyABC's names): the program name
  // picks the subcommand.
  std::vector<char*> args(argv, argv + argc);
  std::string implied;
  {
    std::string prog = argc > 0 ? argv[0] : "";
    if (const auto slash = prog.rfind('/'); slash != std::string::npos)
      prog = prog.substr(slash + 1);
    if (prog == "abc-redis-worker") implied = "redis-worker";
    if (prog == "abc-redis-manager") implied = "redis-manager";
  }
  if (!implied.empty()) args.insert(args.begin() + 1, implied.data());
  CLI::App app{
      "abcsmc: likelihood-free Bayesian inference by ABC-SMC (approximate Bayesian computation "
      "with sequential Monte Carlo).\n"
      "Run a YAML config with `abcsmc run CONFIG`; inspect its HDF5 results with `abcsmc inspect "
      "FILE`. Exit status: 0 success, 1 run failure, 2 usage or config error, 3 stopped early but "
      "resumable (a signal, stop.max_walltime or the job's end): continue with `abcsmc run "
      "CONFIG --resume`."};
  app.require_subcommand(1);
  app.fallthrough();  // global options (-q, --log-level) also after the subcommand
  app.set_version_flag("--version", std::string("abcsmc ") + ABCSMC_VERSION_STRING);
  std::string log_level = "info";
  bool quiet = false;
  app.add_option("--log-level", log_level, "Log level: trace, debug, info, warn, error, off")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
      ->capture_default_str();
  app.add_flag("-q,--quiet", quiet, "Only warnings and errors (no per-generation progress)");

  // CLI11 would read "-5" into an unsigned option as a huge number: refuse it in plain words.
  const CLI::Validator non_negative(
      [](std::string& text) {
        return (!text.empty() && text[0] == '-')
                   ? std::string("must be a whole number >= 0, got " + text)
                   : std::string();
      },
      "");
  RunOptions run;
  auto* run_cmd = app.add_subcommand(
      "run",
      "Run ABC-SMC on a config; writes every generation to an HDF5 file as it completes.\n"
      "SIGUSR1/SIGUSR2 stop cleanly, SIGTERM/SIGINT stop at once (both drop the generation "
      "in progress and keep every complete one); both exit 3 (resumable) and --resume "
      "continues the file. Inside a generation a heartbeat line shows progress (a status "
      "line on a terminal)");
  run_cmd->add_option("config", run.config, "Run config (YAML); see config/REFERENCE.md")
      ->required()
      ->check(CLI::ExistingFile);
  run_cmd->add_option("-o,--output", run.output, "Results file (HDF5); overrides output.path");
  run_cmd->add_option("--seed", run.seed, "Random seed; overrides the config's seed")
      ->check(non_negative);
  run_cmd->add_flag("--resume", run.resume,
                    "Continue the run in the output file from its last complete generation; the "
                    "result is bit-identical to an uninterrupted run. Only stop and sampler "
                    "settings may differ from the run that wrote the file. Starts a new run when "
                    "the file does not exist, exits 0 at once when the run is already complete");
  run_cmd->add_option("--deadline", run.deadline,
                      "Do not start a generation that is expected to end later than this from now "
                      "(e.g. 55m, 2h), and stop a generation still running then; exit 3 instead. "
                      "Inside a Slurm job its end time is used automatically");
  run_cmd
      ->add_option("--progress-interval", run.progress_interval,
                   "Seconds between heartbeat lines inside a generation (accepted/N, "
                   "simulations, failed, simulations/s, elapsed, ETA; default 30, 0 = none; on "
                   "a terminal a status line updated every second instead)")
      ->check(CLI::NonNegativeNumber);
  run_cmd->add_flag("--overwrite", run.overwrite, "Replace an existing output file");
  run_cmd
      ->add_option(
          "--sampler", run.sampler,
          "single, threads, mpi or redis (default: mpi under mpirun/srun with more than one "
          "process, otherwise threads on all cores)")
      ->check(CLI::IsMember({"single", "threads", "mpi", "redis"}));
  run_cmd
      ->add_option("--scheduling", run.scheduling,
                   "dynamic (work stealing, default) or static (blocks of particle slots)")
      ->check(CLI::IsMember({"static", "dynamic"}));
  run_cmd
      ->add_option("--batch-size", run.batch_size,
                   "Dynamic scheduling: evaluations per claim (0 = automatic)")
      ->check(non_negative);
  run_cmd->add_option("--threads", run.threads, "Threads for the threads sampler (0 = all cores)")
      ->check(non_negative);
  run_cmd->add_option("--redis-host", run.redis_host, "Redis sampler: server host (sampler.host)");
  run_cmd->add_option("--redis-port", run.redis_port, "Redis sampler: server port (sampler.port)")
      ->check(CLI::Range(1, 65535));
  run_cmd->add_option("--redis-password-env", run.redis_password_env,
                      "Redis sampler: environment variable holding the password "
                      "(sampler.password_env; default ABCSMC_REDIS_PASSWORD)");
  run_cmd
      ->add_option("--lease", run.lease_seconds,
                   "Redis sampler: seconds a worker's claim lasts without renewal (sampler.lease)")
      ->check(CLI::PositiveNumber);
  run_cmd->add_option("--reconnect-window", run.reconnect_window,
                      "Redis sampler: how long to wait for a lost server, reconnecting, before "
                      "stopping with exit 3 (resumable), e.g. 90s, 10m (sampler.reconnect_window, "
                      "default 5m)");
  run_cmd
      ->add_option("--key-file", run.key_file,
                   "Redis sampler: sign the config and every generation, and accept only results "
                   "signed by workers with the same key (sampler.key_file; a file only its owner "
                   "may read: abcsmc redis-manager keygen FILE)")
      ->type_name("FILE");

  RedisWorkerOptions worker;
  auto* worker_cmd = app.add_subcommand(
      "redis-worker",
      "Serve ABC-SMC runs of a Redis server (also installed as abc-redis-worker); "
      "workers may join and leave at any time");
  worker_cmd->add_option("--host", worker.host, "Redis host")->capture_default_str();
  worker_cmd->add_option("--port", worker.port, "Redis port")
      ->capture_default_str()
      ->check(CLI::Range(1, 65535));
  worker_cmd->add_option("--password", worker.password,
                         "Redis password (default: $ABCSMC_REDIS_PASSWORD); prefer the variable");
  worker_cmd
      ->add_option("--runtime", worker.runtime,
                   "Leave after this long, once the current claim is done (e.g. 3600s, 2h, 2d)")
      ->capture_default_str();
  worker_cmd->add_option("--processes", worker.processes, "Worker processes to start")
      ->capture_default_str()
      ->check(non_negative);
  worker_cmd
      ->add_option("--batch-size", worker.batch_size,
                   "Evaluations per claim (0 = the master's choice)")
      ->check(non_negative);
  worker_cmd
      ->add_option("--reconnect-window", worker.reconnect_window,
                   "How long to wait for a lost server, reconnecting, before leaving with "
                   "exit 1 (a duration such as 10m, or forever); --runtime and signals end "
                   "the wait too")
      ->capture_default_str();
  worker_cmd->add_flag("--allow-commands", worker.allow_commands,
                       "Run models that execute programs: external commands and persistent "
                       "simulators (refused otherwise)");
  worker_cmd->add_flag(
      "--allow-plugins", worker.allow_plugins,
      "Load any plugin a run's config names (refused otherwise: loading runs its code)");
  worker_cmd
      ->add_option("--allow-plugin-dir", worker.allow_plugin_dirs,
                   "Load plugins whose resolved path (symlinks followed) lies under DIR "
                   "(repeatable)")
      ->type_name("DIR")
      ->allow_extra_args(false);
  worker_cmd
      ->add_option("--key-file", worker.key_file,
                   "Serve only runs signed with the key in this file (its owner alone may read "
                   "it), checking each config and generation before use, and sign results; "
                   "without it, signed runs are refused")
      ->type_name("FILE");

  RedisManagerOptions manager;
  auto* manager_cmd = app.add_subcommand(
      "redis-manager",
      "info | stop | reset-workers for a Redis server's workers (also installed "
      "as abc-redis-manager); info prints Workers=W Evaluations=E Acceptances=A/N; "
      "keygen FILE writes a new random key file (mode 0600) for --key-file");
  manager_cmd->add_option("action", manager.action, "info, stop, reset-workers or keygen")
      ->required()
      ->check(CLI::IsMember({"info", "stop", "reset-workers", "keygen"}));
  manager_cmd->add_option("file", manager.file, "keygen: the key file to create (never replaced)");
  manager_cmd->add_option("--host", manager.host, "Redis host")->capture_default_str();
  manager_cmd->add_option("--port", manager.port, "Redis port")
      ->capture_default_str()
      ->check(CLI::Range(1, 65535));
  manager_cmd->add_option("--password", manager.password,
                          "Redis password (default: $ABCSMC_REDIS_PASSWORD)");

  std::string validate_config;
  auto* validate_cmd =
      app.add_subcommand("validate",
                         "Check a config and print every problem with file:line (exit 2 if any); "
                         "with --simulate, also run its models a few times (abcsmc validate CONFIG "
                         "--simulate [N])");
  validate_cmd->add_option("config", validate_config, "Run config (YAML)")->required();
  std::size_t simulate = 0;
  auto* simulate_opt = validate_cmd->add_option(
      "--simulate", simulate,
      "Also run each model N times (default " + std::to_string(kDefaultSimulations) +
          ") at parameters from the prior: time per simulation, the statistics against the "
          "config, failures by reason with the first one's message, and a rough estimate of "
          "the run's duration. Exit 1 when every simulation of a model fails (or one fails "
          "with on_failure: abort)");
  simulate_opt->expected(0, 1)
      ->default_str(std::to_string(kDefaultSimulations))
      ->check(CLI::Validator(
          [](std::string& text) {
            return text.empty() || text.find_first_not_of("0123456789") == std::string::npos
                       ? std::string()
                       : "must be a number of simulations, got '" + text +
                             "' (write CONFIG before --simulate)";
          },
          "N"));

  InspectOptions inspect;
  auto* inspect_cmd = app.add_subcommand(
      "inspect",
      "Show a results file: per-generation table and posterior summary, or particles "
      "as csv/json. Works while the run is still writing");
  inspect_cmd->add_option("file", inspect.file, "Results file (HDF5)")->required();
  inspect_cmd
      ->add_option("-g,--generation", inspect.generation,
                   "Generation number, 'last', or 'all' (every generation; csv gains a "
                   "leading column t, json is an array)")
      ->capture_default_str();
  inspect_cmd
      ->add_option("-f,--format", inspect.format,
                   "table (summary), csv or json (one record per particle)")
      ->check(CLI::IsMember({"table", "csv", "json"}))
      ->capture_default_str();

  std::string pack_file;
  auto* pack_cmd = app.add_subcommand(
      "pack",
      "Copy a finished run's generation files (FILE.d/, where large runs keep them) into FILE "
      "and remove the folder: one self-contained file to copy or share. Runs that finish with "
      "at most 64 MiB of generations are packed by themselves. Needs free space for the "
      "generations once more; refuses a run that is still writing or was interrupted");
  pack_cmd->add_option("file", pack_file, "Results file (HDF5)")->required();

  auto* models_cmd = app.add_subcommand("models", "List the built-in models and their options");

  ReportOptions report;
  auto* report_cmd = app.add_subcommand(
      "report",
      "Write one self-contained HTML page of a results file: plots (posterior KDEs, "
      "epsilons, samples, acceptance rates, ESS, model probabilities, credible "
      "intervals, distance weights, observed vs simulated), the per-generation table, "
      "the posterior summary, failures by reason, the resolved config and how the run "
      "stopped. Runs the Python package abcsmc (python/ in the source tree): needs "
      "Python 3 with h5py, numpy, pandas, matplotlib and scipy (Debian: apt-get install "
      "python3-h5py python3-numpy python3-pandas python3-matplotlib python3-scipy); "
      "ABCSMC_PYTHON=/path/to/python3 chooses the interpreter");
  report_cmd->add_option("file", report.file, "Results file (HDF5)")->required();
  report_cmd->add_option("-o,--output", report.output,
                         "HTML file to write (default: FILE with .html)");
  report_cmd->add_flag("--watch", report.watch,
                       "Rewrite the page whenever the run adds a generation (atomic replace; the "
                       "page reloads itself) until the run records a stop reason: a live view of "
                       "a running job");
  report_cmd
      ->add_option("--interval", report.interval, "--watch: seconds between looks at the file")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);

  try {
    app.parse(static_cast<int>(args.size()), args.data());
  } catch (const CLI::ParseError& e) {
    const int rc = app.exit(e);
    return rc == 0 ? kSuccess : kUsageError;
  }
  int rank = -1;  // not an MPI run
  // MPI starts only for `run` under a launcher (mpirun, mpiexec, srun): `inspect` and plain runs
  // never pay for MPI_Init. Finalised when main returns.
  std::shared_ptr<void> launcher_runtime;
  if (*run_cmd) launcher_runtime = abcsmc::cli::start_launcher_runtime(argc, argv, rank);
  scrub_password(argc, argv);
  setup_logging(log_level, quiet, rank);
  if (*worker_cmd) return redis_worker_command(worker);
  if (*manager_cmd) return redis_manager_command(manager);
  if (*run_cmd) return run_command(run);
  if (*validate_cmd && simulate_opt->count() > 0) {
    return validate_simulate_command(validate_config, simulate);
  }
  if (*validate_cmd) return validate_command(validate_config);
  if (*inspect_cmd) return inspect_command(inspect);
  if (*pack_cmd) return pack_command(pack_file);
  if (*models_cmd) return models_command();
  if (*report_cmd) return report_command(report);
  return kUsageError;
}
