// The YAML walker of the run config reader (yaml_walk.hpp): typed reads of scalars, maps with
// their key paths and lines, and the problems of one config collected for one ConfigErrors.
#include "yaml_walk.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <exception>
#include <map>
#include <set>
#include <utility>

#include "abcsmc/core/suggest.hpp"
#include "abcsmc/io/duration.hpp"
#include "text.hpp"
#include "utf8.hpp"

namespace abcsmc::io::detail {

// ---------------------------------------------------------------------------------------------
// Scalars
// ---------------------------------------------------------------------------------------------

std::optional<double> parse_double(std::string_view text, bool allow_inf) {
  std::string_view s = trim(text);
  bool negative = false;
  std::string_view body = s;
  if (!body.empty() && (body.front() == '+' || body.front() == '-')) {
    negative = body.front() == '-';
    body.remove_prefix(1);
  }
  static const std::set<std::string_view> inf_words{".inf", ".Inf", ".INF",     "inf",
                                                    "Inf",  "INF",  "infinity", "Infinity"};
  if (inf_words.count(body) > 0) {
    if (!allow_inf) return std::nullopt;
    return negative ? -kInf : kInf;
  }
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return std::nullopt;
  double value = 0.0;
  const auto [end, ec] =
      std::from_chars(s.data(), s.data() + s.size(), value, std::chars_format::general);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

std::optional<std::uint64_t> parse_count(std::string_view text) {
  std::string_view s = trim(text);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (!s.empty() && ec == std::errc() && end == s.data() + s.size()) return value;
  const auto d = parse_double(text, false);
  if (!d || *d < 0.0 || *d != std::floor(*d) || *d >= 18446744073709551616.0) return std::nullopt;
  return static_cast<std::uint64_t>(*d);
}

std::optional<bool> parse_bool(std::string_view text) {
  std::string s(trim(text));
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (s == "true" || s == "yes" || s == "on") return true;
  if (s == "false" || s == "no" || s == "off") return false;
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Locations and messages
// ---------------------------------------------------------------------------------------------

void Ctx::throw_all() {
  std::stable_sort(messages.begin(), messages.end(),
                   [](const Message& a, const Message& b) { return a.line < b.line; });
  std::vector<std::string> lines;
  for (const auto& m : messages) {
    lines.push_back(source + ":" + std::to_string(std::max(m.line, 1)) + ": " + m.text);
  }
  throw ConfigErrors(std::move(lines));
}

int line_of(const YAML::Node& node, int fallback) {
  const YAML::Mark mark = node.Mark();
  return mark.is_null() || mark.line < 0 ? fallback : mark.line + 1;
}

std::string child_path(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

std::string where(const std::string& path) {
  return path.empty() ? "at top level" : "in '" + path + "'";
}

std::string found(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      return "'" + node.Scalar() + "'";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a map";
    default:
      return "empty";
  }
}

std::string name_of(const std::string& path) { return path.empty() ? "the config" : path; }

void wrong_value(Ctx& ctx, const Field& f, const std::string& expected, const std::string& hint) {
  ctx.error(f.line,
            name_of(f.path) + " is " + found(f.node) + ", but must be " + expected + "." + hint);
}

std::vector<Field> map_fields(Ctx& ctx, const Field& parent) {
  std::vector<Field> out;
  std::map<std::string, int> seen;
  for (auto it = parent.node.begin(); it != parent.node.end(); ++it) {
    // A copy, not a reference: yaml-cpp's operator-> returns a temporary proxy that owns the
    // pair, so `const YAML::Node& k = it->first` would dangle at the end of the statement.
    const YAML::Node key_node = it->first;
    const int line = line_of(key_node, parent.line);
    if (!key_node.IsScalar()) {
      ctx.error(line, "a key " + where(parent.path) + " is " + found(key_node) +
                          ", but keys must be plain names.");
      continue;
    }
    const std::string key = key_node.Scalar();
    const auto previous = seen.find(key);
    if (previous != seen.end()) {
      ctx.error(line, "duplicate key '" + key + "' " + where(parent.path) + " (first at line " +
                          std::to_string(previous->second) + "); keep only one.");
      continue;
    }
    seen.emplace(key, line);
    out.push_back(Field{key, child_path(parent.path, key), it->second, line});
  }
  return out;
}

bool require_map(Ctx& ctx, const Field& f, const std::string& example) {
  if (f.node.IsMap()) return true;
  wrong_value(ctx, f, "a map, e.g. " + example);
  return false;
}

Section::Section(Ctx& ctx, const Field& self, const std::vector<std::string>& allowed,
                 const std::vector<std::string>& skipped)
    : self_(self) {
  for (auto& f : map_fields(ctx, self)) {
    if (std::find(skipped.begin(), skipped.end(), f.key) != skipped.end()) continue;
    if (std::find(allowed.begin(), allowed.end(), f.key) == allowed.end()) {
      std::string hint = did_you_mean(f.key, allowed);
      if (hint.empty()) hint = " Valid keys: " + quoted_list(allowed) + ".";
      ctx.error(f.line, "unknown key '" + f.key + "' " + where(self.path) + "." + hint);
      continue;
    }
    fields_.push_back(std::move(f));
  }
}

// ---------------------------------------------------------------------------------------------
// Text encoding
// ---------------------------------------------------------------------------------------------

namespace {

const char* kUtf8Hint =
    " Names and text from the config are stored in the results file as UTF-8 strings; save "
    "the file as UTF-8.";

}  // namespace

void check_encoding(Ctx& ctx, const YAML::Node& node, const std::string& path, int line) {
  if (node.IsScalar()) {
    const std::string problem = detail::utf8_problem(node.Scalar());
    if (!problem.empty()) {
      ctx.error(line, "the value of '" + name_of(path) + "' ('" + detail::printable(node.Scalar()) +
                          "') is not valid text: " + problem + "." + kUtf8Hint);
    }
  } else if (node.IsSequence()) {
    std::size_t i = 0;
    for (const auto& item : node) {
      check_encoding(ctx, item, path + "[" + std::to_string(i++) + "]", line_of(item, line));
    }
  } else if (node.IsMap()) {
    for (const auto& entry : node) {
      const int key_line = line_of(entry.first, line);
      std::string key = entry.first.IsScalar() ? entry.first.Scalar() : std::string();
      if (entry.first.IsScalar()) {
        const std::string problem = detail::utf8_problem(key);
        if (!problem.empty()) {
          ctx.error(key_line, "the key '" + detail::printable(key) + "' " + where(path) +
                                  " is not valid text: " + problem + "." + kUtf8Hint);
          key = detail::printable(key);
        }
      } else {
        check_encoding(ctx, entry.first, path, key_line);  // reported as a bad key later
      }
      check_encoding(ctx, entry.second, child_path(path, key), key_line);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Typed values
// ---------------------------------------------------------------------------------------------

std::optional<double> get_number(Ctx& ctx, const Field& f, const NumberRule& rule) {
  std::optional<double> v;
  if (f.node.IsScalar()) v = parse_double(f.node.Scalar(), rule.allow_inf);
  if (!v || !rule.contains(*v)) {
    wrong_value(ctx, f, rule.describe());
    return std::nullopt;
  }
  return v;
}

std::optional<std::uint64_t> get_count(Ctx& ctx, const Field& f, std::uint64_t min,
                                       std::uint64_t max) {
  std::optional<std::uint64_t> v;
  if (f.node.IsScalar()) v = parse_count(f.node.Scalar());
  if (!v || *v < min || *v > max) {
    std::string expected =
        "a whole number " + (min == 0 ? std::string(">= 0") : ">= " + std::to_string(min));
    if (max != std::numeric_limits<std::uint64_t>::max()) {
      expected = "a whole number in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
    }
    wrong_value(ctx, f, expected);
    return std::nullopt;
  }
  return v;
}

std::optional<bool> get_bool(Ctx& ctx, const Field& f) {
  std::optional<bool> v;
  if (f.node.IsScalar()) v = parse_bool(f.node.Scalar());
  if (!v) wrong_value(ctx, f, "true or false");
  return v;
}

std::optional<std::string> get_string(Ctx& ctx, const Field& f, const std::string& expected) {
  if (f.node.IsScalar() && !f.node.Scalar().empty()) return f.node.Scalar();
  wrong_value(ctx, f, expected);
  return std::nullopt;
}

std::optional<std::string> get_choice(Ctx& ctx, const Field& f,
                                      const std::vector<std::string>& choices) {
  if (f.node.IsScalar()) {
    const std::string& s = f.node.Scalar();
    if (std::find(choices.begin(), choices.end(), s) != choices.end()) return s;
    wrong_value(ctx, f, quoted_list(choices), did_you_mean(s, choices));
  } else {
    wrong_value(ctx, f, quoted_list(choices));
  }
  return std::nullopt;
}

std::optional<double> get_duration(Ctx& ctx, const Field& f) {
  if (f.node.IsScalar()) {
    try {
      return parse_duration_seconds(f.node.Scalar());
    } catch (const std::exception& e) {
      ctx.error(f.line, f.path + ": " + e.what());
      return std::nullopt;
    }
  }
  wrong_value(ctx, f, "a duration, e.g. 10 (seconds), 30s, 5m or 2h");
  return std::nullopt;
}

}  // namespace abcsmc::io::detail
