#include "report.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdint>

#include "abcsmc/io/inspect.hpp"

namespace abcsmc::cli {

std::string simulations_line(const SmcResult& result) {
  // The rate is this invocation's work over this invocation's time: after --resume the total
  // also counts simulations of earlier invocations, whose time wall_seconds does not include.
  const std::uint64_t here = result.simulations_this_run;
  if (here == 0) {
    return fmt::format("  simulations: no simulations in this invocation ({} in the whole run)\n",
                       result.total_simulations);
  }
  const double rate =
      result.wall_seconds > 0 ? static_cast<double>(here) / result.wall_seconds : 0.0;
  std::string line = fmt::format("  simulations: {} in {:.2f} s ({:.0f} simulations/s)", here,
                                 result.wall_seconds, rate);
  if (here != result.total_simulations) {
    line += fmt::format(" in this invocation; {} in the whole run", result.total_simulations);
  }
  return line + "\n";
}

std::string format_run_summary(const Problem& problem, const SmcResult& result,
                               const std::string& output_path) {
  std::string out;
  out += fmt::format("abcsmc finished: {} generation(s), stopped because {}\n", result.generations,
                     result.stop_reason.empty() ? "the run ended" : result.stop_reason);
  out += simulations_line(result);
  if (result.generations == 0) {
    out += "  no complete generation\n";
    return out;
  }
  const GenerationRecord& last = result.last;
  out += fmt::format("  final epsilon: {:.6g}, ESS {:.1f} of {}\n", last.epsilon, last.ess,
                     last.particles.size());
  out += fmt::format("  results: {}\n", output_path);
  out += fmt::format("Posterior at generation {}:\n", last.t);
  for (std::size_t m = 0; m < problem.models.size(); ++m) {
    const ModelEntry& entry = problem.models[m];
    if (problem.models.size() > 1) {
      out += fmt::format("  model {} ({}): probability {:.4f}\n", m, entry.name,
                         last.model_probabilities[m]);
    }
    std::vector<const Particle*> mine;
    double total = 0.0;
    for (const auto& p : last.particles) {
      if (p.model == m) {
        mine.push_back(&p);
        total += p.weight;
      }
    }
    if (mine.empty()) continue;
    out += fmt::format("  {:<16} {:>12} {:>12} {:>12} {:>12} {:>12}\n", "parameter", "mean", "sd",
                       "5%", "50%", "95%");
    for (std::size_t d = 0; d < entry.prior.dim(); ++d) {
      std::vector<double> x;
      std::vector<double> w;
      for (const auto* p : mine) {
        x.push_back(p->theta[static_cast<Eigen::Index>(d)]);
        w.push_back(p->weight / total);
      }
      out += fmt::format("  {:<16} {:>12.6g} {:>12.6g} {:>12.6g} {:>12.6g} {:>12.6g}\n",
                         entry.prior.names()[d], io::weighted_mean(x, w), io::weighted_sd(x, w),
                         io::weighted_quantile(x, w, 0.05), io::weighted_quantile(x, w, 0.5),
                         io::weighted_quantile(x, w, 0.95));
    }
  }
  return out;
}

}  // namespace abcsmc::cli
