#include "abcsmc/core/wire_check.hpp"

#include "abcsmc/core/acceptance.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "abcsmc/core/error.hpp"
#include "abcsmc/core/value_range.hpp"

namespace abcsmc {

namespace {

std::string str(std::uint64_t v) { return std::to_string(v); }

std::string models_text(std::size_t n) { return str(n) + (n == 1 ? " model" : " models"); }

/// Index of the first non-finite element, or -1.
Eigen::Index first_non_finite(const Vector& v) {
  for (Eigen::Index i = 0; i < v.size(); ++i) {
    if (!std::isfinite(v[i])) return i;
  }
  return -1;
}

[[noreturn]] void bad(const std::string& where, const std::string& what) {
  throw Error(where + ": " + what);
}

/// "<who> has <what>" (where ends in " has").
[[noreturn]] void bad_has(const std::string& where, const std::string& what) {
  throw Error(where + " " + what);
}

/// Model index, parameter count and finite parameters of one particle or candidate (`who`
/// names it: messages read "<who> has ...").
void check_theta(const Problem& problem, const std::string& who, std::uint32_t model,
                 const Vector& theta) {
  const std::string where = who + " has";
  const std::size_t n_models = problem.models.size();
  if (model >= n_models) {
    bad_has(where, "model index " + str(model) + ", but the run has " + models_text(n_models));
  }
  const std::size_t dim = problem.models[model].prior.dim();
  if (static_cast<std::size_t>(theta.size()) != dim) {
    bad_has(where, str(static_cast<std::uint64_t>(theta.size())) + " parameters, but model '" +
                       problem.models[model].name + "' has " + str(dim));
  }
  if (const Eigen::Index i = first_non_finite(theta); i >= 0) {
    bad_has(where, "parameter '" +
                       problem.models[model].prior.names()[static_cast<std::size_t>(i)] +
                       "' = " + number_text(theta[i]));
  }
  // Every candidate the evaluator accepts lies in its prior's support (proposals outside are
  // drawn again); one outside would get weight 0 on the master and skew a kernel fitted to it.
  const double log_prior = problem.models[model].prior.log_pdf(theta);
  if (!(log_prior > -std::numeric_limits<double>::infinity())) {
    bad_has(where, "parameters outside the prior of model '" + problem.models[model].name +
                       "' (log density " + number_text(log_prior) + ")");
  }
}

/// One finite value per observed statistic (messages read "<who> has ...").
void check_stats(const Problem& problem, const std::string& who, const Vector& stats) {
  const std::string where = who + " has";
  const std::size_t k = problem.stat_names.size();
  if (static_cast<std::size_t>(stats.size()) != k) {
    bad_has(where, str(static_cast<std::uint64_t>(stats.size())) +
                       " statistics, but the run observes " + str(k));
  }
  if (const Eigen::Index i = first_non_finite(stats); i >= 0) {
    bad_has(where, "statistic '" + problem.stat_names[static_cast<std::size_t>(i)] +
                       "' = " + number_text(stats[i]) +
                       " (a non-finite statistic is a failed simulation, never a result)");
  }
}

std::string candidate_name(Scheduling scheduling, std::uint64_t index, std::uint64_t attempt) {
  if (scheduling == Scheduling::static_blocks) {
    return "slot " + str(index) + " attempt " + str(attempt);
  }
  return "candidate " + str(index);
}

}  // namespace

void validate_spec(const Problem& problem, const GenerationSpec& spec) {
  const std::string where =
      spec.calibration ? std::string("calibration spec") : "spec of generation " + str(spec.t);
  const std::size_t n_models = problem.models.size();
  if (std::isnan(spec.epsilon)) bad(where, "epsilon is NaN");
  if (!spec.calibration && spec.epsilon < 0.0) {
    bad(where, "epsilon is " + number_text(spec.epsilon) +
                   ", but distances are >= 0 (nothing could be accepted)");
  }
  if (spec.calibration) {
    if (!spec.from_prior) bad(where, "a calibration must sample from the prior (from_prior is 0)");
  } else if (spec.from_prior != (spec.t == 0)) {
    bad(where, spec.from_prior ? "from_prior is set, but only generation 0 samples from the prior"
                               : "from_prior is 0, but generation 0 samples from the prior");
  }
  if (spec.from_prior && !spec.previous.empty()) {
    bad(where, "samples from the prior but carries a previous population of " +
                   str(spec.previous.size()) + " particles");
  }
  if (!spec.from_prior && spec.previous.empty()) {
    bad(where, "from_prior is 0, but the previous population is empty (nothing to propose from)");
  }
  const std::size_t k = problem.stat_names.size();
  if (static_cast<std::size_t>(spec.distance_weights.size()) != k) {
    bad(where, str(static_cast<std::uint64_t>(spec.distance_weights.size())) +
                   " distance weights, but the run observes " + str(k) + " statistics");
  }
  for (Eigen::Index i = 0; i < spec.distance_weights.size(); ++i) {
    const double w = spec.distance_weights[i];
    if (!std::isfinite(w) || w < 0.0) {
      bad(where, "the distance weight of statistic '" +
                     problem.stat_names[static_cast<std::size_t>(i)] + "' is " + number_text(w) +
                     ", but must be finite and >= 0");
    }
  }
  double total = 0.0;
  for (std::size_t i = 0; i < spec.previous.size(); ++i) {
    const Particle& p = spec.previous[i];
    const std::string who =
        where + ": previous particle " + str(i) + " (index " + str(p.eval_index) + ")";
    if (p.model >= n_models) {
      throw Error(who + " has model index " + str(p.model) + ", but the run has " +
                  models_text(n_models));
    }
    check_theta(problem, who, p.model, p.theta);
    if (!std::isfinite(p.weight) || p.weight < 0.0) {
      throw Error(who + " has weight " + number_text(p.weight) +
                  ", but weights must be finite and >= 0");
    }
    if (i > 0 && p.eval_index <= spec.previous[i - 1].eval_index) {
      throw Error(who + " is not after index " + str(spec.previous[i - 1].eval_index) +
                  " (the population travels in strictly increasing index order)");
    }
    total += p.weight;
  }
  if (!spec.previous.empty() && !(std::abs(total - 1.0) <= kWeightSumTolerance)) {
    bad(where, "the previous population's weights sum to " + number_text(total) + ", not 1");
  }
}

void validate_generation(const Problem& problem, const GenerationMessage& m) {
  const std::string where = "generation message of round " + str(m.round);
  const SampleRequest& q = m.request;
  if (q.n_accept == 0 || q.n_accept > kMaxWirePopulation) {
    bad(where, "asks for " + str(q.n_accept) + " particles; a population is 1 to " +
                   str(kMaxWirePopulation));
  }
  if (q.fail_fast > kMaxWireFailFast) {
    bad(where, "fail_fast is " + str(q.fail_fast) + ", at most " + str(kMaxWireFailFast));
  }
  if (m.scheduling == Scheduling::dynamic && (m.batch_size == 0 || m.batch_size > kMaxWireBatch)) {
    bad(where, "batch size " + str(m.batch_size) + ", but a batch holds 1 to " +
                   str(kMaxWireBatch) + " indices");
  }
  try {
    validate_spec(problem, m.spec);
  } catch (const Error& e) {
    bad(where, e.what());
  }
}

void validate_result(const Problem& problem, const GenerationMessage& m, const ResultMessage& r,
                     const WorkBlock& claimed, bool cut_short_ok, bool stochastic) {
  const std::string where = "result for indices [" + str(r.block.first) + ", " +
                            str(r.block.first + r.block.count) + ") of round " + str(r.round);
  if (r.round != m.round)
    bad(where, "belongs to round " + str(r.round) + ", this is round " + str(m.round));
  if (r.block.first != claimed.first || r.block.count != claimed.count) {
    bad(where, "the block handed out was [" + str(claimed.first) + ", " +
                   str(claimed.first + claimed.count) + ")");
  }
  if (r.block.count == 0) bad(where, "an empty block");
  if (r.block.count > kMaxWireBatch || r.block.first + r.block.count < r.block.first) {
    bad(where, "a block of " + str(r.block.count) + " indices from " + str(r.block.first));
  }
  const bool dynamic = m.scheduling == Scheduling::dynamic;
  const EvalLog& log = r.log;
  const GenerationSpec& spec = m.spec;
  // How far indices may reach: dynamic, the first `attempts` indices of the block.
  std::uint64_t reach = r.block.count;
  if (dynamic) {
    if (r.attempts > r.block.count || (r.attempts < r.block.count && !cut_short_ok)) {
      bad(where, str(r.attempts) + " candidates evaluated in a block of " + str(r.block.count));
    }
    reach = r.attempts;
  }
  const std::uint64_t n_logged = log.accepted.size() + log.failed_index.size();
  if (n_logged > r.attempts) {
    bad(where, str(log.accepted.size()) + " accepted and " + str(log.failed_index.size()) +
                   " failed candidates, but " + str(r.attempts) + " evaluated");
  }
  if (log.failed_attempt.size() != log.failed_index.size() ||
      (!log.failed_reason.empty() && log.failed_reason.size() != log.failed_index.size())) {
    bad(where, "the failure lists differ in length");
  }
  if (log.reasons.size() > EvalLog::kMaxReasons + 1) {
    bad(where, str(log.reasons.size()) + " distinct failure reasons, at most " +
                   str(EvalLog::kMaxReasons + 1));
  }
  for (std::uint32_t id : log.failed_reason) {
    if (id >= log.reasons.size())
      bad(where, "failure reason " + str(id) + " of " + str(log.reasons.size()));
  }
  // Every (index, attempt) named, checked for range and budget; accepted and failed ones once.
  struct Key {
    std::uint64_t index;
    std::uint64_t attempt;
    int kind;  // 0 accepted, 1 failed
  };
  std::vector<Key> keys;
  keys.reserve(static_cast<std::size_t>(n_logged));
  const auto check_key = [&](std::uint64_t index, std::uint64_t attempt, const char* what) {
    if (index < r.block.first || index - r.block.first >= reach) {
      bad(where, std::string(what) + " " + str(index) + " lies outside the " +
                     (dynamic ? "indices evaluated, [" : "slots of the block, [") +
                     str(r.block.first) + ", " + str(r.block.first + reach) + ")");
    }
    if (dynamic && attempt != 0)
      bad(where, std::string(what) + " " + str(index) + " has attempt " + str(attempt));
    if (!dynamic) {
      const std::uint64_t budget = static_slot_budget(m.request, index);
      if (attempt >= budget) {
        bad(where, "slot " + str(index) + " attempt " + str(attempt) +
                       " is beyond the slot's budget of " + str(budget));
      }
    }
  };
  for (const EvalResult& a : log.accepted) {
    const std::string who =
        where + ": accepted " + candidate_name(m.scheduling, a.index, a.attempt);
    check_key(a.index, a.attempt, "accepted candidate");
    if (!a.accepted || a.failed) {
      throw Error(who + " is flagged " + (a.failed ? "failed" : "not accepted"));
    }
    check_theta(problem, who, a.model, a.theta);
    check_stats(problem, who, a.stats);
    if (std::isnan(a.distance) || a.distance < 0.0) {
      throw Error(who + " has distance " + number_text(a.distance) + ", but distances are >= 0");
    }
    if (!accepts(spec, stochastic, a.distance, a.index, a.attempt)) {
      throw Error(
          who + " has distance " + number_text(a.distance) + ", above " +
          (stochastic ? "the threshold its acceptance stream gives at temperature " : "epsilon ") +
          number_text(spec.epsilon));
    }
    keys.push_back({a.index, a.attempt, 0});
  }
  for (std::size_t i = 0; i < log.failed_index.size(); ++i) {
    check_key(log.failed_index[i], log.failed_attempt[i], "failed candidate");
    keys.push_back({log.failed_index[i], log.failed_attempt[i], 1});
  }
  std::sort(keys.begin(), keys.end(), [](const Key& a, const Key& b) {
    return a.index < b.index || (a.index == b.index && a.attempt < b.attempt);
  });
  for (std::size_t i = 1; i < keys.size(); ++i) {
    const Key& a = keys[i - 1];
    const Key& b = keys[i];
    if (a.index == b.index && a.attempt == b.attempt) {
      bad(where, candidate_name(m.scheduling, b.index, b.attempt) + " is reported twice");
    }
    // Static: a slot stops at its first accepted attempt.
    if (!dynamic && a.index == b.index && a.kind == 0) {
      bad(where, "slot " + str(a.index) + " has attempt " + str(b.attempt) +
                     " after its accepted attempt " + str(a.attempt));
    }
  }
  if (log.has_first_failure) {
    bool found = false;
    for (std::size_t i = 0; i < log.failed_index.size() && !found; ++i) {
      found = log.failed_index[i] == log.first_failure_index &&
              log.failed_attempt[i] == log.first_failure_attempt;
    }
    if (!found) {
      bad(where,
          "its first failure, " +
              candidate_name(m.scheduling, log.first_failure_index, log.first_failure_attempt) +
              ", is not one of its failed candidates");
    }
  } else if (!log.failed_index.empty()) {
    bad(where, str(log.failed_index.size()) + " failed candidates but no first failure message");
  }
  if (!log.stats.empty() && !m.request.keep_all_stats) {
    bad(where,
        "statistics of " + str(log.stats.size()) + " candidates, which this round did not ask for");
  }
  if (log.stats.size() > r.attempts) {
    bad(where, "statistics of " + str(log.stats.size()) + " candidates, but " + str(r.attempts) +
                   " evaluated");
  }
  std::vector<std::pair<std::uint64_t, std::uint64_t>> stat_keys;
  stat_keys.reserve(log.stats.size());
  for (const IndexedStats& s : log.stats) {
    check_key(s.index, s.attempt, "candidate with statistics");
    check_stats(
        problem,
        where + ": " + candidate_name(m.scheduling, s.index, s.attempt) + " (its kept statistics)",
        s.stats);
    stat_keys.emplace_back(s.index, s.attempt);
  }
  std::sort(stat_keys.begin(), stat_keys.end());
  for (std::size_t i = 1; i < stat_keys.size(); ++i) {
    if (stat_keys[i] == stat_keys[i - 1]) {
      bad(where, "the statistics of " +
                     candidate_name(m.scheduling, stat_keys[i].first, stat_keys[i].second) +
                     " are reported twice");
    }
  }
  for (const auto& [index, attempt] : stat_keys) {
    const auto it = std::lower_bound(
        keys.begin(), keys.end(), Key{index, attempt, 0}, [](const Key& a, const Key& b) {
          return a.index < b.index || (a.index == b.index && a.attempt < b.attempt);
        });
    if (it != keys.end() && it->index == index && it->attempt == attempt && it->kind == 1) {
      bad(where,
          "statistics of " + candidate_name(m.scheduling, index, attempt) + ", which failed");
    }
  }
}

}  // namespace abcsmc
