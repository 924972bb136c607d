#include "abcsmc/core/model.hpp"

#include "abcsmc/core/error.hpp"

namespace abcsmc {

StatNames flatten_stat_names(const std::vector<StatSpec>& specs) {
  StatNames names;
  for (const auto& s : specs) {
    if (s.size == 1) {
      names.push_back(s.name);
    } else {
      for (std::size_t i = 0; i < s.size; ++i)
        names.push_back(s.name + "[" + std::to_string(i) + "]");
    }
  }
  return names;
}

std::size_t total_stat_size(const std::vector<StatSpec>& specs) {
  std::size_t n = 0;
  for (const auto& s : specs) n += s.size;
  return n;
}

void Model::simulate_batch(std::span<SimulationJob> jobs) const {
  for (SimulationJob& job : jobs) {
    try {
      simulate(*job.theta, *job.rng, *job.stats);
    } catch (const ModelError&) {
      job.error = std::current_exception();
    }
  }
}

}  // namespace abcsmc
