/// HDF5 results writer. Crash consistency without journaling: no file a reader can see is ever
/// opened for writing. Each generation goes to its own file, `<path>.d/t<NNNN>.h5`, written
/// under a temp name, fsynced and renamed into place; then the small index `<path>` (header,
/// config, and one external link per generation) is copied to `<path>.tmp.<pid>`, given the new
/// link, fsynced and renamed over `<path>` (then the directory is fsynced). So a generation is
/// written once and the copy per generation is of the index only: its cost does not grow with
/// the data. Readers, and a kill -9 at any moment, see a complete index whose links all resolve.
/// A run that finishes with at most pack_limit() bytes of generation files is packed into one
/// self-contained file (the links replaced by the groups) and the folder removed.
/// Layout: docs/results-format.md.
#include <fcntl.h>
#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <limits>
#include <string>
#include <system_error>
#include <vector>

#include "abcsmc/core/error.hpp"
#include "abcsmc/io/results.hpp"

#include "abcsmc/core/failures.hpp"
#include "hdf5_handle.hpp"

namespace abcsmc::io {

std::vector<std::string> parameter_union(const RunHeader& header) {
  std::vector<std::string> names;
  for (const auto& model : header.model_parameter_names) {
    for (const auto& name : model) {
      bool seen = false;
      for (const auto& existing : names) {
        if (existing == name) {
          seen = true;
          break;
        }
      }
      if (!seen) names.push_back(name);
    }
  }
  return names;
}

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

// --- low-level write helpers --------------------------------------------------------------------

Dataspace make_space(const Context& ctx, std::vector<hsize_t> dims) {
  if (dims.empty()) return Dataspace(ctx.check(H5Screate(H5S_SCALAR), "create a dataspace"));
  return Dataspace(ctx.check(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr),
                             "create a dataspace"));
}

std::string where(hid_t loc, const std::string& name) {
  char buffer[256];
  const ssize_t size = H5Iget_name(loc, buffer, sizeof buffer);
  std::string path = size > 0 ? std::string(buffer) : std::string("/");
  if (name.empty()) return path;
  if (path.back() != '/') path += '/';
  return path + name;
}

/// Writes a dataset of a numeric type. `mem_type` is a predefined native type.
void write_dataset(const Context& ctx, hid_t loc, const std::string& name, hid_t file_type,
                   hid_t mem_type, std::vector<hsize_t> dims, const void* data) {
  const std::string what = "write dataset '" + where(loc, name) + "'";
  Dataspace space = make_space(ctx, std::move(dims));
  Dataset dataset(ctx.check(
      H5Dcreate2(loc, name.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
      what));
  hsize_t count = 1;
  if (H5Sget_simple_extent_type(space.get()) == H5S_SIMPLE) {
    count = static_cast<hsize_t>(H5Sget_simple_extent_npoints(space.get()));
  }
  if (count > 0) {
    ctx.check(H5Dwrite(dataset.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), what);
  }
  ctx.check(dataset.close(), what);
}

void write_doubles(const Context& ctx, hid_t loc, const std::string& name,
                   const std::vector<double>& values, std::vector<hsize_t> dims) {
  write_dataset(ctx, loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, std::move(dims), values.data());
}

void write_strings(const Context& ctx, hid_t loc, const std::string& name,
                   const std::vector<std::string>& values) {
  const std::string what = "write dataset '" + where(loc, name) + "'";
  std::vector<const char*> pointers;
  pointers.reserve(values.size());
  for (const auto& value : values) pointers.push_back(value.c_str());
  Datatype type = detail::make_string_type(ctx);
  Dataspace space = make_space(ctx, {static_cast<hsize_t>(values.size())});
  Dataset dataset(ctx.check(
      H5Dcreate2(loc, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
      what));
  if (!values.empty()) {
    ctx.check(H5Dwrite(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, pointers.data()),
              what);
  }
  ctx.check(dataset.close(), what);
}

void write_string_scalar_dataset(const Context& ctx, hid_t loc, const std::string& name,
                                 const std::string& value) {
  const std::string what = "write dataset '" + where(loc, name) + "'";
  const char* pointer = value.c_str();
  Datatype type = detail::make_string_type(ctx);
  Dataspace space = make_space(ctx, {});
  Dataset dataset(ctx.check(
      H5Dcreate2(loc, name.c_str(), type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
      what));
  ctx.check(H5Dwrite(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &pointer), what);
  ctx.check(dataset.close(), what);
}

/// Creates (or, when it exists, replaces) attribute `name` on `loc`.
void write_attribute(const Context& ctx, hid_t loc, const std::string& name, hid_t file_type,
                     hid_t mem_type, std::vector<hsize_t> dims, const void* data) {
  const std::string what = "write attribute '" + name + "' of '" + where(loc, "") + "'";
  const htri_t exists = H5Aexists(loc, name.c_str());
  ctx.check(static_cast<herr_t>(exists < 0 ? -1 : 0), what);
  if (exists > 0) ctx.check(H5Adelete(loc, name.c_str()), what);
  const bool empty = !dims.empty() && dims[0] == 0;
  Dataspace space = make_space(ctx, std::move(dims));
  Attribute attribute(ctx.check(
      H5Acreate2(loc, name.c_str(), file_type, space.get(), H5P_DEFAULT, H5P_DEFAULT), what));
  if (!empty) ctx.check(H5Awrite(attribute.get(), mem_type, data), what);
  ctx.check(attribute.close(), what);
}

void write_attribute(const Context& ctx, hid_t loc, const std::string& name, double value) {
  write_attribute(ctx, loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {}, &value);
}
void write_attribute(const Context& ctx, hid_t loc, const std::string& name, std::uint64_t value) {
  write_attribute(ctx, loc, name, H5T_STD_U64LE, H5T_NATIVE_UINT64, {}, &value);
}
void write_attribute(const Context& ctx, hid_t loc, const std::string& name, std::int32_t value) {
  write_attribute(ctx, loc, name, H5T_STD_I32LE, H5T_NATIVE_INT32, {}, &value);
}
void write_attribute(const Context& ctx, hid_t loc, const std::string& name,
                     const std::vector<double>& values) {
  write_attribute(ctx, loc, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                  {static_cast<hsize_t>(values.size())}, values.data());
}
void write_attribute(const Context& ctx, hid_t loc, const std::string& name, const Vector& values) {
  write_attribute(ctx, loc, name,
                  std::vector<double>(values.data(), values.data() + values.size()));
}
void write_attribute(const Context& ctx, hid_t loc, const std::string& name,
                     const std::string& value) {
  Datatype type = detail::make_string_type(ctx);
  const char* pointer = value.c_str();
  write_attribute(ctx, loc, name, type.get(), type.get(), {}, &pointer);
}
void write_attribute(const Context& ctx, hid_t loc, const std::string& name, const char* value) {
  write_attribute(ctx, loc, name, std::string(value));
}
void write_attribute(const Context& ctx, hid_t loc, const std::string& name,
                     const std::vector<std::string>& values) {
  Datatype type = detail::make_string_type(ctx);
  std::vector<const char*> pointers;
  pointers.reserve(values.size());
  for (const auto& v : values) pointers.push_back(v.c_str());
  write_attribute(ctx, loc, name, type.get(), type.get(), {static_cast<hsize_t>(values.size())},
                  pointers.data());
}
void write_attribute(const Context& ctx, hid_t loc, const std::string& name,
                     const std::vector<std::uint64_t>& values) {
  write_attribute(ctx, loc, name, H5T_STD_U64LE, H5T_NATIVE_UINT64,
                  {static_cast<hsize_t>(values.size())}, values.data());
}

/// `<prefix>failure_reasons` (strings) and `<prefix>failure_counts` (u64), same order: the
/// tally by reason, most frequent first; `<prefix>first_failure`: the first one's full message.
void write_failures(const Context& ctx, hid_t loc, const std::string& prefix,
                    const FailureTally& tally) {
  std::vector<std::string> reasons;
  std::vector<std::uint64_t> counts;
  for (const auto& [reason, count] : tally.by_reason) {
    reasons.push_back(valid_utf8(reason));
    counts.push_back(count);
  }
  write_attribute(ctx, loc, prefix + "failure_reasons", reasons);
  write_attribute(ctx, loc, prefix + "failure_counts", counts);
  write_attribute(ctx, loc, prefix + "first_failure", valid_utf8(tally.first_message));
}

/// The root attributes that describe how the run is executed (set again by each --resume).
void write_sampler_attributes(const Context& ctx, hid_t root, const RunHeader& header) {
  write_attribute(ctx, root, "sampler", header.sampler);
  write_attribute(ctx, root, "scheduling", header.scheduling);
  write_attribute(ctx, root, "batch_size", header.batch_size);
  write_attribute(ctx, root, "workers", header.workers);
  write_attribute(ctx, root, "ranks", header.ranks);
}

Group create_group(const Context& ctx, hid_t loc, const std::string& name) {
  return Group(ctx.check(H5Gcreate2(loc, name.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT),
                         "create group '" + where(loc, name) + "'"));
}

// --- file system helpers --------------------------------------------------------------------

std::string errno_text(int error) { return std::generic_category().message(error); }

/// fsync a file or directory. Directories on some file systems refuse fsync (EINVAL): ignored.
void sync_path(const std::string& file, const std::string& path, bool directory) {
  const int fd = ::open(path.c_str(), directory ? (O_RDONLY | O_DIRECTORY) : O_RDONLY);
  if (fd < 0) {
    if (directory) return;
    const int error = errno;
    throw IoError("results file '" + file + "': cannot open '" + path +
                  "' to sync it: " + errno_text(error));
  }
  const int status = ::fsync(fd);
  const int error = errno;
  ::close(fd);
  if (status != 0 && !(directory && (error == EINVAL || error == EROFS || error == EBADF))) {
    throw IoError("results file '" + file + "': cannot sync '" + path + "': " + errno_text(error));
  }
}

std::string directory_of(const std::string& path) {
  const fs::path parent = fs::path(path).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

std::string temp_path_for(const std::string& path) {
  return path + ".tmp." + std::to_string(static_cast<long long>(::getpid()));
}

/// Removes `<prefix>.tmp.<pid>` files in `dir` (any `*.tmp.<pid>` with an empty prefix) left by
/// writers that no longer run (crashes).
void remove_stale_temps_in(const fs::path& dir, const std::string& prefix) {
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    const auto at = name.rfind(".tmp.");
    if (at == std::string::npos || (!prefix.empty() && at != prefix.size())) continue;
    const std::string digits = name.substr(at + 5);
    if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos ||
        digits.size() > 9) {
      continue;
    }
    const pid_t pid = static_cast<pid_t>(std::stol(digits));
    if (pid == ::getpid()) continue;
    if (::kill(pid, 0) != 0 && errno == ESRCH) {
      std::error_code ignored;
      fs::remove(it->path(), ignored);
    }
  }
}

/// Removes the temps of dead writers next to `path` and in its generation folder.
void remove_stale_temps(const std::string& path) {
  const fs::path target(path);
  remove_stale_temps_in(target.parent_path().empty() ? fs::path(".") : target.parent_path(),
                        target.filename().string());
  remove_stale_temps_in(detail::generation_dir(path), "");
}

/// Publishes `temp` as `path`: fsync, rename (or, without overwrite, a no-clobber link), fsync dir.
void publish(const std::string& temp, const std::string& path, bool overwrite) {
  sync_path(path, temp, false);
  if (!overwrite) {
    if (::link(temp.c_str(), path.c_str()) == 0) {
      ::unlink(temp.c_str());
      sync_path(path, directory_of(path), true);
      return;
    }
    const int error = errno;
    if (error == EEXIST) {
      throw IoError("results file '" + path +
                    "' already exists; pass --overwrite to replace it or choose another output");
    }
    // File systems without hard links: fall back to rename after a last check.
    if (fs::exists(path)) {
      throw IoError("results file '" + path +
                    "' already exists; pass --overwrite to replace it or choose another output");
    }
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    const int error = errno;
    throw IoError("results file '" + path + "': cannot rename '" + temp +
                  "' to it: " + errno_text(error));
  }
  sync_path(path, directory_of(path), true);
}

/// Removes the temp file unless dismissed (on every failure path).
class TempGuard {
 public:
  explicit TempGuard(std::string temp) : temp_(std::move(temp)) {}
  ~TempGuard() {
    if (!temp_.empty()) {
      std::error_code ignored;
      fs::remove(temp_, ignored);
    }
  }
  TempGuard(const TempGuard&) = delete;
  TempGuard& operator=(const TempGuard&) = delete;
  void dismiss() { temp_.clear(); }

 private:
  std::string temp_;
};

std::string utc_now_iso8601() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buffer[32];
  std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buffer;
}

void close_file(const Context& ctx, File& file) {
  ctx.check(H5Fflush(file.get(), H5F_SCOPE_GLOBAL), "flush the file");
  ctx.check(file.close(), "close the file");
}

/// Opens `temp` (a private copy) for writing, runs `edit(file_id)`, closes and publishes it.
template <typename Edit>
void edit_copy(const std::string& path, Edit&& edit) {
  detail::silence_hdf5_errors();
  const std::string temp = temp_path_for(path);
  TempGuard guard(temp);
  std::error_code ec;
  fs::copy_file(path, temp, fs::copy_options::overwrite_existing, ec);
  if (ec) {
    // libstdc++ reports a copy cut short by a full disk as EIO: say what it is.
    std::error_code ignored;
    if (ec == std::errc::io_error &&
        fs::space(directory_of(temp), ignored).available < fs::file_size(path, ignored)) {
      ec = std::make_error_code(std::errc::no_space_on_device);
    }
    throw IoError("results file '" + path + "': cannot copy it to '" + temp + "': " + ec.message());
  }
  const Context ctx(path);
  {
    PropertyList fapl = detail::make_file_access(ctx);
    File file(ctx.check(H5Fopen(temp.c_str(), H5F_ACC_RDWR, fapl.get()),
                        "open the copy '" + temp + "' for writing"));
    edit(ctx, file.get());
    close_file(ctx, file);
  }
  publish(temp, path, true);
  guard.dismiss();
}

/// Free space for packing `bytes` of generations into the index at `path`: the temp copy holds
/// them all once more. Twice that is asked, as HDF5 1.10's H5Ocopy crashes (SIGSEGV) when the
/// disk fills under it.
struct PackRoom {
  std::uintmax_t needed = 0;
  std::uintmax_t available = 0;
  bool fits() const { return available >= needed; }
};
PackRoom pack_room(const std::string& path, std::uintmax_t bytes) {
  std::error_code ec;
  const auto space = fs::space(directory_of(path), ec);
  std::error_code size_ec;
  const std::uintmax_t index = fs::file_size(path, size_ec);
  PackRoom room;
  room.needed = 2 * (bytes + (size_ec ? 0 : index)) + (std::uintmax_t{1} << 20);
  room.available = ec ? 0 : space.available;
  return room;
}

/// Whether the index at `path` already links generation `name`.
bool index_has_generation(const std::string& path, const std::string& name) {
  const Context ctx(path);
  PropertyList fapl = detail::make_file_access(ctx);
  File file(ctx.check(H5Fopen(path.c_str(), H5F_ACC_RDONLY, fapl.get()), "open the file"));
  Group generations(
      ctx.check(H5Gopen2(file.get(), "generations", H5P_DEFAULT), "open group '/generations'"));
  return H5Lexists(generations.get(), name.c_str(), H5P_DEFAULT) > 0;
}

/// Creates the generation folder `dir` of `path` if needed (and syncs its parent once).
void make_generation_dir(const std::string& path, const std::string& dir) {
  std::error_code ec;
  if (!fs::create_directory(dir, ec)) {
    if (ec) {
      throw IoError("results file '" + path + "': cannot create the folder '" + dir +
                    "' for its generations: " + ec.message());
    }
    if (!fs::is_directory(dir)) {
      throw IoError("results file '" + path + "': '" + dir +
                    "' exists and is not a folder; it holds the file's generations");
    }
    return;
  }
  sync_path(path, directory_of(dir), true);
}

/// Whether `name` is one of the files a writer puts in a generation folder.
bool is_generation_file(const std::string& name) {
  std::size_t digits = 0;
  while (1 + digits < name.size() && std::isdigit(static_cast<unsigned char>(name[1 + digits]))) {
    ++digits;
  }
  if (name.empty() || name[0] != 't' || digits == 0) return false;
  const std::string rest = name.substr(1 + digits);
  return rest == ".h5" || rest.rfind(".h5.tmp.", 0) == 0;
}

/// Total bytes of the generation files in `dir` (0 when there is none).
std::uintmax_t folder_bytes(const std::string& dir) {
  std::uintmax_t total = 0;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code size_ec;
    const auto size = it->file_size(size_ec);
    if (!size_ec) total += size;
  }
  return total;
}

/// Removes the writer's files from generation folder `dir`, then the folder if it is empty.
void remove_generation_files(const std::string& dir) {
  std::error_code ec;
  std::vector<fs::path> ours;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (is_generation_file(it->path().filename().string())) ours.push_back(it->path());
  }
  for (const auto& p : ours) fs::remove(p, ec);
  fs::remove(dir, ec);  // only when empty: anything else in it stays
}

/// Replaces each external generation link of the file by a copy of the group it names (files
/// resolved against `base`, the index's folder): the file becomes self-contained. @return how
/// many it replaced.
std::size_t pack_generations(const Context& ctx, hid_t file, const std::string& base) {
  std::size_t packed = 0;
  Group generations(
      ctx.check(H5Gopen2(file, "generations", H5P_DEFAULT), "open group '/generations'"));
  for (const auto& name : detail::link_names(ctx, generations.get(), "/generations")) {
    H5L_info_t info{};
    ctx.check(H5Lget_info(generations.get(), name.c_str(), &info, H5P_DEFAULT),
              "read link '/generations/" + name + "'");
    if (info.type != H5L_TYPE_EXTERNAL) continue;
    const auto [target, obj] = detail::external_target(ctx, generations.get(), name,
                                                       info.u.val_size, "/generations/" + name);
    const std::string gen_path = base + "/" + target;
    PropertyList fapl = detail::make_file_access(ctx);
    File gen(ctx.check(H5Fopen(gen_path.c_str(), H5F_ACC_RDONLY, fapl.get()),
                       "open generation file '" + gen_path + "'"));
    ctx.check(H5Ldelete(generations.get(), name.c_str(), H5P_DEFAULT),
              "unlink '/generations/" + name + "'");
    ctx.check(
        H5Ocopy(gen.get(), obj.c_str(), generations.get(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT),
        "copy generation '" + gen_path + "' into the file");
    ctx.check(gen.close(), "close '" + gen_path + "'");
    ++packed;
  }
  return packed;
}

/// Creates the HDF5 file `target` under a temp name, runs `write(ctx, file_id)`, closes it and
/// publishes it (see publish); messages name the results file `path`.
template <typename Write>
void create_published(const std::string& path, const std::string& target, bool overwrite,
                      Write&& write) {
  const std::string temp = temp_path_for(target);
  TempGuard guard(temp);
  {
    const Context ctx(path);
    PropertyList fapl = detail::make_file_access(ctx);
    File file(ctx.check(H5Fcreate(temp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()),
                        "create '" + temp + "'"));
    write(ctx, file.get());
    close_file(ctx, file);
  }
  publish(temp, target, overwrite);
  guard.dismiss();
}

}  // namespace

ResultsWriter::ResultsWriter(std::string path, const RunHeader& header, bool overwrite)
    : path_(std::move(path)), header_(header) {
  detail::silence_hdf5_errors();
  const std::size_t models = header_.model_names.size();
  if (models == 0 || header_.model_prior_probabilities.size() != models ||
      header_.model_parameter_names.size() != models) {
    throw IoError("results file '" + path_ + "': the header has " + std::to_string(models) +
                  " model names, " + std::to_string(header_.model_prior_probabilities.size()) +
                  " prior probabilities and " +
                  std::to_string(header_.model_parameter_names.size()) +
                  " parameter name lists; they must be equal and > 0");
  }
  if (header_.stat_names.size() != static_cast<std::size_t>(header_.observed.size())) {
    throw IoError("results file '" + path_ + "': the header has " +
                  std::to_string(header_.stat_names.size()) + " statistic names but " +
                  std::to_string(header_.observed.size()) + " observed values");
  }
  if (header_.created.empty()) header_.created = utc_now_iso8601();
  if (!overwrite && fs::exists(path_)) {
    throw IoError("results file '" + path_ +
                  "' already exists; pass --overwrite to replace it or choose another output");
  }
  const std::string dir = detail::generation_dir(path_);
  remove_stale_temps(path_);

  create_published(path_, path_, overwrite, [&](const Context& ctx, hid_t root) {
    write_attribute(ctx, root, "format", detail::kFormatName);
    write_attribute(ctx, root, "format_version", std::int32_t{detail::kFormatVersion});
    write_attribute(ctx, root, "software_version", header_.software_version);
    write_attribute(ctx, root, "seed", header_.seed);
    write_attribute(ctx, root, "created", header_.created);
    write_sampler_attributes(ctx, root, header_);
    write_attribute(ctx, root, "population_size", header_.population_size);
    write_attribute(ctx, root, "stop_reason", "");

    write_string_scalar_dataset(ctx, root, "config", header_.config_yaml);
    {
      Group observed = create_group(ctx, root, "observed");
      write_strings(ctx, observed.get(), "names", header_.stat_names);
      write_doubles(ctx, observed.get(), "values",
                    std::vector<double>(header_.observed.data(),
                                        header_.observed.data() + header_.observed.size()),
                    {static_cast<hsize_t>(header_.observed.size())});
    }
    write_strings(ctx, root, "parameter_names", parameter_union(header_));
    {
      Group group = create_group(ctx, root, "models");
      write_strings(ctx, group.get(), "names", header_.model_names);
      write_doubles(ctx, group.get(), "prior_probabilities", header_.model_prior_probabilities,
                    {static_cast<hsize_t>(models)});
      for (std::size_t m = 0; m < models; ++m) {
        std::string name = std::to_string(m);
        name.insert(name.begin(), 'm');  // not "m" + ...: GCC 12 -Wrestrict false positive
        Group model = create_group(ctx, group.get(), name);
        write_strings(ctx, model.get(), "parameter_names", header_.model_parameter_names[m]);
      }
    }
    { Group generations = create_group(ctx, root, "generations"); }
  });
  // Generation files of an overwritten run, or left by one whose file was deleted, go: the new
  // index links none of them.
  remove_generation_files(dir);
}

ResultsWriter ResultsWriter::reopen(std::string path, const RunHeader& header) {
  detail::silence_hdf5_errors();
  ResultsWriter writer;
  writer.path_ = std::move(path);
  writer.header_ = header;
  if (!fs::exists(writer.path_)) {
    throw IoError("results file '" + writer.path_ + "' does not exist; nothing to continue");
  }
  remove_stale_temps(writer.path_);
  edit_copy(writer.path_, [&](const Context& ctx, hid_t root) {
    std::uint64_t resumes = 0;
    if (H5Aexists(root, "resumes") > 0) {
      Attribute a(ctx.check(H5Aopen(root, "resumes", H5P_DEFAULT), "open attribute 'resumes'"));
      ctx.check(H5Aread(a.get(), H5T_NATIVE_UINT64, &resumes), "read attribute 'resumes'");
    }
    // The sampler attributes describe the latest invocation (a resume may change them).
    write_sampler_attributes(ctx, root, header);
    write_attribute(ctx, root, "resumes", resumes + 1);
    write_attribute(ctx, root, "stop_reason", "");
  });
  return writer;
}

void ResultsWriter::append(const GenerationRecord& record) {
  const std::vector<std::string> columns = parameter_union(header_);
  const std::size_t n = record.particles.size();
  const std::size_t width = columns.size();
  const std::size_t models = header_.model_names.size();
  const std::string name = detail::generation_name(record.t);
  const std::string label = "results file '" + path_ + "': generation " + std::to_string(record.t);

  // Column of each model parameter in the union.
  std::vector<std::vector<std::size_t>> column_of(models);
  for (std::size_t m = 0; m < models; ++m) {
    for (const auto& parameter : header_.model_parameter_names[m]) {
      for (std::size_t c = 0; c < width; ++c) {
        if (columns[c] == parameter) {
          column_of[m].push_back(c);
          break;
        }
      }
    }
  }

  const std::size_t stat_width =
      n > 0 ? static_cast<std::size_t>(record.particles[0].stats.size()) : 0;
  std::vector<double> theta(n * width, std::numeric_limits<double>::quiet_NaN());
  std::vector<double> stats(n * stat_width);
  std::vector<double> weight(n);
  std::vector<double> distance(n);
  std::vector<std::int32_t> model(n);
  std::vector<std::uint64_t> eval_index(n);
  for (std::size_t i = 0; i < n; ++i) {
    const Particle& p = record.particles[i];
    if (p.model >= models) {
      throw IoError(label + ": particle " + std::to_string(p.eval_index) + " has model index " +
                    std::to_string(p.model) + ", but the run has " + std::to_string(models) +
                    " models");
    }
    const auto& cols = column_of[p.model];
    if (static_cast<std::size_t>(p.theta.size()) != cols.size()) {
      throw IoError(label + ": particle " + std::to_string(p.eval_index) + " has " +
                    std::to_string(p.theta.size()) + " parameters, but model '" +
                    header_.model_names[p.model] + "' has " + std::to_string(cols.size()));
    }
    if (static_cast<std::size_t>(p.stats.size()) != stat_width) {
      throw IoError(label + ": particle " + std::to_string(p.eval_index) + " has " +
                    std::to_string(p.stats.size()) + " statistics, but particle " +
                    std::to_string(record.particles[0].eval_index) + " has " +
                    std::to_string(stat_width));
    }
    for (std::size_t j = 0; j < cols.size(); ++j) {
      theta[i * width + cols[j]] = p.theta[static_cast<Eigen::Index>(j)];
    }
    for (std::size_t j = 0; j < stat_width; ++j) {
      stats[i * stat_width + j] = p.stats[static_cast<Eigen::Index>(j)];
    }
    weight[i] = p.weight;
    distance[i] = p.distance;
    model[i] = static_cast<std::int32_t>(p.model);
    eval_index[i] = p.eval_index;
  }

  detail::silence_hdf5_errors();
  // A generation in the index is never written again: its file is immutable once linked.
  if (index_has_generation(path_, name)) throw IoError(label + " is already in the file");
  const std::string dir = detail::generation_dir(path_);
  make_generation_dir(path_, dir);
  const std::string gen_path = dir + "/" + name + ".h5";
  create_published(path_, gen_path, true, [&](const Context& ctx, hid_t gen) {
    Group group = create_group(ctx, gen, name);
    const hid_t g = group.get();
    const auto rows = static_cast<hsize_t>(n);
    write_doubles(ctx, g, "theta", theta, {rows, static_cast<hsize_t>(width)});
    write_doubles(ctx, g, "weight", weight, {rows});
    write_doubles(ctx, g, "distance", distance, {rows});
    write_dataset(ctx, g, "model", H5T_STD_I32LE, H5T_NATIVE_INT32, {rows}, model.data());
    write_dataset(ctx, g, "eval_index", H5T_STD_U64LE, H5T_NATIVE_UINT64, {rows},
                  eval_index.data());
    if (stat_width > 0) {
      write_doubles(ctx, g, "stats", stats, {rows, static_cast<hsize_t>(stat_width)});
    }
    write_attribute(ctx, g, "t", std::uint64_t{record.t});
    write_attribute(ctx, g, "epsilon", record.epsilon);
    write_attribute(ctx, g, "simulations", record.simulations);
    write_attribute(ctx, g, "total_simulations", record.total_simulations);
    write_attribute(ctx, g, "failed", record.failed);
    write_failures(ctx, g, "", record.failures);
    write_attribute(ctx, g, "accepted", static_cast<std::uint64_t>(n));
    write_attribute(ctx, g, "acceptance_rate", record.acceptance_rate);
    write_attribute(ctx, g, "ess", record.ess);
    write_attribute(ctx, g, "wall_seconds", record.wall_seconds);
    write_attribute(ctx, g, "model_probabilities", record.model_probabilities);
    write_attribute(ctx, g, "distance_weights", record.distance_weights);
    write_attribute(ctx, g, "next_epsilon", record.next_epsilon);
    write_attribute(ctx, g, "next_population_size", record.next_population_size);
    write_attribute(ctx, g, "next_distance_weights", record.next_distance_weights);
    ctx.check(group.close(), "close group '/" + name + "'");
  });
  // The link is relative to the index's folder, so the pair moves together.
  const std::string target = fs::path(path_).filename().string() + ".d/" + name + ".h5";
  edit_copy(path_, [&](const Context& ctx, hid_t file) {
    Group generations(
        ctx.check(H5Gopen2(file, "generations", H5P_DEFAULT), "open group '/generations'"));
    if (H5Lexists(generations.get(), name.c_str(), H5P_DEFAULT) > 0) {
      throw IoError(label + " is already in the file");
    }
    ctx.check(H5Lcreate_external(target.c_str(), ("/" + name).c_str(), generations.get(),
                                 name.c_str(), H5P_DEFAULT, H5P_DEFAULT),
              "link '/generations/" + name + "' to '" + target + "'");
  });
}

void ResultsWriter::calibration(std::uint64_t simulations, std::uint64_t failed,
                                const FailureTally& failures) {
  edit_copy(path_, [&](const Context& ctx, hid_t file) {
    write_attribute(ctx, file, "calibration_simulations", simulations);
    write_attribute(ctx, file, "calibration_failed", failed);
    write_failures(ctx, file, "calibration_", failures);
  });
}

void ResultsWriter::finish(const std::string& stop_reason) {
  const std::string dir = detail::generation_dir(path_);
  // Without room to pack, the folder stays (the run's data is complete either way).
  const std::uintmax_t bytes = folder_bytes(dir);
  const bool pack = bytes <= pack_limit_ && pack_room(path_, bytes).fits();
  edit_copy(path_, [&](const Context& ctx, hid_t file) {
    write_attribute(ctx, file, "stop_reason", stop_reason);
    if (pack) pack_generations(ctx, file, directory_of(path_));
  });
  if (pack) remove_generation_files(dir);
}

PackResult pack_results(const std::string& path) {
  detail::silence_hdf5_errors();
  const ResultsFile file = read_results(path);  // refuses foreign links, names a missing folder
  if (file.stop_reason.empty()) {
    throw IoError("results file '" + path +
                  "' has no stop reason: its run is still writing it or was interrupted; pack it "
                  "once the run has finished (abcsmc run --resume finishes an interrupted one)");
  }
  PackResult out;
  out.folder = detail::generation_dir(path);
  out.bytes = folder_bytes(out.folder);
  const PackRoom room = pack_room(path, out.bytes);
  if (!room.fits()) {
    throw IoError("results file '" + path + "': packing needs " +
                  std::to_string(room.needed >> 20) + " MiB free beside it (twice the data, as a " +
                  "margin), there are " + std::to_string(room.available >> 20) + " MiB");
  }
  edit_copy(path, [&](const Context& ctx, hid_t root) {
    out.generations = pack_generations(ctx, root, directory_of(path));
  });
  remove_generation_files(out.folder);
  return out;
}

}  // namespace abcsmc::io
