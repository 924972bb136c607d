// Run config: YAML -> RunConfig (defaults, model selection, observed CSV), every error class with
// file:line, key, value and hint, several errors at once, and the to_yaml round trip.
#include <catch2/catch.hpp>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "abcsmc/core/error.hpp"
#include "abcsmc/io/build.hpp"
#include "abcsmc/io/config_diff.hpp"
#include "abcsmc/io/duration.hpp"
#include "abcsmc/io/run_config.hpp"

namespace {

using abcsmc::io::ConfigErrors;
using abcsmc::io::load_config;
using abcsmc::io::parse_config;
using abcsmc::io::RunConfig;
using abcsmc::io::to_yaml;

std::string data_path(const std::string& name) {
  return std::string(ABCSMC_SOURCE_DIR) + "/tests/data/config/" + name;
}

/// The messages of the ConfigErrors that parsing `text` throws (fails the test if none).
std::vector<std::string> errors_of(const std::string& text,
                                   const std::string& source = "run.yaml") {
  try {
    (void)parse_config(text, source);
  } catch (const ConfigErrors& e) {
    return e.messages();
  }
  FAIL("expected ConfigErrors for:\n" << text);
  return {};
}

/// The one message in `messages` that contains `needle`; fails unless exactly one does.
std::string message_with(const std::vector<std::string>& messages, const std::string& needle) {
  std::vector<std::string> hits;
  for (const auto& m : messages) {
    if (m.find(needle) != std::string::npos) hits.push_back(m);
  }
  INFO("looking for '" << needle << "' in:");
  for (const auto& m : messages) INFO("  " << m);
  CAPTURE(messages);
  REQUIRE(hits.size() == 1);
  return hits[0];
}

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

/// A valid single-model config; `extra` is appended (later top-level keys).
std::string base_config(const std::string& extra = "") {
  return "seed: 3\n"                                  // line 1
         "parameters:\n"                              // line 2
         "  theta: {type: normal, mean: 0, sd: 1}\n"  // line 3
         "model:\n"                                   // line 4
         "  builtin: gaussian_mean\n"                 // line 5
         "  options: {n: 10, sigma: 1}\n"             // line 6
         "observed:\n"                                // line 7
         "  y: 0.5\n"                                 // line 8
         + extra;                                     // line 9...
}

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() /
           ("abcsmc_config_test_" + std::to_string(std::random_device{}()));
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  std::string write(const std::string& name, const std::string& text) const {
    const auto p = path / name;
    std::ofstream(p) << text;
    return p.string();
  }
};

/// Field-by-field equality of two configs (line numbers and source_file excluded).
void check_same(const RunConfig& a, const RunConfig& b) {
  CHECK(a.seed == b.seed);
  CHECK(a.population_size == b.population_size);
  REQUIRE(a.models.size() == b.models.size());
  for (std::size_t i = 0; i < a.models.size(); ++i) {
    const auto& ma = a.models[i];
    const auto& mb = b.models[i];
    CHECK(ma.name == mb.name);
    CHECK(ma.builtin == mb.builtin);
    CHECK(ma.prior_probability == mb.prior_probability);
    REQUIRE(ma.options.size() == mb.options.size());
    for (const auto& [k, v] : ma.options) {
      REQUIRE(mb.options.count(k) == 1);
      CHECK(v.text == mb.options.at(k).text);
      CHECK(v.number == mb.options.at(k).number);
    }
    CHECK(ma.delay.type == mb.delay.type);
    CHECK(ma.delay.value == mb.delay.value);
    CHECK(ma.delay.mean == mb.delay.mean);
    CHECK(ma.delay.low == mb.delay.low);
    CHECK(ma.delay.high == mb.delay.high);
    REQUIRE(ma.parameters.size() == mb.parameters.size());
    for (std::size_t j = 0; j < ma.parameters.size(); ++j) {
      CHECK(ma.parameters[j].name == mb.parameters[j].name);
      CHECK(ma.parameters[j].type == mb.parameters[j].type);
      CHECK(ma.parameters[j].params == mb.parameters[j].params);
    }
  }
  REQUIRE(a.observed.size() == b.observed.size());
  for (std::size_t i = 0; i < a.observed.size(); ++i) {
    CHECK(a.observed[i].name == b.observed[i].name);
    CHECK(a.observed[i].values == b.observed[i].values);
    CHECK(a.observed[i].is_array == b.observed[i].is_array);
  }
  CHECK(a.distance.type == b.distance.type);
  CHECK(a.distance.p == b.distance.p);
  CHECK(a.distance.weights == b.distance.weights);
  CHECK(a.distance.scale == b.distance.scale);
  CHECK(a.epsilon.type == b.epsilon.type);
  CHECK(a.epsilon.alpha == b.epsilon.alpha);
  CHECK(a.epsilon.weighted == b.epsilon.weighted);
  CHECK(a.epsilon.initial == b.epsilon.initial);
  CHECK(a.epsilon.calibration_size == b.epsilon.calibration_size);
  CHECK(a.epsilon.values == b.epsilon.values);
  CHECK(a.epsilon.value == b.epsilon.value);
  CHECK(a.transition.type == b.transition.type);
  CHECK(a.transition.bandwidth == b.transition.bandwidth);
  CHECK(a.transition.scaling == b.transition.scaling);
  CHECK(a.transition.k == b.transition.k);
  CHECK(a.transition.k_fraction == b.transition.k_fraction);
  CHECK(a.transition.discrete_steps == b.transition.discrete_steps);
  CHECK(a.transition.model_stay_probability == b.transition.model_stay_probability);
  CHECK(a.stop.min_epsilon == b.stop.min_epsilon);
  CHECK(a.stop.min_eps_diff == b.stop.min_eps_diff);
  CHECK(a.stop.max_generations == b.stop.max_generations);
  CHECK(a.stop.max_simulations == b.stop.max_simulations);
  CHECK(a.stop.max_walltime_seconds == b.stop.max_walltime_seconds);
  CHECK(a.stop.min_acceptance_rate == b.stop.min_acceptance_rate);
  CHECK(a.sampler.type == b.sampler.type);
  CHECK(a.sampler.scheduling == b.sampler.scheduling);
  CHECK(a.sampler.batch_size == b.sampler.batch_size);
  CHECK(a.sampler.threads == b.sampler.threads);
  CHECK(a.output.path == b.output.path);
  CHECK(a.output.store_stats == b.output.store_stats);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Valid configs
// ---------------------------------------------------------------------------------------------

TEST_CASE("Config: minimal file gets every default", "[io][config]") {
  const RunConfig c = load_config(data_path("minimal.yaml"));
  const RunConfig defaults;
  CHECK(c.source_file == data_path("minimal.yaml"));
  CHECK_FALSE(c.seed.has_value());
  CHECK(c.population_size == defaults.population_size);
  REQUIRE(c.models.size() == 1);
  const auto& m = c.models[0];
  CHECK(m.name == "gaussian_mean");
  CHECK(m.builtin == "gaussian_mean");
  CHECK(m.options.empty());
  CHECK(m.delay.type == "none");
  CHECK(m.prior_probability == 1.0);
  CHECK(m.line == 4);
  REQUIRE(m.parameters.size() == 1);
  CHECK(m.parameters[0].name == "theta");
  CHECK(m.parameters[0].type == "normal");
  CHECK(m.parameters[0].params == std::map<std::string, double>{{"mean", 0.0}, {"sd", 1.0}});
  CHECK(m.parameters[0].line == 3);
  REQUIRE(c.observed.size() == 1);
  CHECK(c.observed[0].name == "y");
  CHECK(c.observed[0].values == std::vector<double>{0.5});
  CHECK_FALSE(c.observed[0].is_array);
  CHECK(c.distance.type == abcsmc::DistanceSpec::Type::pnorm);
  CHECK(c.distance.p == 2.0);
  CHECK(c.distance.weights.empty());
  CHECK(c.epsilon.type == abcsmc::EpsilonSpec::Type::quantile);
  CHECK(c.epsilon.alpha == 0.5);
  CHECK(c.epsilon.weighted);
  CHECK_FALSE(c.epsilon.initial.has_value());
  CHECK(c.transition.type == abcsmc::TransitionSpec::Type::multivariate_normal);
  CHECK(c.transition.model_stay_probability == 0.7);
  CHECK(c.transition.scaling == 2.0);  // issue 14: a wider kernel and a defensive mixture
  CHECK(c.transition.defensive == 0.05);
  CHECK(c.transition.discrete_steps == 2);
  CHECK(c.stop.max_generations == 10);
  CHECK(c.stop.max_walltime_seconds == 0.0);
  CHECK(c.sampler.type == "auto");
  CHECK(c.sampler.scheduling == "dynamic");
  CHECK(c.output.path == defaults.output.path);
  CHECK(c.output.store_stats);
}

TEST_CASE("Config: full file sets every key", "[io][config]") {
  const RunConfig c = load_config(data_path("full.yaml"));
  CHECK(c.seed == std::optional<std::uint64_t>(42));
  CHECK(c.population_size == 500);
  REQUIRE(c.models.size() == 1);
  const auto& m = c.models[0];
  CHECK(m.builtin == "gaussian_linear");
  REQUIRE(m.options.size() == 2);
  CHECK(m.options.at("n").text == "10");
  CHECK(m.options.at("n").number == std::optional<double>(10.0));
  CHECK(m.options.at("sigma").number == std::optional<double>(0.5));
  CHECK(m.delay.type == "exponential");
  CHECK(m.delay.mean == 0.005);
  REQUIRE(m.parameters.size() == 2);
  CHECK(m.parameters[0].name == "mu");  // file order = theta order
  CHECK(m.parameters[1].name == "sigma_log");
  CHECK(m.parameters[1].params.at("low") == -std::numeric_limits<double>::infinity());
  REQUIRE(c.observed.size() == 1);
  CHECK(c.observed[0].name == "x");
  CHECK(c.observed[0].is_array);
  CHECK(c.observed[0].values == std::vector<double>{0.25, -1.5});
  CHECK(c.distance.type == abcsmc::DistanceSpec::Type::adaptive_pnorm);
  CHECK(std::isinf(c.distance.p));
  CHECK(c.distance.weights == std::map<std::string, double>{{"x[0]", 2.0}, {"x[1]", 0.5}});
  CHECK(c.distance.scale == abcsmc::DistanceSpec::Scale::sd);
  CHECK(c.epsilon.alpha == 0.3);
  CHECK_FALSE(c.epsilon.weighted);
  CHECK(c.epsilon.initial == std::optional<double>(4.5));
  CHECK(c.epsilon.calibration_size == 2000);
  CHECK(c.transition.type == abcsmc::TransitionSpec::Type::local);
  CHECK(c.transition.bandwidth == abcsmc::Bandwidth::scott);
  CHECK(c.transition.scaling == 1.5);
  CHECK(c.transition.k == 20);
  CHECK(c.transition.k_fraction == 0.5);
  CHECK(c.transition.discrete_steps == 2);
  CHECK(c.transition.model_stay_probability == 0.9);
  CHECK(c.transition.defensive == 0.2);
  CHECK(c.stop.min_epsilon == 0.01);
  CHECK(c.stop.min_eps_diff == 0.002);
  CHECK(c.stop.max_generations == 25);
  CHECK(c.stop.max_simulations == 1000000);
  CHECK(c.stop.max_walltime_seconds == 7200.0);
  CHECK(c.stop.min_acceptance_rate == 0.001);
  CHECK(c.sampler.type == "threads");
  CHECK(c.sampler.scheduling == "static");
  CHECK(c.sampler.batch_size == 8);
  CHECK(c.sampler.threads == 4);
  CHECK(c.output.path == "out/full.h5");  // kept relative (to the current directory)
  CHECK_FALSE(c.output.store_stats);
}

TEST_CASE("Config: model selection normalises prior probabilities", "[io][config]") {
  const RunConfig c = load_config(data_path("selection.yaml"));
  REQUIRE(c.models.size() == 2);
  CHECK(c.models[0].name == "narrow");
  CHECK(c.models[1].name == "wide");
  CHECK(c.models[0].builtin == "gaussian_mean");
  CHECK(c.models[0].prior_probability == Approx(0.75));
  CHECK(c.models[1].prior_probability == Approx(0.25));
  CHECK(c.models[1].options.at("sigma").number == std::optional<double>(2.0));
  CHECK(c.models[0].parameters[0].params.at("sd") == 0.5);
  CHECK(c.models[1].parameters[0].params.at("sd") == 2.0);
  CHECK(c.epsilon.type == abcsmc::EpsilonSpec::Type::list);
  CHECK(c.epsilon.values == std::vector<double>{3, 2, 1, 0.5});
}

TEST_CASE("Config: observed statistics from a CSV file next to the config", "[io][config]") {
  const RunConfig c = load_config(data_path("observed_csv.yaml"));
  REQUIRE(c.observed.size() == 1);
  CHECK(c.observed[0].name == "infected");
  CHECK(c.observed[0].is_array);
  CHECK(c.observed[0].values == std::vector<double>{12, 30.5, 41});
  CHECK(c.distance.weights.at("infected[2]") == 0.5);
  // to_yaml inlines the file's values.
  const std::string yaml = to_yaml(c);
  CHECK(contains(yaml, "infected: [12, 30.5, 41]"));
  CHECK_FALSE(contains(yaml, "file"));
}

TEST_CASE("Config: CSV with scalars and arrays, blanks, CRLF and comments", "[io][config]") {
  TempDir dir;
  dir.write("obs.csv", "# observed\r\n x[0] , x[1], y \r\n\r\n1.5, 2.5, -3\r\n");
  const std::string config = dir.write("run.yaml",
                                       "parameters:\n"
                                       "  a: {type: normal, mean: 0, sd: 1}\n"
                                       "  b: {type: normal, mean: 0, sd: 1}\n"
                                       "model: {builtin: gaussian_linear}\n"
                                       "observed: {file: obs.csv}\n");
  const auto messages = [&] {
    try {
      (void)load_config(config);
    } catch (const ConfigErrors& e) {
      return e.messages();
    }
    return std::vector<std::string>{};
  }();
  // gaussian_linear produces x only: y is reported, x is fine.
  REQUIRE(messages.size() == 1);
  CHECK(contains(messages[0], config + ":5:"));
  CHECK(contains(messages[0], "produces no statistic 'y'"));
  CHECK(contains(messages[0], "(it produces 'x')"));
}

TEST_CASE("Config: seed and numbers in their accepted spellings", "[io][config]") {
  CHECK(parse_config(base_config("population_size: 1e3\n"), "s").population_size == 1000);
  CHECK(parse_config("seed: auto\n" + base_config().substr(8), "s").seed == std::nullopt);
  CHECK(parse_config("seed: 18446744073709551615\n" + base_config().substr(8), "s").seed ==
        std::optional<std::uint64_t>(18446744073709551615ull));
  CHECK(parse_config(base_config("distance: {p: .inf}\n"), "s").distance.p ==
        std::numeric_limits<double>::infinity());
  CHECK(parse_config(base_config("distance: {p: 1}\n"), "s").distance.p == 1.0);
  CHECK(parse_config(base_config("stop: {max_walltime: 90}\n"), "s").stop.max_walltime_seconds ==
        90.0);
  CHECK(
      parse_config(base_config("stop: {max_walltime: \"30m\"}\n"), "s").stop.max_walltime_seconds ==
      1800.0);
  CHECK(parse_config(base_config("output: {store_stats: no}\n"), "s").output.store_stats == false);
  CHECK(parse_config(base_config("epsilon: {type: constant, value: 0.1}\n"), "s").epsilon.value ==
        0.1);
}

// ---------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------

TEST_CASE("Config: unknown keys at every level, with did-you-mean", "[io][config]") {
  const auto m =
      errors_of(base_config("populaton_size: 100\n"        // 9
                            "epsilom: {alpha: 0.5}\n"      // 10
                            "stop: {max_generatons: 5}\n"  // 11
                            "transition: {scalling: 2}\n"  // 12
                            "zzzzzz: 1\n"));               // 13
  CHECK(m.size() == 5);
  const auto a = message_with(m, "'populaton_size'");
  CHECK(contains(a, "run.yaml:9:"));
  CHECK(contains(a, "unknown key 'populaton_size' at top level"));
  CHECK(contains(a, "Did you mean 'population_size'?"));
  CHECK(contains(message_with(m, "'epsilom'"), "run.yaml:10:"));
  CHECK(contains(message_with(m, "'epsilom'"), "Did you mean 'epsilon'?"));
  const auto s = message_with(m, "max_generatons");
  CHECK(contains(s, "run.yaml:11:"));
  CHECK(contains(s, "in 'stop'"));
  CHECK(contains(s, "Did you mean 'max_generations'?"));
  CHECK(contains(message_with(m, "scalling"), "Did you mean 'scaling'?"));
  const auto d = errors_of(base_config("stop: {min_eps_dif: 0.1}\n"));
  CHECK(contains(message_with(d, "'min_eps_dif'"), "Did you mean 'min_eps_diff'?"));
  const auto z = message_with(m, "zzzzzz");
  CHECK(contains(z, "Valid keys:"));  // no close match: list them
  CHECK(contains(z, "'population_size'"));
}

TEST_CASE("Config: unknown keys inside priors, models and options", "[io][config]") {
  const auto m = errors_of(
      "parameters:\n"
      "  theta: {type: normal, mean: 0, sdd: 1}\n"  // 2
      "model:\n"
      "  builtin: gaussian_mean\n"
      "  options: {n: 10, sigmaa: 1}\n"  // 5
      "  optoins: {}\n"                  // 6
      "observed: {y: 1}\n");
  const auto p = message_with(m, "'sdd'");
  CHECK(contains(p, "run.yaml:2:"));
  CHECK(contains(p, "parameters.theta"));
  CHECK(contains(p, "Did you mean 'sd'?"));
  const auto o = message_with(m, "'sigmaa'");
  CHECK(contains(o, "run.yaml:5:"));
  CHECK(contains(o, "model.options"));
  CHECK(contains(o, "Did you mean 'sigma'?"));
  CHECK(contains(message_with(m, "'optoins'"), "Did you mean 'options'?"));
}

TEST_CASE("Config: wrong types", "[io][config]") {
  const auto m = errors_of(
      "population_size: lots\n"  // 1
      "parameters: [theta]\n"    // 2
      "model: {builtin: gaussian_mean}\n"
      "observed: {y: {value: 1}}\n"              // 4
      "epsilon: {type: list, values: {a: 1}}\n"  // 5
      "output: {store_stats: maybe}\n"           // 6
      "sampler: [threads]\n");                   // 7
  const auto a = message_with(m, "population_size");
  CHECK(contains(a, "run.yaml:1:"));
  CHECK(contains(a, "'lots'"));
  CHECK(contains(a, "a whole number >= 1"));
  const auto b = message_with(m, "parameters is a list");
  CHECK(contains(b, "run.yaml:2:"));
  CHECK(contains(b, "must be a map"));
  CHECK(contains(message_with(m, "observed.y"), "run.yaml:4:"));
  CHECK(contains(message_with(m, "observed.y"), "is a map, but must be a finite number"));
  const auto v = message_with(m, "epsilon.values");
  CHECK(contains(v, "run.yaml:5:"));
  CHECK(contains(v, "is a map, but must be a list"));
  CHECK(contains(message_with(m, "store_stats"), "'maybe', but must be true or false"));
  CHECK(contains(message_with(m, "sampler is a list"), "run.yaml:7:"));
}

TEST_CASE("Config: bad values", "[io][config]") {
  SECTION("population_size 0 and negative") {
    CHECK(contains(message_with(errors_of(base_config("population_size: 0\n")), "population_size"),
                   "run.yaml:9: population_size is '0', but must be a whole number >= 1"));
    CHECK(contains(message_with(errors_of(base_config("population_size: -5\n")), "population_size"),
                   "'-5'"));
  }
  SECTION("alpha outside (0, 1)") {
    const auto e = message_with(errors_of(base_config("epsilon:\n  alpha: 1.5\n")), "alpha");
    CHECK(contains(e, "run.yaml:10: epsilon.alpha is '1.5', but must be a number in (0, 1)"));
  }
  SECTION("p not 1, 2 or inf") {
    const auto e = message_with(errors_of(base_config("distance: {p: 3}\n")), "distance.p");
    CHECK(contains(e, "run.yaml:9:"));
    CHECK(contains(e, "'3', but must be 1, 2 or inf"));
  }
  SECTION("negative times") {
    const auto m =
        errors_of(base_config("stop: {max_walltime: -5, min_epsilon: -1, min_eps_diff: -2}\n"));
    CHECK(contains(message_with(m, "max_walltime"), "'-5'"));
    CHECK(contains(message_with(m, "min_epsilon"), "must be a number >= 0"));
    CHECK(contains(message_with(m, "stop.min_eps_diff"), "'-2', but must be a number >= 0"));
  }
  SECTION("bad duration string") {
    const auto e =
        message_with(errors_of(base_config("stop: {max_walltime: 2x}\n")), "max_walltime");
    CHECK(contains(e, "run.yaml:9: stop.max_walltime:"));
    CHECK(contains(e, "'2x'"));
    CHECK(contains(e, "'30m'"));
  }
  SECTION("list epsilon empty or not positive, constant without value") {
    CHECK(contains(message_with(errors_of(base_config("epsilon: {type: list, values: []}\n")),
                                "epsilon.values"),
                   "empty list"));
    const auto e = message_with(
        errors_of(base_config("epsilon: {type: list, values: [3, 0, 1]}\n")), "values[1]");
    CHECK(contains(e, "'0', but must be a number > 0"));
    CHECK(contains(message_with(errors_of(base_config("epsilon: {type: list}\n")), "no 'values'"),
                   "run.yaml:9:"));
    CHECK(
        contains(message_with(errors_of(base_config("epsilon: {type: constant}\n")), "no 'value'"),
                 "value: 0.1"));
  }
  SECTION("keys of another epsilon type") {
    const auto e =
        message_with(errors_of(base_config("epsilon: {type: constant, value: 1, alpha: 0.5}\n")),
                     "epsilon.alpha");
    CHECK(contains(e, "applies only to epsilon type 'quantile'"));
  }
  SECTION("unknown enum values with did-you-mean") {
    const auto m =
        errors_of(base_config("epsilon: {type: quantil}\n"                                 // 9
                              "transition: {type: multivariate, bandwidth: silvermann}\n"  // 10
                              "distance: {type: adaptive_pnrm, scale: madd}\n"             // 11
                              "sampler: {scheduling: dinamic}\n"));                        // 12
    CHECK(contains(message_with(m, "epsilon.type"),
                   "'quantil', but must be 'quantile', 'list', 'constant' or 'temperature'. Did "
                   "you mean 'quantile'?"));
    CHECK(contains(message_with(m, "bandwidth"), "Did you mean 'silverman'?"));
    CHECK(contains(message_with(m, "distance.type"), "Did you mean 'adaptive_pnorm'?"));
    CHECK(contains(message_with(m, "distance.scale"), "Did you mean 'mad'?"));
    CHECK(contains(message_with(m, "scheduling"), "run.yaml:12:"));
    CHECK(contains(message_with(m, "scheduling"), "Did you mean 'dynamic'?"));
  }
  SECTION("the mpi and redis samplers, with redis settings") {
    CHECK(parse_config(base_config("sampler: {type: mpi}\n"), "run.yaml").sampler.type == "mpi");
    const auto c = parse_config(
        base_config("sampler: {type: redis, host: h1, port: 7000, password_env: PW, lease: 2s}\n"),
        "run.yaml");
    CHECK(c.sampler.type == "redis");
    CHECK(c.sampler.host == "h1");
    CHECK(c.sampler.port == 7000);
    CHECK(c.sampler.password_env == "PW");
    CHECK(c.sampler.lease_seconds == 2.0);
    CHECK(c.sampler.reconnect_window_seconds == 300.0);  // the default: 5 minutes
    CHECK(parse_config(base_config("sampler: {type: redis, reconnect_window: 90s}\n"), "run.yaml")
              .sampler.reconnect_window_seconds == 90.0);
    CHECK(parse_config(base_config("sampler: {type: redis, reconnect_window: 0}\n"), "run.yaml")
              .sampler.reconnect_window_seconds == 0.0);
    CHECK(contains(
        message_with(errors_of(base_config("sampler: {type: redis, reconnect_window: -1}\n")),
                     "sampler.reconnect_window"),
        "run.yaml:9:"));
    CHECK(c.sampler.key_file.empty());
    CHECK(to_yaml(c).find("key_file") == std::string::npos);  // unkeyed: as before
    // An authenticated run (redis/auth.hpp): the key file's path, never the key, round-trips.
    const auto keyed = parse_config(
        base_config("sampler: {type: redis, key_file: /home/me/run.key}\n"), "run.yaml");
    CHECK(keyed.sampler.key_file == "/home/me/run.key");
    CHECK(parse_config(to_yaml(keyed), "resolved.yaml").sampler.key_file == "/home/me/run.key");
    const auto e = message_with(errors_of(base_config("sampler: {type: redis, port: 70000}\n")),
                                "sampler.port");
    CHECK(contains(e, "run.yaml:9:"));
  }
  SECTION("seed") {
    const auto e = message_with(errors_of("seed: -1\n" + base_config().substr(8)), "seed");
    CHECK(contains(e, "run.yaml:1: seed is '-1', but must be a whole number >= 0 or 'auto'"));
  }
  SECTION("initial epsilon") {
    const auto e = message_with(errors_of(base_config("epsilon: {initial: from_sampel}\n")),
                                "epsilon.initial");
    CHECK(contains(e, "Did you mean 'from_sample'?"));
  }
  SECTION("no stopping rule at all") {
    const auto e =
        message_with(errors_of(base_config("stop: {max_generations: 0}\n")), "never end");
    CHECK(contains(e, "run.yaml:9:"));
  }
}

TEST_CASE("Config: prior parameter errors come from make_distribution, located", "[io][config]") {
  const auto m = errors_of(
      "parameters:\n"
      "  a: {type: normal, mean: 0, sd: -1}\n"   // 2
      "  b: {type: uniform, low: 2, high: 1}\n"  // 3
      "  c: {type: normel, mean: 0, sd: 1}\n"    // 4
      "  d: {type: gamma, shape: 2}\n"           // 5
      "  e: {mean: 1}\n"                         // 6
      "model: {builtin: gaussian_linear}\n"
      "observed: {x: [0, 0, 0, 0, 0]}\n");
  const auto a = message_with(m, "parameters.a");
  CHECK(contains(a, "run.yaml:2: parameters.a: "));
  CHECK(contains(a, "sd"));
  CHECK(contains(a, "-1"));
  CHECK(contains(message_with(m, "parameters.b"), "run.yaml:3:"));
  CHECK(contains(message_with(m, "parameters.b"), "low < high"));
  const auto c = message_with(m, "parameters.c");
  CHECK(contains(c, "run.yaml:4:"));
  CHECK(contains(c, "'normel'"));
  CHECK(contains(c, "Did you mean 'normal'?"));
  CHECK(contains(message_with(m, "parameters.d"), "has no 'scale'"));
  CHECK(contains(message_with(m, "parameters.e"), "has no 'type'"));
}

TEST_CASE("Config: model errors from make_builtin_model and with_delay", "[io][config]") {
  SECTION("unknown builtin") {
    const auto e = message_with(
        errors_of(
            "parameters: {t: {type: normal, mean: 0, sd: 1}}\nmodel: {builtin: gausian_mean}\n"
            "observed: {y: 1}\n"),
        "model.builtin");
    CHECK(contains(e, "run.yaml:2:"));
    CHECK(contains(e, "'gausian_mean'"));
    CHECK(contains(e, "Did you mean 'gaussian_mean'?"));
  }
  SECTION("bad option value") {
    const auto e = message_with(errors_of("parameters: {t: {type: normal, mean: 0, sd: 1}}\n"
                                          "model: {builtin: gaussian_mean, options: {n: 0}}\n"
                                          "observed: {y: 1}\n"),
                                "model:");
    CHECK(contains(e, "run.yaml:2: model: "));
    CHECK(contains(e, "'n'"));
  }
  SECTION("wrong number of parameters") {
    const auto e = message_with(errors_of("parameters:\n"
                                          "  a: {type: normal, mean: 0, sd: 1}\n"
                                          "  b: {type: normal, mean: 0, sd: 1}\n"
                                          "model: {builtin: gaussian_mean}\n"
                                          "observed: {y: 1}\n"),
                                "model:");
    CHECK(contains(e, "run.yaml:4:"));
    CHECK(contains(e, "exactly 1 parameter"));
  }
  SECTION("delay errors") {
    const auto m = errors_of(
        "parameters: {t: {type: normal, mean: 0, sd: 1}}\n"
        "model:\n"
        "  builtin: gaussian_mean\n"
        "  delay: {type: exponentail, mean: 1}\n"  // 4
        "observed: {y: 1}\n");
    CHECK(contains(message_with(m, "model.delay.type"), "run.yaml:4:"));
    CHECK(contains(message_with(m, "model.delay.type"), "Did you mean 'exponential'?"));
    const auto n = errors_of(
        "parameters: {t: {type: normal, mean: 0, sd: 1}}\n"
        "model:\n"
        "  builtin: gaussian_mean\n"
        "  delay: {type: uniform, low: 2, high: -1, mean: 3}\n"
        "observed: {y: 1}\n");
    CHECK(contains(message_with(n, "model.delay.high"), "must be a number >= 0"));
    CHECK(contains(message_with(n, "model.delay.mean"), "does not apply to delay type 'uniform'"));
  }
  SECTION("models and model together, or neither") {
    const auto both = errors_of(
        "parameters: {t: {type: normal, mean: 0, sd: 1}}\n"
        "model: {builtin: gaussian_mean}\n"
        "models: []\n"
        "observed: {y: 1}\n");
    CHECK(contains(message_with(both, "cannot be combined with 'models'"), "run.yaml:2:"));
    const auto none = errors_of("observed: {y: 1}\n");
    CHECK(contains(message_with(none, "no model"), "run.yaml:1:"));
    const auto half = errors_of("model: {builtin: gaussian_mean}\nobserved: {y: 1}\n");
    CHECK(contains(message_with(half, "'parameters' is missing"), "run.yaml:1:"));
  }
  SECTION("model selection: names required and unique, probability > 0") {
    const auto m = errors_of(
        "models:\n"
        "  - name: m0\n"  // 2
        "    parameters: {x: {type: normal, mean: 0, sd: 1}}\n"
        "    model: {builtin: gaussian_mean}\n"
        "  - name: m0\n"              // 5
        "    prior_probability: 0\n"  // 6
        "    parameters: {x: {type: normal, mean: 0, sd: 1}}\n"
        "    model: {builtin: gaussian_mean}\n"
        "  - parameters: {x: {type: normal, mean: 0, sd: 1}}\n"  // 9
        "    model: {builtin: gaussian_mean}\n"
        "observed: {y: 1}\n");
    CHECK(contains(message_with(m, "unique"), "run.yaml:5: models[1].name is 'm0'"));
    CHECK(contains(message_with(m, "prior_probability"), "run.yaml:6:"));
    CHECK(contains(message_with(m, "prior_probability"), "must be a number > 0"));
    CHECK(contains(message_with(m, "has no 'name'"), "run.yaml:9: models[2]"));
  }
}

TEST_CASE("Config: observed names, sizes and files", "[io][config]") {
  SECTION("missing section") {
    const auto e = message_with(errors_of("parameters: {t: {type: normal, mean: 0, sd: 1}}\n"
                                          "model: {builtin: gaussian_mean}\n"),
                                "observed");
    CHECK(contains(e, "missing 'observed'"));
  }
  SECTION("statistic the model does not produce") {
    const auto e = message_with(errors_of("parameters: {t: {type: normal, mean: 0, sd: 1}}\n"
                                          "model: {builtin: gaussian_mean}\n"
                                          "observed:\n"
                                          "  z: 1\n"),
                                "observed.z");
    CHECK(contains(e,
                   "run.yaml:4: observed.z: model gaussian_mean produces no statistic 'z' "
                   "(it produces 'y')"));
  }
  SECTION("array size mismatch") {
    const auto e = message_with(errors_of("parameters:\n"
                                          "  a: {type: normal, mean: 0, sd: 1}\n"
                                          "  b: {type: normal, mean: 0, sd: 1}\n"
                                          "model: {builtin: gaussian_linear}\n"
                                          "observed: {x: [1, 2, 3]}\n"),
                                "observed.x");
    CHECK(contains(e, "run.yaml:5:"));
    CHECK(contains(e, "has 3 values, but model gaussian_linear produces an array of 2 values"));
  }
  SECTION("every model of a selection must produce every statistic") {
    const auto m = errors_of(
        "models:\n"
        "  - name: scalar\n"
        "    parameters: {x: {type: normal, mean: 0, sd: 1}}\n"
        "    model: {builtin: gaussian_mean}\n"
        "  - name: vector\n"
        "    parameters: {x: {type: normal, mean: 0, sd: 1}}\n"
        "    model: {builtin: gaussian_linear}\n"
        "observed: {y: 1}\n");
    REQUIRE(m.size() == 1);
    CHECK(contains(m[0],
                   "run.yaml:8: observed.y: model 'vector' (gaussian_linear) produces no "
                   "statistic 'y' (it produces 'x')"));
  }
  SECTION("observed file missing, malformed, non-numeric") {
    TempDir dir;
    const std::string head =
        "parameters: {t: {type: normal, mean: 0, sd: 1}}\nmodel: {builtin: gaussian_mean}\n";
    const auto load_errors = [&](const std::string& csv_name) {
      const std::string config =
          dir.write("run.yaml", head + "observed: {file: " + csv_name + "}\n");
      try {
        (void)load_config(config);
      } catch (const ConfigErrors& e) {
        return e.messages();
      }
      return std::vector<std::string>{};
    };
    const auto missing = load_errors("nope.csv");
    REQUIRE(missing.size() == 1);
    CHECK(contains(missing[0], "run.yaml:3: observed.file: cannot read observed file '"));
    CHECK(contains(missing[0], "nope.csv"));
    dir.write("rows.csv", "y\n1\n2\n");
    CHECK(contains(message_with(load_errors("rows.csv"), "rows.csv"), "found 3"));
    dir.write("cols.csv", "y,z\n1\n");
    CHECK(contains(message_with(load_errors("cols.csv"), "cols.csv"), "has 2 names"));
    dir.write("text.csv", "y\nabc\n");
    CHECK(contains(message_with(load_errors("text.csv"), "text.csv"),
                   "'abc' is not a finite number"));
    dir.write("gap.csv", "x[0],x[2]\n1,2\n");
    CHECK(contains(message_with(load_errors("gap.csv"), "gap.csv"), "expected 'x[1]'"));
  }
  SECTION("file and inline statistics together") {
    const auto e = message_with(
        errors_of(base_config().substr(0, base_config().size() - 1) + "\n  file: obs.csv\n"),
        "observed.file");
    CHECK(contains(e, "cannot be combined"));
  }
  SECTION("distance.weights keys must be observed names") {
    const auto e = message_with(errors_of(base_config("distance: {weights: {yy: 2}}\n")),
                                "distance.weights.yy");
    CHECK(contains(e, "run.yaml:9:"));
    CHECK(contains(e, "'yy' is not an observed statistic"));
    CHECK(contains(e, "Did you mean 'y'?"));
  }
}

TEST_CASE("Config: distance weights for a whole array statistic", "[io][config]") {
  // "x" weighs every element of the array x; an element's own key ("x[1]") wins over it.
  const std::string text =
      "seed: 3\n"
      "parameters: {a: {type: normal, mean: 0, sd: 1}, b: {type: normal, mean: 0, sd: 1},\n"
      "             c: {type: normal, mean: 0, sd: 1}}\n"
      "model: {builtin: gaussian_linear}\n"
      "observed: {x: [1, 2, 3]}\n";
  const RunConfig c = parse_config(text + "distance: {weights: {x: 2, \"x[1]\": 5}}\n", "run.yaml");
  const abcsmc::Vector w = abcsmc::io::distance_weights(c.distance, c.observed);
  REQUIRE(w.size() == 3);
  CHECK(w[0] == 2.0);
  CHECK(w[1] == 5.0);
  CHECK(w[2] == 2.0);
  // The run's settings carry them.
  const auto problem = abcsmc::io::build_problem(c);
  CHECK(abcsmc::io::build_settings(c, *problem, 3).distance_weights == w);
  // Unnamed statistics keep weight 1; a scalar statistic is its own only element.
  const RunConfig none = parse_config(text, "run.yaml");
  CHECK(abcsmc::io::distance_weights(none.distance, none.observed) == abcsmc::Vector::Ones(3));
  const RunConfig scalar =
      parse_config(base_config("distance: {weights: {y: 0.25}}\n"), "run.yaml");
  const abcsmc::Vector ws = abcsmc::io::distance_weights(scalar.distance, scalar.observed);
  REQUIRE(ws.size() == 1);
  CHECK(ws[0] == 0.25);
  // An element out of range is refused, naming what is valid.
  const auto e = message_with(errors_of(text + "distance: {weights: {\"x[3]\": 2}}\n"),
                              "distance.weights.x[3]");
  CHECK(contains(e, "run.yaml:6:"));
  CHECK(contains(e, "'x[3]' is not an observed statistic"));
  CHECK(contains(e, "'x', 'x[0]', 'x[1]' or 'x[2]'"));
  // The round trip keeps the array key.
  const RunConfig back = parse_config(to_yaml(c), "back.yaml");
  CHECK(back.distance.weights == c.distance.weights);
}

TEST_CASE("Config: an adaptive population size", "[io][config]") {
  const RunConfig fixed = parse_config(base_config("population_size: 300\n"), "run.yaml");
  CHECK_FALSE(fixed.adaptive_population.enabled);
  // A map: adaptive, with pyABC's defaults for what it leaves out; max defaults to 10 x start.
  const RunConfig c = parse_config(base_config("population_size: {start: 300}\n"), "run.yaml");
  CHECK(c.population_size == 300);
  CHECK(c.adaptive_population.enabled);
  CHECK(c.adaptive_population.mean_cv == 0.05);
  CHECK(c.adaptive_population.min == 10);
  CHECK(c.adaptive_population.max == 0);
  CHECK(c.adaptive_population.n_bootstrap == 10);
  const auto problem = abcsmc::io::build_problem(c);
  const auto settings = abcsmc::io::build_settings(c, *problem, 3);
  CHECK(settings.population_size == 300);
  CHECK(settings.adaptive_population.enabled);
  CHECK(settings.adaptive_population.max == 3000);
  const RunConfig all = parse_config(
      base_config("population_size: {start: 200, mean_cv: 0.1, min: 50, max: 800, n_bootstrap: "
                  "20}\n"),
      "run.yaml");
  CHECK(all.adaptive_population.mean_cv == 0.1);
  CHECK(all.adaptive_population.min == 50);
  CHECK(all.adaptive_population.max == 800);
  CHECK(all.adaptive_population.n_bootstrap == 20);
  // The round trip writes the resolved max and reads back equal.
  for (const RunConfig* x : {&c, &all, &fixed}) {
    const std::string yaml = to_yaml(*x);
    INFO(yaml);
    const RunConfig back = parse_config(yaml, "back.yaml");
    CHECK(back.population_size == x->population_size);
    CHECK(back.adaptive_population.enabled == x->adaptive_population.enabled);
    CHECK(back.adaptive_population.mean_cv == x->adaptive_population.mean_cv);
    CHECK(back.adaptive_population.min == x->adaptive_population.min);
    CHECK(back.adaptive_population.n_bootstrap == x->adaptive_population.n_bootstrap);
    CHECK(to_yaml(back) == yaml);
  }
  CHECK(contains(to_yaml(c), "population_size: {start: 300, mean_cv: 0.05, min: 10, max: 3000"));
  // Errors name the key and the value.
  const auto e = errors_of(base_config(
      "population_size: {start: 100, mean_cv: 0, min: 1, n_bootstrap: 5000, maxx: 9}\n"));
  CHECK(contains(message_with(e, "population_size.mean_cv"), "'0'"));
  CHECK(contains(message_with(e, "population_size.min"), "'1'"));
  CHECK(contains(message_with(e, "population_size.n_bootstrap"), "'5000'"));
  CHECK(contains(message_with(e, "'maxx'"), "Did you mean 'max'?"));
  const auto no_start = errors_of(base_config("population_size: {mean_cv: 0.05}\n"));
  CHECK(contains(message_with(no_start, "needs 'start'"), "run.yaml:9:"));
  const auto bounds = message_with(
      errors_of(base_config("population_size: {start: 100, min: 200}\n")), "min <= start <= max");
  CHECK(contains(bounds, "min is 200, start 100 and max 1000 (max defaults to 10 x start)"));
  CHECK(contains(
      message_with(errors_of(base_config("population_size: {start: 100, max: 50}\n")), "max 50"),
      "min <= start <= max"));
}

TEST_CASE("Config: noise kernels and the temperature", "[io][config]") {
  const std::string stop = "stop: {max_generations: 8}\n";
  const RunConfig c = parse_config(
      base_config("distance: {type: normal_kernel, noise: 0.2}\nepsilon: {type: temperature}\n" +
                  stop),
      "run.yaml");
  CHECK(c.distance.type == abcsmc::DistanceSpec::Type::normal_kernel);
  CHECK(c.distance.noise_all == 0.2);
  CHECK(c.epsilon.type == abcsmc::EpsilonSpec::Type::temperature);
  CHECK(c.epsilon.schemes ==
        std::vector<abcsmc::TemperatureScheme>{abcsmc::TemperatureScheme::acceptance_rate,
                                               abcsmc::TemperatureScheme::exp_decay_fixed_iter});
  CHECK_FALSE(c.epsilon.initial.has_value());
  CHECK(c.epsilon.target_rate == 0.3);
  // The distance's weights are 1 / noise, per statistic (array names too, an element's wins).
  const std::string arrays =
      "seed: 3\n"
      "parameters: {a: {type: normal, mean: 0, sd: 1}, b: {type: normal, mean: 0, sd: 1},\n"
      "             c: {type: normal, mean: 0, sd: 1}}\n"
      "model: {builtin: gaussian_linear}\n"
      "observed: {x: [1, 2, 3]}\n";
  const RunConfig l = parse_config(
      arrays +
          "distance: {type: laplace_kernel, noise: {x: 0.5, \"x[2]\": 0.25}}\n"
          "epsilon: {type: temperature, schemes: [ess, exp_decay_fixed_ratio], initial: 30, "
          "ratio: 0.4, target_relative_ess: 0.7, exponent: 2, target_rate: 0.2}\n" +
          stop,
      "run.yaml");
  const abcsmc::Vector w = abcsmc::io::distance_weights(l.distance, l.observed);
  REQUIRE(w.size() == 3);
  CHECK(w[0] == 2.0);
  CHECK(w[1] == 2.0);
  CHECK(w[2] == 4.0);
  CHECK(l.epsilon.initial == std::optional<double>(30.0));
  CHECK(l.epsilon.decay_alpha == 0.4);
  CHECK(l.epsilon.target_relative_ess == 0.7);
  CHECK(l.epsilon.decay_exponent == 2.0);
  CHECK(l.epsilon.target_rate == 0.2);
  // Round trip.
  for (const RunConfig* x : {&c, &l}) {
    const std::string yaml = to_yaml(*x);
    INFO(yaml);
    const RunConfig back = parse_config(yaml, "back.yaml");
    CHECK(back.distance.type == x->distance.type);
    CHECK(back.distance.noise == x->distance.noise);
    CHECK(back.distance.noise_all == x->distance.noise_all);
    CHECK(back.epsilon.schemes == x->epsilon.schemes);
    CHECK(back.epsilon.initial == x->epsilon.initial);
    CHECK(to_yaml(back) == yaml);
  }
  // The trio: a kernel needs a temperature, a temperature a kernel and max_generations.
  CHECK(contains(message_with(errors_of(base_config("distance: {type: normal_kernel, noise: 1}\n")),
                              "noise kernel accepts"),
                 "epsilon: {type: temperature}"));
  CHECK(contains(message_with(errors_of(base_config("epsilon: {type: temperature}\n" + stop)),
                              "needs a noise-kernel distance"),
                 "normal_kernel"));
  CHECK(contains(
      message_with(errors_of(base_config("distance: {type: normal_kernel, noise: 1}\n"
                                         "epsilon: {type: temperature}\n"
                                         "stop: {max_generations: 0, max_walltime: 1h}\n")),
                   "stop.max_generations"),
      "reaches 1"));
  // Noise: required, > 0, for every statistic, only for kernels; p/weights/scale not for kernels.
  const std::string temp = "epsilon: {type: temperature}\n" + stop;
  CHECK(contains(message_with(errors_of(base_config("distance: {type: normal_kernel}\n" + temp)),
                              "needs 'noise'"),
                 "noise: 0.1"));
  CHECK(contains(
      message_with(errors_of(base_config("distance: {type: normal_kernel, noise: 0}\n" + temp)),
                   "distance.noise"),
      "'0'"));
  CHECK(contains(message_with(errors_of(arrays +
                                        "distance: {type: normal_kernel, noise: "
                                        "{\"x[0]\": 1}}\n" +
                                        temp),
                              "no noise level for statistic 'x[1]'"),
                 "run.yaml:6:"));
  CHECK(contains(message_with(errors_of(arrays +
                                        "distance: {type: normal_kernel, noise: "
                                        "{z: 1}}\n" +
                                        temp),
                              "'z' is not an observed statistic"),
                 "'x', 'x[0]', 'x[1]' or 'x[2]'"));
  CHECK(contains(
      message_with(errors_of(base_config("distance: {type: pnorm, noise: 1}\n")), "distance.noise"),
      "applies only to the noise kernels"));
  CHECK(contains(message_with(errors_of(base_config(
                                  "distance: {type: normal_kernel, noise: 1, p: 1}\n" + temp)),
                              "distance.p"),
                 "does not apply to a noise kernel"));
  // Schemes: names with did-you-mean; keys of other epsilon types refused.
  const auto e = errors_of(base_config(
      "distance: {type: normal_kernel, noise: 1}\n"
      "epsilon: {type: temperature, schemes: [exp_decay_fixed_itr], alpha: 0.5, initial: 0.5}\n" +
      stop));
  CHECK(contains(message_with(e, "epsilon.schemes[0]"), "Did you mean 'exp_decay_fixed_iter'?"));
  CHECK(contains(message_with(e, "epsilon.alpha"), "applies only to epsilon type 'quantile'"));
  CHECK(contains(message_with(e, "epsilon.initial"), "a number >= 1"));
  CHECK(contains(message_with(errors_of(base_config("epsilon: {type: quantile, ratio: 0.5}\n")),
                              "epsilon.ratio"),
                 "applies only to epsilon type 'temperature'"));
  CHECK(contains(
      message_with(errors_of(base_config("epsilon: {type: temperatur}\n")), "epsilon.type"),
      "Did you mean 'temperature'?"));
}

TEST_CASE("Config: unreadable and invalid YAML files", "[io][config]") {
  SECTION("missing file") {
    try {
      (void)load_config("/nonexistent/dir/run.yaml");
      FAIL("no error");
    } catch (const ConfigErrors& e) {
      REQUIRE(e.messages().size() == 1);
      CHECK(contains(e.messages()[0], "/nonexistent/dir/run.yaml: cannot read config file: "));
    }
  }
  SECTION("syntax error has file:line") {
    const auto m = errors_of("seed: 1\npopulation_size: 10\nparameters: {theta: [1, 2\n");
    REQUIRE(m.size() == 1);
    CHECK(contains(m[0], "run.yaml:"));
    CHECK(contains(m[0], "invalid YAML"));
  }
  SECTION("bad indentation") {
    const auto m = errors_of("seed: 1\n  population_size: 10\n");
    REQUIRE(m.size() == 1);
    CHECK(contains(m[0], "run.yaml:2: invalid YAML"));
  }
  SECTION("not a map") {
    CHECK(contains(errors_of("- a\n- b\n")[0], "run.yaml:1: the config is a list"));
    CHECK(contains(errors_of("")[0], "run.yaml:1: the config is empty"));
  }
  SECTION("duplicate keys") {
    const auto m = errors_of(base_config("seed: 4\n"));
    CHECK(contains(message_with(m, "duplicate"),
                   "run.yaml:9: duplicate key 'seed' at top level (first at line 1)"));
  }
}

TEST_CASE("Config: several errors are reported at once, in line order", "[io][config]") {
  const auto m = errors_of(
      "seed: -3\n"            // 1
      "population_size: 0\n"  // 2
      "parameters:\n"
      "  theta: {type: normal, mean: 0, sd: 0}\n"  // 4
      "model: {builtin: gaussian_mean}\n"
      "observed: {y: 1, z: 2}\n"        // 6
      "epsilom: {}\n"                   // 7
      "stop: {max_walltime: soon}\n");  // 8
  REQUIRE(m.size() == 6);
  CHECK(contains(m[0], "run.yaml:1: seed"));
  CHECK(contains(m[1], "run.yaml:2: population_size"));
  CHECK(contains(m[2], "run.yaml:4: parameters.theta"));
  CHECK(contains(m[3], "run.yaml:6: observed.z"));
  CHECK(contains(m[4], "run.yaml:7: unknown key 'epsilom'"));
  CHECK(contains(m[5], "run.yaml:8: stop.max_walltime"));
  try {
    (void)parse_config("seed: -3\npopulation_size: 0\n", "run.yaml");
  } catch (const abcsmc::ConfigError& e) {  // what() joins the messages, one per line
    CHECK(contains(e.what(), "run.yaml:1: seed"));
    CHECK(contains(e.what(), "\nrun.yaml:2: population_size"));
  }
}

// ---------------------------------------------------------------------------------------------
// to_yaml
// ---------------------------------------------------------------------------------------------

TEST_CASE("Config: to_yaml writes every key and reads back equal", "[io][config]") {
  for (const char* name : {"minimal.yaml", "full.yaml", "selection.yaml", "observed_csv.yaml"}) {
    INFO(name);
    const RunConfig a = load_config(data_path(name));
    const std::string yaml = to_yaml(a);
    INFO(yaml);
    const RunConfig b = parse_config(yaml, "resolved.yaml");
    check_same(a, b);
    CHECK(to_yaml(b) == yaml);
    for (const char* key :
         {"seed:", "population_size:", "observed:", "distance:", "epsilon:", "transition:", "stop:",
          "sampler:", "output:", "max_walltime:", "store_stats:", "model_stay_probability:"}) {
      CHECK(contains(yaml, key));
    }
  }
}

TEST_CASE("Config: to_yaml keeps doubles exact and the seed resolved", "[io][config]") {
  RunConfig c = parse_config(base_config(), "s");
  c.seed = 12345678901234567ull;
  c.observed[0].values = {0.1 + 0.2};
  c.models[0].parameters[0].params["sd"] = 1.0 / 3.0;
  c.epsilon.alpha = 0.123456789012345678;
  c.stop.max_walltime_seconds = 7200.5;
  c.distance.p = std::numeric_limits<double>::infinity();
  const std::string yaml = to_yaml(c);
  INFO(yaml);
  CHECK(contains(yaml, "seed: 12345678901234567"));
  const RunConfig b = parse_config(yaml, "s");
  check_same(c, b);
  CHECK(b.observed[0].values[0] == 0.1 + 0.2);
  CHECK(b.models[0].parameters[0].params.at("sd") == 1.0 / 3.0);

  RunConfig automatic = parse_config(base_config(), "s");
  automatic.seed.reset();
  CHECK(contains(to_yaml(automatic), "seed: auto"));
}

TEST_CASE("Config: to_yaml of model selection with uneven probabilities", "[io][config]") {
  RunConfig c = load_config(data_path("selection.yaml"));
  c.models.push_back(c.models[0]);
  c.models[2].name = "third";
  c.models[0].prior_probability = 0.1;
  c.models[1].prior_probability = 0.7;
  c.models[2].prior_probability = 0.2;  // sum is 0.9999999999999999 in doubles
  const RunConfig b = parse_config(to_yaml(c), "s");
  check_same(c, b);
}

// ---------------------------------------------------------------------------------------------
// Durations
// ---------------------------------------------------------------------------------------------

TEST_CASE("Config: durations in seconds, minutes, hours and days", "[io][config]") {
  using abcsmc::io::parse_duration_seconds;
  CHECK(parse_duration_seconds("2h") == 7200.0);
  CHECK(parse_duration_seconds("3600s") == 3600.0);
  CHECK(parse_duration_seconds("2d") == 172800.0);
  CHECK(parse_duration_seconds("30m") == 1800.0);
  CHECK(parse_duration_seconds("90") == 90.0);
  CHECK(parse_duration_seconds("1.5h") == 5400.0);
  CHECK(parse_duration_seconds(" 10 s ") == 10.0);
  CHECK(parse_duration_seconds("0") == 0.0);
  for (const char* bad : {"2x", "", "h", "-5s", "abc", "1e999", "nan", "inf", "2 hours", "1h30m"}) {
    INFO(bad);
    CHECK_THROWS_AS(parse_duration_seconds(bad), abcsmc::ConfigError);
  }
  try {
    (void)parse_duration_seconds("2x");
  } catch (const abcsmc::ConfigError& e) {
    CHECK(contains(e.what(), "'2x' is not a valid duration"));
    CHECK(contains(e.what(), "'2h'"));
  }
}

TEST_CASE("Config differences: what --resume refuses key by key", "[io]") {
  using abcsmc::io::config_differences;
  using abcsmc::io::resume_may_change;
  const std::string stored = R"(
seed: 11
population_size: 100
parameters: {a: {type: normal, mean: 0, sd: 1}}
epsilon: {type: quantile, alpha: 0.5}
observed: {x: [1, 2]}
stop: {max_generations: 4}
sampler: {type: threads}
output: {path: a.h5, store_stats: true}
)";
  CHECK(config_differences(stored, stored, resume_may_change()).empty());
  const std::string allowed = R"(
seed: 11
population_size: 100
parameters: {a: {type: normal, mean: 0, sd: 1}}
epsilon: {type: quantile, alpha: 0.5}
observed: {x: [1, 2]}
stop: {max_generations: 9, min_epsilon: 0.1}
sampler: {type: mpi, batch_size: 4}
output: {path: elsewhere/b.h5, store_stats: true}
)";
  CHECK(config_differences(stored, allowed, resume_may_change()).empty());
  const std::string changed = R"(
seed: 12
population_size: 100
parameters: {a: {type: normal, mean: 0, sd: 2}, b: {type: uniform, low: 0, high: 1}}
epsilon: {type: quantile, alpha: 0.5}
observed: {x: [1, 3]}
output: {path: a.h5, store_stats: false}
)";
  const auto d = config_differences(stored, changed, resume_may_change());
  const std::vector<std::string> want = {
      "seed: 11 in the file, 12 now",
      "parameters.a.sd: 1 in the file, 2 now",
      "parameters.b: (absent) in the file, {type: uniform, low: 0, high: 1} now",
      "observed.x[1]: 2 in the file, 3 now",
      "output.store_stats: true in the file, false now",
  };
  CHECK(d == want);
  CHECK_THROWS_AS(config_differences("a: [", stored, {}), abcsmc::ConfigError);

  // A key later versions added: its absence in an earlier file meant a value; the file resumes
  // when the config gives that value, and the message says which it is otherwise.
  const std::string old_file = "transition: {type: multivariate_normal, scaling: 1}\n";
  CHECK(config_differences(old_file,
                           "transition: {type: multivariate_normal, scaling: 1, "
                           "defensive: 0}\n",
                           {})
            .empty());
  const auto added = config_differences(
      old_file, "transition: {type: multivariate_normal, scaling: 1, defensive: 0.05}\n", {});
  REQUIRE(added.size() == 1);
  CHECK(added[0] ==
        "transition.defensive: (absent) in the file, 0.05 now (the file is from a version "
        "without it, which meant 0; set transition.defensive: 0 to continue it)");
}

TEST_CASE("Config: transition.defensive takes 0 up to, not including, 1", "[io][config]") {
  const auto with = [](const std::string& v) {
    return "parameters: {a: {type: normal, mean: 0, sd: 1}}\nmodel: {builtin: gaussian_mean}\n"
           "observed: {y: 0.5}\ntransition: {defensive: " +
           v + "}\n";
  };
  CHECK(abcsmc::io::parse_config(with("0"), "t.yaml").transition.defensive == 0.0);
  CHECK(abcsmc::io::parse_config(with("0.3"), "t.yaml").transition.defensive == 0.3);
  for (const std::string bad : {"1", "-0.1", "x"}) {
    INFO(bad);
    CHECK_THROWS_WITH(abcsmc::io::parse_config(with(bad), "t.yaml"),
                      Catch::Contains("transition.defensive"));
  }
}
