// Map keys in the config walker (map_fields): every key is read from the iterator's pair, and
// its kind and line reach the messages. The walker once bound `const YAML::Node&` to a member
// of yaml-cpp's temporary iterator proxy (a stack use after scope); run this file under
// -fsanitize=address, which catches that class of bug.
#include <catch2/catch.hpp>

#include <string>

#include "abcsmc/io/run_config.hpp"
#include "support/config_errors.hpp"

namespace {

using abcsmc::testing::config_errors;
using abcsmc::testing::the_message_with;

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

const std::string kValid =
    "seed: 3\n"                                  // 1
    "parameters:\n"                              // 2
    "  theta: {type: normal, mean: 0, sd: 1}\n"  // 3
    "model:\n"                                   // 4
    "  builtin: gaussian_mean\n"                 // 5
    "  options: {n: 10, sigma: 1}\n"             // 6
    "observed:\n"                                // 7
    "  y: 0.5\n";                                // 8

}  // namespace

TEST_CASE("Config keys: every key of nested maps is read with its value", "[io][config]") {
  const auto config = abcsmc::io::parse_config(kValid + "stop: {max_generations: 4}\n", "run.yaml");
  REQUIRE(config.models.size() == 1);
  REQUIRE(config.models[0].parameters.size() == 1);
  CHECK(config.models[0].parameters[0].name == "theta");
  CHECK(config.models[0].parameters[0].line == 3);
  CHECK(config.models[0].parameters[0].params.at("sd") == 1.0);
  CHECK(config.models[0].options.at("n").text == "10");
  CHECK(config.stop.max_generations == 4);
}

TEST_CASE("Config keys: a key that is not a plain name is reported with its line and kind",
          "[io][config]") {
  SECTION("a list as a key, at top level") {
    const auto m = config_errors(kValid + "? [a, b]\n: 1\n");
    CHECK(contains(the_message_with(m, "keys must be plain names"),
                   "run.yaml:9: a key at top level is a list, but keys must be plain names."));
  }
  SECTION("a map as a key, in a section") {
    const auto m = config_errors(kValid + "stop:\n  max_generations: 2\n  ? {a: 1}\n  : 3\n");
    CHECK(contains(the_message_with(m, "keys must be plain names"),
                   "run.yaml:11: a key in 'stop' is a map, but keys must be plain names."));
  }
  SECTION("a duplicate key, nested") {
    const auto m = config_errors(kValid + "stop:\n  max_generations: 2\n  max_generations: 3\n");
    CHECK(contains(the_message_with(m, "duplicate"),
                   "run.yaml:11: duplicate key 'max_generations' in 'stop' (first at line 10)"));
  }
}
