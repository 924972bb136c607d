#pragma once
// Helpers for end-to-end engine tests: run a YAML config text through the whole pipeline.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "abcsmc/core/problem_builder.hpp"
#include "abcsmc/core/sampling.hpp"
#include "abcsmc/core/smc.hpp"
#include "abcsmc/io/build.hpp"
#include "abcsmc/io/run_config.hpp"

namespace abcsmc::testing {

struct RunOutput {
  std::shared_ptr<Problem> problem;
  SmcResult result;
  std::vector<GenerationRecord> generations;
};

class CollectingObserver final : public SmcObserver {
 public:
  explicit CollectingObserver(std::vector<GenerationRecord>& out) : out_(out) {}
  void on_generation(const GenerationRecord& r) override { out_.push_back(r); }

 private:
  std::vector<GenerationRecord>& out_;
};

/// A small run of `problem` with the default settings, the given seed, population and number
/// of generations, on `sampler`: every generation.
inline std::vector<GenerationRecord> run_generations(std::shared_ptr<const Problem> problem,
                                                     std::uint64_t seed, std::size_t population,
                                                     std::uint32_t generations, Sampler& sampler) {
  SmcSettings settings = default_settings(*problem, seed);
  settings.population_size = population;
  settings.stop.max_generations = generations;
  std::vector<GenerationRecord> out;
  CollectingObserver observer(out);
  run_smc(std::move(problem), settings, sampler, &observer);
  return out;
}

inline RunOutput run_config_text(const std::string& yaml, Sampler& sampler) {
  const io::RunConfig config = io::parse_config(yaml, "<test>");
  RunOutput out;
  out.problem = io::build_problem(config);
  const SmcSettings settings = io::build_settings(config, *out.problem, config.seed.value_or(1));
  CollectingObserver observer(out.generations);
  out.result = run_smc(out.problem, settings, sampler, &observer);
  return out;
}

/// Weighted mean and variance of parameter `d` over particles of model `m`.
struct Moments {
  double mean = 0.0;
  double var = 0.0;
  double ess = 0.0;
  double mass = 0.0;  // total weight of the model
};

inline Moments weighted_moments(const GenerationRecord& g, std::size_t d, std::uint32_t m = 0) {
  Moments r;
  double sum_sq = 0.0;
  for (const auto& p : g.particles) {
    if (p.model != m) continue;
    r.mass += p.weight;
    r.mean += p.weight * p.theta[static_cast<Eigen::Index>(d)];
    sum_sq += p.weight * p.weight;
  }
  r.mean /= r.mass;
  for (const auto& p : g.particles) {
    if (p.model != m) continue;
    const double x = p.theta[static_cast<Eigen::Index>(d)] - r.mean;
    r.var += p.weight * x * x;
  }
  r.var /= r.mass;
  r.ess = r.mass * r.mass / sum_sq;
  return r;
}

}  // namespace abcsmc::testing
