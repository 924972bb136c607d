#include "abcsmc/core/parallel.hpp"

namespace abcsmc {

const ParallelFor& sequential_for() {
  static const SequentialFor instance;
  return instance;
}

}  // namespace abcsmc
