#pragma once
/// Checks for text that ends up in the results file as an HDF5 UTF-8 string (names, the config
/// text): it must be valid UTF-8 (h5py's .asstr() and every other reader decode it) and have no
/// NUL byte (HDF5 C strings end there, silently truncating the name). Private to src/io.
#include <string>
#include <string_view>

namespace abcsmc::io::detail {

/// What keeps `text` from being stored as an HDF5 UTF-8 string, e.g. "byte 0xff at position 3
/// is not valid UTF-8", or "" when nothing does. Positions count bytes from 1. Overlong forms,
/// UTF-16 surrogates and code points above U+10FFFF are invalid, as in RFC 3629.
std::string utf8_problem(std::string_view text);

/// `text` for a message: bytes of invalid UTF-8 and control characters as \xNN, the rest as is.
std::string printable(std::string_view text);

}  // namespace abcsmc::io::detail
