// YAML run config -> validated RunConfig. Every problem is collected with its file:line and
// thrown at the end as one ConfigErrors (config/REFERENCE.md documents the format).
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "abcsmc/core/distribution.hpp"
#include "abcsmc/core/error.hpp"
#include "abcsmc/core/model.hpp"
#include "abcsmc/core/suggest.hpp"
#include "abcsmc/core/value_range.hpp"
#include "abcsmc/io/build.hpp"
#include "abcsmc/io/duration.hpp"
#include "abcsmc/io/memory_estimate.hpp"
#include "abcsmc/io/run_config.hpp"
#include "abcsmc/models/builtin.hpp"
#include "text.hpp"
#include "utf8.hpp"

namespace abcsmc::io {

namespace {

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) out += '\n';
    out += lines[i];
  }
  return out;
}

}  // namespace

ConfigErrors::ConfigErrors(std::vector<std::string> messages)
    : ConfigError(join_lines(messages)), messages_(std::move(messages)) {}

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// ---------------------------------------------------------------------------------------------
// Scalars
// ---------------------------------------------------------------------------------------------

/// A finite decimal number, or +-infinity when `allow_inf` (".inf", "inf", "infinity", ...).
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

/// A whole number >= 0: digits, or a number such as 1e6 that is integral.
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

using NumberRule = ValueRange;

NumberRule any_number() { return ValueRange::any(); }
NumberRule positive() { return ValueRange::positive(); }
NumberRule non_negative() { return ValueRange::non_negative(); }
NumberRule closed_unit() { return ValueRange::closed_unit(); }
NumberRule open_unit() { return ValueRange::open_unit(); }

// ---------------------------------------------------------------------------------------------
// Locations and messages
// ---------------------------------------------------------------------------------------------

struct Message {
  int line;
  std::string text;
};

/// Collects the problems of one config.
struct Ctx {
  std::string source;
  std::filesystem::path base_dir;   ///< relative observed files are resolved against this
  const ModelGate* gate = nullptr;  ///< consent for each model before it is built (may be unset)
  std::vector<Message> messages;

  void error(int line, const std::string& text) { messages.push_back({line, text}); }
  std::size_t count() const { return messages.size(); }

  [[noreturn]] void throw_all() {
    std::stable_sort(messages.begin(), messages.end(),
                     [](const Message& a, const Message& b) { return a.line < b.line; });
    std::vector<std::string> lines;
    for (const auto& m : messages) {
      lines.push_back(source + ":" + std::to_string(std::max(m.line, 1)) + ": " + m.text);
    }
    throw ConfigErrors(std::move(lines));
  }
};

int line_of(const YAML::Node& node, int fallback) {
  const YAML::Mark mark = node.Mark();
  return mark.is_null() || mark.line < 0 ? fallback : mark.line + 1;
}

/// One value in the document and where it is: `path` is the key path ("epsilon.alpha"), `line`
/// the line of its key (values on later lines, e.g. block maps, are reported at their key).
struct Field {
  std::string key;
  std::string path;
  YAML::Node node;
  int line = 0;
};

std::string child_path(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

std::string where(const std::string& path) {
  return path.empty() ? "at top level" : "in '" + path + "'";
}

/// What a node holds, for "got ..." messages.
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

void wrong_value(Ctx& ctx, const Field& f, const std::string& expected,
                 const std::string& hint = "") {
  ctx.error(f.line,
            name_of(f.path) + " is " + found(f.node) + ", but must be " + expected + "." + hint);
}

/// Keys of a map in document order; reports non-scalar and duplicate keys.
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

/// A map with a fixed set of keys; unknown keys are reported with "did you mean".
class Section {
 public:
  /// @param skipped keys reported elsewhere: neither kept nor reported as unknown
  Section(Ctx& ctx, const Field& self, const std::vector<std::string>& allowed,
          const std::vector<std::string>& skipped = {})
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

  std::optional<Field> get(const std::string& key) const {
    for (const auto& f : fields_) {
      if (f.key == key) return f;
    }
    return std::nullopt;
  }
  bool has(const std::string& key) const { return get(key).has_value(); }
  const Field& self() const { return self_; }
  const std::vector<Field>& fields() const { return fields_; }

 private:
  Field self_;
  std::vector<Field> fields_;
};

// ---------------------------------------------------------------------------------------------
// Text encoding
// ---------------------------------------------------------------------------------------------

const char* kUtf8Hint =
    " Names and text from the config are stored in the results file as UTF-8 strings; save "
    "the file as UTF-8.";

/// Reports every key and scalar value of the document that is not valid UTF-8 or holds a NUL
/// byte: names (parameters, statistics, models) end up as HDF5 UTF-8 strings, and so does the
/// resolved config text, which readers such as h5py's .asstr() must be able to decode.
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

std::optional<std::uint64_t> get_count(
    Ctx& ctx, const Field& f, std::uint64_t min,
    std::uint64_t max = std::numeric_limits<std::uint64_t>::max()) {
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

// ---------------------------------------------------------------------------------------------
// Priors and models
// ---------------------------------------------------------------------------------------------

std::vector<std::string> distribution_names() {
  std::vector<std::string> names;
  for (const auto& d : distribution_types()) names.push_back(d.type);
  return names;
}

std::string prior_example() { return "{type: normal, mean: 0, sd: 1}"; }

std::optional<ParameterSpec> parse_prior(Ctx& ctx, const Field& f) {
  if (!require_map(ctx, f, prior_example())) return std::nullopt;
  const auto fields = map_fields(ctx, f);
  const Field* type_field = nullptr;
  for (const auto& g : fields) {
    if (g.key == "type") type_field = &g;
  }
  if (type_field == nullptr) {
    ctx.error(f.line, name_of(f.path) + " has no 'type'; add one of " +
                          quoted_list(distribution_names()) + ", e.g. " + f.key + ": " +
                          prior_example() + ".");
    return std::nullopt;
  }
  const auto type = get_choice(ctx, *type_field, distribution_names());
  if (!type) return std::nullopt;
  const DistributionInfo* info = nullptr;
  for (const auto& d : distribution_types()) {
    if (d.type == *type) info = &d;
  }
  const std::string needs = "a " + *type + " prior takes " + quoted_list(info->parameters);
  ParameterSpec spec;
  spec.name = f.key;
  spec.type = *type;
  spec.line = f.line;
  bool ok = true;
  for (const auto& g : fields) {
    if (g.key == "type") continue;
    if (std::find(info->parameters.begin(), info->parameters.end(), g.key) ==
        info->parameters.end()) {
      ctx.error(g.line, "unknown key '" + g.key + "' " + where(f.path) + " (" + needs + ")." +
                            did_you_mean(g.key, info->parameters));
      ok = false;
      continue;
    }
    NumberRule rule = any_number();
    rule.allow_inf = true;
    const auto v = get_number(ctx, g, rule);
    if (!v) {
      ok = false;
      continue;
    }
    spec.params[g.key] = *v;
  }
  for (const auto& p : info->parameters) {
    if (spec.params.count(p) == 0 && ok) {
      const bool given =
          std::any_of(fields.begin(), fields.end(), [&](const Field& g) { return g.key == p; });
      if (!given) {
        ctx.error(f.line, name_of(f.path) + " has no '" + p + "' (" + needs + ").");
        ok = false;
      }
    }
  }
  if (!ok) return std::nullopt;
  try {
    (void)make_distribution(spec.type, spec.params);
  } catch (const std::exception& e) {
    ctx.error(f.line, name_of(f.path) + ": " + e.what());
    return std::nullopt;
  }
  return spec;
}

/// `parameters:` (name -> prior). Returns the specs that are valid; `names` gets every name.
std::vector<ParameterSpec> parse_parameters(Ctx& ctx, const Field& f,
                                            std::vector<std::string>& names) {
  std::vector<ParameterSpec> out;
  if (f.node.IsNull()) return out;  // no parameters; the model says whether that is fine
  if (!require_map(ctx, f, "{theta: " + prior_example() + "}")) return out;
  for (const auto& g : map_fields(ctx, f)) {
    names.push_back(g.key);
    if (auto spec = parse_prior(ctx, g)) out.push_back(std::move(*spec));
  }
  return out;
}

std::vector<std::string> builtin_names() {
  std::vector<std::string> names;
  for (const auto& m : builtin_models()) names.push_back(m.name);
  return names;
}

const std::vector<std::string> kDelayTypes{"none", "constant", "exponential", "uniform"};

/// `delay:`; returns false when it has problems.
bool parse_delay(Ctx& ctx, const Field& f, DelaySpec& delay) {
  if (!require_map(ctx, f, "{type: exponential, mean: 0.005}")) return false;
  const std::size_t before = ctx.count();
  Section s(ctx, f, {"type", "value", "mean", "low", "high"});
  if (const auto t = s.get("type")) {
    if (const auto v = get_choice(ctx, *t, kDelayTypes)) delay.type = *v;
  } else {
    ctx.error(f.line,
              name_of(f.path) + " has no 'type'; add one of " + quoted_list(kDelayTypes) + ".");
  }
  if (ctx.count() != before) return false;
  const std::map<std::string, std::vector<std::string>> keys{{"none", {}},
                                                             {"constant", {"value"}},
                                                             {"exponential", {"mean"}},
                                                             {"uniform", {"low", "high"}}};
  const auto& needed = keys.at(delay.type);
  for (const auto& g : s.fields()) {
    if (g.key == "type") continue;
    if (std::find(needed.begin(), needed.end(), g.key) == needed.end()) {
      ctx.error(g.line, g.path + " does not apply to delay type '" + delay.type + "'" +
                            (needed.empty() ? std::string(", which takes no values")
                                            : " (it takes " + quoted_list(needed) + ")") +
                            "; remove it or change the type.");
      continue;
    }
    NumberRule rule = non_negative();
    const auto v = get_number(ctx, g, rule);
    if (!v) continue;
    if (g.key == "value") delay.value = *v;
    if (g.key == "mean") delay.mean = *v;
    if (g.key == "low") delay.low = *v;
    if (g.key == "high") delay.high = *v;
  }
  for (const auto& k : needed) {
    if (!s.has(k)) {
      ctx.error(f.line,
                name_of(f.path) + " of type '" + delay.type + "' has no '" + k + "' (seconds).");
    }
  }
  if (ctx.count() == before && delay.type == "uniform" && delay.low > delay.high) {
    ctx.error(f.line, name_of(f.path) + ": low (" + number_text(delay.low) + ") must be <= high (" +
                          number_text(delay.high) + ").");
  }
  return ctx.count() == before;
}

const std::vector<std::string> kModelKinds{"builtin", "plugin", "command"};
const std::vector<std::string> kFailurePolicies{"reject", "abort"};

/// A path from the config: relative ones are relative to the config file's directory.
std::string config_relative_path(const Ctx& ctx, const std::string& path) {
  std::filesystem::path p(path);
  if (p.is_absolute()) return p.lexically_normal().string();
  std::error_code ec;
  auto full = std::filesystem::absolute(ctx.base_dir / p, ec);
  if (ec) return path;
  return full.lexically_normal().string();
}

/// A duration key (seconds, or "90s", "2m", ...); reports problems and returns nullopt.
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

/// `statistics:` of a command model: [y, z] (each of size 1) or {y: 1, x: 3}.
void parse_command_statistics(Ctx& ctx, const Field& f, std::vector<StatSpec>& out) {
  const std::string expected =
      "a list of names, e.g. [y, z], or a map name -> size, e.g. {y: 1, x: 3}";
  std::vector<std::string> seen;
  const auto add = [&](const std::string& name, std::size_t size, int line) {
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
      ctx.error(line, f.path + ": '" + name + "' is listed twice.");
      return;
    }
    seen.push_back(name);
    out.push_back(StatSpec{name, size});
  };
  if (f.node.IsSequence() && f.node.size() > 0) {
    for (const auto& item : f.node) {
      if (!item.IsScalar() || item.Scalar().empty()) {
        ctx.error(line_of(item, f.line),
                  f.path + " has " + found(item) + ", but must be " + expected + ".");
        continue;
      }
      add(item.Scalar(), 1, line_of(item, f.line));
    }
  } else if (f.node.IsMap() && f.node.size() > 0) {
    for (const auto& g : map_fields(ctx, f)) {
      if (const auto n = get_count(ctx, g, 1, 1000000000)) add(g.key, *n, g.line);
    }
  } else {
    wrong_value(ctx, f, expected);
  }
}

/// `command:` as a list of arguments, or one string split at blanks.
std::vector<std::string> parse_command(Ctx& ctx, const Field& f) {
  std::vector<std::string> argv;
  const std::string expected =
      "a list: the program and its arguments, e.g. [./sim.sh, '{theta}', '{seed}']";
  if (f.node.IsScalar()) {
    std::istringstream in(f.node.Scalar());
    std::string word;
    while (in >> word) argv.push_back(word);
  } else if (f.node.IsSequence()) {
    for (const auto& item : f.node) {
      if (!item.IsScalar()) {
        ctx.error(line_of(item, f.line),
                  f.path + " has " + found(item) + ", but must be " + expected + ".");
        return {};
      }
      argv.push_back(item.Scalar());
    }
  }
  if (argv.empty() || argv.front().empty()) {
    wrong_value(ctx, f, expected);
    return {};
  }
  if (argv.front().find('/') != std::string::npos) {
    argv.front() = config_relative_path(ctx, argv.front());
  }
  return argv;
}

/// `model:` of one ModelSpec. Builds the model to validate it; returns its statistics.
std::optional<std::vector<StatSpec>> parse_model(Ctx& ctx, const Field& f, ModelSpec& spec,
                                                 const std::vector<std::string>& parameter_names) {
  const std::string example = "{builtin: gaussian_mean, options: {n: 10, sigma: 1}}";
  if (!require_map(ctx, f, example)) return std::nullopt;
  const std::size_t before = ctx.count();
  const Section s(ctx, f,
                  {"builtin", "plugin", "command", "options", "statistics", "timeout", "kill_grace",
                   "on_failure", "delay"});
  const auto get = [&](const std::string& key) { return s.get(key); };

  std::vector<Field> kinds;
  for (const auto& k : kModelKinds) {
    if (const auto g = get(k)) kinds.push_back(*g);
  }
  if (kinds.empty()) {
    ctx.error(f.line, name_of(f.path) +
                          " has no 'builtin', 'plugin' or 'command'; add e.g. builtin: one of " +
                          quoted_list(builtin_names()) + " (see `abcsmc models`).");
  }
  for (std::size_t i = 1; i < kinds.size(); ++i) {
    ctx.error(kinds[i].line, "'" + kinds[i].key + "' cannot be combined with '" + kinds[0].key +
                                 "' (line " + std::to_string(kinds[0].line) +
                                 "): a model is one builtin, one plugin or one command.");
  }
  const std::string kind = kinds.size() == 1 ? kinds[0].key : "";

  const BuiltinModelInfo* info = nullptr;
  if (kind == "builtin") {
    if (const auto name = get_choice(ctx, kinds[0], builtin_names())) {
      spec.builtin = *name;
      for (const auto& m : builtin_models()) {
        if (m.name == *name) info = &m;
      }
    }
  } else if (kind == "plugin") {
    if (const auto path =
            get_string(ctx, kinds[0], "the path of a plugin library, e.g. libsim.so")) {
      spec.plugin = config_relative_path(ctx, *path);
    }
  } else if (kind == "command") {
    spec.command = parse_command(ctx, kinds[0]);
  }

  if (const auto o = get("options"); o && !o->node.IsNull()) {
    if (kind == "command") {
      ctx.error(o->line, o->path +
                             " does not apply to a command model; put values in the "
                             "command's arguments instead.");
    } else if (require_map(ctx, *o, "{n: 10, sigma: 1}")) {
      std::vector<std::string> option_names;
      if (info != nullptr) {
        for (const auto& oi : info->options) option_names.push_back(oi.name);
      }
      for (const auto& g : map_fields(ctx, *o)) {
        if (info != nullptr &&
            std::find(option_names.begin(), option_names.end(), g.key) == option_names.end()) {
          std::string hint = did_you_mean(g.key, option_names);
          hint += option_names.empty()
                      ? " Model " + info->name + " takes no options."
                      : " Options of " + info->name + ": " + quoted_list(option_names) + ".";
          ctx.error(g.line, "unknown key '" + g.key + "' " + where(o->path) + "." + hint);
          continue;
        }
        if (!g.node.IsScalar()) {
          wrong_value(ctx, g, "a number or a word");
          continue;
        }
        OptionValue value;
        value.text = g.node.Scalar();
        value.number = parse_double(value.text, true);
        spec.options[g.key] = value;
      }
    }
  }
  const auto command_only = [&](const Field& g) {
    if (kind == "command" || kind.empty()) return true;
    ctx.error(g.line, g.path + " applies only to command models" +
                          (kind == "plugin" ? std::string(" (a plugin names its statistics itself)")
                                            : std::string(" (a builtin has fixed statistics)")) +
                          "; remove it.");
    return false;
  };
  if (const auto g = get("statistics")) {
    if (command_only(*g)) parse_command_statistics(ctx, *g, spec.statistics);
  } else if (kind == "command") {
    ctx.error(f.line, name_of(f.path) +
                          " runs a command but has no 'statistics'; list the names "
                          "it prints, e.g. statistics: [y].");
  }
  if (const auto g = get("timeout")) {
    if (command_only(*g)) {
      if (const auto v = get_duration(ctx, *g)) spec.timeout_seconds = *v;
    }
  }
  if (const auto g = get("kill_grace")) {
    if (command_only(*g)) {
      if (const auto v = get_duration(ctx, *g)) spec.kill_grace_seconds = *v;
    }
  }
  if (const auto g = get("on_failure")) {
    if (const auto v = get_choice(ctx, *g, kFailurePolicies)) {
      spec.on_failure = *v == "abort" ? FailurePolicy::abort : FailurePolicy::reject;
    }
  }
  bool delay_ok = true;
  if (const auto d = get("delay"); d && !d->node.IsNull())
    delay_ok = parse_delay(ctx, *d, spec.delay);
  if (ctx.count() != before || kind.empty() || (kind == "builtin" && info == nullptr)) {
    return std::nullopt;
  }
  if (!delay_ok) spec.delay = DelaySpec{};

  // Build it: loads plugins (ABI check, options), finds programs, checks placeholders; first
  // the caller's consent (a refusal propagates: nothing of this model runs).
  if (ctx.gate != nullptr && *ctx.gate) (*ctx.gate)(spec, name_of(f.path));
  std::unique_ptr<Model> model;
  try {
    model = build_model(spec, parameter_names);
  } catch (const std::exception& e) {
    ctx.error(kinds[0].line, name_of(f.path) + ": " + e.what());
    return std::nullopt;
  }
  if (!model) return std::nullopt;
  return model->statistics();
}

// ---------------------------------------------------------------------------------------------
// Observed statistics
// ---------------------------------------------------------------------------------------------

struct ObservedEntry {
  ObservedStat stat;
  int line = 0;
  std::string origin;  ///< "observed.y" or "observed.y (from obs.csv)"
};

/// Splits one CSV line at commas; trims blanks and one pair of double quotes per cell.
std::vector<std::string> split_csv(const std::string& line) {
  std::vector<std::string> cells;
  std::string cell;
  bool quoted = false;
  for (char c : line) {
    if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      cells.emplace_back(trim(cell));
      cell.clear();
    } else {
      cell += c;
    }
  }
  cells.emplace_back(trim(cell));
  return cells;
}

/// Reads an observed CSV file: a header row of names and one row of values; x[0], x[1], ...
/// form the array x. Problems go to `errors` (without location).
std::vector<ObservedStat> read_observed_csv(const std::filesystem::path& path,
                                            const std::string& shown,
                                            std::vector<std::string>& errors) {
  std::vector<ObservedStat> out;
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    errors.push_back("cannot read observed file '" + shown + "': it is a directory");
    return out;
  }
  std::ifstream in(path);
  if (!in) {
    errors.push_back("cannot read observed file '" + shown + "': " + std::strerror(errno));
    return out;
  }
  std::vector<std::pair<std::size_t, std::string>> rows;  // (line number, text)
  std::string text;
  for (std::size_t n = 1; std::getline(in, text); ++n) {
    if (!text.empty() && text.back() == '\r') text.pop_back();
    const auto t = trim(text);
    if (t.empty() || t.front() == '#') continue;
    rows.emplace_back(n, text);
  }
  if (rows.size() != 2) {
    errors.push_back("observed file '" + shown +
                     "' must have 2 rows (a header of names, then one row of values), found " +
                     std::to_string(rows.size()));
    return out;
  }
  const auto names = split_csv(rows[0].second);
  const auto values = split_csv(rows[1].second);
  if (names.size() != values.size()) {
    errors.push_back("observed file '" + shown + "': the header (line " +
                     std::to_string(rows[0].first) + ") has " + std::to_string(names.size()) +
                     " names, but the values row (line " + std::to_string(rows[1].first) +
                     ") has " + std::to_string(values.size()) + " values");
    return out;
  }
  const std::size_t before = errors.size();
  std::set<std::string> seen;
  for (std::size_t c = 0; c < names.size(); ++c) {
    const std::string& name = names[c];
    const std::string column = "column " + std::to_string(c + 1) + " ('" + name + "')";
    if (name.empty()) {
      errors.push_back("observed file '" + shown + "': column " + std::to_string(c + 1) +
                       " has no name in the header");
      continue;
    }
    if (const std::string problem = detail::utf8_problem(name); !problem.empty()) {
      errors.push_back("observed file '" + shown + "': the name of column " +
                       std::to_string(c + 1) + " ('" + detail::printable(name) +
                       "') is not valid text: " + problem +
                       "; statistic names are stored in "
                       "the results file as UTF-8 strings: save the file as UTF-8");
      continue;
    }
    const auto value = parse_double(values[c], false);
    if (!value) {
      errors.push_back("observed file '" + shown + "', " + column + ": '" + values[c] +
                       "' is not a finite number");
      continue;
    }
    if (!seen.insert(name).second) {
      errors.push_back("observed file '" + shown + "': name '" + name +
                       "' appears more than once in the header");
      continue;
    }
    // name[index]?
    const auto open = name.find('[');
    if (open != std::string::npos && name.back() == ']' && open > 0) {
      const std::string base = name.substr(0, open);
      const std::string digits = name.substr(open + 1, name.size() - open - 2);
      const auto index = parse_count(digits);
      const bool all_digits =
          !digits.empty() &&
          std::all_of(digits.begin(), digits.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
      if (!index || !all_digits) {
        errors.push_back("observed file '" + shown + "', " + column +
                         ": the index must be a whole number, as in " + base + "[0]");
        continue;
      }
      const bool continues = !out.empty() && out.back().name == base && out.back().is_array &&
                             out.back().values.size() == *index;
      if (continues) {
        out.back().values.push_back(*value);
      } else if (*index == 0 && std::none_of(out.begin(), out.end(), [&](const ObservedStat& s) {
                   return s.name == base;
                 })) {
        out.push_back(ObservedStat{base, {*value}, true});
      } else {
        const std::string expected =
            (!out.empty() && out.back().name == base)
                ? base + "[" + std::to_string(out.back().values.size()) + "]"
                : base + "[0]";
        errors.push_back("observed file '" + shown + "', " + column + ": the elements of '" + base +
                         "' must be adjacent columns " + base + "[0], " + base +
                         "[1], ... in order; expected '" + expected + "' here");
      }
      continue;
    }
    if (std::any_of(out.begin(), out.end(),
                    [&](const ObservedStat& s) { return s.name == name; })) {
      errors.push_back("observed file '" + shown + "', " + column + ": '" + name +
                       "' is already an array in this file");
      continue;
    }
    out.push_back(ObservedStat{name, {*value}, false});
  }
  if (errors.size() != before) out.clear();
  return out;
}

/// `observed:`; returns false when it has problems.
bool parse_observed(Ctx& ctx, const Field& f, std::vector<ObservedEntry>& out) {
  const std::string example = "{y: 0.5, x: [1.0, 2.0]} or {file: obs.csv}";
  if (!require_map(ctx, f, example)) return false;
  const std::size_t before = ctx.count();
  const auto fields = map_fields(ctx, f);
  const Field* file = nullptr;
  for (const auto& g : fields) {
    if (g.key == "file" && g.node.IsScalar() && !parse_double(g.node.Scalar(), true)) file = &g;
  }
  if (file != nullptr) {
    if (fields.size() > 1) {
      std::vector<std::string> others;
      for (const auto& g : fields) {
        if (g.key != "file") others.push_back(g.key);
      }
      ctx.error(file->line, "observed.file cannot be combined with statistics written inline (" +
                                quoted_list(others) +
                                "); put every statistic in the file, or remove 'file'.");
      return false;
    }
    const std::string shown = file->node.Scalar();
    std::filesystem::path path(shown);
    if (path.is_relative()) path = ctx.base_dir / path;
    const std::string ext = path.extension().string();
    if (ext == ".h5" || ext == ".hdf5") {
      ctx.error(file->line, "observed.file is '" + shown +
                                "': HDF5 observed files are not available yet in this version; "
                                "use a CSV file (header row of names, one row of values).");
      return false;
    }
    std::vector<std::string> errors;
    const std::string display = path.lexically_normal().string();
    auto stats = read_observed_csv(path, display, errors);
    for (const auto& e : errors) ctx.error(file->line, "observed.file: " + e + ".");
    if (!errors.empty()) return false;
    if (stats.empty()) {
      ctx.error(file->line, "observed.file: '" + display + "' has no statistics.");
      return false;
    }
    for (auto& s : stats) {
      out.push_back(ObservedEntry{s, file->line, "observed." + s.name + " (from " + shown + ")"});
    }
    return true;
  }
  if (fields.empty() && ctx.count() == before) {
    ctx.error(f.line, "observed is empty; give at least one statistic, e.g. observed: {y: 0.5}.");
    return false;
  }
  for (const auto& g : fields) {
    ObservedStat stat;
    stat.name = g.key;
    if (g.node.IsScalar()) {
      const auto v = parse_double(g.node.Scalar(), false);
      if (!v) {
        wrong_value(ctx, g, "a finite number or a list of finite numbers");
        continue;
      }
      stat.values.push_back(*v);
    } else if (g.node.IsSequence()) {
      stat.is_array = true;
      bool ok = true;
      std::size_t i = 0;
      for (const auto& item : g.node) {
        const std::optional<double> v =
            item.IsScalar() ? parse_double(item.Scalar(), false) : std::nullopt;
        if (!v) {
          ctx.error(line_of(item, g.line), g.path + "[" + std::to_string(i) + "] is " +
                                               found(item) + ", but must be a finite number.");
          ok = false;
        } else {
          stat.values.push_back(*v);
        }
        ++i;
      }
      if (!ok) continue;
      if (stat.values.empty()) {
        ctx.error(g.line, g.path + " is an empty list; give at least one value.");
        continue;
      }
    } else {
      wrong_value(ctx, g, "a finite number or a list of finite numbers");
      continue;
    }
    out.push_back(ObservedEntry{std::move(stat), g.line, g.path});
  }
  return ctx.count() == before;
}

std::vector<StatSpec> as_specs(const std::vector<ObservedStat>& stats) {
  std::vector<StatSpec> specs;
  for (const auto& s : stats) specs.push_back(StatSpec{s.name, s.values.size()});
  return specs;
}

/// Every observed statistic must be produced by `model` with the same size.
void check_observed_against_model(Ctx& ctx, const std::vector<ObservedEntry>& observed,
                                  const std::string& model_label,
                                  const std::vector<StatSpec>& produced) {
  std::vector<std::string> produced_names;
  for (const auto& s : produced) produced_names.push_back(s.name);
  for (const auto& o : observed) {
    const auto it = std::find_if(produced.begin(), produced.end(),
                                 [&](const StatSpec& s) { return s.name == o.stat.name; });
    if (it == produced.end()) {
      ctx.error(o.line, o.origin + ": " + model_label + " produces no statistic '" + o.stat.name +
                            "' (it produces " + quoted_list(produced_names) + ").");
      continue;
    }
    const std::size_t n = o.stat.values.size();
    if (it->size != n) {
      const std::string have = o.stat.is_array
                                   ? "has " + std::to_string(n) + (n == 1 ? " value" : " values")
                                   : "is a single value";
      const std::string want =
          it->size == 1 ? "a single value" : "an array of " + std::to_string(it->size) + " values";
      ctx.error(o.line, o.origin + " " + have + ", but " + model_label + " produces " + want +
                            " for '" + o.stat.name + "'.");
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Sections
// ---------------------------------------------------------------------------------------------

const std::vector<std::string> kTopKeys{
    "seed",     "population_size", "parameters", "model", "models",  "observed",
    "distance", "epsilon",         "transition", "stop",  "sampler", "output"};

void parse_distance(Ctx& ctx, const Field& f, DistanceSpec& spec,
                    const std::vector<ObservedEntry>* observed) {
  if (!require_map(ctx, f, "{type: pnorm, p: 2}")) return;
  Section s(ctx, f, {"type", "p", "weights", "scale"});
  if (const auto g = s.get("type")) {
    if (const auto v = get_choice(ctx, *g, {"pnorm", "adaptive_pnorm"})) {
      spec.type = *v == "pnorm" ? DistanceSpec::Type::pnorm : DistanceSpec::Type::adaptive_pnorm;
    }
  }
  if (const auto g = s.get("p")) {
    const auto v = g->node.IsScalar() ? parse_double(g->node.Scalar(), true) : std::nullopt;
    if (v && (*v == 1.0 || *v == 2.0 || *v == kInf)) {
      spec.p = *v;
    } else {
      wrong_value(ctx, *g, "1, 2 or inf");
    }
  }
  if (const auto g = s.get("scale")) {
    if (const auto v = get_choice(ctx, *g, {"mad", "sd"})) {
      spec.scale = *v == "mad" ? DistanceSpec::Scale::mad : DistanceSpec::Scale::sd;
    }
  }
  if (const auto g = s.get("weights"); g && !g->node.IsNull()) {
    if (!require_map(ctx, *g, "{y: 1.0}")) return;
    StatNames names;
    if (observed != nullptr) {
      std::vector<ObservedStat> stats;
      for (const auto& o : *observed) stats.push_back(o.stat);
      names = flatten_stat_names(as_specs(stats));
    }
    for (const auto& w : map_fields(ctx, *g)) {
      if (observed != nullptr && std::find(names.begin(), names.end(), w.key) == names.end()) {
        ctx.error(w.line, w.path + ": '" + w.key +
                              "' is not an observed statistic; weights are keyed by the "
                              "flattened observed names " +
                              quoted_list(names) + "." + did_you_mean(w.key, names));
        continue;
      }
      if (const auto v = get_number(ctx, w, non_negative())) spec.weights[w.key] = *v;
    }
  }
}

void parse_epsilon(Ctx& ctx, const Field& f, EpsilonSpec& spec) {
  if (!require_map(ctx, f, "{type: quantile, alpha: 0.5}")) return;
  Section s(ctx, f,
            {"type", "alpha", "weighted", "initial", "calibration_size", "values", "value"});
  std::string type = "quantile";
  if (const auto g = s.get("type")) {
    const auto v = get_choice(ctx, *g, {"quantile", "list", "constant"});
    if (!v) return;  // the other keys depend on the type
    type = *v;
  }
  spec.type = type == "quantile" ? EpsilonSpec::Type::quantile
              : type == "list"   ? EpsilonSpec::Type::list
                                 : EpsilonSpec::Type::constant;
  const std::map<std::string, std::string> owner{
      {"alpha", "quantile"},   {"weighted", "quantile"},
      {"initial", "quantile"}, {"calibration_size", "quantile"},
      {"values", "list"},      {"value", "constant"}};
  for (const auto& g : s.fields()) {
    if (g.key == "type") continue;
    const std::string& needs = owner.at(g.key);
    if (needs != type) {
      ctx.error(g.line, g.path + " applies only to epsilon type '" + needs +
                            "', but epsilon.type is '" + type + "'; remove it or change the type.");
      continue;
    }
    if (g.key == "alpha") {
      if (const auto v = get_number(ctx, g, open_unit())) spec.alpha = *v;
    } else if (g.key == "weighted") {
      if (const auto v = get_bool(ctx, g)) spec.weighted = *v;
    } else if (g.key == "initial") {
      if (g.node.IsScalar() && g.node.Scalar() == "from_sample") {
        spec.initial.reset();
      } else {
        const auto v = g.node.IsScalar() ? parse_double(g.node.Scalar(), false) : std::nullopt;
        if (v && *v > 0.0) {
          spec.initial = *v;
        } else {
          const std::string hint =
              g.node.IsScalar() && !v ? did_you_mean(g.node.Scalar(), {"from_sample"}) : "";
          wrong_value(ctx, g, "'from_sample' or a number > 0", hint);
        }
      }
    } else if (g.key == "calibration_size") {
      if (const auto v = get_count(ctx, g, 0)) spec.calibration_size = *v;
    } else if (g.key == "values") {
      if (!g.node.IsSequence()) {
        wrong_value(ctx, g, "a list of numbers > 0, e.g. [3, 2, 1]");
        continue;
      }
      spec.values.clear();
      std::size_t i = 0;
      for (const auto& item : g.node) {
        const std::optional<double> v =
            item.IsScalar() ? parse_double(item.Scalar(), false) : std::nullopt;
        if (!v || *v <= 0.0) {
          ctx.error(line_of(item, g.line), g.path + "[" + std::to_string(i) + "] is " +
                                               found(item) + ", but must be a number > 0.");
        } else {
          spec.values.push_back(*v);
        }
        ++i;
      }
      if (i == 0)
        ctx.error(g.line, g.path + " is an empty list; give at least one epsilon, e.g. [3, 2, 1].");
    } else if (g.key == "value") {
      if (const auto v = get_number(ctx, g, positive())) spec.value = *v;
    }
  }
  if (type == "list" && !s.has("values")) {
    ctx.error(f.line, "epsilon has type 'list' but no 'values'; add e.g. values: [3, 2, 1].");
  }
  if (type == "constant" && !s.has("value")) {
    ctx.error(f.line, "epsilon has type 'constant' but no 'value'; add e.g. value: 0.1.");
  }
}

void parse_transition(Ctx& ctx, const Field& f, TransitionSpec& spec) {
  if (!require_map(ctx, f, "{type: multivariate_normal, scaling: 1.0}")) return;
  Section s(ctx, f,
            {"type", "bandwidth", "scaling", "k", "k_fraction", "discrete_steps",
             "model_stay_probability"});
  if (const auto g = s.get("type")) {
    if (const auto v = get_choice(ctx, *g, {"multivariate_normal", "local"})) {
      spec.type =
          *v == "local" ? TransitionSpec::Type::local : TransitionSpec::Type::multivariate_normal;
    }
  }
  if (const auto g = s.get("bandwidth")) {
    if (const auto v = get_choice(ctx, *g, {"silverman", "scott"})) {
      spec.bandwidth = *v == "scott" ? Bandwidth::scott : Bandwidth::silverman;
    }
  }
  if (const auto g = s.get("scaling")) {
    if (const auto v = get_number(ctx, *g, positive())) spec.scaling = *v;
  }
  if (const auto g = s.get("k")) {
    if (const auto v = get_count(ctx, *g, 0)) spec.k = *v;
  }
  if (const auto g = s.get("k_fraction")) {
    if (const auto v = get_number(ctx, *g, NumberRule{false, 0.0, true, 1.0, false})) {
      spec.k_fraction = *v;
    }
  }
  if (const auto g = s.get("discrete_steps")) {
    if (const auto v = get_count(ctx, *g, 1, std::numeric_limits<int>::max())) {
      spec.discrete_steps = static_cast<int>(*v);
    }
  }
  if (const auto g = s.get("model_stay_probability")) {
    if (const auto v = get_number(ctx, *g, closed_unit())) spec.model_stay_probability = *v;
  }
}

void parse_stop(Ctx& ctx, const Field& f, StopSpec& spec) {
  if (!require_map(ctx, f, "{max_generations: 10}")) return;
  Section s(ctx, f,
            {"min_epsilon", "max_generations", "max_simulations", "max_walltime",
             "min_acceptance_rate", "fail_fast"});
  if (const auto g = s.get("min_epsilon")) {
    if (const auto v = get_number(ctx, *g, non_negative())) spec.min_epsilon = *v;
  }
  if (const auto g = s.get("max_generations")) {
    if (const auto v = get_count(ctx, *g, 0, std::numeric_limits<std::uint32_t>::max())) {
      spec.max_generations = static_cast<std::uint32_t>(*v);
    }
  }
  if (const auto g = s.get("max_simulations")) {
    if (const auto v = get_count(ctx, *g, 0)) spec.max_simulations = *v;
  }
  if (const auto g = s.get("max_walltime")) {
    const auto number = g->node.IsScalar() ? parse_double(g->node.Scalar(), false) : std::nullopt;
    if (number && *number >= 0.0) {
      spec.max_walltime_seconds = *number;
    } else if (g->node.IsScalar() && !number) {
      try {
        spec.max_walltime_seconds = parse_duration_seconds(g->node.Scalar());
      } catch (const ConfigError& e) {
        ctx.error(g->line, g->path + ": " + e.what() + ".");
      }
    } else {
      wrong_value(ctx, *g,
                  "a number of seconds >= 0 or a duration such as '90s', '30m', '2h' or '1d'");
    }
  }
  if (const auto g = s.get("min_acceptance_rate")) {
    if (const auto v = get_number(ctx, *g, closed_unit())) spec.min_acceptance_rate = *v;
  }
  if (const auto g = s.get("fail_fast")) {
    // The guard keeps one byte per candidate it watches: bound it.
    if (const auto v = get_count(ctx, *g, 0, 10000000)) spec.fail_fast = *v;
  }
}

}  // namespace

std::string to_string(SamplerType type) {
  switch (type) {
    case SamplerType::automatic:
      return "auto";
    case SamplerType::single:
      return "single";
    case SamplerType::threads:
      return "threads";
    case SamplerType::mpi:
      return "mpi";
    case SamplerType::redis:
      return "redis";
  }
  return "auto";
}

std::optional<SamplerType> sampler_type_from(const std::string& word) {
  for (const SamplerType t : {SamplerType::automatic, SamplerType::single, SamplerType::threads,
                              SamplerType::mpi, SamplerType::redis}) {
    if (to_string(t) == word) return t;
  }
  return std::nullopt;
}

std::string to_string(Scheduling scheduling) {
  return scheduling == Scheduling::static_blocks ? "static" : "dynamic";
}

std::optional<Scheduling> scheduling_from(const std::string& word) {
  if (word == "dynamic") return Scheduling::dynamic;
  if (word == "static") return Scheduling::static_blocks;
  return std::nullopt;
}

namespace {

void parse_sampler(Ctx& ctx, const Field& f, SamplerSpec& spec) {
  if (!require_map(ctx, f, "{type: auto}")) return;
  Section s(ctx, f,
            {"type", "scheduling", "batch_size", "threads", "host", "port", "password_env", "lease",
             "reconnect_window", "key_file"});
  if (const auto g = s.get("type")) {
    if (const auto v = get_choice(ctx, *g, {"auto", "single", "threads", "mpi", "redis"})) {
      spec.type = *sampler_type_from(*v);
    }
  }
  if (const auto g = s.get("scheduling")) {
    if (const auto v = get_choice(ctx, *g, {"dynamic", "static"}))
      spec.scheduling = *scheduling_from(*v);
  }
  if (const auto g = s.get("batch_size")) {
    if (const auto v = get_count(ctx, *g, 0)) spec.batch_size = *v;
  }
  if (const auto g = s.get("threads")) {
    if (const auto v = get_count(ctx, *g, 0)) spec.threads = *v;
  }
  if (const auto g = s.get("host")) {
    if (const auto v = get_string(ctx, *g, "a host name or address, e.g. 127.0.0.1"))
      spec.host = *v;
  }
  if (const auto g = s.get("port")) {
    if (const auto v = get_count(ctx, *g, 1, 65535)) spec.port = static_cast<int>(*v);
  }
  if (const auto g = s.get("password_env")) {
    if (const auto v =
            get_string(ctx, *g, "an environment variable name, e.g. ABCSMC_REDIS_PASSWORD")) {
      spec.password_env = *v;
    }
  }
  if (const auto g = s.get("key_file")) {
    if (const auto v = get_string(ctx, *g, "the path of a key file, e.g. ~/.abcsmc/run.key"))
      spec.key_file = *v;
  }
  if (const auto g = s.get("lease")) {
    if (const auto v = get_duration(ctx, *g)) {
      if (*v <= 0.0) {
        ctx.error(g->line, g->path + " must be > 0 (a duration, e.g. 30s).");
      } else {
        spec.lease_seconds = *v;
      }
    }
  }
  if (const auto g = s.get("reconnect_window")) {
    if (const auto v = get_duration(ctx, *g)) spec.reconnect_window_seconds = *v;  // >= 0
  }
}

void parse_output(Ctx& ctx, const Field& f, OutputSpec& spec) {
  if (!require_map(ctx, f, "{path: results.h5}")) return;
  Section s(ctx, f, {"path", "store_stats"});
  if (const auto g = s.get("path")) {
    if (const auto v = get_string(ctx, *g, "a file name, e.g. results.h5")) spec.path = *v;
  }
  if (const auto g = s.get("store_stats")) {
    if (const auto v = get_bool(ctx, *g)) spec.store_stats = *v;
  }
}

struct ParsedModel {
  ModelSpec spec;
  std::optional<std::vector<StatSpec>> stats;  ///< empty when the model could not be built
  std::string label;                           ///< "model gaussian_mean" / "model 'm1' (...)"
};

ParsedModel parse_model_entry(Ctx& ctx, const Field& parameters, const Field& model) {
  ParsedModel out;
  std::vector<std::string> names;
  out.spec.parameters = parse_parameters(ctx, parameters, names);
  out.spec.line = model.line;
  out.stats = parse_model(ctx, model, out.spec, names);
  out.spec.name = default_model_name(out.spec);
  return out;
}

std::vector<ParsedModel> parse_models_list(Ctx& ctx, const Field& f) {
  std::vector<ParsedModel> out;
  if (!f.node.IsSequence()) {
    wrong_value(ctx, f, "a list of models, each {name, prior_probability, parameters, model}");
    return out;
  }
  if (f.node.size() == 0) {
    ctx.error(f.line, "models is an empty list; give at least one model.");
    return out;
  }
  std::map<std::string, std::size_t> names;
  std::size_t i = 0;
  for (const auto& item : f.node) {
    const std::string path = "models[" + std::to_string(i) + "]";
    const Field self{path, path, item, line_of(item, f.line)};
    ++i;
    if (!require_map(ctx, self,
                     "{name: m0, parameters: {x: {type: normal, mean: 0, sd: 1}}, model: "
                     "{builtin: gaussian_mean}}")) {
      continue;
    }
    Section s(ctx, self, {"name", "prior_probability", "parameters", "model"});
    ParsedModel pm;
    std::string name;
    if (const auto g = s.get("name")) {
      if (const auto v = get_string(ctx, *g, "a model name, e.g. m0")) {
        name = *v;
        const auto [it, fresh] = names.emplace(name, i - 1);
        if (!fresh) {
          ctx.error(g->line, g->path + " is '" + name + "', which models[" +
                                 std::to_string(it->second) +
                                 "] already uses; model names must be unique.");
        }
      }
    } else {
      ctx.error(self.line, path + " has no 'name'; add e.g. name: m" + std::to_string(i - 1) + ".");
    }
    double probability = 1.0;
    if (const auto g = s.get("prior_probability")) {
      if (const auto v = get_number(ctx, *g, positive())) probability = *v;
    }
    const auto parameters = s.get("parameters");
    const auto model = s.get("model");
    if (!parameters) {
      ctx.error(self.line,
                path + " has no 'parameters'; add e.g. parameters: {x: " + prior_example() + "}.");
    }
    if (!model) {
      ctx.error(self.line, path + " has no 'model'; add e.g. model: {builtin: gaussian_mean}.");
    }
    if (parameters && model) {
      pm = parse_model_entry(ctx, *parameters, *model);
    }
    pm.spec.name = name;
    pm.spec.prior_probability = probability;
    pm.spec.line = self.line;
    pm.label = "model '" + name + "' (" + model_kind_text(pm.spec) + ")";
    out.push_back(std::move(pm));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Memory
// ---------------------------------------------------------------------------------------------

/// Refuses a run whose estimated memory exceeds what this machine (or cgroup) has, and warns
/// when it takes more than half: a population of 1e9 would otherwise grow for minutes and die
/// with std::bad_alloc. `line` is where the population (or the calibration) is set.
void check_memory(Ctx& ctx, RunConfig& cfg, int population_line, int calibration_line) {
  const MachineMemory machine = machine_memory();
  const MemoryEstimate e = estimate_run_memory(cfg);
  const MemoryVerdict verdict = judge_memory(e.bytes, machine.bytes);
  if (verdict == MemoryVerdict::fits) return;
  const bool calibration_dominates =
      cfg.epsilon.calibration_size > 0 && e.calibration_bytes > e.population_bytes;
  const int line = calibration_dominates ? calibration_line : population_line;
  const auto plural = [](std::size_t n, const char* word) {
    return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
  };
  std::string text =
      "the run needs about " + format_bytes(e.bytes) + " of memory: population_size " +
      std::to_string(e.population) + " x " +
      format_bytes(e.population == 0 ? 0 : e.population_bytes / e.population) + " per particle (" +
      plural(e.parameters, "parameter") + " and " + plural(e.statistics, "statistic") +
      (e.store_stats ? " stored" : " not stored") + ", a few copies of each population)";
  if (e.calibration > 0) {
    text += " plus " + format_bytes(e.calibration_bytes) + " for " + std::to_string(e.calibration) +
            " calibration simulations";
  }
  text += verdict == MemoryVerdict::too_large ? ", but this machine has "
                                              : ", more than half of this machine's ";
  text += format_bytes(machine.bytes) + " (" + machine.source + ")";
  std::string hint = calibration_dominates
                         ? " Lower epsilon.calibration_size"
                         : " Lower population_size (about " +
                               std::to_string(largest_fitting_population(cfg, machine.bytes / 2)) +
                               " fits in half of that memory)";
  if (e.store_stats && e.statistics > 0) hint += ", set output.store_stats: false";
  hint += ", or run on a machine with more memory.";
  if (verdict == MemoryVerdict::too_large) {
    ctx.error(line, text + "." + hint);
  } else {
    cfg.warnings.push_back(ctx.source + ":" + std::to_string(std::max(line, 1)) + ": " + text +
                           ": the run may swap or be killed." + hint);
  }
}

}  // namespace

RunConfig parse_config(const std::string& yaml_text, const std::string& source_name) {
  return parse_config(yaml_text, source_name, ModelGate{});
}

RunConfig parse_config(const std::string& yaml_text, const std::string& source_name,
                       const ModelGate& gate) {
  Ctx ctx;
  ctx.source = source_name;
  ctx.gate = &gate;
  ctx.base_dir = std::filesystem::path(source_name).parent_path();

  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    ctx.error(e.mark.is_null() ? 1 : e.mark.line + 1, "invalid YAML: " + e.msg + ".");
    ctx.throw_all();
  }

  RunConfig cfg;
  cfg.source_file = source_name;
  const Field top{"", "", root, std::max(1, line_of(root, 1))};
  // Encoding first and alone: later messages would quote the broken bytes.
  check_encoding(ctx, root, "", top.line);
  if (!ctx.messages.empty()) ctx.throw_all();
  if (!root.IsMap()) {
    ctx.error(top.line, "the config is " + found(root) + ", but must be a map with the keys " +
                            quoted_list(kTopKeys) + " (see config/REFERENCE.md).");
    ctx.throw_all();
  }
  Section s(ctx, top, kTopKeys);

  if (const auto g = s.get("seed")) {
    if (g->node.IsScalar() && g->node.Scalar() == "auto") {
      cfg.seed.reset();
    } else {
      const auto v = g->node.IsScalar() ? parse_count(g->node.Scalar()) : std::nullopt;
      if (v) {
        cfg.seed = *v;
      } else {
        wrong_value(ctx, *g, "a whole number >= 0 or 'auto'");
      }
    }
  }
  if (const auto g = s.get("population_size")) {
    if (const auto v = get_count(ctx, *g, 1)) cfg.population_size = *v;
  }

  // Models.
  std::vector<ParsedModel> models;
  const auto models_field = s.get("models");
  const auto model_field = s.get("model");
  const auto parameters_field = s.get("parameters");
  if (models_field && (model_field || parameters_field)) {
    const Field& other = model_field ? *model_field : *parameters_field;
    ctx.error(other.line, "'" + other.key + "' cannot be combined with 'models' (line " +
                              std::to_string(models_field->line) +
                              "): use 'models' for model selection, or 'parameters' and 'model' "
                              "for a single model.");
  } else if (models_field) {
    models = parse_models_list(ctx, *models_field);
  } else if (model_field && parameters_field) {
    ParsedModel pm = parse_model_entry(ctx, *parameters_field, *model_field);
    pm.label = "model " + model_kind_text(pm.spec);
    models.push_back(std::move(pm));
  } else if (model_field) {
    ctx.error(model_field->line,
              "'model' is given but 'parameters' is missing; add e.g. parameters: {theta: " +
                  prior_example() + "}.");
  } else if (parameters_field) {
    ctx.error(parameters_field->line,
              "'parameters' is given but 'model' is missing; add e.g. model: {builtin: "
              "gaussian_mean}.");
  } else {
    ctx.error(top.line,
              "no model: add 'parameters' and 'model' (one model), or 'models' (model "
              "selection).");
  }

  // Observed statistics, checked against every model that could be built.
  std::vector<ObservedEntry> observed;
  bool observed_ok = false;
  if (const auto g = s.get("observed")) {
    observed_ok = parse_observed(ctx, *g, observed);
  } else {
    ctx.error(top.line,
              "missing 'observed': give the observed statistics, e.g. observed: {y: "
              "0.5}, or observed: {file: obs.csv}.");
  }
  if (!observed.empty()) {  // the statistics that parsed, even if others did not
    for (const auto& m : models) {
      if (m.stats) check_observed_against_model(ctx, observed, m.label, *m.stats);
    }
  }
  // A single value is a scalar statistic, as in flatten_stat_names ("x", not "x[0]").
  for (auto& o : observed) {
    if (o.stat.values.size() == 1) o.stat.is_array = false;
    cfg.observed.push_back(o.stat);
  }

  if (const auto g = s.get("distance")) {
    parse_distance(ctx, *g, cfg.distance, observed_ok ? &observed : nullptr);
  }
  if (const auto g = s.get("epsilon")) parse_epsilon(ctx, *g, cfg.epsilon);
  if (const auto g = s.get("transition")) parse_transition(ctx, *g, cfg.transition);
  if (const auto g = s.get("stop")) parse_stop(ctx, *g, cfg.stop);
  if (const auto g = s.get("sampler")) parse_sampler(ctx, *g, cfg.sampler);
  if (const auto g = s.get("output")) parse_output(ctx, *g, cfg.output);

  const StopSpec& stop = cfg.stop;
  if (stop.min_epsilon == 0.0 && stop.max_generations == 0 && stop.max_simulations == 0 &&
      stop.max_walltime_seconds == 0.0 && stop.min_acceptance_rate == 0.0 &&
      cfg.epsilon.type != EpsilonSpec::Type::list) {
    const auto g = s.get("stop");
    ctx.error(g ? g->line : top.line,
              "stop: every stopping rule is off (0), so the run would never end; set e.g. "
              "stop.max_generations: 10.");
  }

  // Model prior probabilities, normalised (left alone when they already sum to 1, so that
  // to_yaml output reads back identically).
  double total = 0.0;
  for (const auto& m : models) total += m.spec.prior_probability;
  for (auto& m : models) {
    if (total > 0.0 && std::abs(total - 1.0) > 4.0 * std::numeric_limits<double>::epsilon()) {
      m.spec.prior_probability /= total;
    }
    cfg.models.push_back(std::move(m.spec));
  }

  if (ctx.messages.empty()) {  // only a config that is otherwise valid has an estimate
    const auto population = s.get("population_size");
    const auto epsilon = s.get("epsilon");
    int calibration_line = epsilon ? epsilon->line : top.line;
    if (epsilon && epsilon->node.IsMap()) {
      const YAML::Node size = epsilon->node["calibration_size"];
      if (size.IsDefined()) calibration_line = line_of(size, calibration_line);
    }
    check_memory(ctx, cfg, population ? population->line : top.line, calibration_line);
  }
  if (!ctx.messages.empty()) ctx.throw_all();
  return cfg;
}

RunConfig load_config(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw ConfigErrors({path + ": cannot read config file: it is a directory"});
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw ConfigErrors({path + ": cannot read config file: " + std::strerror(errno)});
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    throw ConfigErrors({path + ": cannot read config file: read error"});
  }
  RunConfig cfg = parse_config(text.str(), path);
  cfg.source_file = path;
  return cfg;
}

}  // namespace abcsmc::io
