#include "conveq/paths/gemm_bias.hpp"

#include <algorithm>
#include <type_traits>

#include "conveq/paths/emulated_gemm.hpp"
#include "conveq/paths/gemm.hpp"
#include "conveq/paths/gemm_threads.hpp"

namespace conveq {
namespace {

// Elements of C per block of the blocked method: 512 KiB of float32, a quarter of a core's L2
// here, so that the block is still in cache for its bias pass (256-512 KiB measured best at
// (1, 512, 512, 16384) and (8, 256, 256, 4096); 2 MiB blocks lost 5 %).
constexpr int64_t kBlockElements = int64_t{1} << 17;

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

// Whether gemm() may run on each of the GEMM's threads at once, each call single-threaded:
// dnnl_sgemm runs on its calling thread inside an OpenMP region. OpenBLAS has one pool per
// process, and the emulated 16-bit GEMM has threads of its own.
template <typename T>
bool gemm_runs_per_thread() {
  return std::is_same_v<T, float> && current_gemm_provider() == GemmProvider::onednn &&
         !emulated_gemm_format();
}

// C = A * B + bias on blocks of C along the axis that does not carry the bias (columns for a
// per-row bias, rows for a per-column one), each block's bias pass right after its GEMM while
// the block is in cache. Where the provider allows it, each thread takes a contiguous share of
// the blocks, so that no second pass over C and no GEMM-wide synchronisation is left.
// The blocks lie on a grid fixed by the matrix alone, never by the thread count, and the last
// one takes the remainder (so every block has at least `step` rows or columns, or is the whole
// matrix): dnnl_sgemm chooses its kernel, and so its order of summation, by a call's size, and
// a 1- or 2-row tail went to another kernel than the rest (measured: 122 of 128 elements of
// such a row differed), which would make the bits depend on the threads and the batch.
template <typename T>
void blocked(bool ta, bool tb, int64_t m, int64_t n, int64_t k, const T* a, int64_t lda, const T* b,
             int64_t ldb, const T* bias, BiasAxis axis, T* c, int64_t ldc) {
  const bool row_blocks = axis == BiasAxis::per_column;
  const int64_t extent = row_blocks ? m : n, across = row_blocks ? n : m;
  const int64_t step = std::max<int64_t>(64, kBlockElements / std::max<int64_t>(1, across));
  const int64_t blocks = std::max<int64_t>(1, extent / step);
  const bool per_thread = gemm_runs_per_thread<T>();
  const auto run_blocks = [&](int64_t first_block, int64_t end_block) {
    for (int64_t block = first_block; block < end_block; ++block) {
      const int64_t s = block * step, size = block + 1 == blocks ? extent - s : step;
      T* const part = row_blocks ? c + s * ldc : c + s;
      if (row_blocks) {
        gemm(ta, tb, size, n, k, ta ? a + s : a + s * lda, lda, b, ldb, false, part, ldc);
      } else {
        gemm(ta, tb, m, size, k, a, lda, tb ? b + s * ldb : b + s, ldb, false, part, ldc);
      }
      const int64_t rows = row_blocks ? size : m, cols = row_blocks ? n : size;
      if (bias == nullptr) continue;
      if (per_thread) {
        add_bias_rows(part, 0, rows, cols, ldc, bias, axis);
      } else {
        add_bias(part, rows, cols, ldc, bias, axis);
      }
    }
  };
  if (!per_thread) {
    run_blocks(0, blocks);
    return;
  }
  parallel_gemms_near_gemm(blocks, double((m * n + m * k) * int64_t(sizeof(T))), run_blocks);
}

// With --accumulate same the bias is the first term of the rounded sums, as in the direct loops
// (a pass after the GEMM would add it unrounded, last). On oneDNN, nn.Linear's layout (a bias
// per column) runs fastest in row blocks per thread: dnnl_sgemm on the whole channels-last
// matrix reached 0.83-0.87 of the same GEMM in the conv layout, the per-thread blocks 0.98-1.0.
BiasMethod measured_best(BiasAxis axis) {
  if (emulated_gemm_format()) return BiasMethod::prefill;
  if (current_gemm_provider() != GemmProvider::onednn) return BiasMethod::prefill;
  return axis == BiasAxis::per_column ? BiasMethod::blocked : BiasMethod::after;
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
  if (method == BiasMethod::automatic) method = measured_best(axis);
  if (bias == nullptr && method != BiasMethod::blocked) {
    gemm(ta, tb, m, n, k, a, lda, b, ldb, false, c, ldc);
    return;
  }
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
