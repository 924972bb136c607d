#include "abcsmc/io/duration.hpp"

#include <charconv>
#include <cmath>
#include <string_view>

#include "abcsmc/core/error.hpp"
#include "text.hpp"

namespace abcsmc::io {

namespace {

[[noreturn]] void bad_duration(const std::string& text, const std::string& why) {
  throw ConfigError("'" + text + "' is not a valid duration" + why +
                    "; write seconds as a number (e.g. 90) or a number with a unit s, m, h or d "
                    "(e.g. '90s', '30m', '2h', '1d')");
}

}  // namespace

double parse_duration_seconds(const std::string& text) {
  std::string_view s = trim(text);
  if (s.empty()) bad_duration(text, "");
  double unit_seconds = 1.0;
  switch (s.back()) {
    case 's':
      unit_seconds = 1.0;
      s.remove_suffix(1);
      break;
    case 'm':
      unit_seconds = 60.0;
      s.remove_suffix(1);
      break;
    case 'h':
      unit_seconds = 3600.0;
      s.remove_suffix(1);
      break;
    case 'd':
      unit_seconds = 86400.0;
      s.remove_suffix(1);
      break;
    default:
      break;
  }
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) bad_duration(text, "");
  double value = 0.0;
  const auto [end, ec] =
      std::from_chars(s.data(), s.data() + s.size(), value, std::chars_format::general);
  if (ec != std::errc() || end != s.data() + s.size()) bad_duration(text, "");
  if (!std::isfinite(value)) bad_duration(text, " (not finite)");
  if (value < 0.0) bad_duration(text, " (it is negative)");
  return value * unit_seconds;
}

}  // namespace abcsmc::io
