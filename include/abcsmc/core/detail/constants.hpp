#pragma once
/// Constants shared by core's internal files (abcsmc::detail). One definition here rather than one
/// per file: the sanitizer builds are unity builds (cmake/AbcsmcSanitizerBuild.cmake), where two
/// files of one batch that each define the same name in the same namespace do not compile.
#include <limits>

namespace abcsmc::detail {

inline constexpr double kInf = std::numeric_limits<double>::infinity();
inline constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

}  // namespace abcsmc::detail
