/// `abcsmc inspect` formatting: table, CSV and JSON views of a results file.
#include "abcsmc/io/inspect.hpp"

#include "abcsmc/core/epsilon.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "abcsmc/core/error.hpp"
#include "abcsmc/core/failures.hpp"

namespace abcsmc::io {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

std::string format_number(const char* format, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, value);
  return buffer;
}

std::string full_precision(double value) { return format_number("%.17g", value); }

std::string list_generations(const ResultsFile& file) {
  std::vector<std::uint32_t> ts;
  for (const auto& g : file.generations) ts.push_back(g.t);
  bool contiguous = ts.size() > 2;
  for (std::size_t i = 1; i < ts.size(); ++i) contiguous = contiguous && ts[i] == ts[i - 1] + 1;
  if (contiguous) return std::to_string(ts.front()) + ".." + std::to_string(ts.back());
  std::string out;
  for (std::size_t i = 0; i < ts.size(); ++i) out += (i ? ", " : "") + std::to_string(ts[i]);
  return out;
}

/// Column-aligned text: the first column left-aligned, the others right-aligned.
class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header) : rows_{std::move(header)} {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  std::string render(const std::string& indent) const {
    std::vector<std::size_t> width;
    for (const auto& row : rows_) {
      if (width.size() < row.size()) width.resize(row.size(), 0);
      for (std::size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
    }
    std::string out;
    for (const auto& row : rows_) {
      std::string line = indent;
      for (std::size_t c = 0; c < row.size(); ++c) {
        const std::string pad(width[c] - row[c].size(), ' ');
        if (c == 0) {
          line += row[c] + pad;
        } else {
          line += "  " + pad + row[c];
        }
      }
      line.erase(line.find_last_not_of(' ') + 1);
      out += line + '\n';
    }
    return out;
  }

 private:
  std::vector<std::vector<std::string>> rows_;
};

std::string join(const std::vector<std::string>& items, const std::string& separator) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? separator : "") + items[i];
  return out;
}

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

std::string json_string(const std::string& text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buffer[8];
          std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(c));
          out += buffer;
        } else {
          out += c;  // UTF-8 passes through
        }
    }
  }
  return out + '"';
}

std::string json_number(double value) {
  return std::isfinite(value) ? full_precision(value) : std::string("null");
}

std::string json_string_list(const std::vector<std::string>& items) {
  std::vector<std::string> quoted;
  for (const auto& item : items) quoted.push_back(json_string(item));
  std::string out(1, '[');
  out += join(quoted, ", ");
  out += ']';
  return out;
}

/// Column of each model parameter in parameter_union.
std::vector<std::vector<std::size_t>> union_columns(const RunHeader& header,
                                                    const std::vector<std::string>& columns) {
  std::vector<std::vector<std::size_t>> out(header.model_parameter_names.size());
  for (std::size_t m = 0; m < out.size(); ++m) {
    for (const auto& name : header.model_parameter_names[m]) {
      const auto it = std::find(columns.begin(), columns.end(), name);
      out[m].push_back(static_cast<std::size_t>(it - columns.begin()));
    }
  }
  return out;
}

std::string model_name(const RunHeader& header, std::uint32_t m) {
  return m < header.model_names.size() ? header.model_names[m] : "model " + std::to_string(m);
}

std::string header_lines(const ResultsFile& file, const std::string& file_label) {
  const RunHeader& h = file.header;
  std::string sampler = h.sampler.empty() ? std::string("?") : h.sampler;
  if (!h.scheduling.empty()) sampler += ", " + h.scheduling + " scheduling";
  if (h.batch_size > 0) sampler += ", batch size " + std::to_string(h.batch_size);
  if (h.workers > 0)
    sampler += ", " + std::to_string(h.workers) + (h.workers == 1 ? " worker" : " workers");
  if (h.ranks > 1) sampler += " (" + std::to_string(h.ranks) + " MPI ranks)";
  // Key/value lines, both columns left-aligned.
  std::string out;
  const std::size_t key_width = std::string("results file").size();  // the longest key
  auto line = [&](const std::string& key, const std::string& value) {
    out += key + std::string(key_width + 2 - key.size(), ' ') + value + '\n';
  };
  if (!file_label.empty()) line("results file", file_label);
  line("status", file.stop_reason.empty()
                     ? std::string("running (no stop reason yet; or the run was interrupted)")
                     : "finished: " + file.stop_reason);
  line("seed", std::to_string(h.seed));
  if (!h.created.empty()) line("created", h.created);
  if (!h.software_version.empty()) line("software", "abcsmc " + h.software_version);
  line("sampler", sampler);
  // An adaptive population size shows as sizes that differ between generations.
  std::size_t smallest = static_cast<std::size_t>(h.population_size), largest = smallest;
  for (const auto& g : file.generations) {
    smallest = std::min(smallest, g.particles.size());
    largest = std::max(largest, g.particles.size());
  }
  line("population", smallest == largest
                         ? std::to_string(h.population_size) + " particles"
                         : std::to_string(smallest) + " to " + std::to_string(largest) +
                               " particles per generation (adaptive; " +
                               std::to_string(h.population_size) + " at first)");
  for (std::size_t m = 0; m < h.model_names.size(); ++m) {
    std::string text = h.model_names[m];
    if (h.model_names.size() > 1 && m < h.model_prior_probabilities.size()) {
      text += " (prior " + format_number("%.4g", h.model_prior_probabilities[m]) + ")";
    }
    if (m < h.model_parameter_names.size()) text += ": " + join(h.model_parameter_names[m], ", ");
    line(m == 0 ? (h.model_names.size() > 1 ? "models" : "model") : "", text);
  }
  line("generations", file.generations.empty()
                          ? std::string("none complete yet")
                          : std::to_string(file.generations.size()) +
                                " complete (t = " + list_generations(file) + ")");
  return out;
}

std::string generation_table(const ResultsFile& file) {
  const RunHeader& h = file.header;
  const bool several = h.model_names.size() > 1;
  std::vector<std::string> columns = {"t",      "epsilon",  "accepted", "simulations",
                                      "failed", "acc.rate", "ESS",      "seconds"};
  if (several) {
    for (const auto& name : h.model_names) columns.push_back("p(" + name + ")");
  }
  TextTable table(columns);
  for (const auto& g : file.generations) {
    std::vector<std::string> row = {std::to_string(g.t),
                                    format_number("%.6g", g.epsilon),
                                    std::to_string(g.particles.size()),
                                    std::to_string(g.simulations),
                                    std::to_string(g.failed),
                                    format_number("%.4g", g.acceptance_rate),
                                    format_number("%.1f", g.ess),
                                    format_number("%.2f", g.wall_seconds)};
    if (several) {
      for (std::size_t m = 0; m < h.model_names.size(); ++m) {
        row.push_back(m < g.model_probabilities.size()
                          ? format_number("%.4f", g.model_probabilities[m])
                          : std::string("-"));
      }
    }
    table.add(std::move(row));
  }
  return table.render("  ");
}

std::string posterior_summary(const ResultsFile& file, const GenerationRecord& g) {
  const RunHeader& h = file.header;
  const bool several = h.model_names.size() > 1;
  std::string out = "Posterior at generation " + std::to_string(g.t) + " (epsilon " +
                    format_number("%.6g", g.epsilon) + ", " + std::to_string(g.particles.size()) +
                    " particles, ESS " + format_number("%.1f", g.ess) + ")\n";
  for (std::uint32_t m = 0; m < h.model_names.size(); ++m) {
    std::vector<double> weights;
    std::vector<const Particle*> members;
    for (const auto& p : g.particles) {
      if (p.model == m) {
        members.push_back(&p);
        weights.push_back(p.weight);
      }
    }
    std::string title = "model " + model_name(h, m);
    if (several) {
      const double probability = m < g.model_probabilities.size()
                                     ? g.model_probabilities[m]
                                     : std::accumulate(weights.begin(), weights.end(), 0.0);
      title += " (p = " + format_number("%.4f", probability) + ", " +
               std::to_string(members.size()) + " particles)";
    }
    out += title + '\n';
    if (members.empty()) {
      out += "  (no particles)\n";
      continue;
    }
    TextTable table({"parameter", "mean", "sd", "5%", "50%", "95%"});
    const auto& names = h.model_parameter_names[m];
    for (std::size_t j = 0; j < names.size(); ++j) {
      std::vector<double> values;
      for (const Particle* p : members) {
        values.push_back(static_cast<Eigen::Index>(j) < p->theta.size()
                             ? p->theta[static_cast<Eigen::Index>(j)]
                             : kNaN);
      }
      table.add({names[j], format_number("%.6g", weighted_mean(values, weights)),
                 format_number("%.6g", weighted_sd(values, weights)),
                 format_number("%.6g", weighted_quantile(values, weights, 0.05)),
                 format_number("%.6g", weighted_quantile(values, weights, 0.50)),
                 format_number("%.6g", weighted_quantile(values, weights, 0.95))});
    }
    out += table.render("  ");
  }
  return out;
}

}  // namespace

const GenerationRecord& select_generation(const ResultsFile& file,
                                          std::optional<std::uint32_t> generation) {
  if (file.generations.empty()) {
    throw IoError(
        "the results file has no complete generation yet (the run is still in generation 0, or "
        "it stopped before completing one)");
  }
  if (!generation) return file.generations.back();
  for (const auto& g : file.generations) {
    if (g.t == *generation) return g;
  }
  throw IoError("generation " + std::to_string(*generation) +
                " is not in the results file; it has generations " + list_generations(file));
}

namespace {

/// Why candidates failed, per round that recorded reasons; "" when none did (or the file
/// predates reasons).
std::string failure_lines(const ResultsFile& file) {
  std::string out;
  std::string first;
  const auto add = [&](const std::string& round, std::uint64_t failed, const FailureTally& tally) {
    if (tally.empty()) return;
    out += "  " + round + std::string(round.size() < 13 ? 13 - round.size() : 1, ' ') +
           std::to_string(failed) + ": " + tally.summary(8) + "\n";
    if (first.empty() && !tally.first_message.empty()) first = round + ": " + tally.first_message;
  };
  add("calibration", file.calibration_failed, file.calibration_failures);
  for (const auto& g : file.generations) add("t=" + std::to_string(g.t), g.failed, g.failures);
  if (out.empty()) return out;
  out = "\nFailed candidates by reason\n" + out;
  if (!first.empty()) out += "First failure (" + first + ")\n";
  return out;
}

}  // namespace

std::string format_table(const ResultsFile& file, std::optional<std::uint32_t> generation,
                         const std::string& file_label) {
  // A run still in generation 0 (or killed there) has only its header: show it, since the
  // table is what users look at while a job runs.
  if (file.generations.empty() && !generation) return header_lines(file, file_label);
  const GenerationRecord& g = select_generation(file, generation);
  return header_lines(file, file_label) + '\n' + generation_table(file) + failure_lines(file) +
         '\n' + posterior_summary(file, g);
}

namespace {

std::string csv_header(const std::vector<std::string>& columns) {
  std::string out = "model,eval_index,weight,distance";
  for (const auto& name : columns) out += ',' + csv_field(name);
  return out + '\n';
}

/// One CSV row per particle of g, each starting with `prefix` (empty, or "t,").
std::string csv_rows(const ResultsFile& file, const GenerationRecord& g,
                     const std::vector<std::string>& columns, const std::string& prefix) {
  const auto column_of = union_columns(file.header, columns);
  std::string out;
  for (const auto& p : g.particles) {
    std::vector<std::string> cells(columns.size());
    if (p.model < column_of.size()) {
      const auto& cols = column_of[p.model];
      for (std::size_t j = 0; j < cols.size() && static_cast<Eigen::Index>(j) < p.theta.size();
           ++j) {
        cells[cols[j]] = full_precision(p.theta[static_cast<Eigen::Index>(j)]);
      }
    }
    out += prefix + std::to_string(p.model) + ',' + std::to_string(p.eval_index) + ',' +
           full_precision(p.weight) + ',' + full_precision(p.distance);
    for (const auto& cell : cells) out += ',' + cell;
    out += '\n';
  }
  return out;
}

}  // namespace

std::string format_csv(const ResultsFile& file, std::optional<std::uint32_t> generation) {
  const GenerationRecord& g = select_generation(file, generation);
  const std::vector<std::string> columns = parameter_union(file.header);
  return csv_header(columns) + csv_rows(file, g, columns, "");
}

std::string format_csv_all(const ResultsFile& file) {
  const std::vector<std::string> columns = parameter_union(file.header);
  std::string out = "t," + csv_header(columns);
  for (const auto& g : file.generations)
    out += csv_rows(file, g, columns, std::to_string(g.t) + ',');
  return out;
}

std::string format_json(const ResultsFile& file, std::optional<std::uint32_t> generation) {
  const GenerationRecord& g = select_generation(file, generation);
  const RunHeader& h = file.header;
  std::string out = "{\n";
  out += "  \"generation\": " + std::to_string(g.t) + ",\n";
  out += "  \"epsilon\": " + json_number(g.epsilon) + ",\n";
  out += "  \"models\": " + json_string_list(h.model_names) + ",\n";
  out += "  \"parameters\": " + json_string_list(parameter_union(h)) + ",\n";
  out += "  \"particles\": [";
  for (std::size_t i = 0; i < g.particles.size(); ++i) {
    const Particle& p = g.particles[i];
    out += i == 0 ? "\n" : ",\n";
    out += "    {\"model\": " + std::to_string(p.model) +
           ", \"eval_index\": " + std::to_string(p.eval_index) +
           ", \"weight\": " + json_number(p.weight) + ", \"distance\": " + json_number(p.distance) +
           ", \"theta\": {";
    if (p.model < h.model_parameter_names.size()) {
      const auto& names = h.model_parameter_names[p.model];
      for (std::size_t j = 0; j < names.size() && static_cast<Eigen::Index>(j) < p.theta.size();
           ++j) {
        out += (j ? ", " : "") + json_string(names[j]) + ": " +
               json_number(p.theta[static_cast<Eigen::Index>(j)]);
      }
    }
    out += "}}";
  }
  out += g.particles.empty() ? "]\n" : "\n  ]\n";
  out += "}\n";
  return out;
}

std::string format_json_all(const ResultsFile& file) {
  if (file.generations.empty()) return "[]\n";
  std::string out = "[\n";
  for (std::size_t i = 0; i < file.generations.size(); ++i) {
    std::string object = format_json(file, file.generations[i].t);
    object.pop_back();  // its '\n'
    out += object + (i + 1 < file.generations.size() ? ",\n" : "\n");
  }
  return out + "]\n";
}

std::string format_table_all(const ResultsFile& file, const std::string& file_label) {
  std::string out = header_lines(file, file_label);
  if (file.generations.empty()) return out;
  out += '\n' + generation_table(file) + failure_lines(file);
  for (const auto& g : file.generations) out += '\n' + posterior_summary(file, g);
  return out;
}

double weighted_mean(const std::vector<double>& values, const std::vector<double>& weights) {
  double sum_w = 0.0;
  double sum_wx = 0.0;
  for (std::size_t i = 0; i < values.size() && i < weights.size(); ++i) {
    sum_w += weights[i];
    sum_wx += weights[i] * values[i];
  }
  return sum_w > 0.0 ? sum_wx / sum_w : kNaN;
}

double weighted_sd(const std::vector<double>& values, const std::vector<double>& weights) {
  const double mean = weighted_mean(values, weights);
  if (std::isnan(mean)) return kNaN;
  double sum_w = 0.0;
  double sum_sq = 0.0;
  for (std::size_t i = 0; i < values.size() && i < weights.size(); ++i) {
    sum_w += weights[i];
    sum_sq += weights[i] * (values[i] - mean) * (values[i] - mean);
  }
  return std::sqrt(sum_sq / sum_w);
}

double weighted_quantile(const std::vector<double>& values, const std::vector<double>& weights,
                         double alpha) {
  // The core's definition (the one the epsilon schedule uses), over the positive weights.
  std::vector<double> x;
  std::vector<double> w;
  for (std::size_t i = 0; i < values.size() && i < weights.size(); ++i) {
    if (weights[i] > 0.0) {
      x.push_back(values[i]);
      w.push_back(weights[i]);
    }
  }
  if (x.empty()) return kNaN;
  return abcsmc::weighted_quantile(x, w, alpha);
}

}  // namespace abcsmc::io
