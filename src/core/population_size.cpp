#include "abcsmc/core/population_size.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "abcsmc/core/detmath.hpp"
#include "abcsmc/core/error.hpp"
#include "abcsmc/core/rng.hpp"

namespace abcsmc {

namespace {

constexpr double kNoValue = std::numeric_limits<double>::quiet_NaN();

/// One model's share of the population: its particles (the test points) and their weights
/// normalised within the model.
struct ModelPart {
  Matrix thetas;
  Vector weights;
  double probability = 0.0;
  std::unique_ptr<Transition> kernel;  ///< fitted to the part: what the bootstrap draws from
};

TransitionSpec without_defensive(TransitionSpec spec) {
  spec.defensive = 0.0;
  return spec;
}

std::vector<ModelPart> split_by_model(const Problem& problem, const TransitionSpec& spec,
                                      const std::vector<Particle>& population) {
  std::vector<ModelPart> parts(problem.models.size());
  std::vector<std::vector<const Particle*>> mine(problem.models.size());
  for (const auto& p : population) {
    if (p.model >= parts.size()) throw Error("population size: particle of an unknown model");
    mine[p.model].push_back(&p);
    parts[p.model].probability += p.weight;
  }
  for (std::size_t m = 0; m < parts.size(); ++m) {
    ModelPart& part = parts[m];
    if (mine[m].empty() || !(part.probability > 0.0)) continue;
    const auto n = static_cast<Eigen::Index>(mine[m].size());
    const auto d = static_cast<Eigen::Index>(problem.models[m].prior.dim());
    part.thetas.resize(n, d);
    part.weights.resize(n);
    for (Eigen::Index i = 0; i < n; ++i) {
      part.thetas.row(i) = mine[m][static_cast<std::size_t>(i)]->theta.transpose();
      part.weights[i] = mine[m][static_cast<std::size_t>(i)]->weight / part.probability;
    }
    part.kernel = make_transition(spec, problem.models[m].prior);
    part.kernel->fit(part.thetas, part.weights);
  }
  return parts;
}

/// Log densities at `part`'s particles of a kernel fitted to n draws from part.kernel.
std::vector<double> bootstrap_log_densities(const ModelPart& part, const TransitionSpec& spec,
                                            const Prior& prior, std::size_t n, Rng& rng) {
  const auto d = part.thetas.cols();
  Matrix draws(static_cast<Eigen::Index>(n), d);
  for (Eigen::Index i = 0; i < draws.rows(); ++i) draws.row(i) = part.kernel->propose(rng);
  auto refit = make_transition(spec, prior);
  refit->fit(draws, Vector::Constant(draws.rows(), 1.0 / static_cast<double>(n)));
  std::vector<double> out(static_cast<std::size_t>(part.thetas.rows()));
  for (Eigen::Index i = 0; i < part.thetas.rows(); ++i) {
    out[static_cast<std::size_t>(i)] = refit->log_pdf(part.thetas.row(i).transpose());
  }
  return out;
}

/// sd / mean (population sd) of exp(logs[b]) over b, computed relative to the largest so that
/// tiny densities do not underflow; NaN where every replicate gives density 0.
double variation_of_exp(const std::vector<double>& logs) {
  const double top = *std::max_element(logs.begin(), logs.end());
  if (!std::isfinite(top)) return kNoValue;
  double mean = 0.0;
  std::vector<double> v(logs.size());
  for (std::size_t b = 0; b < logs.size(); ++b) {
    v[b] = detmath::exp(logs[b] - top);
    mean += v[b];
  }
  mean /= static_cast<double>(v.size());
  double ss = 0.0;
  for (double x : v) ss += (x - mean) * (x - mean);
  return std::sqrt(ss / static_cast<double>(v.size())) / mean;
}

double cv_of_parts(const Problem& problem, const TransitionSpec& spec,
                   const std::vector<ModelPart>& parts, std::size_t n, std::size_t n_bootstrap,
                   std::uint64_t seed, std::uint32_t t, std::uint64_t stream_index,
                   const ParallelFor& parallel) {
  if (n_bootstrap < 2) throw Error("population size: n_bootstrap must be at least 2");
  const std::size_t n_models = parts.size();
  // Each model's share of the n draws; pyABC draws them multinomially, here they are rounded
  // (deterministic, and the same in expectation).
  std::vector<std::size_t> n_model(n_models, 0);
  std::size_t total = 0;
  for (std::size_t m = 0; m < n_models; ++m) {
    if (!parts[m].kernel) continue;
    n_model[m] =
        static_cast<std::size_t>(std::llround(parts[m].probability * static_cast<double>(n)));
    if (n_model[m] < 2) n_model[m] = 0;  // a kernel needs two points
    total += n_model[m];
  }
  if (total == 0) return kNoValue;
  double cv = 0.0;
  for (std::size_t m = 0; m < n_models; ++m) {
    if (n_model[m] == 0) continue;
    const ModelPart& part = parts[m];
    std::vector<std::vector<double>> logs(n_bootstrap);
    parallel.run(n_bootstrap, [&](std::size_t b) {
      Rng rng(StreamId{seed, t, stream_index, b * n_models + m, StreamKind::population_size});
      logs[b] = bootstrap_log_densities(part, spec, problem.models[m].prior, n_model[m], rng);
    });
    double cv_m = 0.0;
    std::vector<double> at(n_bootstrap);
    for (std::size_t i = 0; i < static_cast<std::size_t>(part.weights.size()); ++i) {
      for (std::size_t b = 0; b < n_bootstrap; ++b) at[b] = logs[b][i];
      cv_m += part.weights[static_cast<Eigen::Index>(i)] * variation_of_exp(at);
    }
    cv += cv_m * static_cast<double>(n_model[m]) / static_cast<double>(total);
  }
  return cv;
}

}  // namespace

double kde_coefficient_of_variation(const Problem& problem, const TransitionSpec& spec,
                                    const std::vector<Particle>& population, std::size_t n,
                                    std::size_t n_bootstrap, std::uint64_t seed, std::uint32_t t,
                                    std::uint64_t stream_index, const ParallelFor& parallel) {
  const TransitionSpec kde = without_defensive(spec);
  const auto parts = split_by_model(problem, kde, population);
  return cv_of_parts(problem, kde, parts, n, n_bootstrap, seed, t, stream_index, parallel);
}

PopulationSizeFit next_population_size(const Problem& problem, const TransitionSpec& spec,
                                       const AdaptivePopulationSpec& adaptive,
                                       const std::vector<Particle>& population, std::size_t current,
                                       std::uint64_t seed, std::uint32_t t,
                                       const ParallelFor& parallel) {
  if (adaptive.max == 0) throw Error("population size: max is not resolved");
  PopulationSizeFit fit;
  const auto clamp = [&](std::size_t n) { return std::clamp(n, adaptive.min, adaptive.max); };
  fit.next = clamp(current);
  if (current < 2) return fit;
  // The sizes pyABC tries (predict_population_size): current / 3 to 2 current, step current / 10.
  const std::size_t start = std::max<std::size_t>(current / 3, 2);
  const std::size_t step = std::max<std::size_t>(current / 10, 1);
  for (std::size_t n = start; n < 2 * current; n += step) fit.sizes.push_back(n);
  const TransitionSpec kde = without_defensive(spec);
  const auto parts = split_by_model(problem, kde, population);
  for (std::size_t k = 0; k < fit.sizes.size(); ++k) {
    fit.cvs.push_back(
        cv_of_parts(problem, kde, parts, fit.sizes[k], adaptive.n_bootstrap, seed, t, k, parallel));
  }
  // cv = a n^(-b) by least squares on log cv = log a - b log n: closed form (pyABC fits the
  // same law with scipy's curve_fit in linear space).
  const auto m = static_cast<double>(fit.sizes.size());
  double mx = 0.0, my = 0.0;
  for (std::size_t k = 0; k < fit.sizes.size(); ++k) {
    if (!(fit.cvs[k] > 0.0) || !std::isfinite(fit.cvs[k])) return fit;
    mx += detmath::log(static_cast<double>(fit.sizes[k])) / m;
    my += detmath::log(fit.cvs[k]) / m;
  }
  double sxy = 0.0, sxx = 0.0;
  for (std::size_t k = 0; k < fit.sizes.size(); ++k) {
    const double dx = detmath::log(static_cast<double>(fit.sizes[k])) - mx;
    sxy += dx * (detmath::log(fit.cvs[k]) - my);
    sxx += dx * dx;
  }
  if (!(sxx > 0.0)) return fit;
  fit.b = -sxy / sxx;
  fit.a = detmath::exp(my + fit.b * mx);
  if (!(fit.b > 0.0) || !std::isfinite(fit.b) || !std::isfinite(fit.a)) return fit;
  fit.fitted = true;
  // n = (a / target)^(1 / b), truncated as pyABC's int(); bounded before the conversion.
  const double n = detmath::exp((detmath::log(fit.a) - detmath::log(adaptive.mean_cv)) / fit.b);
  if (!(n < static_cast<double>(adaptive.max))) {
    fit.next = adaptive.max;
  } else {
    fit.next = clamp(static_cast<std::size_t>(n));
  }
  return fit;
}

}  // namespace abcsmc
