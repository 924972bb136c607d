#include "abcsmc/core/rng.hpp"
#include "abcsmc/core/detmath.hpp"

namespace abcsmc {

double Rng::gamma(double shape) noexcept {
  if (shape < 1.0) {
    // Boost to shape + 1 and scale back: Gamma(a) = Gamma(a + 1) * U^(1/a), with U^(1/a) as
    // e^(log U / a): a few ulp instead of pow's 1, at a sixth of detmath::pow's cost (its
    // double-double logarithm is for pow's accuracy, not needed to transform a uniform).
    const double g = gamma(shape + 1.0);
    return g * detmath::exp(detmath::log(uniform_pos()) / shape);
  }
  const double d = shape - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  for (;;) {
    double x = 0.0;
    double v = 0.0;
    do {
      x = normal();
      v = 1.0 + c * x;
    } while (v <= 0.0);
    v = v * v * v;
    const double u = uniform_pos();
    if (u < 1.0 - 0.0331 * x * x * x * x) return d * v;
    if (detmath::log(u) < 0.5 * x * x + d * (1.0 - v + detmath::log(v))) return d * v;
  }
}

double Rng::beta(double a, double b) noexcept {
  const double x = gamma(a);
  const double y = gamma(b);
  return x / (x + y);
}

}  // namespace abcsmc
