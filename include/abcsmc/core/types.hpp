#pragma once
/// Basic numeric types shared by the whole engine.
#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <vector>

namespace abcsmc {

using Vector = Eigen::VectorXd;
using Matrix = Eigen::MatrixXd;

/// Flattened names of a model's or observation's summary statistics: a scalar statistic `y` is
/// "y", an array statistic `x` of size 3 is "x[0]", "x[1]", "x[2]".
using StatNames = std::vector<std::string>;

}  // namespace abcsmc
