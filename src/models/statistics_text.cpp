// Statistics from a simulator's text: whitespace-separated numbers in order, or `name value...`
// lines in any order (parse_statistics_text).
#include "abcsmc/models/statistics_text.hpp"

#include <cctype>
#include <charconv>
#include <cstddef>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "abcsmc/core/error.hpp"
#include "abcsmc/core/suggest.hpp"
#include "abcsmc/core/value_range.hpp"

namespace abcsmc {

namespace {

std::optional<double> parse_number(std::string_view s) {
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  double v = 0.0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}

std::vector<std::string_view> split_blanks(std::string_view line) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    const std::size_t start = i;
    while (i < line.size() && !std::isspace(static_cast<unsigned char>(line[i]))) ++i;
    if (i > start) out.push_back(line.substr(start, i - start));
  }
  return out;
}

}  // namespace

void parse_statistics_text(const std::string& text, const std::vector<StatSpec>& statistics,
                           Vector& out) {
  const std::size_t total = total_stat_size(statistics);
  const StatNames flat = flatten_stat_names(statistics);
  std::vector<std::vector<std::string_view>> lines;
  {
    std::string_view rest(text);
    while (!rest.empty()) {
      const std::size_t nl = rest.find('\n');
      const std::string_view line = rest.substr(0, nl);
      auto tokens = split_blanks(line);
      if (!tokens.empty()) lines.push_back(std::move(tokens));
      if (nl == std::string_view::npos) break;
      rest.remove_prefix(nl + 1);
    }
  }
  if (lines.empty()) {
    throw ModelError(
        "printed no statistics (expected " + std::to_string(total) + ": " + quoted_list(flat) + ")",
        "printed no statistics");
  }
  if (static_cast<std::size_t>(out.size()) != total) out.resize(static_cast<Eigen::Index>(total));

  if (parse_number(lines.front().front())) {
    // Positional: every token is a number, in declaration order.
    std::size_t k = 0;
    for (const auto& line : lines) {
      for (const auto& tok : line) {
        const auto v = parse_number(tok);
        if (!v) {
          throw ModelError("printed '" + std::string(tok) + "' among its numbers; print only " +
                               "numbers, or 'name value' lines",
                           "printed a non-number among its numbers");
        }
        if (k < total) out[static_cast<Eigen::Index>(k)] = *v;
        ++k;
      }
    }
    if (k != total) {
      const std::string counts = "printed " + std::to_string(k) + " number" + (k == 1 ? "" : "s");
      throw ModelError(counts + ", but " + std::to_string(total) + " statistic" +
                           (total == 1 ? " is" : "s are") + " declared (" + quoted_list(flat) + ")",
                       counts + ", " + std::to_string(total) + " statistic" +
                           (total == 1 ? "" : "s") + " expected");
    }
    return;
  }

  // Named lines.
  std::map<std::string, std::pair<std::size_t, std::size_t>> by_name;  // name -> offset, size
  {
    std::size_t offset = 0;
    for (const auto& s : statistics) {
      by_name[s.name] = {offset, s.size};
      if (s.size > 1) {
        for (std::size_t i = 0; i < s.size; ++i) {
          by_name[s.name + "[" + std::to_string(i) + "]"] = {offset + i, 1};
        }
      }
      offset += s.size;
    }
  }
  std::vector<bool> filled(total, false);
  std::vector<std::string> names_known;
  for (const auto& [name, pos] : by_name) names_known.push_back(name);
  for (const auto& line : lines) {
    const std::string name(line.front());
    const auto it = by_name.find(name);
    if (it == by_name.end()) {
      const std::string shown = name.size() > 40 ? name.substr(0, 37) + "..." : name;
      throw ModelError("printed the unknown statistic '" + name + "'." +
                           did_you_mean(name, names_known) + " Declared: " + quoted_list(flat),
                       "printed the unknown statistic '" + shown + "'");
    }
    const auto [offset, size] = it->second;
    if (line.size() - 1 != size) {
      const std::string what = "printed " + std::to_string(line.size() - 1) + " value(s) for '" +
                               name + "', which has size " + std::to_string(size);
      throw ModelError(what, what);
    }
    for (std::size_t i = 0; i < size; ++i) {
      const auto v = parse_number(line[i + 1]);
      if (!v) {
        throw ModelError("printed '" + std::string(line[i + 1]) + "' as a value of '" + name +
                             "', which is not a number",
                         "printed a non-number as a value of '" + name + "'");
      }
      if (filled[offset + i]) {
        const std::string what = "printed the statistic '" + flat[offset + i] + "' twice";
        throw ModelError(what, what);
      }
      filled[offset + i] = true;
      out[static_cast<Eigen::Index>(offset + i)] = *v;
    }
  }
  std::vector<std::string> missing;
  for (std::size_t i = 0; i < total; ++i) {
    if (!filled[i]) missing.push_back(flat[i]);
  }
  if (!missing.empty()) {
    const std::string what = "did not print the statistic" +
                             std::string(missing.size() == 1 ? " " : "s ") + quoted_list(missing);
    throw ModelError(what, missing.size() <= 3
                               ? what
                               : "did not print " + std::to_string(missing.size()) +
                                     " statistics ('" + missing.front() + "', ...)");
  }
}

}  // namespace abcsmc
