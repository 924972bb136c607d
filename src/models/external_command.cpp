// External command models: the argv template (placeholders, the executable), one simulation =
// one run_process (process.cpp) whose text parse_statistics_text reads (statistics_text.cpp),
// and the failure messages and reasons.
#include "abcsmc/models/external_command.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "abcsmc/core/error.hpp"
#include "abcsmc/core/suggest.hpp"
#include "abcsmc/core/value_range.hpp"
#include "abcsmc/models/reason_text.hpp"

namespace abcsmc {

namespace {

bool is_identifier(std::string_view s) {
  if (s.empty()) return false;
  if (!(std::isalpha(static_cast<unsigned char>(s[0])) || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.';
  });
}

std::string shortest(double x) {
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, x);
  return std::string(buf, end);
}

std::string excerpt(const std::string& text) {
  std::string s = text.substr(0, 200);
  for (char& c : s) {
    if (c == '\n') c = ' ';
  }
  return "'" + s + (text.size() > 200 ? "...'" : "'");
}

/// A temporary file removed when this goes out of scope.
class TempFile {
 public:
  TempFile() {
    const char* dir = std::getenv("TMPDIR");
    std::string pattern =
        std::string(dir != nullptr && dir[0] != '\0' ? dir : "/tmp") + "/abcsmc-stats-XXXXXX";
    std::vector<char> buf(pattern.begin(), pattern.end());
    buf.push_back('\0');
    const int fd = mkostemp(buf.data(), O_CLOEXEC);
    if (fd < 0) {
      const std::string why = std::strerror(errno);
      throw ModelError("cannot create a temporary file for {output} in " + pattern + ": " + why +
                           " (set TMPDIR to a writable directory)",
                       "cannot create a temporary file for {output}: " + why);
    }
    close(fd);
    path_.assign(buf.data());
  }
  ~TempFile() { unlink(path_.c_str()); }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

/// reason_text of a stderr tail, with the {output} file's name shown as "{output}".
std::string reason_line(const std::string& tail, const std::string& output_path) {
  if (output_path.empty()) return reason_text(tail);
  std::string text = tail;
  for (std::size_t at = text.find(output_path); at != std::string::npos;
       at = text.find(output_path, at + 8)) {
    text.replace(at, output_path.size(), "{output}");
  }
  return reason_text(text);
}

}  // namespace

ExternalCommandModel::ExternalCommandModel(CommandSpec spec,
                                           const std::vector<std::string>& parameter_names)
    : spec_(std::move(spec)) {
  if (spec_.argv.empty() || spec_.argv[0].empty()) {
    throw ConfigError(
        "the command is empty; give the program and its arguments, e.g. "
        "[./sim.sh, '{theta}', '{seed}']");
  }
  if (spec_.statistics.empty()) {
    throw ConfigError(
        "a command model needs 'statistics': the names the program prints, e.g. "
        "statistics: [y]");
  }
  {
    std::vector<std::string> seen;
    for (const auto& s : spec_.statistics) {
      if (s.name.empty() || s.size == 0) {
        throw ConfigError("statistics: every statistic needs a name and a size >= 1");
      }
      if (std::find(seen.begin(), seen.end(), s.name) != seen.end()) {
        throw ConfigError("statistics: '" + s.name + "' is listed twice");
      }
      seen.push_back(s.name);
    }
  }
  if (!(spec_.timeout_seconds >= 0.0) || !(spec_.kill_grace_seconds >= 0.0)) {
    throw ConfigError("timeout and kill_grace must be >= 0 seconds");
  }
  std::vector<std::string> known = parameter_names;
  known.push_back("seed");
  known.push_back("output");
  for (std::size_t a = 0; a < spec_.argv.size(); ++a) {
    const std::string& arg = spec_.argv[a];
    std::vector<Piece> pieces;
    std::string text;
    for (std::size_t i = 0; i < arg.size(); ++i) {
      const char c = arg[i];
      if ((c == '{' || c == '}') && i + 1 < arg.size() && arg[i + 1] == c) {
        text += c;  // {{ or }}: a literal brace
        ++i;
        continue;
      }
      if (c == '{') {
        const std::size_t close = arg.find('}', i + 1);
        const std::string_view inner = close == std::string::npos
                                           ? std::string_view()
                                           : std::string_view(arg).substr(i + 1, close - i - 1);
        if (close != std::string::npos && is_identifier(inner)) {
          const std::string name(inner);
          Piece p;
          if (name == "seed") {
            p.kind = Piece::Kind::seed;
          } else if (name == "output") {
            p.kind = Piece::Kind::output;
            uses_output_ = true;
          } else {
            const auto it = std::find(parameter_names.begin(), parameter_names.end(), name);
            if (it == parameter_names.end()) {
              throw ConfigError("command argument " + std::to_string(a) + " ('" + arg +
                                "'): unknown placeholder '{" + name + "}'." +
                                did_you_mean(name, known) + " Placeholders: " + quoted_list(known) +
                                " (write {{ and }} for literal braces)");
            }
            p.kind = Piece::Kind::parameter;
            p.parameter = static_cast<std::size_t>(it - parameter_names.begin());
          }
          if (a == 0) {
            throw ConfigError("command argument 0 ('" + arg +
                              "') is the program and cannot hold "
                              "a placeholder");
          }
          if (!text.empty()) pieces.push_back(Piece{Piece::Kind::text, std::move(text), 0});
          text.clear();
          pieces.push_back(std::move(p));
          i = close;
          continue;
        }
      }
      text += c;  // any other brace is literal (awk or shell code)
    }
    if (!text.empty() || pieces.empty()) pieces.push_back(Piece{Piece::Kind::text, text, 0});
    args_.push_back(std::move(pieces));
  }
  executable_ = find_executable(args_[0][0].text);
  if (executable_.empty()) {
    const std::string& program = args_[0][0].text;
    if (program.find('/') != std::string::npos) {
      struct stat st {};
      const bool exists = ::stat(program.c_str(), &st) == 0;
      throw ConfigError("command: '" + program + "' " +
                        (exists ? std::string("is not an executable file (chmod +x it?)")
                                : std::string("does not exist (a relative path is relative to "
                                              "the config file)")));
    }
    throw ConfigError("command: program '" + program + "' not found in PATH");
  }
}

std::vector<std::string> ExternalCommandModel::command_line(const Vector& theta, std::uint64_t seed,
                                                            const std::string& output_path) const {
  std::vector<std::string> argv;
  argv.reserve(args_.size());
  for (const auto& pieces : args_) {
    std::string s;
    for (const auto& p : pieces) {
      switch (p.kind) {
        case Piece::Kind::text:
          s += p.text;
          break;
        case Piece::Kind::parameter:
          s += shortest(theta[static_cast<Eigen::Index>(p.parameter)]);
          break;
        case Piece::Kind::seed:
          s += std::to_string(seed);
          break;
        case Piece::Kind::output:
          s += output_path;
          break;
      }
    }
    argv.push_back(std::move(s));
  }
  return argv;
}

void ExternalCommandModel::simulate(const Vector& theta, Rng& rng, Vector& stats) const {
  const std::uint64_t seed = rng();
  std::optional<TempFile> file;
  if (uses_output_) file.emplace();
  std::vector<std::string> argv = command_line(theta, seed, file ? file->path() : std::string());
  const std::string shown = "command `" + quote_command(argv) + "`";
  argv[0] = executable_;
  const ProcessOutcome r = run_process(argv, spec_.timeout_seconds, spec_.kill_grace_seconds);
  if (r.timed_out) {
    const std::string limit = "timed out after " + number_text(spec_.timeout_seconds) + " s";
    throw ModelError(shown + " " + limit + " (sent SIGTERM, then SIGKILL " +
                         number_text(spec_.kill_grace_seconds) + " s later)" +
                         stderr_lines_text(r.err_tail),
                     limit);
  }
  if (r.signal != 0) {
    const std::string killed =
        "killed by signal " + std::to_string(r.signal) + " (" + strsignal(r.signal) + ")";
    throw ModelError(shown + " was " + killed + stderr_lines_text(r.err_tail), killed);
  }
  if (r.exit_status != 0) {
    const std::string last = reason_line(r.err_tail, file ? file->path() : std::string());
    throw ModelError(shown + " exited with status " + std::to_string(r.exit_status) +
                         stderr_lines_text(r.err_tail),
                     "exit status " + std::to_string(r.exit_status) +
                         (last.empty() ? std::string() : " \"" + last + "\""));
  }
  if (r.output_too_large) {
    const std::string text =
        "printed more than " + std::to_string(kProcessStdoutCap >> 20) + " MiB on stdout";
    throw ModelError(shown + " " + text + "; print only the statistics", text);
  }
  std::string text;
  if (file) {
    std::ifstream in(file->path(), std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  const std::string& source = file ? text : r.out;
  try {
    parse_statistics_text(source, spec_.statistics, stats);
  } catch (const ModelError& e) {
    throw ModelError(shown + " " + e.what() + (file ? " in its {output} file" : " on stdout") +
                         "; it printed " + excerpt(source) + stderr_lines_text(r.err_tail),
                     e.reason() + (file ? " in its {output} file" : ""));
  }
}

}  // namespace abcsmc
