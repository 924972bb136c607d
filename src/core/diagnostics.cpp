#include "abcsmc/core/diagnostics.hpp"

#include <cmath>
#include <cstdio>

namespace abcsmc {

namespace {

std::string percent(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", 100.0 * x);
  return buf;
}

std::string number(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", x);
  return buf;
}

}  // namespace

GenerationWatch::GenerationWatch(const Problem& problem, const TransitionSpec& transition,
                                 double ess_fraction)
    : problem_(problem), transition_(transition), ess_fraction_(ess_fraction) {}

std::vector<std::string> GenerationWatch::check(const GenerationRecord& rec,
                                                std::size_t population_size) {
  std::vector<std::string> out;
  const std::string t = "t=" + std::to_string(rec.t) + ": ";
  const double n = static_cast<double>(population_size);
  if (n > 0 && rec.ess < ess_fraction_ * n) {
    std::string hint =
        transition_.defensive == 0.0
            ? "transition.defensive: 0.05 bounds every weight"
            : "a larger transition.defensive (now " + number(transition_.defensive) + ")";
    out.push_back(t + "ESS " + number(rec.ess) + " is " + percent(rec.ess / n) +
                  " of the population: a few particles carry the weights, and the posterior's "
                  "tails or a mode may be missing; try " +
                  hint +
                  ", or in many dimensions a smaller transition.scaling or transition.type: "
                  "local (config/REFERENCE.md, \"Kernels\")");
  }
  // Weights per model and per integer value.
  std::vector<double> per_model(problem_.models.size(), 0.0);
  std::map<std::pair<std::size_t, std::size_t>, std::map<long long, double>> integers;
  std::vector<std::vector<std::size_t>> integer_indices;  // per model, looked up once
  for (const ModelEntry& m : problem_.models) integer_indices.push_back(m.prior.integer_indices());
  for (const Particle& p : rec.particles) {
    if (p.model >= per_model.size()) continue;
    per_model[p.model] += p.weight;
    for (std::size_t k : integer_indices[p.model]) {
      if (static_cast<Eigen::Index>(k) >= p.theta.size()) continue;
      integers[{p.model, k}][std::llround(p.theta[static_cast<Eigen::Index>(k)])] += p.weight;
    }
  }
  if (!first_) {
    for (std::size_t m = 0; m < per_model.size() && m < model_probabilities_.size(); ++m) {
      if (model_probabilities_[m] > 0.0 && per_model[m] == 0.0) {
        out.push_back(t + "model '" + problem_.models[m].name +
                      "' lost all its particles; it is not proposed again (its probability "
                      "stays 0). A larger population keeps it longer.");
      }
    }
    for (const auto& [key, values] : integer_weights_) {
      const auto now = integers.find(key);
      for (const auto& [value, weight] : values) {
        // Values that held 1% of the weight and are gone now; rarer ones come and go by chance.
        if (weight < 0.01) continue;
        if (now != integers.end() && now->second.count(value) > 0) continue;
        const Prior& prior = problem_.models[key.first].prior;
        const std::string name = key.second < prior.names().size() ? prior.names()[key.second]
                                                                   : std::to_string(key.second);
        out.push_back(t + "parameter '" + name + "' lost every particle at the value " +
                      std::to_string(value) + " (it held " + percent(weight) + " of the weight); " +
                      (transition_.defensive == 0.0
                           ? "with transition.defensive: 0 it cannot come back (set it to 0.05)"
                           : "the defensive mixture can bring it back; a larger population or "
                             "transition.discrete_steps keeps such values"));
      }
    }
  }
  first_ = false;
  model_probabilities_ = per_model;
  integer_weights_ = std::move(integers);
  return out;
}

}  // namespace abcsmc
