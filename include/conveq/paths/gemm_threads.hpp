#pragma once
// The memory-bound passes around a GEMM (the im2col column build, the bias) on the threads that
// are awake at that moment: oneDNN's OpenMP threads when it is the --gemm provider (they just
// ran the GEMM and spin for a while), conveq's own threads otherwise (OpenBLAS's pool is not
// ours to use). Never both pools at once, as 2 cores oversubscribe quickly.
#include <cstdint>
#include <functional>

namespace conveq {

// Calls body(begin, end) on contiguous, disjoint chunks of [0, count), on the GEMM's thread
// count (current_gemm_threads()): the provider's OpenMP threads for oneDNN, conveq's otherwise.
// Worth it only for passes over megabytes: `bytes` is the pass's size, and below a few hundred
// KiB it runs on the calling thread.
void parallel_for_near_gemm(int64_t count, double bytes,
                            const std::function<void(int64_t, int64_t)>& body);

// Like parallel_for_near_gemm, for bodies that call gemm() on their own chunk: every gemm()
// inside runs on one thread, whether the chunks run on the GEMM's threads or, below the size
// where threads pay, one after the other on the calling thread. A GEMM's order of summation
// may depend on its threads (dnnl_sgemm splits k between them for small m: 1,709 of 2,048
// elements differed between 1 and 2 threads at m 16, k 1000), so this keeps the bits
// independent of the thread count. oneDNN only (its dnnl_sgemm runs on one thread inside an
// OpenMP region); other providers run the body on the calling thread unchanged.
void parallel_gemms_near_gemm(int64_t count, double bytes,
                              const std::function<void(int64_t, int64_t)>& body);

}  // namespace conveq
