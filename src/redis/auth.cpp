// Authenticated runs: HMAC-SHA256 with OpenSSL's libcrypto (include/abcsmc/redis/auth.hpp).
#include "abcsmc/redis/auth.hpp"

#include <fcntl.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/rand.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "abcsmc/core/error.hpp"

namespace abcsmc::redis::auth {

namespace {

std::string openssl_error() {
  const unsigned long e = ERR_get_error();
  if (e == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

/// The HMAC implementation, fetched once (thread-safe static init; EVP_MAC is shareable).
EVP_MAC* hmac_algorithm() {
  static EVP_MAC* const mac = [] {
    EVP_MAC* m = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (m == nullptr) throw Error("OpenSSL has no HMAC: " + openssl_error());
    return m;
  }();
  return mac;
}

std::string decimal(std::uint64_t k) { return std::to_string(k); }

constexpr std::string_view kNul("\0", 1);
constexpr std::string_view kAbortPrefix = "hmac-sha256:";

/// Raw MAC bytes of a hex string (any case), or nothing.
std::optional<Mac> from_hex(std::string_view h) {
  if (h.size() != 2 * kMacBytes) return std::nullopt;
  Mac m{};
  const auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (std::size_t i = 0; i < kMacBytes; ++i) {
    const int hi = nibble(h[2 * i]);
    const int lo = nibble(h[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    m[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return m;
}

std::string_view view(const Mac& m) { return {reinterpret_cast<const char*>(m.data()), m.size()}; }

}  // namespace

Mac hmac_sha256(std::string_view key, const std::vector<std::string_view>& parts) {
  std::unique_ptr<EVP_MAC_CTX, decltype(&EVP_MAC_CTX_free)> ctx(EVP_MAC_CTX_new(hmac_algorithm()),
                                                                &EVP_MAC_CTX_free);
  if (!ctx) throw Error("EVP_MAC_CTX_new: " + openssl_error());
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
                               OSSL_PARAM_construct_end()};
  if (EVP_MAC_init(ctx.get(), reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                   params) != 1) {
    throw Error("HMAC-SHA256 init: " + openssl_error());
  }
  for (const auto part : parts) {
    if (!part.empty() &&
        EVP_MAC_update(ctx.get(), reinterpret_cast<const unsigned char*>(part.data()),
                       part.size()) != 1) {
      throw Error("HMAC-SHA256 update: " + openssl_error());
    }
  }
  Mac out{};
  std::size_t n = 0;
  if (EVP_MAC_final(ctx.get(), out.data(), &n, out.size()) != 1 || n != out.size()) {
    throw Error("HMAC-SHA256 final: " + openssl_error());
  }
  return out;
}

std::string hex(const Mac& mac) {
  static const char digits[] = "0123456789abcdef";
  std::string s(2 * mac.size(), '0');
  for (std::size_t i = 0; i < mac.size(); ++i) {
    s[2 * i] = digits[mac[i] >> 4];
    s[2 * i + 1] = digits[mac[i] & 15];
  }
  return s;
}

bool same(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

Key Key::from_bytes(std::string bytes) { return Key(std::move(bytes)); }

Key::~Key() {
  if (!bytes_.empty()) OPENSSL_cleanse(bytes_.data(), bytes_.size());
}

Key Key::load(const std::string& path) {
  const std::string what = "key file " + path;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0) {
    const int e = errno;
    throw ConfigError(what + ": " +
                      (e == ENOENT ? std::string("does not exist") : std::strerror(e)) +
                      " (make one with `abcsmc redis-manager keygen FILE`)");
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) throw ConfigError(what + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode)) throw ConfigError(what + ": not a regular file");
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    throw ConfigError(what + ": mode " + mode +
                      " lets group or others read or write it; only its "
                      "owner may (chmod 600 " +
                      path + ")");
  }
  if (st.st_size > static_cast<off_t>(kMaxKeyBytes + 2)) {
    throw ConfigError(what + ": larger than " + std::to_string(kMaxKeyBytes) +
                      " bytes, not a key file");
  }
  std::string bytes(kMaxKeyBytes + 3, '\0');
  std::size_t got = 0;
  for (;;) {
    const ssize_t n = ::read(fd, bytes.data() + got, bytes.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int e = errno;
      OPENSSL_cleanse(bytes.data(), bytes.size());
      throw ConfigError(what + ": " + std::strerror(e));
    }
    if (n == 0 || got + static_cast<std::size_t>(n) == bytes.size()) {
      got += static_cast<std::size_t>(n);
      break;
    }
    got += static_cast<std::size_t>(n);
  }
  std::size_t size = got;
  while (size > 0 && (bytes[size - 1] == '\n' || bytes[size - 1] == '\r')) --size;
  Key key(std::string(bytes.data(), size));
  OPENSSL_cleanse(bytes.data(), bytes.size());
  if (size == 0)
    throw ConfigError(what + ": empty (make one with `abcsmc redis-manager keygen FILE`)");
  if (size < kMinKeyBytes) {
    throw ConfigError(what + ": holds " + std::to_string(size) + " bytes, fewer than " +
                      std::to_string(kMinKeyBytes) +
                      " (make one with `abcsmc redis-manager keygen FILE`)");
  }
  if (size > kMaxKeyBytes) {
    throw ConfigError(what + ": larger than " + std::to_string(kMaxKeyBytes) +
                      " bytes, not a key file");
  }
  return key;
}

Mac Key::mac(const std::vector<std::string_view>& parts) const {
  return hmac_sha256(bytes_, parts);
}

std::string Key::config_mac(const std::string& run, std::string_view config) const {
  return hex(mac({"abcsmc-config", kNul, run, kNul, config}));
}

std::string Key::spec_mac(const std::string& run, std::uint64_t k, std::string_view spec) const {
  const std::string round = decimal(k);
  return hex(mac({"abcsmc-spec", kNul, run, kNul, round, kNul, spec}));
}

bool Key::config_ok(const std::string& run, std::string_view config,
                    std::string_view mac_hex) const {
  return same(config_mac(run, config), mac_hex);
}

bool Key::spec_ok(const std::string& run, std::uint64_t k, std::string_view spec,
                  std::string_view mac_hex) const {
  return same(spec_mac(run, k, spec), mac_hex);
}

std::string Key::sign_result(const std::string& run, std::uint64_t k,
                             const std::string& spec_mac_hex, std::string_view result) const {
  const std::optional<Mac> s = from_hex(spec_mac_hex);
  if (!s) throw Error("sign_result: the spec MAC is not 64 hex digits");
  const std::string round = decimal(k);
  const Mac m = mac({"abcsmc-result", kNul, run, kNul, round, kNul, view(*s), result});
  std::string out;
  out.reserve(kResultMagic.size() + kMacBytes + result.size());
  out.append(kResultMagic).append(view(m)).append(result);
  return out;
}

ResultCheck Key::open_result(const std::string& run, std::uint64_t k,
                             const std::string& spec_mac_hex, std::string_view element,
                             std::string_view& result) const {
  if (element.size() < kResultMagic.size() + kMacBytes ||
      element.substr(0, kResultMagic.size()) != kResultMagic) {
    return ResultCheck::unsigned_result;
  }
  const std::optional<Mac> s = from_hex(spec_mac_hex);
  if (!s) return ResultCheck::bad_signature;
  const std::string_view given = element.substr(kResultMagic.size(), kMacBytes);
  const std::string_view body = element.substr(kResultMagic.size() + kMacBytes);
  const std::string round = decimal(k);
  const Mac m = mac({"abcsmc-result", kNul, run, kNul, round, kNul, view(*s), body});
  if (!same(view(m), given)) return ResultCheck::bad_signature;
  result = body;
  return ResultCheck::ok;
}

std::string Key::sign_abort(const std::string& run, const std::string& message) const {
  return std::string(kAbortPrefix) + hex(mac({"abcsmc-abort", kNul, run, kNul, message})) + " " +
         message;
}

std::optional<std::string> Key::open_abort(const std::string& run, std::string_view value) const {
  const std::size_t head = kAbortPrefix.size() + 2 * kMacBytes + 1;
  if (value.size() < head || value.substr(0, kAbortPrefix.size()) != kAbortPrefix ||
      value[head - 1] != ' ') {
    return std::nullopt;
  }
  const std::string message(value.substr(head));
  if (!same(hex(mac({"abcsmc-abort", kNul, run, kNul, message})),
            value.substr(kAbortPrefix.size(), 2 * kMacBytes))) {
    return std::nullopt;
  }
  return message;
}

void generate_key_file(const std::string& path) {
  const std::string what = "key file " + path;
  unsigned char raw[32];
  if (RAND_bytes(raw, sizeof raw) != 1) throw Error("RAND_bytes: " + openssl_error());
  Mac m{};
  std::memcpy(m.data(), raw, sizeof raw);
  OPENSSL_cleanse(raw, sizeof raw);
  std::string text = hex(m) + "\n";
  OPENSSL_cleanse(m.data(), m.size());
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    const int e = errno;
    OPENSSL_cleanse(text.data(), text.size());
    throw ConfigError(
        what + ": " +
        (e == EEXIST ? std::string("exists already; not replaced") : std::strerror(e)));
  }
  bool ok = ::fchmod(fd, 0600) == 0;  // whatever the umask did
  std::size_t done = 0;
  while (ok && done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  const int e = errno;
  ok = ::fsync(fd) == 0 && ok;
  ok = ::close(fd) == 0 && ok;
  OPENSSL_cleanse(text.data(), text.size());
  if (!ok) {
    ::unlink(path.c_str());
    throw ConfigError(what + ": cannot write it: " + std::strerror(e));
  }
}

}  // namespace abcsmc::redis::auth
