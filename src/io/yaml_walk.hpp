#pragma once
/// The YAML walker of the run config reader (config_parse.cpp and its sections, config_*.cpp):
/// scalars read as numbers, counts, booleans, words and durations; maps read key by key with
/// their key paths ("epsilon.alpha") and lines; unknown keys reported with "did you mean"; every
/// problem collected in a Ctx and thrown at the end as one ConfigErrors. Private to src/io.
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "abcsmc/core/value_range.hpp"
#include "abcsmc/io/run_config.hpp"

namespace abcsmc::io::detail {

inline constexpr double kInf = std::numeric_limits<double>::infinity();

// ---------------------------------------------------------------------------------------------
// Scalars
// ---------------------------------------------------------------------------------------------

/// A finite decimal number, or +-infinity when `allow_inf` (".inf", "inf", "infinity", ...).
std::optional<double> parse_double(std::string_view text, bool allow_inf);

/// A whole number >= 0: digits, or a number such as 1e6 that is integral.
std::optional<std::uint64_t> parse_count(std::string_view text);

std::optional<bool> parse_bool(std::string_view text);

using NumberRule = ValueRange;

inline NumberRule any_number() { return ValueRange::any(); }
inline NumberRule positive() { return ValueRange::positive(); }
inline NumberRule non_negative() { return ValueRange::non_negative(); }
inline NumberRule closed_unit() { return ValueRange::closed_unit(); }
inline NumberRule open_unit() { return ValueRange::open_unit(); }

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

  [[noreturn]] void throw_all();
};

int line_of(const YAML::Node& node, int fallback);

/// One value in the document and where it is: `path` is the key path ("epsilon.alpha"), `line`
/// the line of its key (values on later lines, e.g. block maps, are reported at their key).
struct Field {
  std::string key;
  std::string path;
  YAML::Node node;
  int line = 0;
};

std::string child_path(const std::string& parent, const std::string& key);

std::string where(const std::string& path);

/// What a node holds, for "got ..." messages.
std::string found(const YAML::Node& node);

std::string name_of(const std::string& path);

void wrong_value(Ctx& ctx, const Field& f, const std::string& expected,
                 const std::string& hint = "");

/// Keys of a map in document order; reports non-scalar and duplicate keys.
std::vector<Field> map_fields(Ctx& ctx, const Field& parent);

bool require_map(Ctx& ctx, const Field& f, const std::string& example);

/// A map with a fixed set of keys; unknown keys are reported with "did you mean".
class Section {
 public:
  /// @param skipped keys reported elsewhere: neither kept nor reported as unknown
  Section(Ctx& ctx, const Field& self, const std::vector<std::string>& allowed,
          const std::vector<std::string>& skipped = {});

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

/// Reports every key and scalar value of the document that is not valid UTF-8 or holds a NUL
/// byte: names (parameters, statistics, models) end up as HDF5 UTF-8 strings, and so does the
/// resolved config text, which readers such as h5py's .asstr() must be able to decode.
void check_encoding(Ctx& ctx, const YAML::Node& node, const std::string& path, int line);

// ---------------------------------------------------------------------------------------------
// Typed values
// ---------------------------------------------------------------------------------------------

std::optional<double> get_number(Ctx& ctx, const Field& f, const NumberRule& rule);

std::optional<std::uint64_t> get_count(
    Ctx& ctx, const Field& f, std::uint64_t min,
    std::uint64_t max = std::numeric_limits<std::uint64_t>::max());

std::optional<bool> get_bool(Ctx& ctx, const Field& f);

std::optional<std::string> get_string(Ctx& ctx, const Field& f, const std::string& expected);

std::optional<std::string> get_choice(Ctx& ctx, const Field& f,
                                      const std::vector<std::string>& choices);

/// A duration key (seconds, or "90s", "2m", ...); reports problems and returns nullopt.
std::optional<double> get_duration(Ctx& ctx, const Field& f);

}  // namespace abcsmc::io::detail
