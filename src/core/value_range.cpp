#include "abcsmc/core/value_range.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace abcsmc {

std::string number_text(double x) {
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  // %.15g reads best ("1000000000", not "1e+09"); fall back to 17 digits when it would not
  // read back as the same double.
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.15g", x);
  if (std::strtod(buf, nullptr) != x) std::snprintf(buf, sizeof buf, "%.17g", x);
  return buf;
}

bool ValueRange::contains(double x) const {
  if (std::isnan(x)) return false;
  if (std::isinf(x) && !allow_inf) return false;
  if (integer && x != std::floor(x)) return false;
  if (min_open ? !(x > min) : !(x >= min)) return false;
  if (max_open ? !(x < max) : !(x <= max)) return false;
  return true;
}

std::string ValueRange::describe() const {
  std::string out = integer ? "an integer" : "a number";
  const bool has_min = std::isfinite(min);
  const bool has_max = std::isfinite(max);
  if (has_min && has_max) {
    out += std::string(" in ") + (min_open ? "(" : "[") + number_text(min) + ", " +
           number_text(max) + (max_open ? ")" : "]");
  } else if (has_min) {
    out += std::string(min_open ? " > " : " >= ") + number_text(min);
  } else if (has_max) {
    out += std::string(max_open ? " < " : " <= ") + number_text(max);
  }
  return out;
}

}  // namespace abcsmc
