#pragma once
/// `abcsmc inspect`: formatting of a results file as a readable table, CSV or JSON. Pure
/// functions on a ResultsFile (no printing): the CLI prints the returned string. They work on the
/// file of a run that is still going (read_results sees only complete generations).
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "abcsmc/io/results.hpp"

namespace abcsmc::io {

/// The generation to show. Any thread.
/// @param file what read_results returned
/// @param generation t of the generation; empty = the last complete one
/// @return the generation record (a reference into `file`)
/// @throws IoError if the file has no complete generation yet, or if `generation` is not in the
///         file (the message lists those that are)
const GenerationRecord& select_generation(const ResultsFile& file,
                                          std::optional<std::uint32_t> generation);

/// Header lines, the per-generation table (t, epsilon, accepted, simulations, failed, acceptance
/// rate, ESS, seconds, and p(model) per model when there are several), then the posterior summary
/// of one generation: per model (with its probability when there are several) and parameter, the
/// weighted mean, sd and 5%, 50%, 95% weighted quantiles, weights renormalised within the model.
/// @param file what read_results returned
/// @param generation generation of the posterior summary; empty = the last
/// @param file_label shown on the first line ("results file ..."); omitted when empty
/// @return the text, lines ending in '\n'
/// @throws IoError as select_generation
std::string format_table(const ResultsFile& file, std::optional<std::uint32_t> generation,
                         const std::string& file_label = {});

/// One row per particle of the generation; header `model,eval_index,weight,distance,<parameter
/// union>`; model is the model index; empty cells where the particle's model lacks a parameter.
/// Numbers with full precision (%.17g), so they read back bit-identical.
/// @return CSV text, lines ending in '\n'
/// @throws IoError as select_generation
std::string format_csv(const ResultsFile& file, std::optional<std::uint32_t> generation);

/// The same data as JSON:
/// `{"generation": t, "epsilon": e, "models": [names], "parameters": [union], "particles":
///  [{"model": 0, "eval_index": i, "weight": w, "distance": d, "theta": {"name": value, ...}}]}`;
/// `theta` holds the particle's model's parameters only. Numbers with %.17g; NaN and infinities
/// are written as null.
/// @return JSON text ending in '\n'
/// @throws IoError as select_generation
std::string format_json(const ResultsFile& file, std::optional<std::uint32_t> generation);

/// `inspect --generation all --format csv`: every generation's particles in one table, t
/// ascending, with a leading column t (header `t,model,eval_index,weight,distance,<parameter
/// union>`; otherwise as format_csv). A file without a complete generation gives the header only.
/// @return CSV text, lines ending in '\n'
std::string format_csv_all(const ResultsFile& file);

/// `inspect --generation all --format json`: a JSON array of format_json's objects, one per
/// generation, t ascending (`[]` while none is complete).
/// @return JSON text ending in '\n'
std::string format_json_all(const ResultsFile& file);

/// `inspect --generation all` (table): format_table's header and per-generation table, then the
/// posterior summary of every generation, t ascending.
/// @param file_label shown on the first line ("results file ..."); omitted when empty
/// @return the text, lines ending in '\n'
std::string format_table_all(const ResultsFile& file, const std::string& file_label = {});

/// Weighted mean sum(w x) / sum(w). @return NaN when the weights sum to 0 or there are no values.
double weighted_mean(const std::vector<double>& values, const std::vector<double>& weights);

/// Weighted standard deviation sqrt(sum(w (x - mean)^2) / sum(w)) (the population form, as pyABC
/// `weighted_std`). @return NaN when the weights sum to 0 or there are no values.
double weighted_sd(const std::vector<double>& values, const std::vector<double>& weights);

/// Weighted quantile interpolated on the weighted CDF (as pyABC `weighted_quantile` and the core
/// epsilon schedule): sort the values, normalise the weights, place each value at
/// cumsum(w) - w/2, interpolate linearly at `alpha`, and clamp to the smallest / largest value
/// outside that range. Values with weight <= 0 are ignored. Equal weights give the textbook
/// median. Ties keep their given order.
/// @param alpha in [0, 1]
/// @return the quantile; NaN when no value has positive weight
double weighted_quantile(const std::vector<double>& values, const std::vector<double>& weights,
                         double alpha);

}  // namespace abcsmc::io
