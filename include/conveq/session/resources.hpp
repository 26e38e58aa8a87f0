#pragma once
// What a problem costs before anything is allocated: memory and BLAS's integer limits.
#include "conveq/core/problem.hpp"

namespace conveq {

// Refuses, before anything is allocated, a problem whose tensors would not fit in memory
// or whose GEMM dimensions exceed BLAS's 32-bit integers. Throws InputError.
// `threads` (0: every hardware thread) bounds how many comparisons hold buffers at once.
void check_resources(const Problem& problem, int threads = 0);

// The bytes a compare run of the problem needs, about: inputs, outputs, buffers.
double estimated_bytes(const Problem& problem, int threads);

}  // namespace conveq
