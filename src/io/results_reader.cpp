/// HDF5 results reader. The writer only ever renames complete files over the visible path, so a
/// read-only open always sees a consistent file, also while a run is writing it.
/// Layout: docs/results-format.md.
#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include "abcsmc/core/error.hpp"
#include "abcsmc/io/results.hpp"
#include "hdf5_handle.hpp"

namespace abcsmc::io {
namespace {

namespace fs = std::filesystem;
using detail::Attribute;
using detail::Context;
using detail::Dataset;
using detail::Dataspace;
using detail::Datatype;
using detail::File;
using detail::Group;
using detail::PropertyList;

std::string object_path(hid_t loc, const std::string& name) {
  char buffer[256];
  const ssize_t size = H5Iget_name(loc, buffer, sizeof buffer);
  std::string path = size > 0 ? std::string(buffer) : std::string("/");
  if (name.empty()) return path;
  if (path.back() != '/') path += '/';
  return path + name;
}

/// A dataset or an attribute, opened for reading.
class Readable {
 public:
  static Readable dataset(const Context& ctx, hid_t loc, const std::string& name) {
    Readable r;
    r.what_ = "dataset '" + object_path(loc, name) + "'";
    r.dataset_ = Dataset(ctx.check(H5Dopen2(loc, name.c_str(), H5P_DEFAULT), "open " + r.what_));
    r.init(ctx);
    return r;
  }
  static Readable attribute(const Context& ctx, hid_t loc, const std::string& name) {
    Readable r;
    r.what_ = "attribute '" + name + "' of '" + object_path(loc, "") + "'";
    r.attribute_ = Attribute(ctx.check(H5Aopen(loc, name.c_str(), H5P_DEFAULT), "open " + r.what_));
    r.init(ctx);
    return r;
  }

  const std::string& what() const { return what_; }
  hid_t type() const { return type_.get(); }
  hid_t space() const { return space_.get(); }
  /// Extent (empty for a scalar).
  const std::vector<hsize_t>& dims() const { return dims_; }
  std::size_t count() const {
    std::size_t n = 1;
    for (hsize_t d : dims_) n *= static_cast<std::size_t>(d);
    return n;
  }
  herr_t read(hid_t mem_type, void* buffer) const {
    if (attribute_.valid()) return H5Aread(attribute_.get(), mem_type, buffer);
    return H5Dread(dataset_.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer);
  }

 private:
  void init(const Context& ctx) {
    const hid_t id = attribute_.valid() ? attribute_.get() : dataset_.get();
    type_ = Datatype(ctx.check(attribute_.valid() ? H5Aget_type(id) : H5Dget_type(id),
                               "get the type of " + what_));
    space_ = Dataspace(ctx.check(attribute_.valid() ? H5Aget_space(id) : H5Dget_space(id),
                                 "get the shape of " + what_));
    const int rank = H5Sget_simple_extent_ndims(space_.get());
    if (rank < 0) ctx.fail("get the shape of " + what_);
    dims_.assign(static_cast<std::size_t>(rank), 0);
    if (rank > 0) H5Sget_simple_extent_dims(space_.get(), dims_.data(), nullptr);
  }

  std::string what_;
  Dataset dataset_;
  Attribute attribute_;
  Datatype type_;
  Dataspace space_;
  std::vector<hsize_t> dims_;
};

[[noreturn]] void fail_shape(const Context& ctx, const Readable& r, const std::string& expected) {
  std::string found = "(";
  for (std::size_t i = 0; i < r.dims().size(); ++i) {
    found += (i ? ", " : "") + std::to_string(r.dims()[i]);
  }
  found += ")";
  throw IoError("results file '" + ctx.file() + "': " + r.what() + " has shape " + found +
                ", expected " + expected);
}

std::vector<std::string> read_strings(const Context& ctx, const Readable& r) {
  if (H5Tget_class(r.type()) != H5T_STRING) {
    throw IoError("results file '" + ctx.file() + "': " + r.what() + " is not a string");
  }
  const std::size_t n = r.count();
  std::vector<std::string> out;
  out.reserve(n);
  if (n == 0) return out;
  if (H5Tis_variable_str(r.type()) > 0) {
    Datatype mem = detail::make_string_type(ctx);
    ctx.check(H5Tset_cset(mem.get(), H5Tget_cset(r.type())), "read " + r.what());
    std::vector<char*> buffer(n, nullptr);
    ctx.check(r.read(mem.get(), buffer.data()), "read " + r.what());
    for (char* s : buffer) out.emplace_back(s != nullptr ? s : "");
    H5Dvlen_reclaim(mem.get(), r.space(), H5P_DEFAULT, buffer.data());
  } else {  // fixed-length strings (e.g. written by another tool)
    const std::size_t size = H5Tget_size(r.type());
    Datatype mem(ctx.check(H5Tcopy(r.type()), "read " + r.what()));
    std::vector<char> buffer(n * size + 1, '\0');
    ctx.check(r.read(mem.get(), buffer.data()), "read " + r.what());
    const bool space_padded = H5Tget_strpad(r.type()) == H5T_STR_SPACEPAD;
    for (std::size_t i = 0; i < n; ++i) {
      const char* s = buffer.data() + i * size;
      std::string value(s, strnlen(s, size));
      if (space_padded) value.erase(value.find_last_not_of(' ') + 1);
      out.push_back(std::move(value));
    }
  }
  return out;
}

template <typename T>
std::vector<T> read_numbers(const Context& ctx, const Readable& r, hid_t mem_type) {
  const H5T_class_t type_class = H5Tget_class(r.type());
  if (type_class != H5T_INTEGER && type_class != H5T_FLOAT) {
    throw IoError("results file '" + ctx.file() + "': " + r.what() + " is not numeric");
  }
  std::vector<T> out(r.count());
  if (!out.empty()) ctx.check(r.read(mem_type, out.data()), "read " + r.what());
  return out;
}

// --- typed accessors ---------------------------------------------------------------------------

std::string string_attribute(const Context& ctx, hid_t loc, const std::string& name) {
  const Readable r = Readable::attribute(ctx, loc, name);
  const auto values = read_strings(ctx, r);
  if (values.size() != 1) fail_shape(ctx, r, "a single string");
  return values[0];
}

template <typename T>
T scalar_attribute(const Context& ctx, hid_t loc, const std::string& name, hid_t mem_type) {
  const Readable r = Readable::attribute(ctx, loc, name);
  const auto values = read_numbers<T>(ctx, r, mem_type);
  if (values.size() != 1) fail_shape(ctx, r, "a single number");
  return values[0];
}

double double_attribute(const Context& ctx, hid_t loc, const std::string& name) {
  return scalar_attribute<double>(ctx, loc, name, H5T_NATIVE_DOUBLE);
}
std::uint64_t uint_attribute(const Context& ctx, hid_t loc, const std::string& name) {
  return scalar_attribute<std::uint64_t>(ctx, loc, name, H5T_NATIVE_UINT64);
}

std::vector<double> doubles_attribute(const Context& ctx, hid_t loc, const std::string& name) {
  const Readable r = Readable::attribute(ctx, loc, name);
  if (r.dims().size() > 1) fail_shape(ctx, r, "a 1-D array");
  return read_numbers<double>(ctx, r, H5T_NATIVE_DOUBLE);
}

std::vector<std::string> strings_attribute(const Context& ctx, hid_t loc, const std::string& name) {
  const Readable r = Readable::attribute(ctx, loc, name);
  if (r.dims().size() > 1) fail_shape(ctx, r, "a 1-D array of strings");
  return read_strings(ctx, r);
}

std::vector<std::uint64_t> uints_attribute(const Context& ctx, hid_t loc, const std::string& name) {
  const Readable r = Readable::attribute(ctx, loc, name);
  if (r.dims().size() > 1) fail_shape(ctx, r, "a 1-D array");
  return read_numbers<std::uint64_t>(ctx, r, H5T_NATIVE_UINT64);
}

/// The tally written by write_failures; empty in files written before tallies were stored.
FailureTally read_failures(const Context& ctx, hid_t loc, const std::string& prefix) {
  FailureTally t;
  if (H5Aexists(loc, (prefix + "failure_reasons").c_str()) <= 0) return t;
  const auto reasons = strings_attribute(ctx, loc, prefix + "failure_reasons");
  const auto counts = uints_attribute(ctx, loc, prefix + "failure_counts");
  if (reasons.size() != counts.size()) {
    throw IoError("results file '" + ctx.file() + "': " + prefix + "failure_reasons has " +
                  std::to_string(reasons.size()) + " entries but " + prefix + "failure_counts " +
                  std::to_string(counts.size()));
  }
  for (std::size_t i = 0; i < reasons.size(); ++i) t.by_reason.emplace_back(reasons[i], counts[i]);
  if (H5Aexists(loc, (prefix + "first_failure").c_str()) > 0) {
    t.first_message = string_attribute(ctx, loc, prefix + "first_failure");
  }
  return t;
}

Vector to_vector(const std::vector<double>& values) {
  Vector v(static_cast<Eigen::Index>(values.size()));
  for (std::size_t i = 0; i < values.size(); ++i) v[static_cast<Eigen::Index>(i)] = values[i];
  return v;
}

std::vector<std::string> strings_dataset(const Context& ctx, hid_t loc, const std::string& name) {
  const Readable r = Readable::dataset(ctx, loc, name);
  if (r.dims().size() != 1) fail_shape(ctx, r, "a 1-D array");
  return read_strings(ctx, r);
}

/// Reads a dataset of `rows` (or `rows` x any) numbers; `columns` receives the column count.
template <typename T>
std::vector<T> table_dataset(const Context& ctx, hid_t loc, const std::string& name, hid_t mem_type,
                             std::size_t rows, std::size_t* columns) {
  const Readable r = Readable::dataset(ctx, loc, name);
  if (r.dims().size() != (columns != nullptr ? 2u : 1u) || r.dims()[0] != rows) {
    std::string expected(1, '(');
    expected += std::to_string(rows);
    expected += columns != nullptr ? ", k)" : ")";
    fail_shape(ctx, r, expected);
  }
  if (columns != nullptr) *columns = static_cast<std::size_t>(r.dims()[1]);
  return read_numbers<T>(ctx, r, mem_type);
}

/// "m3" (written without `"m" + std::string`, which trips GCC 12's -Wrestrict false positive).
std::string model_group_name(std::size_t m) {
  std::string name = std::to_string(m);
  name.insert(name.begin(), 'm');
  return name;
}

bool has_link(const Context& ctx, hid_t loc, const std::string& name) {
  const htri_t exists = H5Lexists(loc, name.c_str(), H5P_DEFAULT);
  if (exists < 0) ctx.fail("look up '" + object_path(loc, name) + "'");
  return exists > 0;
}

/// "t0003" -> 3; false for anything else (a writer never leaves other names, but be lenient).
bool parse_generation_name(const std::string& name, std::uint32_t* t) {
  if (name.size() < 2 || name[0] != 't' || name.size() > 11) return false;
  std::uint64_t value = 0;
  for (std::size_t i = 1; i < name.size(); ++i) {
    if (name[i] < '0' || name[i] > '9') return false;
    value = value * 10 + static_cast<std::uint64_t>(name[i] - '0');
  }
  if (value > 0xffffffffull) return false;
  *t = static_cast<std::uint32_t>(value);
  return true;
}

/// A generation file that is not there: either the file was copied without its folder, or the
/// writer replaced the index (packed it, or a new run overwrote it) while this read it.
class MissingGeneration : public IoError {
 public:
  using IoError::IoError;
};

/// Identity of the file at `path` (0, 0 when it cannot be read).
std::pair<std::uintmax_t, std::uintmax_t> file_identity(const std::string& path) {
  struct ::stat st {};
  if (::stat(path.c_str(), &st) != 0) return {0, 0};
  return {static_cast<std::uintmax_t>(st.st_dev), static_cast<std::uintmax_t>(st.st_ino)};
}

/// A generation is a group in the file or an external link to `<folder>.d/<name>.h5`, object
/// `/<name>`, next to the file (docs/results-format.md). The file is untrusted: any other link
/// (soft, another file, a path outside that folder) is refused before HDF5 follows it, and a
/// missing generation file is named.
void check_generation_link(const Context& ctx, hid_t generations, const std::string& name) {
  H5L_info_t info{};
  ctx.check(H5Lget_info(generations, name.c_str(), &info, H5P_DEFAULT),
            "read link '/generations/" + name + "'");
  if (info.type == H5L_TYPE_HARD) return;
  const std::string where = "results file '" + ctx.file() + "': '/generations/" + name + "'";
  if (info.type != H5L_TYPE_EXTERNAL || info.u.val_size > 4096) {
    throw IoError(where + " is a link of a kind abcsmc does not write: refused");
  }
  const auto [file, object] =
      detail::external_target(ctx, generations, name, info.u.val_size, "/generations/" + name);
  const std::string expected_tail = "/" + name + ".h5";
  const auto slash = file.find('/');
  const std::string folder = slash == std::string::npos ? std::string() : file.substr(0, slash);
  const bool ok = slash != std::string::npos && file.size() > expected_tail.size() &&
                  file.compare(slash, std::string::npos, expected_tail) == 0 && folder.size() > 2 &&
                  folder.compare(folder.size() - 2, 2, ".d") == 0 && object == "/" + name;
  if (!ok) {
    throw IoError(where + " links to '" + file + "' object '" + object +
                  "', not to its generation file '<file>.d" + expected_tail + "': refused");
  }
  const fs::path base = fs::path(ctx.file()).parent_path();
  if (!fs::exists(base / file)) {
    throw MissingGeneration(where + " is stored in '" + (base / file).string() +
                            "', which is missing: keep the folder '" + folder +
                            "' next to the file (copy both)");
  }
}

GenerationRecord read_generation(const Context& ctx, hid_t generations, const std::string& name,
                                 const RunHeader& header,
                                 const std::vector<std::vector<std::size_t>>& column_of,
                                 std::size_t width) {
  check_generation_link(ctx, generations, name);
  Group group(ctx.check(H5Gopen2(generations, name.c_str(), H5P_DEFAULT),
                        "open group '/generations/" + name + "'"));
  const hid_t g = group.get();
  GenerationRecord record;
  record.t = static_cast<std::uint32_t>(uint_attribute(ctx, g, "t"));
  record.epsilon = double_attribute(ctx, g, "epsilon");
  record.simulations = uint_attribute(ctx, g, "simulations");
  // Files written before total_simulations existed: filled in below from the generations.
  if (H5Aexists(g, "total_simulations") > 0) {
    record.total_simulations = uint_attribute(ctx, g, "total_simulations");
  }
  record.failed = uint_attribute(ctx, g, "failed");
  record.failures = read_failures(ctx, g, "");
  const std::uint64_t accepted = uint_attribute(ctx, g, "accepted");
  record.acceptance_rate = double_attribute(ctx, g, "acceptance_rate");
  record.ess = double_attribute(ctx, g, "ess");
  record.wall_seconds = double_attribute(ctx, g, "wall_seconds");
  record.model_probabilities = doubles_attribute(ctx, g, "model_probabilities");
  record.distance_weights = to_vector(doubles_attribute(ctx, g, "distance_weights"));
  record.next_epsilon = double_attribute(ctx, g, "next_epsilon");
  // Files written before adaptive population sizes: 0, the run's fixed size.
  if (H5Aexists(g, "next_population_size") > 0) {
    record.next_population_size = uint_attribute(ctx, g, "next_population_size");
  }
  record.next_distance_weights = to_vector(doubles_attribute(ctx, g, "next_distance_weights"));

  const auto n = static_cast<std::size_t>(accepted);
  std::size_t theta_width = 0;
  const auto theta = table_dataset<double>(ctx, g, "theta", H5T_NATIVE_DOUBLE, n, &theta_width);
  if (theta_width != width) {
    throw IoError("results file '" + ctx.file() + "': dataset '/generations/" + name +
                  "/theta' has " + std::to_string(theta_width) + " columns, but the file has " +
                  std::to_string(width) + " parameter names");
  }
  const auto weight = table_dataset<double>(ctx, g, "weight", H5T_NATIVE_DOUBLE, n, nullptr);
  const auto distance = table_dataset<double>(ctx, g, "distance", H5T_NATIVE_DOUBLE, n, nullptr);
  const auto model = table_dataset<std::int32_t>(ctx, g, "model", H5T_NATIVE_INT32, n, nullptr);
  const auto eval_index =
      table_dataset<std::uint64_t>(ctx, g, "eval_index", H5T_NATIVE_UINT64, n, nullptr);
  std::size_t stat_width = 0;
  std::vector<double> stats;
  if (has_link(ctx, g, "stats")) {
    stats = table_dataset<double>(ctx, g, "stats", H5T_NATIVE_DOUBLE, n, &stat_width);
  }

  record.particles.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    Particle& p = record.particles[i];
    if (model[i] < 0 || static_cast<std::size_t>(model[i]) >= header.model_names.size()) {
      throw IoError("results file '" + ctx.file() + "': generation " + std::to_string(record.t) +
                    ", row " + std::to_string(i) + " has model index " + std::to_string(model[i]) +
                    ", but the file has " + std::to_string(header.model_names.size()) + " models");
    }
    p.model = static_cast<std::uint32_t>(model[i]);
    p.eval_index = eval_index[i];
    p.weight = weight[i];
    p.distance = distance[i];
    const auto& cols = column_of[p.model];
    p.theta.resize(static_cast<Eigen::Index>(cols.size()));
    for (std::size_t j = 0; j < cols.size(); ++j) {
      p.theta[static_cast<Eigen::Index>(j)] = theta[i * width + cols[j]];
    }
    p.stats.resize(static_cast<Eigen::Index>(stat_width));
    for (std::size_t j = 0; j < stat_width; ++j) {
      p.stats[static_cast<Eigen::Index>(j)] = stats[i * stat_width + j];
    }
  }
  return record;
}

ResultsFile read_results_once(const std::string& path) {
  detail::silence_hdf5_errors();
  std::error_code ec;
  if (!fs::exists(path, ec)) {
    throw NotAResultsFile("cannot open results file '" + path + "': no such file");
  }
  if (fs::is_directory(path, ec)) {
    throw NotAResultsFile("cannot open results file '" + path + "': it is a directory");
  }
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    const std::string detail = detail::hdf5_error_message();
    throw NotAResultsFile("cannot open results file '" + path + "': not an HDF5 file" +
                          (detail.empty() ? std::string() : " (HDF5: " + detail + ")"));
  }
  const Context ctx(path);
  PropertyList fapl = detail::make_file_access(ctx);
  File file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get()));
  if (!file.valid()) {
    const std::string detail = detail::hdf5_error_message();
    throw NotAResultsFile("cannot open results file '" + path + "': " +
                          (detail.empty() ? std::string("HDF5 could not open it") : detail));
  }
  const hid_t root = file.get();

  if (!H5Aexists(root, "format") || string_attribute(ctx, root, "format") != detail::kFormatName) {
    throw NotAResultsFile("cannot open results file '" + path +
                          "': not an abcsmc results file (no root attribute format = \"" +
                          detail::kFormatName + "\")");
  }
  const auto version =
      scalar_attribute<std::int32_t>(ctx, root, "format_version", H5T_NATIVE_INT32);
  if (version < 1 || version > detail::kFormatVersion) {
    throw NotAResultsFile(
        "cannot open results file '" + path + "': format_version " + std::to_string(version) +
        " is not supported (this abcsmc reads version " + std::to_string(detail::kFormatVersion) +
        "); use a matching abcsmc release");
  }

  ResultsFile out;
  RunHeader& header = out.header;
  header.software_version = string_attribute(ctx, root, "software_version");
  header.seed = uint_attribute(ctx, root, "seed");
  header.created = string_attribute(ctx, root, "created");
  header.sampler = string_attribute(ctx, root, "sampler");
  header.scheduling = string_attribute(ctx, root, "scheduling");
  header.batch_size = uint_attribute(ctx, root, "batch_size");
  header.workers = uint_attribute(ctx, root, "workers");
  header.ranks = uint_attribute(ctx, root, "ranks");
  header.population_size = uint_attribute(ctx, root, "population_size");
  out.stop_reason = string_attribute(ctx, root, "stop_reason");
  if (H5Aexists(root, "resumes") > 0) out.resumes = uint_attribute(ctx, root, "resumes");
  if (H5Aexists(root, "calibration_simulations") > 0) {
    out.calibration_simulations = uint_attribute(ctx, root, "calibration_simulations");
    out.calibration_failed = uint_attribute(ctx, root, "calibration_failed");
    out.calibration_failures = read_failures(ctx, root, "calibration_");
  }
  {
    const Readable config = Readable::dataset(ctx, root, "config");
    const auto text = read_strings(ctx, config);
    if (text.size() != 1) fail_shape(ctx, config, "a single string");
    header.config_yaml = text[0];
  }
  {
    Group observed(ctx.check(H5Gopen2(root, "observed", H5P_DEFAULT), "open group '/observed'"));
    header.stat_names = strings_dataset(ctx, observed.get(), "names");
    const auto values = table_dataset<double>(ctx, observed.get(), "values", H5T_NATIVE_DOUBLE,
                                              header.stat_names.size(), nullptr);
    header.observed = to_vector(values);
  }
  const std::vector<std::string> columns = strings_dataset(ctx, root, "parameter_names");
  {
    Group models(ctx.check(H5Gopen2(root, "models", H5P_DEFAULT), "open group '/models'"));
    header.model_names = strings_dataset(ctx, models.get(), "names");
    const std::size_t m_count = header.model_names.size();
    header.model_prior_probabilities = table_dataset<double>(
        ctx, models.get(), "prior_probabilities", H5T_NATIVE_DOUBLE, m_count, nullptr);
    for (std::size_t m = 0; m < m_count; ++m) {
      const std::string name = model_group_name(m);
      Group model(ctx.check(H5Gopen2(models.get(), name.c_str(), H5P_DEFAULT),
                            "open group '/models/" + name + "'"));
      header.model_parameter_names.push_back(strings_dataset(ctx, model.get(), "parameter_names"));
    }
  }

  // Union column of each model parameter.
  std::vector<std::vector<std::size_t>> column_of(header.model_names.size());
  for (std::size_t m = 0; m < header.model_names.size(); ++m) {
    for (const auto& parameter : header.model_parameter_names[m]) {
      const auto it = std::find(columns.begin(), columns.end(), parameter);
      if (it == columns.end()) {
        throw IoError("results file '" + path + "': parameter '" + parameter + "' of model '" +
                      header.model_names[m] + "' is missing from '/parameter_names'");
      }
      column_of[m].push_back(static_cast<std::size_t>(it - columns.begin()));
    }
  }

  Group generations(
      ctx.check(H5Gopen2(root, "generations", H5P_DEFAULT), "open group '/generations'"));
  for (const auto& name : detail::link_names(ctx, generations.get(), "/generations")) {
    std::uint32_t t = 0;
    if (!parse_generation_name(name, &t)) continue;
    out.generations.push_back(
        read_generation(ctx, generations.get(), name, header, column_of, columns.size()));
  }
  std::sort(out.generations.begin(), out.generations.end(),
            [](const GenerationRecord& a, const GenerationRecord& b) { return a.t < b.t; });
  std::uint64_t running_total = 0;  // older files: the calibration's simulations are unknown
  for (auto& g : out.generations) {
    running_total += g.simulations;
    if (g.total_simulations == 0) g.total_simulations = running_total;
  }
  return out;
}

}  // namespace

ResultsFile read_results(const std::string& path) {
  // A generation file vanishes under a reader only when the writer has just replaced the index
  // (by rename: it packed the run, or a new run overwrote it), at any point of the read, also
  // between a check and an open. Then the file at `path` is another one: reading it again sees
  // the new state. An error with the file unchanged is the file's own.
  for (int attempt = 0;; ++attempt) {
    const auto before = file_identity(path);
    try {
      return read_results_once(path);
    } catch (const IoError&) {
      if (attempt >= 5 || file_identity(path) == before) throw;
    }
  }
}

}  // namespace abcsmc::io
