// parse_statistics_text: a simulator's printed statistics, positional or by name.
#include <catch2/catch.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "abcsmc/core/error.hpp"
#include "abcsmc/models/statistics_text.hpp"

using namespace abcsmc;

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("statistics text: positional and named", "[models]") {
  const std::vector<StatSpec> specs{{"a", 1}, {"x", 2}};
  Vector out(3);
  parse_statistics_text("1 2\n 3\n", specs, out);
  CHECK(out[0] == 1.0);
  CHECK(out[2] == 3.0);
  parse_statistics_text("x 5 6\na 4\n", specs, out);
  CHECK(out[0] == 4.0);
  CHECK(out[1] == 5.0);
  CHECK(out[2] == 6.0);
  parse_statistics_text("x[1] 8\na -1e3\nx[0] +7\n", specs, out);
  CHECK(out[0] == -1000.0);
  CHECK(out[1] == 7.0);
  CHECK(out[2] == 8.0);
  parse_statistics_text("nan inf 1", specs, out);  // parsed; the evaluator rejects them
  CHECK(std::isnan(out[0]));
  CHECK(std::isinf(out[1]));

  const auto error = [&](const std::string& text) {
    try {
      parse_statistics_text(text, specs, out);
    } catch (const ModelError& e) {
      return std::string(e.what());
    }
    return std::string("(no error)");
  };
  CHECK(contains(error("1 2"), "printed 2 numbers, but 3 statistics are declared"));
  CHECK(contains(error("1 2 3 4"), "printed 4 numbers"));
  CHECK(contains(error(""), "printed no statistics"));
  CHECK(contains(error("1 two 3"), "'two'"));
  CHECK(contains(error("b 1\nx 1 2"), "unknown statistic 'b'"));
  CHECK(contains(error("x 1 2"), "did not print the statistic 'a'"));
  CHECK(contains(error("a 1\na 2\nx 1 2"), "twice"));
  CHECK(contains(error("a 1\nx 1"), "printed 1 value(s) for 'x', which has size 2"));
}

TEST_CASE("statistics text: blanks, signs and exponents", "[models]") {
  const std::vector<StatSpec> specs{{"a", 1}, {"b", 1}};
  Vector out(2);
  parse_statistics_text("\t+1.5e2\r\n\n  -0.25  \n", specs, out);
  CHECK(out[0] == 150.0);
  CHECK(out[1] == -0.25);
  parse_statistics_text("b 2\n\na 1\n", specs, out);  // empty lines between names
  CHECK(out[0] == 1.0);
  CHECK(out[1] == 2.0);
  CHECK_THROWS_AS(parse_statistics_text("1 0x10", specs, out), ModelError);  // no hex
  CHECK_THROWS_AS(parse_statistics_text("1 2,5", specs, out), ModelError);   // no comma
}
