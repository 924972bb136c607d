#pragma once
/// Authenticated runs of the Redis bridge (issue 11): a shared key, read from a file only its
/// owner can read (`--key-file`), with which the master signs the run's config and every
/// generation's spec, and workers sign their results (and their abort messages), HMAC-SHA256
/// from OpenSSL's libcrypto. Every MAC binds its context, so nothing signed can be replayed
/// elsewhere:
///   config  HMAC(key, "abcsmc-config\0" run "\0" config)               -> <run>:config_mac (hex)
///   spec    HMAC(key, "abcsmc-spec\0" run "\0" k "\0" spec)            -> r<k>:spec_mac (hex)
///   result  HMAC(key, "abcsmc-result\0" run "\0" k "\0" S result)      -> framed list element
///           (S: the round's 32 spec MAC bytes: a result of an earlier incarnation of the round
///           or of another round fails), framed as kResultMagic, the 32 MAC bytes, the result
///   abort   HMAC(key, "abcsmc-abort\0" run "\0" message)               -> "hmac-sha256:<hex>
///   message"
/// (k in decimal). A keyed master marks the run in <run>:info (auth: hmac-sha256). OpenSSL's
/// headers stay in auth.cpp.
#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace abcsmc::redis::auth {

inline constexpr const char* kScheme = "hmac-sha256";             ///< <run>:info field auth
inline constexpr std::string_view kResultMagic = "abcsmc-hmac1";  ///< signed result frame
inline constexpr std::size_t kMacBytes = 32;
inline constexpr std::size_t kMinKeyBytes = 16;
inline constexpr std::size_t kMaxKeyBytes = 4096;

using Mac = std::array<std::uint8_t, kMacBytes>;

/// HMAC-SHA256 of the concatenation of `parts` (OpenSSL EVP_MAC).
Mac hmac_sha256(std::string_view key, const std::vector<std::string_view>& parts);
/// Lower-case hex.
std::string hex(const Mac& mac);
/// Constant-time comparison (CRYPTO_memcmp) of equal-length strings; false when lengths differ.
bool same(std::string_view a, std::string_view b);

/// Why a result from the list is not used.
enum class ResultCheck { ok, unsigned_result, bad_signature };

/// The shared key. Its bytes never reach a log, and are wiped when it goes.
class Key {
 public:
  /// Reads a key file: refused (ConfigError naming the file and the problem) when it is missing,
  /// not a regular file, readable or writable by group or others (mode & 077, like ssh), empty,
  /// or shorter than kMinKeyBytes (or longer than kMaxKeyBytes) once trailing newlines ("\n",
  /// "\r") are stripped. The key is the file's bytes (e.g. the 64 hex digits keygen writes).
  static Key load(const std::string& path);
  /// The key `bytes` as is (tests).
  static Key from_bytes(std::string bytes);

  Key(const Key&) = default;
  Key& operator=(const Key&) = default;
  ~Key();

  std::string config_mac(const std::string& run, std::string_view config) const;  ///< hex
  std::string spec_mac(const std::string& run, std::uint64_t k,
                       std::string_view spec) const;  ///< hex
  /// True when `mac_hex` (as read from the server: anything) is the config's / spec's MAC.
  bool config_ok(const std::string& run, std::string_view config, std::string_view mac_hex) const;
  bool spec_ok(const std::string& run, std::uint64_t k, std::string_view spec,
               std::string_view mac_hex) const;

  /// The list element a worker pushes: kResultMagic, the MAC, `result`. `spec_mac_hex`: the
  /// round's spec MAC (as spec_mac returns it).
  std::string sign_result(const std::string& run, std::uint64_t k, const std::string& spec_mac_hex,
                          std::string_view result) const;
  /// Checks a list element; when ok, `result` is the signed ResultMessage bytes in it.
  ResultCheck open_result(const std::string& run, std::uint64_t k, const std::string& spec_mac_hex,
                          std::string_view element, std::string_view& result) const;

  /// "hmac-sha256:<hex> message", the <run>:abort value of a keyed worker.
  std::string sign_abort(const std::string& run, const std::string& message) const;
  /// The message of a signed abort value, or nothing when it is unsigned or forged.
  std::optional<std::string> open_abort(const std::string& run, std::string_view value) const;

 private:
  explicit Key(std::string bytes) : bytes_(std::move(bytes)) {}
  Mac mac(const std::vector<std::string_view>& parts) const;
  std::string bytes_;
};

/// `redis-manager keygen FILE`: 32 random bytes (RAND_bytes) as 64 hex digits and a newline,
/// in a new file of mode 0600 (O_CREAT | O_EXCL: an existing file is never replaced).
/// @throws ConfigError naming the file.
void generate_key_file(const std::string& path);

}  // namespace abcsmc::redis::auth
