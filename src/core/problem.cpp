#include "abcsmc/core/problem.hpp"

#include <algorithm>

#include "abcsmc/core/error.hpp"
#include "abcsmc/core/suggest.hpp"

namespace abcsmc {

void Problem::bind_statistics() {
  double total_probability = 0.0;
  for (const auto& m : models) total_probability += m.prior_probability;
  for (auto& m : models) {
    m.prior_probability /= total_probability;
    const StatNames produced = flatten_stat_names(m.model->statistics());
    m.output_size = produced.size();
    m.stat_selection.clear();
    for (const auto& name : stat_names) {
      const auto it = std::find(produced.begin(), produced.end(), name);
      if (it == produced.end()) {
        throw ConfigError("model '" + m.name + "' produces no statistic '" + name + "'." +
                          did_you_mean(name, produced) + " It produces " + quoted_list(produced));
      }
      m.stat_selection.push_back(static_cast<std::size_t>(it - produced.begin()));
    }
    m.selection_is_identity = m.stat_selection.size() == produced.size();
    for (std::size_t i = 0; i < m.stat_selection.size() && m.selection_is_identity; ++i) {
      m.selection_is_identity = m.stat_selection[i] == i;
    }
  }
}

}  // namespace abcsmc
