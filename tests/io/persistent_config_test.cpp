// `model: {persistent: [...]}` in the config: parsing, the keys that apply only to it, errors
// with file:line, the to_yaml round trip, and the Redis worker's consent (like command:). The
// child is a /bin/sh script written by the test (no build target needed).
#include <sys/stat.h>
#include <unistd.h>
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <string>

#include "abcsmc/io/build.hpp"
#include "abcsmc/io/run_config.hpp"
#include "abcsmc/io/worker_problem.hpp"

namespace {

using abcsmc::io::ConfigErrors;
using abcsmc::io::ModelConsent;
using abcsmc::io::parse_config;
using abcsmc::io::RunConfig;
using abcsmc::io::to_yaml;

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

/// A persistent simulator in sh: ready, then y = theta for every request.
std::string echo_child() {
  static const std::string path = [] {
    const std::string p = "/tmp/abcsmc_persistent_echo_" + std::to_string(getpid()) + ".sh";
    std::ofstream out(p);
    out << "#!/bin/sh\nwhile read l; do [ \"$l\" = end ] && break; done\necho ready 1\n"
           "while read w id s t; do echo \"ok $id $t\"; done\n";
    out.close();
    chmod(p.c_str(), 0755);
    return p;
  }();
  return path;
}

std::string config(const std::string& model) {
  return "seed: 1\nparameters: {theta: {type: normal, mean: 0, sd: 1}}\nmodel: " + model +
         "\nobserved: {y: 0.5}\nstop: {max_generations: 2}\n";
}

std::string errors_of(const std::string& text) {
  try {
    (void)parse_config(text, "run.yaml");
  } catch (const ConfigErrors& e) {
    std::string all;
    for (const auto& m : e.messages()) all += m + "\n";
    return all;
  }
  return "";
}

}  // namespace

TEST_CASE("persistent config: keys parse, apply only to persistent, and round-trip", "[io]") {
  const RunConfig c = parse_config(
      config("{persistent: [" + echo_child() +
             ", --fast], statistics: [y], timeout: 2s, start_timeout: 1m, restarts: 7, "
             "batch: 32, kill_grace: 0.5, options: {mesh: a.dat, n: 10}}"),
      "run.yaml");
  REQUIRE(c.models.size() == 1);
  const auto& m = c.models[0];
  CHECK(m.persistent == std::vector<std::string>{echo_child(), "--fast"});
  CHECK(m.command.empty());
  CHECK(m.timeout_seconds == 2.0);
  CHECK(m.start_timeout_seconds == 60.0);
  CHECK(m.restarts == 7);
  CHECK(m.batch == 32);
  CHECK(m.kill_grace_seconds == 0.5);
  // The model the parser built to check the spec is kept for build_problem: its first child
  // is not started twice.
  REQUIRE(m.built != nullptr);
  CHECK(abcsmc::io::build_problem(c)->models[0].model == m.built);
  CHECK(m.options.at("mesh").text == "a.dat");
  const std::string yaml = to_yaml(c);
  INFO(yaml);
  CHECK(has(yaml, "persistent:"));
  CHECK(has(yaml, "start_timeout: 60"));
  CHECK(has(yaml, "restarts: 7"));
  const RunConfig b = parse_config(yaml, "resolved.yaml");
  CHECK(b.models[0].persistent == m.persistent);
  CHECK(b.models[0].restarts == 7);
  CHECK(b.models[0].batch == 32);
  CHECK(b.models[0].start_timeout_seconds == 60.0);
  CHECK(to_yaml(b) == yaml);
}

TEST_CASE("persistent config: errors name file:line and the key", "[io]") {
  CHECK(has(errors_of(config("{builtin: gaussian_mean, restarts: 3}")),
            "run.yaml:3: model.restarts applies only to persistent models"));
  CHECK(has(errors_of(config("{builtin: gaussian_mean, start_timeout: 3}")),
            "model.start_timeout applies only to persistent models"));
  CHECK(has(errors_of(config("{command: [/bin/true], statistics: [y], batch: 4}")),
            "model.batch applies only to persistent models"));
  CHECK(has(errors_of(config("{persistent: [" + echo_child() + "], statistics: [y], batch: 0}")),
            "model.batch"));
  CHECK(has(errors_of(config("{command: [/bin/true], persistent: [/bin/true], statistics: [y]}")),
            "'persistent' cannot be combined with 'command'"));
  CHECK(has(errors_of(config("{persistent: [/bin/true]}")),
            "runs a persistent simulator but has no 'statistics'"));
  CHECK(
      has(errors_of(config("{persistent: [" + echo_child() + "], statistics: [y], restarts: -1}")),
          "model.restarts"));
  CHECK(has(errors_of(config("{persistent: [/nonexistent/sim.py], statistics: [y]}")),
            "run.yaml:3: model: persistent: '/nonexistent/sim.py' does not exist"));
  // A program that exits at once (true): the handshake fails, at config time, naming it.
  const std::string quits = errors_of(config("{persistent: [/bin/true], statistics: [y]}"));
  CHECK(has(quits, "run.yaml:3: model: persistent simulator `/bin/true` exited with status 0"));
  CHECK(has(errors_of(config("{persistent: [" + echo_child() + "], statistics: ['a b']}")),
            "without blanks"));
}

TEST_CASE("persistent config: a Redis worker runs it only with --allow-commands", "[io]") {
  abcsmc::io::ModelSpec spec;
  spec.persistent = {"/usr/bin/python3", "sim.py"};
  ModelConsent none;
  const auto refusal = abcsmc::io::consent_refusal(spec, "model", none);
  REQUIRE(refusal);
  CHECK(has(*refusal, "model runs a persistent simulator (/usr/bin/python3)"));
  CHECK(has(*refusal, "--allow-commands"));
  ModelConsent commands;
  commands.allow_commands = true;
  CHECK_FALSE(abcsmc::io::consent_refusal(spec, "model", commands));
}
