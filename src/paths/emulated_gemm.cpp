#include "conveq/paths/emulated_gemm.hpp"

#include <algorithm>

#include "conveq/core/parallel.hpp"

namespace conveq {
namespace {

// One problem runs at a time in a process (as gemm.hpp's provider); the scope sets these
// around a path's run.
std::optional<HalfFormat> active_format;
int active_threads = 1;

}  // namespace

std::optional<HalfFormat> emulated_gemm_format() {
  return active_format;
}

EmulatedGemmScope::EmulatedGemmScope(std::optional<HalfFormat> format, int threads)
    : previous_format_(active_format), previous_threads_(active_threads) {
  active_format = format;
  active_threads = std::max(threads, 1);
}

EmulatedGemmScope::~EmulatedGemmScope() {
  active_format = previous_format_;
  active_threads = previous_threads_;
}

void emulated_gemm(HalfFormat format, bool transpose_a, bool transpose_b, int64_t m, int64_t n,
                   int64_t k, const float* a, int64_t lda, const float* b, int64_t ldb,
                   bool accumulate, float* c, int64_t ldc) {
  const int threads = threads_for_work(
      static_cast<double>(m) * static_cast<double>(n) * static_cast<double>(k), active_threads);
  parallel_for(m, threads, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      float* row = c + i * ldc;
      if (!accumulate) std::fill_n(row, n, 0.0f);
      // Term p of every element of the row, then term p + 1: each element still adds its terms
      // in order p = 0, 1, ..., one rounded product and one rounded sum each.
      for (int64_t p = 0; p < k; ++p) {
        const float a_ip = transpose_a ? a[p * lda + i] : a[i * lda + p];
        for (int64_t j = 0; j < n; ++j) {
          const float b_pj = transpose_b ? b[j * ldb + p] : b[p * ldb + j];
          row[j] = half_add(format, row[j], half_mul(format, a_ip, b_pj));
        }
      }
    }
  });
}

}  // namespace conveq
