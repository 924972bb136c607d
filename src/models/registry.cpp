// Registry of the built-in simulators: documentation, option validation, construction.
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "abcsmc/core/error.hpp"
#include "abcsmc/core/suggest.hpp"
#include "abcsmc/core/value_range.hpp"
#include "abcsmc/models/builtin.hpp"
#include "abcsmc/models/simulators.hpp"

namespace abcsmc {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

/// "'a', 'b', 'c'" (a plain list, for "Options: ..." and "got ...").
std::string comma_list(const std::vector<std::string>& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ", ";
    out += "'" + names[i] + "'";
  }
  return out;
}

using Range = ValueRange;

Range integer_range(double min, double max) { return ValueRange::integers(min, max); }
Range positive() { return ValueRange::positive(); }
Range open_unit() { return ValueRange::open_unit(); }

constexpr double kMaxCount = 1e9;  // loop counts and populations
constexpr double kMaxObservations = 1e6;

/// Resolved option values of one model, in the order of its OptionInfo list.
class Values {
 public:
  Values(const std::vector<OptionInfo>* infos, std::vector<double> values)
      : infos_(infos), values_(std::move(values)) {}
  double get(const std::string& name) const {
    for (std::size_t i = 0; i < infos_->size(); ++i) {
      if ((*infos_)[i].name == name) return values_[i];
    }
    throw std::logic_error("builtin model option '" + name + "' not declared");
  }
  std::int64_t integer(const std::string& name) const {
    return static_cast<std::int64_t>(get(name));
  }

 private:
  const std::vector<OptionInfo>* infos_;
  std::vector<double> values_;
};

using Factory =
    std::function<std::unique_ptr<Model>(const Values&, const std::vector<std::string>&)>;

struct Option {
  std::string name;
  double default_value;
  Range range;
  std::string help;  ///< what it is; the valid range is appended
};

struct Entry {
  BuiltinModelInfo info;
  std::vector<Range> ranges;  ///< parallel to info.options
  Factory make;
};

Entry make_entry(std::string name, std::string summary, std::string parameters,
                 std::string statistics, const std::vector<Option>& options, Factory make) {
  Entry e;
  e.info.name = std::move(name);
  e.info.summary = std::move(summary);
  e.info.parameters = std::move(parameters);
  e.info.statistics = std::move(statistics);
  for (const auto& o : options) {
    OptionInfo oi;
    oi.name = o.name;
    oi.type = o.range.integer ? "integer" : "number";
    oi.default_value = o.default_value;
    oi.help = o.help + "; " + o.range.describe();
    e.info.options.push_back(std::move(oi));
    e.ranges.push_back(o.range);
  }
  e.make = std::move(make);
  return e;
}

std::string got_parameters(const std::vector<std::string>& names) {
  if (names.empty()) return "got none";
  return "got " + std::to_string(names.size()) + " (" + comma_list(names) + ")";
}

void need_at_least_one(const std::string& model, const std::vector<std::string>& names) {
  if (names.empty()) {
    throw ConfigError("model " + model +
                      " needs at least 1 parameter (the mean vector, any names), got none");
  }
}

std::unique_ptr<Model> make_sir(const Values& v, const std::vector<std::string>& names) {
  const std::vector<std::string> needed{"beta", "gamma"};
  std::size_t index[2] = {0, 0};
  bool found[2] = {false, false};
  std::vector<std::string> unexpected;
  std::vector<std::string> duplicated;
  for (std::size_t i = 0; i < names.size(); ++i) {
    bool matched = false;
    for (std::size_t k = 0; k < 2; ++k) {
      if (names[i] == needed[k]) {
        matched = true;
        if (found[k]) duplicated.push_back(names[i]);
        found[k] = true;
        index[k] = i;
      }
    }
    if (!matched) unexpected.push_back(names[i]);
  }
  if (!found[0] || !found[1] || !unexpected.empty() || !duplicated.empty()) {
    std::string msg =
        "model sir needs exactly the parameters 'beta' (infection rate) and 'gamma' (recovery "
        "rate), in any order; ";
    std::vector<std::string> missing;
    for (std::size_t k = 0; k < 2; ++k) {
      if (!found[k]) missing.push_back(needed[k]);
    }
    std::vector<std::string> problems;
    if (!missing.empty()) problems.push_back("missing " + comma_list(missing));
    if (!duplicated.empty()) problems.push_back("repeated " + comma_list(duplicated));
    if (!unexpected.empty()) {
      std::string p = "unexpected " + comma_list(unexpected);
      if (!missing.empty()) {
        const std::string hint = did_you_mean(unexpected.front(), missing);
        if (!hint.empty()) p += " (" + hint.substr(1) + ")";
      }
      problems.push_back(p);
    }
    for (std::size_t k = 0; k < problems.size(); ++k) msg += (k > 0 ? "; " : "") + problems[k];
    msg += "; " + got_parameters(names);
    throw ConfigError(msg);
  }
  const std::int64_t population = v.integer("population");
  const std::int64_t infected = v.integer("infected");
  if (infected > population) {
    throw ConfigError("model sir: option 'infected' (" + std::to_string(infected) +
                      ") must be <= population (" + std::to_string(population) + ")");
  }
  return std::make_unique<SirModel>(population, infected, v.get("t_end"), v.integer("observations"),
                                    index[0], index[1]);
}

const std::vector<Entry>& entries() {
  static const std::vector<Entry> table = [] {
    std::vector<Entry> t;
    t.push_back(make_entry(
        "gaussian_mean", "mean of n draws from Normal(theta, sigma^2) (benchmarks B1 and B3)",
        "exactly 1 (the mean theta; any name)", "y: mean of n draws theta + sigma * N(0, 1)",
        {{"n", 10, integer_range(1, kMaxCount), "number of draws averaged into y"},
         {"sigma", 1.0, positive(), "standard deviation of one draw"}},
        [](const Values& v, const std::vector<std::string>& names) -> std::unique_ptr<Model> {
          if (names.size() != 1) {
            throw ConfigError("model gaussian_mean needs exactly 1 parameter (the mean), " +
                              got_parameters(names));
          }
          return std::make_unique<GaussianMeanModel>(v.integer("n"), v.get("sigma"));
        }));
    t.push_back(make_entry(
        "gaussian_linear", "x = theta + sigma * z, z ~ Normal(0, I_d), averaged over n repetitions",
        "d >= 1 (the mean vector theta; any names)",
        "x (array of size d): mean of n draws theta + sigma * z",
        {{"n", 1, integer_range(1, kMaxCount), "number of repetitions averaged into x"},
         {"sigma", 0.1, positive(), "standard deviation of each component of one draw"}},
        [](const Values& v, const std::vector<std::string>& names) -> std::unique_ptr<Model> {
          need_at_least_one("gaussian_linear", names);
          return std::make_unique<GaussianLinearModel>(names.size(), v.integer("n"),
                                                       v.get("sigma"));
        }));
    t.push_back(make_entry(
        "gaussian_mixture",
        "x ~ weight N(theta, scale_broad^2 I) + (1 - weight) N(theta, scale_narrow^2 I) "
        "(sbibm's gaussian_mixture)",
        "d >= 1 (the common mean theta; any names; sbibm uses 2)",
        "x (array of size d): one draw from the mixture",
        {{"weight", 0.5, open_unit(), "probability of the broad component"},
         {"scale_broad", 1.0, positive(), "standard deviation of the broad component"},
         {"scale_narrow", 0.1, positive(), "standard deviation of the narrow component"}},
        [](const Values& v, const std::vector<std::string>& names) -> std::unique_ptr<Model> {
          need_at_least_one("gaussian_mixture", names);
          return std::make_unique<GaussianMixtureModel>(
              names.size(), v.get("weight"), v.get("scale_broad"), v.get("scale_narrow"));
        }));
    t.push_back(make_entry(
        "sir",
        "stochastic SIR epidemic, exact (Gillespie); infection beta*S*I/population, recovery "
        "gamma*I",
        "beta (infection rate) and gamma (recovery rate), by name, any order; negative rates "
        "count as 0",
        "infected (array of size observations): I at t_end*k/observations, k = 1..observations",
        {{"population", 1000, integer_range(1, kMaxCount), "population size S + I + R"},
         {"infected", 10, integer_range(0, kMaxCount),
          "initially infected (at most population; the rest susceptible)"},
         {"t_end", 20.0, positive(), "time of the last observation"},
         {"observations", 10, integer_range(1, kMaxObservations),
          "number of equally spaced observation times in (0, t_end]"}},
        make_sir));
    return t;
  }();
  return table;
}

std::vector<std::string> model_names() {
  std::vector<std::string> names;
  for (const auto& e : entries()) names.push_back(e.info.name);
  return names;
}

}  // namespace

const std::vector<BuiltinModelInfo>& builtin_models() {
  static const std::vector<BuiltinModelInfo> infos = [] {
    std::vector<BuiltinModelInfo> out;
    for (const auto& e : entries()) out.push_back(e.info);
    return out;
  }();
  return infos;
}

std::unique_ptr<Model> make_builtin_model(const std::string& name, const ModelOptions& options,
                                          const std::vector<std::string>& parameter_names) {
  const Entry* entry = nullptr;
  for (const auto& e : entries()) {
    if (e.info.name == name) entry = &e;
  }
  if (entry == nullptr) {
    const auto names = model_names();
    std::string hint = did_you_mean(name, names);
    if (hint.empty()) hint = " Built-in models: " + comma_list(names) + ".";
    throw ConfigError("unknown model '" + name + "'." + hint + " (see `abcsmc models`)");
  }

  const auto& infos = entry->info.options;
  std::vector<std::string> option_names;
  for (const auto& o : infos) option_names.push_back(o.name);
  for (const auto& [key, value] : options) {
    bool known = false;
    for (const auto& o : option_names) known = known || o == key;
    if (!known) {
      std::string msg = "model " + name + " has no option '" + key + "'.";
      msg += did_you_mean(key, option_names);
      msg +=
          option_names.empty() ? " It takes no options" : " Options: " + comma_list(option_names);
      throw ConfigError(msg);
    }
  }

  std::vector<double> values;
  for (std::size_t i = 0; i < infos.size(); ++i) {
    const OptionInfo& info = infos[i];
    const Range& range = entry->ranges[i];
    const auto it = options.find(info.name);
    if (it == options.end()) {
      values.push_back(info.default_value);
      continue;
    }
    const OptionValue& ov = it->second;
    const std::string expected =
        "model " + name + ": option '" + info.name + "' must be " + range.describe();
    if (!ov.number) {
      throw ConfigError(expected + ", got '" + ov.text + "' (not a number)");
    }
    const double x = *ov.number;
    if (!range.contains(x)) {
      const std::string got = ov.text.empty() ? number_text(x) : ov.text;
      throw ConfigError(expected + ", got " + got);
    }
    values.push_back(x);
  }
  return entry->make(Values(&infos, std::move(values)), parameter_names);
}

}  // namespace abcsmc
