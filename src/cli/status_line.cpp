#include "status_line.hpp"

#include <cstdio>

namespace abcsmc::cli {

namespace {
std::shared_ptr<StatusLine> g_line;
}  // namespace

StatusLine::StatusLine(std::shared_ptr<spdlog::sinks::sink> terminal)
    : terminal_(std::move(terminal)) {}

StatusLine* StatusLine::get() { return g_line.get(); }

void StatusLine::install(std::shared_ptr<StatusLine> line) { g_line = std::move(line); }

void StatusLine::show(const std::string& text) {
  const std::lock_guard<std::mutex> lock(mutex_);
  std::fprintf(stderr, "\r\033[K%s", text.c_str());
  std::fflush(stderr);
  shown_ = true;
}

void StatusLine::clear() {
  const std::lock_guard<std::mutex> lock(mutex_);
  erase_locked();
}

void StatusLine::erase_locked() {
  if (!shown_) return;
  std::fputs("\r\033[K", stderr);
  std::fflush(stderr);
  shown_ = false;
}

void StatusLine::sink_it_(const spdlog::details::log_msg& msg) {
  erase_locked();  // base_sink holds mutex_ here
  terminal_->log(msg);
}

void StatusLine::flush_() { terminal_->flush(); }

void StatusLine::set_pattern_(const std::string& pattern) { terminal_->set_pattern(pattern); }

void StatusLine::set_formatter_(std::unique_ptr<spdlog::formatter> formatter) {
  terminal_->set_formatter(std::move(formatter));
}

}  // namespace abcsmc::cli
