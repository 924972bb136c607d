#pragma once
/// Small RAII layer over the HDF5 C API (private to src/io). Every id an HDF5 call returns is held
/// by a Handle that closes it with the matching H5*close; failures become IoError messages that
/// name the results file and what was being done, plus HDF5's own innermost description.
#include <hdf5.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

#include "abcsmc/core/error.hpp"

namespace abcsmc::io::detail {

/// Owns one HDF5 id and closes it with `CloseFn` (never throws on destruction).
template <herr_t (*CloseFn)(hid_t)>
class Handle {
 public:
  Handle() = default;
  explicit Handle(hid_t id) : id_(id) {}
  ~Handle() { reset(); }
  Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)) {}
  Handle& operator=(Handle&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = std::exchange(other.id_, H5I_INVALID_HID);
    }
    return *this;
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;

  /// @return the id (negative when empty).
  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  /// Closes now. @return the status of the close call (0 when there was nothing to close).
  herr_t close() {
    if (id_ < 0) return 0;
    const herr_t status = CloseFn(id_);
    id_ = H5I_INVALID_HID;
    return status;
  }
  /// Closes, ignoring errors.
  void reset() noexcept { static_cast<void>(close()); }

 private:
  hid_t id_ = H5I_INVALID_HID;
};

using File = Handle<H5Fclose>;
using Group = Handle<H5Gclose>;
using Dataset = Handle<H5Dclose>;
using Dataspace = Handle<H5Sclose>;
using Attribute = Handle<H5Aclose>;
using Datatype = Handle<H5Tclose>;  ///< only for types from H5Tcopy / H5?get_type, never predefined
using PropertyList = Handle<H5Pclose>;

/// Prepares HDF5 for this module; every entry point (writer, reader) calls it before any other
/// HDF5 call:
///  - turns off HDF5's automatic printing of error stacks for the calling thread (the stack is
///    per thread in thread-safe builds, hence at each entry point);
///  - tells HDF5 not to close files at exit (H5dont_atexit, effective only before the library
///    initialises, a no-op after). When a write fails for lack of space, H5Fclose fails too
///    and leaves a half-closed file registered (HDF5 1.10); the atexit H5_term_library would
///    close it again and crash (SIGSEGV in H5F__close_cb, exit 139 instead of 1). Every file
///    this module opens is closed explicitly before it is used, so nothing is lost at exit.
inline void silence_hdf5_errors() {
  static_cast<void>(H5dont_atexit());
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
}

/// The innermost description on the calling thread's HDF5 error stack ("" when empty), which is
/// usually the useful one (e.g. "unable to open file: name = 'x', errno = 2, ...").
inline std::string hdf5_error_message() {
  std::string message;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_DOWNWARD,
      [](unsigned, const H5E_error2_t* err, void* data) -> herr_t {
        if (err != nullptr && err->desc != nullptr && err->desc[0] != '\0') {
          *static_cast<std::string*>(data) = err->desc;  // keep overwriting: innermost wins
        }
        return 0;
      },
      &message);
  H5Eclear2(H5E_DEFAULT);
  return message;
}

/// Failure context: the results file a group of HDF5 calls works on.
class Context {
 public:
  explicit Context(std::string file) : file_(std::move(file)) {}
  const std::string& file() const { return file_; }

  /// @throws IoError "results file 'F': cannot WHAT (HDF5: ...)".
  [[noreturn]] void fail(const std::string& what) const {
    std::string message = "results file '" + file_ + "': cannot " + what;
    const std::string detail = hdf5_error_message();
    if (!detail.empty()) message += " (HDF5: " + detail + ")";
    throw IoError(message);
  }
  /// @return id when it is valid. @throws IoError otherwise.
  hid_t check(hid_t id, const std::string& what) const {
    if (id < 0) fail(what);
    return id;
  }
  /// @throws IoError when status < 0.
  void check(herr_t status, const std::string& what) const {
    if (status < 0) fail(what);
  }

 private:
  std::string file_;
};

/// Variable-length UTF-8 C string type (h5py reads it as str).
inline Datatype make_string_type(const Context& ctx) {
  Datatype type(ctx.check(H5Tcopy(H5T_C_S1), "create a string type"));
  ctx.check(H5Tset_size(type.get(), H5T_VARIABLE), "create a string type");
  ctx.check(H5Tset_cset(type.get(), H5T_CSET_UTF8), "create a string type");
  return type;
}

/// File access properties: no HDF5 file locking. The writer never opens the visible file (it
/// works on private copies), so locks protect nothing and only break on NFS/Lustre.
inline PropertyList make_file_access(const Context& ctx) {
  PropertyList fapl(ctx.check(H5Pcreate(H5P_FILE_ACCESS), "create file access properties"));
  ctx.check(H5Pset_file_locking(fapl.get(), false, true), "disable file locking");
  return fapl;
}

// --- layout names shared by the writer and the reader -----------------------------------------
inline constexpr const char* kFormatName = "abcsmc-results";
inline constexpr int kFormatVersion = 1;

/// Group name of generation t: "t0003" (zero-padded to 4 digits, more digits when t > 9999).
inline std::string generation_name(std::uint32_t t) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "t%04u", static_cast<unsigned>(t));
  return buffer;
}

/// Names of the links in `group` (`what` names it in errors), in name order.
inline std::vector<std::string> link_names(const Context& ctx, hid_t group,
                                           const std::string& what) {
  std::vector<std::string> names;
  hsize_t index = 0;
  const herr_t status = H5Literate(
      group, H5_INDEX_NAME, H5_ITER_INC, &index,
      [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
        static_cast<std::vector<std::string>*>(data)->emplace_back(name);
        return 0;
      },
      &names);
  ctx.check(status, "list '" + what + "'");
  return names;
}

/// Where external link `name` of `group` points (H5Lget_info said it is one, of `size` bytes).
struct ExternalTarget {
  std::string file;    ///< as stored: relative to the linking file's folder
  std::string object;  ///< path inside that file
};
inline ExternalTarget external_target(const Context& ctx, hid_t group, const std::string& name,
                                      std::size_t size, const std::string& what) {
  std::vector<char> value(size);
  ctx.check(H5Lget_val(group, name.c_str(), value.data(), value.size(), H5P_DEFAULT),
            "read link '" + what + "'");
  const char* file = nullptr;
  const char* object = nullptr;
  unsigned flags = 0;
  ctx.check(H5Lunpack_elink_val(value.data(), value.size(), &flags, &file, &object),
            "read link '" + what + "'");
  return {file, object};
}

/// The folder of a results file's generation files: "<path>.d" (docs/results-format.md).
inline std::string generation_dir(const std::string& path) { return path + ".d"; }

}  // namespace abcsmc::io::detail
