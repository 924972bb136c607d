#pragma once
// Small runs for the determinism and resume tests: kConfig has an integer parameter, an adaptive
// distance (its weights are state carried from generation to generation) and a quantile epsilon
// from a calibration sample; kModelSelection has two models.
namespace abcsmc::testing {

inline constexpr const char* kConfig = R"(
seed: 1234
population_size: 150
parameters:
  a: {type: normal, mean: 0, sd: 1}
  k: {type: discrete_uniform, low: 0, high: 4}
model: {builtin: gaussian_linear, options: {n: 2, sigma: 0.5}}
observed: {x: [0.3, 2.0]}
distance: {type: adaptive_pnorm, p: 2}
epsilon: {type: quantile, alpha: 0.5}
stop: {max_generations: 4}
)";

inline constexpr const char* kModelSelection = R"(
seed: 77
population_size: 120
models:
  - name: m0
    parameters: {x: {type: normal, mean: 0, sd: 0.5}}
    model: {builtin: gaussian_mean, options: {n: 1, sigma: 0.5}}
  - name: m1
    parameters: {x: {type: normal, mean: 1, sd: 0.5}}
    model: {builtin: gaussian_mean, options: {n: 1, sigma: 0.5}}
observed: {y: 1.0}
stop: {max_generations: 4}
)";

}  // namespace abcsmc::testing
