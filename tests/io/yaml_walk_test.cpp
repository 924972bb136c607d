// The config reader's YAML walker (src/io/yaml_walk.hpp) on its own: scalar conversions, key
// paths and lines in the messages, unknown and duplicate keys, type errors, and how the
// collected problems are thrown. The config tests check the same wording through parse_config;
// these pin each function's part of it.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "../../src/io/yaml_walk.hpp"
#include "abcsmc/io/run_config.hpp"

namespace {

namespace walk = abcsmc::io::detail;

/// The document `yaml` as the walker's top-level field (as parse_config makes it).
walk::Field document(const std::string& yaml) {
  const YAML::Node root = YAML::Load(yaml);
  return walk::Field{"", "", root, std::max(1, walk::line_of(root, 1))};
}

/// The field `key` of the map `parent` (fails the test if it is not there exactly once).
walk::Field field(walk::Ctx& ctx, const walk::Field& parent, const std::string& key) {
  walk::Field out;
  int hits = 0;
  for (const auto& f : walk::map_fields(ctx, parent)) {
    if (f.key == key) {
      out = f;
      ++hits;
    }
  }
  INFO("key '" << key << "'");
  REQUIRE(hits == 1);
  return out;
}

/// The messages of `ctx` as "line: text".
std::vector<std::string> messages(const walk::Ctx& ctx) {
  std::vector<std::string> out;
  for (const auto& m : ctx.messages) out.push_back(std::to_string(m.line) + ": " + m.text);
  return out;
}

using Messages = std::vector<std::string>;

}  // namespace

TEST_CASE("YAML walk: numbers from scalar text", "[io][yaml_walk]") {
  CHECK(walk::parse_double("1.5", false) == 1.5);
  CHECK(walk::parse_double(" +2 ", false) == 2.0);
  CHECK(walk::parse_double("-3e2", false) == -300.0);
  CHECK(walk::parse_double(".inf", true) == std::numeric_limits<double>::infinity());
  CHECK(walk::parse_double("-Infinity", true) == -std::numeric_limits<double>::infinity());
  CHECK_FALSE(walk::parse_double(".inf", false));  // infinity only where the key allows it
  CHECK_FALSE(walk::parse_double("1e400", true));  // overflows: not a finite number either
  CHECK_FALSE(walk::parse_double("nan", true));
  CHECK_FALSE(walk::parse_double("", false));
  CHECK_FALSE(walk::parse_double("+", false));
  CHECK_FALSE(walk::parse_double("1.5x", false));
  CHECK_FALSE(walk::parse_double("0x10", false));
}

TEST_CASE("YAML walk: counts and booleans from scalar text", "[io][yaml_walk]") {
  CHECK(walk::parse_count("12") == 12u);
  CHECK(walk::parse_count(" +7 ") == 7u);
  CHECK(walk::parse_count("1e6") == 1000000u);  // a whole number written as a double
  CHECK(walk::parse_count("18446744073709551615") == std::numeric_limits<std::uint64_t>::max());
  CHECK_FALSE(walk::parse_count("18446744073709551616"));
  CHECK_FALSE(walk::parse_count("2e19"));
  CHECK_FALSE(walk::parse_count("-1"));
  CHECK_FALSE(walk::parse_count("1.5"));
  CHECK_FALSE(walk::parse_count("ten"));
  CHECK_FALSE(walk::parse_count(""));

  for (const char* yes : {"true", "Yes", "ON", " on "}) CHECK(walk::parse_bool(yes) == true);
  for (const char* no : {"false", "NO", "Off"}) CHECK(walk::parse_bool(no) == false);
  for (const char* neither : {"1", "0", "y", "maybe", ""}) CHECK_FALSE(walk::parse_bool(neither));
}

TEST_CASE("YAML walk: key paths and what a node holds, for messages", "[io][yaml_walk]") {
  CHECK(walk::child_path("", "seed") == "seed");
  CHECK(walk::child_path("epsilon", "alpha") == "epsilon.alpha");
  CHECK(walk::child_path("models[0]", "model") == "models[0].model");
  CHECK(walk::where("") == "at top level");
  CHECK(walk::where("stop") == "in 'stop'");
  CHECK(walk::name_of("") == "the config");
  CHECK(walk::name_of("stop.max_generations") == "stop.max_generations");

  CHECK(walk::found(YAML::Load("abc")) == "'abc'");
  CHECK(walk::found(YAML::Load("''")) == "''");
  CHECK(walk::found(YAML::Load("[1, 2]")) == "a list");
  CHECK(walk::found(YAML::Load("{a: 1}")) == "a map");
  CHECK(walk::found(YAML::Load("~")) == "empty");
  CHECK(walk::found(YAML::Node()) == "empty");
}

TEST_CASE("YAML walk: lines are 1-based, with a fallback for nodes without a mark",
          "[io][yaml_walk]") {
  YAML::Node root = YAML::Load("a: 1\nb:\n  c: [x,\n      y]\n");
  CHECK(walk::line_of(root["a"], 99) == 1);
  CHECK(walk::line_of(root["b"]["c"], 99) == 3);
  CHECK(walk::line_of(root["b"]["c"][1], 99) == 4);
  CHECK(walk::line_of(YAML::Node(), 7) == 7);  // made in code, not read from the text

  // The top level is where its map starts; an empty document (no mark) is at line 1.
  CHECK(document("\n\n# comment\nseed: 1\n").line == 4);
  CHECK(document("").line == 1);
}

TEST_CASE("YAML walk: map keys in document order with paths and lines", "[io][yaml_walk]") {
  walk::Ctx ctx;
  const walk::Field top = document(
      "stop:\n"                 // 1
      "  max_generations: 4\n"  // 2
      "  min_epsilon: 0.1\n"    // 3
      "seed: 3\n");             // 4
  const auto fields = walk::map_fields(ctx, top);
  REQUIRE(fields.size() == 2);
  CHECK(fields[0].key == "stop");
  CHECK(fields[0].path == "stop");
  CHECK(fields[0].line == 1);
  CHECK(fields[1].key == "seed");
  CHECK(fields[1].line == 4);

  const auto stop = walk::map_fields(ctx, fields[0]);
  REQUIRE(stop.size() == 2);
  CHECK(stop[0].path == "stop.max_generations");
  CHECK(stop[0].line == 2);
  CHECK(stop[0].node.Scalar() == "4");
  CHECK(stop[1].path == "stop.min_epsilon");
  CHECK(stop[1].line == 3);
  CHECK(ctx.messages.empty());
}

TEST_CASE("YAML walk: duplicate keys and keys that are not names are reported and skipped",
          "[io][yaml_walk]") {
  walk::Ctx ctx;
  const walk::Field top = document(
      "b: 1\n"        // 1
      "a: 2\n"        // 2
      "b: 3\n"        // 3
      "? [x, y]\n"    // 4
      ": 4\n"         // 5
      "stop:\n"       // 6
      "  ? {k: 1}\n"  // 7
      "  : 5\n");     // 8
  const auto fields = walk::map_fields(ctx, top);
  REQUIRE(fields.size() == 3);
  CHECK(fields[0].key == "b");
  CHECK(fields[0].node.Scalar() == "1");  // the first one is kept
  CHECK(fields[1].key == "a");
  CHECK(fields[2].key == "stop");
  CHECK(walk::map_fields(ctx, fields[2]).empty());
  CHECK(messages(ctx) ==
        Messages{"3: duplicate key 'b' at top level (first at line 1); keep only one.",
                 "4: a key at top level is a list, but keys must be plain names.",
                 "7: a key in 'stop' is a map, but keys must be plain names."});
}

TEST_CASE("YAML walk: a section keeps its allowed keys and reports the others", "[io][yaml_walk]") {
  walk::Ctx ctx;
  const walk::Field top = document(
      "stop:\n"                     // 1
      "  max_generation: 3\n"       // 2
      "  colour: red\n"             // 3
      "  min_epsilon: 0.5\n"        // 4
      "  checked_elsewhere: 1\n");  // 5
  const walk::Field stop = field(ctx, top, "stop");
  const walk::Section s(ctx, stop, {"max_generations", "min_epsilon"}, {"checked_elsewhere"});
  CHECK(messages(ctx) ==
        Messages{"2: unknown key 'max_generation' in 'stop'. Did you mean 'max_generations'?",
                 "3: unknown key 'colour' in 'stop'. Valid keys: 'max_generations' or "
                 "'min_epsilon'."});
  REQUIRE(s.fields().size() == 1);
  CHECK(s.has("min_epsilon"));
  CHECK_FALSE(s.has("max_generations"));
  CHECK_FALSE(s.has("checked_elsewhere"));  // skipped: neither kept nor reported
  const auto g = s.get("min_epsilon");
  REQUIRE(g);
  CHECK(g->path == "stop.min_epsilon");
  CHECK(g->line == 4);
  CHECK(s.self().path == "stop");

  walk::Ctx top_ctx;
  const walk::Section t(top_ctx, document("seed: 1\nsead: 10\n"), {"seed", "population_size"});
  CHECK(messages(top_ctx) == Messages{"2: unknown key 'sead' at top level. Did you mean 'seed'?"});
}

TEST_CASE("YAML walk: a value of the wrong kind names its path, what it is and what it must be",
          "[io][yaml_walk]") {
  walk::Ctx ctx;
  const walk::Field top = document(
      "stop: 3\n"           // 1
      "output:\n"           // 2
      "  path: [a, b]\n");  // 3
  CHECK_FALSE(walk::require_map(ctx, field(ctx, top, "stop"), "{max_generations: 10}"));
  const walk::Field output = field(ctx, top, "output");
  CHECK(walk::require_map(ctx, output, "{path: results.h5}"));
  walk::wrong_value(ctx, field(ctx, output, "path"), "a file name", " Hint.");
  CHECK(messages(ctx) == Messages{"1: stop is '3', but must be a map, e.g. {max_generations: 10}.",
                                  "3: output.path is a list, but must be a file name. Hint."});

  walk::Ctx top_ctx;
  CHECK_FALSE(walk::require_map(top_ctx, document("[1, 2]\n"), "{seed: 1}"));
  CHECK(messages(top_ctx) ==
        Messages{"1: the config is a list, but must be a map, e.g. {seed: 1}."});
}

TEST_CASE("YAML walk: numbers within their rules", "[io][yaml_walk]") {
  walk::Ctx ctx;
  const walk::Field e = field(ctx,
                              document("epsilon:\n"          // 1
                                       "  alpha: 0.25\n"     // 2
                                       "  high: 2\n"         // 3
                                       "  word: abc\n"       // 4
                                       "  list: [1]\n"       // 5
                                       "  infinite: .inf\n"  // 6
                                       "  zero: 0\n"),       // 7
                              "epsilon");
  CHECK(walk::get_number(ctx, field(ctx, e, "alpha"), walk::open_unit()) == 0.25);
  CHECK_FALSE(walk::get_number(ctx, field(ctx, e, "high"), walk::open_unit()));
  CHECK_FALSE(walk::get_number(ctx, field(ctx, e, "word"), walk::any_number()));
  CHECK_FALSE(walk::get_number(ctx, field(ctx, e, "list"), walk::positive()));
  CHECK_FALSE(walk::get_number(ctx, field(ctx, e, "infinite"), walk::non_negative()));
  walk::NumberRule with_inf = walk::non_negative();
  with_inf.allow_inf = true;
  CHECK(walk::get_number(ctx, field(ctx, e, "infinite"), with_inf) ==
        std::numeric_limits<double>::infinity());
  CHECK(walk::get_number(ctx, field(ctx, e, "zero"), walk::closed_unit()) == 0.0);
  CHECK_FALSE(walk::get_number(ctx, field(ctx, e, "zero"), walk::positive()));
  CHECK(messages(ctx) == Messages{"3: epsilon.high is '2', but must be a number in (0, 1).",
                                  "4: epsilon.word is 'abc', but must be a number.",
                                  "5: epsilon.list is a list, but must be a number > 0.",
                                  "6: epsilon.infinite is '.inf', but must be a number >= 0.",
                                  "7: epsilon.zero is '0', but must be a number > 0."});
}

TEST_CASE("YAML walk: whole numbers within their bounds", "[io][yaml_walk]") {
  walk::Ctx ctx;
  const walk::Field s = field(ctx,
                              document("sampler:\n"        // 1
                                       "  threads: 1e3\n"  // 2
                                       "  batch: -1\n"     // 3
                                       "  size: 0\n"       // 4
                                       "  port: 70000\n"   // 5
                                       "  half: 2.5\n"),   // 6
                              "sampler");
  CHECK(walk::get_count(ctx, field(ctx, s, "threads"), 0) == 1000u);
  CHECK_FALSE(walk::get_count(ctx, field(ctx, s, "batch"), 0));
  CHECK_FALSE(walk::get_count(ctx, field(ctx, s, "size"), 1));
  CHECK(walk::get_count(ctx, field(ctx, s, "size"), 0) == 0u);
  CHECK_FALSE(walk::get_count(ctx, field(ctx, s, "port"), 1, 65535));
  CHECK_FALSE(walk::get_count(ctx, field(ctx, s, "half"), 0));
  CHECK(messages(ctx) ==
        Messages{"3: sampler.batch is '-1', but must be a whole number >= 0.",
                 "4: sampler.size is '0', but must be a whole number >= 1.",
                 "5: sampler.port is '70000', but must be a whole number in [1, 65535].",
                 "6: sampler.half is '2.5', but must be a whole number >= 0."});
}

TEST_CASE("YAML walk: booleans, strings and choices", "[io][yaml_walk]") {
  walk::Ctx ctx;
  const walk::Field s = field(ctx,
                              document("s:\n"                 // 1
                                       "  store: yes\n"       // 2
                                       "  flag: maybe\n"      // 3
                                       "  host: ''\n"         // 4
                                       "  name:\n"            // 5
                                       "  type: thread\n"     // 6
                                       "  mode: {a: 1}\n"     // 7
                                       "  kind: threads\n"),  // 8
                              "s");
  CHECK(walk::get_bool(ctx, field(ctx, s, "store")) == true);
  CHECK_FALSE(walk::get_bool(ctx, field(ctx, s, "flag")));
  CHECK_FALSE(walk::get_string(ctx, field(ctx, s, "host"), "a host name"));
  CHECK_FALSE(walk::get_string(ctx, field(ctx, s, "name"), "a model name"));
  CHECK(walk::get_string(ctx, field(ctx, s, "kind"), "a word") == "threads");
  const std::vector<std::string> choices{"single", "threads"};
  CHECK_FALSE(walk::get_choice(ctx, field(ctx, s, "type"), choices));
  CHECK_FALSE(walk::get_choice(ctx, field(ctx, s, "mode"), choices));
  CHECK(walk::get_choice(ctx, field(ctx, s, "kind"), choices) == "threads");
  CHECK(messages(ctx) ==
        Messages{"3: s.flag is 'maybe', but must be true or false.",
                 "4: s.host is '', but must be a host name.",
                 "5: s.name is empty, but must be a model name.",
                 "6: s.type is 'thread', but must be 'single' or 'threads'. Did you mean "
                 "'threads'?",
                 "7: s.mode is a map, but must be 'single' or 'threads'."});
}

TEST_CASE("YAML walk: durations in seconds or with a unit", "[io][yaml_walk]") {
  walk::Ctx ctx;
  const walk::Field s = field(ctx,
                              document("sampler:\n"         // 1
                                       "  lease: 90s\n"     // 2
                                       "  window: 2m\n"     // 3
                                       "  plain: 15\n"      // 4
                                       "  negative: -3s\n"  // 5
                                       "  list: [1s]\n"),   // 6
                              "sampler");
  CHECK(walk::get_duration(ctx, field(ctx, s, "lease")) == 90.0);
  CHECK(walk::get_duration(ctx, field(ctx, s, "window")) == 120.0);
  CHECK(walk::get_duration(ctx, field(ctx, s, "plain")) == 15.0);
  CHECK_FALSE(walk::get_duration(ctx, field(ctx, s, "negative")));
  CHECK_FALSE(walk::get_duration(ctx, field(ctx, s, "list")));
  CHECK(messages(ctx) ==
        Messages{"5: sampler.negative: '-3s' is not a valid duration (it is negative); write "
                 "seconds as a number (e.g. 90) or a number with a unit s, m, h or d (e.g. "
                 "'90s', '30m', '2h', '1d')",
                 "6: sampler.list is a list, but must be a duration, e.g. 10 (seconds), 30s, "
                 "5m or 2h."});
}

TEST_CASE("YAML walk: text that is not valid UTF-8 is reported with its key path and line",
          "[io][yaml_walk]") {
  const std::string hint =
      " Names and text from the config are stored in the results file as UTF-8 strings; save "
      "the file as UTF-8.";
  walk::Ctx ctx;
  const walk::Field top = document(
      "ok: fine\n"          // 1
      "a:\n"                // 2
      "  b: x\xff\n"        // 3
      "  k\xc3: 1\n"        // 4
      "  list:\n"           // 5
      "    - good\n"        // 6
      "    - \"n\\0\"\n");  // 7
  walk::check_encoding(ctx, top.node, "", top.line);
  CHECK(messages(ctx) ==
        Messages{"3: the value of 'a.b' ('x\\xff') is not valid text: byte 0xff at position 2 "
                 "is not valid UTF-8." +
                     hint,
                 "4: the key 'k\\xc3' in 'a' is not valid text: byte 0xc3 at position 2 is not "
                 "valid UTF-8." +
                     hint,
                 "7: the value of 'a.list[1]' ('n\\x00') is not valid text: it contains a NUL "
                 "character at position 2." +
                     hint});
}

TEST_CASE("YAML walk: the problems are thrown in line order with the source name",
          "[io][yaml_walk]") {
  walk::Ctx ctx;
  ctx.source = "dir/run.yaml";
  ctx.error(3, "third");
  ctx.error(0, "no line");  // shown as line 1
  ctx.error(3, "third, again");
  ctx.error(1, "first");
  CHECK(ctx.count() == 4);
  try {
    ctx.throw_all();
  } catch (const abcsmc::io::ConfigErrors& e) {
    const Messages expected{"dir/run.yaml:1: no line", "dir/run.yaml:1: first",
                            "dir/run.yaml:3: third", "dir/run.yaml:3: third, again"};
    CHECK(e.messages() == expected);
    CHECK(std::string(e.what()) ==
          "dir/run.yaml:1: no line\ndir/run.yaml:1: first\ndir/run.yaml:3: third\n"
          "dir/run.yaml:3: third, again");
    return;
  }
  FAIL("throw_all did not throw ConfigErrors");
}
