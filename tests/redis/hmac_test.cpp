// Authenticated runs (redis/auth.hpp): HMAC-SHA256 against RFC 4231, the key file's checks, and
// that any change to a signed config, spec, result or abort (or its context) is detected.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "abcsmc/core/error.hpp"
#include "abcsmc/redis/auth.hpp"

using namespace abcsmc::redis::auth;
namespace fs = std::filesystem;

namespace {

std::string unhex(const std::string& h) {
  std::string out;
  for (std::size_t i = 0; i + 1 < h.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16)));
  }
  return out;
}

std::string mac_hex(const std::string& key, const std::string& data) {
  return hex(hmac_sha256(key, {data}));
}

/// A scratch directory of its own, removed at the end.
struct Scratch {
  fs::path dir;
  Scratch() {
    dir = fs::temp_directory_path() / ("abcsmc_hmac_test_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  ~Scratch() { fs::remove_all(dir); }
  std::string write(const std::string& name, const std::string& text, mode_t mode) const {
    const fs::path p = dir / name;
    { std::ofstream(p, std::ios::binary) << text; }
    ::chmod(p.c_str(), mode);
    return p.string();
  }
};

std::string load_error(const std::string& path) {
  try {
    (void)Key::load(path);
  } catch (const abcsmc::ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("HMAC-SHA256 matches the RFC 4231 test vectors", "[auth]") {
  // Test cases 1-4, 6 and 7 (5 is a truncated output).
  CHECK(mac_hex(std::string(20, '\x0b'), "Hi There") ==
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  CHECK(mac_hex("Jefe", "what do ya want for nothing?") ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  CHECK(mac_hex(std::string(20, '\xaa'), std::string(50, '\xdd')) ==
        "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
  CHECK(mac_hex(unhex("0102030405060708090a0b0c0d0e0f10111213141516171819"),
                std::string(50, '\xcd')) ==
        "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
  CHECK(
      mac_hex(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First") ==
      "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  CHECK(mac_hex(
            std::string(131, '\xaa'),
            "This is a test using a larger than block-size key and a larger than block-size data. "
            "The key needs to be hashed before being used by the HMAC algorithm.") ==
        "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
  // Parts are concatenated.
  CHECK(hex(hmac_sha256("Jefe", {"what do ya ", "", "want for nothing?"})) ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE("same() compares in constant time and needs equal lengths", "[auth]") {
  CHECK(same("abc", "abc"));
  CHECK_FALSE(same("abc", "abd"));
  CHECK_FALSE(same("abc", "abcd"));
  CHECK(same("", ""));
}

TEST_CASE("signed config and spec: any change to the text or its context is refused", "[auth]") {
  const Key key = Key::from_bytes("0123456789abcdef0123456789abcdef");
  const Key other = Key::from_bytes("0123456789abcdef0123456789abcdeF");
  const std::string config = "seed: 1\nmodel: {plugin: /tmp/x.so}\n";
  const std::string c = key.config_mac("run1", config);
  CHECK(c.size() == 64);
  CHECK(key.config_ok("run1", config, c));
  CHECK_FALSE(key.config_ok("run2", config, c));                                 // another run
  CHECK_FALSE(key.config_ok("run1", config + " ", c));                           // a changed config
  CHECK_FALSE(key.config_ok("run1", config, other.config_mac("run1", config)));  // another key
  CHECK_FALSE(key.config_ok("run1", config, ""));                                // unsigned
  CHECK_FALSE(key.config_ok("run1", config, c.substr(0, 63)));
  std::string flipped = c;
  flipped[10] = flipped[10] == '0' ? '1' : '0';
  CHECK_FALSE(key.config_ok("run1", config, flipped));
  // The context is framed: moving bytes between run id and config gives another MAC.
  CHECK(key.config_mac("run1", "x") != key.config_mac("run1x", ""));

  const std::string spec("\x05\x01spec bytes\0more", 17);
  const std::string s = key.spec_mac("run1", 3, spec);
  CHECK(key.spec_ok("run1", 3, spec, s));
  CHECK_FALSE(key.spec_ok("run1", 4, spec, s));  // another round
  CHECK_FALSE(key.spec_ok("run2", 3, spec, s));  // another run
  CHECK_FALSE(key.spec_ok("run1", 3, spec.substr(0, 16), s));
  CHECK_FALSE(key.spec_ok("run1", 3, spec, other.spec_mac("run1", 3, spec)));
  CHECK(key.spec_mac("run1", 3, spec) != key.config_mac("run1", spec));  // domains differ
}

TEST_CASE("signed results: tampered, unsigned, replayed or foreign ones are refused", "[auth]") {
  const Key key = Key::from_bytes("a shared key of 32 bytes, really");
  const std::string spec_mac = key.spec_mac("run1", 2, "spec of round 2");
  const std::string result("\x05\x06result\0bytes", 14);
  const std::string framed = key.sign_result("run1", 2, spec_mac, result);
  REQUIRE(framed.size() == kResultMagic.size() + kMacBytes + result.size());
  std::string_view got;
  REQUIRE(key.open_result("run1", 2, spec_mac, framed, got) == ResultCheck::ok);
  CHECK(got == result);

  std::string_view unused;
  CHECK(key.open_result("run1", 2, spec_mac, result, unused) == ResultCheck::unsigned_result);
  CHECK(key.open_result("run1", 2, spec_mac, "", unused) == ResultCheck::unsigned_result);
  CHECK(key.open_result("run1", 2, spec_mac, std::string(kResultMagic), unused) ==
        ResultCheck::unsigned_result);
  for (std::size_t i = 0; i < framed.size(); ++i) {  // every byte matters
    std::string t = framed;
    t[i] = static_cast<char>(t[i] ^ 0x20);
    CHECK(key.open_result("run1", 2, spec_mac, t, unused) != ResultCheck::ok);
  }
  CHECK(key.open_result("run1", 2, spec_mac, framed + "x", unused) == ResultCheck::bad_signature);
  CHECK(key.open_result("run1", 3, spec_mac, framed, unused) ==
        ResultCheck::bad_signature);  // another round
  CHECK(key.open_result("run9", 2, spec_mac, framed, unused) ==
        ResultCheck::bad_signature);  // another run
  // The same run and round, but another incarnation of its spec (a resumed run's round).
  const std::string spec_mac2 = key.spec_mac("run1", 2, "another spec of round 2");
  CHECK(key.open_result("run1", 2, spec_mac2, framed, unused) == ResultCheck::bad_signature);
  const Key other = Key::from_bytes("another shared key of 32 bytes..");
  CHECK(other.open_result("run1", 2, spec_mac, framed, unused) == ResultCheck::bad_signature);
  CHECK(key.open_result("run1", 2, spec_mac, other.sign_result("run1", 2, spec_mac, result),
                        unused) == ResultCheck::bad_signature);
  CHECK(key.open_result("run1", 2, "not hex", framed, unused) == ResultCheck::bad_signature);
}

TEST_CASE("signed aborts: only the key's own, for this run, are accepted", "[auth]") {
  const Key key = Key::from_bytes("a shared key of 32 bytes, really");
  const std::string v = key.sign_abort("run1", "worker h:1:2: model failed");
  CHECK(v.rfind("hmac-sha256:", 0) == 0);
  REQUIRE(key.open_abort("run1", v));
  CHECK(*key.open_abort("run1", v) == "worker h:1:2: model failed");
  CHECK_FALSE(key.open_abort("run2", v));
  CHECK_FALSE(key.open_abort("run1", "worker h:1:2: model failed"));
  CHECK_FALSE(key.open_abort("run1", v + "!"));
  CHECK_FALSE(key.open_abort("run1", ""));
  CHECK_FALSE(Key::from_bytes("another shared key of 32 bytes..").open_abort("run1", v));
}

TEST_CASE("key files: refused unless private, regular and long enough, and keygen makes one",
          "[auth]") {
  const Scratch s;
  const std::string good = s.write("good", "0123456789abcdef0123\n", 0600);
  const Key k = Key::load(good);
  // The trailing newline is not part of the key.
  CHECK(k.config_mac("r", "c") == Key::from_bytes("0123456789abcdef0123").config_mac("r", "c"));
  CHECK(Key::load(s.write("crlf", "0123456789abcdef0123\r\n", 0400)).config_mac("r", "c") ==
        k.config_mac("r", "c"));

  const std::string open = s.write("open", "0123456789abcdef0123\n", 0644);
  CHECK_THAT(load_error(open), Catch::Contains("key file " + open) &&
                                   Catch::Contains("mode 0644") && Catch::Contains("chmod 600"));
  CHECK_THAT(load_error(s.write("group", "0123456789abcdef0123\n", 0640)),
             Catch::Contains("mode 0640"));
  CHECK_THAT(load_error(s.write("gw", "0123456789abcdef0123\n", 0620)),
             Catch::Contains("mode 0620"));
  const std::string missing = (s.dir / "missing").string();
  CHECK_THAT(load_error(missing), Catch::Contains("key file " + missing + ": does not exist"));
  const std::string empty = s.write("empty", "\n", 0600);
  CHECK_THAT(load_error(empty), Catch::Contains("key file " + empty + ": empty"));
  const std::string shortkey = s.write("short", "0123456789abcde\n", 0600);
  CHECK_THAT(load_error(shortkey), Catch::Contains("holds 15 bytes, fewer than 16"));
  CHECK_THAT(load_error(s.write("huge", std::string(5000, 'x'), 0600)),
             Catch::Contains("larger than 4096"));
  CHECK_THAT(load_error(s.dir.string()), Catch::Contains("not a regular file"));

  const std::string made = (s.dir / "made.key").string();
  generate_key_file(made);
  struct stat st {};
  REQUIRE(::stat(made.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0600);
  CHECK(st.st_size == 65);
  (void)Key::load(made);
  std::string text;
  std::getline(std::ifstream(made), text);
  CHECK(text.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK_THAT(
      [&] {
        try {
          generate_key_file(made);
        } catch (const abcsmc::ConfigError& e) {
          return std::string(e.what());
        }
        return std::string();
      }(),
      Catch::Contains("exists already; not replaced"));
  const std::string made2 = (s.dir / "made2.key").string();
  generate_key_file(made2);
  std::string text2;
  std::getline(std::ifstream(made2), text2);
  CHECK(text2 != text);
}
