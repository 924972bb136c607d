#pragma once
// The heartbeat on a terminal: one status line at the bottom of stderr, rewritten in place
// ("\r" + clear to end of line) and cleared before any log line, so log lines and the status
// never mix. Only when stderr is a terminal; in a file (a Slurm log) the heartbeat is plain
// log lines with no control characters.
#include <spdlog/sinks/base_sink.h>

#include <memory>
#include <mutex>
#include <string>

namespace abcsmc::cli {

class StatusLine final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  /// Wraps the sink that writes log lines to the terminal.
  explicit StatusLine(std::shared_ptr<spdlog::sinks::sink> terminal);

  /// The process's status line, or nullptr when stderr is not a terminal (set by setup_logging).
  static StatusLine* get();
  static void install(std::shared_ptr<StatusLine> line);

  /// Shows `text` as the status line (replacing the previous one).
  void show(const std::string& text);
  /// Removes the status line (before other output).
  void clear();

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override;
  void flush_() override;
  // The terminal sink formats (and colours) the lines: the logger's pattern goes to it.
  void set_pattern_(const std::string& pattern) override;
  void set_formatter_(std::unique_ptr<spdlog::formatter> formatter) override;

 private:
  void erase_locked();
  std::shared_ptr<spdlog::sinks::sink> terminal_;
  bool shown_ = false;
};

}  // namespace abcsmc::cli
