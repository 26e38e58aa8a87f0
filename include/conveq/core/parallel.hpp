#pragma once
// One level of parallelism: conveq's own threads for the direct loops, BLAS's own pool
// for the GEMMs, never both at once (2 cores oversubscribe quickly).
#include <cstdint>
#include <functional>
#include <string>

namespace conveq {

// The machine's hardware threads (at least 1).
int hardware_threads();

// Calls body(begin, end) on `threads` contiguous, disjoint chunks of [0, count). Each index
// is handled by exactly one call, so results do not depend on the thread count as long as
// the body's work for an index does not.
void parallel_for(int64_t count, int threads, const std::function<void(int64_t, int64_t)>& body);

// How many of `threads` are worth starting for `work` multiply-adds: starting a thread costs
// about as much as this many multiply-adds, so small problems run on fewer threads.
int threads_for_work(double work, int threads);

// Sets the BLAS library's thread pool size (OpenBLAS).
void set_blas_threads(int threads);

// OpenBLAS's kernels in use, e.g. "Haswell" or "Cooperlake": its own choice for the CPU, or
// the one forced by the OPENBLAS_CORETYPE environment variable.
std::string blas_core();

}  // namespace conveq
