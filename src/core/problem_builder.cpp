#include "abcsmc/core/problem_builder.hpp"

#include <utility>

#include "abcsmc/core/distribution.hpp"
#include "abcsmc/core/error.hpp"
#include "abcsmc/core/serialised_model.hpp"

namespace abcsmc {

ProblemBuilder& ProblemBuilder::model(std::string name, std::shared_ptr<const Model> model,
                                      double prior_probability, FailurePolicy on_failure) {
  if (!model) throw ConfigError("ProblemBuilder::model('" + name + "'): the model is null");
  if (!(prior_probability > 0.0)) {
    throw ConfigError("ProblemBuilder::model('" + name + "'): prior_probability must be > 0");
  }
  ModelEntry entry;
  entry.name = std::move(name);
  // Samplers call models from several threads; one declared unsafe gets a lock around it.
  entry.model = serialise_if_needed(std::move(model));
  entry.prior_probability = prior_probability;
  entry.on_failure = on_failure;
  models_.push_back(std::move(entry));
  return *this;
}

ProblemBuilder& ProblemBuilder::parameter(std::string name, const std::string& type,
                                          const std::map<std::string, double>& params) {
  if (models_.empty()) {
    throw ConfigError("ProblemBuilder::parameter('" + name + "'): call model() first");
  }
  try {
    models_.back().prior.add(std::move(name),
                             std::shared_ptr<const Distribution>(make_distribution(type, params)));
  } catch (const ConfigError& e) {
    throw ConfigError("ProblemBuilder::parameter: " + std::string(e.what()));
  }
  return *this;
}

ProblemBuilder& ProblemBuilder::observe(std::string name, double value) {
  names_.push_back(std::move(name));
  values_.push_back(value);
  return *this;
}

ProblemBuilder& ProblemBuilder::observe(std::string name, const std::vector<double>& values) {
  if (values.size() == 1) return observe(std::move(name), values[0]);
  for (std::size_t i = 0; i < values.size(); ++i) {
    names_.push_back(name + "[" + std::to_string(i) + "]");
    values_.push_back(values[i]);
  }
  return *this;
}

std::shared_ptr<Problem> ProblemBuilder::build() const {
  if (models_.empty()) throw ConfigError("ProblemBuilder: no model; call model()");
  if (names_.empty()) throw ConfigError("ProblemBuilder: no observed statistic; call observe()");
  auto problem = std::make_shared<Problem>();
  problem->models = models_;
  problem->stat_names = names_;
  problem->observed =
      Eigen::Map<const Vector>(values_.data(), static_cast<Eigen::Index>(values_.size()));
  problem->bind_statistics();
  return problem;
}

SmcSettings default_settings(const Problem& problem, std::uint64_t seed) {
  SmcSettings s;
  s.seed = seed;
  s.distance_weights = Vector::Ones(static_cast<Eigen::Index>(problem.stat_names.size()));
  return s;
}

}  // namespace abcsmc
