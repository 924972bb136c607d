// The persistent-simulator protocol's framing (persistent_protocol.cpp): the hello and request
// lines abcsmc writes, and the validation of the child's ready and reply lines.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <iterator>
#include <limits>
#include <string>

#include "abcsmc/models/persistent_protocol.hpp"

using namespace abcsmc;
using namespace abcsmc::persistent;

namespace {

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("persistent protocol: the hello lists version, names, sizes, options and batches") {
  Hello h;
  h.parameters = {"mu", "sigma"};
  h.statistics = {{"y", 20}, {"z", 1}};
  h.options = {{"n", "10"}, {"mesh", "a b.dat"}};
  h.max_batch = 0;
  CHECK(encode_hello(h) ==
        "abcsmc-persistent 1\nparameters 2 mu sigma\nstatistics 2 y 20 z 1\noption n 10\n"
        "option mesh a b.dat\nbatch 0\nend\n");
  CHECK(valid_name("x.y_1"));
  CHECK_FALSE(valid_name(""));
  CHECK_FALSE(valid_name("a b"));
  CHECK_FALSE(valid_name("a\nb"));
  CHECK(valid_option_value("a\tb c"));
  CHECK_FALSE(valid_option_value("a\nb"));
}

TEST_CASE("persistent protocol: ready lines") {
  Ready r;
  CHECK(parse_ready("ready 1", r).empty());
  CHECK(r.version == 1);
  CHECK(r.max_batch == 1);
  CHECK(parse_ready("ready 1 batch 64\r", r).empty());
  CHECK(r.max_batch == 64);
  CHECK(parse_ready("ready 1 batch 999999999", r).empty());
  CHECK(r.max_batch == kMaxBatch);
  CHECK(parse_ready("ready 1 future thing", r).empty());  // unknown keys: later versions
  CHECK(has(parse_ready("ready 2", r), "speaks protocol version 2, abcsmc speaks version 1"));
  CHECK(has(parse_ready("Loading v1.0", r), "where 'ready 1' was expected"));
  CHECK(has(parse_ready("", r), "where 'ready 1' was expected"));
  CHECK(has(parse_ready("ready", r), "without a protocol version"));
  CHECK(has(parse_ready("ready x", r), "without a protocol version"));
  CHECK(has(parse_ready("ready 1 batch", r), "key value pairs"));
  CHECK(has(parse_ready("ready 1 batch 0", r), "batch takes a whole number >= 1"));
  CHECK(has(parse_ready(std::string("ready 1\0", 8), r), "NUL"));
  CHECK(has(parse_ready(std::string(5000, 'x'), r), "more than 4096 bytes"));
}

TEST_CASE("persistent protocol: requests carry the id, the seed and theta exactly") {
  std::string out;
  Vector theta(3);
  theta << 0.1, -1e-300, 1.0 / 3.0;
  append_request(out, 7, std::numeric_limits<std::uint64_t>::max(), theta);
  CHECK(out == "sim 7 18446744073709551615 0.1 -1e-300 0.3333333333333333\n");
  append_batch_header(out, 4);
  CHECK(has(out, "\nbatch 4\n"));
  // Round trip through the reply parser: the same bits.
  Vector back(3);
  const Reply r = parse_reply(
      "ok 7" + out.substr(out.find(" 0.1"), out.find('\n') - out.find(" 0.1")), 7, back);
  REQUIRE(r.kind == Reply::Kind::ok);
  for (int i = 0; i < 3; ++i) CHECK(back[i] == theta[i]);
  CHECK(number_token(std::nan("")) == "nan");
  CHECK(number_token(-std::numeric_limits<double>::infinity()) == "-inf");
  CHECK(number_token(5e-324) == "5e-324");
}

TEST_CASE("persistent protocol: replies, good and malformed") {
  Vector s(2);
  Reply r = parse_reply("ok 3 1.5 -2e+10", 3, s);
  REQUIRE(r.kind == Reply::Kind::ok);
  CHECK(s[0] == 1.5);
  CHECK(s[1] == -2e10);
  r = parse_reply("ok 3\t+1   nan\r", 3, s);  // tabs, runs of blanks, '+', CRLF, nan
  REQUIRE(r.kind == Reply::Kind::ok);
  CHECK(s[0] == 1.0);
  CHECK(std::isnan(s[1]));
  r = parse_reply("ok 3 Inf -inf", 3, s);  // R writes Inf
  REQUIRE(r.kind == Reply::Kind::ok);
  CHECK(std::isinf(s[0]));
  r = parse_reply("ok 3 1e-400 0", 3, s);  // underflow reads as strtod does
  REQUIRE(r.kind == Reply::Kind::ok);
  CHECK(s[0] == 0.0);

  r = parse_reply("fail 3 ODE solver diverged at t=1.5", 3, s);
  REQUIRE(r.kind == Reply::Kind::fail);
  CHECK(r.message == "ODE solver diverged at t=1.5");
  r = parse_reply("fail 3", 3, s);
  REQUIRE(r.kind == Reply::Kind::fail);
  CHECK(r.message.empty());
  r = parse_reply("fail 3 " + std::string(kMaxMessageBytes + 100, 'm'), 3, s);
  REQUIRE(r.kind == Reply::Kind::fail);
  CHECK(r.message.size() == kMaxMessageBytes);

  struct Bad {
    std::string line;
    std::string message;
    std::string reason;
  };
  const Bad bad[] = {
      {"", "not 'ok <id> ...'", "other than ok or fail"},
      {"hello world", "'hello world'", "other than ok or fail"},
      {"okay 3 1 2", "not 'ok", "other than ok or fail"},
      {"ok", "without a request id", "without a request id"},
      {"ok x 1 2", "without a request id", "without a request id"},
      {"ok 4 1 2", "replied to request 4 when 3 was expected", "another request"},
      {"ok 3 1", "replied with 1 numbers, 2 statistics expected",
       "replied with 1 numbers, 2 statistics expected"},
      {"ok 3 1 2 3", "3 numbers, 2 statistics", "3 numbers, 2 statistics"},
      {"ok 3 1 NA", "'NA' as statistic 1", "a non-number among its statistics"},
      {"ok 3 1 2x", "'2x' as statistic 1", "non-number"},
      {"ok 3 1 -", "'-' as statistic 1", "non-number"},
      {"ok 3 1 0x1p3", "statistic 1", "non-number"},  // hex floats are not in version 1
      {std::string("ok 3 1\0 2", 9), "NUL", "NUL"},
      {"ok 3 " + std::string(max_reply_line(2), '1'), "longer than", "too long"},
  };
  for (const auto& b : bad) {
    INFO(b.line.substr(0, 60));
    r = parse_reply(b.line, 3, s);
    CHECK(r.kind == Reply::Kind::malformed);
    CHECK(has(r.message, b.message));
    CHECK(has(r.reason, b.reason));
  }
  // An earlier request's id: the child wrote an extra reply (out of step), not this one's fault.
  for (const std::string line : {"ok 2 1 2", "fail 1 late", "ok 0 1"}) {
    INFO(line);
    r = parse_reply(line, 3, s);
    CHECK(r.kind == Reply::Kind::stale);
    CHECK(has(r.message, "again when 3 was expected (an extra reply line)"));
    CHECK(r.reason == "wrote an extra reply line");
  }
}

TEST_CASE("persistent protocol: random bytes never crash the parsers") {
  // Untrusted input: whatever a child writes, parse_ready and parse_reply return an answer.
  std::uint64_t x = 12345;
  const auto next = [&x] {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return x;
  };
  const std::string alphabet[] = {
      "ok",  "fail", "ready", " ",   "\t",  "1", "3",  "-",
      "+",   "e",    ".",     "nan", "inf", "x", "\r", std::string(1, '\0'),
      "\xff"};
  Vector s(2);
  Ready r;
  std::size_t ok = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string line;
    const std::size_t n = next() % 12;
    for (std::size_t k = 0; k < n; ++k) line += alphabet[next() % std::size(alphabet)];
    if (parse_reply(line, 3, s).kind == Reply::Kind::ok) ++ok;
    (void)parse_ready(line, r);
  }
  CHECK(ok < 20000);
}
