// `observed:`: statistics written inline or read from a CSV file, and their check against the
// statistics each model produces.
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "abcsmc/core/suggest.hpp"
#include "config_sections.hpp"
#include "text.hpp"
#include "utf8.hpp"
#include "yaml_walk.hpp"

namespace abcsmc::io::detail {

namespace {

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

}  // namespace

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

}  // namespace abcsmc::io::detail
