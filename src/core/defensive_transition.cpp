/// The defensive mixture (Hesterberg 1995; as a proposal for ABC-SMC, e.g. the "prior mixing" of
/// Beaumont et al. 2009's discussion): with probability delta a candidate is drawn from the
/// prior, otherwise from the kernel, and the density in the importance weights is the mixture's,
/// (1 - delta) K(theta) + delta prior(theta). Weights prior / mixture are then at most
/// 1 / delta, so that no particle in the kernel's tails can take the whole population, and every
/// region with prior mass keeps being proposed: a mode or an integer value that lost its
/// particles can come back.
#include <cmath>
#include <memory>
#include <utility>

#include "abcsmc/core/detail/kernel_support.hpp"
#include "abcsmc/core/detmath.hpp"
#include "abcsmc/core/error.hpp"
#include "abcsmc/core/prior.hpp"

namespace abcsmc::detail {
namespace {

class DefensiveTransition final : public Transition {
 public:
  DefensiveTransition(std::unique_ptr<Transition> inner, Prior prior, double delta)
      : inner_(std::move(inner)),
        prior_(std::move(prior)),
        delta_(delta),
        log_delta_(detmath::log(delta)),
        log_rest_(detmath::log(1.0 - delta)) {}

  void fit(const Matrix& thetas, const Vector& weights) override { inner_->fit(thetas, weights); }

  Vector propose(Rng& rng) const override {
    if (rng.uniform() < delta_) return prior_.sample(rng);
    return inner_->propose(rng);
  }

  double log_pdf(const Vector& theta) const override {
    const double a = log_rest_ + inner_->log_pdf(theta);
    const double b = log_delta_ + prior_.log_pdf(theta);
    if (a == -kInf && b == -kInf) return -kInf;
    const double hi = a > b ? a : b;
    const double lo = a > b ? b : a;
    return hi + detmath::log1p(detmath::exp(lo - hi));
  }

  std::size_t dim() const override { return inner_->dim(); }

 private:
  std::unique_ptr<Transition> inner_;
  Prior prior_;
  double delta_;
  double log_delta_;
  double log_rest_;
};

}  // namespace

std::unique_ptr<Transition> make_defensive(std::unique_ptr<Transition> inner, const Prior& prior,
                                           double delta) {
  if (!(delta > 0.0 && delta < 1.0)) {
    throw ConfigError("transition.defensive must be 0 (off) or between 0 and 1 (e.g. 0.05), not " +
                      num(delta));
  }
  return std::make_unique<DefensiveTransition>(std::move(inner), prior, delta);
}

}  // namespace abcsmc::detail
