#pragma once
// The GEMM of the im2col and gemm paths for float16 and bfloat16 problems that accumulate in
// the storage format (--accumulate same): C = A * B (+ C), every product and every sum rounded
// to the format (core/half_formats.hpp), each element summing its k terms in order onto C, the
// way the naive paths add taps onto the bias. gemm<float> hands its calls here while an
// EmulatedGemmScope names a format; otherwise it calls the provider as usual.
#include <cstdint>
#include <optional>

#include "conveq/core/half_formats.hpp"

namespace conveq {

// The format gemm<float> emulates now, if any.
std::optional<HalfFormat> emulated_gemm_format();

// While alive, gemm<float> emulates `format` (nothing when empty) with `threads` threads.
class EmulatedGemmScope {
 public:
  EmulatedGemmScope(std::optional<HalfFormat> format, int threads);
  ~EmulatedGemmScope();
  EmulatedGemmScope(const EmulatedGemmScope&) = delete;
  EmulatedGemmScope& operator=(const EmulatedGemmScope&) = delete;

 private:
  std::optional<HalfFormat> previous_format_;
  int previous_threads_;
};

// Row-major, as gemm(): A m x k (or its transpose), B k x n (or its transpose).
void emulated_gemm(HalfFormat format, bool transpose_a, bool transpose_b, int64_t m, int64_t n,
                   int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb,
                   bool accumulate, float* c, int64_t ldc);

}  // namespace conveq
