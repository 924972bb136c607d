// `abcsmc report`: hands over to the Python package `abcsmc` (python/ in the source tree), which
// draws the plots with matplotlib. Picks an interpreter that has the package's dependencies,
// puts the package on PYTHONPATH and execs `python3 -m abcsmc report ...`, so exit status,
// output and signals (Ctrl-C ends --watch) are Python's own. When nothing suitable is found it
// says what is missing and how to install it (exit 1).
#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <spdlog/spdlog.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

#include "commands.hpp"

extern char** environ;

namespace abcsmc::cli {
namespace {

namespace fs = std::filesystem;

/// Every module the report imports, the package first.
constexpr const char* kProbe =
    "import importlib.util as u\n"
    "print(' '.join(m for m in ('abcsmc', 'h5py', 'numpy', 'pandas', 'matplotlib', 'scipy')"
    " if u.find_spec(m) is None))\n";

constexpr const char* kInstallAdvice =
    "Debian/Ubuntu: apt-get install python3-h5py python3-numpy python3-pandas "
    "python3-matplotlib python3-scipy (or pip install h5py numpy pandas matplotlib scipy); "
    "ABCSMC_PYTHON=/path/to/python3 chooses the interpreter";

bool has_package(const fs::path& dir) {
  std::error_code ec;
  return fs::exists(dir / "abcsmc" / "__init__.py", ec);
}

/// Where the `abcsmc` Python package is: installed beside the binary (<prefix>/share/abcsmc/
/// python), else the source tree this binary was built from. Empty when neither has it (then a
/// pip-installed package must be importable).
fs::path package_directory() {
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path installed = exe.parent_path() / ABCSMC_PYTHON_INSTALL_RELATIVE;
    if (has_package(installed)) return installed.lexically_normal();
  }
  const fs::path source = ABCSMC_PYTHON_SOURCE_DIR;
  if (has_package(source)) return source;
  return {};
}

struct Probe {
  bool ran = false;     ///< the interpreter started
  std::string missing;  ///< modules it cannot import, space-separated ("" = all there)
};

/// Runs `python -c kProbe` with stdout to a pipe and stderr silenced.
Probe probe(const std::string& python) {
  Probe result;
  int fds[2];
  if (pipe(fds) != 0) return result;
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_addclose(&actions, fds[0]);
  posix_spawn_file_actions_addclose(&actions, fds[1]);
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
  std::vector<char*> argv = {const_cast<char*>(python.c_str()), const_cast<char*>("-c"),
                             const_cast<char*>(kProbe), nullptr};
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, python.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  std::string out;
  if (spawned == 0) {
    char buffer[256];
    ssize_t n = 0;
    while ((n = read(fds[0], buffer, sizeof buffer)) > 0 || (n < 0 && errno == EINTR)) {
      if (n > 0) out.append(buffer, static_cast<std::size_t>(n));
    }
  }
  close(fds[0]);
  if (spawned != 0) return result;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  result.ran = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  result.missing = out;
  return result;
}

/// $ABCSMC_PYTHON alone when set; else python3 on PATH, then the system's.
std::vector<std::string> candidates() {
  if (const char* chosen = std::getenv("ABCSMC_PYTHON"); chosen != nullptr && *chosen != '\0') {
    return {chosen};
  }
  return {"python3", "/usr/bin/python3"};
}

}  // namespace

int report_command(const ReportOptions& options) {
  const fs::path package = package_directory();
  if (!package.empty()) {
    const char* old = std::getenv("PYTHONPATH");
    std::string path = package.string();
    if (old != nullptr && *old != '\0') path += std::string(":") + old;
    setenv("PYTHONPATH", path.c_str(), 1);
  }
  std::string python;
  std::vector<std::string> problems;
  for (const auto& candidate : candidates()) {
    const Probe p = probe(candidate);
    if (!p.ran) {
      problems.push_back(candidate + ": not found or not runnable");
    } else if (!p.missing.empty()) {
      problems.push_back(candidate + " lacks " + p.missing);
    } else {
      python = candidate;
      break;
    }
  }
  if (python.empty()) {
    std::string tried;
    for (const auto& p : problems) tried += (tried.empty() ? "" : "; ") + p;
    spdlog::error(
        "abcsmc report needs Python 3 with the abcsmc package and h5py, numpy, pandas, "
        "matplotlib and scipy; no interpreter has them ({}). {}{}",
        tried, kInstallAdvice,
        package.empty() ? std::string("; the abcsmc package itself: pip install "
                                      "--no-build-isolation <abcsmc source>/python")
                        : std::string());
    return kRunFailure;
  }
  std::vector<std::string> args = {python, "-m", "abcsmc", "report", options.file};
  if (!options.output.empty()) args.insert(args.end(), {"-o", options.output});
  if (options.watch) {
    char interval[32];
    std::snprintf(interval, sizeof interval, "%.17g", options.interval);
    args.insert(args.end(), {"--watch", "--interval", interval});
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::fflush(stdout);
  std::fflush(stderr);
  execvp(python.c_str(), argv.data());
  spdlog::error("abcsmc report: cannot run {}: {}", python, std::strerror(errno));
  return kRunFailure;
}

}  // namespace abcsmc::cli
