#pragma once
/// The kernels' vectorised exp (src/core/exp_loops.cpp), exposed for the test that its loops
/// agree bit for bit: which one runs is chosen by the CPU (AVX2 or not), so a cluster with two
/// CPU generations runs both.
#include <cstddef>

namespace abcsmc::detail {

/// Which loop computes the terms (each finishes the tail its vectors leave with the next one).
enum class ExpLoop { best, avx2, sse2, scalar };

/// out[i] = exp(e[i] - shift) for i < m (arguments below -708 clamped), by `loop`; `best` is what
/// the kernels use (AVX2 when the CPU has it, else SSE2 on x86-64, else scalar).
/// @return false, computing nothing, when `loop` is not available in this build or on this CPU.
bool exp_shifted(const double* e, double shift, double* out, std::size_t m, ExpLoop loop);

}  // namespace abcsmc::detail
