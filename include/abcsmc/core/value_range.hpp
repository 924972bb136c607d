#pragma once
/// Valid ranges of numeric settings and their wording in error messages and help texts, shared
/// by the config validator and the model registry so both say "a number in (0, 1)" alike.
#include <limits>
#include <string>

namespace abcsmc {

/// Readable text that reads back as the same double ("0.1", "1000000000", "1e-09", "inf").
std::string number_text(double x);

/// A set of valid numbers: bounds inclusive unless open; +-inf for none.
struct ValueRange {
  bool integer = false;  ///< whole numbers only
  double min = -std::numeric_limits<double>::infinity();
  bool min_open = false;
  double max = std::numeric_limits<double>::infinity();
  bool max_open = false;
  bool allow_inf = false;  ///< +-inf count as inside when within the bounds

  bool contains(double x) const;
  /// "a number > 0", "an integer in [1, 1000000000]", "a number in (0, 1)".
  std::string describe() const;

  static ValueRange any() { return {}; }
  static ValueRange positive() { return {false, 0.0, true}; }
  static ValueRange non_negative() { return {false, 0.0, false}; }
  static ValueRange open_unit() { return {false, 0.0, true, 1.0, true}; }
  static ValueRange closed_unit() { return {false, 0.0, false, 1.0, false}; }
  static ValueRange integers(double lo, double hi) { return {true, lo, false, hi, false}; }
};

}  // namespace abcsmc
