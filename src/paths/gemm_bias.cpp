#include "conveq/paths/gemm_bias.hpp"

#include <algorithm>

#include "conveq/paths/emulated_gemm.hpp"
#include "conveq/paths/gemm.hpp"
#include "conveq/paths/gemm_threads.hpp"

namespace conveq {
namespace {

// Elements of C per block of the blocked method: 2 MiB of float32, what the two cores' L2
// caches hold together, so that the bias pass reads the block from cache.
constexpr int64_t kBlockElements = int64_t{1} << 19;

template <typename T>
void add_bias_rows(T* c, int64_t begin, int64_t end, int64_t cols, int64_t ldc, const T* bias,
                   BiasAxis axis) {
  for (int64_t i = begin; i < end; ++i) {
    T* row = c + i * ldc;
    if (axis == BiasAxis::per_row) {
      const T v = bias[i];
      for (int64_t j = 0; j < cols; ++j) row[j] += v;
    } else {
      for (int64_t j = 0; j < cols; ++j) row[j] += bias[j];
    }
  }
}

template <typename T>
void prefill(T* c, int64_t rows, int64_t cols, int64_t ldc, const T* bias, BiasAxis axis) {
  for (int64_t i = 0; i < rows; ++i) {
    if (axis == BiasAxis::per_row) {
      std::fill_n(c + i * ldc, cols, bias[i]);
    } else {
      std::copy_n(bias, cols, c + i * ldc);
    }
  }
}

// C = A * B + bias on blocks of C along the axis that does not carry the bias (columns for a
// per-row bias, rows for a per-column one), each block's bias pass right after its GEMM.
template <typename T>
void blocked(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const T* a, int64_t lda, const T* b,
             int64_t ldb, const T* bias, BiasAxis axis, T* c, int64_t ldc) {
  if (axis == BiasAxis::per_row) {
    const int64_t step = std::max<int64_t>(64, kBlockElements / std::max<int64_t>(1, m));
    for (int64_t j = 0; j < n; j += step) {
      const int64_t width = std::min(step, n - j);
      gemm(ta, tb, m, width, k, a, lda, tb ? b + j * ldb : b + j, ldb, false, c + j, ldc);
      add_bias(c + j, m, width, ldc, bias, axis);
    }
    return;
  }
  const int64_t step = std::max<int64_t>(64, kBlockElements / std::max<int64_t>(1, n));
  for (int64_t i = 0; i < m; i += step) {
    const int64_t height = std::min(step, m - i);
    gemm(ta, tb, height, n, k, ta ? a + i : a + i * lda, lda, b, ldb, false, c + i * ldc, ldc);
    add_bias(c + i * ldc, height, n, ldc, bias, axis);
  }
}

// With --accumulate same the bias is the first term of the rounded sums, as in the direct loops
// (a pass after the GEMM would add it unrounded, last).
BiasMethod measured_best() {
  if (emulated_gemm_format()) return BiasMethod::prefill;
  return current_gemm_provider() == GemmProvider::onednn ? BiasMethod::after : BiasMethod::prefill;
}

}  // namespace

template <typename T>
void add_bias(T* c, int64_t rows, int64_t cols, int64_t ldc, const T* bias, BiasAxis axis) {
  parallel_for_near_gemm(
      rows, 2.0 * double(rows * cols * int64_t(sizeof(T))),
      [&](int64_t begin, int64_t end) { add_bias_rows(c, begin, end, cols, ldc, bias, axis); });
}

template <typename T>
void gemm_with_bias(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const T* a, int64_t lda,
                    const T* b, int64_t ldb, const T* bias, BiasAxis axis, T* c, int64_t ldc,
                    BiasMethod method) {
  if (bias == nullptr) {
    gemm(ta, tb, m, n, k, a, lda, b, ldb, false, c, ldc);
    return;
  }
  if (method == BiasMethod::automatic) method = measured_best();
  switch (method) {
    case BiasMethod::prefill:
      prefill(c, m, n, ldc, bias, axis);
      gemm(ta, tb, m, n, k, a, lda, b, ldb, true, c, ldc);
      return;
    case BiasMethod::after:
      gemm(ta, tb, m, n, k, a, lda, b, ldb, false, c, ldc);
      add_bias(c, m, n, ldc, bias, axis);
      return;
    case BiasMethod::blocked:
    case BiasMethod::automatic:
      break;
  }
  blocked(ta, tb, m, n, k, a, lda, b, ldb, bias, axis, c, ldc);
}

#define CONVEQ_INSTANTIATE(T)                                                                      \
  template void gemm_with_bias<T>(bool, bool, int64_t, int64_t, int64_t, const T*, int64_t,        \
                                  const T*, int64_t, const T*, BiasAxis, T*, int64_t, BiasMethod); \
  template void add_bias<T>(T*, int64_t, int64_t, int64_t, const T*, BiasAxis);
CONVEQ_INSTANTIATE(float)
CONVEQ_INSTANTIATE(double)
#undef CONVEQ_INSTANTIATE

}  // namespace conveq
