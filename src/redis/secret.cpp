// Password hygiene (include/abcsmc/redis/secret.hpp).
#include "abcsmc/redis/secret.hpp"

#include <spdlog/spdlog.h>
#include <sys/prctl.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace abcsmc::redis {

std::string take_password_from_environment(const std::string& name) {
  if (name.empty()) return {};
  char* value = std::getenv(name.c_str());
  if (value == nullptr) return {};
  std::string password(value);
  // "NAME=value" lives in the process's initial environment block (what /proc/PID/environ
  // reads) or in memory setenv allocated, which unsetenv leaves in place: drop the variable
  // from environ, then wipe the whole entry (name too: no trace of which variable it was).
  char* entry = value - name.size() - 1;
  const bool whole = std::memcmp(entry, name.data(), name.size()) == 0 && entry[name.size()] == '=';
  ::unsetenv(name.c_str());
  if (whole) {
    std::memset(entry, 0, name.size() + 1 + password.size());
  } else {
    std::memset(value, 0, password.size());
  }
  if (!password.empty()) protect_password_holder();
  return password;
}

void protect_password_holder() {
  if (::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    spdlog::warn(
        "cannot disable core dumps of this process (prctl PR_SET_DUMPABLE: {}); a core "
        "dump would contain the Redis password",
        std::strerror(errno));
  }
}

}  // namespace abcsmc::redis
