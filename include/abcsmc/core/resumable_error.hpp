#pragma once
/// An error after which the run can be resumed (its own header: error.hpp is included by every
/// file, this only by the code that throws or catches it).
#include "abcsmc/core/error.hpp"

namespace abcsmc {

/// The run cannot go on now for a reason outside it (its Redis server stayed unreachable, or
/// came back without the run's state), but what is on file is sound: every complete generation.
/// The CLI exits 3 (resumable) and `abcsmc run CONFIG --resume` continues it.
class ResumableError : public Error {
 public:
  using Error::Error;
};

}  // namespace abcsmc
