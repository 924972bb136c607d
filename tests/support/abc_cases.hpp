#pragma once
/// Problems whose ABC posterior at any epsilon is known here (quadrature in one dimension, the
/// Gaussian formula in d), and a multi-seed summary of runs on them: the mean over seeds of the
/// weighted posterior variance / exact variance, the mean's error in Monte Carlo standard
/// errors, component masses, the smallest ESS, acceptance and simulations (issue 14). Used by
/// tests/calibration/ and benchmarks/bench_posteriors.cpp.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <numeric>
#include <string>
#include <vector>

#include "abcsmc/core/error.hpp"
#include "abcsmc/core/problem_builder.hpp"
#include "abcsmc/core/smc.hpp"
#include "abcsmc/models/function_model.hpp"
#include "abcsmc/samplers/single_core.hpp"

namespace abcsmc::test {

inline double phi(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

/// A 1-D problem: prior density on a grid (or integers), y = theta + noise from a mixture of
/// normals (weights w, sds s), observed y_obs; acceptance |y - y_obs| <= eps.
struct OneDim {
  std::function<double(double)> prior_pdf;
  double lo = 0.0, hi = 0.0;
  bool integer = false;
  std::vector<double> w, s;
  double y_obs = 0.0;
  double mass_radius = 0.0;  ///< > 0: report P(|theta - y_obs| < radius)

  double likelihood(double theta, double eps) const {
    double l = 0.0;
    for (std::size_t c = 0; c < w.size(); ++c) {
      l += w[c] * (phi((y_obs + eps - theta) / s[c]) - phi((y_obs - eps - theta) / s[c]));
    }
    return l;
  }
  /// Mean, variance and mass of the ABC posterior at eps.
  std::array<double, 3> exact(double eps) const {
    double z = 0, m1 = 0, m2 = 0, mass = 0;
    const auto add = [&](double t, double dt) {
      const double p = prior_pdf(t) * likelihood(t, eps) * dt;
      z += p;
      m1 += p * t;
      m2 += p * t * t;
      if (std::abs(t - y_obs) < mass_radius) mass += p;
    };
    if (integer) {
      for (double k = lo; k <= hi; k += 1.0) add(k, 1.0);
    } else {
      const int n = 200000;
      const double dt = (hi - lo) / n;
      for (int i = 0; i < n; ++i) add(lo + (i + 0.5) * dt, dt);
    }
    const double mean = m1 / z;
    return {mean, m2 / z - mean * mean, mass / z};
  }
};

struct Case {
  std::shared_ptr<Problem> problem;
  std::size_t dim = 1;
  /// The posterior of each parameter: with d > 1 the parameters are independent under the
  /// prior, and the max-norm distance (p = infinity) accepts dimension by dimension, so the ABC
  /// posterior at any epsilon is the product of d copies of this one.
  OneDim one;
  double p = 2.0;  ///< the distance's p
};

inline Case make_case(const std::string& name) {
  Case c;
  const auto noise_model = [](std::vector<double> w, std::vector<double> s) {
    return make_model({{"y", 1}}, [w, s](const Vector& theta, Rng& rng, Vector& y) {
      double sd = s[0];
      if (w.size() > 1) sd = rng.uniform() < w[0] ? s[0] : s[1];
      y[0] = theta[0] + sd * rng.normal();
    });
  };
  if (name == "gauss" || name == "truncated" || name == "bimodal" || name == "integer") {
    OneDim& o = c.one;
    ProblemBuilder b;
    if (name == "gauss") {  // benchmark B1: y = mean of 10 N(theta, 1) draws = theta + N(0, 0.1)
      o = {[](double t) { return std::exp(-0.5 * t * t); },
           -10,
           10,
           false,
           {1.0},
           {std::sqrt(0.1)},
           0.5,
           0};
      b.model("m", noise_model(o.w, o.s)).parameter("theta", "normal", {{"mean", 0}, {"sd", 1}});
    } else if (name == "truncated") {  // N(0.2, 0.5^2) cut at the prior bound 0
      o = {[](double) { return 1.0; }, 0, 3, false, {1.0}, {0.5}, 0.2, 0};
      b.model("m", noise_model(o.w, o.s)).parameter("theta", "uniform", {{"low", 0}, {"high", 3}});
    } else if (name ==
               "bimodal") {  // a broad (sd 1) and a narrow (sd 0.1) mode, half the mass each
      o = {[](double) { return 1.0; }, -4, 4, false, {0.5, 0.5}, {1.0, 0.1}, 0.0, 0.3};
      b.model("m", noise_model(o.w, o.s)).parameter("theta", "uniform", {{"low", -4}, {"high", 4}});
    } else {  // an integer parameter whose posterior reaches the prior's edge 0
      o = {[](double) { return 1.0; }, 0, 20, true, {1.0}, {2.0}, 2.0, 0};
      b.model("m", noise_model(o.w, o.s))
          .parameter("n", "discrete_uniform", {{"low", 0}, {"high", 20}});
    }
    c.problem = b.observe("y", o.y_obs).build();
    return c;
  }
  if (name == "gauss10" || name == "gauss50") {
    c.dim = name == "gauss10" ? 10 : 50;
    c.p = std::numeric_limits<double>::infinity();
    c.one = {[](double t) { return std::exp(-0.5 * t * t); }, -10, 10, false, {1.0}, {0.5}, 0.3, 0};
    const std::size_t d = c.dim;
    const double s = 0.5;
    ProblemBuilder b;
    b.model("m", make_model({{"x", d}}, [d, s](const Vector& theta, Rng& rng, Vector& x) {
              for (std::size_t i = 0; i < d; ++i) {
                x[static_cast<Eigen::Index>(i)] =
                    theta[static_cast<Eigen::Index>(i)] + s * rng.normal();
              }
            }));
    for (std::size_t i = 0; i < d; ++i) {
      b.parameter("t" + std::to_string(i), "normal", {{"mean", 0}, {"sd", 1}});
    }
    c.problem = b.observe("x", std::vector<double>(d, c.one.y_obs)).build();
    return c;
  }
  throw Error("unknown case " + name);
}

struct Stats {
  std::vector<double> v;
  void add(double x) { v.push_back(x); }
  double mean() const { return std::accumulate(v.begin(), v.end(), 0.0) / v.size(); }
  double se() const {
    const double m = mean();
    double s = 0;
    for (double x : v) s += (x - m) * (x - m);
    return std::sqrt(s / (v.size() - 1) / v.size());
  }
};

/// The seeds' figures for one case and one setting.
struct Calibration {
  Stats ratio, z, mass, min_ess_frac, acc, sims, eps;
  double mass_exact = 0.0;  ///< mean over seeds of the exact mass at each final epsilon
};

/// Runs `seeds` runs (seeds 1001, 1002, ...) of `c` with `base` settings (seed, population and
/// generations set here) on one core.
inline Calibration calibrate(const Case& c, const SmcSettings& base, int seeds,
                             std::size_t population, std::uint32_t generations) {
  Calibration out;
  for (int seed = 1; seed <= seeds; ++seed) {
    SmcSettings settings = base;
    settings.seed = 1000 + static_cast<std::uint64_t>(seed);
    settings.population_size = population;
    settings.stop.max_generations = generations;
    settings.distance.p = c.p;
    SingleCoreSampler sampler;
    struct Keep : SmcObserver {
      std::vector<GenerationRecord> gens;
      void on_generation(const GenerationRecord& g) override { gens.push_back(g); }
    } keep;
    const SmcResult result = run_smc(c.problem, settings, sampler, &keep);
    const GenerationRecord& last = keep.gens.back();
    double min_ess = 1e300;
    for (const auto& g : keep.gens) min_ess = std::min(min_ess, g.ess);
    out.min_ess_frac.add(min_ess / static_cast<double>(population));
    out.acc.add(last.acceptance_rate);
    out.sims.add(static_cast<double>(result.total_simulations));
    out.eps.add(last.epsilon);
    const auto e = c.one.exact(last.epsilon);  // each dimension's ABC posterior at epsilon
    const double em = e[0];
    const double ev = e[1];
    if (c.one.mass_radius > 0) {
      double in = 0;
      for (const auto& p : last.particles) {
        if (std::abs(p.theta[0] - c.one.y_obs) < c.one.mass_radius) in += p.weight;
      }
      out.mass.add(in);
      out.mass_exact += e[2] / seeds;
    }
    double r_sum = 0.0, z_sum = 0.0;
    for (std::size_t d = 0; d < c.dim; ++d) {
      const auto di = static_cast<Eigen::Index>(d);
      double m = 0, m2 = 0;
      for (const auto& p : last.particles) m += p.weight * p.theta[di];
      for (const auto& p : last.particles) m2 += p.weight * (p.theta[di] - m) * (p.theta[di] - m);
      r_sum += m2 / ev;
      z_sum += (m - em) / std::sqrt(ev / last.ess);
    }
    out.ratio.add(r_sum / static_cast<double>(c.dim));
    out.z.add(z_sum / static_cast<double>(c.dim));
  }
  return out;
}

}  // namespace abcsmc::test
