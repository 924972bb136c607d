// parse_config's model gate (what a Redis worker consents to run): called for every model, with
// its key path, before the model is built; a refusal leaves parse_config unchanged; the gate
// may rewrite the spec that is then built.
#include <catch2/catch.hpp>
#include <stdexcept>
#include <string>
#include <vector>

#include "abcsmc/io/run_config.hpp"

namespace {

using abcsmc::io::ModelGate;
using abcsmc::io::ModelSpec;
using abcsmc::io::parse_config;

const std::string kTail = "observed: {y: 0.5}\nstop: {max_generations: 2}\n";

std::string selection(const std::string& second_model) {
  return "models:\n"
         "  - name: a\n"
         "    parameters: {theta: {type: normal, mean: 0, sd: 1}}\n"
         "    model: {builtin: gaussian_mean}\n"
         "  - name: b\n"
         "    parameters: {theta: {type: normal, mean: 0, sd: 1}}\n"
         "    model: " +
         second_model + "\n" + kTail;
}

struct Refused : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace

TEST_CASE("model gate: every model passes it, with its key path", "[config][gate]") {
  std::vector<std::string> seen;
  const ModelGate gate = [&](ModelSpec& spec, const std::string& where) {
    seen.push_back(where + ":" + (spec.builtin.empty() ? "command" : spec.builtin));
  };
  const auto config =
      parse_config(selection("{command: [/bin/true], statistics: [y]}"), "run.yaml", gate);
  CHECK(config.models.size() == 2);
  CHECK(seen ==
        std::vector<std::string>{"models[0].model:gaussian_mean", "models[1].model:command"});

  seen.clear();
  (void)parse_config(
      "parameters: {theta: {type: normal, mean: 0, sd: 1}}\nmodel: {builtin: gaussian_mean}\n" +
          kTail,
      "run.yaml", gate);
  CHECK(seen == std::vector<std::string>{"model:gaussian_mean"});
}

TEST_CASE("model gate: a refusal comes out as it is, before the model is built", "[config][gate]") {
  // Without the gate, the missing plugin library is a config error found by building it.
  const std::string text = selection("{plugin: /nonexistent/libnothing.so}");
  CHECK_THROWS_AS(parse_config(text, "run.yaml"), abcsmc::io::ConfigErrors);
  const ModelGate gate = [](ModelSpec& spec, const std::string& where) {
    if (!spec.plugin.empty()) throw Refused(where + " refused: " + spec.plugin);
  };
  CHECK_THROWS_WITH(parse_config(text, "run.yaml", gate),
                    "models[1].model refused: /nonexistent/libnothing.so");
  CHECK_THROWS_AS(parse_config(text, "run.yaml", gate), Refused);
}

TEST_CASE("model gate: the spec it rewrites is the one built and kept", "[config][gate]") {
  const ModelGate gate = [](ModelSpec& spec, const std::string&) {
    if (!spec.command.empty()) spec.command.front() = "/bin/true";
  };
  const auto config =
      parse_config(selection("{command: [/nonexistent/sim], statistics: [y]}"), "run.yaml", gate);
  REQUIRE(config.models.size() == 2);
  CHECK(config.models[1].command.front() == "/bin/true");
}
