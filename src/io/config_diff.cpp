#include "abcsmc/io/config_diff.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "abcsmc/core/error.hpp"

namespace abcsmc::io {

namespace {

/// Compact one-line YAML of a node (scalars as they are written).
std::string show(const YAML::Node& node) {
  if (!node.IsDefined() || node.IsNull()) return "(absent)";
  if (node.IsScalar()) return node.Scalar();
  YAML::Emitter out;
  out << YAML::Flow << node;
  return out.c_str();
}

/// Keys that later versions added, with the value their absence meant in the files of earlier
/// versions: an earlier file resumes when the config gives that value (the default may differ).
const std::vector<std::pair<std::string, std::string>>& added_keys() {
  static const std::vector<std::pair<std::string, std::string>> keys{
      {"transition.defensive", "0"},  // 0.2.0: the defensive mixture (before: none)
  };
  return keys;
}

std::string join(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

class Differ {
 public:
  explicit Differ(const std::vector<std::string>& ignored) : ignored_(ignored) {}

  void compare(const std::string& path, const YAML::Node& a, const YAML::Node& b) {
    if (std::find(ignored_.begin(), ignored_.end(), path) != ignored_.end()) return;
    if (a.IsMap() && b.IsMap()) {
      for (const auto& entry : a) {
        const std::string key = entry.first.Scalar();
        compare(join(path, key), entry.second, b[key]);
      }
      for (const auto& entry : b) {
        const std::string key = entry.first.Scalar();
        if (!a[key].IsDefined())
          compare(join(path, key), YAML::Node(YAML::NodeType::Undefined), entry.second);
      }
      return;
    }
    if (a.IsSequence() && b.IsSequence() && a.size() == b.size()) {
      for (std::size_t i = 0; i < a.size(); ++i) {
        compare(path + "[" + std::to_string(i) + "]", a[i], b[i]);
      }
      return;
    }
    if (show(a) != show(b)) {
      std::string hint;
      if (!a.IsDefined()) {
        for (const auto& [key, meant] : added_keys()) {
          if (key != path) continue;
          if (show(b) == meant) return;  // what the earlier version did
          hint = " (the file is from a version without it, which meant " + meant + "; set " + key +
                 ": " + meant + " to continue it)";
        }
      }
      lines_.push_back((path.empty() ? std::string("(config)") : path) + ": " + show(a) +
                       " in the file, " + show(b) + " now" + hint);
    }
  }

  std::vector<std::string> lines() && { return std::move(lines_); }

 private:
  const std::vector<std::string>& ignored_;
  std::vector<std::string> lines_;
};

YAML::Node parse(const std::string& text, const char* which) {
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw ConfigError(std::string("the ") + which + " config is not valid YAML: " + e.what());
  }
}

}  // namespace

std::vector<std::string> config_differences(const std::string& stored, const std::string& current,
                                            const std::vector<std::string>& ignored) {
  Differ differ(ignored);
  differ.compare("", parse(stored, "stored"), parse(current, "current"));
  return std::move(differ).lines();
}

const std::vector<std::string>& resume_may_change() {
  static const std::vector<std::string> keys{"stop", "sampler", "output.path"};
  return keys;
}

}  // namespace abcsmc::io
