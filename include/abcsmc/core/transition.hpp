#pragma once
/// Perturbation kernels (pyABC's transitions). A kernel is fitted to the weighted previous
/// population of one model and then proposes new parameter vectors from the resulting mixture.
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "abcsmc/core/prior.hpp"
#include "abcsmc/core/rng.hpp"
#include "abcsmc/core/types.hpp"

namespace abcsmc {

/// How a kernel's bandwidth is chosen.
enum class Bandwidth { silverman, scott };

/// Kernel settings from the config (`transition:` section).
struct TransitionSpec {
  enum class Type { multivariate_normal, local };
  Type type = Type::multivariate_normal;
  Bandwidth bandwidth = Bandwidth::silverman;  ///< multivariate_normal only
  /// Multiplies the covariance. 2 by default: Silverman's rule is made for density estimates,
  /// and as a proposal it is too narrow (posteriors came out 5-15% too narrow;
  /// config/REFERENCE.md).
  double scaling = 2.0;
  std::size_t k = 0;                    ///< local: neighbours; 0 = k_fraction * n
  double k_fraction = 0.25;             ///< local: used when k == 0
  int discrete_steps = 2;               ///< integer parameters: max jump per step
  double model_stay_probability = 0.7;  ///< model perturbation kernel
  /// Weight of the prior in a defensive mixture with the kernel (0: the kernel alone): weights
  /// stay below 1 / defensive and no region of the prior is ever out of reach.
  double defensive = 0.05;
};

/// A fitted perturbation kernel K(theta | previous population).
/// fit() runs once per generation on one thread; propose()/log_pdf() are const and thread-safe.
class Transition {
 public:
  virtual ~Transition() = default;
  /// Fits to particles `thetas` (n x d, row i = particle i) with normalised `weights` (sum 1).
  /// Rows are in evaluation-index order; the fit must depend on nothing else (determinism).
  virtual void fit(const Matrix& thetas, const Vector& weights) = 0;
  /// Draws a proposal: choose particle j with probability w_j, then perturb it.
  virtual Vector propose(Rng& rng) const = 0;
  /// log sum_j w_j K(theta | theta_j), computed stably (log-sum-exp).
  virtual double log_pdf(const Vector& theta) const = 0;
  /// Number of parameters the kernel acts on.
  virtual std::size_t dim() const = 0;
};

/// Kernel for one model: the continuous parameters get `spec.type`, the integer parameters a
/// discrete random walk; the density is the product of the parts (pyABC AggregatedTransition).
std::unique_ptr<Transition> make_transition(const TransitionSpec& spec, const Prior& prior);

/// Multivariate normal KDE: cov = scaling * bw^2 * weighted sample covariance, bw from
/// Silverman or Scott with n = effective sample size (pyABC MultivariateNormalTransition).
std::unique_ptr<Transition> make_multivariate_normal_transition(Bandwidth bw, double scaling);

/// Local kernel: particle j's covariance is the covariance of its k nearest neighbours (pyABC
/// LocalTransition), times `scaling`.
std::unique_ptr<Transition> make_local_transition(std::size_t k, double k_fraction, double scaling);

/// Integer random walk: each of `steps` steps adds -1, 0 or +1 uniformly per parameter
/// (pyABC DiscreteRandomWalkTransition).
std::unique_ptr<Transition> make_discrete_random_walk_transition(int steps);

}  // namespace abcsmc
