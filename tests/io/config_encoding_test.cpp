// Text in the config that ends up as HDF5 UTF-8 strings (parameter, statistic and model names,
// option values, the resolved config) must be valid UTF-8 without NUL bytes: anything else is
// refused with file:line and the key, instead of making the results file unreadable with
// h5py's .asstr().
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "abcsmc/io/run_config.hpp"
#include "support/config_errors.hpp"

namespace {

using abcsmc::testing::config_errors;
using abcsmc::testing::the_message_with;

bool contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

/// A valid config with `theta` as the parameter name, `y` as the statistic, and `extra` after.
std::string config(const std::string& theta = "theta", const std::string& y = "y",
                   const std::string& extra = "") {
  return "seed: 3\n"      // 1
         "parameters:\n"  // 2
         "  " +
         theta +
         ": {type: normal, mean: 0, sd: 1}\n"                   // 3
         "model: {builtin: gaussian_mean, options: {n: 10}}\n"  // 4
         "observed:\n"                                          // 5
         "  " +
         y + ": 0.5\n"  // 6
         + extra;
}

}  // namespace

TEST_CASE("Config encoding: UTF-8 names are accepted as they are", "[io][config]") {
  const auto cfg = abcsmc::io::parse_config(
      "models:\n"
      "  - name: m\xc3\xb8"
      "del\n"                                                         // mødel
      "    parameters: {\xce\xb8: {type: normal, mean: 0, sd: 1}}\n"  // θ
      "    model: {command: [/bin/true], statistics: [\xc3\xbf]}\n"   // ÿ
      "observed: {\xc3\xbf: 0.5}\n"
      "stop: {max_generations: 2}\n",
      "run.yaml");
  REQUIRE(cfg.models.size() == 1);
  CHECK(cfg.models[0].name ==
        "m\xc3\xb8"
        "del");
  CHECK(cfg.models[0].parameters[0].name == "\xce\xb8");
  CHECK(cfg.observed[0].name == "\xc3\xbf");
  // 4-byte forms (U+1F600) and the largest code point (U+10FFFF) are valid too.
  CHECK_NOTHROW(abcsmc::io::parse_config(
      config("\xf0\x9f\x98\x80", "y", "stop: {max_generations: 2}\n"), "run.yaml"));
  CHECK_NOTHROW(abcsmc::io::parse_config(
      config("\xf4\x8f\xbf\xbf", "y", "stop: {max_generations: 2}\n"), "run.yaml"));
}

TEST_CASE("Config encoding: invalid UTF-8 in a name is refused with file:line and the key",
          "[io][config]") {
  SECTION("a parameter name") {
    const auto m =
        config_errors(config("th\xff"
                             "eta"));
    REQUIRE(m.size() == 1);
    CHECK(contains(m[0],
                   "run.yaml:3: the key 'th\\xffeta' in 'parameters' is not valid text: "
                   "byte 0xff at position 3 is not valid UTF-8."));
    CHECK(contains(m[0], "UTF-8"));
  }
  SECTION("a statistic name") {
    const auto m = config_errors(config("theta", "y\xc3"));  // a truncated 2-byte sequence
    REQUIRE(m.size() == 1);
    CHECK(contains(m[0],
                   "run.yaml:6: the key 'y\\xc3' in 'observed' is not valid text: "
                   "byte 0xc3 at position 2 is not valid UTF-8"));
  }
  SECTION("overlong forms, surrogates and code points above U+10FFFF") {
    for (const std::string bad : {"\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80",
                                  "\x80", "\xf8\x88\x80\x80\x80"}) {
      INFO("bytes of " << bad.size());
      const auto m = config_errors(config("a" + bad));
      REQUIRE(m.size() == 1);
      CHECK(contains(m[0], "run.yaml:3: the key 'a\\x"));
      CHECK(contains(m[0], "at position 2 is not valid UTF-8"));
    }
  }
  SECTION("a model name, and a command's statistic") {
    const auto m = config_errors(
        "models:\n"
        "  - name: \"m\\0x\"\n"  // 2: YAML's \0 escape: a NUL byte, which HDF5 would cut at
        "    parameters: {theta: {type: normal, mean: 0, sd: 1}}\n"
        "    model: {builtin: gaussian_mean}\n"
        "  - name: m1\n"
        "    parameters: {theta: {type: normal, mean: 0, sd: 1}}\n"
        "    model: {command: [/bin/true], statistics: [\"y\xe2\x82\"]}\n"  // 7
        "observed: {y: 0.5}\n");
    REQUIRE(m.size() == 2);
    CHECK(contains(m[0],
                   "run.yaml:2: the value of 'models[0].name' ('m\\x00x') is not valid "
                   "text: it contains a NUL character at position 2."));
    CHECK(contains(m[1],
                   "run.yaml:7: the value of 'models[1].model.statistics[0]' ('y\\xe2\\x82')"
                   " is not valid text: byte 0xe2 at position 2 is not valid UTF-8."));
  }
  SECTION("an option value (it is part of the resolved config stored in the file)") {
    const auto m = config_errors(
        config("theta", "y", "stop: {max_generations: 2}\n")
            .replace(config().find("options: {n: 10}"), 16, "options: {n: \"1\xff\"}"));
    CHECK(contains(the_message_with(m, "not valid text"),
                   "run.yaml:4: the value of 'model.options.n' ('1\\xff') is not valid text"));
  }
}

TEST_CASE("Config encoding: invalid UTF-8 in an observed CSV header is refused", "[io][config]") {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("abcsmc_encoding_test_" + std::to_string(std::random_device{}()));
  std::filesystem::create_directories(dir);
  {
    std::ofstream csv(dir / "obs.csv", std::ios::binary);
    csv << "y\xfe\n0.5\n";
  }
  const auto m = config_errors(
      "parameters: {theta: {type: normal, mean: 0, sd: 1}}\n"
      "model: {builtin: gaussian_mean}\n"
      "observed: {file: obs.csv}\n",
      (dir / "run.yaml").string());
  std::filesystem::remove_all(dir);
  const std::string e = the_message_with(m, "not valid text");
  CHECK(contains(e, "run.yaml:3: observed.file: observed file '"));
  CHECK(contains(e,
                 "obs.csv': the name of column 1 ('y\\xfe') is not valid text: byte 0xfe at "
                 "position 2 is not valid UTF-8"));
}
