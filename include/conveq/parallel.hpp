#pragma once
// One level of parallelism: conveq's own threads for the direct loops, BLAS's own pool
// for the GEMMs, never both at once (2 cores oversubscribe quickly).
#include <cstdint>
#include <functional>

namespace conveq {

// The machine's hardware threads (at least 1).
int hardware_threads();

// Calls body(begin, end) on `threads` contiguous, disjoint chunks of [0, count). Each index
// is handled by exactly one call, so results do not depend on the thread count as long as
// the body's work for an index does not.
void parallel_for(int64_t count, int threads, const std::function<void(int64_t, int64_t)>& body);

// Sets the BLAS library's thread pool size (OpenBLAS), and reads it back.
void set_blas_threads(int threads);
int blas_threads();

}  // namespace conveq
